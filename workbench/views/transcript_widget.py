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
two offsets, a coding the coding rows; the text and turns go once per document, the
visible segments (:attr:`~TranscriptView.units`) when the filter changes and the digit
keys' codes (:attr:`~TranscriptView.code_keys`) when the codebook does.

A key does not wait for the kernel to show: the panel's key box (:mod:`workbench.views.keys`)
dispatches each key it sends, with its number, as a ``wb-key`` event on the panel's root,
and the view draws at once what the key will do, as :meth:`CodingController.handle_key
<workbench.views.coding_controller.CodingController.handle_key>` does it, from what it
holds: a move key outlines the next (previous; for ``u`` the next uncoded, wrapping)
visible segment and scrolls to it, a digit adds its code's tint to the current sentence,
or takes it away when this coder's only coding of that code there is exactly the sentence.
It draws only what is certain: nothing while the kernel says the panel is not predictable
(:attr:`~TranscriptView.predict` false: a form, the palette, the recode queue or a selection
is open, or the reviewer view is on; see :attr:`CodingController.predictable
<workbench.views.coding_controller.CodingController.predictable>`), nor for a key after
another key or a click in the panel whose effect it cannot tell, until the kernel has
answered that one. The kernel's answer is the truth: each update carries the number of the
last key handled (:attr:`~TranscriptView.ack`), and the view draws the kernel's state with
only the keys not yet answered applied on top, so a refused or different action is
corrected within one round trip. Only the turns whose current sentence or codings changed
are drawn again. A mouse
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
from workbench.views.transcript import code_key_rows, coding_rows, turn_rows, unit_rows

__all__ = ["TranscriptView"]

log = logging.getLogger(__name__)

