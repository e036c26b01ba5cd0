"""Session media: the recording of the therapy session a transcript recalls, played locally.

IPR is a video method: each recall stop of an interview has a time on the session video.
The coding panel plays that recording from the current stop (:mod:`workbench.views.
session_player`); this module finds the recording and keeps the playback state, in plain
Python (no widgets, testable headlessly).

**Where the recording is** (:func:`recording_for`), first match wins:

1. the document's case attribute ``recording`` (an IPR front matter ``attributes:``
   entry, or a ``recording`` column of the attribute sheet): a local path, absolute or
   relative to the transcript's folder (else to the Jupyter server root);
2. a *sidecar* file named like the transcript (``D01_S3_client.ipr.txt`` ->
   ``D01_S3_client.wav``; or named like the document) with one of
   :data:`MEDIA_SUFFIXES`, in the transcript's folder or its ``recordings/`` subfolder.

**Nothing leaves the machine.** URLs (``http:``, ``https:``, ``ftp:``, ``//host``, any
``scheme://``) are refused (:class:`~workbench.errors.MediaError`: local paths only). The
browser loads the file from the Jupyter server that shows the notebook, through its
``files/`` handler: the player's source is the *relative* URL ``files/<path relative to
the server root>`` (:func:`files_url`), which the browser joins to the server's base URL.
So the file must lie under the server root and not in a hidden (``.name``) folder, which
the server does not serve; otherwise :class:`MediaError` says how to fix it.

**The server root** (:func:`server_root`): the ``root`` argument, else the environment
variable ``JUPYTER_SERVER_ROOT``, else the notebook's working directory (a JupyterLab
kernel runs in the notebook's folder: with notebooks in a subfolder of the root, set
``JUPYTER_SERVER_ROOT``).
"""

from __future__ import annotations

import bisect
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from workbench.errors import MediaError

if TYPE_CHECKING:
    from workbench.project import Project

__all__ = [
    "MEDIA_SUFFIXES",
    "RECORDING_ATTRIBUTE",
    "PlaybackState",
    "RecallStop",
    "SessionMedia",
    "files_url",
    "format_position",
    "recall_stops_of",
    "recording_for",
    "server_root",
    "session_media",
]

RECORDING_ATTRIBUTE = "recording"
"""The case attribute that names a document's session recording."""
MEDIA_SUFFIXES: tuple[str, ...] = (".wav", ".mp3", ".m4a", ".ogg", ".oga", ".mp4", ".m4v",
                                   ".webm")
"""Sidecar recordings looked for, in this order (audio first)."""
_VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".webm"})
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|//|(?:https?|ftp|ftps|data|blob|javascript):)",
                  re.IGNORECASE)
_TRANSCRIPT_SUFFIXES = (".ipr.txt", ".txt", ".docx", ".vtt", ".srt", ".sbv", ".csv",
                        ".json", ".xlsx")


def server_root(root: str | Path | None = None) -> Path:
    """The folder the Jupyter server serves: ``root``, else ``JUPYTER_SERVER_ROOT``, else
    the current working directory (resolved)."""
    chosen = root if root is not None else os.environ.get("JUPYTER_SERVER_ROOT") or os.getcwd()
    return Path(chosen).expanduser().resolve()


def _refuse_url(value: str, where: str) -> None:
    if _URL.match(value.strip()):
        raise MediaError(
            f"{where} is a URL ({value.strip()[:80]!r}); the workbench plays local paths only, "
            "so that no session recording leaves the machine. Copy the file into the project "
            "folder and give its path instead.")


def files_url(path: str | Path, root: str | Path | None = None) -> str:
    """The relative URL ``files/<path relative to the server root>`` under which the Jupyter
    server serves ``path`` (each part percent-encoded); the browser joins it to the
    server's base URL. Raises :class:`MediaError` for a path outside the root or inside a
    hidden folder, which the server would not serve."""
    base = server_root(root)
    target = Path(path).expanduser().resolve()
    try:
        relative = target.relative_to(base)
    except ValueError:
        raise MediaError(
            f"the recording {str(target)!r} is outside the Jupyter server root {str(base)!r}, "
            "so the browser cannot load it. Move (or link) it into a folder under the root, "
            "or start JupyterLab in a folder that holds it (set JUPYTER_SERVER_ROOT, or pass "
            "root=, when the notebook runs in a subfolder of the root).") from None
    hidden = [part for part in relative.parts if part.startswith(".")]
    if hidden:
        raise MediaError(
            f"the recording {str(target)!r} lies in the hidden folder {hidden[0]!r}, which the "
            "Jupyter server does not serve; move it to a folder whose name does not start "
            "with '.'.")
    if not relative.parts:
        raise MediaError(f"{str(target)!r} is the server root itself, not a recording file.")
    return "files/" + "/".join(quote(part) for part in relative.parts)


