"""Calibrating a coder against the settled consensus of a training set (issue 13, point 5)."""

from __future__ import annotations

from collections.abc import Iterator

import krippendorff
import numpy as np
import pandas as pd
import pytest
from consensus_data import PANEL, A, B, C, D, build
from sklearn.metrics import cohen_kappa_score

import workbench as wb
from workbench.errors import CalibrationError
from workbench.project import Project


@pytest.fixture
def team(backend_url: str) -> Iterator[Project]:
    project = build(backend_url)
    yield project
    project.close()


def _vectors(project: Project, docs: list[str], codings: pd.DataFrame, code: str) -> np.ndarray:
    """Presence per participant segment of ``docs`` (a coding touching it counts)."""
    segments = project.segments(document=docs, role="participant")
    ours = codings[codings["code"] == code]
    out = []
    for seg in segments.itertuples():
        here = ours[ours["document"] == seg.document]
        out.append(bool(((here["start"] < seg.end) & (here["end"] > seg.start)).any()))
    return np.asarray(out, int)


def test_matches_sklearn_and_krippendorff_on_the_same_presence_vectors(team: Project):
    table = wb.calibration(team, "nina", n_boot=200, seed=3)
    assert table.attrs["documents"] == [A, B]
    assert set(table.attrs["left_out"]) == {C, D}
    assert "open item" in table.attrs["left_out"][C]
    assert "did not code it" in table.attrs["left_out"][D]
    assert table.attrs["consensus_of"] == PANEL  # every registered coder but nina
    layer = team.codings(source="consensus", coder=PANEL)
    layer = layer[layer["document"].isin([A, B])]
    mine = team.codings(coder="nina")
    mine = mine[mine["document"].isin([A, B])]
    checked = 0
    for row in table.itertuples():
        a, b = _vectors(team, [A, B], mine, row.code), _vectors(team, [A, B], layer, row.code)
        assert (row.both, row.only_coder, row.only_consensus, row.neither) == (
            int((a & b).sum()), int((a & ~b & 1).sum()), int((~a & 1 & b).sum()),
            int(((1 - a) & (1 - b)).sum()))
        assert row.n_units == len(a) == 20
        assert row.percent_agreement == pytest.approx((a == b).mean())
        alpha = krippendorff.alpha(reliability_data=np.vstack([a, b]),
                                   level_of_measurement="nominal")
        assert row.krippendorff_alpha == pytest.approx(alpha)
        if a.any() or b.any():
            assert row.cohen_kappa == pytest.approx(cohen_kappa_score(a, b))
            checked += 1
        for low, high, value in ((row.alpha_ci_low, row.alpha_ci_high, row.krippendorff_alpha),
                                 (row.kappa_ci_low, row.kappa_ci_high, row.cohen_kappa)):
            if np.isfinite(low):
                assert -1.0 <= low <= high <= 1.0
    assert checked == 5
    anxiety = table.set_index("code").loc["anxiety"]
    assert anxiety["krippendorff_alpha"] == pytest.approx(1.0)
    withdrawal = table.set_index("code").loc["withdrawal"]
    assert withdrawal["krippendorff_alpha"] < 0.5


def test_caption_says_what_it_was_computed_on_and_the_seed_fixes_the_interval(team: Project):
    one = wb.calibration(team, "nina", n_boot=200, seed=3)
    two = wb.calibration(team, "nina", n_boot=200, seed=3)
    pd.testing.assert_frame_equal(one, two)
    caption = one.attrs["caption"]
    for part in ("nina", "maria and tom", "3 decisions", "5 unanimous", A, B,
                 f"{C} (1 open item", "participant", "any", "seed 3", "200 replicates",
                 "whole documents"):
        assert part in caption, part
    # the bootstrap resamples whole documents: with two training documents each bound is
    # the alpha of one of the three possible draws (A+A, B+B, A+B)
    layer = team.codings(source="consensus", coder=PANEL)
    mine = team.codings(coder="nina")
    for code in ("withdrawal", "repair", "empathy"):
        draws = []
        for docs in ([A, A], [B, B], [A, B]):
            a = np.concatenate([_vectors(team, [d], mine, code) for d in docs])
            b = np.concatenate([_vectors(team, [d], layer, code) for d in docs])
            draws.append(krippendorff.alpha(reliability_data=np.vstack([a, b]),
                                            level_of_measurement="nominal")
                         if (a.any() or b.any()) and not (a == b).all() else 1.0)
        row = one.set_index("code").loc[code]
        assert min(abs(row["alpha_ci_low"] - v) for v in draws) < 1e-9, (code, draws)
        assert min(abs(row["alpha_ci_high"] - v) for v in draws) < 1e-9, (code, draws)