_ESM = r"""
const BLOCK = 40;
const MOVES = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, u: 0, U: 0 };
const STALE_MS = 10000;  // a key the kernel has not answered by then is drawn no more

// the order codings of one passage stack in: by range, then by name (not by uuid, so a
// coding drawn before the kernel named it stacks where the kernel's one will)
const byRange = (x, y) => x[0] - y[0] || x[1] - y[1] || (x[3] < y[3] ? -1 : x[3] > y[3] ? 1 : 0);

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
  // what is drawn: the kernel's current sentence and codings, with the keys it has not
  // answered yet (``pending``) applied on top where their effect is certain
  let shownCurrent = model.get("current");
  let shownCodings = model.get("codings");
  let pending = [];  // { key, seq, at, opaque }
  let barrier = false;  // a click in the panel since the last key: its effect is unknown

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
    const current = shownCurrent;
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
    const all = shownCodings.filter(([s, e]) => s < end && e > start).sort(byRange);
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
    const current = shownCurrent;
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
    [shownCurrent, shownCodings] = derive();
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
    const current = shownCurrent;
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

  // -- drawing a key's effect before the kernel answers ------------------------------
  const unitAt = (units, current) => {  // the position of the current sentence, or -1
    let lo = 0, hi = units.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (units[mid][0] < current[0]) lo = mid + 1;
      else if (units[mid][0] > current[0]) hi = mid - 1;
      else return units[mid][1] === current[1] ? mid : -1;
    }
    return -1;
  };
  // this coder's codings (row[5]: another coder's name) touching segment ``id`` (row[7])
  const mine = (row, id) => !row[5] && row[7] && row[7].includes(id);
  const coded = (codings, id) => codings.some((row) => mine(row, id));
  // [current, codings] after ``key`` (as CodingController.handle_key does it), or null
  // when that is not certain from what is here
  const step = ([current, codings], key) => {
    const units = model.get("units");
    const pos = current.length === 2 ? unitAt(units, current) : -1;
    if (pos < 0) return null;
    const move = MOVES[key];
    if (move !== undefined) {
      let next = Math.min(Math.max(pos + move, 0), units.length - 1);
      if (move === 0) {  // u: the next segment this coder has not coded, wrapping around
        for (let k = 1; k <= units.length; k++) {
          const p = (pos + k) % units.length;
          if (!coded(codings, units[p][2])) { next = p; break; }
        }
      }
      return [[units[next][0], units[next][1]], codings];
    }
    if (key.length !== 1 || key < "0" || key > "9") return null;
    const code = model.get("code_keys")[key === "0" ? 9 : Number(key) - 1];
    if (!code) return null;
    const [s, e, id] = units[pos];
    const same = codings.filter((row) => row[6] === code[0] && mine(row, id));
    if (!same.length) {  // applied to the sentence
      const row = [s, e, code[1], code[2], "", "", code[0], [id]];
      return [current, [...codings, row].sort(byRange)];
    }
    if (same.length === 1 && same[0][0] === s && same[0][1] === e) {  // removed
      return [current, codings.filter((row) => row !== same[0])];
    }
    return null;  // a coding of the code across sentences or on part of this one
  };
  // the kernel's state with the keys it has not answered applied, as far as certain
  const derive = () => {
    const ack = model.get("ack");
    const now = performance.now();
    pending = pending.filter((p) => p.seq > ack && now - p.at < STALE_MS);
    let state = [model.get("current"), model.get("codings")];
    let sure = model.get("predict") && !model.get("selection").length;
    for (const p of pending) {
      const next = sure && !p.opaque ? step(state, p.key) : null;
      if (next === null) sure = false;
      else state = next;
    }
    return state;
  };
  const sig = (row) => row.slice(0, 4).join(",") + "," + row[5] + "," + row[6];
  // draw again the turns whose current sentence or codings changed (only those)
  const redraw = () => {
    const [current, codings] = derive();
    const ranges = [];
    const moved = current.length !== shownCurrent.length || current[0] !== shownCurrent[0]
      || current[1] !== shownCurrent[1];
    if (moved) ranges.push(shownCurrent, current);
    if (codings !== shownCodings) {
      const before = new Set(shownCodings.map(sig)), after = new Set(codings.map(sig));
      for (const row of shownCodings) if (!after.has(sig(row))) ranges.push(row);
      for (const row of codings) if (!before.has(sig(row))) ranges.push(row);
    }
    shownCurrent = current;
    shownCodings = codings;
    const turns = model.get("turns");
    const redo = new Set();
    for (const [s, e] of ranges) {
      if (s === undefined || !turns.length) continue;
      const last = turnAt(Math.max(s, e - 1));
      for (let i = turnAt(s); i <= last && redo.size <= 3 * BLOCK; i++) redo.add(i);
    }
    if (redo.size > 3 * BLOCK) {
      refresh();
    } else {
      for (const i of redo) {
        const block = blocks[Math.floor(i / BLOCK)];
        const node = block && block.rendered ? block.node.children[i - block.first] : null;
        if (node) node.replaceWith(turnNode(turns[i]));
      }
    }
    if (moved) reveal();
    root.dataset.ack = String(model.get("ack"));
  };
  let scheduled = false;
  const schedule = () => {  // once for all the traits of one update from the kernel
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => { scheduled = false; redraw(); });
  };
  // a key the key box sent to the kernel (see keys.py): drawn now, confirmed by the answer
  const onKeySent = (event) => {
    const { key, seq } = event.detail || {};
    if (typeof key !== "string" || typeof seq !== "number") return;
    pending.push({ key, seq, at: performance.now(), opaque: barrier || !(key in MOVES
                                                                    || /^[0-9]$/.test(key)) });
    barrier = false;
    redraw();
    setTimeout(schedule, STALE_MS + 50);
  };
  const onPanelPointer = (event) => {  // a click (not on the key box) changes what keys do
    if (!(event.target instanceof Element && event.target.closest(".wb-keys"))) barrier = true;
  };
  let panelRoot = null;
  let tries = 0;
  const listen = () => {
    panelRoot = el.closest(".wb-coding-panel");
    if (panelRoot) {
      panelRoot.addEventListener("wb-key", onKeySent);
      panelRoot.addEventListener("pointerdown", onPanelPointer, true);
    } else if (tries++ < 100) {
      requestAnimationFrame(listen);
    }
  };
  listen();

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
  model.on("change:selection", refresh);
  const DRAWN = ["current", "codings", "ack", "predict", "units", "code_keys", "selection"];
  for (const name of DRAWN) model.on("change:" + name, schedule);
  build();
  return () => {
    if (observer) observer.disconnect();
    window.removeEventListener("mouseup", onUp, true);
    scroller.removeEventListener("mousedown", onDown);
    scroller.removeEventListener("dblclick", onDouble);
    model.off("change:turns", build);
    model.off("change:text", build);
    model.off("change:selection", refresh);
    for (const name of DRAWN) model.off("change:" + name, schedule);
    if (panelRoot) {
      panelRoot.removeEventListener("wb-key", onKeySent);
      panelRoot.removeEventListener("pointerdown", onPanelPointer, true);
    }
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
    units: traitlets.List[Any] = traitlets.List().tag(sync=True)
    code_keys: traitlets.List[Any] = traitlets.List().tag(sync=True)
    predict = traitlets.Bool(False).tag(sync=True)
    ack = traitlets.Int(0).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._callbacks: list[Callable[[int, int], object]] = []
        self._document_key: tuple[object, ...] | None = None
        self._codings_key: tuple[object, ...] | None = None
        self._units_key: tuple[object, ...] | None = None
        self._code_keys_version: int | None = None
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

    def show(self, controller: CodingController, ack: int | None = None) -> None:
        """Show the controller's document, codings, current sentence and selection,
        sending only the traits whose data changed; ``ack`` is the number of the last key
        handled (:attr:`KeyCatcher.seq <workbench.views.keys.KeyCatcher.seq>`), sent in the
        same update."""
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
            visible = controller.visible_segments
            units_key = (document_key, tuple(s.id for s in visible))
            if units_key != self._units_key:
                self._units_key = units_key
                self.units = unit_rows(visible)
            if controller.codebook_version != self._code_keys_version:
                self._code_keys_version = controller.codebook_version
                self.code_keys = code_key_rows(controller.codebook)
            self.predict = controller.predictable
            if ack is not None:
                self.ack = max(self.ack, ack)

    def acknowledge(self, ack: int) -> None:
        """Tell the browser the key numbered ``ack`` was handled (when :meth:`show` could
        not say so: the panel's rendering failed)."""
        self.ack = max(self.ack, ack)
