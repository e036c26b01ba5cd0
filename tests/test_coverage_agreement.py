"""Agreement with coverage: missing decisions handled per coefficient, idle coders dropped."""

from __future__ import annotations

import warnings

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from workbench.analysis.agreement_tables import (
    code_agreement_table,
    coder_agreement_matrix,
    overall_agreement,
)
from workbench.analysis.presence import build_presence
from workbench.errors import AgreementInputError

CODERS = ["ana", "ben", "cy", "dan"]
DOCS = ["A", "B", "C"]
PER_DOC = 12


def _data(seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    segments = pd.DataFrame({
        "segment_id": np.arange(1, 1 + PER_DOC * len(DOCS)),
        "document": np.repeat(DOCS, PER_DOC),
        "segment_index": np.tile(np.arange(PER_DOC), len(DOCS)),
    })
    truth = rng.random(len(segments)) < 0.4
    decisions = np.stack([truth ^ (rng.random(len(segments)) < 0.2) for _ in CODERS], axis=1)
    rows = [(int(segments.segment_id[u]), CODERS[c], "x")
            for u in range(len(segments)) for c in range(len(CODERS)) if decisions[u, c]]
    codings = pd.DataFrame(rows, columns=["segment_id", "coder", "code"])
    return segments, codings, decisions


# ana and ben did everything; cy did A and B; dan has B in progress (reached segment 4)
# and did C.
COVERAGE = pd.DataFrame(
    [(c, d, "done", None) for c in ("ana", "ben") for d in DOCS]
    + [("cy", "A", "done", 11), ("cy", "B", "done", 11), ("cy", "C", "not_started", None),
       ("dan", "B", "in_progress", 4), ("dan", "C", "done", 11)],
    columns=["coder", "document", "status", "furthest_idx"])


def _mask(rule: str) -> np.ndarray:
    doc = np.repeat(DOCS, PER_DOC)
    idx = np.tile(np.arange(PER_DOC), len(DOCS))
    dan_b = (doc == "B") & (idx <= 4) if rule == "up_to_last" else np.zeros(len(doc), bool)
    return np.stack([np.ones(len(doc), bool), np.ones(len(doc), bool), doc != "C",
                     (doc == "C") | dan_b], axis=1)


@pytest.mark.parametrize("rule", ["exclude", "up_to_last"])
def test_each_coefficient_uses_its_units_and_matches_references(rule: str) -> None:
    segments, codings, decisions = _data()
    mask = _mask(rule)
    table = code_agreement_table(segments, codings, CODERS, ["x"], coverage=COVERAGE,
                                 in_progress=rule, pairwise_kappa=True, n_boot=0)
    row = table.iloc[0]
    data = np.where(mask, decisions.astype(float), np.nan)
    # alpha: every pairable value, as the krippendorff package computes it with NaNs
    assert row["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(data.T, level_of_measurement="nominal"), abs=1e-12)
    assert row["n_units_krippendorff_alpha"] == int((mask.sum(axis=1) >= 2).sum())
    # pairwise kappas: units both coders covered
    kappas = []
    for a in range(4):
        for b in range(a + 1, 4):
            both = mask[:, a] & mask[:, b]
            name = f"{CODERS[a]}|{CODERS[b]}"
            assert row[f"n_units[{name}]"] == int(both.sum())
            if both.sum() == 0:
                assert np.isnan(row[f"cohen_kappa[{name}]"])
                continue
            ref = cohen_kappa_score(decisions[both, a], decisions[both, b])
            assert row[f"cohen_kappa[{name}]"] == pytest.approx(ref, abs=1e-12)
            kappas.append(ref)
    assert row["cohen_kappa_mean"] == pytest.approx(np.mean(kappas), abs=1e-12)
    # complete-data coefficients: units all four covered
    complete = mask.all(axis=1)
    assert row["n_units_fleiss_kappa"] == int(complete.sum())
    assert row["n_units_percent_agreement"] == int(complete.sum())
    if complete.any():
        ref = sm_fleiss_kappa(aggregate_raters(decisions[complete].astype(int), n_cat=2)[0])
        assert row["fleiss_kappa"] == pytest.approx(ref, abs=1e-12)
    else:
        assert np.isnan(row["fleiss_kappa"]) and np.isnan(row["percent_agreement"])
    assert table.attrs["coverage"].startswith("a coder counts on documents marked done")


def test_in_progress_rule_changes_only_the_in_progress_document() -> None:
    segments, codings, _ = _data()
    excl = build_presence(segments, codings, CODERS, ["x"], coverage=COVERAGE)
    upto = build_presence(segments, codings, CODERS, ["x"], coverage=COVERAGE,
                          in_progress="up_to_last")
    assert (excl.covered == _mask("exclude")).all()
    assert (upto.covered == _mask("up_to_last")).all()
    with pytest.raises(AgreementInputError, match="in_progress"):
        build_presence(segments, codings, CODERS, ["x"], coverage=COVERAGE, in_progress="all")


def test_without_coverage_nothing_is_missing() -> None:
    segments, codings, decisions = _data()
    table = code_agreement_table(segments, codings, CODERS, ["x"], n_boot=0)
    assert table.iloc[0]["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(decisions.T.astype(float), level_of_measurement="nominal"))
    assert table.iloc[0]["n_units_fleiss_kappa"] == len(segments)


def test_an_idle_coder_is_named_and_changes_nothing() -> None:
    segments, codings, _ = _data()
    base = code_agreement_table(segments, codings, CODERS, ["x"], coverage=COVERAGE, n_boot=200)
    with pytest.warns(UserWarning, match=r"idle coder\(s\) \['eve'\]"):
        more = code_agreement_table(segments, codings, [*CODERS, "eve"], ["x"],
                                    coverage=COVERAGE, n_boot=200)
    pd.testing.assert_frame_equal(base, more)
    assert more.attrs["dropped_coders"] == ["eve"]
    with pytest.warns(UserWarning, match="eve"):
        overall = overall_agreement(segments, codings, [*CODERS, "eve"], ["x"],
                                    coverage=COVERAGE, n_boot=0)
    assert overall.iloc[0]["krippendorff_alpha"] == pytest.approx(
        base.iloc[0]["krippendorff_alpha"])
    with pytest.raises(AgreementInputError, match="at least 2 coders"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code_agreement_table(segments, codings, ["cy", "eve"], ["x"],
                                 coverage=COVERAGE, filters={"document": "C"})


def test_a_trainee_changes_nothing_where_they_did_not_code() -> None:
    segments, codings, _ = _data()
    trainee = [(int(s), "tia", "x") for s in segments.segment_id[:15:2]]  # A, up to 14
    with_trainee = pd.concat([codings, pd.DataFrame(trainee, columns=codings.columns)])
    coverage = pd.concat([COVERAGE, pd.DataFrame([("tia", "A", "in_progress", 7)],
                                                 columns=COVERAGE.columns)])
    for rule in ("exclude", "up_to_last"):
        base = code_agreement_table(segments, codings, CODERS, ["x"], coverage=COVERAGE,
                                    in_progress=rule, filters={"document": ["B", "C"]},
                                    n_boot=200)
        with pytest.warns(UserWarning, match="tia"):
            more = code_agreement_table(segments, with_trainee, [*CODERS, "tia"], ["x"],
                                        coverage=coverage, in_progress=rule,
                                        filters={"document": ["B", "C"]}, n_boot=200)
        pd.testing.assert_frame_equal(base, more)
    # in progress left out (the default): tia changes nothing anywhere
    base = code_agreement_table(segments, codings, CODERS, ["x"], coverage=COVERAGE, n_boot=0)
    with pytest.warns(UserWarning, match="tia"):
        more = code_agreement_table(segments, with_trainee, [*CODERS, "tia"], ["x"],
                                    coverage=coverage, n_boot=0)
    pd.testing.assert_frame_equal(base, more)
    # counted up to the last segment reached: tia's 8 units of A count, and only those
    whole = code_agreement_table(segments, with_trainee, [*CODERS, "tia"], ["x"],
                                 coverage=coverage, in_progress="up_to_last",
                                 pairwise_kappa=True, n_boot=0)
    assert whole.iloc[0]["n_units[ana|tia]"] == 8
    assert whole.iloc[0]["krippendorff_alpha"] != base.iloc[0]["krippendorff_alpha"]


def test_coder_matrix_pairs_on_units_both_covered() -> None:
    segments, codings, decisions = _data()
    matrix = coder_agreement_matrix(segments, codings, CODERS, ["x"], coverage=COVERAGE)
    mask = _mask("exclude")
    both = mask[:, 0] & mask[:, 2]
    assert matrix.loc["ana", "cy"] == pytest.approx(
        cohen_kappa_score(decisions[both, 0], decisions[both, 2]))
    assert np.isnan(matrix.loc["cy", "dan"])  # no unit in common


def test_one_category_reasons_are_true_for_each_coefficient() -> None:
    from workbench.analysis.coefficients import compute
    from workbench.analysis.reliability_data import ReliabilityData

    rd = ReliabilityData.from_array(np.ones((6, 3)), categories=[0, 1])
    for name in ("gwet_ac", "brennan_prediger"):
        result = compute(rd, name)
        assert np.isnan(result.value)
        assert "chance agreement is 1" not in (result.undefined_reason or ""), name
        assert "formula gives 1" in (result.undefined_reason or ""), name
    fleiss = compute(rd, "fleiss_kappa")
    assert "chance agreement is 1" in (fleiss.undefined_reason or "")
    segments, codings, _ = _data()
    table = code_agreement_table(segments, codings, CODERS, ["x", "never"], n_boot=0)
    reason = table.set_index("code").loc["never", "undefined_reason"]
    assert "fleiss_kappa: only one category occurs in the data: chance agreement is 1" in reason
    assert "gwet_ac1, brennan_prediger: only one category" in reason
    assert "formula gives 1" in reason
