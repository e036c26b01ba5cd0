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
    "FORM_KINDS",
    "ActionKind",
    "CodeState",
    "CodebookForm",
    "ErrorInfo",
    "FormKind",
    "PaletteView",
    "RecodeCandidate",
    "RecodeItem",
    "RecodeView",
    "SaveState",
    "SegmentRecord",
    "TurnRecord",
    "TurnView",
    "UndoAction",
    "ViewState",
    "case_pairs",
    "code_states",
    "palette_keys",
    "palette_matches",
    "segment_records",
    "shortcut_for",
    "turn_records",
    "turn_view",
]

ActionKind = Literal["apply", "remove", "memo"]
FormKind = Literal["create", "rename", "merge", "split", "move", "retire", "restore"]
FORM_KINDS: tuple[FormKind, ...] = ("create", "rename", "merge", "split", "move", "retire",
                                    "restore")
"""The codebook forms, in the order the panel's buttons show them."""


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
    tenth code, ``""`` after that); ``palette`` is what to type in the palette (key ``/``)
    so that Enter applies it (see :func:`palette_keys`), which every code has. ``others``
    lists the other coders who applied it to the current segment; it is always empty
    unless the reviewer switch is on.
    """

    code: Code
    theme_name: str
    theme_colour: str
    shortcut: str
    applied: bool
    memo: str
    others: tuple[str, ...]
    palette: str = ""

    @property
    def label(self) -> str:
        """The button label: the digit key and the name (``3 Rupture / strain``), past the
        tenth code the palette keys (``/wi Withdrawal``); a shortcut the codebook declares
        is shown after the digit too (``3 /rs Rupture / strain``)."""
        typed = f"/{self.palette}" if self.palette else ""
        if self.shortcut:
            key = f"{self.shortcut} {typed}" if self.code.shortcut else self.shortcut
        else:
            key = typed
        return f"{key} {self.code.name}".strip()


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
    name, optionally its key), ``"merge"`` (the code into a target), ``"split"`` (the code
    into new codes and/or existing ones, one a line), ``"move"`` (the code to another theme
    or under another code), ``"retire"`` (take the code out of the codebook) or
    ``"restore"`` (put a retired code back). ``code`` is the code it starts on: the current
    code (the one last applied here, else the first applied, else the first in the
    codebook), or for ``restore`` the most recently retired code; ``theme`` is that code's
    theme and ``parent`` its parent code (``""``: none). ``codes`` and ``themes`` are the
    ``(key, name)`` choices, in codebook order; ``retired`` the retired codes
    (``(key, name)``, most recently retired first); ``counts`` the number of codings (every
    coder) of each code that has some.
    """

    kind: FormKind
    code: str
    theme: str
    codes: tuple[tuple[str, str], ...]
    themes: tuple[tuple[str, str], ...]
    parent: str = ""
    retired: tuple[tuple[str, str], ...] = ()
    counts: tuple[tuple[str, int], ...] = ()

    @property
    def title(self) -> str:
        """What the form does, e.g. ``rename a code``."""
        return {"create": "new code", "rename": "rename a code",
                "merge": "merge a code into another",
                "split": "split a code into new codes",
                "move": "move a code to another theme or parent",
                "retire": "retire a code (take it out of the codebook)",
                "restore": "restore a retired code"}[self.kind]

    def n_codings(self, code: str) -> int:
        """How many codings (every coder) ``code`` had when the form opened."""
        return dict(self.counts).get(code, 0)


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
class PaletteView:
    """The open code palette (key ``/``): what was typed, the codes it matches (best
    first, see :func:`palette_matches`) and the highlighted one, which Enter applies."""

    query: str
    matches: tuple[Code, ...]
    highlighted: int

    @property
    def current(self) -> Code | None:
        """The highlighted code (None when nothing matches)."""
        return self.matches[self.highlighted] if self.matches else None


SaveKind = Literal["idle", "pending", "saved", "error"]


@dataclass(frozen=True)
class SaveState:
    """Whether the last action is stored: ``pending`` (being written), ``saved`` (at
    ``at``, ``HH:MM:SS`` local time), ``error`` (``detail`` says why: nothing of that
    action was stored) or ``idle`` (nothing written yet in this panel)."""

    kind: SaveKind = "idle"
    at: str = ""
    detail: str = ""

    @property
    def label(self) -> str:
        """``saving...``, ``saved 14:02:07``, ``not saved: ...`` or ``nothing to save yet``."""
        if self.kind == "pending":
            return "saving..."
        if self.kind == "saved":
            return f"saved {self.at}".strip()
        if self.kind == "error":
            return f"not saved: {self.detail}"
        return "nothing to save yet"


