"""The data model: frozen dataclasses passed between layers.

Parsers produce :class:`ParsedTranscript` (case attributes + turns + canonical text),
segmentation turns those into :class:`SegmentDraft` records, storage returns
:class:`Segment`, :class:`Coding` and :class:`Codebook` values. No layer hands out ORM
objects or database rows.

Offsets are Python ``str`` character offsets into the stored document text, with an
exclusive end: ``document_text[start:end] == text`` always holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from workbench.errors import CodebookError

__all__ = [
    "OVERLAP_ANY",
    "OVERLAP_HALF",
    "OVERLAP_WHOLE",
    "PERSPECTIVES",
    "ROLES",
    "AppliedCoding",
    "AuditComment",
    "CaseAttributes",
    "Code",
    "Codebook",
    "Coding",
    "CoreIdea",
    "CoreIdeaRange",
    "CqrDomain",
    "ImportReport",
    "MergeReport",
    "OverlapRule",
    "OverlapRuleName",
    "ParsedTranscript",
    "Perspective",
    "RawTurn",
    "RefiIdentity",
    "Role",
    "Segment",
    "SegmentDraft",
    "SegmentUnit",
    "Theme",
    "Turn",
    "UnanchoredCoding",
    "check_shortcuts",
    "format_video_time",
    "shortcut_note",
]

Perspective = Literal["client", "therapist"]
Role = Literal["interviewer", "participant"]
SegmentUnit = Literal["sentence", "turn"]
PERSPECTIVES: tuple[str, ...] = ("client", "therapist")
ROLES: tuple[str, ...] = ("interviewer", "participant")


def format_video_time(seconds: float | None) -> str:
    """``HH:MM:SS`` for a session-video time in seconds (``""`` for none)."""
    if seconds is None:
        return ""
    whole = int(seconds)
    frac = seconds - whole
    text = f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    if frac >= 0.0005:
        text += f".{round(frac * 1000):03d}"
    return text


@dataclass(frozen=True)
class CaseAttributes:
    """Attributes of one interview (a case): who recalls which session of which dyad."""

    dyad: str
    session: int
    perspective: str
    participant: str | None = None
    interview_date: dt.date | None = None
    outcome_group: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """All attributes as one flat mapping (free attributes after the standard ones)."""
        out: dict[str, object] = {
            "dyad": self.dyad,
            "session": self.session,
            "perspective": self.perspective,
            "participant": self.participant,
            "interview_date": self.interview_date.isoformat() if self.interview_date else None,
            "outcome_group": self.outcome_group,
        }
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class RawTurn:
    """A speaker turn as a reader found it, before the canonical text is built."""

    speaker: str
    role: str
    text: str
    video_time: float | None = None
    source_line: int | None = None
    time_marks: tuple[tuple[int, float], ...] = ()
    """Later times inside the turn: ``(offset in text, seconds)`` where a caption cue after
    the first one begins (the turn's own time, :attr:`video_time`, is where it begins)."""


@dataclass(frozen=True)
class Turn:
    """A speaker turn placed in the canonical document text (``start``/``end`` offsets).

    In a document kept verbatim from another tool's REFI-QDA file
    (:mod:`workbench.interop.refi_text`) a turn is one non-blank line of the source, with
    speaker ``""`` (none) and role ``"participant"``.
    """

    index: int
    speaker: str
    role: str
    text: str
    start: int
    end: int
    video_time: float | None = None
    stop_index: int | None = None
    time_marks: tuple[tuple[int, float], ...] = ()
    """Times inside the turn: ``(offset in the document text, seconds)``, ascending, each
    strictly inside ``[start, end)``; a segment takes the last mark at or before its start
    (else :attr:`video_time`)."""

    def time_at(self, offset: int) -> float | None:
        """The session time of the text at ``offset`` (inside this turn)."""
        time = self.video_time
        for position, seconds in self.time_marks:
            if position > offset:
                break
            time = seconds
        return time


@dataclass(frozen=True)
class ParsedTranscript:
    """A transcript ready to store: name, case attributes, canonical text and turns."""

    name: str
    attributes: CaseAttributes
    text: str
    turns: tuple[Turn, ...]
    source: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        """Fingerprint of the stored content (text and attributes)."""
        content: dict[str, object] = {"text": self.text,
                                       "attributes": self.attributes.as_dict()}
        marks = [mark for turn in self.turns for mark in turn.time_marks]
        if marks:  # documents without inner times keep the fingerprint they always had
            content["time_marks"] = marks
        payload = json.dumps(
            content,
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class SegmentDraft(NamedTuple):
    """A unit of coding computed by segmentation, not yet stored.

    A named tuple rather than a frozen dataclass: a large import makes hundreds of
    thousands of them, and tuples are several times cheaper to create.
    """

    turn_index: int
    index: int  # type: ignore[assignment]  # the segment's index; shadows tuple.index()
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Segment:
    """A stored unit of coding: a sentence (or a whole turn) inside a speaker turn."""

    id: int
    document: str
    turn_index: int
    index: int
    speaker: str
    role: str
    start: int
    end: int
    text: str
    video_time: float | None


@dataclass(frozen=True)
class Theme:
    """A group of codes in a codebook."""

    key: str
    name: str
    description: str = ""
    colour: str = "#777777"


@dataclass(frozen=True)
class Code:
    """A code of the codebook, with what a coder needs to apply it consistently.

    ``shortcut`` (optional, ``""``: none) is what a coder types in the coding panel's
    palette (key ``/``) to reach the code first, e.g. ``wd``: a letter, then up to seven
    letters or digits, lower case, unique in the codebook (:func:`check_shortcuts`). It is
    a workbench setting: REFI-QDA exports leave it out.
    """

    key: str
    name: str
    theme: str
    definition: str
    colour: str
    inclusion: str = ""
    exclusion: str = ""
    example: str = ""
    parent: str | None = None
    shortcut: str = ""


@dataclass(frozen=True)
class Codebook:
    """A codebook: themes and codes in file order (parents before their children)."""

    name: str
    themes: tuple[Theme, ...]
    codes: tuple[Code, ...]
    description: str = ""

    def code(self, key: str) -> Code:
        """The code with this key; :class:`KeyError` when there is none."""
        for code in self.codes:
            if code.key == key:
                return code
        raise KeyError(key)

    def theme(self, key: str) -> Theme:
        """The theme with this key; :class:`KeyError` when there is none."""
        for theme in self.themes:
            if theme.key == key:
                return theme
        raise KeyError(key)

    @property
    def keys(self) -> tuple[str, ...]:
        """Code keys in codebook order."""
        return tuple(code.key for code in self.codes)

    @property
    def sha256(self) -> str:
        """Fingerprint of the content: equal codebooks have equal fingerprints."""
        payload = json.dumps(
            {
                "name": self.name,
                "description": self.description,
                "themes": [vars(t) for t in self.themes],
                # without a shortcut a code hashes as before shortcuts existed
                "codes": [{k: v for k, v in vars(c).items() if k != "shortcut" or v}
                          for c in self.codes],
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


_SHORTCUT = re.compile(r"^[a-z][a-z0-9]{0,7}$")


def check_shortcuts(codebook: Codebook) -> None:
    """Refuse (:class:`CodebookError`) a shortcut that is not a letter followed by up to
    seven letters or digits in lower case, or that two codes declare."""
    owners: dict[str, str] = {}
    for code in codebook.codes:
        if not code.shortcut:
            continue
        if not _SHORTCUT.match(code.shortcut):
            raise CodebookError(
                f"code {code.key!r}: shortcut {code.shortcut!r} must be a lower-case letter "
                "followed by up to seven lower-case letters or digits, e.g. 'wd'.")
        if code.shortcut in owners:
            raise CodebookError(
                f"code {code.key!r}: shortcut {code.shortcut!r} is already the shortcut of "
                f"code {owners[code.shortcut]!r}; give each code its own shortcut (or none).")
        owners[code.shortcut] = code.key


def shortcut_note(had: str, codebook: Codebook, key: str) -> str:
    """What became of the palette shortcut ``had`` of the code ``key`` restored into
    ``codebook`` (``""`` when it had none): back, or taken by another code meanwhile."""
    if not had:
        return ""
    mine = next((c for c in codebook.codes if c.key == key), None)
    if mine is not None and mine.shortcut == had:
        return f"its palette shortcut /{had} works again"
    owner = next((c for c in codebook.codes if c.shortcut == had), None)
    taker = f"{owner.name} ({owner.key})" if owner is not None else "another code"
    return (f"its palette shortcut /{had} was taken by {taker} while it was retired, so it "
            "has none now: declare another (shortcut: in the codebook YAML) and load it")


@dataclass(frozen=True)
class Coding:
    """One coder's application of one code to a range ``[start, end)`` of a document.

    ``text`` is ``document_text[start:end]``. The range may lie inside a sentence or run
    across sentences and speaker turns; which segments it touches is derived (see
    :class:`OverlapRule`), never part of its identity. ``uuid`` identifies it for good.
    """

    uuid: str
    document: str
    start: int
    end: int
    text: str
    code: str
    coder: str
    memo: str
    codebook_version: int
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class AppliedCoding:
    """What applying a code did: the coding's uuid and range, and whether it is new.

    ``created`` is False when the coder already had this code on exactly this range (the
    existing coding is kept, and an undo must not remove it).
    """

    uuid: str
    created: bool
    document: str
    start: int
    end: int
    text: str


OverlapRuleName = Literal["any", "half", "whole"]


@dataclass(frozen=True)
class OverlapRule:
    """When a range coding counts for a segment, wherever analysis works per segment.

    A coding counts for a segment when it covers at least one of the segment's non-space
    characters and at least ``min_share`` of them (0 < share <= 1; 0 means "any"). Named
    rules: ``"any"`` (the default: any overlap of a non-space character), ``"half"`` (at
    least half of the segment's non-space characters) and ``"whole"`` (all of them).
    """

    min_share: float = 0.0
    name: str = "any"

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_share <= 1.0:
            raise ValueError(
                f"an overlap rule's share must lie between 0 and 1, not {self.min_share!r}; "
                "use 'any', 'half', 'whole' or a number such as 0.9."
            )

    @classmethod
    def parse(cls, value: OverlapRule | str | float | None) -> OverlapRule:
        """A rule from a rule, a name (``"any"``, ``"half"``, ``"whole"``) or a share."""
        if value is None:
            return OVERLAP_ANY
        if isinstance(value, OverlapRule):
            return value
        if isinstance(value, str):
            named = {r.name: r for r in (OVERLAP_ANY, OVERLAP_HALF, OVERLAP_WHOLE)}
            if value in named:
                return named[value]
            try:
                value = float(value)
            except ValueError:
                raise ValueError(
                    f"unknown overlap rule {value!r}; use 'any', 'half', 'whole' or a share "
                    "between 0 and 1 such as 0.9."
                ) from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"an overlap rule is a name or a share, not {value!r}.")
        share = float(value)
        if share == 0.0:
            return OVERLAP_ANY
        if share == 1.0:
            return OVERLAP_WHOLE
        return cls(share, f"{share:g}")

    def describe(self) -> str:
        """The rule in words, for table captions and report footers."""
        if self.min_share == 0.0:
            return "a coding counts for a segment when it covers any non-space character of it"
        if self.min_share == 1.0:
            return ("a coding counts for a segment when it covers all of the segment's "
                    "non-space characters")
        return (f"a coding counts for a segment when it covers at least {self.min_share:.0%} "
                "of the segment's non-space characters")


OVERLAP_ANY = OverlapRule(0.0, "any")
OVERLAP_HALF = OverlapRule(0.5, "half")
OVERLAP_WHOLE = OverlapRule(1.0, "whole")


@dataclass(frozen=True)
class UnanchoredCoding:
    """A coding that re-importing an edited transcript could not place on the new text.

    It is kept in the project (table ``unanchored_codings``) until someone re-applies it.
    """

    uuid: str
    document: str
    code: str
    coder: str
    text: str
    memo: str
    reason: str


@dataclass(frozen=True)
class RefiIdentity:
    """What a REFI-QDA import read for one object, kept so that an export gives it back.

    ``kind`` is ``"document"``, ``"code"``, ``"theme"``, ``"user"`` or ``"set"``; ``key`` the
    document name, code or theme key, coder name or set name. ``guid`` is the file's GUID
    as written (None for an object the import made up, such as a parent code split from a
    ``parent::child`` name); ``description`` the ``Description`` text exactly as read (None
    when the element had none); ``detail`` holds the rest (see
    :mod:`workbench.interop.refi_codebook`).
    """

    kind: str
    key: str
    guid: str | None = None
    description: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportReport:
    """What importing one transcript did."""

    document: str
    status: Literal["added", "unchanged", "updated"]
    segments: int
    reanchored: int = 0
    unanchored: tuple[UnanchoredCoding, ...] = ()
    warnings: tuple[str, ...] = ()
    #: consensus decisions whose range was placed on the new text
    decisions_reanchored: int = 0
    #: (decision id, reason) of decisions whose range could not be placed (marked stale)
    stale_decisions: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class MergeReport:
    """What :meth:`Project.merge_codes` did: ``moved`` codings now under ``target``,
    ``collapsed``: uuids of codings deleted because their coder already had ``target`` on
    the same range (kept in the audit row with their memos)."""

    source: str
    target: str
    version: int
    moved: int
    collapsed: tuple[str, ...]

    def summary(self) -> str:
        """One line for the CLI and notebooks."""
        return (f"merged {self.source!r} into {self.target!r} (codebook version "
                f"{self.version}): {self.moved} codings moved, {len(self.collapsed)} "
                "duplicates (same coder, same range) collapsed into the existing coding")


# -- CQR (Consensual Qualitative Research) ------------------------------------------------
@dataclass(frozen=True)
class CqrDomain:
    """A CQR domain (topic area) and the categories (code keys) within it.

    ``source`` is ``"themes"`` for a domain that is a codebook theme (the default: its
    codes are its categories) or ``"list"`` for one of the project's separate domain list
    (its categories are the codes assigned to it). ``retired`` domains keep their core
    ideas and comments but take no new ones.
    """

    key: str
    name: str
    categories: tuple[str, ...] = ()
    description: str = ""
    source: Literal["themes", "list"] = "themes"
    retired: bool = False


@dataclass(frozen=True)
class CoreIdeaRange:
    """A passage a core idea rests on: ``document_text[start:end] == text``; ``coding_uuid``
    names the coding it was taken from, when it was."""

    document: str
    start: int
    end: int
    text: str
    coding_uuid: str | None = None


@dataclass(frozen=True)
class CoreIdea:
    """A team-written summary of what one case says in one domain (CQR step 2).

    ``case_unit`` says what ``case_key`` is (``"document"``, ``"participant"`` or
    ``"dyad"``); ``version`` counts the edits (1 = as first written; every version is kept).
    """

    uuid: str
    case_unit: str
    case_key: str
    domain: str
    text: str
    author: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    ranges: tuple[CoreIdeaRange, ...] = ()
    deleted: bool = False


@dataclass(frozen=True)
class AuditComment:
    """An auditor's comment on a domain, a core idea or a category, and the team's answer.

    ``status`` is ``"open"`` until the team answers ``"accepted"`` or ``"rejected"``, with a
    ``reason`` (required), ``responded_by`` and ``responded_at``.
    """

    uuid: str
    target_kind: str
    target_key: str
    author: str
    text: str
    created_at: dt.datetime
    status: str = "open"
    reason: str | None = None
    responded_by: str | None = None
    responded_at: dt.datetime | None = None
