"""Inter-coder agreement coefficients on units x coders data.

Every function validates its input first (shape, coders, categories, options) and raises
:class:`~workbench.errors.AgreementInputError` with what to do; then it runs a vectorised
kernel over the distinct rating patterns (no loop over units). The result is a frozen
:class:`AgreementResult`. A coefficient that the data cannot define (no unit rated by two
coders, only one category throughout, ...) is ``nan`` with ``undefined_reason`` set: never
an exception, never a silent 1.0.

Definitions with missing ratings follow Gwet (2014), *Handbook of Inter-Rater
Reliability*, 4th ed., and Krippendorff (2011), *Computing Krippendorff's
Alpha-Reliability*; each result carries its definition in ``definition``. Weights
(``"linear"``, ``"quadratic"``) are computed on category *positions* ``0..q-1`` in category
order, as in Cohen (1968) and scikit-learn.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis._engine import REASONS, point_estimate
from workbench.analysis._requests import (
    COEFFICIENTS,
    LEVELS,
    WEIGHTINGS,
    Coefficient,
    Level,
    Prepared,
    Weighting,
    check_weights,
    prepare,
)
from workbench.analysis.reliability_data import as_reliability_data

__all__ = [
    "COEFFICIENTS",
    "DEFINITIONS",
    "LEVELS",
    "WEIGHTINGS",
    "AgreementResult",
    "Coefficient",
    "Level",
    "Weighting",
    "brennan_prediger",
    "cohens_kappa",
    "compute",
    "conger_kappa",
    "fleiss_kappa",
    "gwet_ac",
    "krippendorff_alpha",
    "mean_pairwise_cohens_kappa",
    "pairwise_cohens_kappa",
    "percent_agreement",
    "scotts_pi",
]

DEFINITIONS: dict[str, str] = {
    "percent_agreement": (
        "mean, over units rated by at least two coders, of the share of agreeing coder pairs "
        "in the unit (weighted: the mean agreement weight of the pairs); not chance-corrected"
    ),
    "cohen_kappa": (
        "Cohen (1960; weighted 1968) for two coders over the units both rated: "
        "(p_o - p_e)/(1 - p_e), p_e from each coder's own category proportions"
    ),
    "cohen_kappa_mean": (
        "mean of Cohen's kappa over all coder pairs, each pair over the units both rated "
        "(undefined pairs left out), as NLTK's AnnotationTask.kappa"
    ),
    "scott_pi": (
        "Scott (1955) for two coders over the units both rated: p_e from the pooled "
        "category proportions of the two coders"
    ),
    "fleiss_kappa": (
        "Fleiss (1971), generalised to missing ratings as in Gwet (2014): p_a = mean over "
        "units with >= 2 ratings of the share of agreeing pairs; pi_k = mean over units "
        "with >= 1 rating of the unit's share of ratings in k; p_e = sum w_kl pi_k pi_l"
    ),
    "conger_kappa": (
        "Conger (1980) as in Gwet (2014): Fleiss' p_a; p_e from each coder's own category "
        "proportions, averaged over coder pairs"
    ),
    "gwet_ac": (
        "Gwet's AC1 (2008; AC2 with weights, 2014): p_e = T_w/(q(q-1)) sum pi_k(1 - pi_k) "
        "with q categories and T_w the sum of the weights; p_a, pi_k as for Fleiss"
    ),
    "brennan_prediger": (
        "Brennan & Prediger (1981): p_e = T_w/q**2 (1/q unweighted) with q categories; "
        "p_a as for Fleiss"
    ),
    "krippendorff_alpha": (
        "Krippendorff (2011): 1 - D_o/D_e from the coincidences of pairable values (units "
        "with >= 2 ratings); observed/expected hold the disagreements D_o and D_e"
    ),
}


@dataclass(frozen=True)
class AgreementResult:
    """One agreement coefficient computed on one data set.

    Attributes
    ----------
    coefficient : str
        Name from :data:`COEFFICIENTS` (``"gwet_ac"`` is AC1 unweighted, AC2 weighted).
    value : float
        The coefficient; ``nan`` when undefined (see ``undefined_reason``).
    n_units : int
        Units that entered the comparison: units rated by at least two coders, or by both
        coders for two-coder coefficients.
    n_coders : int
        Coders compared.
    level : str or None
        Level of measurement (alpha only).
    undefined_reason : str or None
        Why ``value`` is ``nan``; ``None`` when it is defined.
    observed, expected : float
        Observed and chance agreement ``p_a``, ``p_e`` (alpha: the disagreements ``D_o``,
        ``D_e``; percent agreement: ``p_a`` and 0).
    weights : str or None
        ``"unweighted"``, ``"linear"`` or ``"quadratic"`` for kappa-type coefficients.
    definition : str
        The definition used, in words (see :data:`DEFINITIONS`).
    """

    coefficient: str
    value: float
    n_units: int
    n_coders: int
    level: str | None = None
    undefined_reason: str | None = None
    observed: float = float("nan")
    expected: float = float("nan")
    weights: str | None = None
    definition: str = ""

    @property
    def is_defined(self) -> bool:
        """Whether :attr:`value` is a number (not ``nan``)."""
        return self.undefined_reason is None


def compute(
    data: Any,
    coefficient: Coefficient,
    *,
    level: Level = "nominal",
    weights: Weighting = "unweighted",
    coders: Sequence[Hashable] | None = None,
) -> AgreementResult:
    """Any coefficient by name (see :data:`COEFFICIENTS`).

    ``level`` applies to Krippendorff's alpha, ``weights`` to the kappa-type coefficients
    and percent agreement, ``coders`` (a pair) to ``cohen_kappa`` and ``scott_pi``.
    """
    prep = prepare(data, coefficient, level=level, weights=weights, coders=coders)
    return _result_from(prep)


def _result_from(prep: Prepared) -> AgreementResult:
    """Run a prepared kernel on all units and wrap the outcome."""
    if prep.patterns.n_categories == 0:
        reason: str | None = REASONS[1]
        value = observed = expected = float("nan")
    else:
        est = point_estimate(prep.kernel, prep.patterns)
        reason = REASONS[int(est.reason[0])]
        value = float(est.value[0])
        observed, expected = float(est.observed[0]), float(est.expected[0])
    return AgreementResult(
        coefficient=prep.coefficient,
        value=value,
        n_units=prep.n_units,
        n_coders=prep.n_coders,
        level=prep.level,
        undefined_reason=reason,
        observed=observed,
        expected=expected,
        weights=prep.weights,
        definition=DEFINITIONS[prep.coefficient],
    )


# -- the coefficients ---------------------------------------------------------------------
def percent_agreement(data: Any, weights: Weighting = "unweighted") -> AgreementResult:
    """Percent agreement: mean share of agreeing coder pairs per unit.

    Parameters
    ----------
    data : ReliabilityData, DataFrame or array_like, shape (n_units, n_coders)
        Ratings; NaN/None = missing.
    weights : {"unweighted", "linear", "quadratic"}
        Partial credit for near agreement (ordered categories only).

    Returns
    -------
    AgreementResult
        ``value`` is the mean, over units rated by at least two coders, of the
        proportion of agreeing coder pairs within the unit (Gwet 2014, ch. 2; with
        complete data and two coders: the share of units with identical ratings).
    """
    return compute(data, "percent_agreement", weights=weights)


def cohens_kappa(
    data: Any, weights: Weighting = "unweighted", *, coders: Sequence[Hashable] | None = None
) -> AgreementResult:
    """Cohen's kappa for two coders (weighted: Cohen 1968), on the units both rated.

    ``coders`` names the pair when the data has more than two coders.
    """
    return compute(data, "cohen_kappa", weights=weights, coders=coders)


def scotts_pi(
    data: Any, weights: Weighting = "unweighted", *, coders: Sequence[Hashable] | None = None
) -> AgreementResult:
    """Scott's pi for two coders, on the units both rated (pooled category proportions)."""
    return compute(data, "scott_pi", weights=weights, coders=coders)


