"""Fuzz every input parser (issue point 15): only WorkbenchErrors escape, memory stays bounded.

Each test draws inputs with hypothesis (``derandomize=True``: the same examples on every
run of one hypothesis version, so a failure reproduces; a newer hypothesis draws other
examples, which is how an XML declaring an unknown encoding was found) from fragments of its own format (timings, ``Name:`` labels,
front matter, XML tags) mixed with arbitrary characters or bytes, and also mutates valid
files byte by byte. For each example it asserts that the parser either returns or raises a
:class:`~workbench.errors.WorkbenchError` that names the file, and that the Python heap
(``tracemalloc``) peaked below :data:`PEAK_LIMIT` while reading it. :data:`EXAMPLES` sets
the number of examples per parser (2,000 to 3,000, about 20,000 in all); the file takes
about a minute on two pytest workers.
"""

from __future__ import annotations

import io
import tempfile
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.errors import WorkbenchError
from workbench.interop.refi_codebook import read_qdc
from workbench.interop.refi_read import read_project
from workbench.interop.safe_zip import SafeZip
from workbench.model import CaseAttributes
from workbench.parsing.attribute_sheet import read_attribute_sheet
from workbench.parsing.codebook_yaml import load_codebook_file
from workbench.parsing.readers import read_transcript
from workbench.parsing.readers.common import ReaderContext
from workbench.parsing.readers.docx import parse_docx

PEAK_LIMIT = 64 * 1024 * 1024
"""Most Python heap one example may use (bytes); inputs are at most a few kilobytes."""
EXAMPLES = {"text": 3000, "ipr": 3000, "sheet": 3000, "yaml": 3000, "docx": 2000,
            "qdc": 3000, "qdpx": 3000}
"""Examples per parser."""
FIXTURES = Path(__file__).parent / "fixtures" / "refi"
ATTRS = CaseAttributes(dyad="D01", session=1, perspective="client")


