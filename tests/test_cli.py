"""The `workbench` command: every subcommand, one-line errors, exit codes, progress on stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from workbench import open_project
from workbench.cli import main
from workbench.testing import demo_transcript

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebooks" / "ipr_relational.yaml"


@pytest.fixture
def transcripts(tmp_path: Path) -> list[Path]:
    paths = []
    for dyad in ("D1", "D2"):
        path = tmp_path / f"{dyad}_S3_client.ipr.txt"
        path.write_text(demo_transcript(dyad, 3, "client"), encoding="utf-8")
        paths.append(path)
    return paths


def test_init_import_codebook_coder_info_export(tmp_path, transcripts, capsys):
    project = str(tmp_path / "study.sqlite")
    assert main(["init", project]) == 0
    assert main(["import", project, *map(str, transcripts)]) == 0
    out = capsys.readouterr().out
    assert "D1_S3_client: added (" in out and "D2_S3_client: added (" in out
    assert main(["import", project, str(transcripts[0])]) == 0
    assert "D1_S3_client: unchanged" in capsys.readouterr().out
    assert main(["codebook", "load", project, str(CODEBOOK)]) == 0
    assert "codebook version 1: IPR relational codebook" in capsys.readouterr().out
    assert main(["coder", "add", project, "maria", "tom"]) == 0
    assert "coders: maria, tom" in capsys.readouterr().out

    with open_project(project) as opened:
        segment = int(opened.segments(role="participant").segment_id.iloc[0])
        opened.apply_code(segment, "anxiety", "maria", memo="nervous")
    assert main(["info", project]) == 0
    info = capsys.readouterr().out
    assert "documents:  2" in info and "codings:    1" in info and "maria: 1" in info
    assert "15 codes in 4 themes" in info

    out_csv = tmp_path / "out" / "codings.csv"
    assert main(["export", "codings", project, str(out_csv)]) == 0
    exported = pd.read_csv(out_csv)
    assert list(exported.code) == ["anxiety"] and list(exported.memo) == ["nervous"]
    assert {"dyad", "perspective", "theme", "coder", "text"} <= set(exported.columns)


def test_errors_print_one_line_and_exit_2(tmp_path, transcripts, capsys):
    missing = str(tmp_path / "missing.sqlite")
    assert main(["info", missing]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("workbench: error: no project at")
    assert "workbench init" in err[0]

    project = str(tmp_path / "p.sqlite")
    main(["init", project])
    bad = tmp_path / "bad.ipr.txt"
    bad.write_text(demo_transcript("D3", 3, "client").replace("R: What", "Q: What", 1),
                   encoding="utf-8")
    capsys.readouterr()
    assert main(["import", project, str(transcripts[0]), str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.ipr.txt, line" in err[0] and "declared speaker" in err[0]
    with open_project(project) as opened:
        assert opened.documents() == []  # nothing half-imported

    typo = tmp_path / "typo.yaml"
    typo.write_text(CODEBOOK.read_text(encoding="utf-8").replace("definition:", "defintion:", 1),
                    encoding="utf-8")
    assert main(["codebook", "load", project, str(typo)]) == 2
    err = capsys.readouterr().err
    assert "unknown field 'defintion' (did you mean 'definition'?)" in err
    assert main(["import", project, str(tmp_path / "nothere.ipr.txt")]) == 2
    assert "workbench: error:" in capsys.readouterr().err


def test_console_script_shows_progress_and_no_traceback(tmp_path, transcripts):
    project = str(tmp_path / "p.sqlite")
    script = Path(sys.executable).with_name("workbench")
    run = subprocess.run([str(script), "init", project], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stderr
    run = subprocess.run([str(script), "import", project, *map(str, transcripts)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert "Importing" in run.stderr  # the progress bar goes to stderr
    run = subprocess.run([str(script), "codebook", "load", project, str(tmp_path / "none.yaml")],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().startswith("workbench: error:")


def test_export_flags_write_every_format_asked(tmp_path, capsys):
    from workbench.testing import make_demo_project

    make_demo_project(tmp_path / "demo.sqlite").close()
    project = str(tmp_path / "demo.sqlite")
    out = tmp_path / "out"
    assert main(["export", project, "--qdpx", str(out / "p.qdpx"), "--qdc", str(out / "c.qdc"),
                 "--xlsx", str(out / "t.xlsx"), "--csv", str(out / "tables")]) == 0
    assert (out / "p.qdpx").stat().st_size > 0 and (out / "c.qdc").stat().st_size > 0
    assert (out / "t.xlsx").stat().st_size > 0
    codings = pd.read_csv(out / "tables" / "codings.csv")
    with open_project(project) as opened:
        assert len(codings) == len(opened.codings())
    assert main(["export", "csv", project, str(out / "again")]) == 0
    assert (out / "again" / "cases.csv").exists()
    with pytest.raises(SystemExit):
        main(["export", project])  # no format named: argparse error, exit 2
    assert "name at least one of" in capsys.readouterr().err


def test_import_prints_reader_warnings_on_stderr(tmp_path, capsys):
    """A caption file with no interviewer is imported, and the CLI says so (issue point 9)."""
    project = str(tmp_path / "study.sqlite")
    vtt = tmp_path / "zoom.vtt"
    vtt.write_text("WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nAnna: Hello there.\n\n"
                   "2\n00:00:04.000 --> 00:00:06.000\nBen: Hi Anna.\n", encoding="utf-8")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("file,dyad,session,perspective\nzoom.vtt,D1,3,client\n", encoding="utf-8")
    assert main(["init", project]) == 0
    capsys.readouterr()
    assert main(["import", project, str(vtt), "--attributes", str(sheet), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert "zoom: added (" in captured.out
    lines = captured.err.splitlines()
    assert f"warning: {vtt}: no speaker is the interviewer; name the interviewer in roles or " \
           "in the attribute sheet's 'interviewer' column." in lines
    assert all(line.startswith(f"warning: {vtt}") for line in lines)
    assert len(lines) == len(set(lines))


def test_import_prints_an_encoding_warning_once(tmp_path, capsys):
    project = str(tmp_path / "study.sqlite")
    path = tmp_path / "talk.txt"
    path.write_bytes("Interviewer: Caf\xe9?\nAnna: Oui.\nInterviewer: Bon.\nAnna: Oui.\n"
                     .encode("cp1252"))
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("file,dyad,session,perspective\ntalk.txt,D1,3,client\n", encoding="utf-8")
    assert main(["init", project]) == 0
    capsys.readouterr()
    assert main(["import", project, str(path), "--attributes", str(sheet), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert err.count("read as Windows-1252") == 1
    assert f"warning: {path}: not valid UTF-8" in err
