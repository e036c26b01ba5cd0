"""`workbench codebook` operations: one line each; errors one line with exit status 2;
exporting and loading the export again is a no-op (on both backends)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import open_project
from workbench.cli import main
from workbench.testing import make_demo_project


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_codebook_operations_from_the_cli(backend_url: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    make_demo_project(backend_url).close()
    p = backend_url
    status, out, _ = _run(capsys, "codebook", "create", p, "hope", "--name", "Hope",
                          "--theme", "facilitators", "--definition", "Expecting better.")
    assert status == 0 and out.startswith("created code 'hope' (codebook version")
    assert len(out.strip().splitlines()) == 1
    status, out, _ = _run(capsys, "codebook", "rename", p, "repair", "--key", "reconnection",
                          "--name", "Reconnection")
    assert status == 0 and "renamed 'repair' to 'reconnection'" in out
    status, out, _ = _run(capsys, "codebook", "merge", p, "reconnection", "empathy")
    assert status == 0 and "merged 'reconnection' into 'empathy'" in out and "moved" in out
    status, out, _ = _run(capsys, "codebook", "move", p, "hope", "--parent", "empathy")
    assert status == 0 and "moved 'hope'" in out
    status, out, _ = _run(capsys, "codebook", "split", p, "rupture", "rupture_away",
                          "rupture_against", "--define", "rupture_away=Moving away.",
                          "--define", "rupture_against=Moving against.")
    assert status == 0 and "codings wait for recoding" in out
    with open_project(p) as project:
        queued = project.recode_queue()
        assert len(queued) > 0
        uuid = queued.iloc[0]["coding_uuid"]
        assert project.codebook.code("rupture_away").definition == "Moving away."
        made = project.codings().set_index("coding_uuid")
        # made as 'repair' (its key then), renamed 'reconnection', now merged into empathy
        moved = made[made["made_as"] == "repair"]
        assert len(moved) > 0 and set(moved["code"]) == {"empathy"}
        assert set(moved["made_as_name"]) == {"Repair"}
    status, out, _ = _run(capsys, "codebook", "recode", p, uuid, "rupture_away")
    assert status == 0 and "is now 'rupture_away'" in out
    status, out, _ = _run(capsys, "codebook", "retire", p, "hope")
    assert status == 0 and "retired 'hope'" in out
    status, out, _ = _run(capsys, "codebook", "restore", p, "hope")
    assert status == 0 and "restored 'hope'" in out

    exported = tmp_path / "codebook.yaml"
    status, out, _ = _run(capsys, "codebook", "export", p, str(exported))
    assert status == 0 and f"to {exported}" in out
    with open_project(p) as project:
        version = project.codebook_version()
    status, out, _ = _run(capsys, "codebook", "load", p, str(exported))
    assert status == 0 and f"codebook version {version}:" in out
    with open_project(p) as project:
        assert project.codebook_version() == version
    status, out, _ = _run(capsys, "codebook", "export", p, str(tmp_path / "codebook.qdc"))
    assert status == 0 and (tmp_path / "codebook.qdc").stat().st_size > 0


def test_codebook_operation_errors_are_one_line(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    p = str(tmp_path / "demo.sqlite")
    make_demo_project(p).close()
    for argv in (["merge", p, "repair", "nope"], ["rename", p, "repair"],
                 ["rename", p, "repair", "--key", "empathy"], ["retire", p, "nope"],
                 ["restore", p, "repair"], ["move", p, "repair", "--theme", "nowhere"],
                 ["create", p, "bad key", "--name", "x", "--theme", "barriers",
                  "--definition", "d"],
                 ["split", p, "rupture", "a_new", "--define", "a_new=d"],
                 ["recode", p, "no-such-uuid", "repair"]):
        status, out, err = _run(capsys, "codebook", *argv)
        assert status == 2, argv
        assert out == "" and len(err.strip().splitlines()) == 1, (argv, err)
        assert err.startswith("workbench: error: ")


def test_reload_that_renames_is_refused_on_the_cli(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    p = str(tmp_path / "demo.sqlite")
    make_demo_project(p).close()
    exported = tmp_path / "cb.yaml"
    assert main(["codebook", "export", p, str(exported)]) == 0
    exported.write_text(exported.read_text().replace("key: repair", "key: reconnection"))
    capsys.readouterr()
    status, _, err = _run(capsys, "codebook", "load", p, str(exported))
    assert status == 2 and "workbench codebook rename PROJECT repair --key reconnection" in err
