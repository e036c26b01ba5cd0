"""Private numeric core shared by the coefficients, the intervals and the tables.

Every coefficient here is a function of *sums over units* of per-unit statistics that
depend only on the unit's row of ratings. So the core works on **patterns**: the distinct
rows of the units x coders matrix with their multiplicities. A coefficient is a *kernel*
with two steps:

``stats(rows) -> (U, k)``
    the per-pattern statistics (one row per distinct rating pattern);
``finish(sums) -> Estimate``
    the coefficients from weighted column sums, shape ``(B, k)``, one row per weighting.

The point estimate uses the pattern multiplicities as the only weighting (``B = 1``); a
bootstrap replicate that resamples units with replacement is the same computation with
multinomial weights (``B`` replicates at once). No Python loop runs over units: loops run
over chunks of patterns or replicates only, to bound memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from workbench.analysis._groups import compact

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Work arrays are split so that one block holds at most this many float64 values.
CHUNK = 1 << 22

NO_PAIRS = (
    "no unit was rated by at least two coders, so there is no pair of values to compare"
)
ONE_CATEGORY = (
    "only one category occurs in the data: chance agreement is 1 (expected disagreement 0),"
    " so the coefficient is 0/0"
)
ONE_CATEGORY_CONVENTION = (
    "only one category occurs in the data: this coefficient's chance agreement is below 1, so"
    " its formula gives 1 here, but data with one category cannot show whether coders tell"
    " categories apart, so by convention no value is reported"
)
NO_COMMON_UNITS = "the two coders rated no unit in common"
CODER_WITHOUT_RATINGS = "a coder has no ratings, so that coder's category proportions are 0/0"
#: Reason codes returned by kernels (index into this tuple; 0 means defined).
REASONS: tuple[str | None, ...] = (None, NO_PAIRS, ONE_CATEGORY, NO_COMMON_UNITS,
                                   CODER_WITHOUT_RATINGS, ONE_CATEGORY_CONVENTION)
(R_OK, R_NO_PAIRS, R_ONE_CATEGORY, R_NO_COMMON, R_CODER_EMPTY,
 R_ONE_CATEGORY_CONVENTION) = range(6)


@dataclass(frozen=True)
class Patterns:
    """Distinct rating rows and their multiplicities.

    Attributes
    ----------
    rows : ndarray of int64, shape (U, n_coders)
        Category index per coder, ``-1`` for a missing rating.
    counts : ndarray of float64, shape (U,)
        How many units (or characters) have each row.
    n_categories : int
        Number of categories ``q``; indices in ``rows`` are below it.
    """

    rows: IntArray
    counts: FloatArray
    n_categories: int

    def select(self, columns: list[int]) -> Patterns:
        """The same units seen by a subset of coders (rows are not re-merged)."""
        return Patterns(self.rows[:, columns], self.counts, self.n_categories)


@dataclass(frozen=True)
class Estimate:
    """Coefficient values for ``B`` weightings; every field has shape (B,).

    ``n_units`` is the kernel's own size measure (pairable units, units rated by both
    coders, or pairable values for alpha); results report units counted by the caller.
    """

    value: FloatArray
    observed: FloatArray
    expected: FloatArray
    n_units: FloatArray
    reason: IntArray


class Kernel(Protocol):
    """A coefficient as per-pattern statistics plus a finishing function."""

    def stats(self, rows: IntArray) -> FloatArray:
        """Per-pattern statistics, shape (U, k), for rows of shape (U, n_coders)."""
        ...

    def finish(self, sums: FloatArray) -> Estimate:
        """Coefficients from weighted sums of the statistics, shape (B, k)."""
        ...


# -- patterns -----------------------------------------------------------------------------
def compress(
    codes: IntArray, n_categories: int, weights: FloatArray | None = None
) -> tuple[Patterns, IntArray]:
    """Distinct rows of ``codes`` (shape (n, c), -1 = missing) and each unit's row index.

    ``weights`` (shape (n,)) gives each unit a multiplicity (e.g. its number of
    characters); by default every unit counts once.
    """
    n, c = codes.shape
    base = n_categories + 1
    if n == 0:
        return Patterns(np.zeros((0, c), np.int64), np.zeros(0), n_categories), np.zeros(
            0, np.int64
        )
    if c * math.log2(base) < 62:
        powers = base ** np.arange(c, dtype=np.int64)
        uniq, inverse = compact((codes.astype(np.int64) + 1) @ powers)
        rows = (uniq[:, None] // powers[None, :]) % base - 1
    else:
        rows, inverse = np.unique(codes.astype(np.int64), axis=0, return_inverse=True)
    inverse = np.asarray(inverse, np.int64).reshape(-1)
    counts = np.bincount(inverse, weights=weights, minlength=len(rows)).astype(np.float64)
    return Patterns(np.asarray(rows, np.int64), counts, n_categories), inverse


def value_counts(rows: IntArray, n_categories: int) -> FloatArray:
    """Number of coders choosing each category in each row: shape (U, q)."""
    u = rows.shape[0]
    valid = rows >= 0
    flat = (np.arange(u, dtype=np.int64)[:, None] * n_categories + rows)[valid]
    tally = np.bincount(flat, minlength=u * n_categories)
    return tally.reshape(u, n_categories).astype(np.float64)


def one_hot(codes: IntArray, n_categories: int) -> FloatArray:
    """Indicator matrix, shape (U, q); all-zero rows where ``codes`` is -1."""
    out = np.zeros((len(codes), n_categories))
    present = codes >= 0
    out[np.flatnonzero(present), codes[present]] = 1.0
    return out


def agreement_weights(kind: str, n_categories: int) -> FloatArray:
    """Agreement weights on category positions ``0..q-1``, shape (q, q).

    ``"unweighted"`` is the identity; ``"linear"`` is ``1 - |i-j|/(q-1)``;
    ``"quadratic"`` is ``1 - (i-j)**2/(q-1)**2`` (Cohen 1968; scikit-learn's convention).
    """
    q = n_categories
    if kind == "unweighted" or q < 2:
        return np.eye(q)
    pos = np.arange(q, dtype=np.float64)
    gap = np.abs(pos[:, None] - pos[None, :]) / (q - 1)
    return 1.0 - gap if kind == "linear" else 1.0 - gap**2


# -- sums and the bootstrap ---------------------------------------------------------------
def weighted_sums(kernel: Kernel, rows: IntArray, weights: FloatArray) -> FloatArray:
    """``weights @ kernel.stats(rows)`` computed in blocks of patterns; shape (B, k)."""
    u = rows.shape[0]
    probe = kernel.stats(rows[:1]) if u else kernel.stats(rows)
    width = probe.shape[1]
    step = max(1, CHUNK // max(width, 1))
    total = np.zeros((weights.shape[0], width))
    for start in range(0, u, step):
        block = slice(start, start + step)
        total += weights[:, block] @ kernel.stats(rows[block])
    return total


def point_estimate(kernel: Kernel, patterns: Patterns) -> Estimate:
    """The coefficient on all units (weights = pattern multiplicities)."""
    return kernel.finish(weighted_sums(kernel, patterns.rows, patterns.counts[None, :]))


def resample(
    kernel: Kernel,
    stats: FloatArray,
    counts: FloatArray,
    n_boot: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Bootstrap values of a kernel, shape (n_boot,).

    ``stats`` (shape (U, k)) are the statistics of ``U`` distinct resampling units
    (patterns, or clusters such as segments) and ``counts`` (shape (U,)) how many
    resampling units share each. Drawing ``n = sum(counts)`` units with replacement
    and tallying them by row is exactly a ``Multinomial(n, counts / n)`` draw, so each
    replicate is one multinomial row: no per-unit index arrays are built.
    """
    n = round(float(counts.sum()))
    if n == 0 or stats.shape[0] == 0:
        return np.full(n_boot, np.nan)
    probs = counts / counts.sum()
    step = max(1, CHUNK // max(stats.shape[0], 1))
    values = np.empty(n_boot)
    for start in range(0, n_boot, step):
        size = min(step, n_boot - start)
        draws = rng.multinomial(n, probs, size=size).astype(np.float64)
        values[start : start + size] = kernel.finish(draws @ stats).value
    return values


def cluster_stats(
    kernel: Kernel, patterns: Patterns, inverse: IntArray, unit_weights: FloatArray,
    clusters: IntArray,
) -> tuple[FloatArray, FloatArray]:
    """Statistics summed within clusters (e.g. characters within segments), deduplicated.

    Returns ``(stats, counts)``: the distinct cluster-level statistic rows, shape (C, k),
    and how many clusters share each row, shape (C,), ready for :func:`resample`.
    """
    per_pattern = kernel.stats(patterns.rows)
    n_clusters = int(clusters.max()) + 1 if len(clusters) else 0
    summed = np.zeros((n_clusters, per_pattern.shape[1]))
    for j in range(per_pattern.shape[1]):
        summed[:, j] = np.bincount(clusters, weights=unit_weights * per_pattern[inverse, j],
                                   minlength=n_clusters)
    return dedupe(summed)


def cluster_sums(
    kernel: Kernel, patterns: Patterns, inverse: IntArray, unit_weights: FloatArray,
    clusters: IntArray, n_clusters: int,
) -> FloatArray:
    """Statistics summed within each cluster (no deduplication), shape (n_clusters, k).

    ``clusters`` gives each unit's cluster (``0..n_clusters-1``). The units of a cluster
    are tallied by pattern first (one ``bincount`` of ``cluster * U + pattern``), so the
    cost is one pass over the units plus a (C, U) x (U, k) product; with many clusters and
    patterns it falls back to one ``bincount`` per statistic.
    """
    per_pattern = kernel.stats(patterns.rows)
    u = per_pattern.shape[0]
    if n_clusters * u <= CHUNK:
        tally = np.bincount(clusters * u + inverse, weights=unit_weights,
                            minlength=n_clusters * u).reshape(n_clusters, u)
        return np.asarray(tally @ per_pattern, np.float64)
    summed = np.zeros((n_clusters, per_pattern.shape[1]))
    for j in range(per_pattern.shape[1]):
        summed[:, j] = np.bincount(clusters, weights=unit_weights * per_pattern[inverse, j],
                                   minlength=n_clusters)
    return summed


def dedupe(stats: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Distinct rows of a statistics matrix and their multiplicities."""
    if stats.shape[0] == 0:
        return stats, np.zeros(0)
    uniq, counts = np.unique(stats, axis=0, return_counts=True)
    return uniq, counts.astype(np.float64)
