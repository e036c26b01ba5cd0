"""Agreement tables from project DataFrames: per code, per theme, overall, coder x coder.

The DataFrame-in functions (:func:`code_agreement_table`, :func:`theme_agreement_table`,
:func:`overall_agreement`, :func:`coder_agreement_matrix`) take the ``segments`` and
``codings`` DataFrames, the coders and the codes, build the presence/absence decisions
with :func:`~workbench.analysis.presence.build_presence` (see there for units, filters,
roles and ``include_uncoded``) and return a DataFrame. :func:`presence_agreement_table`
does the same from a ready :class:`~workbench.analysis.presence.Presence`.

Per code, the decisions "did coder c apply code k to unit u" form units x coders nominal
data with categories absent (0) and present (1). Per theme, the decision is "did coder c
apply *any* code of the theme". **Overall** pools all (unit, code) decisions: every pair
of a unit and a code is one unit of analysis, so the overall alpha weighs each code by
its number of units and is dominated by absences when codes are rare. Its interval
resamples segments (each segment carries all its decisions).

**Missing data** (coders who did not cover every unit; see ``coverage=`` in
:func:`~workbench.analysis.presence.build_presence`) is handled per coefficient, as the
literature does: Krippendorff's alpha uses every pairable value (units that at least two
covering coders rated); each Cohen's kappa uses the units both coders of its pair covered
(``cohen_kappa_mean`` averages them); percent agreement, Fleiss' kappa, Gwet's AC1 and
Brennan-Prediger use only the units every chosen coder covered (complete cases). The
``n_units_<coefficient>`` columns say how many units each used.

Every table has ``attrs`` with the unit ("segment" or "character"), ``n_units``, the
coders, ``include_uncoded``, the filters and roles, the percent-agreement definition and
the interval settings; ``n_units`` and ``n_coders`` are also columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench.analysis._engine import (
    REASONS,
    DecisionKeys,
    Estimate,
    Kernel,
    Patterns,
    dedupe,
    plain_tally,
    point_estimate,
)
from workbench.analysis._kernels import Alpha, MeanOf, MultiRater, PercentAgreement, TwoCoders
from workbench.analysis.coefficients import DEFINITIONS
from workbench.analysis.intervals import (
    DEFAULT_RESAMPLE,
    check_bootstrap_options,
    check_resample,
    interval_from_stats,
    interval_from_values,
    krippendorff_label,
    landis_koch_label,
    resample_method,
)
from workbench.analysis.presence import InProgressRule, Presence, UnitKind, build_presence
from workbench.errors import AgreementInputError
from workbench.model import OverlapRule

__all__ = [
    "TABLE_COEFFICIENTS",
    "code_agreement_table",
    "coder_agreement_matrix",
    "overall_agreement",
    "presence_agreement_table",
    "theme_agreement_table",
]

#: Columns (coefficients) of the agreement tables; ``ci_for`` picks one of them.
TABLE_COEFFICIENTS: tuple[str, ...] = (
    "percent_agreement", "krippendorff_alpha", "cohen_kappa_mean", "fleiss_kappa",
    "gwet_ac1", "brennan_prediger",
)
Resample = Literal["segment", "document", "dyad"]
MatrixCoefficient = Literal["cohen_kappa", "krippendorff_alpha", "percent_agreement"]
_IDENTITY = np.eye(2)
#: Which units each table coefficient uses when some decisions are missing.
UNITS_USED: dict[str, str] = {
    "percent_agreement": "complete", "krippendorff_alpha": "pairable",
    "cohen_kappa_mean": "pairable", "fleiss_kappa": "complete", "gwet_ac1": "complete",
    "brennan_prediger": "complete",
}


@dataclass(frozen=True)
class CompleteCases:
    """A kernel restricted to units every coder rated (rows without a missing rating)."""

    inner: Kernel

    def stats(self, rows: np.ndarray) -> np.ndarray:
        complete = (rows >= 0).all(axis=1) if rows.shape[1] else np.ones(len(rows), bool)
        return self.inner.stats(rows) * complete[:, None]

    def finish(self, sums: np.ndarray) -> Estimate:
        return self.inner.finish(sums)


def _kernels(n_coders: int) -> dict[str, Kernel]:
    pairs = list(combinations(range(n_coders), 2))
    return {
        "percent_agreement": CompleteCases(PercentAgreement(_IDENTITY)),
        "krippendorff_alpha": Alpha(2, 1.0 - _IDENTITY),
        "cohen_kappa_mean": MeanOf(tuple(TwoCoders(_IDENTITY, a, b) for a, b in pairs),
                                   tuple(6 for _ in pairs)),
        "fleiss_kappa": CompleteCases(MultiRater(_IDENTITY, "fleiss")),
        "gwet_ac1": CompleteCases(MultiRater(_IDENTITY, "gwet")),
        "brennan_prediger": CompleteCases(MultiRater(_IDENTITY, "bp")),
    }


def _units_columns(presence: Presence, pairwise: bool) -> dict[str, int]:
    used = presence.units_used()
    out = {f"n_units_{name}": used[kind] for name, kind in UNITS_USED.items()}
    if pairwise:
        out.update({f"n_units[{pair}]": n for pair, n in used["pairs"].items()})
    return out


def presence_agreement_table(
    presence: Presence,
    *,
    by: Literal["code", "theme"] = "code",
    themes: Mapping[str, str] | None = None,
    pairwise_kappa: bool = False,
    ci_for: str = "krippendorff_alpha",
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int | None = 0,
    resample: Resample = DEFAULT_RESAMPLE,
) -> pd.DataFrame:
    """Agreement per code (or per theme) from ready presence decisions.

    Parameters
    ----------
    presence : Presence
        Decisions, shape (n_units, n_coders, n_codes).
    by : {"code", "theme"}
        One row per code, or per theme (presence of any code of the theme).
    themes : mapping, optional
        Code -> theme; required for ``by="theme"``, adds a ``theme`` column otherwise.
    pairwise_kappa : bool
        Add one ``cohen_kappa[a|b]`` column per coder pair.
    ci_for : str
        Coefficient (from :data:`TABLE_COEFFICIENTS`) that gets ``ci_low``/``ci_high``.
    n_boot : int
        Bootstrap replicates; 0 skips the interval (columns are ``nan``).
    confidence, seed
        Interval coverage and random seed (same seed, same interval).
    resample : {"document", "segment", "dyad"}
        What one bootstrap draw takes (default ``"document"``: whole documents, since the
        segments of one transcript are not independent; see
        :mod:`~workbench.analysis.intervals`). ``"document"``/``"dyad"`` need that column
        in the segments.

    Returns
    -------
    DataFrame
        Columns: the label (``code`` or ``theme``), ``theme`` (codes with ``themes``),
        ``n_units``, ``n_coders``, ``n_applied`` (units x coders with the code; characters
        for character units), ``prevalence``, the coefficients of
        :data:`TABLE_COEFFICIENTS`, ``ci_low``, ``ci_high``, ``alpha_label``
        (Krippendorff), ``kappa_label`` (Landis & Koch, of ``cohen_kappa_mean``) and
        ``undefined_reason``.
    """
    _check_table_options(ci_for, n_boot, confidence, seed, resample)
    labels, array = _grouped(presence, by, themes)
    kernels = _kernels(len(presence.coders))
    pair_kernels = _pair_kernels(presence.coders) if pairwise_kappa else {}
    clusters = _clusters(presence, resample) if n_boot else None
    shared = _shared_draws(clusters, resample, n_boot, seed)
    rows = []
    keys = DecisionKeys(array, presence.covered, presence.weights)
    applied_all = _applied(array, presence.weights)
    units_columns = _units_columns(presence, pairwise_kappa)
    n_units, total_weight = presence.n_units, float(presence.weights.sum())
    for k, label in enumerate(labels):
        patterns, lookup = keys.patterns(k)
        row: dict[str, Any] = {by: label}
        if by == "code" and themes is not None:
            row["theme"] = themes.get(label)
        applied = float(applied_all[k])
        row.update(n_units=n_units, n_coders=len(presence.coders), n_applied=round(applied),
                   prevalence=_ratio(applied, total_weight * len(presence.coders)))
        row.update(units_columns)
        row.update(_estimates(kernels, pair_kernels, patterns))
        low, high = _interval(kernels[ci_for], keys, k, patterns, lookup, row[ci_for],
                              ci_for, n_boot, confidence, seed, clusters, resample, shared)
        row.update(ci_low=low, ci_high=high)
        rows.append(row)
    table = pd.DataFrame(rows)
    _finish_columns(table)
    table.attrs.update(_attrs(presence, ci_for, n_boot, confidence, seed, resample, by=by))
    return table


def code_agreement_table(
    segments: pd.DataFrame,
    codings: pd.DataFrame,
    coders: Sequence[str],
    codes: Sequence[str],
    *,
    themes: Mapping[str, str] | None = None,
    unit: UnitKind = "segment",
    filters: Mapping[str, Any] | None = None,
    roles: Sequence[str] | None = None,
    include_uncoded: bool = True,
    overlap_rule: OverlapRule | str | float | None = None,
    coverage: pd.DataFrame | None = None,
    in_progress: InProgressRule = "exclude",
    pairwise_kappa: bool = False,
    ci_for: str = "krippendorff_alpha",
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int | None = 0,
    resample: Resample = DEFAULT_RESAMPLE,
) -> pd.DataFrame:
    """Agreement per code: one row per code (see :func:`presence_agreement_table`).

    ``unit``, ``filters``, ``roles``, ``include_uncoded``, ``overlap_rule``, ``coverage``
    and ``in_progress`` select the units and decisions as in
    :func:`~workbench.analysis.presence.build_presence`.
    """
    presence = build_presence(segments, codings, coders, codes, unit=unit, filters=filters,
                              roles=roles, include_uncoded=include_uncoded,
                              overlap_rule=overlap_rule, coverage=coverage,
                              in_progress=in_progress)
    return presence_agreement_table(presence, themes=themes, pairwise_kappa=pairwise_kappa,
                                    ci_for=ci_for, n_boot=n_boot, confidence=confidence,
                                    seed=seed, resample=resample)


def theme_agreement_table(
    segments: pd.DataFrame,
    codings: pd.DataFrame,
    coders: Sequence[str],
    codes: Sequence[str],
    themes: Mapping[str, str],
    *,
    unit: UnitKind = "segment",
    filters: Mapping[str, Any] | None = None,
    roles: Sequence[str] | None = None,
    include_uncoded: bool = True,
    overlap_rule: OverlapRule | str | float | None = None,
    coverage: pd.DataFrame | None = None,
    in_progress: InProgressRule = "exclude",
    pairwise_kappa: bool = False,
    ci_for: str = "krippendorff_alpha",
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int | None = 0,
    resample: Resample = DEFAULT_RESAMPLE,
) -> pd.DataFrame:
    """Agreement per theme: a coder "applied" a theme to a unit if any of its codes.

    ``themes`` maps every code in ``codes`` to its theme; themes appear in order of
    first appearance in ``codes``.
    """
    presence = build_presence(segments, codings, coders, codes, unit=unit, filters=filters,
                              roles=roles, include_uncoded=include_uncoded,
                              overlap_rule=overlap_rule, coverage=coverage,
                              in_progress=in_progress)
    return presence_agreement_table(presence, by="theme", themes=themes,
                                    pairwise_kappa=pairwise_kappa, ci_for=ci_for,
                                    n_boot=n_boot, confidence=confidence, seed=seed,
                                    resample=resample)


def overall_agreement(
    segments: pd.DataFrame,
    codings: pd.DataFrame,
    coders: Sequence[str],
    codes: Sequence[str],
    *,
    unit: UnitKind = "segment",
    filters: Mapping[str, Any] | None = None,
    roles: Sequence[str] | None = None,
    include_uncoded: bool = True,
    overlap_rule: OverlapRule | str | float | None = None,
    coverage: pd.DataFrame | None = None,
    in_progress: InProgressRule = "exclude",
    ci_for: str = "krippendorff_alpha",
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int | None = 0,
    resample: Resample = DEFAULT_RESAMPLE,
) -> pd.DataFrame:
    """Overall agreement: one row, all (unit, code) presence decisions pooled.

    Each (unit, code) pair is one unit of analysis rated present/absent by every coder;
    ``n_decisions`` counts them. The interval resamples whole clusters with all their
    decisions: documents by default, or segments/dyads (``resample``), never single
    decisions, since the decisions of one segment are not independent.
    """
    _check_table_options(ci_for, n_boot, confidence, seed, resample)
    presence = build_presence(segments, codings, coders, codes, unit=unit, filters=filters,
                              roles=roles, include_uncoded=include_uncoded,
                              overlap_rule=overlap_rule, coverage=coverage,
                              in_progress=in_progress)
    pooled, keys, per_code = _pooled(presence)
    kernels = _kernels(len(presence.coders))
    row: dict[str, Any] = {"scope": "overall", "n_units": presence.n_units,
                           "n_coders": len(presence.coders),
                           "n_decisions": presence.n_units * len(presence.codes)}
    applied = float((presence.array * presence.weights[:, None, None]).sum())
    row.update(n_applied=round(applied),
               prevalence=_ratio(applied, row["n_decisions"] * len(presence.coders)))
    row.update(_units_columns(presence, False))
    row.update(_estimates(kernels, {}, pooled))
    low = high = float("nan")
    if n_boot:
        kernel = kernels[ci_for]
        ids, n = presence.resampling_clusters(resample)
        per_cluster = np.zeros((n, kernel.stats(pooled.rows[:1]).shape[1]))
        for k, (patterns, lookup) in enumerate(per_code):
            per_cluster += keys.cluster_sums(k, kernel, patterns, lookup, ids, n)
        stats, counts = _drop_empty(per_cluster, ids, n, resample)
        ci = interval_from_stats(kernel, stats, counts, row[ci_for], coefficient=ci_for,
                                 n_boot=n_boot, confidence=confidence, seed=seed)
        low, high = ci.low, ci.high
    row.update(ci_low=low, ci_high=high)
    table = pd.DataFrame([row])
    _finish_columns(table)
    table.attrs.update(_attrs(presence, ci_for, n_boot, confidence, seed, resample,
                              by="overall"))
    what = resample_method(resample, "decision").removeprefix("percentile bootstrap, ")
    table.attrs["overall"] = (
        "all (unit, code) presence/absence decisions pooled: each pair of a unit and a code "
        f"is one unit of analysis; the interval ({what}) never resamples single decisions"
    )
    return table


def coder_agreement_matrix(
    segments: pd.DataFrame,
    codings: pd.DataFrame,
    coders: Sequence[str],
    codes: Sequence[str],
    *,
    coefficient: MatrixCoefficient = "cohen_kappa",
    unit: UnitKind = "segment",
    filters: Mapping[str, Any] | None = None,
    roles: Sequence[str] | None = None,
    include_uncoded: bool = True,
    overlap_rule: OverlapRule | str | float | None = None,
    coverage: pd.DataFrame | None = None,
    in_progress: InProgressRule = "exclude",
) -> pd.DataFrame:
    """Coder x coder agreement, pooled over codes (all (unit, code) decisions).

    ``coefficient`` is Cohen's kappa, two-coder Krippendorff's alpha (nominal) or percent
    agreement. The matrix is symmetric with a ``nan`` diagonal.
    """
    choices = ("cohen_kappa", "krippendorff_alpha", "percent_agreement")
    if coefficient not in choices:
        raise AgreementInputError(
            f"coefficient must be one of {list(choices)}; got {coefficient!r}."
        )
    presence = build_presence(segments, codings, coders, codes, unit=unit, filters=filters,
                              roles=roles, include_uncoded=include_uncoded,
                              overlap_rule=overlap_rule, coverage=coverage,
                              in_progress=in_progress)
    pooled, _, _ = _pooled(presence)
    kernels: dict[str, Kernel] = {"cohen_kappa": TwoCoders(_IDENTITY, 0, 1),
                                  "krippendorff_alpha": Alpha(2, 1.0 - _IDENTITY),
                                  "percent_agreement": PercentAgreement(_IDENTITY)}
    kernel = kernels[coefficient]
    names = list(presence.coders)
    matrix = pd.DataFrame(np.nan, index=pd.Index(names), columns=pd.Index(names))
    for a, b in combinations(range(len(names)), 2):
        value = float(point_estimate(kernel, pooled.select([a, b])).value[0])
        matrix.iloc[a, b] = matrix.iloc[b, a] = value
    matrix.attrs.update(presence.describe())
    matrix.attrs.update(coefficient=coefficient, codes=list(presence.codes),
                        n_decisions=presence.n_units * len(presence.codes),
                        pooled="all (unit, code) decisions of each coder pair pooled")
    return matrix


# -- helpers ------------------------------------------------------------------------------
def _grouped(presence: Presence, by: str, themes: Mapping[str, str] | None
             ) -> tuple[list[str], np.ndarray]:
    if by == "code":
        return list(presence.codes), presence.array
    if by != "theme":
        raise AgreementInputError(f"by must be 'code' or 'theme'; got {by!r}.")
    if themes is None:
        raise AgreementInputError("A theme table needs themes= (a code -> theme mapping).")
    missing = [c for c in presence.codes if c not in themes]
    if missing:
        raise AgreementInputError(
            f"themes= has no theme for the code(s) {missing}; map every code to its theme."
        )
    order = list(dict.fromkeys(themes[c] for c in presence.codes))
    member = np.array([[themes[c] == t for t in order] for c in presence.codes])
    grouped = np.stack([presence.array[:, :, member[:, j]].any(axis=2)
                        for j in range(len(order))], axis=2)
    return order, grouped


def _pair_kernels(coders: Sequence[str]) -> dict[str, Kernel]:
    return {f"cohen_kappa[{coders[a]}|{coders[b]}]": TwoCoders(_IDENTITY, a, b)
            for a, b in combinations(range(len(coders)), 2)}


def _estimates(kernels: Mapping[str, Kernel], pair_kernels: Mapping[str, Kernel],
               patterns: Patterns) -> dict[str, Any]:
    out: dict[str, Any] = {}
    reasons: dict[str, list[str]] = {}
    for name, kernel in {**kernels, **pair_kernels}.items():
        est = point_estimate(kernel, patterns)
        out[name] = float(est.value[0])
        reason = REASONS[int(est.reason[0])]
        if reason is not None and name in kernels:
            reasons.setdefault(reason, []).append(name)
    out["undefined_reason"] = "; ".join(
        f"{', '.join(names)}: {reason}" for reason, names in reasons.items()
    ) or None
    return out


def _clusters(presence: Presence, resample: str) -> tuple[np.ndarray, int] | None:
    """Bootstrap clusters of the units, or ``None`` when single segments are resampled."""
    if resample == "segment" and presence.unit == "segment":
        return None
    return presence.resampling_clusters(resample)


def _drop_empty(stats: np.ndarray, ids: np.ndarray, n: int, resample: str
                ) -> tuple[np.ndarray, np.ndarray]:
    """Cluster statistics of the clusters that hold units, and their multiplicities.

    Segment clusters are deduplicated (many segments share a row); documents and dyads
    are few, so each stays one draw (a plain cluster bootstrap a reader can redo).
    """
    used = np.bincount(ids, minlength=n) > 0
    stats = stats[used]
    if resample == "segment":
        return dedupe(stats)
    return stats, np.ones(len(stats))


def _shared_draws(clusters: tuple[np.ndarray, int] | None, resample: str, n_boot: int,
                  seed: int | None) -> tuple[np.ndarray, np.ndarray] | None:
    """The cluster tally of every replicate, drawn once for all codes of a table.

    Each code's interval would start a generator from the same seed and draw the same
    clusters, so the draws (:func:`~workbench.analysis._engine.plain_tally`) are made once:
    ``(used, tally)`` with the clusters that hold units and the (n_boot, C) tally.
    """
    if clusters is None or resample == "segment" or not n_boot:
        return None
    ids, n = clusters
    used = np.bincount(ids, minlength=n) > 0
    n_used = int(used.sum())
    if n_used == 0 or n_boot * n_used > (1 << 25):
        return None
    return used, plain_tally(n_used, n_boot, np.random.default_rng(seed))


def _interval(kernel: Kernel, keys: DecisionKeys, k: int, patterns: Patterns,
              lookup: np.ndarray, estimate: float, ci_for: str, n_boot: int,
              confidence: float, seed: int | None, clusters: tuple[np.ndarray, int] | None,
              resample: str, shared: tuple[np.ndarray, np.ndarray] | None
              ) -> tuple[float, float]:
    if not n_boot:
        return float("nan"), float("nan")
    if clusters is None:
        stats, counts = kernel.stats(patterns.rows), patterns.counts
    else:
        ids, n = clusters
        summed = keys.cluster_sums(k, kernel, patterns, lookup, ids, n)
        if shared is not None:
            used, tally = shared
            values = kernel.finish(tally @ summed[used]).value
            ci = interval_from_values(values, estimate, coefficient=ci_for, n_boot=n_boot,
                                      confidence=confidence, seed=seed)
            return ci.low, ci.high
        stats, counts = _drop_empty(summed, ids, n, resample)
    ci = interval_from_stats(kernel, stats, counts, estimate, coefficient=ci_for,
                             n_boot=n_boot, confidence=confidence, seed=seed)
    return ci.low, ci.high


def _pooled(presence: Presence) -> tuple[Patterns, DecisionKeys,
                                         list[tuple[Patterns, np.ndarray]]]:
    keys = DecisionKeys(presence.array, presence.covered, presence.weights)
    per_code = [keys.patterns(k) for k in range(len(presence.codes))]
    rows = np.concatenate([p.rows for p, _ in per_code])
    counts = np.concatenate([p.counts for p, _ in per_code])
    return Patterns(rows, counts, 2), keys, per_code


def _applied(array: np.ndarray, weights: np.ndarray, block: int = 1 << 16) -> np.ndarray:
    """Per code, units x coders with the code (weighted), shape (n_codes,), by blocks."""
    total = np.zeros(array.shape[2])
    plain = bool(np.all(weights == 1.0))
    for start in range(0, array.shape[0], block):
        part = array[start:start + block]
        if plain:
            total += np.count_nonzero(part, axis=(0, 1))
        else:
            total += weights[start:start + block] @ part.sum(axis=1)
    return total


def _ratio(num: float, den: float) -> float:
    """``num / den``, or ``nan`` when there is nothing to divide by (no units)."""
    return float(num) / float(den) if den else float("nan")


def _finish_columns(table: pd.DataFrame) -> None:
    table["alpha_label"] = [krippendorff_label(v) for v in table["krippendorff_alpha"]]
    table["kappa_label"] = [landis_koch_label(v) for v in table["cohen_kappa_mean"]]
    reasons = table.pop("undefined_reason")
    table["undefined_reason"] = reasons


def _attrs(presence: Presence, ci_for: str, n_boot: int, confidence: float,
           seed: int | None, resample: str, *, by: str) -> dict[str, Any]:
    attrs = presence.describe()
    attrs.update(
        rows=by,
        codes=list(presence.codes),
        percent_agreement=DEFINITIONS["percent_agreement"],
        fleiss_kappa=DEFINITIONS["fleiss_kappa"],
        kappa_label="Landis & Koch (1977) band of cohen_kappa_mean",
        alpha_label="Krippendorff: >= .800 reliable, >= .667 tentative, else unreliable",
        ci=None if not n_boot else {
            "coefficient": ci_for, "n_boot": n_boot, "confidence": confidence, "seed": seed,
            "resample": resample,
            "method": resample_method(resample, "decision" if by == "overall"
                                      else presence.unit),
        },
    )
    return attrs


def _check_table_options(ci_for: str, n_boot: int, confidence: float,
                         seed: int | None, resample: str = DEFAULT_RESAMPLE) -> None:
    if ci_for not in TABLE_COEFFICIENTS:
        raise AgreementInputError(
            f"ci_for must be one of {list(TABLE_COEFFICIENTS)}; got {ci_for!r}."
        )
    check_resample(resample)
    if n_boot != 0:
        check_bootstrap_options(n_boot, confidence, seed)
