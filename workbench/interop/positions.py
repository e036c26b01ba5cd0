"""Selection positions as the producing tool counts them: code points or UTF-16 code units.

REFI-QDA 1.5 says a ``PlainTextSelection``'s ``startPosition``/``endPosition`` count
characters, without saying which. Tools differ:

* **NVivo** (Windows and Mac) counts **UTF-16 code units**, as .NET and Cocoa strings do: a
  character outside the Basic Multilingual Plane (most emoji, some CJK) counts twice. Read
  as code points, every selection after such a character shifts (in real NVivo exports the
  selections then no longer start where lines and words start).
* **ATLAS.ti**, **MAXQDA**, **QualCoder**, **Taguette** and the workbench itself count
  **code points** (Python ``str`` offsets), as far as their exports show.

On import (:func:`choose_unit`), the unit is first taken from the file's ``origin``, then
checked against the text: each reading is scored by how many selection ends fall on word
boundaries (and none inside a surrogate pair). When the text has no character outside the
BMP both readings agree and nothing needs deciding. When the evidence contradicts the
origin, or there is no origin and the evidence is even, the import says so in a warning.
On export (``export_qdpx(..., positions=...)``) positions are written as code points by
default (the spec's examples, ATLAS.ti, QualCoder, the workbench), or as UTF-16 code units
for NVivo (``positions="utf16"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = ["POSITION_UNITS", "UTF16_NOTE", "PositionUnit", "choose_unit", "from_unit",
           "to_unit", "unit_of_origin"]

PositionUnit = Literal["codepoint", "utf16"]
POSITION_UNITS: tuple[str, ...] = ("codepoint", "utf16")

_UTF16_TOOLS = ("nvivo",)
#: Added to the origin of a workbench export written with UTF-16 positions.
UTF16_NOTE = "positions in UTF-16 code units"


def _unit_prefix(text: str) -> npt.NDArray[np.int64]:
    """UTF-16 code units before each code point: ``prefix[i]`` for ``text[:i]``."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    prefix = np.zeros(len(points) + 1, np.int64)
    np.cumsum(np.where(points > 0xFFFF, 2, 1), out=prefix[1:])
    return prefix


def from_unit(text: str, positions: Sequence[int], unit: PositionUnit) -> list[int | None]:
    """Code point offsets of ``positions`` counted in ``unit``; None where a position lies
    inside a surrogate pair or beyond the text."""
    if unit == "codepoint":
        return [p if 0 <= p <= len(text) else None for p in positions]
    prefix = _unit_prefix(text)
    at = np.searchsorted(prefix, np.asarray(positions, dtype=np.int64))
    out: list[int | None] = []
    for position, index in zip(positions, at.tolist(), strict=True):
        ok = position >= 0 and index < len(prefix) and prefix[index] == position
        out.append(int(index) if ok else None)
    return out


def to_unit(text: str, positions: Sequence[int], unit: PositionUnit) -> list[int]:
    """Code point offsets ``positions`` counted in ``unit`` (for writing a file)."""
    if unit == "codepoint":
        return [int(p) for p in positions]
    prefix = _unit_prefix(text)
    return [int(prefix[p]) for p in positions]


def unit_of_origin(origin: str) -> PositionUnit | None:
    """The unit a tool named in a REFI ``origin`` counts in; None when unknown."""
    lowered = origin.lower()
    if UTF16_NOTE.lower() in lowered or any(tool in lowered for tool in _UTF16_TOOLS):
        return "utf16"
    return "codepoint" if lowered.strip() else None


def _boundary_score(text: str, pairs: Sequence[tuple[int | None, int | None]]) -> float:
    """Share of selection ends that fall on word boundaries (impossible ends count 0)."""
    if not pairs:
        return 0.0
    good = 0
    for start, end in pairs:
        if start is None or end is None or not 0 <= start < end <= len(text):
            continue
        starts_ok = start == 0 or not (text[start - 1].isalnum() and text[start].isalnum())
        ends_ok = end == len(text) or not (text[end - 1].isalnum() and text[end].isalnum())
        good += starts_ok + ends_ok
    return good / (2 * len(pairs))


def choose_unit(
    origin: str, text: str, pairs: Sequence[tuple[int, int]], where: str
) -> tuple[PositionUnit, str | None]:
    """The unit to read ``pairs`` (selection positions in ``text``) in, and a warning when
    the choice is not clear-cut (see the module docstring)."""
    stated = unit_of_origin(origin)
    if not pairs or all(ord(c) <= 0xFFFF for c in text):
        return stated or "codepoint", None  # both readings give the same offsets
    starts = [s for s, _ in pairs]
    ends = [e for _, e in pairs]
    scores: dict[PositionUnit, float] = {}
    readings = []
    for unit in ("codepoint", "utf16"):
        lo, hi = from_unit(text, starts, unit), from_unit(text, ends, unit)
        readings.append((lo, hi))
        scores[unit] = _boundary_score(text, list(zip(lo, hi, strict=True)))
    if readings[0] == readings[1]:  # every selection lies before the first such character
        return stated or "codepoint", None
    best: PositionUnit = "utf16" if scores["utf16"] > scores["codepoint"] else "codepoint"
    shown = f"{scores['codepoint']:.0%} as code points, {scores['utf16']:.0%} as UTF-16 units"
    if stated is None:
        if scores["utf16"] == scores["codepoint"]:
            return "codepoint", (
                f"{where}: the file does not say which program wrote it and its selection "
                f"positions fit words equally well either way ({shown}); read them as code "
                "points. Check the codings after characters such as emoji.")
        return best, (f"{where}: the file does not say which program wrote it; read its "
                      f"selection positions as {_name(best)}, which fit the words ({shown}).")
    if best != stated and scores[best] - scores[stated] >= 0.2:
        return best, (f"{where}: {origin!r} usually counts positions as {_name(stated)}, but "
                      f"this file's fit the words only as {_name(best)} ({shown}); read them "
                      f"as {_name(best)}.")
    return stated, None


def _name(unit: PositionUnit) -> str:
    return "UTF-16 code units" if unit == "utf16" else "code points"
