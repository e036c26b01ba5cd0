"""The review page's pieces without a browser: the timeline chooser, tables for reading
(clock times, code names) and the Voila config that culls idle kernels (issue 13, point 8).
The page itself is checked in Chromium by ``tests/browser/test_themes_browser.py``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from workbench import (
    Project,
    TimelineExplorer,
    align_moments,
    format_clock,
    moments_table,
    timeline_explorer,
)
from workbench.errors import SummaryInputError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def moments(sqlite_demo: Project) -> pd.DataFrame:
    return align_moments(sqlite_demo.segments(), sqlite_demo.segment_codings(),
                         codebook=sqlite_demo.codebook)


@pytest.mark.parametrize(("seconds", "shown"), [
    (0.0, "00:00"), (59.4, "00:59"), (59.6, "01:00"), (202.0, "03:22"), (3599.0, "59:59"),
    (3600.0, "1:00:00"), (3725.4, "1:02:05"), (None, ""), (math.nan, ""),
])
def test_format_clock(seconds: float | None, shown: str) -> None:
    assert format_clock(seconds) == shown


def test_moments_table_shows_clock_times_and_code_names(sqlite_demo: Project,
                                                        moments: pd.DataFrame) -> None:
    codebook = sqlite_demo.codebook
    names = {code.key: code.name for code in codebook.codes}
    table = moments_table(moments, codebook)
    assert list(table.columns) == list(moments.columns)
    assert moments["video_time"].dtype == float  # the analysis frame is left as it was
    for (_, row), (_, shown) in zip(moments.iterrows(), table.iterrows(), strict=True):
        assert shown["video_time"] == format_clock(row["video_time"])
        assert shown["client_time"] == format_clock(row["client_time"])
        expected = ", ".join(names[c] for c in row["client_codes"]) or "—"
        assert shown["client_codes"] == expected
        assert shown["gap"] == row["gap"] or (math.isnan(shown["gap"]) and math.isnan(row["gap"]))
    some = moments_table(moments, codebook, ["dyad", "therapist_codes"])
    assert list(some.columns) == ["dyad", "therapist_codes"]
    with pytest.raises(KeyError):
        moments_table(moments, codebook, ["no_such_column"])


def test_timeline_chooser_lists_every_dyad_and_session(sqlite_demo: Project,
                                                       moments: pd.DataFrame) -> None:
    chooser = TimelineExplorer(moments, sqlite_demo.codebook)
    pairs = sorted({(str(d), int(s)) for d, s in zip(moments.dyad, moments.session,
                                                     strict=True)})
    assert [choice for _, choice in chooser.options()] == pairs
    both = moments[moments.recalled_by == "both"]
    first_shared = min((str(d), int(s)) for d, s in zip(both.dyad, both.session, strict=True))
    assert chooser.choice == first_shared
    for label, (dyad, session) in chooser.options():
        chooser.choose(dyad, session)
        rows = moments[(moments.dyad == dyad) & (moments.session == session)]
        client, therapist = rows.client_time.notna().sum(), rows.therapist_time.notna().sum()
        assert f"({client} client / {therapist} therapist stops)" in label
        figure = chooser.figure()
        assert f"dyad {dyad}, session {session}" in figure.layout.title.text
        shown = sorted(x for trace in figure.data if trace.name != "same moment"
                       for x in trace.x)
        stops = sorted({*rows.client_time.dropna(), *rows.therapist_time.dropna()})
        assert sorted(set(shown)) == stops
    chooser.choose(pairs[0][0], str(pairs[0][1]))  # a session given as text works too
    assert chooser.choice == pairs[0]


def test_timeline_chooser_refuses_what_has_no_stops(sqlite_demo: Project,
                                                    moments: pd.DataFrame) -> None:
    chooser = TimelineExplorer(moments, sqlite_demo.codebook)
    before = chooser.choice
    with pytest.raises(SummaryInputError, match="D99 session 1 has no recall stops; choose"):
        chooser.choose("D99", 1)
    with pytest.raises(SummaryInputError, match="no recall stops"):
        chooser.choose(before[0], "three")
    assert chooser.choice == before
    with pytest.raises(SummaryInputError, match="pass wb.align_moments"):
        TimelineExplorer(moments.drop(columns="client_codes"), sqlite_demo.codebook)
    with pytest.raises(SummaryInputError, match="no recall stops to show"):
        TimelineExplorer(moments.iloc[:0], sqlite_demo.codebook)


def test_timeline_view_dropdown_redraws(sqlite_demo: Project, moments: pd.DataFrame) -> None:
    view = timeline_explorer(moments, sqlite_demo.codebook)
    options = [value for _, value in view.dropdown.options]
    assert view.dropdown.value == view.controller.choice
    target = options[-1]
    view.dropdown.value = target
    assert view.controller.choice == target
    title = view.figure_out.outputs[0]["data"]["text/plain"]
    assert f"dyad {target[0]}, session {target[1]}" in title
    assert not view.errors.outputs


def test_review_config_culls_idle_kernels() -> None:
    """`make review` reads this config (JUPYTER_CONFIG_PATH); the browser test sees Voila
    cull a closed page's kernel with the same settings given on the command line."""
    config = json.loads((ROOT / "share/jupyter/config/voila.json").read_text())
    culling = config["MappingKernelManager"]
    assert culling["cull_idle_timeout"] > 0 and culling["cull_interval"] > 0
    assert culling["cull_connected"] is False  # an open page keeps its kernel
    assert config["VoilaConfiguration"]["progressive_rendering"] is True
    makefile = (ROOT / "Makefile").read_text()
    assert "JUPYTER_CONFIG_PATH=$(abspath share/jupyter/config)" in makefile