def _stem(source: str) -> str:
    name = Path(source).name
    lower = name.lower()
    for suffix in _TRANSCRIPT_SUFFIXES:
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return Path(name).stem


def _source_folder(source: str, root: Path) -> Path | None:
    if not source or source.startswith("<"):
        return None
    path = Path(source).expanduser()
    candidates = [path] if path.is_absolute() else [root / path, Path.cwd() / path]
    for candidate in candidates:
        if candidate.parent.is_dir():
            return candidate.parent.resolve()
    return None


def recording_for(project: Project, document: str, *,
                  root: str | Path | None = None) -> Path | None:
    """The local session recording of ``document``, or ``None`` when it has none.

    The ``recording`` case attribute wins (a missing file, a URL or a path outside the
    server root is a :class:`MediaError`); else a sidecar file next to the transcript
    source (see the module docs). ``root`` is the Jupyter server root
    (:func:`server_root`)."""
    base = server_root(root)
    source = project.document_source(document)
    folder = _source_folder(source, base)
    named = _recording_attribute(project, document)
    if named:
        _refuse_url(named, f"the {RECORDING_ATTRIBUTE!r} attribute of {document!r}")
        path = Path(named).expanduser()
        if not path.is_absolute():
            path = (folder or base) / path
        if not path.is_file():
            raise MediaError(
                f"the recording {str(path)!r} named by the {RECORDING_ATTRIBUTE!r} attribute "
                f"of {document!r} does not exist; fix the attribute (a path relative to the "
                f"transcript's folder {str(folder or base)!r}) or put the file there.")
        files_url(path, base)  # under the root, else say how to fix it
        return path.resolve()
    if folder is None:
        return None
    for stem in dict.fromkeys((_stem(source), document)):
        for place in (folder, folder / "recordings"):
            for suffix in MEDIA_SUFFIXES:
                candidate = place / f"{stem}{suffix}"
                if candidate.is_file():
                    files_url(candidate, base)
                    return candidate.resolve()
    return None