def fuzz_settings(kind: str) -> settings:
    return settings(max_examples=EXAMPLES[kind], derandomize=True, deadline=None,
                    database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fuzz") as name:
        yield Path(name)


def check(read: Callable[[], object], where: str) -> None:
    """Run ``read``: it returns, or raises a WorkbenchError naming ``where``; heap bounded."""
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                read()
            except WorkbenchError as exc:
                assert where in str(exc), f"the message names no file: {exc}"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_LIMIT, f"{peak:,} bytes"


def pieces(*fragments: str) -> st.SearchStrategy[str]:
    """Text made of format fragments, line breaks and arbitrary characters."""
    part = st.one_of(st.sampled_from(fragments), st.sampled_from(["\n", "\n\n", " ", ":"]),
                     st.text(max_size=12))
    return st.lists(part, max_size=60).map("".join)


CAPTION_BITS = (
    "WEBVTT", "WEBVTT - title", "NOTE x", "STYLE", "00:00:01.000 --> 00:00:02.000",
    "00:00:01,000 --> 00:00:02,500", "1", "2", "99999999999999999999", "0:00:01.000,0:00:02.000",
    "<v Anna>", "</v>", "<b>", "<c.yellow>", "<00:00:01.500>", "{\\an8}", "&amp;", "-->",
    "99:99:99.999 --> 00:00:00.000", "Anna: ", "Client: ", "Interviewer: ", "[Ben] 11:02:09",
    "Speaker 1 (00:12):", "Anna  0:03", "I: text #00:01:23-4#", "#99:99:99-9#", "---",
    "Ben started transcription", "\u200b", "\ufeff", "😀", "\r\n",
)
IPR_BITS = (
    "---\n", "document: X\n", "dyad: D01\n", "session: 3\n", "session: 10000000000000000\n",
    "session: [1]\n", "perspective: client\n", "perspective: therapist\n", "speakers:\n",
    "  R: {name: Researcher, role: interviewer}\n", "  C: {name: Client, role: participant}\n",
    "  R: [", "interview_date: 2026-02-30\n", "attributes:\n  x: 1\n", "outcome_group: good\n",
    "R: Hello.\n", "C: Hi there.\n", "[00:01:40]\n", "[99:99:99]\n", "# comment\n", "&a *a\n",
    "!!python/object:os.system\n", "{", "[", "]", "}", "key: key: key\n", "C: 😀\n", "\t",
)
SHEET_BITS = (
    "file", "dyad", "session", "perspective", "participant", "interview_date",
    "outcome_group", "interviewer", "sesion", "a.vtt", "b.docx", "D01", "3", "-1", "1e9",
    "client", "therapist", "2026-01-01", "2026-13-45", ",", ";", "\t", '"', '""', "\n",
    "\r\n", "=cmd", "\ufeff", "99999999999999999999999",
)
YAML_BITS = (
    "name: x\n", "themes:\n", "- key: t\n", "  name: T\n", "  codes:\n", "  - key: c\n",
    "    name: C\n", "    definition: d\n", '    colour: "#123456"\n', "    colour: 12\n",
    "    children:\n", "    - ", "[", "]", "{", "}", "&a ", "*a", "<<: *a\n", "!!binary x\n",
    "!!python/name:os.system\n", "key: key\n", "- - - -", ": ", "'", '"', "\t", "---\n",
    "...\n", "%YAML 1.1\n", "? x\n", "|\n", ">\n",
)
QDC_BITS = (
    '<?xml version="1.0" encoding="utf-8"?>', '<CodeBook xmlns="urn:QDA-XML:codebook:1.0">',
    "</CodeBook>", "<Codes>", "</Codes>", '<Code guid="{guid}" name="A" isCodable="true">',
    '<Code guid="x" name="" isCodable="false">', '<Code name="B" color="#zzzzzz">', "</Code>",
    "<Description>d</Description>", "<Sets>", "<Set guid='s' name='s'>", "</Set>", "</Sets>",
    "<!DOCTYPE x>", '<!ENTITY e "x">', "&e;", "&amp;", "<![CDATA[x]]>", "<!-- c -->",
)


def _guided(fragments: tuple[str, ...]) -> st.SearchStrategy[str]:
    return pieces(*fragments)


@fuzz_settings("text")
@given(fmt=st.sampled_from(["vtt", "srt", "sbv", "txt"]), text=_guided(CAPTION_BITS),
       encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_caption_and_text_readers(folder: Path, fmt: str, text: str, encoding: str) -> None:
    path = folder / f"fuzz.{fmt}"
    path.write_bytes(text.encode(encoding, errors="replace"))
    check(lambda: read_transcript(path, attributes=ATTRS), str(path))


@fuzz_settings("text")
@given(data=st.binary(max_size=400), fmt=st.sampled_from(["vtt", "srt", "txt"]))
def test_text_readers_on_arbitrary_bytes(folder: Path, data: bytes, fmt: str) -> None:
    path = folder / f"bytes.{fmt}"
    path.write_bytes(data)
    check(lambda: read_transcript(path, attributes=ATTRS), str(path))


@fuzz_settings("ipr")
@given(text=_guided(IPR_BITS))
def test_ipr_reader(folder: Path, text: str) -> None:
    path = folder / "fuzz.ipr.txt"
    path.write_text(text, encoding="utf-8")
    check(lambda: read_transcript(path), str(path))


@fuzz_settings("sheet")
@given(text=_guided(SHEET_BITS))
def test_attribute_sheet(folder: Path, text: str) -> None:
    path = folder / "fuzz_sheet.csv"
    path.write_text("file,dyad,session,perspective\n" + text, encoding="utf-8")
    check(lambda: read_attribute_sheet(path), str(path))


@fuzz_settings("yaml")
@given(text=_guided(YAML_BITS), depth=st.integers(0, 400))
def test_codebook_yaml(folder: Path, text: str, depth: int) -> None:
    path = folder / "fuzz_codebook.yaml"
    path.write_text(text + "[" * depth + "]" * depth, encoding="utf-8")
    check(lambda: load_codebook_file(path), str(path))


# -- zip-based formats ---------------------------------------------------------------------
def _valid_docx() -> bytes:
    document = docx.Document()
    for text in ("Interviewer: You stopped it here.", "Client: I felt small.",
                 "Interviewer: And then?", "Client: Nothing."):
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


VALID_DOCX = _valid_docx()
XML_BITS = ("<w:p>", "</w:p>", "<w:r>", "</w:r>", "<w:t>", "</w:t>", "<w:br/>", "<w:b/>",
            "<w:rPr>", "</w:rPr>", "<w:tbl>", "</w:tbl>", "Anna: hi", "Client: ", "&amp;",
            "<foo/>", "<!DOCTYPE x>", '<!ENTITY e "x">', "&e;", "<", ">", "\x00")


def _replace_member(data: bytes, member: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, content if info.filename == member else zin.read(info))
    return out.getvalue()


def mutated(base: bytes) -> st.SearchStrategy[bytes]:
    """``base`` with some bytes overwritten, or cut short."""
    edits = st.lists(st.tuples(st.integers(0, len(base) - 1), st.integers(0, 255)),
                     min_size=1, max_size=8)

    def apply(changes: list[tuple[int, int]], cut: int | None) -> bytes:
        data = bytearray(base)
        for index, value in changes:
            data[index] = value
        return bytes(data[:cut])

    return st.builds(apply, edits, st.none() | st.integers(0, len(base)))


DOCUMENT_XML = zipfile.ZipFile(io.BytesIO(VALID_DOCX)).read("word/document.xml").decode()
_BODY = DOCUMENT_XML.index("<w:body>") + len("<w:body>")


@fuzz_settings("docx")
@given(data=st.one_of(
    mutated(VALID_DOCX),
    pieces(*XML_BITS).map(lambda body: _replace_member(
        VALID_DOCX, "word/document.xml",
        (DOCUMENT_XML[:_BODY] + body + DOCUMENT_XML[_BODY:]).encode("utf-8", "replace"))),
    st.binary(max_size=300).map(lambda raw: _replace_member(VALID_DOCX, "word/document.xml",
                                                            raw)),
))
def test_docx_reader(data: bytes) -> None:
    check(lambda: parse_docx(data, ReaderContext("fuzz.docx")), "fuzz.docx")


QDC = (FIXTURES / "spec_annexA1_codebook.qdc").read_bytes()


@fuzz_settings("qdc")
@given(data=st.one_of(mutated(QDC), pieces(*QDC_BITS).map(str.encode)))
def test_qdc_reader(folder: Path, data: bytes) -> None:
    path = folder / "fuzz.qdc"
    path.write_bytes(data)
    check(lambda: read_qdc(path), str(path))


QDPX = (FIXTURES / "skyloom_TestProject_atlasti-spec-example.qdpx").read_bytes()
QDE_NAME = "Project.qde"
QDE = zipfile.ZipFile(io.BytesIO(QDPX)).read(QDE_NAME)


def _read_qdpx(data: bytes) -> object:
    with SafeZip(data, name="fuzz.qdpx") as archive:
        return read_project(archive, "fuzz.qdpx")


@fuzz_settings("qdpx")
@given(data=st.one_of(
    mutated(QDPX),
    mutated(QDE).map(lambda qde: _replace_member(QDPX, QDE_NAME, qde)),
    pieces(*QDC_BITS, "<Project>", "</Project>", "<Sources>", "<TextSource guid='a'>",
           "plainTextPath='internal://a.txt'", "<PlainTextSelection startPosition='-1' "
           "endPosition='99999999999999999999'>").map(
        lambda qde: _replace_member(QDPX, QDE_NAME, qde.encode())),
))
def test_qdpx_reader(data: bytes) -> None:
    check(lambda: _read_qdpx(data), "fuzz.qdpx")
