"""Values behind the coding panel: what is loaded per document and what a view renders.

Everything here is a frozen dataclass or a pure function; nothing touches the database
or a widget. :class:`CodingController` loads a document once into :class:`SegmentRecord` /
:class:`TurnRecord` tuples, and :meth:`CodingController.view_state` returns a
:class:`ViewState` built from them, which the panel renders.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from workbench.model import Code, Codebook, Coding, format_video_time

__all__ = [
    "ActionKind",
    "CodeState",
    "CodebookForm",
    "ErrorInfo",
    "FormKind",
    "RecodeCandidate",
    "RecodeItem",
    "RecodeView",
    "SegmentRecord",
    "TurnRecord",
    "TurnView",
    "UndoAction",
    "ViewState",
    "case_pairs",
    "code_states",
    "segment_records",
    "shortcut_for",
    "turn_records",
    "turn_view",
]

ActionKind = Literal["apply", "remove", "memo"]
FormKind = Literal["create", "rename", "merge"]


@dataclass(frozen=True)
class SegmentRecord:
    """A segment of the loaded document (``start``/``end`` are document offsets)."""

    id: int
    index: int
    turn_index: int
    speaker: str
    role: str
    start: int
    end: int
    text: str
    video_time: float | None


@dataclass(frozen=True)
class TurnRecord:
    """A speaker turn of the loaded document (``start``/``end`` are document offsets)."""

    index: int
    speaker: str
    role: str
    start: int
    end: int
    video_time: float | None


@dataclass(frozen=True)
class TurnView:
    """A neighbouring turn as the panel shows it: speaker, role, video time, text."""

    index: int
    speaker: str
    role: str
    video_time: str
    text: str


@dataclass(frozen=True)
class CodeState:
    """One code button: the codebook entry, its shortcut and who applied it here.

    ``shortcut`` is the digit key that toggles it (``"1"``..``"9"``, ``"0"`` for the
    tenth code, ``""`` after that). ``others`` lists the other coders who applied it to
    the current segment; it is always empty unless the reviewer switch is on.
    """

    code: Code
    theme_name: str
    theme_colour: str
    shortcut: str
    applied: bool
    memo: str
    others: tuple[str, ...]


@dataclass(frozen=True)
class UndoAction:
    """An action that :meth:`CodingController.undo` can invert.

    ``uuid`` is the coding the action created, removed or edited: undo touches exactly that
    coding (never another tab's or coder's). ``memo`` is the memo the coding had before a
    memo edit; ``removed`` is the coding a removal deleted, put back as it was.
    """

    kind: ActionKind
    document: str
    segment_id: int
    segment_index: int
    code: str
    memo: str = ""
    uuid: str = ""
    removed: Coding | None = None

    def describe(self) -> str:
        """A short label, e.g. ``apply 'anxiety' on segment #4``."""
        verb = {"apply": "apply", "remove": "remove", "memo": "memo on"}[self.kind]
        return f"{verb} {self.code!r} on segment #{self.segment_index}"


@dataclass(frozen=True)
class ErrorInfo:
    """An exception raised by an action: its type name, message and traceback text."""

    kind: str
    message: str
    traceback: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


@dataclass(frozen=True)
class CodebookForm:
    """The small codebook form the panel shows over the coding flow.

    ``kind`` is ``"create"`` (a new code: name, theme, definition), ``"rename"`` (a code's
    name, optionally its key) or ``"merge"`` (the code into a target). ``code`` is the code
    it starts on: the current code (the one last applied here, else the first applied,
    else the first in the codebook); ``theme`` (the theme a new code starts in) is that
    code's theme. ``codes`` and ``themes`` are the ``(key, name)`` choices, in codebook
    order.
    """

    kind: FormKind
    code: str
    theme: str
    codes: tuple[tuple[str, str], ...]
    themes: tuple[tuple[str, str], ...]

    @property
    def title(self) -> str:
        """What the form does, e.g. ``rename a code``."""
        return {"create": "new code", "rename": "rename a code",
                "merge": "merge a code into another"}[self.kind]


@dataclass(frozen=True)
class RecodeCandidate:
    """A code a queued coding can become, with the key that chooses it."""

    key: str
    name: str
    definition: str
    shortcut: str


@dataclass(frozen=True)
class RecodeItem:
    """One queued coding of a split code, shown in context: the passage
    (``before + highlight + after`` is the text of the turns it lies in) and the turns
    around it, the code it was made as and the codes it can become."""

    coding_uuid: str
    document: str
    coder: str
    from_code: str
    memo: str
    speaker: str
    before: str
    highlight: str
    after: str
    context_before: tuple[TurnView, ...]
    context_after: tuple[TurnView, ...]
    candidates: tuple[RecodeCandidate, ...]


@dataclass(frozen=True)
class RecodeView:
    """Where a walk through the recode queue is: the passage shown (``None`` once the walk
    is over), ``done`` of the ``total`` queued codings it started with recoded so far,
    ``skipped`` left for later, ``remaining`` still to show in this walk."""

    item: RecodeItem | None
    done: int
    total: int
    skipped: int
    remaining: int

    @property
    def progress_label(self) -> str:
        """``N of M recoded`` (``M``: the queued codings when the walk started)."""
        label = f"{self.done} of {self.total} recoded"
        return label + (f", {self.skipped} left for later" if self.skipped else "")


