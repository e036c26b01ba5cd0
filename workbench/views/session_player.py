"""The session recording player of the coding panel: a small anywidget over ``<audio>`` /
``<video>``.

:class:`SessionPlayer` shows the recording named by :mod:`workbench.media` and mirrors a
:class:`~workbench.media.PlaybackState` (:meth:`SessionPlayer.show`): Python sets
``seek_to`` and ``seek_serial`` (each seek request a new serial, so seeking twice to the
same stop is two seeks) and ``play``; the browser reports the playback ``position`` back
(on ``timeupdate``, at most four times a second, and after each seek), and the label
("playing stop 12 (03:25)") is computed in Python from it. The "follow" box is the
``follow`` trait.

Privacy: ``src`` is only ever a relative ``files/...`` URL (anything else is refused with
:class:`~workbench.errors.MediaError`); the browser joins it to the Jupyter server's base
URL (``baseUrl`` of the page's ``jupyter-config-data``), so the file comes from the server
that shows the notebook and nothing leaves the machine.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from workbench.errors import MediaError
from workbench.media import PlaybackState

__all__ = ["SessionPlayer", "check_src"]

_SAFE_SRC = re.compile(r"^files/[^:?#\\]+$")


def check_src(src: str) -> str:
    """``src`` when it is ``""`` or a relative ``files/...`` URL without ``..`` parts;
    else :class:`MediaError` (the player never holds an absolute or remote URL)."""
    if src == "":
        return src
    if not _SAFE_SRC.match(src) or any(part in ("..", ".") for part in src.split("/")):
        raise MediaError(
            f"the player plays only relative 'files/...' URLs of the Jupyter server, not "
            f"{src[:80]!r}; give the recording as a local path (workbench.media.files_url).")
    return src


_ESM = """
function baseUrl() {
  const config = document.getElementById("jupyter-config-data");
  if (config) {
    try {
      const base = JSON.parse(config.textContent).baseUrl;
      if (typeof base === "string" && base.startsWith("/")) {
        return base.endsWith("/") ? base : base + "/";
      }
    } catch (error) {
      // fall through
    }
  }
  return "/";
}

function localUrl(src) {
  // only the server's own files/ handler: a relative path below the base URL
  if (typeof src !== "string" || !src.startsWith("files/") || src.includes("://")) {
    return "";
  }
  return baseUrl() + src;
}

function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "wb-player";
  const bar = document.createElement("div");
  bar.className = "wb-player-bar";
  const label = document.createElement("span");
  label.className = "wb-player-label";
  const problem = document.createElement("span");
  problem.className = "wb-player-problem";
  const followLabel = document.createElement("label");
  followLabel.className = "wb-player-follow";
  const follow = document.createElement("input");
  follow.type = "checkbox";
  followLabel.append(follow, " follow the segment's stop");
  const hint = document.createElement("span");
  hint.className = "wb-player-hint";
  hint.textContent = "l: listen from this stop";
  bar.append(label, followLabel, hint);
  box.append(bar, problem);
  el.appendChild(box);

  let media = null;
  let lastReport = 0;
  let appliedSerial = 0;
  const report = () => {
    if (!media || !Number.isFinite(media.currentTime)) {
      return;
    }
    lastReport = Date.now();
    model.set("position", media.currentTime);
    model.save_changes();
  };
  const onTime = () => {
    if (Date.now() - lastReport >= 250) {
      report();
    }
  };
  const seek = () => {
    const serial = model.get("seek_serial");
    if (!media || serial === appliedSerial) {
      return;
    }
    appliedSerial = serial;
    const target = model.get("seek_to");
    const play = model.get("play");
    const go = () => {
      media.currentTime = target;
      if (play) {
        media.play().catch(() => {});
      } else if (!media.paused && !model.get("keep_playing")) {
        media.pause();
      }
    };
    if (media.readyState >= 1) {
      go();
    } else {
      media.addEventListener("loadedmetadata", go, { once: true });
    }
  };
  const build = () => {
    const src = localUrl(model.get("src"));
    if (media) {
      media.pause();
      media.remove();
      media = null;
    }
    appliedSerial = 0;
    if (!src) {
      return;
    }
    media = document.createElement(model.get("kind") === "video" ? "video" : "audio");
    media.className = "wb-player-media";
    media.controls = true;
    media.preload = "auto";
    media.src = src;
    media.addEventListener("timeupdate", onTime);
    media.addEventListener("seeked", report);
    media.addEventListener("pause", report);
    box.insertBefore(media, bar);
    seek();
  };
  const showText = () => {
    label.textContent = model.get("label");
    problem.textContent = model.get("problem");
    follow.checked = model.get("follow");
  };
  follow.addEventListener("change", () => {
    model.set("follow", follow.checked);
    model.save_changes();
  });
  build();
  showText();
  model.on("change:src", build);
  model.on("change:kind", build);
  model.on("change:seek_serial", seek);
  model.on("change:label", showText);
  model.on("change:problem", showText);
  model.on("change:follow", showText);
  return () => {
    if (media) {
      media.pause();
    }
    model.off("change:src", build);
    model.off("change:kind", build);
    model.off("change:seek_serial", seek);
    model.off("change:label", showText);
    model.off("change:problem", showText);
    model.off("change:follow", showText);
  };
}

