"""Every failure on bad input is a WorkbenchError naming the file (issue point 12).

Each case here raised something else before (RecursionError, AttributeError, zlib.error,
OSError, OverflowError, spaCy's E088, a traceback from the CLI).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from workbench.cli import main
from workbench.errors import CodebookError, ImportFormatError, TranscriptError, WorkbenchError
from workbench.importing.segmentation import segment_transcripts
from workbench.interop.safe_zip import SafeZip
from workbench.model import CaseAttributes
from workbench.parsing.codebook_yaml import load_codebook_file
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.parsing.readers import read_transcript

ATTRS = CaseAttributes(dyad="D01", session=1, perspective="client")
FRONT = ("---\ndocument: {name}\ndyad: D01\nsession: {session}\nperspective: client\n"
         "speakers:\n  R: {{name: Researcher, role: interviewer}}\n"
         "  C: {{name: Client, role: participant}}\n---\n")


def ipr(name: str = "X", session: object = 3, body: str = "R: Hello.\nC: Hi.\n") -> str:
    return FRONT.format(name=name, session=session) + body


def good_docx(path: Path) -> Path:
    document = docx.Document()
    for text in ("Interviewer: hello.", "Client: hi.", "Interviewer: and?"):
        document.add_paragraph(text)
    document.save(str(path))
    return path


def rewrite_member(source: Path, out: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, data if info.filename == member else zin.read(info))
    return out


def test_deeply_nested_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "deep.ipr.txt"
    path.write_text(ipr().replace("dyad: D01", "dyad: " + "[" * 5000 + "]" * 5000))
    with pytest.raises(TranscriptError, match=r"deep\.ipr\.txt, line \d+: .*nested more than"):
        read_transcript(path)


def test_deeply_nested_codebook(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("name: x\nthemes:\n" + "  " + "- " * 3000 + "x\n")
    with pytest.raises(CodebookError, match=r"deep\.yaml, line \d+: .*nested more than 100"):
        load_codebook_file(path)
    path.write_text("name: x\nthemes: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n")
    with pytest.raises(CodebookError, match=r"deep\.yaml.*nested more than 100"):
        load_codebook_file(path)


def test_docx_with_an_unexpected_xml_root(tmp_path: Path) -> None:
    path = rewrite_member(good_docx(tmp_path / "a.docx"), tmp_path / "root.docx",
                          "word/document.xml", b'<?xml version="1.0"?><foo/>')
    with pytest.raises(ImportFormatError, match=r"root\.docx: not a readable Word \.docx"):
        read_transcript(path, attributes=ATTRS)


def test_docx_with_a_corrupt_deflate_stream(tmp_path: Path) -> None:
    good = good_docx(tmp_path / "a.docx")
    raw = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for index in range(start + 10, start + 60):
        raw[index] ^= 0x55
    path = tmp_path / "corrupt.docx"
    path.write_bytes(bytes(raw))
    with pytest.raises(ImportFormatError, match=r"corrupt\.docx: member 'word/document\.xml' "
                                                r"is damaged .* save it again"):
        read_transcript(path, attributes=ATTRS)


@pytest.mark.parametrize("declaration", ['encoding="U-F-8"', 'encoding="no-such-codec"'])
def test_xml_declaring_an_unknown_encoding(tmp_path: Path, declaration: str) -> None:
    """Found by the fuzz suite: lxml and expat raise LookupError for an unknown encoding."""
    from workbench.interop.refi_codebook import read_qdc

    path = tmp_path / "book.qdc"
    path.write_bytes(f'<?xml version="1.0" {declaration}?>\n<CodeBook/>'.encode())
    with pytest.raises(ImportFormatError, match=r"book\.qdc.*cannot be read"):
        read_qdc(path)


def test_corrupt_qdpx_member_header(tmp_path: Path) -> None:
    """A central directory pointing past the end of the file."""
    path = tmp_path / "x.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", "<Project/>")
    raw = bytearray(path.read_bytes())
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 42 : central + 46] = (0xFFFFFF00).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(ImportFormatError, match=r"x\.qdpx"), SafeZip(path) as archive:
        archive.read("project.qde")


def test_session_too_large() -> None:
    with pytest.raises(TranscriptError, match=r"x\.ipr\.txt, line \d+: session must be between"):
        parse_ipr_text(ipr(session=10**30), source="x.ipr.txt")


def test_turn_longer_than_spacy_allows_names_file_and_turn() -> None:
    parsed = parse_ipr_text(ipr(body="R: Hello.\nC: " + "word " * 210_000 + "\n"),
                            source="long.ipr.txt")
    with pytest.raises(TranscriptError, match=r"long\.ipr\.txt: turn 2 \(Client\) has "
                                              r"1,049,999 characters.*unit='turn'"):
        segment_transcripts([parsed])
    assert len(segment_transcripts([parsed], unit="turn")[0]) == 2


@pytest.mark.parametrize("argv", [
    ["info", "{dir}/notdb.sqlite"],
    ["info", "postgresql+psycopg://u@:99999999/x"],
    ["info", "nosuchdialect://x"],
    ["coder", "add", "{dir}/p.sqlite", " "],
    ["import", "{dir}/p.sqlite", "{dir}/deep.ipr.txt"],
    ["import", "{dir}/p.sqlite", "{dir}/x.pdf"],
    ["codebook", "load", "{dir}/p.sqlite", "{dir}/missing.yaml"],
    ["info"],
    ["frobnicate"],
])
def test_cli_prints_one_line_and_exits_2(tmp_path: Path, argv: list[str],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notdb.sqlite").write_text("hello, not a database")
    (tmp_path / "deep.ipr.txt").write_text(ipr().replace("D01", "[" * 3000 + "]" * 3000, 1))
    (tmp_path / "x.pdf").write_text("%PDF")
    assert main(["init", str(tmp_path / "p.sqlite")]) == 0
    capsys.readouterr()
    argv = [part.format(dir=tmp_path) for part in argv]
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse usage errors
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("workbench: error: "), err
    assert "Traceback" not in err


def test_cli_error_is_one_line_in_a_subprocess(tmp_path: Path) -> None:
    import subprocess
    import sys

    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"\x00" * 4096)
    done = subprocess.run([sys.executable, "-m", "workbench.cli", "info", str(bad)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("workbench: error: ") and done.stderr.count("\n") == 1


def test_every_error_is_a_workbench_error() -> None:
    assert issubclass(ImportFormatError, WorkbenchError)


def test_refi_session_too_large_is_noted_not_an_overflow() -> None:
    from workbench.interop.refi_read import attributes_from_variables

    attributes, note = attributes_from_variables(
        {"dyad": "D1", "session": str(10**30), "perspective": "client"}, "x")
    assert attributes.session == 0
    assert "not a whole number from 0 to 100,000" in note


def test_project_import_raises_transcript_errors_not_overflow_or_spacy(tmp_path: Path) -> None:
    from workbench import create_project

    big = tmp_path / "big.ipr.txt"
    big.write_text(ipr(name="big", session=10**20), encoding="utf-8")
    long = tmp_path / "long.ipr.txt"
    long.write_text(ipr(name="long", body="R: Hi.\nC: " + "word " * 210_000 + "\n"),
                    encoding="utf-8")
    with create_project(tmp_path / "p.sqlite") as project:
        with pytest.raises(TranscriptError, match=r"big\.ipr\.txt, line \d+: session must"):
            project.import_transcripts([big], progress=False)
        with pytest.raises(TranscriptError, match=r"long\.ipr\.txt: turn 2 \(Client\)"):
            project.import_transcripts([long], progress=False)
        assert len(project.documents()) == 0
