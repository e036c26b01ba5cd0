"""Decoding transcript bytes: UTF-8 (+BOM), UTF-16 (+/-BOM), cp1252 fallback, line ends."""

from __future__ import annotations

import codecs
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.errors import TranscriptEncodingError, TranscriptError, TranscriptWarning
from workbench.parsing.encoding import decode_bytes, normalise_newlines
from workbench.parsing.ipr_text import parse_ipr_text, read_ipr_file

# A transcript whose body has accents, curly quotes and a multi-line turn; every character
# exists in cp1252 so the same text can be written in every encoding under test.
TRANSCRIPT = (
    "---\n"
    "document: D7_S2_client\n"
    "dyad: D7\n"
    "session: 2\n"
    "perspective: client\n"
    "speakers:\n"
    "  R: {name: Researcher, role: interviewer}\n"
    "  C: {name: Zoë, role: participant}\n"
    "---\n"
    "R: Welcome back to the café.\n"
    "\n"
    "[00:02:15]\n"
    "R: You stopped it here.\n"
    "C: I said \u201cfine\u201d \u2013 as always.\n"
    "   It was na\u00efve of me.\n"
)
EXPECTED_TURNS = [
    ("Researcher", "Welcome back to the café."),
    ("Researcher", "You stopped it here."),
    ("Zoë", "I said \u201cfine\u201d \u2013 as always. It was na\u00efve of me."),
]


