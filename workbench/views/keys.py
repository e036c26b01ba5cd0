"""A tiny anywidget that turns key presses into calls in the kernel.

Stock ipywidgets cannot receive key events. :class:`KeyCatcher` renders one focusable box;
the keys it is given (``KeyCatcher(keys=...)``, by default the coding panel's :data:`KEYS`;
synced as the ``accepted_keys`` trait) typed while it, or anything else in the same panel
(an element with the class ``wb-coding-panel``, or ``wb-key-panel`` for other keyboard
views such as the adjudication view: a button, the transcript, a heading), has the focus
are sent to Python as a custom message ``{"type": "key", "key": "ArrowRight"}``
(``"Shift+ArrowRight"`` with Shift) and passed to the callbacks registered with
:meth:`KeyCatcher.on_key`. No key typed in the panel reaches JupyterLab: the panel's root
carries ``data-lm-suppress-shortcuts`` and stops every key event from going further, and
the keys typed outside its text fields are caught before anything else sees them (only
``Tab`` and copying keep their usual meaning), so JupyterLab's notebook shortcuts (``1``
makes a heading, ``z`` undoes a cell operation, arrows move between cells, ``Escape``
leaves the cell) never fire while coding. After a click in the panel outside a text field
the box takes the focus back, so the next keys code and move.

The coding panel's codebook form (an element with the class ``wb-codebook-form`` in the
same ``wb-coding-panel``; any other panel may use ``wb-key-form`` inside ``wb-key-panel``,
as the adjudication view's reason form does) is typed into, not the box: there only ``Enter`` (in a one-line
field; ``Ctrl+Enter`` in a text box, where Enter starts a new line) and ``Escape`` are
forwarded, and the box takes the focus back, so the keys after them act on the panel
again. Every other key typed in the form stays in its field. Such a message also carries
``"form"``: the values the form's fields (elements with a class ``wb-field-NAME``) show at
that moment, because ipywidgets holds a field's last keystrokes back while an earlier
update is on its way to the kernel, and the key would overtake them; they go to the
callbacks registered with :meth:`KeyCatcher.on_form_key`. Tests call
:meth:`KeyCatcher.handle_message` with the same content the browser sends.

Each key message also carries ``"seq"``, a number that grows with every key (kept as
:attr:`KeyCatcher.seq` while the callbacks run), and the same key and number are
dispatched at once, in the page, as a ``wb-key`` ``CustomEvent`` on the panel's root: the
coding panel's transcript view draws what the key will do before the kernel answers, and
the panel's answer carries the number back (see :mod:`workbench.views.transcript_widget`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import anywidget
import traitlets

__all__ = ["KEYS", "KeyCatcher"]

log = logging.getLogger(__name__)

KEYS: tuple[str, ...] = (
    *"1234567890", "ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown",
    *"uUzZnNrRmMpPvVdDbBqQsS", "Escape", "Enter",
    *"lL",  # l: listen to the session recording from the segment's recall stop
    "Shift+ArrowLeft", "Shift+ArrowRight", "Shift+ArrowUp", "Shift+ArrowDown",
    # the code palette (/): every letter is typed into its filter
    *"aAcCeEfFgGhHiIjJkKoOtTwWxXyY", "/", " ", "Backspace",
)
"""The coding panel's keys (the default ``keys``); every other key keeps its usual meaning."""

