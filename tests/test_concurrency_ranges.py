"""Several processes code, remove and re-import the same transcript at once (issue 11, pt 4).

Three coder processes apply codes (by segment id from a frame they read now and then, and
by range with the text and content hash they were shown) and remove some of their own
codings, while a fourth re-imports the transcript again and again, alternating the
original and an edited version (offsets move, one coded sentence changes and changes
back). Each process writes down what the project acknowledged. Afterwards:

* every acknowledged coding that was not acknowledged as removed is stored (re-anchored)
  or listed as unanchored with a reason: nothing acknowledged is lost;
* nothing is stored that was not acknowledged, and no acknowledged removal is still there;
* the audit has exactly one ``apply_code`` row per acknowledged coding and one
  ``remove_code`` row per acknowledged removal;
* the only errors are ``ConflictError``/``StaleError`` (stale ids, a changed document),
  never a raw database error.

Then two processes remove the same codings at once: each removal is reported once.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import time
import traceback
from pathlib import Path
from typing import Any

import pytest

from workbench import open_project
from workbench.errors import ConflictError
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.project import Project, create_project
from workbench.testing import DEMO_CODEBOOK, demo_transcript

DOC = "D1_S3_client"
CODERS = ("ana", "ben", "chloe")
CODES = ("anxiety", "withdrawal", "repair", "empathy")
REIMPORTS = 10  # the coders work until the re-importer has done this many
TIMEOUT = 120.0  # seconds: a safety stop for a stuck run (it ends long before)


def _original() -> str:
    return demo_transcript("D1", 3, "client")


def _edited() -> str:
    return (_original()
            .replace("R: Stop the video whenever you like.",
                     "R: Stop the video whenever you like. Take your time.")
            .replace("It felt pointless to explain.", "It felt hard to explain."))


def _wait(ready: Any, start: Any) -> None:
    """Say this process is ready (imports done, project open), then wait for the start."""
    ready.release()
    if not start.wait(TIMEOUT):
        raise TimeoutError("the test never started the workers")


def _coder(location: str, coder: str, ready: Any, start: Any, stop: Any, out: str) -> None:
    rng = random.Random(coder)
    log: dict[str, Any] = {"created": [], "removed": [], "conflicts": 0, "failures": []}
    project = open_project(location)
    try:
        _wait(ready, start)
        deadline = time.time() + TIMEOUT
        frame = project.segments(document=DOC, role="participant")
        text, sha = project.document_text(DOC), project.document_sha256(DOC)
        steps = 0
        while not stop.is_set() and time.time() < deadline:
            steps += 1
            if steps % 7 == 0:  # the panel reloads now and then
                frame = project.segments(document=DOC, role="participant")
                text, sha = project.document_text(DOC), project.document_sha256(DOC)
            row = frame.iloc[rng.randrange(len(frame))]
            code = rng.choice(CODES)
            try:
                if log["created"] and rng.random() < 0.25:
                    uuid = rng.choice(log["created"])
                    if uuid not in log["removed"] and project.remove_coding(uuid, coder):
                        log["removed"].append(uuid)
                elif rng.random() < 0.5:
                    [applied] = project.apply_codes([(row.segment_id, code, coder, "", None)])
                    if applied.created:
                        log["created"].append(applied.uuid)
                else:
                    lo = int(row.start) + rng.randrange(0, 4)
                    hi = min(int(row.end) + rng.choice([0, 0, 40]), len(text))
                    applied = project.apply_range(DOC, lo, hi, code, coder,
                                                  expect_text=text[lo:hi], document_sha256=sha)
                    if applied.created:
                        log["created"].append(applied.uuid)
            except ConflictError:  # StaleError too: refused, nothing saved
                log["conflicts"] += 1
            except Exception:
                log["failures"].append(traceback.format_exc())
    finally:
        project.close()
        Path(out).write_text(json.dumps(log), encoding="utf-8")


def _reimporter(location: str, ready: Any, start: Any, stop: Any, out: str) -> None:
    log: dict[str, Any] = {"reimports": 0, "conflicts": 0, "failures": []}
    versions = [parse_ipr_text(_edited(), source="d.txt"),
                parse_ipr_text(_original(), source="d.txt")]
    project = open_project(location)
    try:
        _wait(ready, start)
        deadline = time.time() + TIMEOUT
        while log["reimports"] < REIMPORTS and time.time() < deadline:
            try:
                import warnings

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    project.import_parsed([versions[log["reimports"] % 2]], progress=False,
                                          store_in="thread")
                log["reimports"] += 1
            except ConflictError:
                log["conflicts"] += 1
            except Exception:
                log["failures"].append(traceback.format_exc())
            time.sleep(0.1)  # let the coders work between re-imports
    finally:
        stop.set()
        project.close()
        Path(out).write_text(json.dumps(log), encoding="utf-8")


def _remover(location: str, coder: str, uuids: list[str], seed: int, ready: Any, start: Any,
             out: str) -> None:
    log: dict[str, Any] = {"removed": [], "failures": []}
    order = list(uuids)
    random.Random(seed).shuffle(order)
    project = open_project(location)
    try:
        _wait(ready, start)
        for uuid in order:
            try:
                if project.remove_coding(uuid, coder) is not None:
                    log["removed"].append(uuid)
            except ConflictError:
                pass
            except Exception:
                log["failures"].append(traceback.format_exc())
    finally:
        project.close()
        Path(out).write_text(json.dumps(log), encoding="utf-8")


def _new_project(location: str) -> None:
    with create_project(location) as project:
        project.import_parsed([parse_ipr_text(_original(), source="d.txt")], progress=False)
        project.load_codebook(DEMO_CODEBOOK)
        for coder in CODERS:
            project.add_coder(coder)


def _run(jobs: list[tuple[Any, tuple[Any, ...]]]) -> None:
    """Start the workers (each gets ``ready, start, stop`` events after its arguments, as
    its signature says), wait until all are ready, start them together, and wait."""
    context = multiprocessing.get_context("spawn")
    ready, start, stop = context.Semaphore(0), context.Event(), context.Event()
    processes = []
    for target, args in jobs:
        extra = (ready, start, stop) if target is not _remover else (ready, start)
        processes.append(context.Process(target=target, args=(*args[:-1], *extra, args[-1])))
    for process in processes:
        process.start()
    for _ in processes:
        assert ready.acquire(timeout=TIMEOUT), "a worker process did not get ready"
    start.set()
    for process in processes:
        process.join(timeout=2 * TIMEOUT)
        assert process.exitcode == 0, f"a worker process died ({process.exitcode})"


def _audit_keys(project: Project, action: str) -> list[str]:
    log = project.audit_log()
    return list(log.loc[log["action"] == action, "entity_key"])


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "shared.sqlite")
    return str(request.getfixturevalue("pg_url"))


def test_coding_while_the_transcript_is_re_imported_loses_nothing(location: str,
                                                                   tmp_path: Path) -> None:
    _new_project(location)
    outs = {coder: str(tmp_path / f"{coder}.json") for coder in CODERS}
    outs["reimport"] = str(tmp_path / "reimport.json")
    _run([(_coder, (location, coder, outs[coder])) for coder in CODERS]
         + [(_reimporter, (location, outs["reimport"]))])
    logs = {name: json.loads(Path(path).read_text(encoding="utf-8"))
            for name, path in outs.items()}
    for name, log in logs.items():
        assert log["failures"] == [], (name, log["failures"][:2])
    created = {u for c in CODERS for u in logs[c]["created"]}
    removed = {u for c in CODERS for u in logs[c]["removed"]}
    assert logs["reimport"]["reimports"] == REIMPORTS, logs["reimport"]
    assert len(created) >= 10 and removed, (len(created), len(removed))
    with open_project(location) as project:
        stored = set(project.codings()["coding_uuid"])
        aside = set(project.unanchored_codings()["coding_uuid"])
        assert not stored & aside
        # every acknowledged coding is kept (re-anchored or unanchored), nothing else is
        assert stored | aside == created - removed
        assert not removed & (stored | aside)
        # the audit matches the rows, one event per acknowledged change
        applies = _audit_keys(project, "apply_code")
        removals = _audit_keys(project, "remove_code")
        assert sorted(applies) == sorted(created)
        assert sorted(removals) == sorted(removed)
        # and every stored coding is on its text
        texts = {name: project.document_text(name) for name in project.documents()}
        for row in project.codings(with_attributes=False).itertuples():
            assert texts[row.document][row.start:row.end] == row.text
        print(f"\n{location.split('?')[0]}: {len(created)} acknowledged codings, "
              f"{len(removed)} acknowledged removals, {logs['reimport']['reimports']} "
              f"re-imports; stored {len(stored)} + unanchored {len(aside)} = "
              f"{len(stored) + len(aside)} = acknowledged - removed; refused as conflicts: "
              f"{sum(logs[c]['conflicts'] for c in CODERS)}")


def test_two_processes_removing_the_same_codings_report_each_once(location: str,
                                                                   tmp_path: Path) -> None:
    _new_project(location)
    with open_project(location) as project:
        segments = project.segments(document=DOC)
        uuids = [project.apply_code(s, code, "ana")
                 for s in segments["segment_id"] for code in CODES[:2]]
    outs = [str(tmp_path / f"remover{i}.json") for i in range(2)]
    _run([(_remover, (location, "ana", uuids, i, outs[i])) for i in range(2)])
    logs = [json.loads(Path(out).read_text(encoding="utf-8")) for out in outs]
    for log in logs:
        assert log["failures"] == []
    first, second = (set(log["removed"]) for log in logs)
    assert not first & second  # no removal is reported twice
    assert first | second == set(uuids)
    with open_project(location) as project:
        assert project.codings().empty
        assert sorted(_audit_keys(project, "remove_code")) == sorted(uuids)  # no phantoms
