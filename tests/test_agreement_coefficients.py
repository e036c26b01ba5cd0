"""Agreement coefficients: cross-checked against reference libraries and published values.

Reference libraries (all to 1e-9 on hypothesis-generated data, missing ratings included
where the library supports them):

- ``krippendorff.alpha`` (fast-krippendorff): alpha, all four levels, missing data.
- ``irrCAC.raw.CAC`` (Gwet's formulas): AC1/AC2, Fleiss (Gwet's missing-data version),
  Brennan-Prediger, Conger, Krippendorff (nominal), percent agreement ``pa``; weighted
  with linear and quadratic weights (categories 1..q, so irrCAC's value-based weights
  equal our position-based ones).
- ``statsmodels.stats.inter_rater``: ``fleiss_kappa`` (complete data) and
  ``cohens_kappa`` (contingency table; unweighted, linear, quadratic).
- ``sklearn.metrics.cohen_kappa_score`` (unweighted, linear, quadratic).
- NLTK ``AnnotationTask``: ``alpha`` (nominal and interval distance, missing data),
  ``pi`` (= Fleiss on complete data), ``kappa`` (= mean pairwise Cohen), ``S``
  (= Brennan-Prediger with the observed categories).

Published examples are cited at each test.
"""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Callable
from itertools import combinations
from typing import Any

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from irrCAC.raw import CAC
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import interval_distance
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from workbench.analysis import (
    COEFFICIENTS,
    LEVELS,
    AgreementResult,
    ReliabilityData,
    as_reliability_data,
    brennan_prediger,
    cohens_kappa,
    compute,
    conger_kappa,
    fleiss_kappa,
    gwet_ac,
    krippendorff_alpha,
    mean_pairwise_cohens_kappa,
    pairwise_cohens_kappa,
    percent_agreement,
    scotts_pi,
)
from workbench.errors import AgreementInputError

TOL = 1e-9
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@st.composite
def ratings(draw: st.DrawFn, *, missing: bool = True, max_coders: int = 5,
            min_coders: int = 2, max_units: int = 25) -> tuple[np.ndarray, int]:
    """(array of shape (n_units, n_coders) with values 1..q and NaN, q)."""
    q = draw(st.integers(2, 5))
    c = draw(st.integers(min_coders, max_coders))
    n = draw(st.integers(2, max_units))
    low = -1 if missing else 0
    cells = draw(st.lists(st.integers(low, q - 1), min_size=n * c, max_size=n * c))
    arr = np.array(cells, dtype=float).reshape(n, c) + 1.0
    arr[arr == 0] = np.nan
    return arr, q


def _rd(arr: np.ndarray, q: int) -> ReliabilityData:
    return ReliabilityData.from_array(arr, categories=list(range(1, q + 1)))


def _cac(arr: np.ndarray, q: int, weights: str = "identity") -> CAC:
    frame = pd.DataFrame(arr, columns=[f"r{i}" for i in range(arr.shape[1])])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # irrCAC's own SettingWithCopyWarning
        return CAC(frame, weights=weights, categories=list(range(1, q + 1)), digits=15)


def _irr(cac: CAC, method: str) -> tuple[float, float]:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        est = getattr(cac, method)()["est"]
    return float(est["coefficient_value"]), float(est["pa"])


# -- reference libraries ------------------------------------------------------------------
@FAST
@given(ratings())
def test_alpha_matches_krippendorff_package_at_every_level(data: tuple[np.ndarray, int]) -> None:
    arr, q = data
    rd = _rd(arr, q)
    for level in LEVELS:
        ours = krippendorff_alpha(rd, level)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ref = krippendorff.alpha(arr.T, level_of_measurement=level,
                                         value_domain=np.arange(1, q + 1))
            except ValueError:  # krippendorff >= 0.9 raises when no unit is pairable
                ref = math.nan
        if ours.is_defined:
            assert ours.value == pytest.approx(ref, abs=TOL), level
        else:
            assert not np.isfinite(ref), (level, ref)
            assert math.isnan(ours.value)


