"""A small filter view of the theme summaries for the notebook and the Voila review page.

:class:`ThemeExplorer` is the plain controller: it holds the codings, the codebook and the
current :class:`ThemeFilter` (outcome group, perspective, coder; ``None`` means all) and
builds the filtered frequency table and figure with the package functions. It imports no
ipywidgets, so tests drive it directly.

:class:`ThemeExplorerView` is the thin ipywidgets view: three dropdowns and a box holding
the controller's figure, redrawn on every change (errors from callbacks are shown in an
``Output``, since widgets otherwise swallow them). It is read-only: nothing is written to
the project.

Figures are shown with :func:`figure_output`: an ``Output`` widget whose ``outputs`` state
holds the figure, set from Python (not captured from a running cell); a filter change
replaces that state. Voila draws such state as JupyterLab does; when a figure is instead
captured into a live ``Output`` during a callback, Voila hands the plotly renderer a bare
output model without ``setData`` (which the renderer calls after drawing, to cache a PNG)
and the browser logs a ``TypeError``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from workbench.analysis.summaries import frequencies, source_caption
from workbench.errors import SummaryInputError
from workbench.model import Codebook
from workbench.project import Project
from workbench.views.figures import frequency_figure

__all__ = [
    "FILTER_FIELDS",
    "ThemeExplorer",
    "ThemeExplorerView",
    "ThemeFilter",
    "figure_output",
    "replace_figure",
    "theme_explorer",
]

#: The filterable columns of the codings frame, in display order.
FILTER_FIELDS: tuple[str, ...] = ("outcome_group", "perspective", "coder")
_LABELS = {"outcome_group": "Outcome group", "perspective": "Perspective", "coder": "Coder"}
_ALL = ""


@dataclass(frozen=True)
class ThemeFilter:
    """Which codings to count; ``None`` for a field means every value."""

    outcome_group: str | None = None
    perspective: str | None = None
    coder: str | None = None


class ThemeExplorer:
    """Controller: filter state plus the filtered frequency table and figure.

    ``value`` is the count plotted (``"segments"``, ``"codings"``, ``"transcripts"`` or
    ``"participants"``, see :func:`~workbench.analysis.summaries.frequencies`).
    """

    def __init__(self, codings: pd.DataFrame, codebook: Codebook, *,
                 value: str = "segments") -> None:
        missing = [c for c in (*FILTER_FIELDS, "code") if c not in codings.columns]
        if missing:
            raise SummaryInputError(
                f"ThemeExplorer: the codings frame has no column(s) {', '.join(missing)}; "
                "pass project.segment_codings()."
            )
        self.codings = codings
        self.codebook = codebook
        self.value = value
        self._filter = ThemeFilter()

    @classmethod
    def from_project(cls, project: Project, *, value: str = "segments",
                     source: str | None = "auto") -> ThemeExplorer:
        """A controller over a project's codings: ``source`` as for
        ``Project.segment_codings`` (default: the consensus once the team has decided
        anything, else the pooled raw codings)."""
        return cls(project.segment_codings(source=source), project.codebook, value=value)

    @property
    def filter(self) -> ThemeFilter:
        """The current filter."""
        return self._filter

    def options(self) -> dict[str, list[str]]:
        """The values each filter field can take (sorted, missing values left out)."""
        return {f: sorted(str(v) for v in self.codings[f].dropna().unique())
                for f in FILTER_FIELDS}

    def set_filter(self, **changes: str | None) -> ThemeFilter:
        """Change filter fields (``None`` or ``""`` = all); unknown values raise."""
        options = self.options()
        clean: dict[str, str | None] = {}
        for name, value in changes.items():
            if name not in FILTER_FIELDS:
                raise SummaryInputError(f"unknown filter {name!r}; use one of "
                                        f"{', '.join(FILTER_FIELDS)}.")
            value = value or None
            if value is not None and value not in options[name]:
                raise SummaryInputError(f"{name} {value!r} does not occur in the codings; "
                                        f"choose one of {', '.join(options[name])}.")
            clean[name] = value
        self._filter = replace(self._filter, **clean)
        return self._filter

    def filtered(self) -> pd.DataFrame:
        """The codings matching the current filter."""
        keep = pd.Series(True, index=self.codings.index)
        for name in FILTER_FIELDS:
            value = getattr(self._filter, name)
            if value is not None:
                keep &= self.codings[name].astype(str) == value
        return self.codings[keep]

    def table(self) -> pd.DataFrame:
        """Code frequencies of the filtered codings by perspective and outcome group."""
        return frequencies(self.filtered(), ["perspective", "outcome_group"],
                           codebook=self.codebook)

    def describe(self) -> str:
        """One line: what is shown."""
        parts = [f"{_LABELS[f].lower()} {getattr(self._filter, f)}" for f in FILTER_FIELDS
                 if getattr(self._filter, f) is not None]
        scope = ", ".join(parts) if parts else "all codings"
        return f"{scope}: {len(self.filtered())} codings; {source_caption(self.codings)}"

    def figure(self) -> go.Figure:
        """The frequency figure of the filtered codings."""
        return frequency_figure(self.table(), self.codebook, value=self.value,
                                title=f"Code frequencies ({self.describe()})")


class ThemeExplorerView:
    """Thin ipywidgets view over a :class:`ThemeExplorer` (display ``view.widget``)."""

    def __init__(self, controller: ThemeExplorer) -> None:
        import ipywidgets as widgets

        self.controller = controller
        options = controller.options()
        self.dropdowns: dict[str, Any] = {
            name: widgets.Dropdown(
                options=[("all", _ALL), *((v, v) for v in options[name])], value=_ALL,
                description=_LABELS[name], style={"description_width": "initial"},
            )
            for name in FILTER_FIELDS
        }
        self.errors = widgets.Output()
        self.figure: go.Figure = controller.figure()
        self.figure_out = figure_output(self.figure)
        self.figure_box = widgets.VBox([self.figure_out], layout=widgets.Layout(width="100%"))
        for dropdown in self.dropdowns.values():
            dropdown.observe(self._on_change, names="value")
        self.widget = widgets.VBox([
            widgets.HBox(list(self.dropdowns.values())), self.figure_box, self.errors,
        ])

    def _on_change(self, change: dict[str, Any]) -> None:
        self.errors.clear_output()
        try:
            self.controller.set_filter(**{name: d.value for name, d in self.dropdowns.items()})
            self.figure = self.controller.figure()
            self._render()
        except Exception as exc:  # shown to the user: widget callbacks swallow errors
            with self.errors:
                print(f"error: {exc}")

    def _render(self) -> None:
        replace_figure(self.figure_out, self.figure)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


_SHOWN: list[Any] = []
"""Figure outputs made by :func:`figure_output` (kept referenced; see there)."""


def figure_output(figure: go.Figure) -> Any:
    """An ``ipywidgets.Output`` whose state holds ``figure`` (see the module docstring).

    Works in notebooks, on the Voila page and in plain Python (tests).
    """
    import ipywidgets as widgets

    output = widgets.Output(layout=widgets.Layout(width="100%"))
    output.outputs = (_display_item(figure),)
    # ipywidgets closes a widget when Python garbage-collects it. A cell that ends with
    # ``wb.figure_output(...)`` keeps no reference where the kernel keeps no output history
    # (Voila), so the page could ask for a model that was already closed ("widget model not
    # found"). Keep every figure output alive for the kernel's lifetime.
    _SHOWN.append(output)
    return output


def replace_figure(output: Any, figure: go.Figure) -> None:
    """Show ``figure`` in an output made by :func:`figure_output`, instead of its figure."""
    output.outputs = (_display_item(figure),)


def _display_item(figure: go.Figure) -> dict[str, Any]:
    """The figure as one ``display_data`` output (plotly's JSON mimetype and a text line)."""
    import plotly.io as pio

    bundle = dict(pio.renderers["plotly_mimetype"].to_mimebundle(figure.to_dict()))
    bundle["text/plain"] = "plotly figure: " + str(figure.layout.title.text or "")
    return {"output_type": "display_data", "data": bundle, "metadata": {}}


def theme_explorer(project: Project, *, value: str = "segments",
                   source: str | None = "auto") -> ThemeExplorerView:
    """The filter view over a project's codings (for notebooks and the Voila page);
    ``source`` as for ``Project.segment_codings``, stated in the figure's title."""
    return ThemeExplorerView(ThemeExplorer.from_project(project, value=value, source=source))
