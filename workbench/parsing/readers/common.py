"""Shared pieces of the transcript readers: clock times, numbered lines, roles, warnings.

Every reader works with a :class:`ReaderContext`: it knows the file name (for messages),
the speaker roles the caller gave, the speaker names declared by other means (a bold run in
a ``.docx``), and collects warnings for :attr:`ParsedTranscript.warnings`.

**Role rule.** A speaker gets the role the caller gave for its name (``roles``, matched
ignoring case and repeated spaces). A speaker not in ``roles`` is the *interviewer* when its
name, ignoring case, a trailing ``.`` and a trailing number, is ``Interviewer``,
``Researcher``, ``Int``, ``I`` or ``R`` (``R``, ``I2``, ``Interviewer 1``); every other
speaker is a *participant*. Each defaulted role is reported as a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from workbench.errors import ImportFormatError, suggest
from workbench.model import ROLES, RawTurn
from workbench.parsing.transcript import clean_turn_text

__all__ = [
    "UNKNOWN_SPEAKER",
    "Line",
    "ReaderContext",
    "as_lines",
    "finish_turns",
    "is_interviewer_name",
    "join_timed",
    "normalise_name",
    "number_lines",
    "parse_clock",
]

Line = tuple[int, str]
"""A line of input and its 1-based line number."""

UNKNOWN_SPEAKER = "Speaker"
"""Speaker name for caption text that names no speaker."""

_CLOCK = re.compile(r"^(?:(?P<h>\d+):)?(?P<m>\d+):(?P<s>\d{1,2})(?:[.,](?P<f>\d{1,3}))?$")
_INTERVIEWER = re.compile(r"^(?:interviewer|researcher|int|i|r)\s*\d*\.?$")


def parse_clock(text: str) -> float:
    """Seconds for ``H:MM:SS.fff``, ``MM:SS.fff``, non-padded ``0:0:7.23`` or ``0:03``.

    The fraction may use ``.`` or ``,``; raises :class:`ValueError` for anything else.
    """
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"not a time: {text!r}")
    hours, minutes, seconds, frac = match.group("h", "m", "s", "f")
    if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
        raise ValueError(f"not a time: {text!r}")
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    millis = int(frac.ljust(3, "0")) if frac else 0
    return round(value + millis / 1000, 3)


def number_lines(text: str) -> list[Line]:
    """The lines of decoded text (LF line ends) with 1-based line numbers."""
    return [(index + 1, line) for index, line in enumerate(text.split("\n"))]


def as_lines(source: str | Sequence[Line]) -> list[Line]:
    """Numbered lines of ``source``: decoded text, or lines already numbered (from a .docx)."""
    return number_lines(source) if isinstance(source, str) else list(source)


def normalise_name(name: str) -> str:
    """A speaker name for comparisons: case folded, runs of white space made one space."""
    return " ".join(name.split()).casefold()


def is_interviewer_name(name: str) -> bool:
    """True for names that mean the interviewer: Interviewer, Researcher, Int, I, R (+ number)."""
    return bool(_INTERVIEWER.match(normalise_name(name)))


class ReaderContext:
    """File name, speaker roles, declared speakers and warnings of one reading."""

    def __init__(
        self,
        source: str = "<text>",
        roles: Mapping[str, str] | None = None,
        declared: Iterable[str] = (),
    ) -> None:
        self.source = source
        self.warnings: list[str] = []
        self._roles: dict[str, str] = {}
        self._role_names: dict[str, str] = {}
        for name, role in (roles or {}).items():
            value = str(role).strip().lower()
            if value not in ROLES:
                raise ImportFormatError(
                    f"{source}: speaker {name!r} has role {role!r}{suggest(value, ROLES)}; "
                    "give each speaker the role 'interviewer' or 'participant'."
                )
            self._roles[normalise_name(name)] = value
            self._role_names[normalise_name(name)] = name
        self._declared = {normalise_name(name) for name in declared} | set(self._roles)
        self._seen: dict[str, tuple[str, str, str]] = {}

    def declare(self, name: str) -> None:
        """Record ``name`` as a known speaker (e.g. a bold speaker run in a .docx)."""
        self._declared.add(normalise_name(name))

    def is_declared(self, name: str) -> bool:
        """True when ``name`` is in ``roles`` or was declared."""
        return normalise_name(name) in self._declared

    def canonical_name(self, speaker: str) -> str:
        """The spelling under which ``speaker`` (same name ignoring case/spaces) first spoke."""
        seen = self._seen.get(normalise_name(speaker))
        return seen[0] if seen else " ".join(speaker.split())

    def role_of(self, speaker: str) -> str:
        """The role of ``speaker`` by the role rule (see the module docstring)."""
        key = normalise_name(speaker)
        if key in self._roles:
            role, how = self._roles[key], "given"
        elif is_interviewer_name(speaker):
            role, how = "interviewer", "name"
        else:
            role, how = "participant", "default"
        self._seen.setdefault(key, (speaker, how, role))
        return role

    def warn(self, message: str, line: int | None = None) -> None:
        """Add a warning that names the file (and line)."""
        where = f"{self.source}, line {line}: " if line is not None else f"{self.source}: "
        self.warnings.append(where + message)

    def error(self, message: str, line: int | None = None) -> ImportFormatError:
        """An :class:`ImportFormatError` naming the file (and line) before ``message``."""
        where = f"{self.source}, line {line}: " if line is not None else f"{self.source}: "
        return ImportFormatError(where + message)

    def role_warnings(self) -> list[str]:
        """Warnings about roles: defaulted roles, unused ``roles`` entries, no interviewer."""
        out: list[str] = []
        by_name = [name for name, how, _ in self._seen.values() if how == "name"]
        defaulted = [name for name, how, _ in self._seen.values() if how == "default"]
        hint = (
            "pass roles={name: 'interviewer' or 'participant'} or fill the 'interviewer' "
            "column of the attribute sheet to set roles explicitly."
        )
        if by_name:
            out.append(
                f"{self.source}: {_names(by_name)} taken as the interviewer because of the "
                f"name; {hint}"
            )
        if defaulted:
            out.append(f"{self.source}: no role given for {_names(defaulted)}: imported as "
                       f"participant; {hint}")
        unused = [self._role_names[key] for key in self._roles if key not in self._seen]
        if unused and self._seen:
            speakers = _names([name for name, _, _ in self._seen.values()])
            out.append(f"{self.source}: roles name {_names(unused)} but the file has no such "
                       f"speaker (its speakers: {speakers}); check the spelling.")
        if self._seen and all(role != "interviewer" for _, _, role in self._seen.values()):
            out.append(f"{self.source}: no speaker is the interviewer; name the interviewer in "
                       "roles or in the attribute sheet's 'interviewer' column.")
        return out


def _names(names: Sequence[str]) -> str:
    return ", ".join(repr(name) for name in names)


def join_timed(turn: RawTurn, text: str, time: float | None,
               marks: Sequence[tuple[int, float]] = ()) -> RawTurn:
    """``turn`` continued by ``text`` on a new line, keeping the times of both.

    ``time`` (the time where ``text`` begins, when known and different from the time
    reached so far) becomes a time mark of the joined turn, and ``marks`` (inner marks of
    ``text``, offsets in ``text``) follow it, shifted.
    """
    offset = len(turn.text) + 1
    joined = list(turn.time_marks)
    for position, seconds in ((0, time), *marks):
        current = joined[-1][1] if joined else turn.video_time
        if seconds is not None and seconds != current:
            joined.append((offset + position, seconds))
    return replace(turn, text=f"{turn.text}\n{text}", time_marks=tuple(joined))


def finish_turns(
    turns: Sequence[RawTurn], context: ReaderContext, *, merge: bool
) -> list[RawTurn]:
    """Drop turns without text (with a warning) and, with ``merge``, join consecutive turns.

    Merging joins a turn to the previous one when both have the same named speaker (not
    :data:`UNKNOWN_SPEAKER`); the merged turn keeps the first one's time and line.
    """
    out: list[RawTurn] = []
    for turn in turns:
        if not clean_turn_text(turn.text):
            context.warn(f"{turn.speaker!r} says nothing here; skipped.", turn.source_line)
            continue
        previous = out[-1] if out else None
        if (
            merge
            and previous is not None
            and turn.speaker != UNKNOWN_SPEAKER
            and normalise_name(previous.speaker) == normalise_name(turn.speaker)
        ):
            out[-1] = join_timed(previous, turn.text, turn.video_time, turn.time_marks)
            continue
        out.append(turn)
    if not out:
        raise context.error("the file has no text to import: every turn or cue is empty.")
    return out