def mean_pairwise_cohens_kappa(data: Any, weights: Weighting = "unweighted") -> AgreementResult:
    """Mean of Cohen's kappa over all coder pairs (undefined pairs left out)."""
    return compute(data, "cohen_kappa_mean", weights=weights)


def fleiss_kappa(data: Any, weights: Weighting = "unweighted") -> AgreementResult:
    """Fleiss' kappa for two or more coders; with missing ratings, Gwet's generalisation.

    With complete data this is Fleiss (1971) (and Scott's pi for two coders). With
    missing ratings, agreement is averaged over units with at least two ratings and the
    category proportions over units with at least one (Gwet 2014, ch. 2); no unit is
    dropped for being incomplete.
    """
    return compute(data, "fleiss_kappa", weights=weights)


def conger_kappa(data: Any, weights: Weighting = "unweighted") -> AgreementResult:
    """Conger's kappa: the multi-coder Cohen's kappa (each coder's own marginals)."""
    return compute(data, "conger_kappa", weights=weights)


def gwet_ac(data: Any, weights: Weighting = "unweighted") -> AgreementResult:
    """Gwet's AC1 (unweighted) or AC2 (weighted), with missing ratings as in Gwet (2014).

    ``q`` is the number of categories of the data (``categories=`` when given, else those
    that occur). ``nan`` when only one category occurs (AC1 would formally be 1 there:
    the data cannot show whether coders tell categories apart).
    """
    return compute(data, "gwet_ac", weights=weights)