export default { render };
"""

_CSS = """
.wb-player { margin: 4px 0; }
.wb-player-media { width: 100%; max-height: 320px; }
.wb-player-bar { display: flex; gap: 14px; align-items: center; font-size: 13px; }
.wb-player-label { font-weight: bold; }
.wb-player-hint { color: #666; }
.wb-player-problem { color: #b00020; font-size: 13px; }
"""


class SessionPlayer(anywidget.AnyWidget):
    """An ``<audio>``/``<video>`` player of a local session recording (see the module)."""

    _esm = _ESM
    _css = _CSS
    src = traitlets.Unicode("").tag(sync=True)
    """A relative ``files/...`` URL, or ``""`` (no recording)."""
    kind = traitlets.Enum(("audio", "video"), default_value="audio").tag(sync=True)
    seek_to = traitlets.Float(0.0).tag(sync=True)
    """Seconds to seek to at the next :attr:`seek_serial`."""
    seek_serial = traitlets.Int(0).tag(sync=True)
    play = traitlets.Bool(False).tag(sync=True)
    """Whether playback starts at the seek (``l``) or stays as it is (following a move)."""
    keep_playing = traitlets.Bool(True).tag(sync=True)
    """A following seek keeps playing when the coder was listening."""
    position = traitlets.Float(0.0).tag(sync=True)
    """The playback position, reported by the browser."""
    label = traitlets.Unicode("").tag(sync=True)
    problem = traitlets.Unicode("").tag(sync=True)
    """Why the recording cannot be played (shown instead of the player)."""
    follow = traitlets.Bool(True).tag(sync=True)

    @traitlets.validate("src")
    def _valid_src(self, proposal: dict[str, Any]) -> str:
        return check_src(str(proposal["value"]))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._serial_base = 0
        self._shown: PlaybackState | None = None

    def show(self, state: PlaybackState | None, problem: str = "") -> None:
        """Mirror ``state`` (``None``: no recording; ``problem``: why not)."""
        with self.hold_sync():
            if state is not self._shown:  # another recording: serials start again
                self._serial_base = self.seek_serial
                self._shown = state
            self.problem = problem
            if state is None:
                self.src = ""
                self.label = ""
                return
            self.kind = state.media.kind
            self.src = state.media.src
            self.follow = state.follow
            self.label = state.label
            serial = self._serial_base + state.seek_serial
            if state.seek_to is not None and serial != self.seek_serial:
                self.seek_to = state.seek_to
                self.play = state.play
                self.seek_serial = serial

    def on_position(self, callback: Callable[[float], object]) -> None:
        """Call ``callback(seconds)`` when the browser reports a playback position."""
        self.observe(lambda change: callback(float(change["new"])), names="position")

    def on_follow(self, callback: Callable[[bool], object]) -> None:
        """Call ``callback(on)`` when the follow box is ticked or cleared."""
        self.observe(lambda change: callback(bool(change["new"])), names="follow")