def _recording_attribute(project: Project, document: str) -> str:
    cases = project.cases()
    if RECORDING_ATTRIBUTE not in cases.columns:
        return ""
    rows = cases[cases["document"] == document]
    if rows.empty:
        return ""
    value = rows.iloc[0][RECORDING_ATTRIBUTE]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def format_position(seconds: float) -> str:
    """``MM:SS`` (``H:MM:SS`` from an hour on) for a playback position."""
    whole = max(int(seconds), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


@dataclass(frozen=True)
class RecallStop:
    """A recall stop of a document: its number (1-based, document order), its session-video
    time in seconds and the index of its first turn."""

    number: int
    seconds: float
    turn_index: int

    @property
    def label(self) -> str:
        """``stop 12 (03:25)``."""
        return f"stop {self.number} ({format_position(self.seconds)})"


def recall_stops_of(turns: Iterable[tuple[int, int | None, float | None]]
                    ) -> tuple[RecallStop, ...]:
    """The recall stops from ``(turn_index, stop_index, video_time)`` rows in turn order
    (``stop_index`` 0-based, as ``Project.turns()`` gives it; a turn without one belongs to
    no stop), in document order."""
    stops: dict[int, RecallStop] = {}
    for turn_index, stop_index, seconds in turns:
        if stop_index is None or seconds is None or stop_index in stops:
            continue
        stops[stop_index] = RecallStop(int(stop_index) + 1, float(seconds), int(turn_index))
    return tuple(sorted(stops.values(), key=lambda s: s.number))


@dataclass(frozen=True)
class SessionMedia:
    """A document's recording as the panel plays it: the local ``path``, the relative
    ``src`` URL (``files/...``), ``kind`` (``audio`` or ``video``), the recall ``stops``
    and which stop each turn belongs to (``turn_stops``: turn index -> stop number)."""

    document: str
    path: Path
    src: str
    kind: Literal["audio", "video"]
    stops: tuple[RecallStop, ...]
    turn_stops: tuple[tuple[int, int], ...] = ()


def session_media(project: Project, document: str, *,
                  root: str | Path | None = None) -> SessionMedia | None:
    """The :class:`SessionMedia` of ``document`` (``None``: no recording); errors as in
    :func:`recording_for`."""
    path = recording_for(project, document, root=root)
    if path is None:
        return None
    frame = project.turns(document)
    rows: list[tuple[int, int | None, float | None]] = []
    for row in frame.itertuples(index=False):
        stop = None if _missing(row.stop_index) else int(row.stop_index)
        seconds = None if _missing(row.video_time) else float(row.video_time)
        rows.append((int(row.turn_index), stop, seconds))
    stops = recall_stops_of(rows)
    numbers = {s.number for s in stops}
    turn_stops = tuple((turn, stop + 1) for turn, stop, _t in rows
                       if stop is not None and stop + 1 in numbers)
    kind: Literal["audio", "video"] = ("video" if path.suffix.lower() in _VIDEO_SUFFIXES
                                       else "audio")
    return SessionMedia(document, path, files_url(path, root), kind, stops, turn_stops)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


class PlaybackState:
    """Where playback of one :class:`SessionMedia` is, and where it should seek.

    ``position`` is the playback position the browser last reported; the *stop playback
    is in* is the last stop (sorted by time) whose time is at or before it. A seek request
    sets ``seek_to`` (seconds) and increases ``seek_serial`` (so that seeking twice to the
    same stop is two requests); ``play`` says whether playback should start there.
    ``follow`` (on by default) seeks when the coder moves to a segment of another stop.
    """

    def __init__(self, media: SessionMedia, *, follow: bool = True) -> None:
        self.media = media
        self.follow = follow
        self.position = 0.0
        self.seek_to: float | None = None
        self.seek_serial = 0
        self.play = False
        self._by_time: tuple[RecallStop, ...] = tuple(sorted(media.stops,
                                                             key=lambda s: s.seconds))
        self._times = [s.seconds for s in self._by_time]
        self._turn_stops = dict(media.turn_stops)
        self._numbers = {s.number: s for s in media.stops}
        self._segment_stop: int | None = None

    @property
    def stops(self) -> tuple[RecallStop, ...]:
        """The recall stops in document order."""
        return self.media.stops

    def stop(self, number: int) -> RecallStop:
        """Stop ``number`` (1-based); :class:`MediaError` when there is none."""
        try:
            return self._numbers[number]
        except KeyError:
            raise MediaError(f"{self.media.document!r} has no recall stop {number} (it has "
                             f"{len(self.stops)}).") from None

    def stop_at(self, position: float) -> RecallStop | None:
        """The stop playback at ``position`` seconds is in (``None`` before the first)."""
        at = bisect.bisect_right(self._times, position) - 1
        return self._by_time[at] if at >= 0 else None

    def stop_of_turn(self, turn_index: int) -> RecallStop | None:
        """The stop turn ``turn_index`` belongs to (``None``: before the first stop)."""
        number = self._turn_stops.get(turn_index)
        return None if number is None else self._numbers[number]

    @staticmethod
    def seek_target(stop: RecallStop) -> float:
        """Where playing ``stop`` starts: its session-video time."""
        return stop.seconds

    @property
    def current(self) -> RecallStop | None:
        """The stop playback is in now (from :attr:`position`)."""
        return self.stop_at(self.position)

    @property
    def label(self) -> str:
        """``playing stop 12 (03:25)`` (the stop's time), or where playback is when it is
        before the first stop."""
        stop = self.current
        if stop is None:
            return f"at {format_position(self.position)}, before the first recall stop"
        return f"playing {stop.label}"

    def seek(self, stop: RecallStop, *, play: bool = False) -> float:
        """Ask the player to seek to ``stop`` (and play when ``play``); returns the time."""
        self.seek_to = self.seek_target(stop)
        self.seek_serial += 1
        self.play = play
        self.position = self.seek_to
        return self.seek_to

    def report(self, position: float) -> RecallStop | None:
        """Take the position the browser reports; returns the stop it is in."""
        if not math.isfinite(position) or position < 0:
            raise MediaError(f"a playback position must be a time in seconds, got {position!r}.")
        self.position = float(position)
        return self.current

    def on_segment(self, turn_index: int | None) -> bool:
        """The coder is on a segment of turn ``turn_index``: with :attr:`follow` on, seek to
        its stop when it differs from the previous segment's stop. True when it seeked."""
        stop = self.stop_of_turn(turn_index) if turn_index is not None else None
        number = stop.number if stop is not None else None
        moved = number != self._segment_stop
        self._segment_stop = number
        if moved and self.follow and stop is not None:
            self.seek(stop)
            return True
        return False

