"""A .qdpx import is all or nothing (issue 16, pt 2).

A failure at any stage of an import (documents, codebook, coders, codings, memos; an
exception, a database error, ``KeyboardInterrupt``, or a file whose problem shows only late)
leaves every row of every table as it was, on SQLite and PostgreSQL; warnings and reports
of a rolled-back import are never shown; the CLI prints one error line and exits 2.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from workbench import Project, create_project, export_qdpx, import_qdpx, open_project
from workbench.cli import main
from workbench.errors import DuplicateImportError, ImportFormatError, UnknownCoderError
from workbench.importing.document_writer import DocumentWriter
from workbench.interop import refi_import
from workbench.interop.refi_codebook import export_qdc
from workbench.model import ParsedTranscript
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.storage import codings_store as cs
from workbench.storage.schema import metadata
from workbench.testing import DEMO_CODEBOOK, demo_transcript, make_demo_project

Dump = dict[str, list[tuple[Any, ...]]]


def dump(project: Project) -> Dump:
    """Every row of every table of the schema (sorted, so row order does not matter)."""
    with project.store.reading() as conn:
        return {table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
                for table in metadata.sorted_tables}


class Boom(Exception):
    """The failure injected into a step."""


def _turn_document() -> ParsedTranscript:
    return parse_ipr_text(demo_transcript("D9", 5, "client"), source="D9.txt")


@pytest.fixture(scope="module")
def source_qdpx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workbench export: four sentence documents and one turn document (stored in that
    order), the demo codebook plus a new code, two coders, 45 codings and three memos."""
    folder = tmp_path_factory.mktemp("source")
    with create_project(folder / "source.sqlite") as source:
        source.import_parsed([parse_ipr_text(demo_transcript(d, 4, p), source=f"{d}.txt")
                              for d in ("D7", "D8") for p in ("client", "therapist")],
                             progress=False)
        source.import_parsed([_turn_document()], unit="turn", progress=False)
        source.load_codebook(DEMO_CODEBOOK)
        source.create_code("hope", "Hope", theme=source.codebook.themes[0].key,
                           definition="Hope for change")
        for coder in ("ana", "ben"):
            source.add_coder(coder)
        for i, row in enumerate(source.segments(role="participant").itertuples()):
            source.apply_code(int(row.segment_id), ("hope", "anxiety", "empathy")[i % 3],
                              ("ana", "ben")[i % 2])
        source.write_memo("ana", "project", "", "Project memo")
        source.write_memo("ana", "document", "D7_S4_client", "Document memo")
        source.write_memo("ben", "code", "hope", "Code memo")
        return export_qdpx(source, folder / "source.qdpx")


def _edited_d1() -> ParsedTranscript:
    text = demo_transcript("D1", 3, "client").replace("It felt pointless to explain.",
                                                      "It felt hard to explain.")
    return parse_ipr_text(text, source="D1.txt")