@SLOW
@given(ratings(), st.sampled_from(["identity", "linear", "quadratic"]))
def test_kappa_family_matches_irrcac(data: tuple[np.ndarray, int], weights: str) -> None:
    arr, q = data
    rated = (~np.isnan(arr)).sum(axis=1)
    assume((rated >= 2).any() and (rated >= 1).sum() >= 2)
    rd = _rd(arr, q)
    ours_w = "unweighted" if weights == "identity" else weights
    assume(fleiss_kappa(rd, ours_w).is_defined)  # irrCAC divides by zero otherwise
    cac = _cac(arr, q, weights)
    checks = {"gwet": gwet_ac, "fleiss": fleiss_kappa, "bp": brennan_prediger}
    for method, func in checks.items():
        result = func(rd, ours_w)
        ref, ref_pa = _irr(cac, method)
        assert result.observed == pytest.approx(ref_pa, abs=TOL)
        if result.is_defined:
            assert result.value == pytest.approx(ref, abs=TOL), method
    assert percent_agreement(rd, ours_w).value == pytest.approx(_irr(cac, "gwet")[1], abs=TOL)


@SLOW
@given(ratings())
def test_conger_and_alpha_match_irrcac(data: tuple[np.ndarray, int]) -> None:
    arr, q = data
    rated = (~np.isnan(arr)).sum(axis=1)
    assume((rated >= 2).sum() >= 2 and (~np.isnan(arr)).any(axis=0).all())
    rd = _rd(arr, q)
    assume(fleiss_kappa(rd).is_defined)  # irrCAC divides by zero otherwise
    cac = _cac(arr, q)
    conger = conger_kappa(rd)
    if conger.is_defined:
        assert conger.value == pytest.approx(_irr(cac, "conger")[0], abs=TOL)
    alpha = krippendorff_alpha(rd)
    if alpha.is_defined:
        assert alpha.value == pytest.approx(_irr(cac, "krippendorff")[0], abs=TOL)


@FAST
@given(ratings(missing=False))
def test_fleiss_matches_statsmodels_on_complete_data(data: tuple[np.ndarray, int]) -> None:
    arr, q = data
    ours = fleiss_kappa(_rd(arr, q))
    assume(ours.is_defined)
    table, _ = aggregate_raters(arr.astype(int), n_cat=q + 1)
    assert ours.value == pytest.approx(sm_fleiss_kappa(table), abs=TOL)


@FAST
@given(ratings(max_coders=2), st.sampled_from([None, "linear", "quadratic"]))
def test_cohen_matches_sklearn_and_statsmodels(data: tuple[np.ndarray, int],
                                              weights: str | None) -> None:
    arr, q = data
    both = ~np.isnan(arr).any(axis=1)
    ours = cohens_kappa(_rd(arr, q), weights or "unweighted")
    assume(ours.is_defined)
    a, b = arr[both, 0].astype(int), arr[both, 1].astype(int)
    labels = list(range(1, q + 1))
    assert ours.value == pytest.approx(cohen_kappa_score(a, b, labels=labels, weights=weights),
                                       abs=TOL)
    table = np.zeros((q, q))
    np.add.at(table, (a - 1, b - 1), 1)
    ref = sm_cohens_kappa(table, wt=weights, return_results=False)
    assert ours.value == pytest.approx(ref, abs=TOL)
    assert ours.n_units == int(both.sum())


@FAST
@given(ratings(max_coders=2))
def test_scott_pi_is_fleiss_on_the_units_both_coders_rated(data: tuple[np.ndarray, int]) -> None:
    arr, q = data
    pi = scotts_pi(_rd(arr, q))
    assume(pi.is_defined)
    both = arr[~np.isnan(arr).any(axis=1)]
    assert pi.value == pytest.approx(fleiss_kappa(_rd(both, q)).value, abs=TOL)
    task = AnnotationTask([(c, u, int(both[u, c])) for u in range(len(both)) for c in range(2)])
    assert pi.value == pytest.approx(task.pi(), abs=TOL)
    assert pi.n_units == len(both)


def _task(arr: np.ndarray, distance: Callable[[Any, Any], float] | None = None
          ) -> AnnotationTask:
    triples = [(f"c{c}", f"u{u}", int(arr[u, c])) for u in range(arr.shape[0])
               for c in range(arr.shape[1]) if not np.isnan(arr[u, c])]
    return AnnotationTask(triples) if distance is None else AnnotationTask(triples, distance)


