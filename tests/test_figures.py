"""Figures: codebook colours, the right traces, panels and lanes; labels escaped."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench import Project
from workbench.analysis.dual_perspective import align_moments, perspective_concordance
from workbench.analysis.summaries import cooccurrence, frequencies
from workbench.model import Code, Codebook, Theme
from workbench.views.figures import (
    UNKNOWN_COLOUR,
    code_colours,
    concordance_figure,
    cooccurrence_figure,
    frequency_figure,
    sunburst_figure,
    timeline_figure,
)

CODEBOOK = Codebook(
    name="test",
    themes=(Theme("barriers", "Barriers", colour="#aa0000"),
            Theme("facilitators", "Facilitators", colour="#0000aa")),
    codes=(
        Code("withdrawal", "Withdrawal", "barriers", "d", "#d62728"),
        Code("rupture", "<script>alert(1)</script>", "barriers", "d", "#7f0000"),
        Code("alliance", "Alliance", "facilitators", "d", "#2ca02c"),
        Code("bond", "Bond", "facilitators", "d", "#98df8a", parent="alliance"),
    ),
)
COLOURS = code_colours(CODEBOOK)


def freq_frame() -> pd.DataFrame:
    rows = [("client", "good", "withdrawal", 3), ("client", "good", "rupture", 1),
            ("client", "poor", "withdrawal", 5), ("therapist", "good", "bond", 2),
            ("therapist", "poor", "rupture", 4), ("therapist", "poor", "mystery", 1)]
    frame = pd.DataFrame(rows, columns=["perspective", "outcome_group", "code", "segments"])
    frame["codings"] = frame["segments"] * 2
    return frame


def test_frequency_figure_colours_panels_and_values() -> None:
    fig = frequency_figure(freq_frame(), CODEBOOK)
    assert len(fig.data) == 6                                  # one bar trace per row
    for trace in fig.data:
        assert trace.marker.color == COLOURS.get(trace.legendgroup, UNKNOWN_COLOUR)
    shown = [t.legendgroup for t in fig.data if t.showlegend]
    assert sorted(shown) == sorted(set(shown))                 # each code once in the legend
    # panels: client/good -> x, client/poor -> x2, therapist/good -> x3, therapist/poor -> x4
    panel = {(t.legendgroup, t.xaxis): list(t.x) for t in fig.data}
    assert panel[("withdrawal", "x")] == [3] and panel[("withdrawal", "x2")] == [5]
    assert panel[("bond", "x3")] == [2] and panel[("rupture", "x4")] == [4]
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["client · good", "client · poor", "therapist · good", "therapist · poor"]


def test_labels_are_escaped() -> None:
    fig = frequency_figure(freq_frame(), CODEBOOK, value="codings")
    names = {t.name for t in fig.data}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in names
    assert not any("<script" in n for n in names)
    assert list(fig.data[0].x) == [6]


def test_cooccurrence_heatmap() -> None:
    keys = ["withdrawal", "rupture", "alliance"]
    matrix = pd.DataFrame([[4, 1, 0], [1, 2, 3], [0, 3, 5]], index=pd.Index(keys, name="code"),
                          columns=keys)
    fig = cooccurrence_figure(matrix, CODEBOOK)
    z = np.array(fig.data[0].z, dtype=float)
    assert np.isnan(np.diag(z)).all()
    assert z[1, 2] == 3 and z[2, 1] == 3
    assert f'color:{COLOURS["withdrawal"]}' in fig.layout.xaxis.ticktext[0]
    assert "&lt;script&gt;" in fig.layout.yaxis.ticktext[1]
    full = cooccurrence_figure(matrix, CODEBOOK, hide_diagonal=False)
    assert np.array(full.data[0].z, dtype=float)[0, 0] == 4


def test_sunburst_themes_codes_and_subcodes() -> None:
    freq = pd.DataFrame({"code": ["withdrawal", "bond", "alliance"], "segments": [3, 2, 1]})
    trace = sunburst_figure(freq, CODEBOOK).data[0]
    parent = dict(zip(trace.ids, trace.parents, strict=True))
    assert parent["theme:barriers"] == ""
    assert parent["code:withdrawal"] == "theme:barriers"
    assert parent["code:bond"] == "code:alliance"              # sub-code under its parent
    colour = dict(zip(trace.ids, trace.marker.colors, strict=True))
    assert colour["theme:facilitators"] == "#0000aa" and colour["code:bond"] == "#98df8a"
    value = dict(zip(trace.ids, trace.values, strict=True))
    assert (value["code:withdrawal"], value["code:rupture"], value["code:bond"]) == (3, 0, 2)
    assert trace.branchvalues == "remainder"


def _moments() -> pd.DataFrame:
    return pd.DataFrame({
        "dyad": ["D1", "D1", "D1", "D2"], "session": [3, 3, 3, 3],
        "recalled_by": ["both", "client", "therapist", "both"],
        "client_time": [10.0, 60.0, np.nan, 5.0], "therapist_time": [12.0, np.nan, 90.0, 5.0],
        "client_codes": [("withdrawal",), ("withdrawal", "rupture"), (), ()],
        "therapist_codes": [("rupture",), (), (), ("bond",)],
        "client_text": ["I went quiet <b>", "x", "", "y"],
        "therapist_text": ["strain", "", "nothing coded", "z"],
    })


def test_timeline_lanes_colours_and_links() -> None:
    fig = timeline_figure(_moments(), CODEBOOK, dyad="D1", session=3)
    traces = {t.name: t for t in fig.data}
    assert set(traces) == {"same moment", "Withdrawal", "&lt;script&gt;alert(1)&lt;/script&gt;",
                           "no code"}
    link = traces["same moment"]
    assert list(link.x) == [10.0, 12.0, None] and list(link.y) == [1.0, 0.0, None]
    withdrawal = traces["Withdrawal"]
    assert withdrawal.marker.color == COLOURS["withdrawal"]
    assert list(withdrawal.x) == [10.0, 60.0]
    assert all(y >= 1.0 for y in withdrawal.y)                 # client lane
    rupture = traces["&lt;script&gt;alert(1)&lt;/script&gt;"]
    assert rupture.marker.color == COLOURS["rupture"]
    assert sorted(rupture.x) == [12.0, 60.0]
    lanes = {x: y for x, y in zip(rupture.x, rupture.y, strict=True)}
    assert lanes[12.0] == 0.0 and lanes[60.0] > 1.0            # therapist lane; stacked above
    assert list(traces["no code"].x) == [90.0]
    assert traces["no code"].marker.color == UNKNOWN_COLOUR
    assert "&lt;b&gt;" in withdrawal.text[0]
    assert list(fig.layout.yaxis.ticktext) == ["therapist", "client"]


def test_concordance_figure_drops_undefined() -> None:
    table = pd.DataFrame({"code": ["withdrawal", "rupture"], "both": [1, 0],
                          "client_only": [1, 0], "therapist_only": [0, 0],
                          "positive_agreement": [2 / 3, math.nan]})
    bar = concordance_figure(table, CODEBOOK).data[0]
    assert list(bar.y) == ["Withdrawal"]
    assert list(bar.marker.color) == [COLOURS["withdrawal"]]
    assert bar.x[0] == pytest.approx(2 / 3)


def test_figures_from_demo_project(sqlite_demo: Project) -> None:
    codebook = sqlite_demo.codebook
    codings = sqlite_demo.segment_codings()
    colours = code_colours(codebook)
    fig = frequency_figure(frequencies(codings, ["perspective", "outcome_group"],
                                       codebook=codebook), codebook)
    assert {t.marker.color for t in fig.data} <= set(colours.values())
    moments = align_moments(sqlite_demo.segments(), codings, codebook=codebook)
    timeline = timeline_figure(moments, codebook, dyad="D1", session=3)
    links = [x for x in timeline.data[0].x if x is not None]
    assert len(links) == 2 * 4                                 # four shared moments in D1
    heat = cooccurrence_figure(cooccurrence(codings, codebook=codebook), codebook)
    assert len(heat.data[0].x) == len(codebook.codes)
    concordance = concordance_figure(perspective_concordance(moments, codebook=codebook),
                                     codebook)
    assert all(c in colours.values() for c in concordance.data[0].marker.color)
