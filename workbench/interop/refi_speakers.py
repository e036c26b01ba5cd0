"""Preview opt-in speaker detection on a REFI-QDA file, without storing anything.

By default :func:`~workbench.interop.refi_import.import_qdpx` stores the text of sources from
other tools verbatim (:mod:`refi_text`). ``detect_speakers=True`` reads each non-blank line
as a turn and a leading ``Name:`` as its speaker instead, which cuts the label out of the
text and out of every selection that covered it. :func:`preview_speakers` reads the file
the way that import would and reports, per source, which line becomes which speaker (and
which label leaves the text, or which ``Unknown:`` prefix is added), and which codings would
lose text (``workbench import PROJECT FILE.qdpx --preview-speakers`` prints it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.interop.refi_import import read_qdpx
from workbench.interop.refi_text import SourceText
from workbench.interop.safe_zip import MAX_TOTAL_BYTES

__all__ = ["CutCoding", "SpeakerLine", "SpeakerPreview", "preview_speakers"]


@dataclass(frozen=True)
class SpeakerLine:
    """One source line read as a turn: its speaker, role and what happens to its label."""

    source: str
    line: int
    """Line number in the source text (from 1)."""
    speaker: str
    role: str
    label: str
    """The ``Name:`` text taken as the speaker ("" when the line has none)."""
    cut: bool
    """True when the label leaves the document text (the text is rewritten as a
    transcript); False when the source is already canonical text and is stored unchanged."""
    text: str
    """The turn's text."""


@dataclass(frozen=True)
class CutCoding:
    """A selection whose coding(s) would lose text to speaker detection."""

    source: str
    selection: str
    codes: tuple[str, ...]
    selected: str
    """The selected source text (what the coding holds when imported verbatim)."""
    removed: tuple[str, ...]
    """The label texts cut out of it."""
    kept: str
    """The text the coding would hold with speaker detection ("" when nothing: skipped)."""


@dataclass(frozen=True)
class SpeakerPreview:
    """What ``import_qdpx(..., detect_speakers=True)`` would make of a file's text sources."""

    path: str
    lines: tuple[SpeakerLine, ...] = ()
    codings: tuple[CutCoding, ...] = ()
    verbatim: tuple[str, ...] = ()
    """Sources that would still be stored verbatim (the workbench's own verbatim exports)."""

    def summary(self) -> str:
        """Lines for people: each source's lines and speakers, then the codings cut."""
        out = [f"{self.path}: speaker detection (preview; nothing was imported)"]
        source = None
        for line in self.lines:
            if line.source != source:
                source = line.source
                out.append(f"  source {source!r}:")
            if line.label and line.cut:
                what = f"label {line.label!r} removed from the text"
            elif line.label:
                what = "label kept (text already a transcript)"
            else:
                what = f"no label; {line.speaker + ': '!r} added"
            out.append(f"    line {line.line}: {line.speaker} ({line.role}); {what}")
        for name in self.verbatim:
            out.append(f"  source {name!r}: stored verbatim (a workbench verbatim export)")
        for coding in self.codings:
            kept = repr(coding.kept[:80]) if coding.kept else "nothing (not imported)"
            out.append(f"  coding {', '.join(coding.codes)} on {coding.source!r} selection "
                       f"{coding.selection[:40]!r}: {', '.join(map(repr, coding.removed))} "
                       f"removed; {coding.selected[:80]!r} becomes {kept}")
        if not self.codings:
            out.append("  no coding loses text")
        return "\n".join(out)


def _lines(name: str, read: SourceText) -> list[SpeakerLine]:
    text = read.transcript.text
    out = []
    for number, turn in enumerate(read.transcript.turns):
        if read.form == "speakers":
            lo, hi = read.labels[number]
            label = read.source_text[lo:hi]
            line = read.lines[number]
            cut = True
        else:  # canonical: the label stays in the text, before the turn
            line_start = text.rfind("\n", 0, turn.start) + 1
            label = text[line_start:turn.start]
            line = text.count("\n", 0, turn.start) + 1
            cut = False
        label = label.rstrip()
        out.append(SpeakerLine(name, line, turn.speaker, turn.role, label, cut, turn.text))
    return out


def preview_speakers(path: str | Path, *, max_total_bytes: int = MAX_TOTAL_BYTES
                     ) -> SpeakerPreview:
    """Report what speaker detection would do to the text sources of a ``.qdpx`` (or a
    bare ``.qde``), writing nothing (see the module docstring)."""
    read = read_qdpx(path, max_total_bytes=max_total_bytes, detect_speakers=True)
    lines: list[SpeakerLine] = []
    cuts: list[CutCoding] = []
    verbatim: list[str] = []
    for source in read.sources:
        name = source.text.transcript.name
        if source.text.form == "verbatim":
            verbatim.append(name)
            continue
        lines += _lines(name, source.text)
        for selection in source.selections:
            removed = source.text.removed(selection.start, selection.end)
            if not removed:
                continue
            lo, hi = source.text.document_range(selection.start, selection.end)
            codes = tuple(dict.fromkeys(read.codes.keys.get(code, code)
                                        for code, _user, _memo in selection.codings))
            cuts.append(CutCoding(
                name, selection.name, codes,
                source.text.source_text[selection.start:selection.end],
                tuple(piece for _lo, _hi, piece in removed),
                source.text.transcript.text[lo:hi] if lo < hi else ""))
    return SpeakerPreview(str(path), tuple(lines), tuple(cuts), tuple(verbatim))