@FAST
@given(ratings(missing=False))
def test_nltk_pi_kappa_and_s_on_complete_data(data: tuple[np.ndarray, int]) -> None:
    arr, _ = data
    rd = as_reliability_data(arr)  # categories = observed, as NLTK's label set
    task = _task(arr)
    fleiss, kappa, bp = fleiss_kappa(rd), mean_pairwise_cohens_kappa(rd), brennan_prediger(rd)
    assume(fleiss.is_defined and bp.is_defined)
    pairs_defined = all(cohens_kappa(rd, coders=p).is_defined
                        for p in combinations(rd.coders, 2))
    assert fleiss.value == pytest.approx(task.pi(), abs=TOL)
    assert bp.value == pytest.approx(task.S(), abs=TOL)
    if pairs_defined:
        assert kappa.value == pytest.approx(task.kappa(), abs=TOL)


@FAST
@given(ratings())
def test_nltk_alpha_nominal_and_interval_with_missing_data(data: tuple[np.ndarray, int]) -> None:
    arr, q = data
    rd = _rd(arr, q)
    nominal, interval = krippendorff_alpha(rd), krippendorff_alpha(rd, "interval")
    assume(nominal.is_defined)
    assert nominal.value == pytest.approx(_task(arr).alpha(), abs=TOL)
    assert interval.value == pytest.approx(_task(arr, interval_distance).alpha(), abs=TOL)


# -- published examples -------------------------------------------------------------------
# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
# Communication, University of Pennsylvania, section C: 4 observers x 12 units with missing
# data (reported to three decimals).
KRIPPENDORFF_2011 = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
    [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
]).T


@pytest.mark.parametrize(("level", "published"), [
    ("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797),
])
def test_krippendorff_2011_example(level: str, published: float) -> None:
    result = krippendorff_alpha(KRIPPENDORFF_2011, level)
    assert round(result.value, 3) == published
    assert result.n_units == 11  # unit 12 has a single value and is not pairable


def test_krippendorff_example_with_ordered_labels() -> None:
    # The same example with text labels in order (as fast-krippendorff's doctest does).
    names = ["very low", "low", "mid", "high", "very high"]
    labels = np.where(np.isnan(KRIPPENDORFF_2011), None,
                      np.array(names, dtype=object)[np.nan_to_num(KRIPPENDORFF_2011).astype(int) - 1])
    rd = ReliabilityData.from_array(labels, categories=names)
    assert round(krippendorff_alpha(rd, "ordinal").value, 3) == 0.815
    assert round(krippendorff_alpha(as_reliability_data(labels)).value, 3) == 0.743


# Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed.; values as printed by
# Gwet's own R package irrCAC (README, "Computing agreement coefficients from raw ratings",
# data set cac.raw4raters = the Krippendorff example above with unit 12 moved to rater 3).
RAW4RATERS = pd.DataFrame({
    "Rater1": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "Rater2": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, None],
    "Rater3": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    "Rater4": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}, dtype=float)


@pytest.mark.parametrize(("func", "value", "digits", "pe"), [
    (percent_agreement, 0.8181818, 7, None),
    (gwet_ac, 0.77544, 5, 0.1903212),
    (fleiss_kappa, 0.76117, 5, 0.2387153),
    (krippendorff_alpha, 0.74342, 5, None),
    (conger_kappa, 0.76282, 5, 0.2334252),
    (brennan_prediger, 0.77273, 5, 0.2),
])
def test_gwet_raw4raters(func: Callable[[Any], AgreementResult], value: float, digits: int,
                         pe: float | None) -> None:
    result = func(RAW4RATERS)
    assert round(result.value, digits) == pytest.approx(value, abs=10 ** -(digits + 1))
    if pe is not None:
        assert round(result.expected, 7) == pytest.approx(pe, abs=1e-8)


def _from_table(table: list[list[int]]) -> np.ndarray:
    """Two coders' ratings from a contingency table (rows: coder 1, columns: coder 2)."""
    pairs = [(i, j) for i, row in enumerate(table) for j, n in enumerate(row) for _ in range(n)]
    return np.array(pairs, dtype=float)


def _from_distribution(dist: list[list[int]]) -> np.ndarray:
    """Units x raters from counts of raters per category (raters are interchangeable)."""
    return np.array([[k for k, n in enumerate(row) for _ in range(n)] for row in dist], float)


# Gwet's irrCAC README, data set cont3x3abstractors (2 abstractors, 100 pregnancies).
ABSTRACTORS = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]


@pytest.mark.parametrize(("name", "value"), [
    ("cohen_kappa", 0.7964094), ("scott_pi", 0.7962397), ("gwet_ac", 0.8493305),
    ("brennan_prediger", 0.835), ("krippendorff_alpha", 0.7972585),
    ("percent_agreement", 0.89),
])
def test_gwet_contingency_table_example(name: str, value: float) -> None:
    result = compute(_from_table(ABSTRACTORS), name)
    assert result.value == pytest.approx(value, abs=5e-8)


