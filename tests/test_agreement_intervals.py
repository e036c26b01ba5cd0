"""Bootstrap intervals and interpretation labels.

The bootstrap draws each replicate as one multinomial tally over the distinct rating
rows. Two checks pin that down: a replicate computed from tallies equals the coefficient
recomputed on the explicitly resampled units (to 1e-9, for every coefficient), and the
percentiles agree with a naive unit-resampling bootstrap up to Monte Carlo error.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.analysis import (
    COEFFICIENTS,
    LEVELS,
    ReliabilityData,
    bootstrap_ci,
    compute,
    interpret,
    krippendorff_alpha,
    krippendorff_label,
    landis_koch_label,
)
from workbench.analysis._engine import compress
from workbench.analysis._requests import prepare
from workbench.errors import AgreementInputError


def _noisy(n_units: int, n_coders: int, q: int, noise: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, q, n_units)
    arr = np.repeat(truth[:, None], n_coders, axis=1).astype(float)
    flip = rng.random(arr.shape) < noise
    arr[flip] = rng.integers(0, q, flip.sum())
    arr[rng.random(arr.shape) < 0.1] = np.nan
    return arr


DATA = _noisy(80, 3, 4, 0.3, seed=1)


def test_same_seed_same_interval_and_other_seed_differs() -> None:
    first = bootstrap_ci(DATA, n_boot=500, seed=7)
    again = bootstrap_ci(DATA, n_boot=500, seed=7)
    other = bootstrap_ci(DATA, n_boot=500, seed=8)
    assert (first.low, first.high) == (again.low, again.high)
    assert (first.low, first.high) != (other.low, other.high)
    assert first.low < first.estimate < first.high
    assert first.estimate == pytest.approx(krippendorff_alpha(DATA).value)
    assert first.seed == 7 and first.n_boot == 500 and first.confidence == 0.95
    assert "resampling units" in first.method


@pytest.mark.parametrize("coefficient", COEFFICIENTS)
def test_every_coefficient_bootstraps(coefficient: str) -> None:
    data = DATA[:, :2] if coefficient in ("cohen_kappa", "scott_pi") else DATA
    ci = bootstrap_ci(data, coefficient, n_boot=200)
    assert ci.estimate == pytest.approx(compute(data, coefficient).value)
    assert ci.low <= ci.high and ci.n_undefined == 0


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_levels_bootstrap(level: str) -> None:
    data = DATA + 1  # ratio needs positive values
    ci = bootstrap_ci(data, level=level, n_boot=200)
    assert ci.low <= ci.estimate <= ci.high


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(COEFFICIENTS))
def test_tallied_replicate_equals_recomputation_on_resampled_units(seed: int,
                                                                    name: str) -> None:
    data = DATA[:, :2] if name in ("cohen_kappa", "scott_pi") else DATA
    rd = ReliabilityData.from_array(data)
    prep = prepare(rd, name)
    rng = np.random.default_rng(seed)
    index = rng.integers(0, rd.n_units, rd.n_units)
    # tally the resampled units by their rating row, as the bootstrap does
    _, inverse = compress(rd.codes, rd.n_categories)
    tally = np.bincount(inverse[index], minlength=len(prep.patterns.counts)).astype(float)
    stats = prep.kernel.stats(prep.patterns.rows)
    replicate = prep.kernel.finish(tally[None, :] @ stats).value[0]
    resampled = ReliabilityData.from_array(data[index], categories=rd.categories)
    direct = compute(resampled, name).value
    if math.isnan(direct):
        assert math.isnan(replicate)
    else:
        assert replicate == pytest.approx(direct, abs=1e-9)


def test_percentiles_match_a_naive_bootstrap() -> None:
    data = _noisy(60, 3, 3, 0.35, seed=3)
    ours = bootstrap_ci(data, n_boot=2000, seed=11)
    rng = np.random.default_rng(12)
    naive = [krippendorff_alpha(data[rng.integers(0, 60, 60)]).value for _ in range(2000)]
    low, high = np.nanquantile(naive, [0.025, 0.975])
    assert ours.low == pytest.approx(low, abs=0.03)
    assert ours.high == pytest.approx(high, abs=0.03)


def test_undefined_replicates_are_counted_and_left_out() -> None:
    # one unit in 40 carries all the variation: many resamples have one category only
    data = np.zeros((40, 2))
    data[0] = [1, 1]
    ci = bootstrap_ci(data, n_boot=300, seed=0)
    assert 0 < ci.n_undefined < 300
    assert ci.low <= ci.high
    constant = bootstrap_ci(np.zeros((10, 2)), n_boot=100)
    assert constant.n_undefined == 100
    assert math.isnan(constant.low) and math.isnan(constant.high)
    assert math.isnan(constant.estimate)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_boot": 10}, "n_boot must be an integer of at least 100"),
    ({"n_boot": 500.0}, "n_boot must be an integer"),
    ({"confidence": 95}, "confidence must lie strictly between 0.5 and 1"),
    ({"confidence": 0.4}, "confidence must lie strictly between 0.5 and 1"),
    ({"seed": "abc"}, "seed must be an integer"),
    ({"level": "circular"}, "Unknown level"),
])
def test_bad_bootstrap_options(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(AgreementInputError, match=message):
        bootstrap_ci(DATA, **kwargs)


@pytest.mark.parametrize(("value", "label"), [
    (1.0, "reliable"), (0.800, "reliable"), (0.7999, "tentative"), (0.667, "tentative"),
    (0.6669, "unreliable"), (-0.2, "unreliable"), (math.nan, "undefined"),
])
def test_krippendorff_label(value: float, label: str) -> None:
    assert krippendorff_label(value) == label


@pytest.mark.parametrize(("value", "label"), [
    (-0.01, "poor"), (0.0, "slight"), (0.20, "slight"), (0.21, "fair"), (0.40, "fair"),
    (0.41, "moderate"), (0.60, "moderate"), (0.61, "substantial"), (0.80, "substantial"),
    (0.81, "almost perfect"), (1.0, "almost perfect"), (math.nan, "undefined"),
])
def test_landis_koch_label(value: float, label: str) -> None:
    assert landis_koch_label(value) == label


def test_interpret_picks_the_convention() -> None:
    assert interpret("krippendorff_alpha", 0.7) == "tentative"
    assert interpret("fleiss_kappa", 0.7) == "substantial"
    assert interpret("gwet_ac", 0.1) == "slight"
    assert interpret("percent_agreement", 0.9) == "n/a"
    assert interpret("percent_agreement", math.nan) == "undefined"