def test_a_coder_who_copies_the_consensus_gets_one(team: Project):
    team.add_coder("cleo")
    layer = team.codings(source="consensus", coder=PANEL)
    for row in layer[layer["document"].isin([A, B])].itertuples():
        team.apply_range(row.document, int(row.start), int(row.end), row.code, "cleo")
    table = wb.calibration(team, "cleo", consensus_of=PANEL, n_boot=100)
    present = table[(table["both"] > 0)]
    assert set(present["code"]) == {"anxiety", "withdrawal", "rupture", "repair", "empathy"}
    assert (present["krippendorff_alpha"] == 1.0).all()
    assert (present["cohen_kappa"] == 1.0).all()
    assert (table["only_coder"] == 0).all() and (table["only_consensus"] == 0).all()
    assert wb.calibration_differences(team, "cleo", consensus_of=PANEL).empty


def test_documents_without_a_settled_consensus_are_refused(team: Project):
    with pytest.raises(CalibrationError, match="open item.*project.decide"):
        wb.calibration(team, "nina", documents=[C])
    with pytest.raises(CalibrationError, match="did not code it"):
        wb.calibration(team, "nina", documents=[A, D])
    with pytest.raises(CalibrationError, match="did you mean"):
        wb.calibration(team, "nina", documents=["D1_S3_clien"])
    with pytest.raises(CalibrationError, match="not registered"):
        wb.calibration(team, "nobody")
    with pytest.raises(CalibrationError, match="against="):
        wb.calibration(team, "nina", against="maria")


def test_a_coder_with_no_training_document_is_refused(team: Project):
    team.add_coder("zoe")
    team.apply_range(D, 110, 137, "anxiety", "zoe")
    with pytest.raises(CalibrationError, match="no document has a settled consensus"):
        wb.calibration(team, "zoe", consensus_of=PANEL)


def test_differences_list_the_passages_where_coder_and_consensus_differ(team: Project):
    table = wb.calibration(team, "nina", n_boot=0)
    diff = wb.calibration_differences(team, "nina")
    assert len(diff) == int((table["only_coder"] + table["only_consensus"]).sum())
    got = {(r.document, r.code, r.applied_by) for r in diff.itertuples()}
    assert (A, "withdrawal", "nina") in got and (A, "withdrawal", "consensus") in got
    assert (A, "rupture", "consensus") in got and (A, "empathy", "nina") in got
    assert C not in set(diff["document"])


def test_training_view_shows_table_charts_and_differences(team: Project):
    view = wb.calibration_view(team, "nina", n_boot=100)
    html = " ".join(getattr(child, "value", "") for child in view.children)
    assert "nina against the consensus of maria and tom" in html
    assert "withdrawal" in html and "Where nina and the consensus differ" in html
    figures = [child for child in view.children if getattr(child, "outputs", None)]
    assert len(figures) == 2


def test_items_with_many_coders_count_every_vote():
    from workbench.analysis.consensus import consensus_items

    names = [f"c{i:02d}" for i in range(70)]  # more coders than bits in an int64
    rows = [(f"u{i}", "doc", "anxiety", name, 10, 20) for i, name in enumerate(names)]
    rows += [(f"v{i}", "doc", "anxiety", name, 50, 60 + i % 2) for i, name in enumerate(names[:40])]
    codings = pd.DataFrame(rows, columns=["coding_uuid", "document", "code", "coder", "start",
                                          "end"])
    items = consensus_items(codings, {"doc": names})
    assert items["status"].tolist() == ["unanimous", "open"]
    assert items["votes"].tolist() == ["70 of 70", "40 of 70"]
    assert items["not_applied_by"].iat[1] == tuple(names[40:])
    assert items["majority"].tolist() == ["applied", "applied"]
