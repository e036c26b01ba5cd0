"""The coding panel's transcript view: the whole transcript, codings in colour, any text
selectable.

:class:`TranscriptView` is an anywidget. Its synced traits carry plain data prepared in
Python (:mod:`workbench.views.transcript`): the document text (:attr:`~TranscriptView.text`),
one row per turn (:attr:`~TranscriptView.turns`: speaker, role, recall-stop time, offsets),
the codings (:attr:`~TranscriptView.codings`: range, code colour and name, and in the
reviewer view the other coders' codings with the coder's name), the current sentence and
the selection. The browser shows every turn as it reads, each coding as a tint and a
stripe under its words in its code's colour (several codings of one passage stack their
stripes, and a margin stripe per code marks the turn), another coder's coding (reviewer
view) with a dashed underline and a hatched margin stripe named ``coder: code``, the
current sentence outlined and the selection in blue. It renders only the turns near what
is visible (blocks of turns filled in as they scroll into view and emptied again as they
leave), so a 2,000-turn transcript stays smooth.

:meth:`TranscriptView.show` sends only what changed: a move sends the current sentence's
two offsets, a coding the coding rows; the text and turns go once per document. A mouse
selection in the view (from where the button went down to where it came up, read from
those points: JupyterLab's notebook collapses the browser's own selection of a drag inside
a cell, so the browser's selection is used only when it holds text) is sent to Python as
``{"type": "select", "start": s, "end": e}`` (document offsets; ``s == e`` for a click, a
one-character range at the word for a double click) and passed to the callbacks registered
with :meth:`TranscriptView.on_select`; tests call :meth:`TranscriptView.handle_message`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from workbench.views.coding_controller import CodingController
from workbench.views.transcript import coding_rows, turn_rows

__all__ = ["TranscriptView"]

log = logging.getLogger(__name__)

_ESM = r"""
const BLOCK = 40;