def brennan_prediger(data: Any, weights: Weighting = "unweighted") -> AgreementResult:
    """Brennan-Prediger kappa: chance agreement ``1/q`` (``T_w/q**2`` weighted).

    ``nan`` when only one category occurs, as for :func:`gwet_ac`: with the categories
    declared (``q >= 2``) the formula would give 1 there, so the reason says this is a
    convention; with one category in all (``q = 1``) chance agreement is 1 and it is 0/0.
    """
    return compute(data, "brennan_prediger", weights=weights)


def krippendorff_alpha(data: Any, level: Level = "nominal") -> AgreementResult:
    """Krippendorff's alpha for any number of coders, missing ratings allowed.

    Parameters
    ----------
    data : ReliabilityData, DataFrame or array_like, shape (n_units, n_coders)
        Ratings; NaN/None = missing. Units with fewer than two ratings are not pairable
        and do not count.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Level of measurement. Ordinal needs ordered categories (numbers, or labels given
        in order); interval and ratio need numbers; ratio needs non-negative numbers.

    Returns
    -------
    AgreementResult
        ``observed``/``expected`` are the disagreements ``D_o``/``D_e``. ``nan`` when no
        unit has two ratings or only one value occurs (``D_e = 0``).
    """
    return compute(data, "krippendorff_alpha", level=level)


def pairwise_cohens_kappa(data: Any, weights: Weighting = "unweighted") -> pd.DataFrame:
    """Cohen's kappa for every coder pair: a symmetric coders x coders DataFrame.

    The diagonal is ``nan`` (a coder is not compared with themself); undefined pairs are
    ``nan`` too. ``attrs`` records the coefficient and the weights.
    """
    rd = as_reliability_data(data)
    check_weights(rd, weights)
    names = list(rd.coders)
    matrix = pd.DataFrame(np.nan, index=pd.Index(names), columns=pd.Index(names))
    for a, b in combinations(names, 2):
        value = cohens_kappa(rd, weights, coders=(a, b)).value
        matrix.loc[a, b] = matrix.loc[b, a] = value
    matrix.attrs.update(coefficient="cohen_kappa", weights=weights,
                        definition=DEFINITIONS["cohen_kappa"])
    return matrix
