"""The theme explorer: controller without widgets, then the thin view driven like a user."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import pytest

from workbench import Project, ThemeExplorer, figure_output, frequencies, theme_explorer
from workbench.errors import SummaryInputError

PLOTLY = "application/vnd.plotly.v1+json"


def _shown(view: Any) -> dict[str, Any]:
    """The plotly JSON the view's figure box shows."""
    (output,) = view.figure_box.children
    (item,) = output.outputs
    return dict(item["data"][PLOTLY])


def test_controller_filters_and_figure(sqlite_demo: Project) -> None:
    codings = sqlite_demo.segment_codings()
    explorer = ThemeExplorer(codings, sqlite_demo.codebook)
    assert explorer.options() == {"outcome_group": ["good", "poor"],
                                  "perspective": ["client", "therapist"],
                                  "coder": ["ana", "ben", "chloe"]}
    assert len(explorer.figure().data) == 20                 # 5 codes x 2 x 2 panels
    explorer.set_filter(perspective="client", coder="ben")
    expected = codings[(codings.perspective == "client") & (codings.coder == "ben")]
    assert len(explorer.filtered()) == len(expected)
    table = explorer.table()
    ref = frequencies(expected, ["perspective", "outcome_group"], codebook=sqlite_demo.codebook)
    assert table["segments"].tolist() == ref["segments"].tolist()
    fig = explorer.figure()
    assert {t.xaxis for t in fig.data} == {"x", "x2"}         # client row only
    assert "perspective client" in fig.layout.title.text
    explorer.set_filter(perspective=None, coder="")
    assert len(explorer.filtered()) == len(codings)


def test_controller_rejects_unknown_values(sqlite_demo: Project) -> None:
    explorer = ThemeExplorer.from_project(sqlite_demo)
    with pytest.raises(SummaryInputError, match="does not occur"):
        explorer.set_filter(perspective="observer")
    with pytest.raises(SummaryInputError, match="unknown filter"):
        explorer.set_filter(session="3")
    with pytest.raises(SummaryInputError, match="no column"):
        ThemeExplorer(sqlite_demo.segment_codings().drop(columns=["coder"]), sqlite_demo.codebook)


def test_view_dropdowns_drive_the_figure(sqlite_demo: Project) -> None:
    view = theme_explorer(sqlite_demo)
    before = view.figure
    assert len(before.data) == 20
    assert len(_shown(view)["data"]) == 20
    view.dropdowns["outcome_group"].value = "poor"
    assert len(_shown(view)["data"]) == 10                     # the output shows the new figure
    assert view.controller.filter.outcome_group == "poor"
    assert {t.xaxis for t in view.figure.data} == {"x", "x2"}  # one column, two rows
    assert view.figure is not before
    poor = sqlite_demo.segment_codings(perspective="client")
    poor = poor[poor.outcome_group == "poor"]
    client_bars = {t.legendgroup: t.x[0] for t in view.figure.data if t.xaxis == "x"}
    assert client_bars["withdrawal"] == poor[poor.code == "withdrawal"].segment_id.nunique()
    view.dropdowns["outcome_group"].value = ""
    assert len(view.figure.data) == 20
    assert not view.errors.outputs


def test_figure_output_holds_the_figure_as_state() -> None:
    figure = go.Figure(go.Bar(x=[1, 2], y=[3, 4]), layout={"title": "t"})
    output = figure_output(figure)
    (item,) = output.outputs
    assert item["output_type"] == "display_data"
    assert item["data"][PLOTLY]["data"][0]["y"] == [3, 4]
    assert item["data"]["text/plain"] == "plotly figure: t"