# Gwet's irrCAC README, data set distrib.6raters (6 psychiatrists classify 15 patients
# into 5 diagnoses; counts of raters per category).
SIX_RATERS = [
    [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1],
]


@pytest.mark.parametrize(("name", "value"), [
    ("gwet_ac", 0.4448007), ("fleiss_kappa", 0.4139265), ("krippendorff_alpha", 0.4204384),
    ("brennan_prediger", 0.4388889), ("percent_agreement", 0.5511111),
])
def test_gwet_six_raters_example(name: str, value: float) -> None:
    result = compute(_from_distribution(SIX_RATERS), name)
    assert result.value == pytest.approx(value, abs=5e-8)


def test_wikipedia_fleiss_example() -> None:
    # Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories,
    # kappa = 0.210.
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
             [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
             [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    result = fleiss_kappa(_from_distribution(table))
    assert round(result.value, 3) == 0.210
    assert result.observed == pytest.approx(0.378, abs=5e-4)  # P-bar in the example
    assert result.expected == pytest.approx(0.213, abs=5e-4)  # P-bar_e in the example


def test_wikipedia_cohen_example() -> None:
    # Wikipedia, "Cohen's kappa", simple example: 50 grant proposals, 20 yes/yes, 5 yes/no,
    # 10 no/yes, 15 no/no: p_o = 0.7, p_e = 0.5, kappa = 0.4.
    result = cohens_kappa(_from_table([[20, 5], [10, 15]]))
    assert (result.value, result.observed, result.expected) == pytest.approx((0.4, 0.7, 0.5))


def test_fast_krippendorff_doctest_example() -> None:
    # The 3 coders x 15 units example of fast-krippendorff's doctest (the Wikipedia
    # "Krippendorff's alpha" computational example): nominal 0.691358, interval 0.810845.
    nan = np.nan
    data = np.array([
        [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
        [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
        [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
    ]).T
    assert round(krippendorff_alpha(data).value, 6) == 0.691358
    assert round(krippendorff_alpha(data, "interval").value, 6) == 0.810845


# -- properties ---------------------------------------------------------------------------
def _all_results(rd: ReliabilityData) -> list[float]:
    out = [krippendorff_alpha(rd, level).value for level in LEVELS]
    out += [compute(rd, name).value for name in COEFFICIENTS
            if name not in ("cohen_kappa", "scott_pi", "krippendorff_alpha")]
    return out


@FAST
@given(ratings(max_coders=4, max_units=15), st.randoms(use_true_random=False))
def test_invariant_under_coder_and_unit_order(data: tuple[np.ndarray, int],
                                              rnd: random.Random) -> None:
    arr, q = data
    units = list(range(arr.shape[0]))
    coders = list(range(arr.shape[1]))
    rnd.shuffle(units)
    rnd.shuffle(coders)
    before = _all_results(_rd(arr, q))
    after = _all_results(_rd(arr[units][:, coders], q))
    np.testing.assert_allclose(after, before, atol=TOL, equal_nan=True)


@FAST
@given(st.lists(st.integers(1, 5), min_size=2, max_size=30), st.integers(2, 5))
def test_identical_coders_agree_perfectly(column: list[int], n_coders: int) -> None:
    assume(len(set(column)) >= 2)
    arr = np.repeat(np.array(column, float)[:, None], n_coders, axis=1)
    rd = as_reliability_data(arr)
    for level in LEVELS:
        assert krippendorff_alpha(rd, level).value == pytest.approx(1.0)
    for name in ("percent_agreement", "fleiss_kappa", "gwet_ac", "brennan_prediger",
                 "conger_kappa", "cohen_kappa_mean"):
        assert compute(rd, name).value == pytest.approx(1.0), name


def test_one_category_throughout_is_nan_with_a_reason() -> None:
    rd = ReliabilityData.from_array(np.ones((6, 3)), categories=[0, 1])
    for name in COEFFICIENTS:
        if name in ("cohen_kappa", "scott_pi"):
            result = compute(rd, name, coders=(0, 1))
        else:
            result = compute(rd, name)
        if name == "percent_agreement":
            assert result.value == 1.0 and result.is_defined
        else:
            assert math.isnan(result.value), name
            assert "only one category" in (result.undefined_reason or ""), name


def test_no_pairable_unit_is_nan_with_a_reason() -> None:
    arr = np.array([[1, np.nan], [np.nan, 2], [3, np.nan]])
    for name in ("krippendorff_alpha", "fleiss_kappa", "gwet_ac", "percent_agreement"):
        result = compute(arr, name)
        assert math.isnan(result.value)
        assert "no unit was rated by at least two coders" in (result.undefined_reason or "")
        assert result.n_units == 0
    assert "no unit in common" in (cohens_kappa(arr).undefined_reason or "")


def test_all_missing_is_undefined_not_an_error() -> None:
    result = krippendorff_alpha(np.full((3, 2), np.nan))
    assert math.isnan(result.value) and result.undefined_reason


def test_pairwise_matrix_and_mean() -> None:
    arr = np.array([[1, 1, 2], [2, 2, 2], [1, 2, 1], [2, 2, 2], [1, 1, 1]], float)
    rd = ReliabilityData.from_array(arr, coders=["ana", "ben", "cy"])
    matrix = pairwise_cohens_kappa(rd)
    assert list(matrix.index) == ["ana", "ben", "cy"]
    assert np.isnan(np.diag(matrix.to_numpy())).all()
    expected = cohen_kappa_score(arr[:, 0], arr[:, 2])
    assert matrix.loc["ana", "cy"] == matrix.loc["cy", "ana"] == pytest.approx(expected)
    upper = matrix.to_numpy()[np.triu_indices(3, 1)]
    assert mean_pairwise_cohens_kappa(rd).value == pytest.approx(upper.mean())


def test_result_carries_definition_and_counts() -> None:
    result = fleiss_kappa(RAW4RATERS)
    assert result.n_units == 11 and result.n_coders == 4
    assert "Gwet (2014)" in result.definition
    assert result.weights == "unweighted" and result.level is None
    assert krippendorff_alpha(RAW4RATERS, "interval").level == "interval"


# -- reliability data ---------------------------------------------------------------------
def test_long_and_wide_frames_give_the_same_data() -> None:
    long = RAW4RATERS.rename_axis("unit").reset_index().melt(
        id_vars="unit", var_name="coder", value_name="value").dropna()
    from_long = ReliabilityData.from_frame(long, unit="unit", coder="coder", value="value")
    from_wide = ReliabilityData.from_frame(RAW4RATERS)
    assert set(from_long.coders) == set(from_wide.coders)
    assert krippendorff_alpha(from_long).value == pytest.approx(
        krippendorff_alpha(from_wide).value)
    assert from_wide.value_counts().shape == (12, 5)


def test_ordered_categorical_column_supplies_the_order() -> None:
    frame = pd.DataFrame({"u": [1, 1, 2, 2, 3, 3], "c": ["a", "b"] * 3,
                          "v": ["low", "mid", "high", "high", "low", "low"]})
    frame["v"] = pd.Categorical(frame["v"], categories=["low", "mid", "high"], ordered=True)
    rd = ReliabilityData.from_frame(frame, unit="u", coder="c", value="v")
    assert rd.categories == ("low", "mid", "high") and rd.ordered
    numeric = np.array([[0, 1], [2, 2], [0, 0]], float)
    assert krippendorff_alpha(rd, "ordinal").value == pytest.approx(
        krippendorff_alpha(numeric, "ordinal").value)


def test_labels_without_order_are_unordered() -> None:
    rd = as_reliability_data([["b", "a"], ["a", None], ["b", "b"]])
    assert rd.categories == ("a", "b") and not rd.ordered and not rd.numeric
    assert rd.codes.tolist() == [[1, 0], [0, -1], [1, 1]]


# -- input errors -------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "message"), [
    ([1, 2, 3], "must be 2-D"),
    ([[1], [2]], "at least 2 coders"),
    (np.zeros((0, 3)), "no units"),
    ([[1, 2], [1]], "different lengths"),
    ([[1, "a"], [2, "b"]], "mixes kinds of values"),
    ([[1.0, np.inf], [2.0, 1.0]], "infinite value"),
    (np.array([[1 + 1j, 2], [1, 1]]), "cannot be read"),
])
def test_bad_arrays(data: object, message: str) -> None:
    with pytest.raises(AgreementInputError, match=message):
        krippendorff_alpha(data)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"categories": [1, 2]}, r"Value 3\.0 \(unit 1, coder 1\) is not among the categories"),
    ({"categories": [1, 1, 3]}, "lists a value twice"),
    ({"categories": ["x", "y"]}, "holds non-numbers"),
    ({"coders": ["a", "a"]}, "names must be unique; 'a' appears twice"),
    ({"units": [1]}, "Got 1 units names for 2 units"),
])
def test_bad_construction_options(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(AgreementInputError, match=message):
        ReliabilityData.from_array([[1, 2], [2, 3]], **kwargs)


def test_label_outside_categories_and_duplicate_labels() -> None:
    with pytest.raises(AgreementInputError, match=r"'c' .* is not among the categories"):
        ReliabilityData.from_array([["a", "c"], ["a", "b"]], categories=["a", "b"])
    with pytest.raises(AgreementInputError, match="lists a label twice"):
        ReliabilityData.from_array([["a", "b"]], categories=["a", "b", "a"])


def test_long_frame_errors() -> None:
    long = pd.DataFrame({"u": [1, 1, 1], "c": ["a", "b", "a"], "v": [1, 2, 2]})
    with pytest.raises(AgreementInputError, match=r"rates 1 \(unit, coder\) pair\(s\) more "
                                                  r"than once, e.g. unit 1 by coder 'a'"):
        ReliabilityData.from_frame(long, unit="u", coder="c", value="v")
    with pytest.raises(AgreementInputError, match="give all of unit=, coder= and value="):
        ReliabilityData.from_frame(long, unit="u")
    with pytest.raises(AgreementInputError, match="has no column 'rating'"):
        ReliabilityData.from_frame(long, unit="u", coder="c", value="rating")
    with pytest.raises(AgreementInputError, match="needs a pandas DataFrame"):
        ReliabilityData.from_frame([[1, 2]])
    with pytest.raises(AgreementInputError, match="Long data has no rows"):
        ReliabilityData.from_frame(long.iloc[:0], unit="u", coder="c", value="v")


def test_direct_construction_is_checked() -> None:
    with pytest.raises(AgreementInputError, match=r"codes must lie in -1\.\.n_categories-1"):
        ReliabilityData(np.array([[0, 5]]), (1.0, 2.0), ("a", "b"), (0,), True, True)
    with pytest.raises(AgreementInputError, match="one unit id per row"):
        ReliabilityData(np.array([[0, 1]]), (1.0, 2.0), ("a", "b"), (0, 1), True, True)
    with pytest.raises(AgreementInputError, match="2-D integer array"):
        ReliabilityData(np.array([0.5, 1.0]), (1.0, 2.0), ("a", "b"), (0,), True, True)
    rd = as_reliability_data([[1, 2]])
    with pytest.raises(AgreementInputError, match="categories= only applies"):
        as_reliability_data(rd, categories=[1, 2])


LABELS = [["low", "high"], ["high", "high"], ["low", "low"]]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: krippendorff_alpha([[1, 2], [2, 2]], "circular"), "Unknown level of measurement"),
    (lambda: krippendorff_alpha(LABELS, "ordinal"), "Ordinal alpha needs ordered categories"),
    (lambda: krippendorff_alpha(LABELS, "interval"), "Interval alpha needs numeric ratings"),
    (lambda: krippendorff_alpha([[-1, 2], [2, 2]], "ratio"), "needs non-negative values"),
    (lambda: fleiss_kappa([[1, 2], [2, 2]], "cubic"), "Unknown weights 'cubic'"),
    (lambda: gwet_ac(LABELS, "linear"), "Linear weights need ordered categories"),
    (lambda: cohens_kappa([[1, 2, 1], [2, 2, 1]]), "compares exactly two coders and this data "
                                                   "has 3; pass coders="),
    (lambda: cohens_kappa([[1, 2, 1]], coders=("x", 0)), "Unknown coder 'x'"),
    (lambda: scotts_pi([[1, 2, 1]], coders=(0, 0)), "must name two different coders"),
    (lambda: compute([[1, 2]], "cronbach"), "Unknown coefficient 'cronbach'"),
    (lambda: compute([[1, 2]], "fleiss_kappa", coders=(0, 1)), "coders= selects the pair"),
    (lambda: ReliabilityData.from_array(LABELS).values, "text labels, which have no numeric"),
    (lambda: pairwise_cohens_kappa([[1, 2]], "cubic"), "Unknown weights"),
])
def test_bad_options(call: Callable[[], object], message: str) -> None:
    with pytest.raises(AgreementInputError, match=message):
        call()