@dataclass(frozen=True)
class ViewState:
    """Everything the coding panel renders, computed from the controller's cache.

    ``position`` is 0-based in the filtered segment list of length ``total``; ``segment``
    is ``None`` when no segment matches the filter. ``before``/``highlight``/``after``
    split the current speaker turn around the segment. ``coded`` counts the segments in
    the filtered list that this coder has coded with at least one code. ``form`` is the
    open codebook form and ``recode`` the walk through the recode queue, if any
    (see :attr:`mode`); ``codebook_version`` is the version the codes shown come from.
    """

    coder: str
    coders: tuple[str, ...]
    reviewer: bool
    documents: tuple[str, ...]
    document: str
    case: tuple[tuple[str, str], ...]
    speakers: tuple[str, ...]
    filter_role: str | None
    filter_speaker: str | None
    segment: SegmentRecord | None
    position: int
    total: int
    coded: int
    turn: TurnView | None
    before: str
    highlight: str
    after: str
    context_before: tuple[TurnView, ...]
    context_after: tuple[TurnView, ...]
    codes: tuple[CodeState, ...]
    others: tuple[tuple[str, tuple[str, ...]], ...]
    memo_codes: tuple[str, ...]
    memo_code: str | None
    memo: str
    can_undo: bool
    undo_label: str
    message: str
    error: ErrorInfo | None
    codebook_version: int | None = None
    form: CodebookForm | None = None
    recode: RecodeView | None = None
    locked: bool = False
    """The coder cannot be switched (a locked panel or the project's blind round)."""
    may_review: bool = False
    """The reviewer view may be turned on (the coder is a reviewer, no blind round)."""

    @property
    def mode(self) -> Literal["coding", "form", "recode"]:
        """What the keys act on: the coding flow, the codebook form or the recode queue."""
        if self.recode is not None:
            return "recode"
        return "form" if self.form is not None else "coding"

    @property
    def applied(self) -> tuple[str, ...]:
        """Keys of the codes this coder applied to the current segment (codebook order)."""
        return tuple(c.code.key for c in self.codes if c.applied)

    @property
    def progress_label(self) -> str:
        """``coded N of M`` for this coder and transcript (under the current filter)."""
        return f"coded {self.coded} of {self.total}"


def shortcut_for(position: int) -> str:
    """The digit key for the code at 0-based ``position`` (``""`` past the tenth)."""
    if position < 9:
        return str(position + 1)
    return "0" if position == 9 else ""


def _float_or_none(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def segment_records(frame: pd.DataFrame) -> tuple[SegmentRecord, ...]:
    """Records from ``Project.segments(document=..., with_attributes=False)``."""
    return tuple(
        SegmentRecord(
            id=int(row.segment_id), index=int(row.segment_index),
            turn_index=int(row.turn_index), speaker=str(row.speaker), role=str(row.role),
            start=int(row.start), end=int(row.end), text=str(row.text),
            video_time=_float_or_none(row.video_time),
        )
        for row in frame.itertuples(index=False)
    )


def turn_records(frame: pd.DataFrame) -> dict[int, TurnRecord]:
    """Turn index -> record, from ``Project.turns(document)``."""
    return {
        int(row.turn_index): TurnRecord(
            index=int(row.turn_index), speaker=str(row.speaker), role=str(row.role),
            start=int(row.start), end=int(row.end), video_time=_float_or_none(row.video_time),
        )
        for row in frame.itertuples(index=False)
    }


def case_pairs(frame: pd.DataFrame, document: str) -> tuple[tuple[str, str], ...]:
    """The case attributes of ``document`` from ``Project.cases()``, as text pairs."""
    rows = frame[frame["document"] == document]
    if rows.empty:
        return ()
    out: list[tuple[str, str]] = []
    for name, value in rows.iloc[0].items():
        if name == "document" or value is None:
            continue
        if isinstance(value, float) and math.isnan(value):
            continue
        out.append((str(name), str(value)))
    return tuple(out)


def turn_view(turn: TurnRecord, text: str) -> TurnView:
    """A :class:`TurnView` with the turn's text cut from the document ``text``."""
    return TurnView(turn.index, turn.speaker, turn.role, format_video_time(turn.video_time),
                    text[turn.start:turn.end])


def code_states(
    codebook: Codebook,
    mine: Mapping[str, tuple[str, str]],
    others: Mapping[str, Iterable[str]],
) -> tuple[CodeState, ...]:
    """One :class:`CodeState` per code, in codebook order.

    ``mine`` maps applied code keys to ``(uuid, memo)``; ``others`` maps code keys to the
    names of other coders who applied them.
    """
    themes = {t.key: t for t in codebook.themes}
    out = []
    for position, code in enumerate(codebook.codes):
        theme = themes.get(code.theme)
        applied = mine.get(code.key)
        out.append(CodeState(
            code=code,
            theme_name=theme.name if theme else code.theme,
            theme_colour=theme.colour if theme else code.colour,
            shortcut=shortcut_for(position),
            applied=applied is not None,
            memo=applied[1] if applied else "",
            others=tuple(sorted(others.get(code.key, ()))),
        ))
    return tuple(out)