@pytest.fixture(scope="module")
def edited_qdpx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project with D1_S3_client edited, exported: importing it into the demo
    project replaces that document and leaves one of its codings unanchored (a warning)."""
    folder = tmp_path_factory.mktemp("edited")
    with make_demo_project(folder / "edited.sqlite") as edited:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            edited.import_parsed([_edited_d1()], progress=False)
        edited.write_memo("ana", "project", "", "Edited project memo")
        edited.write_memo("ben", "project", "", "Another memo")
        return export_qdpx(edited, folder / "edited.qdpx")


@pytest.fixture(params=["empty", "populated"])
def target(request: pytest.FixtureRequest, backend_url: str) -> Iterator[Project]:
    """The project imported into: new and empty, or the demo project (documents, codebook,
    coders, codings) with a memo."""
    if request.param == "empty":
        project = create_project(backend_url)
    else:
        project = make_demo_project(backend_url)
        project.write_memo("chloe", "project", "", "Kept memo")
    yield project
    project.close()


def _fail_on_call(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, call: int,
                  seen: Callable[[], object], error: BaseException,
                  evidence: list[object]) -> None:
    """Make ``owner.name`` raise ``error`` on its ``call``-th call (the earlier ones run),
    noting ``seen()`` (what the import has written by then, as the import sees it)."""
    original = getattr(owner, name)
    calls = [0]

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == call:
            evidence.append(seen())
            raise error
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, failing)


def _documents(project: Project) -> int:
    return len(project.documents())


def _codings(project: Project) -> int:
    return len(project.codings(with_attributes=False))


# (stage, owner, method, failing call, what must have been written by then)
STAGES: dict[str, tuple[object, str, int, Callable[[Project], object]]] = {
    "after some documents": (DocumentWriter, "write", 3, _documents),
    "after the codebook": (refi_import._Importer, "_codings", 1,
                           lambda p: p.codebook_version()),
    "among the coders": (Project, "add_coder", 2,
                         lambda p: (p.coders(), p.documents(), p.codebook_version())),
    "in the middle of codings": (Project, "_store_range", 20, _codings),
    "in memos": (Project, "write_memo", 2, lambda p: len(p.memos())),
}


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_failure_at_any_stage_leaves_every_table_as_it_was(
    target: Project, source_qdpx: Path, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    owner, method, call, seen = STAGES[stage]
    before = dump(target)
    coders, documents = target.coders(), target.documents()
    start = seen(target)
    evidence: list[object] = []
    _fail_on_call(monkeypatch, owner, method, call, lambda: seen(target), Boom(stage),
                  evidence)
    with pytest.raises(Boom):
        import_qdpx(target, source_qdpx, progress=False)
    assert evidence and evidence[0] != start  # the import had written part of the file
    assert dump(target) == before
    # the project's caches forget what was rolled back
    assert target.coders() == coders and target.documents() == documents
    monkeypatch.undo()
    report = import_qdpx(target, source_qdpx, progress=False)
    assert [r.status for r in report.documents] == ["added"] * 5
    assert report.codings == report.codings_new == 45 and report.memos == 3
    after = dump(target)
    for table, rows in before.items():  # nothing that was there is changed or gone
        if table not in ("codes", "themes"):  # the merged codebook updates their positions
            assert set(rows) <= set(after[table]), table
    assert _codings(target) == len(before["codings"]) + 45


def test_a_database_error_in_memos_rolls_everything_back(
    target: Project, source_qdpx: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real error from the database (on PostgreSQL it aborts the transaction)."""
    before = dump(target)

    def broken(conn: Any, **_: Any) -> str:
        conn.exec_driver_sql("INSERT INTO no_such_table VALUES (1)")
        return ""

    monkeypatch.setattr(cs, "save_memo", broken)
    with pytest.raises(Exception, match="no_such_table"):
        import_qdpx(target, source_qdpx, progress=False)
    assert dump(target) == before


