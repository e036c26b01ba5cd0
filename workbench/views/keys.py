"""A tiny anywidget that turns key presses into calls in the kernel.

Stock ipywidgets cannot receive key events. :class:`KeyCatcher` renders one focusable box;
while it has the focus, the keys listed in :data:`KEYS` are sent to Python as a custom
message ``{"type": "key", "key": "ArrowRight"}`` and passed to the callbacks registered
with :meth:`KeyCatcher.on_key`. The box carries ``data-lm-suppress-shortcuts`` so that
JupyterLab's own notebook shortcuts (``1`` makes a heading, ``z`` undoes a cell
operation, arrows move between cells, ``Escape`` leaves the cell) do not fire while coding.

The coding panel's codebook form (an element with the class ``wb-codebook-form`` in the
same ``wb-coding-panel``) is typed into, not the box: there only ``Enter`` (in a one-line
field; ``Ctrl+Enter`` in a text box, where Enter starts a new line) and ``Escape`` are
forwarded, and the box takes the focus back, so the keys after them act on the panel
again. Every other key typed in the form stays in its field. Such a message also carries
``"form"``: the values the form's fields (elements with a class ``wb-field-NAME``) show at
that moment, because ipywidgets holds a field's last keystrokes back while an earlier
update is on its way to the kernel, and the key would overtake them; they go to the
callbacks registered with :meth:`KeyCatcher.on_form_key`. Tests call
:meth:`KeyCatcher.handle_message` with the same content the browser sends.
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
    # the code palette (/): every letter is typed into its filter
    *"aAcCeEfFgGhHiIjJkKlLoOtTwWxXyY", "/", " ", "Backspace",
)
"""The keys forwarded to Python; every other key keeps its usual meaning."""

_ESM = """
const KEYS = new Set(%s);

function render({ model, el }) {
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
  const onKey = (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || !KEYS.has(event.key)) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    model.send({ type: "key", key: event.key });
    box.classList.add("wb-keys-pressed");
    setTimeout(() => box.classList.remove("wb-keys-pressed"), 120);
  };
  box.addEventListener("keydown", onKey);
  // Enter / Escape typed in this panel's codebook form confirm / cancel it
  const onFormKey = (event) => {
    if (event.key !== "Enter" && event.key !== "Escape") {
      return;
    }
    const target = event.target;
    if (!(target instanceof Element)) {
      return;
    }
    const form = target.closest(".wb-codebook-form");
    const panel = el.closest(".wb-coding-panel");
    if (!form || !panel || form.closest(".wb-coding-panel") !== panel) {
      return;
    }
    const multiline = target.tagName === "TEXTAREA";
    if (event.key === "Enter" && (event.altKey || (multiline && !event.ctrlKey
                                                   && !event.metaKey))) {
      return;  // a new line in a text box
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
    box.focus();
  };
  document.addEventListener("keydown", onFormKey, true);
  el.appendChild(box);
  return () => {
    document.removeEventListener("keydown", onFormKey, true);
    box.removeEventListener("keydown", onKey);
    model.off("change:hint", show);
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


def _esm(keys: Sequence[str]) -> str:
    items = ", ".join('"' + key + '"' for key in keys)
    return _ESM % f"[{items}]"


class KeyCatcher(anywidget.AnyWidget):
    """A focusable box that forwards :data:`KEYS` to Python callbacks ``f(key)``."""

    _esm = _esm(KEYS)
    _css = _CSS
    hint = traitlets.Unicode("click here to code with the keyboard").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._callbacks: list[Callable[[str], object]] = []
        self._form_callbacks: list[Callable[[str, dict[str, object]], object]] = []
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
        if not isinstance(key, str) or key not in KEYS:
            log.debug("KeyCatcher ignored key %r", key)
            return False
        form = content.get("form")
        if isinstance(form, dict) and key in ("Enter", "Escape") and self._form_callbacks:
            values: dict[str, object] = {str(k): v for k, v in form.items()
                                         if isinstance(v, str | bool)}
            for form_callback in self._form_callbacks:
                form_callback(key, values)
            return True
        for callback in self._callbacks:
            callback(key)
        return True
