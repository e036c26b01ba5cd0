"""The format registry: one entry per format, and everything derives from it (issue 16, 11)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.errors import ImportFormatError
from workbench.model import CaseAttributes
from workbench.parsing.readers import TEXT_READERS, read_transcript, registry
from workbench.parsing.readers.common import ReaderContext, number_lines
from workbench.parsing.readers.detect import FORMATS, detect_format, sniff_lines, sniff_text
from workbench.parsing.readers.registry import (
    REGISTRY,
    TranscriptFormat,
    format_named,
    supported_formats,
)

ROOT = Path(__file__).resolve().parents[1]
ATTRS = CaseAttributes(dyad="D01", session=3, perspective="client")


def test_entries_are_unique_and_resolve() -> None:
    keys = [entry.key for entry in REGISTRY]
    assert len(keys) == len(set(keys))
    suffixes = [suffix for entry in REGISTRY for suffix in entry.suffixes]
    assert len(suffixes) == len(set(suffixes))
    for entry in REGISTRY:
        reader = entry.document_reader() if entry.carries_attributes else entry.turn_reader()
        assert callable(reader) and reader.__doc__
        assert entry.sniffs([(1, "")], ReaderContext()) in (True, False)
        assert entry.needs_attributes is not entry.carries_attributes
        assert entry.sniff is not None or entry.suffixes, f"{entry.key}: never chosen"
    assert [e.key for e in REGISTRY if e.carries_attributes] == ["ipr"]
    assert [e.key for e in REGISTRY if e.input == "bytes"] == ["docx"]


def test_ipr_entry_lives_in_readers() -> None:
    entry = format_named("ipr")
    assert entry.read == "workbench.parsing.readers.ipr:read_ipr"
    assert entry.suffixes == (".ipr.txt",)


def test_derived_lists_follow_the_registry() -> None:
    assert list(FORMATS) == [entry.key for entry in REGISTRY]
    assert set(TEXT_READERS) == {e.key for e in REGISTRY if e.key not in ("ipr", "docx")}
    assert supported_formats().splitlines() == [f"  - {e.description}" for e in REGISTRY]
    with pytest.raises(ImportFormatError) as info:
        detect_format("notes.pdf")
    for entry in REGISTRY:
        assert entry.description in str(info.value)
    with pytest.raises(KeyError):
        format_named("nope")


def test_cli_import_help_lists_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    out = capsys.readouterr().out
    for entry in REGISTRY:
        assert entry.description in out


def test_listing_formats_does_not_load_python_docx() -> None:
    code = ("import sys, workbench.cli as c; c._parser(); "
            "print('docx' in sys.modules, 'workbench.parsing.readers.docx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.split() == ["False", "False"]


def test_a_new_entry_is_all_a_format_needs(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry added to the registry is chosen by suffix and by content, read, and listed."""
    toy = TranscriptFormat(
        "toy", "Toy transcripts (.toy): 'Name  0:03' headers",
        "workbench.parsing.readers.otter:parse_otter", suffixes=(".toy",),
        sniff="workbench.parsing.readers.otter:looks_like_otter")
    monkeypatch.setattr(registry, "REGISTRY", (toy, *REGISTRY))
    path = tmp_path / "a.toy"
    path.write_text("Ann  0:01\nHello.\n\nBen  0:04\nHi.\n", encoding="utf-8")
    parsed = read_transcript(path, attributes=ATTRS)
    assert [(t.speaker, t.video_time) for t in parsed.turns] == [("Ann", 1.0), ("Ben", 4.0)]
    assert detect_format(path) == "toy"
    assert sniff_text(path.read_text(encoding="utf-8")) == "toy"
    assert sniff_lines(number_lines(path.read_text(encoding="utf-8"))) == "toy"
    assert "Toy transcripts (.toy)" in supported_formats()
    with pytest.raises(ImportFormatError, match=r"Toy transcripts \(\.toy\)"):
        detect_format("x.pdf")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (dict(key="x", description="x", read="m:f", suffixes=("TXT",)), "lower case"),
        (dict(key="x", description="x", read="m:f", input="bytes", carries_attributes=True),
         "decoded text"),
    ],
)
def test_invalid_entries_are_refused(entry: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TranscriptFormat(**entry)  # type: ignore[arg-type]


def test_wrong_reader_kind_is_refused() -> None:
    with pytest.raises(TypeError, match="document_reader"):
        format_named("ipr").turn_reader()
    with pytest.raises(TypeError, match="turn_reader"):
        format_named("webvtt").document_reader()


def test_the_documented_sniffing_rules_follow_the_registry() -> None:
    """The numbered rules in the registry's docstring name the sniffed entries in order."""
    import re

    documented = re.findall(r"^\d+\. ``(\w+)``:", registry.__doc__ or "", re.MULTILINE)
    assert documented == [entry.key for entry in REGISTRY if entry.sniff is not None]


def test_nvivo_is_one_entry() -> None:
    entry = format_named("nvivo")
    assert (entry.input, entry.suffixes, entry.needs_attributes) == ("lines", (".tsv",), True)
    assert "timespan<TAB>content<TAB>speaker" in supported_formats()
