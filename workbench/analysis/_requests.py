"""Private: validate a coefficient request and build its kernel.

Shared by :mod:`.coefficients` (point estimates) and :mod:`.intervals` (bootstrap), so a
request is checked the same way wherever it is made.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Literal, get_args

from workbench.analysis._engine import Kernel, Patterns, agreement_weights
from workbench.analysis._kernels import (
    Alpha,
    Conger,
    MeanOf,
    MultiRater,
    PercentAgreement,
    TwoCoders,
    alpha_distances,
)
from workbench.analysis.reliability_data import ReliabilityData, as_reliability_data
from workbench.errors import AgreementInputError

Level = Literal["nominal", "ordinal", "interval", "ratio"]
Weighting = Literal["unweighted", "linear", "quadratic"]
Coefficient = Literal[
    "percent_agreement", "cohen_kappa", "cohen_kappa_mean", "scott_pi", "fleiss_kappa",
    "conger_kappa", "gwet_ac", "brennan_prediger", "krippendorff_alpha",
]
LEVELS: tuple[str, ...] = get_args(Level)
WEIGHTINGS: tuple[str, ...] = get_args(Weighting)
COEFFICIENTS: tuple[str, ...] = get_args(Coefficient)

@dataclass(frozen=True)
class Prepared:
    """A validated coefficient request: kernel, patterns and what the result reports."""

    coefficient: str
    kernel: Kernel
    patterns: Patterns
    n_units: int
    n_coders: int
    level: str | None
    weights: str | None


def prepare(
    data: Any,
    coefficient: str,
    *,
    level: str = "nominal",
    weights: str = "unweighted",
    coders: Sequence[Hashable] | None = None,
) -> Prepared:
    """Validate a request and build its kernel (shared with :mod:`.intervals`)."""
    if coefficient not in COEFFICIENTS:
        raise AgreementInputError(
            f"Unknown coefficient {coefficient!r}; choose one of {list(COEFFICIENTS)}."
        )
    rd = as_reliability_data(data)
    patterns = rd.patterns
    q = rd.n_categories
    if coefficient == "krippendorff_alpha":
        _check_level(rd, level)
        values = rd.values if level in ("interval", "ratio") else None
        kernel: Kernel = Alpha(q, alpha_distances(level, values, q))
        return Prepared(coefficient, kernel, patterns, _rated_by(patterns, 2), rd.n_coders,
                        level, None)
    check_weights(rd, weights)
    w = agreement_weights(weights, q)
    if coefficient in ("cohen_kappa", "scott_pi"):
        a, b = _two_coders(rd, coders, coefficient)
        kernel = TwoCoders(w, a, b, scott=coefficient == "scott_pi")
        return Prepared(coefficient, kernel, patterns, _rated_by(patterns.select([a, b]), 2),
                        2, None, weights)
    if coders is not None:
        raise AgreementInputError(
            f"coders= selects the pair for cohen_kappa and scott_pi only; for {coefficient} "
            "select coders with ReliabilityData.select_coders()."
        )
    if coefficient == "cohen_kappa_mean":
        pairs = list(combinations(range(rd.n_coders), 2))
        parts = tuple(TwoCoders(w, a, b) for a, b in pairs)
        kernel = MeanOf(parts, tuple(2 + 2 * q for _ in pairs))
    elif coefficient == "percent_agreement":
        kernel = PercentAgreement(w)
    elif coefficient == "conger_kappa":
        kernel = Conger(w, rd.n_coders)
    else:
        kind = {"fleiss_kappa": "fleiss", "gwet_ac": "gwet", "brennan_prediger": "bp"}
        kernel = MultiRater(w, kind[coefficient])
    return Prepared(coefficient, kernel, patterns, _rated_by(patterns, 2), rd.n_coders,
                    None, weights)


def _check_level(rd: ReliabilityData, level: str) -> None:
    if level not in LEVELS:
        raise AgreementInputError(
            f"Unknown level of measurement {level!r}; choose one of {list(LEVELS)}."
        )
    if level == "ordinal" and not rd.ordered:
        raise AgreementInputError(
            f"Ordinal alpha needs ordered categories, but the labels {list(rd.categories)[:6]} "
            "have no order; build the data with categories=[...] listed in order."
        )
    if level in ("interval", "ratio") and not rd.numeric:
        raise AgreementInputError(
            f"{level.capitalize()} alpha needs numeric ratings, but these are text labels; "
            "pass numbers, or use level='ordinal' with ordered categories."
        )
    if level == "ratio" and rd.n_categories and min(rd.categories) < 0:
        raise AgreementInputError(
            "Ratio alpha needs non-negative values (a ratio scale has a true zero); use "
            "level='interval' for data with negative values."
        )


def check_weights(rd: ReliabilityData, weights: str) -> None:
    if weights not in WEIGHTINGS:
        raise AgreementInputError(
            f"Unknown weights {weights!r}; choose one of {list(WEIGHTINGS)}."
        )
    if weights != "unweighted" and not rd.ordered:
        raise AgreementInputError(
            f"{weights.capitalize()} weights need ordered categories, but the labels "
            f"{list(rd.categories)[:6]} have no order; build the data with categories=[...] "
            "in order, or use weights='unweighted'."
        )


def _two_coders(
    rd: ReliabilityData, coders: Sequence[Hashable] | None, coefficient: str
) -> tuple[int, int]:
    if coders is None:
        if rd.n_coders != 2:
            raise AgreementInputError(
                f"{coefficient} compares exactly two coders and this data has {rd.n_coders}; "
                "pass coders=(first, second), or use mean_pairwise_cohens_kappa, "
                "fleiss_kappa or conger_kappa for more coders."
            )
        return 0, 1
    pair = list(coders)
    if len(pair) != 2 or pair[0] == pair[1]:
        raise AgreementInputError(
            f"coders= must name two different coders; got {pair!r}."
        )
    return rd.coder_index(pair[0]), rd.coder_index(pair[1])


def _rated_by(patterns: Patterns, minimum: int) -> int:
    """Units with at least ``minimum`` ratings (all coders of ``patterns``)."""
    rated = (patterns.rows >= 0).sum(axis=1) >= minimum
    return round(float(patterns.counts[rated].sum()))
