"""Adjudication: settle the open consensus items one key at a time.

:class:`AdjudicationController` is plain Python state (no ipywidgets; tests drive it
headless). Its *queue* is the open items of :meth:`Project.consensus_items
<workbench.project.Project.consensus_items>` (not unanimous, not settled) when it was
made, after the filters: ``codes``, ``documents``, ``themes`` (the codes of those themes)
and ``coders_filter`` (items where one of those coders has a range, i.e. applied the
code), ordered by document, then position in the text (start, end), then codebook order.
Documents in scope without an open item are left out (:attr:`~AdjudicationController.
skipped_documents`). :meth:`~AdjudicationController.view` is a typed record of the current
item: the code with its definition, votes ``n of k``, each coder's range side by side, the
turns the ranges touch (speaker, role, recall-stop video time ``mm:ss``, text with each
coder's range marked), progress and the last decision.

**Progress as stored.** ``"N of M settled"`` counts the items of the queue's *scope* (the
open and settled items under the filters when the controller was made): ``M`` of them,
``N`` settled as stored, by anyone (earlier, in another tab, by another team member), so a
reopened view or a restarted kernel shows the same figure. Every action first reads which
items of the scope are settled now (:func:`workbench.consensus.settled_items`, one query):
an item of the queue that someone settled elsewhere leaves the queue with a message
("... settled elsewhere by tom"), and when it was the current item the action is not
carried out (a pending decision is dropped: nothing is stored on the item shown next). An
item whose decision a re-import made stale is open again. A decision refused because the
document was re-imported since the view read it makes the view read that document's text,
turns and queued items again (:class:`~workbench.errors.StaleError` shown: nothing stored,
press the key again on the ranges as they read now).

Decisions (keys in :data:`ADJUDICATION_KEYS`, legend :data:`KEY_LEGEND`):

* ``a`` apply the code on the majority range: the range the most coders chose (refused
  when ranges tie: then a digit picks one); ``1``-``9`` apply the range numbered so in
  :attr:`AdjudicationView.ranges`;
* ``x`` reject;
* ``j`` / ``i`` adjust to the union / the intersection of the coders' ranges; ``t`` opens
  the form for a typed range (start and end offsets);
* ``c`` recode: opens the code palette of the coding panel
  (:func:`~workbench.views.coding_state.palette_matches`, the same palette keys): letters
  typed filter every live code of the codebook (name, key, theme; retired codes and the
  item's own code are not offered), ``↑``/``↓`` move the highlight, ``Backspace`` takes a
  letter off, ``Enter`` recodes as the highlighted code; the first nine matches are numbered
  (:attr:`AdjudicationView.recode_choices`) and, before anything is typed, a digit chooses
  one (once typing started digits are part of the query); the range is the majority range
  or, when ranges tie, their union;
* a decision against the majority (see :func:`workbench.analysis.consensus.against_majority`)
  is held as :attr:`~AdjudicationController.pending` and asks for a reason: ``Enter``
  confirms with :attr:`~AdjudicationController.reason_text` (a blank reason is refused
  and the form stays), ``Escape`` cancels and nothing is stored;
* ``s`` skips to the next open item, ``n``/``→`` and ``p``/``←`` move through the queue
  (settled items included), ``z`` goes back to the item of the last decision.

The consensus API has no way to reopen an item, so there is no "undo": on a settled item
(reached with ``p`` or ``z``) the same keys record a *revision* of its decision
(:meth:`Project.revise_decision <workbench.project.Project.revise_decision>`), and the
history keeps both. After a decision the controller moves to the next open item.

Every action catches :class:`~workbench.errors.WorkbenchError` and shows its message in
:attr:`AdjudicationView.error` instead of raising. :func:`adjudication_html` renders a view
(every text HTML-escaped); :func:`adjudication_panel` is the thin ipywidgets view.
"""

from __future__ import annotations

import functools
import html
import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import pandas as pd

from workbench.analysis.consensus import against_majority
from workbench.coder_identity import inert
from workbench.consensus import Decision, settled_items
from workbench.errors import (
    ConsensusError,
    NotFoundError,
    StaleError,
    WorkbenchError,
    suggest,
)
from workbench.model import Code, Codebook
from workbench.views.coding_html import palette_html
from workbench.views.coding_state import PaletteView, palette_keys, palette_matches
from workbench.views.review_tables import format_clock

if TYPE_CHECKING:
    import ipywidgets

    from workbench.project import Project

__all__ = [
    "ADJUDICATION_KEYS",
    "KEY_LEGEND",
    "AdjudicationController",
    "AdjudicationPanel",
    "AdjudicationView",
    "CodeInfo",
    "CoderRange",
    "ContextTurn",
    "MarkedPiece",
    "PendingDecision",
    "adjudication_html",
    "adjudication_panel",
]