_ESM = """
const FIELDS = "input, textarea, select, [contenteditable], .wb-codebook-form, .wb-key-form";
const PANELS = ".wb-coding-panel, .wb-key-panel";

function render({ model, el }) {
  let KEYS = new Set(model.get("accepted_keys"));
  const setKeys = () => {
    KEYS = new Set(model.get("accepted_keys"));
  };
  model.on("change:accepted_keys", setKeys);
  const box = document.createElement("div");
  box.className = "wb-keys";
  box.tabIndex = 0;
  box.setAttribute("role", "application");
  box.setAttribute("data-lm-suppress-shortcuts", "true");
  box.setAttribute("aria-label", "coding keyboard: click here, then use the keys shown");
  const show = () => {
    box.textContent = model.get("hint");
  };
  show();
  model.on("change:hint", show);
  const panel = () => el.closest(PANELS);
  const inside = (target) => {
    const root = panel();
    return root && target instanceof Node && root.contains(target) ? root : null;
  };
  const inField = (target) => target instanceof Element && target.closest(FIELDS) !== null;
  // the panel's root: JupyterLab's shortcuts are off in it, and no key leaves it
  const guard = (root) => {
    if (!root || root.dataset.wbKeysGuard) {
      return;
    }
    root.dataset.wbKeysGuard = "1";
    root.setAttribute("data-lm-suppress-shortcuts", "true");
    const stop = (event) => event.stopPropagation();
    root.addEventListener("keydown", stop);
    root.addEventListener("keypress", stop);
    root.addEventListener("keyup", stop);
  };
  let tries = 0;
  const attach = () => {
    const root = panel();
    if (root) {
      guard(root);
    } else if (tries++ < 100) {
      requestAnimationFrame(attach);
    }
  };
  attach();
  // every key sent carries a number that only grows (also across page loads); the panel
  // hears of it at once (a "wb-key" event on its root: the transcript view draws what the
  // key will do), and the kernel's answer carries it back (the transcript's ``ack``)
  let seq = 0;
  const send = (key) => {
    seq = Math.max(seq + 1, Math.round((performance.timeOrigin + performance.now()) * 1000));
    box.dataset.seq = String(seq);
    model.send({ type: "key", key, seq });
    const root = panel();
    if (root) {
      root.dispatchEvent(new CustomEvent("wb-key", { detail: { key, seq } }));
    }
    box.classList.add("wb-keys-pressed");
    setTimeout(() => box.classList.remove("wb-keys-pressed"), 120);
  };
  const forwarded = (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return null;
    }
    const key = event.shiftKey && event.key.startsWith("Arrow") ? "Shift+" + event.key
                                                                 : event.key;
    return KEYS.has(key) ? key : null;
  };
  // Enter / Escape typed in this panel's codebook form confirm / cancel it
  const formKey = (event, root) => {
    const form = event.target.closest(".wb-codebook-form, .wb-key-form");
    if (!form || form.closest(PANELS) !== root) {
      return false;
    }
    if (event.key !== "Enter" && event.key !== "Escape") {
      return true;  // typed into the field
    }
    const multiline = event.target.tagName === "TEXTAREA";
    if (event.key === "Enter" && (event.altKey || (multiline && !event.ctrlKey
                                                   && !event.metaKey))) {
      return true;  // a new line in a text box
    }
    event.preventDefault();
    event.stopPropagation();
    // the fields as shown now: their own updates may still be held back by ipywidgets
    const values = {};
    for (const field of form.querySelectorAll("[class*='wb-field-']")) {
      const name = Array.from(field.classList).find((c) => c.startsWith("wb-field-"));
      const control = field.querySelector("input, textarea, select");
      if (name && control) {
        values[name.slice(9)] = control.type === "checkbox" ? control.checked : control.value;
      }
    }
    model.send({ type: "key", key: event.key, form: values });
    box.focus({ preventScroll: true });
    return true;
  };
  // every key typed anywhere in the panel (but in its text fields) is the panel's: the
  // keys it knows are sent to Python, the others do nothing; none reaches JupyterLab
  // the last click was in this panel: until the next click elsewhere, a key whose target
  // holds the panel (the notebook's cell or body, which took the focus on that click) is
  // the panel's too
  let clickedInside = false;
  const onKey = (event) => {
    let root = inside(event.target);
    if (!root && clickedInside) {
      const own = panel();
      const target = event.target;
      if (own && target instanceof Node && target.contains(own)) {
        root = own;
      }
    }
    if (!root) {
      return;
    }
    guard(root);
    if (event.target instanceof Element && formKey(event, root)) {
      return;
    }
    if (inField(event.target) || event.key === "Tab") {
      return;  // typing in a field, or moving the focus: the root stops it going further
    }
    const key = forwarded(event);
    const copy = (event.ctrlKey || event.metaKey) && (event.key === "c" || event.key === "C");
    if (!copy) {
      event.preventDefault();
    }
    event.stopPropagation();
    if (key !== null) {
      send(key);
      if (document.activeElement !== box) {
        box.focus({ preventScroll: true });
      }
    }
  };
  // after a click in the panel (a button, the transcript, a heading) the keys stay here
  const refocus = () => {
    const root = panel();
    const active = document.activeElement;
    if (root && !(active && root.contains(active) && inField(active))) {
      box.focus({ preventScroll: true });
    }
  };
  const onPointerDown = (event) => {
    clickedInside = inside(event.target) !== null && !inField(event.target);
  };
  const onPointer = (event) => {
    if (!inside(event.target) || inField(event.target)) {
      return;
    }
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed) {
      refocus();  // at once, before a key typed right after the click (a selection being
    }             // made waits for the transcript to read it on mouseup)
    setTimeout(refocus, 0);
    setTimeout(() => {
      const root = panel();
      if (root && !root.contains(document.activeElement)) {
        refocus();
      }
    }, 150);
  };
  window.addEventListener("keydown", onKey, true);
  window.addEventListener("pointerup", onPointer, true);
  window.addEventListener("pointerdown", onPointerDown, true);
  el.appendChild(box);
  return () => {
    window.removeEventListener("keydown", onKey, true);
    window.removeEventListener("pointerup", onPointer, true);
    window.removeEventListener("pointerdown", onPointerDown, true);
    model.off("change:hint", show);
    model.off("change:accepted_keys", setKeys);
  };
}

export default { render };
"""