function hexToRgba(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "wb-tv";
  const scroller = document.createElement("div");
  scroller.className = "wb-tv-scroll";
  root.appendChild(scroller);
  el.appendChild(root);
  let blocks = [];
  let observer = null;

  const turnAt = (offset) => {  // index of the turn holding offset (or the one after)
    const turns = model.get("turns");
    let lo = 0, hi = turns.length - 1, found = turns.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (turns[mid][5] > offset) { found = mid; hi = mid - 1; } else { lo = mid + 1; }
    }
    return found;
  };

  const pieces = (start, end, codings) => {
    const cuts = new Set([start, end]);
    const current = model.get("current");
    const selection = model.get("selection");
    for (const [s, e] of [...codings, current, selection]) {
      if (s === undefined) continue;
      if (s > start && s < end) cuts.add(s);
      if (e > start && e < end) cuts.add(e);
    }
    return Array.from(cuts).sort((a, b) => a - b);
  };

  const turnNode = (turn) => {
    const [index, speaker, role, stop, start, end] = turn;
    const text = model.get("text");
    const node = document.createElement("div");
    node.className = "wb-tv-turn wb-tv-" + (role || "none");
    node.dataset.tstart = start;
    node.dataset.tend = end;
    node.dataset.turn = index;
    if (stop) {
      const marker = document.createElement("div");
      marker.className = "wb-tv-stop";
      marker.textContent = "recall stop " + stop;
      node.appendChild(marker);
    }
    const all = model.get("codings").filter(([s, e]) => s < end && e > start);
    const codings = all.filter((c) => !c[5]);  // this coder's; c[5]: another coder's name
    const theirs = all.filter((c) => c[5]);
    const line = document.createElement("div");
    line.className = "wb-tv-line";
    const margin = document.createElement("span");
    margin.className = "wb-tv-margin";
    const seen = new Map();
    for (const [, , colour, name, , coder] of all) {
      seen.set(coder ? coder + ": " + name : name, [colour, coder]);
    }
    for (const [name, [colour, coder]] of seen) {
      const stripe = document.createElement("span");
      stripe.className = coder ? "wb-tv-stripe wb-tv-stripe-other" : "wb-tv-stripe";
      stripe.style.background = coder
        ? `repeating-linear-gradient(180deg, ${colour} 0 3px, transparent 3px 6px)` : colour;
      stripe.title = name;
      margin.appendChild(stripe);
    }
    line.appendChild(margin);
    const who = document.createElement("span");
    who.className = "wb-tv-speaker";
    who.textContent = (speaker || "") + (role ? " (" + role + ")" : "") + ": ";
    line.appendChild(who);
    const body = document.createElement("span");
    body.className = "wb-tv-text";
    const cuts = pieces(start, end, all);
    const current = model.get("current");
    const selection = model.get("selection");
    for (let i = 0; i + 1 < cuts.length; i++) {
      const a = cuts[i], b = cuts[i + 1];
      const span = document.createElement("span");
      span.dataset.start = a;
      span.dataset.end = b;
      span.textContent = text.slice(a, b);
      const over = codings.filter(([s, e]) => s <= a && e >= b);
      if (over.length) {
        span.classList.add("wb-tv-coded");
        span.style.backgroundColor = hexToRgba(over[0][2], over.length > 1 ? 0.16 : 0.24);
        span.style.boxShadow = over.map(
          (c, k) => `inset 0 -${3 * (k + 1)}px 0 0 ${c[2]}`).join(", ");
        span.style.paddingBottom = `${3 * (over.length - 1)}px`;
        span.title = over.map((c) => c[3]).join(" · ");
        span.dataset.codes = over.map((c) => c[3]).join("|");
      }
      const their = theirs.filter(([s, e]) => s <= a && e >= b);
      if (their.length) {  // another coder's: dashed, named, never this coder's to change
        span.classList.add("wb-tv-other");
        span.style.borderBottom = `2px dashed ${their[0][2]}`;
        span.dataset.others = their.map((c) => c[5] + ": " + c[3]).join("|");
        span.title = [span.title, ...their.map((c) => c[5] + ": " + c[3] + " (dashed)")]
          .filter(Boolean).join(" · ");
      }
      if (current.length && a >= current[0] && b <= current[1]) {
        span.classList.add("wb-tv-current");
      }
      if (selection.length && a >= selection[0] && b <= selection[1]) {
        span.classList.add("wb-tv-selected");
      }
      body.appendChild(span);
    }
    line.appendChild(body);
    node.appendChild(line);
    return node;
  };

  const fill = (block) => {
    const turns = model.get("turns");
    const frag = document.createDocumentFragment();
    for (let i = block.first; i < block.last; i++) frag.appendChild(turnNode(turns[i]));
    block.node.replaceChildren(frag);
    block.node.style.minHeight = "";
    block.rendered = true;
  };
  const empty = (block) => {
    block.node.style.minHeight = block.node.offsetHeight + "px";
    block.node.replaceChildren();
    block.rendered = false;
  };
  const onIntersect = (entries) => {
    for (const entry of entries) {
      const block = blocks[Number(entry.target.dataset.block)];
      if (!block) continue;
      if (entry.isIntersecting && !block.rendered) fill(block);
      else if (!entry.isIntersecting && block.rendered) empty(block);
    }
  };
  const build = () => {
    if (observer) observer.disconnect();
    observer = new IntersectionObserver(onIntersect, { root: scroller,
                                                       rootMargin: "600px 0px" });
    const turns = model.get("turns");
    blocks = [];
    const frag = document.createDocumentFragment();
    for (let first = 0; first < turns.length; first += BLOCK) {
      const last = Math.min(first + BLOCK, turns.length);
      let estimate = 0;
      for (let i = first; i < last; i++) {
        estimate += 26 + 20 * Math.ceil((turns[i][5] - turns[i][4]) / 90) + (turns[i][3] ? 20 : 0);
      }
      const node = document.createElement("div");
      node.className = "wb-tv-block";
      node.dataset.block = blocks.length;
      node.style.minHeight = estimate + "px";
      blocks.push({ node, first, last, rendered: false });
      frag.appendChild(node);
    }
    scroller.replaceChildren(frag);
    for (const block of blocks) observer.observe(block.node);
    reveal();
  };
  const refresh = () => {
    for (const block of blocks) if (block.rendered) fill(block);
  };
  const reveal = () => {  // the current sentence in view (inside the scroller only)
    const current = model.get("current");
    if (!current.length || !blocks.length) return;
    const block = blocks[Math.floor(turnAt(current[0]) / BLOCK)];
    if (!block) return;
    if (!block.rendered) fill(block);
    const target = block.node.querySelector(".wb-tv-current");
    if (!target) return;
    const box = scroller.getBoundingClientRect(), at = target.getBoundingClientRect();
    if (at.top < box.top + 8 || at.bottom > box.bottom - 8) {
      scroller.scrollTop += at.top - box.top - scroller.clientHeight / 3;
    }
  };

  // a document offset for a point of the browser's selection
  const offsetOf = (node, offset) => {
    if (!node || !scroller.contains(node)) return null;
    const elem = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const piece = elem.closest("[data-start]");
    if (piece && scroller.contains(piece)) {
      if (node.nodeType === Node.TEXT_NODE) return Number(piece.dataset.start) + offset;
      return Number(offset > 0 ? piece.dataset.end : piece.dataset.start);
    }
    if (node.nodeType === Node.ELEMENT_NODE) {
      const kids = node.childNodes;
      if (offset < kids.length) {
        const kid = kids[offset];
        const first = kid.nodeType === Node.ELEMENT_NODE
          ? (kid.matches("[data-start]") ? kid : kid.querySelector("[data-start]")) : null;
        if (first) return Number(first.dataset.start);
      } else if (kids.length) {
        const last = kids[kids.length - 1];
        const all = last.nodeType === Node.ELEMENT_NODE
          ? (last.matches("[data-start]") ? [last] : last.querySelectorAll("[data-start]")) : [];
        if (all.length) return Number(all[all.length - 1].dataset.end);
      }
    }
    const turn = elem.closest(".wb-tv-turn");
    return turn ? Number(turn.dataset.tstart) : null;
  };
  const pointOffset = (x, y) => {  // the document offset under a point of the screen
    if (document.caretPositionFromPoint) {
      const pos = document.caretPositionFromPoint(x, y);
      return pos ? offsetOf(pos.offsetNode, pos.offset) : null;
    }
    const range = document.caretRangeFromPoint ? document.caretRangeFromPoint(x, y) : null;
    return range ? offsetOf(range.startContainer, range.startOffset) : null;
  };
  // a press, a drag and a release select from where the press was to where the release is
  // (read from the points, not from the browser's selection, which the notebook around
  // may collapse); a click (press and release at one place) moves to that sentence
  let pressedAt = null;
  const onUp = (event) => {
    window.removeEventListener("mouseup", onUp, true);
    const start = pressedAt;
    pressedAt = null;
    if (start === null) return;
    const sel = window.getSelection();
    let end = pointOffset(event.clientX, event.clientY);
    if (sel && !sel.isCollapsed && scroller.contains(sel.anchorNode)
        && scroller.contains(sel.focusNode)) {
      const a = offsetOf(sel.anchorNode, sel.anchorOffset);
      const f = offsetOf(sel.focusNode, sel.focusOffset);
      if (a !== null && f !== null) {
        model.send({ type: "select", start: a, end: f });
        sel.removeAllRanges();  // the snapped selection shows instead
        return;
      }
    }
    model.send({ type: "select", start, end: end === null ? start : end });
  };
  const onDown = (event) => {
    // JupyterLab's notebook turns a drag that starts in a cell into a selection of cells:
    // a press in the transcript is not its
    event.stopPropagation();
    if (event.button !== 0) return;
    pressedAt = pointOffset(event.clientX, event.clientY);
    if (pressedAt !== null) window.addEventListener("mouseup", onUp, true);
  };
  const onDouble = (event) => {  // a double click selects the word
    const at = pointOffset(event.clientX, event.clientY);
    if (at !== null) model.send({ type: "select", start: at, end: at + 1 });
  };
  scroller.addEventListener("mousedown", onDown);
  scroller.addEventListener("dblclick", onDouble);
  model.on("change:turns", build);
  model.on("change:text", build);
  model.on("change:codings", refresh);
  model.on("change:selection", refresh);
  const moved = () => { refresh(); reveal(); };
  model.on("change:current", moved);
  build();
  return () => {
    if (observer) observer.disconnect();
    window.removeEventListener("mouseup", onUp, true);
    scroller.removeEventListener("mousedown", onDown);
    scroller.removeEventListener("dblclick", onDouble);
    model.off("change:turns", build);
    model.off("change:text", build);
    model.off("change:codings", refresh);
    model.off("change:selection", refresh);
    model.off("change:current", moved);
  };
}