#: The keys the adjudication view forwards to Python.
ADJUDICATION_KEYS: tuple[str, ...] = (
    *"0123456789", *"abcdefghijklmnopqrstuvwxyz", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Backspace", "Enter", "Escape")
# letters other than the decision keys are typed into the recode palette
#: The key legend shown under the view.
KEY_LEGEND = ("a apply (majority range) · 1-9 apply that coder's range · x reject · "
              "j adjust to the union · i adjust to the intersection · t type a range · "
              "c recode (type to find the code, ↑↓, Enter; or its number) · s skip · "
              "n/→ next · p/← previous · "
              "z back to the last decision (keys there revise it) · Enter confirm · Esc cancel")

Kind = Literal["apply", "reject", "adjust", "recode"]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class CodeInfo:
    """The code of an item as the codebook defines it."""

    key: str
    name: str
    theme: str
    definition: str
    inclusion: str
    exclusion: str
    example: str


@dataclass(frozen=True)
class CoderRange:
    """One counted coder's say on the item: her range (``number`` is the digit that applies
    it) or, when ``applied`` is False, that she did not apply the code here."""

    number: int | None
    coder: str
    applied: bool
    start: int | None = None
    end: int | None = None
    text: str = ""


@dataclass(frozen=True)
class MarkedPiece:
    """A stretch of a turn's text and the coders whose range covers it."""

    text: str
    coders: tuple[str, ...]


@dataclass(frozen=True)
class ContextTurn:
    """A turn the item's ranges touch: speaker, role, recall-stop time ``mm:ss``, text."""

    index: int
    speaker: str
    role: str
    video_time: str
    text: str
    pieces: tuple[MarkedPiece, ...]


@dataclass(frozen=True)
class PendingDecision:
    """A decision waiting for a reason (or, for a typed adjust, a range) in the form."""

    kind: str
    start: int | None
    end: int | None
    new_code: str | None
    needs_range: bool
    prompt: str


@dataclass(frozen=True)
class AdjudicationView:
    """What the adjudication view shows (``item_id`` is None when the queue is empty)."""

    item_id: str | None
    document: str
    code: CodeInfo | None
    status: str
    votes: str
    majority: str
    start: int | None
    end: int | None
    ranges: tuple[CoderRange, ...]
    context: tuple[ContextTurn, ...]
    position: int
    total: int
    settled: int
    progress: str
    decision: str
    last_decision: str
    mode: str
    recode_choices: tuple[tuple[int, str, str], ...]
    palette: PaletteView | None
    pending: PendingDecision | None
    reason_text: str
    message: str
    error: str
    skipped_documents: tuple[str, ...]


def _shown(method: F) -> F:
    """Run an action; a WorkbenchError becomes :attr:`error` (shown), not an exception."""

    @functools.wraps(method)
    def wrapper(self: AdjudicationController, *args: Any, **kwargs: Any) -> Any:
        self.error = ""
        try:
            note = self._sync()
            if note is None:  # the item shown was settled elsewhere: nothing done on it
                return None
            result = method(self, *args, **kwargs)
            if note:  # other items of the queue were settled elsewhere
                self.message = note + (f"; {self.message}" if self.message else "")
            return result
        except WorkbenchError as exc:
            self.error = str(exc)
            return None

    return wrapper  # type: ignore[return-value]


def _pick(values: Sequence[str] | str | None) -> list[str] | None:
    if values is None:
        return None
    return [values] if isinstance(values, str) else list(values)


class AdjudicationController:
    """The queue of open consensus items and the decisions taken on it (see the module).

    Parameters
    ----------
    project : Project
    decided_by : str or None
        Who decides (stored with every decision); None refuses decisions with a message.
    coders : the panel of coders whose items are adjudicated (default: every registered
        coder, fixed when the controller is made).
    codes, documents, themes : filters of the queue (code keys, document names, theme keys).
    coders_filter : only items where one of these coders applied the code.
    """

    def __init__(self, project: Project, *, decided_by: str | None,
                 coders: Sequence[str] | None = None, codes: Sequence[str] | str | None = None,
                 documents: Sequence[str] | str | None = None,
                 coders_filter: Sequence[str] | str | None = None,
                 themes: Sequence[str] | str | None = None) -> None:
        self.project = project
        self.decided_by = decided_by
        self.coders: list[str] = list(coders) if coders is not None else project.coders()
        codebook = project.codebook
        self._codes = {c.key: c for c in codebook.codes}
        chosen = _pick(codes)
        for key in chosen or []:
            if key not in self._codes:
                raise NotFoundError(f"no code {key!r} in the codebook{suggest(key, self._codes)}.")
        theme_keys = [t.key for t in codebook.themes]
        by_theme = _pick(themes)
        for key in by_theme or []:
            if key not in theme_keys:
                raise NotFoundError(f"no theme {key!r} in the codebook{suggest(key, theme_keys)}.")
        if by_theme is not None:
            in_themes = [k for k, c in self._codes.items() if c.theme in by_theme]
            chosen = in_themes if chosen is None else [k for k in chosen if k in in_themes]
        who = _pick(coders_filter)
        for name in who or []:
            if name not in self.coders:
                raise ConsensusError(f"coder {name!r} is not among the coders adjudicated "
                                     f"({self.coders}); choose one of them.")
        items = project.consensus_items(coders=self.coders, documents=documents, codes=chosen)
        in_scope = project.documents() if documents is None else _pick(documents) or []
        scope = items[items["status"].isin(["open", "settled"])]
        if who is not None:
            scope = scope[[bool(set(a) & set(who)) for a in scope["applied_by"]]]
        #: the items progress counts: open or settled under the filters, when made
        self.scope: frozenset[str] = frozenset(scope["item_id"])
        self._scope_documents = sorted(set(scope["document"]))
        self._stored: dict[str, tuple[int, str]] = {}
        queue = scope[scope["status"] == "open"]
        rank = {k: i for i, k in enumerate(self._codes)}
        queue = queue.assign(_doc=queue["document"].map({d: i for i, d in enumerate(in_scope)}),
                             _rank=queue["code"].map(rank))
        queue = queue.sort_values(["_doc", "start", "end", "_rank"], kind="stable")
        self._queue: list[pd.Series] = [row for _, row in queue.iterrows()]
        self._ids: list[str] = [str(i) for i in queue["item_id"]]  # the queue's, in order
        with_items = set(queue["document"])
        self.skipped_documents: tuple[str, ...] = tuple(d for d in in_scope
                                                        if d not in with_items)
        self._decisions: dict[str, Decision] = {}  # decided (or revised) here
        self._last: Decision | None = None
        self._turns: dict[str, pd.DataFrame] = {}
        self._texts: dict[str, str] = {}
        self.index = 0
        self.mode: Literal["decide", "recode"] = "decide"
        self.pending: PendingDecision | None = None
        self.reason_text = ""
        self._recode_book: Codebook | None = None
        self._recode_keys: dict[str, str] = {}
        self.recode_query = ""
        self._recode_index = 0
        self.message = ("no open disagreements to adjudicate" if not self._queue
                        else f"{len(self._queue)} open disagreements to adjudicate")
        self.error = ""
        if self._sync() is None:  # settled between listing the items and now
            self.message = f"{len(self._queue)} open disagreements to adjudicate"

    # -- reading -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._queue)

    @property
    def item_ids(self) -> list[str]:
        """The queue's item ids, in order."""
        return list(self._ids)

    @property
    def settled(self) -> int:
        """How many items of the scope are settled as stored (by anyone, as of the last
        action), or here since."""
        return len(set(self._stored) | set(self._decisions))

    @property
    def progress(self) -> str:
        """``"N of M settled"``: settled items of the scope, as stored, of all of them."""
        return f"{self.settled} of {len(self.scope)} settled"

    def _sync(self) -> str | None:
        """Read which items of the scope are settled as stored; items of the queue that
        were settled elsewhere leave it. None when the current item left (the message says
        so), else a note on the others that left ("" when none did)."""
        if not self.scope:
            return ""
        stored = settled_items(self.project, self._scope_documents)
        self._stored = {i: v for i, v in stored.items() if i in self.scope}
        for item_id in [i for i in self._decisions if i not in self._stored]:
            del self._decisions[item_id]  # its decision went stale (re-import): open again
        gone: dict[str, str] = {}
        for item_id in self._ids:
            now = self._stored.get(item_id)
            mine = self._decisions.get(item_id)
            if now is not None and (mine is None or mine.decision_id != now[0]):
                gone[item_id] = now[1]
        if not gone:
            return ""
        ids = self.item_ids
        current = ids[self.index] if ids else None
        left = current in gone
        shown = self._queue[self.index] if left else None
        after = [i for i in ids[self.index:] if i not in gone]
        kept = [i for i, item_id in enumerate(self._ids) if item_id not in gone]
        self._queue = [self._queue[i] for i in kept]
        self._ids = [self._ids[i] for i in kept]
        ids = self.item_ids
        if left:
            self._clear()
            self.index = ids.index(after[0]) if after else max(len(ids) - 1, 0)
            if ids and ids[self.index] in self._decisions:
                self._next_open()
        else:
            self.index = ids.index(current) if current in ids else 0
        who = " and ".join(inert(w) for w in sorted(set(gone.values())))
        if shown is not None:
            self.message = (f"{shown['code']} on {shown['document']} ({shown['start']}.."
                            f"{shown['end']}) was settled elsewhere by {who}: it left the "
                            "queue, nothing was stored on it here")
            others = len(gone) - 1
            if others:
                self.message += f" (and {others} other{'s' if others > 1 else ''})"
            self.message += f"; {self.progress}"
            return None
        n = len(gone)
        return f"{n} item{'s' if n > 1 else ''} settled elsewhere by {who} left the queue"

    def _current(self) -> pd.Series:
        if not self._queue:
            raise ConsensusError("there is nothing to adjudicate: no open disagreement "
                                 "under these filters.")
        return self._queue[self.index]

    def _text(self, document: str) -> str:
        if document not in self._texts:
            self._texts[document] = self.project.document_text(document)
        return self._texts[document]

    def _reread(self, document: str) -> bool:
        """When ``document``'s text is no longer the one this view read (re-imported
        meanwhile), read its text, turns and queued items again (an item whose codings
        are gone leaves the queue) and return True; else False."""
        if document not in self._texts or \
                self.project.document_text(document) == self._texts[document]:
            return False
        self._texts.pop(document, None)
        self._turns.pop(document, None)
        fresh = self.project.consensus_items(coders=self.coders, documents=[document])
        rows = {str(row["item_id"]): row for _, row in fresh.iterrows()}
        current = self._ids[self.index] if self._ids else None
        queued = [(item_id, row if str(row["document"]) != document else rows.get(item_id))
                  for item_id, row in zip(self._ids, self._queue, strict=True)]
        kept = [(item_id, row) for item_id, row in queued if row is not None]
        self._ids = [item_id for item_id, _ in kept]
        self._queue = [row for _, row in kept]
        self.index = (self._ids.index(current) if current in self._ids
                      else min(self.index, max(len(self._ids) - 1, 0)))
        return True

    def _ranges(self, item: pd.Series) -> list[tuple[str, int, int]]:
        """(coder, start, end) of the item, in counted-coder order then position."""
        order = {c: i for i, c in enumerate(item["counted_coders"])}
        found = [(str(c), int(s), int(e)) for c, s, e, _ in item["ranges"]]
        return sorted(found, key=lambda r: (order.get(r[0], len(order)), r[1], r[2]))

    def _majority_range(self, item: pd.Series) -> tuple[int, int] | None:
        counts = Counter((s, e) for _, s, e in set(self._ranges(item)))
        best = counts.most_common()
        if len(best) > 1 and best[0][1] == best[1][1]:
            return None
        return best[0][0]

    def _context(self, item: pd.Series) -> tuple[ContextTurn, ...]:
        document = str(item["document"])
        if document not in self._turns:
            self._turns[document] = self.project.turns(document)
        turns, text = self._turns[document], self._text(document)
        start, end = int(item["start"]), int(item["end"])
        ranges = self._ranges(item)
        out = []
        for turn in turns.itertuples(index=False):
            t0, t1 = int(turn.start), int(turn.end)
            if not (t0 < end and start < t1):
                continue
            cuts = sorted({t0, t1, *(min(max(p, t0), t1) for _, s, e in ranges
                                     for p in (s, e))})
            pieces = []
            for a, b in itertools.pairwise(cuts):
                if a < b:
                    who = tuple(dict.fromkeys(c for c, s, e in ranges if s < b and a < e))
                    pieces.append(MarkedPiece(text[a:b], who))
            seconds = None if pd.isna(turn.video_time) else float(turn.video_time)
            out.append(ContextTurn(int(turn.turn_index), str(turn.speaker), str(turn.role),
                                   format_clock(seconds), text[t0:t1], tuple(pieces)))
        return tuple(out)

    def recode_palette(self) -> PaletteView | None:
        """In recode mode, the code palette: the query typed, the live codes it matches
        (best first, the item's own code left out) and the highlighted one (else None)."""
        if self.mode != "recode" or self._recode_book is None or not self._queue:
            return None
        own = str(self._current()["code"])
        matches = tuple(c for c in palette_matches(self._recode_book, self.recode_query,
                                                   self._recode_keys) if c.key != own)
        return PaletteView(self.recode_query, matches,
                           min(self._recode_index, max(len(matches) - 1, 0)))

    def _recode_choices(self) -> list[tuple[int, str, str]]:
        """The first nine codes of the palette, numbered: (digit, key, name)."""
        palette = self.recode_palette()
        matches: tuple[Code, ...] = () if palette is None else palette.matches
        return [(i + 1, c.key, c.name) for i, c in enumerate(matches[:9])]

    @staticmethod
    def _describe(decision: Decision | None) -> str:
        if decision is None:
            return ""
        where = "" if decision.start is None else f" {decision.start}..{decision.end}"
        to = f" as {decision.new_code}" if decision.new_code else ""
        why = f" (reason: {decision.reason})" if decision.reason else ""
        revised = f", revision {decision.revision}" if decision.revision > 1 else ""
        return (f"#{decision.decision_id} {decision.kind} {decision.code}{to}{where} on "
                f"{decision.document} by {decision.decided_by}{revised}{why}")

    def view(self) -> AdjudicationView:
        """The current item as a typed record (see :class:`AdjudicationView`)."""
        common = dict(total=len(self._queue), settled=self.settled, progress=self.progress,
                      last_decision=self._describe(self._last), mode=self.mode,
                      pending=self.pending, reason_text=self.reason_text,
                      message=self.message, error=self.error,
                      skipped_documents=self.skipped_documents)
        if not self._queue:
            return AdjudicationView(item_id=None, document="", code=None, status="",
                                    votes="", majority="", start=None, end=None, ranges=(),
                                    context=(), position=0, decision="",
                                    recode_choices=(), palette=None, **common)  # type: ignore[arg-type]
        item = self._current()
        code = self._codes.get(str(item["code"]))
        info = None if code is None else CodeInfo(code.key, code.name, code.theme,
                                                  code.definition, code.inclusion,
                                                  code.exclusion, code.example)
        text = self._text(str(item["document"]))
        ranges: list[CoderRange] = [
            CoderRange(i, c, True, s, e, text[s:e])
            for i, (c, s, e) in enumerate(self._ranges(item), start=1)]
        ranges += [CoderRange(None, str(c), False) for c in item["not_applied_by"]]
        decided = self._decisions.get(str(item["item_id"]))
        return AdjudicationView(
            item_id=str(item["item_id"]), document=str(item["document"]), code=info,
            status="settled" if decided else "open", votes=str(item["votes"]),
            majority=str(item["majority"]), start=int(item["start"]), end=int(item["end"]),
            ranges=tuple(ranges), context=self._context(item), position=self.index + 1,
            decision=self._describe(decided),
            recode_choices=tuple(self._recode_choices()), palette=self.recode_palette(),
            **common)  # type: ignore[arg-type]

    # -- moving ----------------------------------------------------------------------------
    def _clear(self) -> None:
        self.mode = "decide"
        self.pending = None
        self.reason_text = ""
        self._recode_book = None
        self.recode_query = ""
        self._recode_index = 0

    @_shown
    def next(self) -> None:
        """The next item of the queue (stays on the last)."""
        self._clear()
        self.index = min(self.index + 1, max(len(self._queue) - 1, 0))
        self.message = ""

    @_shown
    def previous(self) -> None:
        """The previous item of the queue (stays on the first)."""
        self._clear()
        self.index = max(self.index - 1, 0)
        self.message = ""

    def _next_open(self) -> bool:
        n = len(self._queue)
        for step in range(1, n + 1):
            i = (self.index + step) % n
            if self._ids[i] not in self._decisions:
                self.index = i
                return True
        return False

    @_shown
    def skip(self) -> None:
        """Leave this item open and go to the next open one (wrapping round)."""
        self._clear()
        self._current()
        here = self.index
        if self._next_open() and self.index != here:
            self.message = "skipped: left open"
        else:
            self.message = "no other open item to go to"

    @_shown
    def last(self) -> None:
        """Go back to the item of the last decision (keys there revise it)."""
        self._clear()
        if self._last is None:
            raise ConsensusError("no decision made here yet: nothing to go back to.")
        if self._last.item_id not in self.item_ids:
            raise ConsensusError("the item of the last decision was settled elsewhere since "
                                 "and left the queue: project.decision_history() shows it.")
        self.index = self.item_ids.index(self._last.item_id)
        self.message = "the last decision: the decision keys revise it"

    # -- deciding --------------------------------------------------------------------------
    def _who(self) -> str:
        if self.decided_by is None or not self.decided_by.strip():
            raise ConsensusError("who decides? Pass decided_by='your name' (or set "
                                 "WORKBENCH_CODER before starting JupyterLab).")
        return self.decided_by

    def _request(self, kind: Kind, start: int | None = None, end: int | None = None,
                 new_code: str | None = None) -> Decision | None:
        item = self._current()
        self._who()
        self.mode = "decide"
        if against_majority(kind, int(item["n"]), int(item["k"])):
            self.pending = PendingDecision(
                kind, start, end, new_code, False,
                f"{kind} goes against the majority ({item['votes']} coders applied "
                f"{item['code']}): type the reason, Enter to confirm, Esc to cancel")
            self.reason_text = ""
            self.message = "a reason is needed"
            return None
        return self._record(kind, start, end, new_code, "")

    def _record(self, kind: Kind, start: int | None, end: int | None,
                new_code: str | None, reason: str) -> Decision:
        item = self._current()
        item_id = str(item["item_id"])
        old = self._decisions.get(item_id)
        try:
            if old is None:
                decision = self.project.decide(item_id, kind, start=start, end=end,
                                               new_code=new_code, reason=reason,
                                               decided_by=self._who(), coders=self.coders)
            else:
                decision = self.project.revise_decision(old.decision_id, kind, start=start,
                                                        end=end, new_code=new_code,
                                                        reason=reason, decided_by=self._who())
        except WorkbenchError:
            document = str(item["document"])
            if self._reread(document):
                self._clear()
                raise StaleError(
                    f"{document} was re-imported since its items were read: they are shown "
                    "again as the transcript reads now (ranges may have moved) and nothing "
                    "was stored; check the item and press the key again.") from None
            raise
        self._decisions[item_id] = decision
        self._last = decision
        self._clear()
        self.message = f"{'revised' if old else 'decided'}: {self._describe(decision)}"
        if not self._next_open():
            self.message += (f"; all {len(self.scope)} settled" if self.settled == len(self.scope)
                             else f"; no open item left in the queue ({self.progress})")
        return decision

    @_shown
    def apply(self, number: int | None = None) -> Decision | None:
        """Apply the code on the majority range, or on range ``number`` of the view."""
        item = self._current()
        if number is None:
            chosen = self._majority_range(item)
            if chosen is None:
                raise ConsensusError("the coders' ranges tie: press the number of the range "
                                     "to keep, or j (union) / i (intersection).")
        else:
            ranges = self._ranges(item)
            if not 1 <= number <= len(ranges):
                raise ConsensusError(f"there is no range {number}: the ranges are numbered "
                                     f"1 to {len(ranges)}.")
            chosen = ranges[number - 1][1:]
        return self._request("apply", *chosen)

    @_shown
    def reject(self) -> Decision | None:
        """The code does not apply here."""
        return self._request("reject")

    @_shown
    def adjust_union(self) -> Decision | None:
        """The code on the union of the coders' ranges (the item's span)."""
        item = self._current()
        return self._request("adjust", int(item["start"]), int(item["end"]))

    @_shown
    def adjust_intersection(self) -> Decision | None:
        """The code on the stretch every coder's range covers."""
        ranges = self._ranges(self._current())
        start, end = max(s for _, s, _ in ranges), min(e for _, _, e in ranges)
        if start >= end:
            raise ConsensusError("the coders' ranges have no stretch in common: use j "
                                 "(union), a digit (one coder's range) or t (type a range).")
        return self._request("adjust", start, end)

    @_shown
    def adjust(self, start: int, end: int) -> Decision | None:
        """The code on a typed range ``start..end`` (document offsets)."""
        return self._request("adjust", int(start), int(end))

    @_shown
    def type_range(self) -> None:
        """Open the form for a typed range (and a reason); Enter confirms."""
        item = self._current()
        self.mode = "decide"
        self.pending = PendingDecision(
            "adjust", None, None, None, True,
            f"type the new range (offsets within {item['start']}..{item['end']} or "
            "overlapping it) and, against the majority, a reason; Enter confirms, Esc cancels")
        self.reason_text = ""

    @_shown
    def recode(self) -> None:
        """Open the recode palette over the codebook as it is now (see the module)."""
        self._current()
        self._clear()
        codebook = self.project.codebook  # read now: codes retired or added meanwhile
        self._recode_book = codebook
        self._recode_keys = palette_keys(codebook)
        self.mode = "recode"
        self.message = ("recode: type to find the code (name, key or theme), ↑ ↓ choose, "
                        "Enter recodes; or the number of one of the first nine; Esc cancels")

    def _palette(self) -> PaletteView:
        palette = self.recode_palette()
        if palette is None:
            raise ConsensusError("the recode palette is closed: press c to recode.")
        return palette

    def _palette_moved(self) -> None:
        palette = self._palette()
        self.message = (f"{len(palette.matches)} codes match {palette.query!r}"
                        if palette.matches else
                        f"no code matches {palette.query!r}: Backspace, or Esc to cancel")

    @_shown
    def type_code(self, text: str) -> None:
        """In recode mode: add ``text`` to the palette's query (highlight: best match)."""
        self._palette()
        self.recode_query += text
        self._recode_index = 0
        self._palette_moved()

    @_shown
    def code_backspace(self) -> None:
        """In recode mode: take the last character off the palette's query."""
        self._palette()
        self.recode_query = self.recode_query[:-1]
        self._recode_index = 0
        self._palette_moved()

    @_shown
    def move_code(self, step: int) -> None:
        """In recode mode: move the highlight ``step`` matches down (up when negative)."""
        palette = self._palette()
        count = len(palette.matches)
        self._recode_index = (palette.highlighted + step) % count if count else 0
        self._palette_moved()

    def _recode_as(self, key: str) -> Decision | None:
        item = self._current()
        chosen = self._majority_range(item) or (int(item["start"]), int(item["end"]))
        return self._request("recode", *chosen, new_code=key)

    @_shown
    def choose_code(self, number: int) -> Decision | None:
        """In recode mode: recode the item as the palette's match numbered ``number``."""
        self._palette()
        choices = self._recode_choices()
        if not 1 <= number <= len(choices):
            raise ConsensusError(f"there is no code {number}: choose 1 to {len(choices)}, or "
                                 "type to find the code.")
        return self._recode_as(choices[number - 1][1])

    @_shown
    def choose_highlighted(self) -> Decision | None:
        """In recode mode: recode the item as the palette's highlighted code."""
        palette = self._palette()
        if palette.current is None:
            raise ConsensusError(f"no code matches {palette.query!r}: press Backspace to "
                                 "widen the search, or Esc to cancel.")
        return self._recode_as(palette.current.key)

    @_shown
    def confirm(self, reason: str | None = None, *, start: str | int | None = None,
                end: str | int | None = None) -> Decision | None:
        """Record the pending decision with ``reason`` (default :attr:`reason_text`); a
        typed range comes as ``start``/``end``. A refused decision keeps the form."""
        pending = self.pending
        if pending is None:
            raise ConsensusError("nothing to confirm: press a decision key first.")
        if reason is not None:
            self.reason_text = reason
        lo, hi = pending.start, pending.end
        if pending.needs_range:
            try:
                lo, hi = int(str(start).strip()), int(str(end).strip())
            except ValueError:
                raise ConsensusError(f"start and end must be whole numbers (offsets in the "
                                     f"document), not {start!r} and {end!r}.") from None
        kind: Kind = pending.kind  # type: ignore[assignment]
        return self._record(kind, lo, hi, pending.new_code, self.reason_text.strip())

    @_shown
    def cancel(self) -> None:
        """Drop the pending decision (or recode choice): nothing is stored."""
        had = self.pending is not None or self.mode == "recode"
        self._clear()
        self.message = "cancelled: nothing stored" if had else ""

    def press(self, key: str) -> None:
        """Act on one key of :data:`ADJUDICATION_KEYS` (see the module docstring)."""
        self.error = ""
        if self.pending is not None:
            if key == "Enter":
                self.confirm()
            elif key == "Escape":
                self.cancel()
            else:
                self.error = "finish the form first: Enter confirms, Esc cancels."
            return
        if self.mode == "recode":
            self._recode_key(key)
            return
        if key.isdigit():
            self.apply(int(key))
            return
        actions: dict[str, Callable[[], object]] = {
            "a": self.apply, "x": self.reject, "j": self.adjust_union,
            "i": self.adjust_intersection, "t": self.type_range, "c": self.recode,
            "s": self.skip, "n": self.next, "ArrowRight": self.next, "p": self.previous,
            "ArrowLeft": self.previous, "z": self.last, "Escape": self.cancel}
        action = actions.get(key)
        if action is not None:
            action()

    def _recode_key(self, key: str) -> None:
        """A key in recode mode: letters (and, once typing started, digits) filter."""
        if key == "Escape":
            self.cancel()
        elif key == "Enter":
            self.choose_highlighted()
        elif key == "Backspace":
            self.code_backspace()
        elif key in ("ArrowDown", "ArrowRight"):
            self.move_code(1)
        elif key in ("ArrowUp", "ArrowLeft"):
            self.move_code(-1)
        elif key.isdigit() and len(key) == 1 and not self.recode_query:
            self.choose_code(int(key))
        elif len(key) == 1 and key.isprintable():
            self.type_code(key)


# -- HTML ------------------------------------------------------------------------------------
_MARKS = ("#fde68a", "#bfdbfe", "#fbcfe8", "#bbf7d0", "#ddd6fe", "#fed7aa")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _n(text: object) -> str:
    return _e(inert(str(text)))


def adjudication_html(view: AdjudicationView) -> str:
    """The view as HTML: every piece of project text escaped, names shown inert."""
    progress = f'<div class="wb-adj-progress"><b>{_e(view.progress)}</b></div>'
    if view.item_id is None or view.code is None:
        skipped = (f"<p>documents without open disagreements: "
                   f"{_n(', '.join(view.skipped_documents))}</p>"
                   if view.skipped_documents else "")
        return progress + "<p><em>No open disagreement to adjudicate.</em></p>" + skipped
    code = view.code
    parts = [progress,
             f'<div class="wb-adj-item">item {view.position} of {view.total} · '
             f"<b>{_n(view.document)}</b> · {_e(view.status)}"
             + (f' · <span class="wb-adj-decision">{_e(view.decision)}</span>'
                if view.decision else "") + "</div>",
             f'<div class="wb-adj-code"><b>{_n(code.name)}</b> ({_n(code.key)}) · votes '
             f'<span class="wb-adj-votes">{_e(view.votes)}</span> · majority '
             f"{_e(view.majority)}<br>{_e(code.definition)}"]
    for label, value in (("include", code.inclusion), ("exclude", code.exclusion),
                         ("example", code.example)):
        if value:
            parts.append(f"<br><i>{label}:</i> {_e(value)}")
    parts.append("</div>")
    colours = {r.coder: _MARKS[i % len(_MARKS)] for i, r in enumerate(view.ranges)}
    parts.append('<table class="wb-adj-ranges"><tr>')
    for r in view.ranges:
        head = f"{r.number} · " if r.number is not None else ""
        body = (f"{r.start}..{r.end}<br>{_e(r.text)}" if r.applied
                else "<em>did not apply it</em>")
        parts.append(f'<td class="wb-adj-range" style="vertical-align:top;padding:4px 8px;'
                     f'border-top:4px solid {colours[r.coder]}"><b>{head}{_n(r.coder)}</b>'
                     f"<br>{body}</td>")
    parts.append("</tr></table>")
    for turn in view.context:
        marked = "".join(
            f'<mark title="{_n(", ".join(p.coders))}" style="background:'
            f'{colours.get(p.coders[0], _MARKS[0])}">{_e(p.text)}</mark>'
            if p.coders else _e(p.text) for p in turn.pieces)
        time = f" [{_e(turn.video_time)}]" if turn.video_time else ""
        parts.append(f'<div class="wb-adj-turn" style="white-space:pre-wrap;margin:4px 0">'
                     f"<b>{_n(turn.speaker)}</b> ({_e(turn.role)}){time}<br>{marked}</div>")
    if view.palette is not None:
        numbers = {key: n for n, key, _ in view.recode_choices}
        labels = {c.key: (f"{numbers[c.key]} · " if c.key in numbers else "")
                  + f"{inert(c.name)} ({inert(c.key)})" for c in view.palette.matches}
        parts.append('<div class="wb-adj-recode">recode as: '
                     + palette_html(view.palette, labels) + "</div>")
    if view.last_decision:
        parts.append(f'<div class="wb-adj-last">last decision: {_e(view.last_decision)}</div>')
    return "".join(parts)


class AdjudicationPanel:
    """The ipywidgets view over an :class:`AdjudicationController` (``.widget``)."""

    def __init__(self, controller: AdjudicationController) -> None:
        import ipywidgets as widgets

        from workbench.views.keys import KeyCatcher

        self.controller = controller
        self.view_html = widgets.HTML()
        self.key_catcher = KeyCatcher(keys=ADJUDICATION_KEYS,
                                      hint="⌨ click here, then use the keys below")
        self.legend = widgets.HTML(f'<div class="wb-adj-legend" style="color:#555">'
                                   f"{_e(KEY_LEGEND)}</div>")
        self.prompt = widgets.HTML()
        self.start_field = widgets.Text(description="Start")
        self.end_field = widgets.Text(description="End")
        self.reason_field = widgets.Text(description="Reason",
                                         layout=widgets.Layout(width="90%"))
        self.start_field.add_class("wb-field-start")
        self.end_field.add_class("wb-field-end")
        self.reason_field.add_class("wb-field-reason")
        self.range_box = widgets.HBox([self.start_field, self.end_field])
        self.form = widgets.VBox([self.prompt, self.range_box, self.reason_field],
                                 layout=widgets.Layout(display="none",
                                                       border="1px solid #bbb"))
        self.form.add_class("wb-key-form")  # Enter / Esc typed in it: see keys.py
        self.form.add_class("wb-adj-form")
        self.message = widgets.HTML()
        self.error = widgets.HTML()
        self.widget = widgets.VBox([self.view_html, self.key_catcher, self.form, self.legend,
                                    self.message, self.error])
        self.widget.add_class("wb-key-panel")
        self.widget.add_class("wb-adjudication")
        self.key_catcher.on_key(lambda key: self.run(lambda: self._key(key)))
        self.key_catcher.on_form_key(lambda key, values: self.run(lambda: self._form(key,
                                                                                     values)))
        self.render()

    def _key(self, key: str) -> None:
        if key == "Enter" and self.controller.pending is not None:
            self.controller.reason_text = self.reason_field.value
            self.controller.confirm(start=self.start_field.value, end=self.end_field.value)
            return
        self.controller.press(key)

    def _form(self, key: str, values: dict[str, object]) -> None:
        if key == "Escape":
            self.controller.cancel()
            return
        self.reason_field.value = str(values.get("reason", self.reason_field.value))
        self.start_field.value = str(values.get("start", self.start_field.value))
        self.end_field.value = str(values.get("end", self.end_field.value))
        if self.controller.pending is None:
            return
        self.controller.confirm(self.reason_field.value, start=self.start_field.value,
                                end=self.end_field.value)

    def run(self, action: Callable[[], object]) -> None:
        """Run ``action`` and re-render; an unexpected exception is shown, not lost."""
        try:
            action()
        except Exception as exc:  # shown to the user, not swallowed by ipywidgets
            self.controller.error = f"{type(exc).__name__}: {exc}"
        self.render()

    def render(self) -> None:
        """Show the controller's view."""
        view = self.controller.view()
        self.view_html.value = adjudication_html(view)
        pending = view.pending
        if pending is None:
            self.form.layout.display = "none"
            self.reason_field.value = self.start_field.value = self.end_field.value = ""
        else:
            self.form.layout.display = "flex"
            self.prompt.value = f'<div class="wb-adj-prompt">{_e(pending.prompt)}</div>'
            self.range_box.layout.display = "flex" if pending.needs_range else "none"
        self.message.value = (f'<div class="wb-adj-message">{_e(view.message)}</div>'
                              if view.message else "")
        self.error.value = (f'<div class="wb-error" style="color:#b00020">{_e(view.error)}'
                            "</div>" if view.error else "")


def adjudication_panel(project: Project, decided_by: str | None = None, *,
                       coders: Sequence[str] | None = None,
                       codes: Sequence[str] | str | None = None,
                       documents: Sequence[str] | str | None = None,
                       coders_filter: Sequence[str] | str | None = None,
                       themes: Sequence[str] | str | None = None) -> ipywidgets.VBox:
    """The keyboard adjudication view of ``project`` (display the returned widget).

    ``decided_by`` defaults to the coder identity
    (:func:`~workbench.coder_identity.resolve_coder`: ``WORKBENCH_CODER``, then
    ``JUPYTERHUB_USER``); the panel of coders is fixed first (default: every registered
    coder), so a decider registered by that lookup does not become a voter. The other
    arguments are :class:`AdjudicationController`'s filters; the panel object is
    ``widget.panel``.
    """
    from workbench.coder_identity import resolve_coder

    panel_coders = list(coders) if coders is not None else project.coders()
    who = decided_by if decided_by is not None else resolve_coder(project).coder
    controller = AdjudicationController(project, decided_by=who, coders=panel_coders,
                                        codes=codes, documents=documents,
                                        coders_filter=coders_filter, themes=themes)
    if who is None:
        controller.error = ("who decides? Pass decided_by='your name' (or set WORKBENCH_CODER "
                            "before starting JupyterLab).")
    view = AdjudicationPanel(controller)
    view.render()
    view.widget.panel = view
    return view.widget