@dataclass(frozen=True)
class ViewState:
    """Everything the coding panel renders, computed from the controller's cache.

    ``position`` is 0-based in the filtered segment list of length ``total``; ``segment``
    is ``None`` when no segment matches the filter. ``before``/``highlight``/``after``
    split the current speaker turn around the segment. ``coded`` counts the segments in
    the filtered list that this coder has coded with at least one code. ``form`` is the
    open codebook form and ``recode`` the walk through the recode queue, if any
    (see :attr:`mode`); ``form_note`` says what the open form will do with the values
    entered so far (e.g. what happens to a code's codings when it is retired);
    ``codebook_version`` is the version the codes shown come from. ``palette`` is the
    open code palette; ``info`` the code whose definition the definitions pane shows (the
    palette's highlighted code, else the one chosen with ``i``, else the last applied
    here). ``units``/``units_coded`` count this transcript's participant units (every
    unit when it has no participant turns) and those this coder has coded, whatever the
    filter; ``coverage`` is the coder's status on the transcript as agreement reads it
    (``not_started``, ``in_progress``, ``done``); ``save_state`` says whether the last
    action is stored.
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
    form_note: str = ""
    locked: bool = False
    """The coder cannot be switched (a locked panel or the project's blind round)."""
    may_review: bool = False
    """The reviewer view may be turned on (the coder is a reviewer, no blind round)."""
    palette: PaletteView | None = None
    info: Code | None = None
    units: int = 0
    units_coded: int = 0
    unit_role: str = "participant"
    """``participant`` when :attr:`units` counts participant units, ``""`` for every unit."""
    coverage: str = "not_started"
    save_state: SaveState = SaveState()
    other_coders: tuple[str, ...] = ()
    """The other coders whose codings the transcript draws (the reviewer view only)."""

    @property
    def mode(self) -> Literal["coding", "form", "recode", "palette"]:
        """What the keys act on: the coding flow, the codebook form, the recode queue or
        the code palette."""
        if self.recode is not None:
            return "recode"
        if self.form is not None:
            return "form"
        return "palette" if self.palette is not None else "coding"

    @property
    def applied(self) -> tuple[str, ...]:
        """Keys of the codes this coder applied to the current segment (codebook order)."""
        return tuple(c.code.key for c in self.codes if c.applied)

    @property
    def progress_label(self) -> str:
        """``coded N of M`` for this coder and transcript (under the current filter)."""
        return f"coded {self.coded} of {self.total}"

    @property
    def units_label(self) -> str:
        """``coded N of M participant units`` for this coder and transcript (no filter)."""
        unit = "participant units" if self.unit_role else "units"
        return f"coded {self.units_coded} of {self.units} {unit}"

    @property
    def coverage_label(self) -> str:
        """The coverage status in words: ``not started``, ``in progress`` or ``done``."""
        return self.coverage.replace("_", " ")


def shortcut_for(position: int) -> str:
    """The digit key for the code at 0-based ``position`` (``""`` past the tenth)."""
    if position < 9:
        return str(position + 1)
    return "0" if position == 9 else ""


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def palette_keys(codebook: Codebook) -> dict[str, str]:
    """Code key -> what to type in the palette to reach it first: the shortcut the
    codebook declares for it (:attr:`Code.shortcut`), else the shortest prefix (two
    characters or more) of the key's letters and digits that no earlier code and no
    declared shortcut took, e.g. ``withdrawal`` -> ``wi``. Every code gets one, and no
    two codes the same."""
    used = {code.shortcut for code in codebook.codes if code.shortcut}
    out: dict[str, str] = {}
    for code in codebook.codes:
        if code.shortcut:
            out[code.key] = code.shortcut
            continue
        letters = _letters(code.key) or "c"
        chosen = next((letters[:n] for n in range(2, len(letters) + 1)
                       if letters[:n] not in used), "")
        number = 2
        while not chosen or chosen in used:
            chosen, number = f"{letters}{number}", number + 1
        used.add(chosen)
        out[code.key] = chosen
    return out


def palette_matches(codebook: Codebook, query: str,
                    keys: Mapping[str, str] | None = None) -> tuple[Code, ...]:
    """The codes ``query`` matches, best first: the code whose palette keys are the query,
    then codes whose key or name starts with it, then codes whose key, name or theme name
    contains it (case and spaces ignored; codebook order within each group). An empty
    query matches every code."""
    keys = palette_keys(codebook) if keys is None else keys
    needle = _letters(query)
    if not needle:
        return codebook.codes
    themes = {t.key: t.name for t in codebook.themes}
    exact, prefix, inside = [], [], []
    for code in codebook.codes:
        key, name = _letters(code.key), _letters(code.name)
        if keys.get(code.key) == needle:
            exact.append(code)
        elif key.startswith(needle) or name.startswith(needle):
            prefix.append(code)
        elif needle in key or needle in name or needle in _letters(themes.get(code.theme, "")):
            inside.append(code)
    return tuple(exact + prefix + inside)


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
    typed = palette_keys(codebook)
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
            palette=typed[code.key],
        ))
    return tuple(out)
