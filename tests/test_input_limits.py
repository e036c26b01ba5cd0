"""Size limits on input (issue point 13): zip members of .docx files, attribute sheets."""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
from pathlib import Path

import docx
import pytest

from workbench.errors import AttributeSheetError, ImportFormatError
from workbench.model import CaseAttributes
from workbench.parsing.attribute_sheet import MAX_COLUMNS, read_attribute_sheet
from workbench.parsing.readers import read_transcript

ATTRS = CaseAttributes(dyad="D01", session=1, perspective="client")


def _docx(path: Path, filler: int) -> Path:
    """A .docx whose document.xml carries ``filler`` zero characters in an XML comment."""
    document = docx.Document()
    for text in ("Interviewer: hello.", "Client: hi.", "Interviewer: and?", "Client: yes."):
        document.add_paragraph(text)
    plain = path.with_suffix(".plain.docx")
    document.save(str(plain))
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                head, tail = data.split(b"</w:body>")
                data = head + b"<!--" + b"0" * filler + b"-->" + b"</w:body>" + tail
            zout.writestr(info.filename, data)
    return path


def test_docx_zip_bomb_is_refused_in_little_memory(tmp_path: Path) -> None:
    path = _docx(tmp_path / "bomb.docx", 64 * 1024 * 1024)  # 64 MiB of zeros in ~64 KB
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(ImportFormatError, match=r"bomb\.docx: .*expands \d+-fold"):
            read_transcript(path, attributes=ATTRS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


def test_docx_member_lying_about_its_size_is_stopped(tmp_path: Path) -> None:
    path = _docx(tmp_path / "liar.docx", 500_000)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("word/document.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 1000)
    central = data.find(b"word/document.xml", data.find(b"PK\x01\x02")) - 46
    struct.pack_into("<I", data, central + 24, 1000)
    path.write_bytes(bytes(data))
    # zipfile stops at the declared size and then finds the CRC wrong: refused either way
    with pytest.raises(ImportFormatError, match=r"liar\.docx: .*'word/document\.xml'"):
        read_transcript(path, attributes=ATTRS)


def test_an_ordinary_docx_still_reads(tmp_path: Path) -> None:
    path = _docx(tmp_path / "fine.docx", 1000)
    assert len(read_transcript(path, attributes=ATTRS).turns) == 4


def _sheet(path: Path, extra: int) -> Path:
    names = ["file", "dyad", "session", "perspective"] + [f"x{i}" for i in range(extra)]
    values = ["a.vtt", "D1", "1", "client"] + ["v"] * extra
    path.write_text(",".join(names) + "\n" + ",".join(values) + "\n", encoding="utf-8")
    return path


# how fast both are is measured in benchmarks/bench_limits.py, beside csv.reader
def test_sheet_with_50000_columns_is_refused(tmp_path: Path) -> None:
    path = _sheet(tmp_path / "wide.csv", 50_000)
    with pytest.raises(AttributeSheetError, match=r"wide\.csv, row 1: the sheet has 50,004 "
                                                  r"columns, more than the 1,000 allowed"):
        read_attribute_sheet(path)


def test_sheet_at_the_column_limit_is_read(tmp_path: Path) -> None:
    path = _sheet(tmp_path / "wide.csv", MAX_COLUMNS - 4)
    assert len(read_attribute_sheet(path)["a.vtt"].extra) == MAX_COLUMNS - 4
    with pytest.raises(AttributeSheetError, match="more than the 1,000 allowed"):
        read_attribute_sheet(_sheet(tmp_path / "over.csv", MAX_COLUMNS - 3))


def test_readme_states_the_limits() -> None:
    from workbench.interop import safe_zip
    from workbench.parsing import attribute_sheet, attributes, yaml_loading

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Limits on input", 1)[1].split("\n## ", 1)[0]
    for figure in (f"{safe_zip.MAX_TOTAL_BYTES // 2**20} MiB", f"{safe_zip.MAX_MEMBERS:,}",
                   f"{safe_zip.MAX_RATIO}-fold", f"{attribute_sheet.MAX_COLUMNS:,} columns",
                   f"{attribute_sheet.MAX_SHEET_BYTES // 2**20} MiB",
                   f"{yaml_loading.MAX_DEPTH} levels", f"0 to {attributes.MAX_SESSION:,}"):
        assert figure in section, figure