_CSS = """
.wb-keys {
  border: 2px dashed #888;
  border-radius: 6px;
  padding: 6px 10px;
  margin: 4px 0;
  color: #444;
  font-size: 13px;
  cursor: pointer;
  user-select: none;
}
.wb-keys:focus {
  outline: none;
  border: 2px solid #1f77b4;
  background: #eef5fb;
  color: #000;
}
.wb-keys.wb-keys-pressed {
  background: #d7e9f7;
}
"""


class KeyCatcher(anywidget.AnyWidget):
    """A focusable box that forwards its ``accepted_keys`` (default :data:`KEYS`) to Python callbacks
    ``f(key)``."""

    _esm = _ESM
    _css = _CSS
    hint = traitlets.Unicode("click here to code with the keyboard").tag(sync=True)
    accepted_keys = traitlets.List(traitlets.Unicode(), default_value=list(KEYS)).tag(sync=True)

    def __init__(self, *, keys: Sequence[str] | None = None, **kwargs: Any) -> None:
        if keys is not None:
            kwargs["accepted_keys"] = list(keys)
        super().__init__(**kwargs)
        self._callbacks: list[Callable[[str], object]] = []
        self._form_callbacks: list[Callable[[str, dict[str, object]], object]] = []
        self.seq = 0
        """The number the browser gave the last key handed to the callbacks (0 before
        any): the panel sends it back with its answer (``TranscriptView.ack``)."""
        self.on_msg(self._on_custom_msg)

    def on_key(self, callback: Callable[[str], object]) -> None:
        """Call ``callback(key)`` for each forwarded key press."""
        self._callbacks.append(callback)

    def on_form_key(self, callback: Callable[[str, dict[str, object]], object]) -> None:
        """Call ``callback(key, values)`` for ``Enter``/``Escape`` typed in the codebook
        form, with the values its fields show (field name -> text, or bool for a
        checkbox; a dropdown gives the label shown). Without such a callback these keys go
        to the :meth:`on_key` callbacks."""
        self._form_callbacks.append(callback)

    def _on_custom_msg(self, _widget: object, content: object, _buffers: object) -> None:
        self.handle_message(content)

    def handle_message(self, content: object) -> bool:
        """Handle a message from the browser; True when it was a key we forward."""
        if not isinstance(content, dict) or content.get("type") != "key":
            log.debug("KeyCatcher ignored message %r", content)
            return False
        key = content.get("key")
        if not isinstance(key, str) or key not in self.accepted_keys:
            log.debug("KeyCatcher ignored key %r", key)
            return False
        form = content.get("form")
        if isinstance(form, dict) and key in ("Enter", "Escape") and self._form_callbacks:
            values: dict[str, object] = {str(k): v for k, v in form.items()
                                         if isinstance(v, str | bool)}
            for form_callback in self._form_callbacks:
                form_callback(key, values)
            return True
        seq = content.get("seq")
        self.seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else self.seq
        for callback in self._callbacks:
            callback(key)
        return True
