"""Retrieve and search view: results listed in context, jump to a passage, code the hits.

:class:`RetrievalState` is the plain controller (no ipywidgets; tests drive it directly):
it runs a query (:func:`workbench.retrieval.retrieve`) or a text search
(:func:`workbench.retrieval.search_text`), holds the results, the selection (row
positions) and the current row, jumps to a passage through a callback, and codes the
selected rows (:func:`workbench.retrieval.code_hits`) with undo of the last such action.

The jump callback is ``on_jump(document, start, segment_index)``. :func:`session_jumper`
makes one that moves a coding panel's controller (a
:class:`~workbench.views.coding_session.CodingSession`) to the passage's segment (opening
its document and clearing a filter that hides it); :func:`panel_jumper` does that through a
:class:`~workbench.views.coding_panel.CodingPanel` so the panel re-renders.

:class:`RetrievalView` is the thin ipywidgets view: a query or pattern box, a mode chooser,
the results as HTML (the passage highlighted in its context, escaped), one checkbox per
row, "jump", "select all", "code the selected" and "undo".
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from workbench.analysis.retrieval import Query
from workbench.errors import RetrievalError, WorkbenchError
from workbench.retrieval import (
    CodeHitsReport,
    Source,
    code_hits,
    retrieve,
    search_text,
    undo_code_hits,
)
from workbench.views.review_tables import format_clock

if TYPE_CHECKING:
    from workbench.project import Project
    from workbench.views.coding_panel import CodingPanel
    from workbench.views.coding_session import CodingSession

__all__ = [
    "JumpCallback",
    "ResultRow",
    "RetrievalState",
    "RetrievalView",
    "panel_jumper",
    "retrieval_view",
    "session_jumper",
]

JumpCallback = Callable[[str, int, int], object]
ResultKind = Literal["passages", "hits"]


@dataclass(frozen=True)
class ResultRow:
    """One result as shown: where it is, the context split around the passage, and
    whether it is selected or current."""

    position: int
    document: str
    start: int
    end: int
    speaker: str
    clock: str
    segment_index: int
    before: str
    passage: str
    after: str
    label: str
    selected: bool
    current: bool


class RetrievalState:
    """Query or search results with a selection and a current row (see the module
    docstring). ``coder`` is who :meth:`code_selected` codes for by default."""

    def __init__(self, project: Project, *, coder: str | None = None,
                 on_jump: JumpCallback | None = None) -> None:
        self.project = project
        self.coder = coder
        self.on_jump = on_jump
        self.results: pd.DataFrame = pd.DataFrame()
        self.kind: ResultKind | None = None
        self.selection: set[int] = set()
        self.current: int | None = None
        self.last_report: CodeHitsReport | None = None
        self.message = ""

    # -- running ------------------------------------------------------------------------
    def _set(self, results: pd.DataFrame, kind: ResultKind) -> pd.DataFrame:
        self.results = results.reset_index(drop=True)
        self.results.attrs.update(results.attrs)
        self.kind = kind
        self.selection = set()
        self.current = 0 if len(self.results) else None
        self.message = str(results.attrs.get("caption", ""))
        return self.results

    def run_query(self, query: Query | str, *, source: Source = "pooled",
                  documents: str | Sequence[str] | None = None,
                  context: Literal["turn"] | int = "turn") -> pd.DataFrame:
        """Retrieve the passages of ``query`` (see :func:`workbench.retrieval.retrieve`)."""
        return self._set(retrieve(self.project, query, source=source, documents=documents,
                                  context=context), "passages")

    def run_search(self, pattern: str | Sequence[str], **options: Any) -> pd.DataFrame:
        """Search the text (options of :func:`workbench.retrieval.search_text`)."""
        return self._set(search_text(self.project, pattern, **options), "hits")

    @property
    def caption(self) -> str:
        """What the results are (``attrs["caption"]``)."""
        return str(self.results.attrs.get("caption", ""))

    # -- selection and moving -------------------------------------------------------------
    def _check(self, position: int) -> int:
        if not 0 <= position < len(self.results):
            raise RetrievalError(f"there is no result {position}; the results are "
                                 f"0..{len(self.results) - 1}." if len(self.results) else
                                 "there are no results yet; run a query or a search first.")
        return position

    def select(self, position: int, on: bool = True) -> None:
        """Tick (or untick) one result."""
        position = self._check(position)
        if on:
            self.selection.add(position)
        else:
            self.selection.discard(position)

    def select_all(self) -> None:
        """Tick every result."""
        self.selection = set(range(len(self.results)))

    def clear_selection(self) -> None:
        """Untick every result."""
        self.selection = set()

    def selected(self) -> pd.DataFrame:
        """The ticked results, in result order."""
        return self.results.iloc[sorted(self.selection)]

    def go(self, position: int) -> None:
        """Make ``position`` the current result."""
        self.current = self._check(position)

    def next(self) -> bool:
        """Move to the next result (False at the end)."""
        if self.current is None or self.current + 1 >= len(self.results):
            return False
        self.current += 1
        return True

    def previous(self) -> bool:
        """Move to the previous result (False at the start)."""
        if self.current is None or self.current == 0:
            return False
        self.current -= 1
        return True

    def jump(self, position: int | None = None) -> tuple[str, int, int]:
        """Go to a result's passage (default the current one) through ``on_jump``;
        returns ``(document, start, segment_index)``."""
        position = self._check(position if position is not None else
                               self.current if self.current is not None else -1)
        self.current = position
        row = self.results.iloc[position]
        target = (str(row["document"]), int(row["start"]), int(row["segment_index"]))
        if self.on_jump is None:
            raise RetrievalError("nothing to jump with: give RetrievalState(on_jump=...) or "
                                 "panel_jumper(panel) to go to the passage in a coding panel.")
        self.on_jump(*target)
        self.message = f"went to {target[0]} segment #{target[2]}"
        return target

    # -- coding ---------------------------------------------------------------------------
    def code_selected(self, code: str, coder: str | None = None, *,
                      memo: str = "") -> CodeHitsReport:
        """Apply ``code`` to the ticked results as ``coder`` (default :attr:`coder`)."""
        who = coder or self.coder
        if not who:
            raise RetrievalError("say who codes: RetrievalState(coder=...) or "
                                 "code_selected(code, coder).")
        if not self.selection:
            raise RetrievalError("tick the results to code first (select or select_all).")
        report = code_hits(self.project, self.selected(), code, who, memo=memo)
        self.last_report = report
        self.message = str(report)
        return report

    def undo(self) -> int:
        """Remove the codings the last :meth:`code_selected` created."""
        if self.last_report is None:
            raise RetrievalError("nothing to undo: no results were coded here yet.")
        removed = undo_code_hits(self.project, self.last_report)
        self.message = f"undone: {removed} coding{'s' if removed != 1 else ''} removed"
        self.last_report = None
        return removed

    # -- showing --------------------------------------------------------------------------
    def rows(self) -> list[ResultRow]:
        """The results as shown, each with its context split around the passage."""
        out = []
        for position, row in enumerate(self.results.itertuples(index=False)):
            lo, hi = int(row.start) - int(row.context_start), int(row.end) - int(row.context_start)
            context = str(row.context)
            if self.kind == "passages":
                label = ", ".join(row.codes) + " - " + ", ".join(row.coders)
            else:
                label = str(row.pattern)
            out.append(ResultRow(
                position, str(row.document), int(row.start), int(row.end), str(row.speaker),
                format_clock(row.video_time), int(row.segment_index), context[:lo],
                context[lo:hi], context[hi:], label, position in self.selection,
                position == self.current))
        return out


def session_jumper(session: CodingSession) -> JumpCallback:
    """``on_jump`` that moves a coding session (or controller) to the passage's segment:
    opens its document if another is open, and clears a filter that hides the segment."""
    def jump(document: str, start: int, segment_index: int) -> bool:
        if session.document != document:
            session.select_document(document)
        try:
            return session.jump(segment_index)
        except ValueError:  # hidden by the role/speaker filter
            session.set_filter(None, None)
            return session.jump(segment_index)
    return jump


def panel_jumper(panel: CodingPanel) -> JumpCallback:
    """``on_jump`` that moves a coding panel to the passage and re-renders it."""
    moved = session_jumper(panel.controller)

    def jump(document: str, start: int, segment_index: int) -> None:
        panel.run(lambda: moved(document, start, segment_index))
    return jump


def rows_html(rows: Sequence[ResultRow]) -> str:
    """The results as escaped HTML, the passage marked in its context."""
    parts = []
    for r in rows:
        style = "background:#eef5ff;" if r.current else ""
        parts.append(
            f'<div style="margin:4px 0;padding:4px;border-left:3px solid #999;{style}">'
            f"<b>{r.position}</b> {html.escape(r.document)} #{r.segment_index} "
            f"{html.escape(r.clock)} <i>{html.escape(r.speaker)}</i> "
            f"<small>[{html.escape(r.label)}]</small><br>"
            f"{html.escape(r.before)}<mark>{html.escape(r.passage)}</mark>"
            f"{html.escape(r.after)}</div>")
    return "".join(parts) or "<i>no results</i>"


class RetrievalView:
    """ipywidgets over a :class:`RetrievalState` (``widget`` to display)."""

    def __init__(self, state: RetrievalState) -> None:
        import ipywidgets as widgets

        self.state = state
        self._widgets = widgets
        self.mode = widgets.Dropdown(options=["code", "plain", "regex", "lemma"], value="plain",
                                     description="Find")
        self.pattern = widgets.Text(placeholder="code key, or text / pattern / word")
        self.source = widgets.Text(value="pooled", description="Source")
        self.run_button = widgets.Button(description="Run")
        self.code = widgets.Text(placeholder="code key", description="Code as")
        self.code_button = widgets.Button(description="Code the selected")
        self.undo_button = widgets.Button(description="Undo")
        self.all_button = widgets.Button(description="Select all")
        self.jump_button = widgets.Button(description="Jump to current")
        self.message = widgets.HTML()
        self.results_html = widgets.HTML()
        self.checks = widgets.VBox()
        self.run_button.on_click(lambda _b: self._guard(self._run))
        self.code_button.on_click(lambda _b: self._guard(
            lambda: self.state.code_selected(self.code.value.strip())))
        self.undo_button.on_click(lambda _b: self._guard(self.state.undo))
        self.all_button.on_click(lambda _b: self._guard(self.state.select_all))
        self.jump_button.on_click(lambda _b: self._guard(self.state.jump))
        self.widget = widgets.VBox([
            widgets.HBox([self.mode, self.pattern, self.source, self.run_button]),
            widgets.HBox([self.all_button, self.jump_button, self.code, self.code_button,
                          self.undo_button]),
            self.message, widgets.HBox([self.checks, self.results_html])])
        self.render()

    def _run(self) -> None:
        text = self.pattern.value.strip()
        if self.mode.value == "code":
            source: Source = self.source.value.strip() or "pooled"
            self.state.run_query(text, source=source)
        else:
            self.state.run_search(text, mode=self.mode.value)

    def _guard(self, action: Callable[[], object]) -> None:
        try:
            action()
        except WorkbenchError as exc:
            self.state.message = f"error: {exc}"
        self.render()

    def _toggle(self, position: int) -> Callable[[dict[str, Any]], None]:
        def changed(change: dict[str, Any]) -> None:
            self._guard(lambda: self.state.select(position, bool(change["new"])))
        return changed

    def render(self) -> None:
        """Redraw from the state."""
        rows = self.state.rows()
        boxes = []
        for r in rows:
            box = self._widgets.Checkbox(value=r.selected, description=str(r.position),
                                         indent=False)
            box.observe(self._toggle(r.position), names="value")
            boxes.append(box)
        self.checks.children = boxes
        self.results_html.value = rows_html(rows)
        self.message.value = html.escape(self.state.message)


def retrieval_view(project: Project, *, coder: str | None = None,
                   panel: CodingPanel | None = None) -> RetrievalView:
    """A retrieval view; with ``panel``, "jump" moves that coding panel to the passage."""
    return RetrievalView(RetrievalState(project, coder=coder,
                                        on_jump=panel_jumper(panel) if panel else None))
