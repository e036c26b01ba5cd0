"""Parse the workbench's plain-text IPR transcript format (see ``transcripts/README.md``)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import yaml

from workbench.errors import TranscriptError, TranscriptWarning, suggest
from workbench.model import ROLES, ParsedTranscript, RawTurn
from workbench.parsing.attributes import STANDARD_KEYS, case_attributes
from workbench.parsing.encoding import decode_bytes
from workbench.parsing.transcript import build_transcript
from workbench.parsing.yaml_loading import NoDuplicateKeysLoader, load_strict

__all__ = ["document_name_for", "parse_ipr_text", "parse_video_time", "read_ipr_file"]

_FRONT_KEYS = (*STANDARD_KEYS, "speakers", "document", "attributes", "synthetic", "note")
_STOP = re.compile(r"^\[(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\]\s*$")
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$")


class _FrontMatterLoader(NoDuplicateKeysLoader):
    """Safe YAML loading that refuses repeated keys and keeps an impossible date as text.

    PyYAML raises a bare :class:`ValueError` for those; as text they reach the attribute
    checks, which name the file, the line and the expected format.
    """


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def parse_video_time(text: str) -> float:
    """Seconds for ``HH:MM:SS``, ``MM:SS`` or ``H:M:S.fff`` (ValueError otherwise)."""
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"not a time: {text!r}")
    hours, minutes, seconds, frac = match.groups()
    if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
        raise ValueError(f"not a time: {text!r}")
    value = float(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds))
    if frac:
        value += int(frac.ljust(3, "0")) / 1000
    return value


def document_name_for(path: Path) -> str:
    """Default document name: the file name without ``.ipr.txt`` / ``.txt``."""
    name = path.name
    for suffix in (".ipr.txt", ".txt"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def read_ipr_file(path: str | Path) -> ParsedTranscript:
    """Read and parse one ``.ipr.txt`` file (any supported encoding)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TranscriptError(f"cannot read the file: {exc.strerror}.", path=str(path)) from None
    decoded = decode_bytes(data, source=str(path))
    notes: list[str] = []
    if decoded.warning:
        warnings.warn(decoded.warning, TranscriptWarning, stacklevel=2)
        notes.append(decoded.warning)
    return parse_ipr_text(
        decoded.text, source=str(path), default_name=document_name_for(path), warnings_=notes
    )


def parse_ipr_text(
    text: str,
    *,
    source: str = "<text>",
    default_name: str | None = None,
    warnings_: list[str] | None = None,
) -> ParsedTranscript:
    """Parse decoded transcript text (LF line ends) into a :class:`ParsedTranscript`."""
    lines = text.split("\n")
    front, body_start = _front_matter(lines, source)
    speakers = _speakers(front, source, lines, body_start)
    attrs_extra = front.get("attributes") or {}
    if not isinstance(attrs_extra, dict):
        raise TranscriptError(
            "front matter 'attributes' must be a mapping of name: value pairs.", path=source,
            line=_line_of_key(lines, "attributes", body_start),
        )
    extra = dict(attrs_extra)
    for key in ("synthetic", "note"):
        if key in front:
            extra[key] = front[key]
    attributes = case_attributes(
        front, extra,
        lambda msg: TranscriptError(msg, path=source, line=_line_of_message(lines, msg, body_start)),
    )
    name = str(front.get("document") or default_name or "").strip()
    if not name:
        raise TranscriptError("no document name: add `document: NAME` to the front matter.",
                              path=source, line=1)
    turns = _body(lines, body_start, speakers, source)
    return build_transcript(name, attributes, turns, source=source, warnings=warnings_ or ())


