"""Where an import stores documents: a worker thread or a child process, with one behaviour.

Both sinks must store exactly the same rows, re-anchor the same way, stop at the first
document that fails (raising the same exception), and leave every stored document complete
when the import dies or is interrupted half-way.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
import warnings

import pandas as pd
import pytest
import sqlalchemy as sa

import workbench.importing.importer as importer_module
import workbench.importing.storage_sink as storage_module
from workbench import StorageError, create_project
from workbench.importing.importer import Importer
from workbench.importing.segmentation import segment_transcripts
from workbench.importing.storage_sink import (
    StorageProcess,
    StorageThread,
    can_store_from_process,
    pack_transcript,
    unpack_transcript,
)
from workbench.model import ParsedTranscript, Turn
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.storage.engine import is_url
from workbench.testing import DEMO_CODEBOOK, demo_transcript

SINKS = ("thread", "process")


def _batch(dyads=("D1", "D2", "D3"), session=3) -> list[ParsedTranscript]:
    return [parse_ipr_text(demo_transcript(d, session, p), source=f"{d}_{p}.ipr.txt")
            for d in dyads for p in ("client", "therapist")]


def _content(project) -> dict[str, pd.DataFrame]:
    """Everything an import writes, without surrogate ids and timestamps."""
    tables = {}
    with project.store.reading() as conn:
        for table, order in (("cases", "key"), ("documents", "name"), ("turns", "document_id, idx"),
                             ("segments", "document_id, idx"), ("case_attributes", "case_id, name")):
            frame = pd.read_sql(sa.text(f"SELECT * FROM {table} ORDER BY {order}"), conn)
            tables[table] = frame.drop(columns=[c for c in frame.columns
                                                if c in ("id", "imported_at", "updated_at")])
    audit = project.audit_log()
    tables["audit"] = audit[["actor", "action", "entity", "entity_key"]].reset_index(drop=True)
    tables["audit_detail"] = pd.DataFrame({"detail": [str(d) for d in audit["detail"]]})
    return tables


def _assert_complete(project, transcripts: list[ParsedTranscript]) -> list[str]:
    """Every stored document has all its turns and segments; the stored names, in order."""
    expected = dict(zip([t.name for t in transcripts], segment_transcripts(transcripts),
                        strict=True))
    turns = {t.name: len(t.turns) for t in transcripts}
    stored = project.documents()
    frame = project.segments(with_attributes=False)
    for name in stored:
        rows = frame[frame["document"] == name]
        assert list(rows["text"]) == [d.text for d in expected[name]], name
        assert len(project.turns(name)) == turns[name], name
    return stored


# -- the wire format --------------------------------------------------------------------
def test_pack_and_unpack_give_an_equal_transcript():
    [transcript] = _batch(("D1",))[:1]
    assert any(t.video_time is None for t in transcript.turns)  # the opening turn
    assert transcript.attributes.extra  # free attributes travel too
    edited = dataclasses.replace(transcript, warnings=("read as cp1252",))
    for original in (transcript, edited):
        copy = unpack_transcript(pickle.loads(pickle.dumps(pack_transcript(original))))
        assert copy == original
        assert copy.sha256 == original.sha256
    # the packed turn row must name every Turn field, in order (Turn(*row) rebuilds it)
    row = pack_transcript(transcript)[-1][0]
    assert len(row) == len(dataclasses.fields(Turn))
    assert len(pack_transcript(transcript)) == len(dataclasses.fields(ParsedTranscript))


# -- choosing the sink -------------------------------------------------------------------
def test_auto_uses_the_process_for_large_sentence_imports_only(tmp_path, monkeypatch):
    project = create_project(tmp_path / "p.sqlite")
    batch = _batch()
    characters = sum(len(turn.text) for t in batch for turn in t.turns)
    importer = Importer(project.store)
    monkeypatch.setattr(importer_module, "PROCESS_MIN_CHARACTERS", characters + 1)
    with importer._sink(batch, "sentence") as sink:
        assert isinstance(sink, StorageThread)
        sink.finish()
    monkeypatch.setattr(importer_module, "PROCESS_MIN_CHARACTERS", characters)
    with importer._sink(batch, "sentence") as sink:
        assert isinstance(sink, StorageProcess)
        assert sink.finish() == []
    with importer._sink(batch, "turn") as sink:  # no spaCy to overlap with: the thread
        assert isinstance(sink, StorageThread)
        sink.finish()
    with pytest.raises(ValueError, match="store_in must be"):
        Importer(project.store, store_in="elsewhere")  # type: ignore[arg-type]
    project.close()


def test_a_project_must_be_a_file_or_a_server(tmp_path):
    for target in (":memory:", "sqlite://", "sqlite:///:memory:"):
        with pytest.raises(StorageError, match="not in memory"):
            create_project(target)
    # a sqlite:/// URL is a file path, with the same checks and pragmas
    project = create_project(f"sqlite:///{tmp_path / 'u.sqlite'}")
    assert project.store.location == str(tmp_path / "u.sqlite")
    assert can_store_from_process(project.store)
    with project.store.reading() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    project.close()


# -- the same result either way ------------------------------------------------------------
@pytest.fixture
def two_projects(backend_url, tmp_path):
    """One empty project per sink, on the backend under test."""
    projects = {}
    if is_url(backend_url):
        from conftest import fresh_pg_schema  # the shared fresh-schema helper

        with fresh_pg_schema() as other:
            projects = {"thread": create_project(backend_url), "process": create_project(other)}
            yield projects
            for project in projects.values():
                project.close()
        return
    projects = {sink: create_project(tmp_path / f"{sink}.sqlite") for sink in SINKS}
    yield projects
    for project in projects.values():
        project.close()


@pytest.mark.parametrize("unit", ["sentence", "turn"])
def test_thread_and_process_store_the_same_rows(two_projects, unit):
    batch = _batch()
    reports = {sink: project.import_parsed(batch, unit=unit, progress=False, store_in=sink)
               for sink, project in two_projects.items()}
    assert reports["thread"] == reports["process"]
    assert [r.status for r in reports["process"]] == ["added"] * len(batch)
    content = {sink: _content(project) for sink, project in two_projects.items()}
    for table, frame in content["thread"].items():
        pd.testing.assert_frame_equal(frame, content["process"][table], obj=table)
    assert len(content["process"]["segments"]) > len(content["process"]["documents"])
    if unit == "sentence":
        _assert_complete(two_projects["process"], batch)
    # an unchanged re-import through the process changes nothing
    again = two_projects["process"].import_parsed(batch, unit=unit, progress=False,
                                                  store_in="process")
    assert [r.status for r in again] == ["unchanged"] * len(batch)
    pd.testing.assert_frame_equal(_content(two_projects["process"])["audit"],
                                  content["process"]["audit"])


def _coded(project) -> None:
    project.import_parsed(_batch(("D1",)), progress=False, store_in="thread")
    project.load_codebook(DEMO_CODEBOOK)
    project.add_coder("ana")
    for row in project.segments(role="participant").itertuples():
        if "judged" in row.text or "quiet" in row.text or "nervous" in row.text:
            project.apply_code(int(row.segment_id), "rupture", "ana", memo=f"memo on {row.text[:12]}")


def test_an_edited_reimport_reanchors_the_same_way_from_the_process(two_projects):
    for project in two_projects.values():
        _coded(project)
    edited = [parse_ipr_text(demo_transcript("D1", 3, p).replace(
        "R: What was going on for you here?", "R: Tell me, what was going on for you here?", 1
    ).replace("judged", "misjudged"), source=f"D1_{p}.ipr.txt") for p in ("client", "therapist")]
    results = {}
    for sink, project in two_projects.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            reports = project.import_parsed(edited, progress=False, store_in=sink)
        codings = project.codings()[["coder", "code", "document", "start", "end", "text", "memo"]]
        aside = project.unanchored_codings()[["code", "text", "memo", "reason"]]
        results[sink] = (reports, codings, aside, sorted(str(w.message) for w in caught))
    thread, process = results["thread"], results["process"]
    assert [r.status for r in process[0]] == ["updated", "updated"]
    assert sum(r.reanchored for r in process[0]) > 0
    assert sum(len(r.unanchored) for r in process[0]) > 0  # "judged" text is gone
    assert [dataclasses.replace(r, unanchored=()) for r in thread[0]] == [
        dataclasses.replace(r, unanchored=()) for r in process[0]]
    pd.testing.assert_frame_equal(thread[1].reset_index(drop=True),
                                  process[1].reset_index(drop=True))
    pd.testing.assert_frame_equal(thread[2].reset_index(drop=True),
                                  process[2].reset_index(drop=True))
    # the parent warns about each coding the child could not re-anchor
    assert process[3] and all("could not be re-anchored" in m for m in process[3])
    assert len(process[3]) == len(thread[3]) == len(process[2])


# -- failures ---------------------------------------------------------------------------
def _refuse_document(project, name: str) -> None:
    """A database trigger that makes storing document ``name`` fail (a real database error)."""
    with project.store.transaction() as conn:
        if project.store.dialect == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON documents "
                f"WHEN NEW.name = '{name}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )
        else:
            function = "refuse_" + uuid.uuid4().hex[:8]
            conn.exec_driver_sql(
                f"CREATE FUNCTION {function}() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.name = '{name}' THEN RAISE EXCEPTION 'refused by the test'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            conn.exec_driver_sql(f"CREATE TRIGGER refuse BEFORE INSERT ON documents "
                                 f"FOR EACH ROW EXECUTE FUNCTION {function}()")


@pytest.mark.parametrize("sink", SINKS)
def test_the_import_stops_at_the_first_document_that_fails(empty_project, sink):
    project = empty_project
    batch = _batch()
    failing = batch[2].name
    _refuse_document(project, failing)
    with pytest.raises(sa.exc.DBAPIError, match="refused by the test") as caught:
        project.import_parsed(batch, progress=False, store_in=sink)
    # the documents before it are stored completely; it and the ones after are not
    assert _assert_complete(project, batch) == sorted(t.name for t in batch[:2])
    assert list(project.audit_log()["entity_key"]) == [t.name for t in batch[:2]]
    if sink == "process":
        notes = "\n".join(getattr(caught.value, "__notes__", []))
        assert f"while storing {failing} in the import's storage process" in notes
        assert "Traceback" in notes  # the child's own traceback
    assert not [t for t in threading.enumerate() if t.name.startswith("workbench-store")]


class _Recorder:
    """Wraps StorageProcess.__init__ to keep each instance (the test needs the child's pid)."""

    def __init__(self, monkeypatch):
        self.sinks: list[StorageProcess] = []
        original = StorageProcess.__init__

        def init(sink, *args, **kwargs):
            original(sink, *args, **kwargs)
            self.sinks.append(sink)

        monkeypatch.setattr(StorageProcess, "__init__", init)


def _wait_for_answers(sink: StorageProcess, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(sink._answers) < count:
        assert time.monotonic() < deadline, "the storage process did not answer"
        time.sleep(0.01)


def test_a_storage_process_that_dies_is_reported_and_stored_documents_are_complete(
        tmp_path, monkeypatch):
    project = create_project(tmp_path / "p.sqlite")
    batch = _batch(("D1", "D2", "D3", "D4"))
    monkeypatch.setattr(importer_module, "CHUNK_TURNS", 1)  # one document per chunk
    recorder = _Recorder(monkeypatch)

    def progress(items, total, label):
        for number, item in enumerate(items):
            if number == 2:  # two documents sent; kill the child once it stored the first
                sink = recorder.sinks[0]
                _wait_for_answers(sink, 1)
                os.kill(sink.child.pid, signal.SIGKILL)
                sink.child.wait()
                sink._reader.join(10)
            yield item

    with pytest.raises(StorageError, match=r"stopped unexpectedly \(exit code -9\)") as caught:
        project.import_parsed(batch, progress=progress, store_in="process")
    message = str(caught.value)
    assert "run the import again to store the rest" in message
    stored = _assert_complete(project, batch)
    assert batch[0].name in stored and len(stored) <= 2
    # the child may commit a document and be killed before it confirms it
    confirmed = int(re.search(r"after confirming (\d+) of the", message).group(1))
    assert confirmed in (len(stored), len(stored) - 1)
    # importing again stores the rest and skips what is there
    reports = project.import_parsed(batch, progress=False, store_in="process")
    assert [r.status for r in reports].count("unchanged") == len(stored)
    assert sorted(_assert_complete(project, batch)) == sorted(t.name for t in batch)
    project.close()


def test_an_interrupted_import_stops_the_child_and_keeps_documents_whole(tmp_path, monkeypatch):
    project = create_project(tmp_path / "p.sqlite")
    batch = _batch(("D1", "D2", "D3"))
    monkeypatch.setattr(importer_module, "CHUNK_TURNS", 1)
    recorder = _Recorder(monkeypatch)

    def progress(items, total, label):
        for number, item in enumerate(items):
            if number == 3:
                _wait_for_answers(recorder.sinks[0], 1)
                raise KeyboardInterrupt
            yield item

    with pytest.raises(KeyboardInterrupt):
        project.import_parsed(batch, progress=progress, store_in="process")
    child = recorder.sinks[0].child
    assert child.poll() is not None  # terminated, not left running
    stored = _assert_complete(project, batch)
    assert 1 <= len(stored) <= 3
    assert not [t for t in threading.enumerate() if t.name.startswith("workbench-store")]
    project.close()


def test_the_child_reports_a_project_it_cannot_open(tmp_path):
    """The child's side of the protocol: an unopenable project is answered, not crashed on."""
    missing = tmp_path / "gone.sqlite"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run(
        [sys.executable, "-m", "workbench.importing.storage_sink"],
        input=pickle.dumps(("open", str(missing), "ana")), capture_output=True, env=env,
        timeout=120, check=False,
    )
    assert result.returncode == 1
    kind, document, error, description, remote = pickle.loads(result.stdout)
    assert (kind, document) == ("failed", None)
    assert isinstance(error, StorageError) and f"no project at {missing}" in str(error)
    assert "Traceback" in remote
    raised = storage_module._failure(document, error, description, remote)
    assert raised is error and "while opening the project" in raised.__notes__[0]
    assert not missing.exists()  # it did not create one either


def test_the_storage_process_works_from_a_jupyter_kernel(tmp_path):
    """Notebooks are where researchers import: the child must start from inside a kernel."""
    from jupyter_client.manager import start_new_kernel

    thread = create_project(tmp_path / "thread.sqlite")
    thread.import_parsed(_batch(), progress=False, store_in="thread")
    expected = _content(thread)
    thread.close()
    target = tmp_path / "kernel.sqlite"
    code = (
        "import workbench as wb\n"
        "from workbench.parsing.ipr_text import parse_ipr_text\n"
        "from workbench.testing import demo_transcript\n"
        f"project = wb.create_project({str(target)!r})\n"
        "batch = [parse_ipr_text(demo_transcript(d, 3, p), source=f'{d}_{p}.ipr.txt')\n"
        "         for d in ('D1', 'D2', 'D3') for p in ('client', 'therapist')]\n"
        "reports = project.import_parsed(batch, progress=False, store_in='process')\n"
        "print('STATUSES', *[r.status for r in reports])\n"
        "project.close()\n"
    )
    printed: list[str] = []
    errors: list[str] = []

    def hook(message):
        content = message["content"]
        if message["msg_type"] == "stream":
            printed.append(content["text"])
        elif message["msg_type"] == "error":
            errors.append("\n".join(content["traceback"]))

    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        client.execute_interactive(code, output_hook=hook, timeout=120)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert errors == []
    assert "STATUSES " + " ".join(["added"] * 6) in "".join(printed)
    from workbench import open_project

    project = open_project(target)
    content = _content(project)
    project.close()
    for table, frame in expected.items():
        pd.testing.assert_frame_equal(frame, content[table], obj=table)
