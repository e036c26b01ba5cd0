"""Bootstrap confidence intervals and interpretation labels for agreement coefficients.

The interval is a percentile bootstrap: each replicate draws resampling units with
replacement and recomputes the coefficient. The resampling unit is the rating unit (a
segment) or a **cluster** of units (a document, or a dyad: all its segments at once).

**Which to resample** (``resample="segment" | "document" | "dyad"``; the tables default to
``"document"``). The ordinary bootstrap assumes the resampled units are independent. The
segments of one transcript are not: the same coders read them in one sitting, one
client's way of talking makes a code easy or hard to see for the whole transcript, and
agreement differs from transcript to transcript. Resampling segments one by one then
treats 500 dependent segments as 500 independent pieces of evidence and makes the
interval too narrow. Resampling whole documents (the cluster, or case, bootstrap) keeps
the dependence inside each draw, and is the standard remedy (Davison & Hinkley 1997,
*Bootstrap Methods and their Application*, sec. 3.8; Field & Welsh 2007, "Bootstrapping
clustered data", *JRSS B* 69(3), 369-390); it needs a fair number of documents (with
fewer than about 10 the interval is itself unstable). ``"dyad"`` resamples dyads (all
sessions and perspectives of a client-therapist pair), for when transcripts of one dyad
are dependent too. ``"segment"`` is kept for comparison with tools that resample units.

**Speed.** Every coefficient depends on the data only through sums over units of
statistics of each unit's rating row, so a replicate is computed from how often each
*distinct* row (or each cluster's summed statistics) was drawn, and that tally is a single
multinomial draw (same distribution as drawing units or clusters one by one). So 1,000
replicates cost about as much as 1,000 tiny matrix products, whatever the number of
units. The random stream is a seeded :class:`numpy.random.Generator`: the same seed gives
the same interval.

Labels: Krippendorff (2004/2011) for alpha (>= .800 reliable, .667-.800 tentative, below
unreliable); Landis & Koch (1977) for the kappa-type coefficients (< 0 poor, 0-.20 slight,
.21-.40 fair, .41-.60 moderate, .61-.80 substantial, .81-1 almost perfect; band edges
belong to the lower band, e.g. .20 is slight and .2001 fair). ``nan`` is "undefined".
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from workbench.analysis._engine import (
    FloatArray,
    Kernel,
    cluster_sums,
    compress,
    point_estimate,
    resample,
)
from workbench.analysis._requests import Coefficient, Level, Weighting, prepare
from workbench.analysis.reliability_data import as_reliability_data
from workbench.errors import AgreementInputError

__all__ = [
    "BOOTSTRAP_METHOD",
    "DEFAULT_RESAMPLE",
    "RESAMPLE_CHOICES",
    "ConfidenceInterval",
    "bootstrap_ci",
    "interpret",
    "krippendorff_label",
    "landis_koch_label",
    "resample_method",
]

BOOTSTRAP_METHOD = "percentile bootstrap, resampling units with replacement"
#: What a table interval can resample (:func:`resample_method` says it in words).
RESAMPLE_CHOICES: tuple[str, ...] = ("segment", "document", "dyad")
#: The tables' default: whole documents (units within a transcript are dependent).
DEFAULT_RESAMPLE: Final = "document"


def resample_method(resample: str, unit: str = "segment") -> str:
    """The interval method in words, saying what one resampling draw takes.

    ``unit`` is the rating unit ("segment", "character", or "decision" for the pooled
    overall row, whose rating units are (segment, code) decisions).
    """
    check_resample(resample)
    what = {"segment": "segments", "document": "documents", "dyad": "dyads"}[resample]
    inner = {"character": "characters", "decision": "(segment, code) decisions"}.get(unit)
    if resample != "segment":
        inner = f"segments and their {inner}" if inner else "segments"
    carry = f" (each with all its {inner})" if inner else ""
    return f"percentile bootstrap, resampling {what} with replacement{carry}"


def check_resample(resample: object) -> None:
    """Raise :class:`AgreementInputError` unless ``resample`` is one of the choices."""
    if resample not in RESAMPLE_CHOICES:
        raise AgreementInputError(
            f"resample must be one of {list(RESAMPLE_CHOICES)} (what one bootstrap draw "
            f"takes: a segment, a whole document or a whole dyad); got {resample!r}."
        )


@dataclass(frozen=True)
class ConfidenceInterval:
    """A bootstrap confidence interval for one coefficient.

    Attributes
    ----------
    coefficient : str
        Which coefficient.
    estimate : float
        The coefficient on all units.
    low, high : float
        Percentile bounds; ``nan`` when no replicate was defined.
    confidence : float
        Coverage, e.g. 0.95.
    n_boot : int
        Replicates drawn.
    n_undefined : int
        Replicates whose coefficient was undefined (left out of the percentiles).
    seed : int or None
        Seed of the random generator (``None``: fresh entropy, not reproducible).
    method : str
        How the interval was computed.
    """

    coefficient: str
    estimate: float
    low: float
    high: float
    confidence: float
    n_boot: int
    n_undefined: int
    seed: int | None
    method: str = BOOTSTRAP_METHOD


def bootstrap_ci(
    data: Any,
    coefficient: Coefficient = "krippendorff_alpha",
    *,
    level: Level = "nominal",
    weights: Weighting = "unweighted",
    coders: Sequence[Hashable] | None = None,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int | None = 0,
    clusters: Sequence[Hashable] | None = None,
) -> ConfidenceInterval:
    """Percentile bootstrap interval of a coefficient, resampling units or clusters.

    Parameters
    ----------
    data : ReliabilityData, DataFrame or array_like, shape (n_units, n_coders)
        Ratings; NaN/None = missing.
    coefficient : str
        A name from :data:`~workbench.analysis.coefficients.COEFFICIENTS`.
    level, weights, coders
        As for :func:`~workbench.analysis.coefficients.compute`.
    n_boot : int
        Number of replicates (at least 100).
    confidence : float
        Coverage, strictly between 0.5 and 1.
    seed : int or None
        Seed for :func:`numpy.random.default_rng`; the same seed gives the same interval.
    clusters : sequence, optional
        One label per unit (e.g. its document): each replicate then draws whole clusters
        with replacement (the cluster bootstrap; see the module docstring for why).
        Default: units are resampled one by one.

    Returns
    -------
    ConfidenceInterval
        Percentile bounds over the defined replicates; replicates whose coefficient is
        undefined (e.g. a resample with one category only) are counted in
        ``n_undefined`` and left out.

    Raises
    ------
    AgreementInputError
        Bad data or options (see the coefficient functions), ``n_boot < 100`` or
        ``confidence`` outside (0.5, 1).

    Notes
    -----
    Cost grows with the number of *distinct* rating rows ``U``, not with the number of
    units: each replicate is a ``(U,)`` multinomial tally times a ``(U, k)`` statistics
    matrix (``k = q**2`` for ordinal alpha, about ``q + 3`` otherwise).
    """
    check_bootstrap_options(n_boot, confidence, seed)
    prep = prepare(data, coefficient, level=level, weights=weights, coders=coders)
    patterns = prep.patterns
    if patterns.n_categories == 0:
        return ConfidenceInterval(coefficient, math.nan, math.nan, math.nan, confidence,
                                  n_boot, n_boot, seed)
    estimate = float(point_estimate(prep.kernel, patterns).value[0])
    if clusters is None:
        stats = prep.kernel.stats(patterns.rows)
        counts = patterns.counts
        method = BOOTSTRAP_METHOD
    else:
        rd = as_reliability_data(data)
        labels = list(clusters)
        if len(labels) != rd.n_units:
            raise AgreementInputError(
                f"clusters= needs one label per unit ({rd.n_units}); got {len(labels)}."
            )
        ids, uniq = pd.factorize(pd.Series(labels, dtype=object), use_na_sentinel=False)
        _, inverse = compress(rd.codes, rd.n_categories)
        stats = cluster_sums(prep.kernel, patterns, inverse, np.ones(len(ids)),
                             ids.astype(np.int64), len(uniq))
        counts = np.ones(len(uniq))
        method = "percentile bootstrap, resampling clusters of units with replacement"
    ci = interval_from_stats(prep.kernel, stats, counts, estimate, coefficient=coefficient,
                             n_boot=n_boot, confidence=confidence, seed=seed)
    return dataclasses.replace(ci, method=method)


def interval_from_stats(
    kernel: Kernel,
    stats: FloatArray,
    counts: FloatArray,
    estimate: float,
    *,
    coefficient: str,
    n_boot: int,
    confidence: float,
    seed: int | None,
) -> ConfidenceInterval:
    """Interval from the statistics of distinct resampling units (patterns or clusters).

    ``stats`` has shape (U, k) and ``counts`` shape (U,): how many resampling units share
    each statistics row. Used by the tables for cluster (segment) resampling.
    """
    rng = np.random.default_rng(seed)
    values = resample(kernel, stats, counts, n_boot, rng)
    return interval_from_values(values, estimate, coefficient=coefficient, n_boot=n_boot,
                                confidence=confidence, seed=seed)


def interval_from_values(
    values: FloatArray,
    estimate: float,
    *,
    coefficient: str,
    n_boot: int,
    confidence: float,
    seed: int | None,
) -> ConfidenceInterval:
    """Percentile interval from bootstrap values (``nan`` = undefined replicate)."""
    defined = values[~np.isnan(values)]
    tail = (1.0 - confidence) / 2.0
    if defined.size:
        low, high = np.quantile(defined, [tail, 1.0 - tail])
    else:
        low = high = math.nan
    return ConfidenceInterval(coefficient, estimate, float(low), float(high), confidence,
                              n_boot, int(n_boot - defined.size), seed)


def check_bootstrap_options(n_boot: int, confidence: float, seed: int | None) -> None:
    """Validate bootstrap options (raises :class:`AgreementInputError`)."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 100:
        raise AgreementInputError(
            f"n_boot must be an integer of at least 100 (1000 or more for reporting); "
            f"got {n_boot!r}."
        )
    if not isinstance(confidence, float | int) or not 0.5 < float(confidence) < 1.0:
        raise AgreementInputError(
            f"confidence must lie strictly between 0.5 and 1 (e.g. 0.95); got {confidence!r}."
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise AgreementInputError(
            f"seed must be an integer (reproducible) or None (fresh entropy); got {seed!r}."
        )


# -- labels -------------------------------------------------------------------------------
def krippendorff_label(alpha: float) -> str:
    """Krippendorff's reading of alpha: "reliable", "tentative", "unreliable" or "undefined".

    alpha >= .800 reliable; .667 <= alpha < .800 tentative (only for tentative
    conclusions); below .667 unreliable; ``nan`` undefined.
    """
    if alpha is None or math.isnan(alpha):
        return "undefined"
    if alpha >= 0.800:
        return "reliable"
    if alpha >= 0.667:
        return "tentative"
    return "unreliable"


def landis_koch_label(kappa: float) -> str:
    """Landis & Koch (1977) band of a kappa-type coefficient.

    < 0 poor; [0, .20] slight; (.20, .40] fair; (.40, .60] moderate; (.60, .80]
    substantial; (.80, 1] almost perfect; ``nan`` undefined.
    """
    if kappa is None or math.isnan(kappa):
        return "undefined"
    if kappa < 0:
        return "poor"
    for upper, label in ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"),
                         (0.80, "substantial")):
        if kappa <= upper:
            return label
    return "almost perfect"


def interpret(coefficient: str, value: float) -> str:
    """The conventional label for a coefficient's value.

    Krippendorff's bands for ``"krippendorff_alpha"``; Landis & Koch for the kappa-type
    coefficients; ``"n/a"`` for percent agreement (no chance correction, no bands).
    """
    if coefficient == "krippendorff_alpha":
        return krippendorff_label(value)
    if coefficient == "percent_agreement":
        return "undefined" if value is None or math.isnan(value) else "n/a"
    return landis_koch_label(value)