def _front_matter(lines: list[str], source: str) -> tuple[dict[str, object], int]:
    if not lines or lines[0].strip() != "---":
        raise TranscriptError(
            "the file does not start with front matter. Put a line '---' first, then the case "
            "attributes (dyad, session, perspective, speakers), then another '---' "
            "(see transcripts/README.md).",
            path=source,
            line=1,
        )
    for number in range(1, len(lines)):
        if lines[number].strip() == "---":
            break
    else:
        raise TranscriptError(
            "the front matter is not closed: add a line '---' after the case attributes.",
            path=source,
            line=1,
        )
    try:
        front = load_strict("\n".join(lines[1:number]), _FrontMatterLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise TranscriptError(
            f"front matter is not valid YAML ({problem}); check indentation and colons.",
            path=source,
            line=line,
        ) from None
    if not isinstance(front, dict):
        raise TranscriptError("front matter must be 'key: value' lines.", path=source, line=2)
    for key in front:
        if key not in _FRONT_KEYS:
            raise TranscriptError(
                f"unknown front matter key {key!r}{suggest(str(key), _FRONT_KEYS)}; put free "
                "case attributes under 'attributes:'.",
                path=source,
                line=_line_of_key(lines, str(key), number),
            )
    return front, number + 1


def _line_of_key(lines: list[str], key: str, end: int) -> int:
    """Line number of ``key:`` in the front matter (indented keys match any indentation)."""
    nested = key != key.lstrip()
    for index in range(1, min(end, len(lines))):
        line = lines[index].lstrip() if nested else lines[index]
        if line.startswith(f"{key.strip()}:"):
            return index + 1
    return 1


def _line_of_message(lines: list[str], message: str, end: int) -> int:
    """The front-matter line of the attribute a value error is about (1 when it is missing)."""
    if " is missing" in message:
        return 1
    for key in ("interview_date", "perspective", "session", "dyad", "participant", "outcome_group"):
        if message.startswith(key) or f"'{key}'" in message:
            return _line_of_key(lines, key, end)
    return 1


def _speakers(
    front: dict[str, object], source: str, lines: list[str], end: int
) -> dict[str, tuple[str, str]]:
    raw = front.get("speakers")
    if not isinstance(raw, dict) or not raw:
        raise TranscriptError(
            "front matter needs 'speakers:', mapping each turn label to a name and role, e.g. "
            "`R: {name: Researcher, role: interviewer}`.",
            path=source,
            line=1,
        )
    speakers: dict[str, tuple[str, str]] = {}
    for label, spec in raw.items():
        if not isinstance(spec, dict) or "role" not in spec:
            raise TranscriptError(
                f"speaker {label!r} needs a role: `{label}: {{name: ..., role: interviewer}}` "
                "or role participant.",
                path=source,
                line=_line_of_key(lines, f"  {label}", end),
            )
        role = str(spec["role"]).strip().lower()
        if role not in ROLES:
            raise TranscriptError(
                f"speaker {label!r} has role {spec['role']!r}{suggest(role, ROLES)}; use "
                "interviewer or participant.",
                path=source,
                line=_line_of_key(lines, f"  {label}", end),
            )
        speakers[str(label)] = (str(spec.get("name") or label), role)
    return speakers


def _body(
    lines: list[str], start: int, speakers: dict[str, tuple[str, str]], source: str
) -> list[RawTurn]:
    turns: list[RawTurn] = []
    # The open turn: speaker, role, video time, first line number, and its stripped lines
    # (joined with single spaces, which is what clean_turn_text makes of them anyway).
    current: tuple[str, str, float | None, int] | None = None
    parts: list[str] = []
    video_time: float | None = None

    def flush() -> None:
        if current is not None:
            speaker, role, time, number = current
            turns.append(RawTurn(speaker, role, " ".join(parts), time, number))

    for index in range(start, len(lines)):
        line = lines[index]
        number = index + 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[0] in " \t":
            if current is None:
                raise TranscriptError(
                    "an indented line continues a turn, but no turn has started yet; start it "
                    "with 'LABEL: text'.",
                    path=source,
                    line=number,
                )
            parts.append(stripped)
            continue
        stop = _STOP.match(stripped)
        if stop:
            flush()
            current = None
            try:
                video_time = parse_video_time(stop.group("time"))
            except ValueError:
                raise TranscriptError(
                    f"{stripped} is not a valid video time; write [HH:MM:SS].",
                    path=source,
                    line=number,
                ) from None
            continue
        label, colon, rest = line.partition(":")
        if colon and label.strip() in speakers:
            flush()
            name, role = speakers[label.strip()]
            current = (name, role, video_time, number)
            parts = [rest.strip()]
            continue
        if stripped.startswith("["):
            raise TranscriptError(
                f"{stripped[:40]!r} looks like a recall stop but is not '[HH:MM:SS]' alone on "
                "its line.",
                path=source,
                line=number,
            )
        known = ", ".join(speakers)
        hint = suggest(label.strip(), list(speakers)) if colon else ""
        raise TranscriptError(
            f"{stripped[:40]!r} is not a turn by a declared speaker ({known}){hint}. Declare the "
            "speaker under 'speakers:', indent the line to continue the previous turn, or start "
            "it with '#' to comment it out.",
            path=source,
            line=number,
        )
    flush()
    return turns