def test_keyboard_interrupt_leaves_the_project_unchanged(
    target: Project, source_qdpx: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = dump(target)
    evidence: list[object] = []
    _fail_on_call(monkeypatch, Project, "_store_range", 10, lambda: _codings(target),
                  KeyboardInterrupt(), evidence)
    with pytest.raises(KeyboardInterrupt):
        import_qdpx(target, source_qdpx, progress=False)
    assert evidence == [len(before["codings"]) + 9]
    assert dump(target) == before
    monkeypatch.undo()
    assert import_qdpx(target, source_qdpx, progress=False).codings_new == 45


def test_a_file_whose_problem_shows_late_changes_nothing(
    backend_url: str, source_qdpx: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The turn document of the file has the content of a stored document of another name:
    the importer finds out only after storing the four sentence documents."""
    with make_demo_project(backend_url) as project:
        project.import_parsed([replace(_turn_document(), name="D9 elsewhere")], unit="turn",
                              progress=False)
        before = dump(project)
        stored: list[str] = []
        write = DocumentWriter.write

        def spy(self: DocumentWriter, transcript: ParsedTranscript, *args: Any) -> Any:
            report = write(self, transcript, *args)
            stored.append(transcript.name)
            return report

        monkeypatch.setattr(DocumentWriter, "write", spy)
        with pytest.raises(DuplicateImportError, match="D9 elsewhere"):
            import_qdpx(project, source_qdpx, progress=False)
        assert len(stored) == 4  # stored, then rolled back
        assert dump(project) == before


def test_a_failed_reimport_keeps_codings_and_never_warns(
    backend_url: str, edited_qdpx: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replacing a coded document (re-anchoring its codings, one unanchored) and then
    failing restores the document and its codings, and the unanchored warning is not shown;
    the same import without the failure shows it."""
    with make_demo_project(backend_url) as project:
        before = dump(project)
        text = project.document_text("D1_S3_client")
        evidence: list[object] = []
        _fail_on_call(monkeypatch, Project, "write_memo", 2,
                      lambda: (project.document_text("D1_S3_client"),
                               len(project.unanchored_codings())), Boom("memo"), evidence)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(Boom):
                import_qdpx(project, edited_qdpx, progress=False)
        new_text, unanchored = evidence[0]  # type: ignore[misc]
        assert new_text != text and unanchored > 0  # replaced and re-anchored, then undone
        assert [str(w.message) for w in caught] == []
        assert dump(project) == before
        assert project.document_text("D1_S3_client") == text
        monkeypatch.undo()
        with pytest.warns(UserWarning, match="could not be re-anchored"):
            report = import_qdpx(project, edited_qdpx, progress=False)
        assert {r.document: r.status for r in report.documents}["D1_S3_client"] == "updated"
        assert len(project.unanchored_codings()) == unanchored


def test_atomic_commits_together_or_not_at_all(empty_project: Project) -> None:
    """Project.atomic on its own: a nested failure rolls back its part only; an outer
    failure rolls back everything; warnings are issued after the commit only."""
    with pytest.warns(UserWarning, match="kept"), empty_project.atomic():
        empty_project.add_coder("ana")
        warnings.warn("kept", UserWarning, stacklevel=1)
        with pytest.raises(Boom), empty_project.atomic():
            empty_project.add_coder("ben")
            raise Boom
        assert empty_project.coders() == ["ana"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(Boom), empty_project.atomic():
            empty_project.add_coder("chloe")
            empty_project.write_memo("chloe", "project", "", "note")
            warnings.warn("dropped", UserWarning, stacklevel=1)
            raise Boom
    assert caught == []
    assert empty_project.coders() == ["ana"]
    assert len(empty_project.memos()) == 0
    with pytest.raises(UnknownCoderError):
        empty_project.write_memo("chloe", "project", "", "note")
    assert not empty_project.store.in_atomic


def test_other_sessions_see_nothing_until_the_commit(backend_url: str) -> None:
    with create_project(backend_url) as project, open_project(backend_url) as other:
        with project.atomic():
            project.add_coder("ana")
            assert project.coders() == ["ana"]
            assert dump(other)["coders"] == []  # (a Project caches its coders)
        assert [row[1] for row in dump(other)["coders"]] == ["ana"]


# -- .qdc codebooks ---------------------------------------------------------------------
def test_a_failed_qdc_load_changes_nothing(
    sqlite_demo: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A .qdc is read whole, then stored in one transaction: a failure after its rows were
    written (in the audit record) leaves the codebook as it was."""
    from workbench.storage import codebook_store

    codebook = sqlite_demo.codebook
    grown = replace(codebook, codes=(*codebook.codes, replace(codebook.codes[0], key="extra",
                                                              name="Extra")))
    qdc = export_qdc(grown, tmp_path / "grown.qdc")
    before = dump(sqlite_demo)

    def failing(*_: Any, **__: Any) -> None:
        raise Boom("audit")

    monkeypatch.setattr(codebook_store, "record", failing)
    with pytest.raises(Boom):
        main(["import", sqlite_demo.location, str(qdc), "--no-progress"])
    assert dump(sqlite_demo) == before


# -- the command line -------------------------------------------------------------------
def _corrupt_zip(folder: Path) -> Path:
    path = folder / "corrupt.qdpx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive" * 10)
    return path


def _malformed_xml(folder: Path) -> Path:
    path = folder / "malformed.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", '<?xml version="1.0"?><Project name="x"><Sources>')
    return path


@pytest.mark.parametrize("problem", ["corrupt zip", "malformed xml", "late duplicate",
                                     "codings step"])
def test_cli_failure_prints_one_line_exits_2_and_changes_nothing(
    tmp_path: Path, source_qdpx: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], problem: str,
) -> None:
    location = str(tmp_path / "cli.sqlite")
    with make_demo_project(location) as project:
        if problem == "late duplicate":
            project.import_parsed([replace(_turn_document(), name="D9 elsewhere")],
                                  unit="turn", progress=False)
        before = dump(project)
    path = source_qdpx
    if problem == "corrupt zip":
        path = _corrupt_zip(tmp_path)
    elif problem == "malformed xml":
        path = _malformed_xml(tmp_path)
    elif problem == "codings step":  # after the documents, codebook and coders are stored
        def refuse(*_: Any) -> None:
            raise ImportFormatError("a selection could not be stored; fix the file.")

        monkeypatch.setattr(Project, "apply_ranges", refuse)
    capsys.readouterr()
    assert main(["import", location, str(path), "--no-progress"]) == 2
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("workbench: error: "), err
    assert out == ""  # no summary of an import that was rolled back
    with open_project(location) as project:
        assert dump(project) == before


def test_cli_qdc_and_qdpx_of_one_command_are_one_transaction(
    tmp_path: Path, source_qdpx: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A .qdc loaded before a .qdpx that fails is rolled back with it; on success both
    summaries are printed."""
    location = str(tmp_path / "both.sqlite")
    with make_demo_project(location) as project:
        codebook = project.codebook
        project.import_parsed([replace(_turn_document(), name="D9 elsewhere")], unit="turn",
                              progress=False)
        before = dump(project)
    grown = replace(codebook, codes=(*codebook.codes, replace(codebook.codes[0], key="extra",
                                                              name="Extra")))
    qdc = export_qdc(grown, tmp_path / "grown.qdc")
    capsys.readouterr()
    assert main(["import", location, str(qdc), str(source_qdpx), "--no-progress"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and "D9 elsewhere" in err
    with open_project(location) as project:
        assert dump(project) == before
    assert main(["import", location, str(qdc), "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert "codebook version" in out and err == ""
    with open_project(location) as project:
        assert "extra" in project.codebook.keys


def test_cli_interrupt_leaves_the_project_unchanged(
    tmp_path: Path, source_qdpx: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    location = str(tmp_path / "interrupt.sqlite")
    with make_demo_project(location) as project:
        before = dump(project)
    evidence: list[object] = []
    _fail_on_call(monkeypatch, Project, "write_memo", 1, lambda: None, KeyboardInterrupt(),
                  evidence)
    capsys.readouterr()
    assert main(["import", location, str(source_qdpx), "--no-progress"]) == 130
    out, err = capsys.readouterr()
    assert evidence == [None] and out == ""
    assert len(err.splitlines()) == 1 and "not at all" in err
    with open_project(location) as project:
        assert dump(project) == before


def _as_a_terminal_shows(stream: str) -> list[str]:
    """The lines a terminal would still show: each line's text after its last carriage
    return (a progress bar redraws itself with \\r and is blanked when it is left)."""
    return [shown for line in stream.split("\n") if (shown := line.split("\r")[-1].strip())]


def test_cli_failure_with_progress_bars_leaves_one_line(
    tmp_path: Path, source_qdpx: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    location = str(tmp_path / "bars.sqlite")
    make_demo_project(location).close()

    def refuse(*_: Any) -> None:
        raise ImportFormatError("a selection could not be stored; fix the file.")

    monkeypatch.setattr(Project, "apply_ranges", refuse)  # after the documents were stored
    capsys.readouterr()
    assert main(["import", location, str(source_qdpx)]) == 2
    _, err = capsys.readouterr()
    assert "\r" in err  # the documents' progress bar was drawn ...
    shown = _as_a_terminal_shows(err)
    assert len(shown) == 1 and shown[0].startswith("workbench: error: "), err  # ... and erased
