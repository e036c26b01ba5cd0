"""Choose the dyad and session whose recall stops the timeline figure shows.

:class:`TimelineExplorer` is the plain controller: it holds the aligned moments
(:func:`~workbench.analysis.dual_perspective.align_moments`), the codebook and the chosen
``(dyad, session)``; it lists the choices (every dyad and session with at least one recall
stop, with how many stops each side has) and builds
:func:`~workbench.views.figures.timeline_figure` for the choice. It imports no ipywidgets,
so tests drive it directly. :class:`TimelineExplorerView` is the thin view: one dropdown
and the figure (shown with :func:`~workbench.views.theme_explorer.figure_output`), redrawn
on every change. Nothing is written to the project.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from workbench.errors import SummaryInputError
from workbench.model import Codebook
from workbench.views.figures import timeline_figure
from workbench.views.theme_explorer import figure_output, replace_figure

__all__ = ["TimelineExplorer", "TimelineExplorerView", "timeline_explorer"]

Choice = tuple[str, int]


class TimelineExplorer:
    """Controller: the chosen dyad and session, and its timeline figure.

    The first choice is the first dyad and session (in sort order) that both perspectives
    recalled, else the first one with any stop.
    """

    def __init__(self, moments: pd.DataFrame, codebook: Codebook) -> None:
        missing = [c for c in ("dyad", "session", "recalled_by", "client_time",
                               "therapist_time", "client_codes", "therapist_codes")
                   if c not in moments.columns]
        if missing:
            raise SummaryInputError(
                f"TimelineExplorer: the moments frame has no column(s) {', '.join(missing)}; "
                "pass wb.align_moments(segments, codings)."
            )
        if moments.empty:
            raise SummaryInputError(
                "TimelineExplorer: there are no recall stops to show; import transcripts "
                "with [HH:MM:SS] stops first."
            )
        self.moments = moments
        self.codebook = codebook
        counts = (moments.assign(client=moments["client_time"].notna(),
                                 therapist=moments["therapist_time"].notna())
                  .groupby(["dyad", "session"], sort=True)[["client", "therapist"]].sum())
        self._counts: dict[Choice, tuple[int, int]] = {
            (str(dyad), int(session)): (int(row.client), int(row.therapist))
            for (dyad, session), row in counts.iterrows()
        }
        both = [choice for choice, (c, t) in self._counts.items() if c and t]
        self._choice: Choice = both[0] if both else next(iter(self._counts))

    @property
    def choice(self) -> Choice:
        """The dyad and session shown."""
        return self._choice

    def options(self) -> list[tuple[str, Choice]]:
        """``(label, (dyad, session))`` for every dyad and session with a stop, sorted."""
        return [(f"{dyad} · session {session} ({c} client / {t} therapist stops)",
                 (dyad, session)) for (dyad, session), (c, t) in self._counts.items()]

    def choose(self, dyad: object, session: object) -> Choice:
        """Show ``dyad`` and ``session``; one that has no recall stop raises."""
        try:
            choice = (str(dyad), int(session))  # type: ignore[call-overload]
        except (TypeError, ValueError):
            choice = (str(dyad), -1)
        if choice not in self._counts:
            known = ", ".join(f"{d} {s}" for d, s in self._counts)
            raise SummaryInputError(
                f"dyad {dyad} session {session} has no recall stops; choose one of {known}.")
        self._choice = choice
        return choice

    def describe(self) -> str:
        """One line: what the figure shows."""
        dyad, session = self._choice
        client, therapist = self._counts[self._choice]
        return (f"dyad {dyad}, session {session}: {client} client and {therapist} therapist "
                "recall stops")

    def figure(self) -> go.Figure:
        """The timeline of the chosen dyad and session."""
        dyad, session = self._choice
        figure = timeline_figure(self.moments, self.codebook, dyad=dyad, session=session)
        figure.update_layout(title=f"Recall stops along the session video ({self.describe()})")
        return figure


class TimelineExplorerView:
    """Thin ipywidgets view over a :class:`TimelineExplorer` (display ``view.widget``)."""

    def __init__(self, controller: TimelineExplorer) -> None:
        import ipywidgets as widgets

        self.controller = controller
        self.dropdown = widgets.Dropdown(
            options=controller.options(), value=controller.choice,
            description="Dyad and session", style={"description_width": "initial"},
            layout=widgets.Layout(width="min(100%, 34em)"),
        )
        self.errors = widgets.Output()
        self.figure: go.Figure = controller.figure()
        self.figure_out = figure_output(self.figure)
        self.dropdown.observe(self._on_change, names="value")
        self.widget = widgets.VBox([self.dropdown, self.figure_out, self.errors])

    def _on_change(self, change: dict[str, Any]) -> None:
        self.errors.clear_output()
        try:
            self.controller.choose(*change["new"])
            self.figure = self.controller.figure()
            replace_figure(self.figure_out, self.figure)
        except Exception as exc:  # shown to the user: widget callbacks swallow errors
            with self.errors:
                print(f"error: {exc}")

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def timeline_explorer(moments: pd.DataFrame, codebook: Codebook) -> TimelineExplorerView:
    """The dyad-and-session chooser over the timeline figure (notebooks, Voila page)."""
    return TimelineExplorerView(TimelineExplorer(moments, codebook))
