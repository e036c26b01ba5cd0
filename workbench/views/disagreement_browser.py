"""Step through the disagreements of a team, one (segment, code) at a time.

:class:`DisagreementBrowser` is plain Python state (no ipywidgets): the rows of a
:func:`~workbench.analysis.disagreements.disagreement_table`, an optional code filter,
the current index with :meth:`~DisagreementBrowser.next` /
:meth:`~DisagreementBrowser.previous`, and the current row with its context (the segment
and its neighbours in the same document, from the segments frame). :meth:`~DisagreementBrowser.html`
renders it; every text is HTML-escaped.

:func:`disagreement_widget` is the thin ipywidgets view: a code Dropdown, Prev/Next
buttons, an HTML pane with the current disagreement and an HTML error line where any
exception raised in a callback is shown (not swallowed).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.analysis.disagreements import coder_column

if TYPE_CHECKING:
    import ipywidgets

__all__ = ["DisagreementBrowser", "disagreement_widget"]


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


class DisagreementBrowser:
    """Browse the rows of a disagreement table with the text around each segment.

    Parameters
    ----------
    table : DataFrame
        A :func:`disagreement_table` (all codes); its ``attrs["coders"]`` name the coders.
    segments : DataFrame
        The segments frame (``segment_id``, ``document``, ``text``, ``speaker``), in
        document order, for the neighbours shown as context.
    context : int
        Neighbouring segments shown before and after the disputed one.
    """

    def __init__(self, table: pd.DataFrame, segments: pd.DataFrame, *, context: int = 1):
        self.table = table.reset_index(drop=True)
        self.segments = segments.reset_index(drop=True)
        self.context = context
        self.coders: list[str] = list(table.attrs.get("coders") or [
            col.removeprefix("codes_by_") for col in table.columns if col.startswith("codes_by_")
        ])
        self._position = {int(s): i for i, s in enumerate(self.segments["segment_id"])}
        self.code: str | None = None
        self.index = 0

    @property
    def codes(self) -> list[str]:
        """Codes with at least one disagreement, in table order."""
        return list(dict.fromkeys(str(c) for c in self.table["code"]))

    @property
    def rows(self) -> pd.DataFrame:
        """The rows under the current code filter."""
        if self.code is None:
            return self.table
        return self.table[self.table["code"] == self.code].reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.rows)

    def set_code(self, code: str | None) -> None:
        """Show only ``code`` (``None``: every code) and go back to the first row."""
        if code is not None and code not in self.codes:
            raise ValueError(f"No disagreement on the code {code!r}; codes: {self.codes}.")
        self.code = code
        self.index = 0

    def next(self) -> None:
        """Go to the next row (stays on the last one)."""
        self.index = min(self.index + 1, max(len(self) - 1, 0))

    def previous(self) -> None:
        """Go to the previous row (stays on the first one)."""
        self.index = max(self.index - 1, 0)

    def current(self) -> dict[str, Any] | None:
        """The current row as a dict, plus ``context``: the neighbouring segment rows."""
        rows = self.rows
        if len(rows) == 0:
            return None
        row = rows.iloc[self.index].to_dict()
        where = self._position.get(int(row["segment_id"]))
        context: list[dict[str, Any]] = []
        if where is not None:
            document = self.segments.at[where, "document"]
            lo, hi = max(where - self.context, 0), min(where + self.context + 1, len(self.segments))
            for i in range(lo, hi):
                if self.segments.at[i, "document"] == document:
                    seg = self.segments.iloc[i]
                    context.append({"segment_id": int(seg["segment_id"]),
                                    "speaker": seg.get("speaker"), "text": seg.get("text"),
                                    "current": i == where})
        row["context"] = context
        return row

    def html(self) -> str:
        """The current disagreement as HTML (all text escaped)."""
        row = self.current()
        if row is None:
            return "<p><em>No disagreement.</em></p>"
        parts = [f"<p><b>{self.index + 1} / {len(self)}</b> &middot; code <b>{_esc(row['code'])}</b>"
                 f" &middot; {_esc(row.get('document'))}, segment {_esc(row['segment_id'])}</p>"]
        for seg in row["context"]:
            text = f"<b>{_esc(seg['speaker'])}:</b> {_esc(seg['text'])}"
            parts.append(f"<p style='background:#fff3cd'>{text}</p>" if seg["current"]
                         else f"<p style='color:#777'>{text}</p>")
        uncovered = row.get("not_covered_by")
        parts.append(f"<p>applied by: {_esc(row.get('applied_by'))}; "
                     f"not applied by: {_esc(row.get('not_applied_by'))}"
                     + (f"; not covered by: {_esc(uncovered)}" if uncovered else "")
                     + "</p><ul>")
        for coder in self.coders:
            codes = row.get(coder_column(coder))
            shown = ("<em>did not cover this document</em>" if codes is None
                     or (isinstance(codes, float) and codes != codes)
                     else _esc(codes) or "&ndash;")
            parts.append(f"<li><b>{_esc(coder)}</b>: {shown}</li>")
        parts.append("</ul>")
        return "".join(parts)


def disagreement_widget(browser: DisagreementBrowser) -> ipywidgets.VBox:
    """Thin ipywidgets VBox over ``browser``: code Dropdown, Prev/Next, HTML, error line."""
    import ipywidgets as widgets

    dropdown = widgets.Dropdown(options=[("(all codes)", None)] + [(c, c) for c in browser.codes],
                                value=browser.code, description="Code")
    prev_button = widgets.Button(description="Prev")
    next_button = widgets.Button(description="Next")
    view = widgets.HTML(value=browser.html())
    error = widgets.HTML(value="")

    def guarded(action: Callable[[], None]) -> None:
        try:
            action()
            view.value = browser.html()
            error.value = ""
        except Exception as exc:  # shown to the user, not swallowed
            error.value = (f"<p style='color:#b00020'>Error: {html.escape(type(exc).__name__)}: "
                           f"{html.escape(str(exc))}</p>")

    dropdown.observe(lambda change: guarded(lambda: browser.set_code(change["new"])), names="value")
    prev_button.on_click(lambda _: guarded(browser.previous))
    next_button.on_click(lambda _: guarded(browser.next))
    return widgets.VBox([widgets.HBox([dropdown, prev_button, next_button]), view, error])
