"""Dual perspective: recall stops, greedy alignment within the tolerance, concordance."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench import Project
from workbench.analysis.dual_perspective import (
    DEFAULT_TOLERANCE,
    align_moments,
    perspective_concordance,
    perspective_crosstab,
    recall_stops,
)
from workbench.errors import SummaryInputError
from workbench.model import Code, Codebook, Theme

CODEBOOK = Codebook(
    name="test",
    themes=(Theme("t", "T"),),
    codes=tuple(Code(k, k.title(), "t", "d", "#000000")
                for k in ("withdrawal", "rupture", "repair", "empathy")),
)


def make_segments(stops: dict[tuple[str, int, str], list[float]]) -> pd.DataFrame:
    """Segments: per (dyad, session, perspective) and stop time, a question and an answer."""
    rows = []
    seg_id = 0
    for (dyad, session, perspective), times in stops.items():
        document = f"{dyad}_S{session}_{perspective}"
        for k, time in enumerate(times):
            for role, text in (("interviewer", "What happened?"),
                               ("participant", f"{perspective} at {time:g}.")):
                seg_id += 1
                rows.append({"segment_id": seg_id, "document": document,
                             "segment_index": 2 * k + (role == "participant"),
                             "role": role, "text": text, "video_time": time, "dyad": dyad,
                             "session": session, "perspective": perspective,
                             "outcome_group": "good"})
    return pd.DataFrame(rows)


def codings_at(segments: pd.DataFrame, codes: dict[tuple[str, float], list[str]]) -> pd.DataFrame:
    """Codings of the participant segment at (document, time)."""
    rows = []
    for (document, time), keys in codes.items():
        seg = segments[(segments.document == document) & (segments.video_time == time)
                       & (segments.role == "participant")].iloc[0]
        rows += [{**seg.to_dict(), "code": key, "coder": "ana"} for key in keys]
    return pd.DataFrame(rows)


STOPS = {("D1", 3, "client"): [10.0, 100.0, 300.0],
         ("D1", 3, "therapist"): [13.0, 95.0, 104.0, 500.0]}


def test_recall_stops_one_row_per_marker() -> None:
    segments = make_segments(STOPS)
    codings = codings_at(segments, {("D1_S3_client", 100.0): ["rupture", "withdrawal"]})
    stops = recall_stops(segments, codings, codebook=CODEBOOK)
    assert len(stops) == 7
    client = stops[stops.perspective == "client"]
    assert client["stop"].tolist() == [1, 2, 3]
    assert client["video_time"].tolist() == [10.0, 100.0, 300.0]
    assert client["segments"].tolist() == [2, 2, 2]
    assert client["text"].tolist() == ["client at 10.", "client at 100.", "client at 300."]
    assert client["codes"].tolist() == [(), ("withdrawal", "rupture"), ()]  # codebook order


def test_greedy_nearest_alignment_by_hand() -> None:
    # client 10/100/300, therapist 13/95/104/500: candidates within 10 s are (10, 13) gap 3,
    # (100, 104) gap 4 and (100, 95) gap 5; nearest first, so 95 stays therapist-only.
    moments = align_moments(make_segments(STOPS), tolerance=10)
    assert moments["recalled_by"].tolist() == ["both", "therapist", "both", "client",
                                               "therapist"]
    assert moments["moment"].tolist() == [1, 2, 3, 4, 5]
    both = moments[moments.recalled_by == "both"]
    assert both[["client_time", "therapist_time", "gap"]].to_numpy().tolist() == [
        [10.0, 13.0, 3.0], [100.0, 104.0, 4.0]]
    assert both["video_time"].tolist() == [11.5, 102.0]
    lone = moments[moments.recalled_by == "therapist"]
    assert lone["therapist_time"].tolist() == [95.0, 500.0]
    assert lone["client_time"].isna().all() and lone["gap"].isna().all()
    assert lone["client_codes"].tolist() == [(), ()]


def test_each_stop_is_used_once() -> None:
    stops = {("D1", 3, "client"): [100.0, 110.0], ("D1", 3, "therapist"): [105.0]}
    moments = align_moments(make_segments(stops))
    assert moments["recalled_by"].tolist() == ["both", "client"]
    assert moments.iloc[0][["client_time", "therapist_time"]].tolist() == [100.0, 105.0]
    assert DEFAULT_TOLERANCE == 10.0


def test_tolerance_bounds_and_groups() -> None:
    stops = {("D1", 3, "client"): [10.0], ("D1", 3, "therapist"): [20.0],
             ("D1", 5, "client"): [10.0], ("D2", 3, "therapist"): [10.0]}
    segments = make_segments(stops)
    at_ten = align_moments(segments, tolerance=10)
    assert (at_ten.recalled_by == "both").sum() == 1          # |gap| == tolerance counts
    shared = at_ten[at_ten.recalled_by == "both"].iloc[0]
    assert (shared.dyad, shared.session) == ("D1", 3)         # never across dyads or sessions
    assert (align_moments(segments, tolerance=9.9).recalled_by == "both").sum() == 0
    with pytest.raises(SummaryInputError, match="tolerance"):
        align_moments(segments, tolerance=-1)


def test_codes_per_side_on_shared_moments() -> None:
    segments = make_segments(STOPS)
    codings = codings_at(segments, {("D1_S3_client", 100.0): ["withdrawal"],
                                    ("D1_S3_therapist", 104.0): ["rupture", "repair"],
                                    ("D1_S3_therapist", 95.0): ["empathy"]})
    moments = align_moments(segments, codings, codebook=CODEBOOK)
    row = moments[moments.client_time == 100.0].iloc[0]
    assert row.client_codes == ("withdrawal",)
    assert row.therapist_codes == ("rupture", "repair")
    assert row.client_text == "client at 100." and row.therapist_text == "therapist at 104."
    assert moments[moments.therapist_time == 95.0].iloc[0].therapist_codes == ("empathy",)


def _moments(pairs: list[tuple[tuple[str, ...], tuple[str, ...]]]) -> pd.DataFrame:
    return pd.DataFrame({"recalled_by": ["both"] * len(pairs) + ["client"],
                         "client_codes": [c for c, _ in pairs] + [("empathy",)],
                         "therapist_codes": [t for _, t in pairs] + [()]})


def test_concordance_by_hand() -> None:
    moments = _moments([(("withdrawal",), ("rupture",)),
                        (("withdrawal", "repair"), ("repair",)),
                        ((), ("withdrawal",))])
    table = perspective_concordance(moments, codebook=CODEBOOK).set_index("code")
    assert table.loc["withdrawal", ["moments", "both", "client_only", "therapist_only",
                                    "neither"]].tolist() == [3, 0, 2, 1, 0]
    assert table.loc["withdrawal", "jaccard"] == 0.0
    assert table.loc["repair", ["both", "neither"]].tolist() == [1, 2]
    assert table.loc["repair", "jaccard"] == 1.0
    assert table.loc["repair", "positive_agreement"] == 1.0
    assert table.loc["rupture", ["therapist_only", "positive_agreement"]].tolist() == [1, 0.0]
    # empathy occurs only at a one-sided moment: undefined at shared moments (0/0)
    assert math.isnan(table.loc["empathy", "jaccard"])
    assert math.isnan(table.loc["empathy", "positive_agreement"])


def test_concordance_formulas_on_random_moments() -> None:
    rng = np.random.default_rng(5)
    keys = list(CODEBOOK.keys)
    pairs = [(tuple(k for k in keys if rng.random() < 0.4), tuple(k for k in keys
                                                                   if rng.random() < 0.4))
             for _ in range(40)]
    table = perspective_concordance(_moments(pairs), codebook=CODEBOOK).set_index("code")
    for key in keys:
        c = np.array([key in p[0] for p in pairs])
        t = np.array([key in p[1] for p in pairs])
        both, c_only, t_only = (c & t).sum(), (c & ~t).sum(), (~c & t).sum()
        assert table.loc[key, "both"] == both
        assert table.loc[key, "jaccard"] == pytest.approx(both / (both + c_only + t_only))
        assert table.loc[key, "positive_agreement"] == pytest.approx(
            2 * both / (2 * both + c_only + t_only))


def test_crosstab_by_hand() -> None:
    moments = _moments([(("withdrawal",), ("rupture",)),
                        (("withdrawal", "repair"), ("repair",))])
    table = perspective_crosstab(moments, codebook=CODEBOOK)
    assert table.index.name == "client_code" and table.columns.name == "therapist_code"
    assert table.loc["withdrawal", "rupture"] == 1
    assert table.loc["withdrawal", "repair"] == 1
    assert table.loc["repair", "repair"] == 1
    assert table.to_numpy().sum() == 3


def test_input_errors() -> None:
    with pytest.raises(SummaryInputError, match="no column"):
        recall_stops(pd.DataFrame({"document": []}))
    with pytest.raises(SummaryInputError, match="align_moments"):
        perspective_concordance(pd.DataFrame({"recalled_by": []}))


def test_demo_project_moments(sqlite_demo: Project) -> None:
    moments = align_moments(sqlite_demo.segments(), sqlite_demo.segment_codings(),
                            codebook=sqlite_demo.codebook)
    shared = moments[moments.recalled_by == "both"]
    # the demo's stops 2-5 s apart pair up (4 per dyad); 00:15:40 vs 00:18:20 do not
    assert len(shared) == 8
    assert shared["gap"].abs().max() <= 5
    assert set(moments.loc[moments.recalled_by != "both", "video_time"]) == {940.0, 1100.0}