def _write(tmp_path: Path, data: bytes, name: str = "D7_S2_client.ipr.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _read_silently(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        return read_ipr_file(path)


def _reference():
    return parse_ipr_text(TRANSCRIPT, source="reference")


@pytest.mark.parametrize(
    ("label", "data", "encoding"),
    [
        ("utf-8", TRANSCRIPT.encode("utf-8"), "utf-8"),
        ("utf-8 with BOM", codecs.BOM_UTF8 + TRANSCRIPT.encode("utf-8"), "utf-8-sig"),
        ("utf-16 LE with BOM", codecs.BOM_UTF16_LE + TRANSCRIPT.encode("utf-16-le"), "utf-16"),
        ("utf-16 BE with BOM", codecs.BOM_UTF16_BE + TRANSCRIPT.encode("utf-16-be"), "utf-16"),
        ("utf-16 LE without BOM", TRANSCRIPT.encode("utf-16-le"), "utf-16-le"),
        ("utf-16 BE without BOM", TRANSCRIPT.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_supported_encodings_are_read_silently_and_identically(tmp_path, label, data, encoding):
    decoded = decode_bytes(data, source="x.txt")
    assert decoded.encoding == encoding, label
    assert decoded.warning is None
    assert decoded.text == TRANSCRIPT  # BOM removed, nothing else changed

    parsed = _read_silently(_write(tmp_path, data))
    reference = _reference()
    assert [(t.speaker, t.text) for t in parsed.turns] == EXPECTED_TURNS
    assert parsed.text == reference.text
    assert [(t.start, t.end) for t in parsed.turns] == [(t.start, t.end) for t in reference.turns]
    assert parsed.warnings == ()
    assert "\ufeff" not in parsed.text


def test_word_unicode_text_is_utf16_le_with_bom(tmp_path):
    # Python's "utf-16" codec writes a BOM in native order, which is what Word does.
    parsed = _read_silently(_write(tmp_path, TRANSCRIPT.encode("utf-16")))
    assert [(t.speaker, t.text) for t in parsed.turns] == EXPECTED_TURNS


def test_cp1252_is_decoded_with_a_warning(tmp_path):
    data = TRANSCRIPT.encode("cp1252")
    assert b"\x93fine\x94" in data and b"caf\xe9" in data  # really Windows-1252 bytes
    path = _write(tmp_path, data)
    with pytest.warns(TranscriptWarning, match=r"not valid UTF-8.*read as Windows-1252") as caught:
        parsed = read_ipr_file(path)
    assert str(path) in str(caught[0].message)
    assert [(t.speaker, t.text) for t in parsed.turns] == EXPECTED_TURNS
    assert parsed.text == _reference().text
    # the warning travels with the transcript, so the import report can show it
    assert len(parsed.warnings) == 1
    assert "Windows-1252" in parsed.warnings[0] and str(path) in parsed.warnings[0]


def test_cp1252_warning_text_names_source_and_position():
    decoded = decode_bytes(b"caf\xe9 \x93quoted\x94", source="notes.txt")
    assert decoded.text == "café \u201cquoted\u201d"
    assert decoded.encoding == "cp1252"
    assert decoded.warning is not None
    assert decoded.warning.startswith("notes.txt: not valid UTF-8 (first bad byte at position 3)")
    assert "save the file as UTF-8" in decoded.warning


def test_bytes_invalid_in_utf8_and_cp1252_raise_naming_the_file(tmp_path):
    data = TRANSCRIPT.encode("cp1252").replace(b"caf\xe9", b"caf\x81")
    path = _write(tmp_path, data)
    with pytest.raises(TranscriptEncodingError, match=r"not UTF-8.*not Windows-1252") as info:
        read_ipr_file(path)
    assert str(info.value).startswith(f"{path}: ")
    assert info.value.path == str(path)
    assert isinstance(info.value, TranscriptError) and isinstance(info.value, ValueError)


def test_decode_bytes_error_names_source_and_byte_position():
    with pytest.raises(TranscriptEncodingError, match=r"^in\.txt: .*invalid byte at position 2"):
        decode_bytes(b"ab\x81cd", source="in.txt")


def test_broken_utf16_after_a_bom_is_an_encoding_error():
    data = codecs.BOM_UTF16_LE + "ok".encode("utf-16-le") + b"\x00\xd8"  # lone surrogate
    with pytest.raises(TranscriptEncodingError, match=r"^w\.txt: the file starts like utf-16"):
        decode_bytes(data, source="w.txt")


def test_broken_utf8_after_a_bom_is_an_encoding_error():
    with pytest.raises(TranscriptEncodingError, match=r"^w\.txt: the file starts like utf-8"):
        decode_bytes(codecs.BOM_UTF8 + b"caf\xe9", source="w.txt")


@pytest.mark.parametrize(
    "data",
    [
        b"R: hello\x00world\n",  # valid UTF-8 with a NUL
        b"PK\x03\x04\x14\x00\x00\x00caf\xe9",  # binary-ish, not UTF-8, decodes as cp1252
    ],
    ids=["utf-8", "cp1252"],
)
def test_nul_bytes_mean_not_a_text_file(data):
    with pytest.raises(TranscriptEncodingError, match="NUL characters"):
        decode_bytes(data, source="bin.doc")


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["CRLF", "CR"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1252"])
def test_crlf_and_cr_are_normalised_once(tmp_path, newline, encoding):
    data = TRANSCRIPT.replace("\n", newline).encode(encoding)
    if encoding == "cp1252":
        with pytest.warns(TranscriptWarning):
            parsed = read_ipr_file(_write(tmp_path, data))
    else:
        parsed = _read_silently(_write(tmp_path, data))
    reference = _reference()
    assert "\r" not in parsed.text
    assert all("\r" not in t.text for t in parsed.turns)
    assert parsed.text == reference.text
    assert parsed.turns == reference.turns  # same texts, offsets, times, source lines


def test_line_numbers_in_errors_are_the_same_for_crlf(tmp_path):
    bad = TRANSCRIPT + "X: who is this?\n"
    errors = []
    for newline in ("\n", "\r\n", "\r"):
        path = _write(tmp_path, bad.replace("\n", newline).encode("utf-8"))
        with pytest.raises(TranscriptError) as info:
            read_ipr_file(path)
        errors.append(info.value.line)
    assert errors == [16, 16, 16]


def test_normalise_newlines_examples():
    assert normalise_newlines("a\r\nb\rc\nd") == "a\nb\nc\nd"
    assert normalise_newlines("a\r\n\r\nb") == "a\n\nb"  # CRLF is one line end, not two
    assert normalise_newlines("a\r\r\nb") == "a\n\nb"  # a lone CR, then a CRLF


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab é\r\n\t"), max_size=40))
def test_normalise_newlines_properties(text):
    once = normalise_newlines(text)
    assert "\r" not in once
    assert normalise_newlines(once) == once
    # the number of line ends equals the number of CRLF, CR and LF sequences
    assert once.count("\n") == text.count("\r\n") + (text.count("\r") - text.count("\r\n")) + (
        text.count("\n") - text.count("\r\n")
    )


def test_unreadable_path_is_a_transcript_error(tmp_path):
    missing = tmp_path / "nope.ipr.txt"
    with pytest.raises(TranscriptError, match=r"nope\.ipr\.txt: cannot read the file"):
        read_ipr_file(missing)