export default { render };
"""

_CSS = """
.wb-tv-scroll {
  height: 380px;
  overflow-y: auto;
  border: 1px solid #ccc;
  border-radius: 4px;
  padding: 4px 8px 4px 4px;
  background: #fff;
  font-size: 14px;
  line-height: 1.7;
  overflow-anchor: auto;
}
.wb-tv-turn { margin: 2px 0 6px 0; }
.wb-tv-stop {
  color: #666; font-size: 12px; border-top: 1px dotted #bbb; margin-top: 6px;
  user-select: none;
}
.wb-tv-line { display: flex; align-items: flex-start; gap: 6px; }
.wb-tv-margin {
  display: inline-flex; gap: 2px; min-width: 14px; align-self: stretch; user-select: none;
}
.wb-tv-stripe { display: inline-block; width: 4px; border-radius: 2px; }
.wb-tv-stripe-other { border-radius: 0; }
.wb-tv-text .wb-tv-other { padding-bottom: 1px; }
.wb-tv-speaker { color: #555; font-weight: bold; white-space: nowrap; user-select: none; }
.wb-tv-participant .wb-tv-speaker { color: #1f5f8b; }
.wb-tv-text { white-space: pre-wrap; flex: 1; cursor: text; }
.wb-tv-current { outline: 2px solid #e0a800; outline-offset: 1px; }
.wb-tv-text .wb-tv-selected { background-color: #9cc3f5 !important; color: #000; }
"""


class TranscriptView(anywidget.AnyWidget):
    """The whole transcript of the controller's document (see the module docstring)."""

    _esm = _ESM
    _css = _CSS
    document = traitlets.Unicode("").tag(sync=True)
    text = traitlets.Unicode("").tag(sync=True)
    turns: traitlets.List[Any] = traitlets.List().tag(sync=True)
    codings: traitlets.List[Any] = traitlets.List().tag(sync=True)
    current: traitlets.List[Any] = traitlets.List().tag(sync=True)
    selection: traitlets.List[Any] = traitlets.List().tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._callbacks: list[Callable[[int, int], object]] = []
        self._document_key: tuple[object, ...] | None = None
        self._codings_key: tuple[object, ...] | None = None
        self.on_msg(self._on_custom_msg)

    def on_select(self, callback: Callable[[int, int], object]) -> None:
        """Call ``callback(start, end)`` for each selection (or click) in the view."""
        self._callbacks.append(callback)

    def _on_custom_msg(self, _widget: object, content: object, _buffers: object) -> None:
        self.handle_message(content)

    def handle_message(self, content: object) -> bool:
        """Handle a message from the browser; True when it was a selection."""
        if not isinstance(content, dict) or content.get("type") != "select":
            log.debug("TranscriptView ignored message %r", content)
            return False
        start, end = content.get("start"), content.get("end")
        if not (isinstance(start, int) and isinstance(end, int)) or isinstance(
                start, bool) or isinstance(end, bool):
            log.debug("TranscriptView ignored selection %r", content)
            return False
        for callback in self._callbacks:
            callback(start, end)
        return True

    def show(self, controller: CodingController) -> None:
        """Show the controller's document, codings, current sentence and selection,
        sending only the traits whose data changed."""
        doc = controller.doc
        document_key = (doc.name, doc.sha256, id(doc))
        others = doc.other_ranges if controller.reviewer else {}
        codings_key = (document_key, controller.codebook_version, frozenset(doc.ranges),
                       controller.reviewer, doc.others_read)
        segment = controller.segment
        current = [segment.start, segment.end] if segment is not None else []
        selection = list(controller.selection or ())
        with self.hold_sync():
            if document_key != self._document_key:
                self._document_key = document_key
                self.text = doc.text
                self.document = doc.name
                self.turns = turn_rows(doc.turns)
            if codings_key != self._codings_key:
                self._codings_key = codings_key
                self.codings = coding_rows(doc.ranges, controller.codebook, others)
            if current != self.current:
                self.current = current
            if selection != self.selection:
                self.selection = selection
