"""A rename and a merge while another coder is coding (issue 15, pt 6), in two processes on
SQLite and PostgreSQL.

The coder process codes continuously with ``apply_range`` using ``repair`` and
``rupture``; the other process renames ``repair`` to ``reconnection`` and then merges
``reconnection`` into ``rupture``. The coder's open project has cached the old code ids.
When its next action names a code that was renamed or merged, it gets an
``UnknownCodeError`` that names the new key, and it goes on with that key (as the panel does
by reloading the codebook). Afterwards every acknowledged coding is stored under
``rupture``, or was collapsed by the merge into the same coder's ``rupture`` coding of the
same range (reported by the merge, kept in its audit row); no raw database error escapes
(a ``ConflictError`` is allowed and counted).
"""

from __future__ import annotations

import json
import multiprocessing
import random
import re
import time
import traceback
from pathlib import Path
from typing import Any

import pytest

from workbench import open_project
from workbench.errors import ConflictError, UnknownCodeError
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.project import create_project
from workbench.testing import DEMO_CODEBOOK, demo_transcript

DOC = "D1_S3_client"
STARTUP = 8.0
DURATION = 6.0


def _coder(location: str, start_at: float, end_at: float, out: str) -> None:
    rng = random.Random(7)
    log: dict[str, Any] = {"acknowledged": [], "conflicts": 0, "redirects": [],
                           "failures": []}
    project = open_project(location)
    current = {"repair": "repair", "rupture": "rupture"}
    try:
        frame = project.segments(document=DOC, role="participant")
        text = project.document_text(DOC)
        project.apply_range(DOC, int(frame.iloc[0].start), int(frame.iloc[0].end), "repair",
                            "ana")  # caches the code ids before the rename
        while time.time() < start_at:
            time.sleep(0.01)
        while time.time() < end_at:
            row = frame.iloc[rng.randrange(len(frame))]
            logical = rng.choice(["repair", "rupture"])
            lo, hi = int(row.start), int(row.end) - rng.choice([0, 0, 3])
            try:
                applied = project.apply_range(DOC, lo, hi, current[logical], "ana",
                                              expect_text=text[lo:hi])
                log["acknowledged"].append(applied.uuid)
            except UnknownCodeError as exc:
                found = re.search(r"(?:renamed to|merged into) '([^']+)'", str(exc))
                if found is None:
                    log["failures"].append(str(exc))
                else:
                    log["redirects"].append(str(exc))
                    for key, value in current.items():
                        if value == current[logical]:
                            current[key] = found.group(1)
            except ConflictError:
                log["conflicts"] += 1
            except Exception:
                log["failures"].append(traceback.format_exc())
    finally:
        project.close()
        Path(out).write_text(json.dumps(log), encoding="utf-8")


def _editor(location: str, start_at: float, end_at: float, out: str) -> None:
    log: dict[str, Any] = {"collapsed": [], "moved": 0, "failures": []}
    project = open_project(location)
    try:
        while time.time() < start_at + DURATION / 3:
            time.sleep(0.01)
        project.rename_code("repair", new_key="reconnection", new_name="Reconnection")
        while time.time() < start_at + 2 * DURATION / 3:
            time.sleep(0.01)
        report = project.merge_codes("reconnection", "rupture")
        log["collapsed"], log["moved"] = list(report.collapsed), report.moved
    except Exception:
        log["failures"].append(traceback.format_exc())
    finally:
        project.close()
        Path(out).write_text(json.dumps(log), encoding="utf-8")


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "shared.sqlite")
    return str(request.getfixturevalue("pg_url"))


def test_rename_and_merge_while_coding_lose_nothing(location: str, tmp_path: Path) -> None:
    with create_project(location) as project:
        project.import_parsed([parse_ipr_text(demo_transcript("D1", 3, "client"),
                                              source="d.txt")], progress=False)
        project.load_codebook(DEMO_CODEBOOK)
        project.add_coder("ana")
    start_at = time.time() + STARTUP
    end_at = start_at + DURATION
    outs = {"coder": str(tmp_path / "coder.json"), "editor": str(tmp_path / "editor.json")}
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_coder, args=(location, start_at, end_at, outs["coder"])),
                 context.Process(target=_editor, args=(location, start_at, end_at,
                                                       outs["editor"]))]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=STARTUP + DURATION + 60)
        assert process.exitcode == 0
    coder = json.loads(Path(outs["coder"]).read_text(encoding="utf-8"))
    editor = json.loads(Path(outs["editor"]).read_text(encoding="utf-8"))
    assert coder["failures"] == [] and editor["failures"] == [], (coder["failures"][:2],
                                                                  editor["failures"][:2])
    assert len(coder["acknowledged"]) >= 20
    assert any("renamed to 'reconnection'" in r for r in coder["redirects"])
    assert any("merged into 'rupture'" in r for r in coder["redirects"])
    with open_project(location) as project:
        frame = project.codings().set_index("coding_uuid")
        stored = set(frame.index)
        collapsed = set(editor["collapsed"])
        acknowledged = set(coder["acknowledged"])
        assert acknowledged <= stored | collapsed
        assert not stored & collapsed
        assert set(frame["code"]) == {"rupture"}
        # made_as is the key the code had when the coding was made: "repair" before the
        # rename (unless the merge collapsed it into a rupture coding of the same range, as
        # happens when the coder got round to coding every segment with both), then
        # "reconnection", and "rupture"
        assert set(frame["made_as"]) <= {"rupture", "reconnection", "repair"}
        log = project.audit_log()
        merge = log[log["action"] == "merge_codes"].iloc[0]["detail"]
        assert {c["uuid"] for c in merge["collapsed"]} == collapsed
        assert {c["kept"] for c in merge["collapsed"]} <= stored
        # the merge moved the codings made as repair (before the rename) or reconnection
        moved = frame["made_as"].isin(["repair", "reconnection"])
        assert int(moved.sum()) == editor["moved"]
