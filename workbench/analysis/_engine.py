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
from typing import Any, Protocol

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


class DecisionKeys:
    """Every code's 0/1 ratings as one integer pattern key per unit (presence decisions).

    ``array`` has shape (n_units, n_coders, n_codes); ``covered`` (n_units, n_coders)
    marks the ratings that exist (``None``: all). A unit's key for code ``k`` is
    ``sum_j (r_j + 1) * 3**j`` (``r_j`` = 1/0 where covered, -1 elsewhere), the key
    :func:`compress` uses, so :meth:`patterns` gives the same patterns in the same order
    as ``compress(ratings_k, 2, weights)``. Keys are built block by block of units in a
    small integer type and stored code-major (each code's keys are one contiguous
    vector); no (units x coders) int64 copy is made per code. With more than 18 coders the
    keys would overflow, and each code is compressed on its own instead.
    """

    def __init__(self, array: npt.NDArray[np.bool_], covered: npt.NDArray[np.bool_] | None,
                 weights: FloatArray, block: int = 1 << 16) -> None:
        n, c, n_codes = array.shape
        self.n_coders = c
        self.weights = weights
        self.plain = bool(np.all(weights == 1.0))
        self.space = 3**c
        self.keys: npt.NDArray[np.integer] | None = None
        self._fallback: list[tuple[Patterns, IntArray]] = []
        self._base: tuple[IntArray, IntArray] | None = None
        if c > 18:
            for k in range(n_codes):
                ratings = array[:, :, k].astype(np.int64)
                if covered is not None:
                    ratings[~covered] = -1
                self._fallback.append(compress(ratings, 2, weights))
            return
        dtype = np.int16 if self.space < 2**15 else np.int32
        keys: npt.NDArray[Any] = np.empty((n_codes, n), dtype)
        powers: npt.NDArray[Any] = (3 ** np.arange(c)).astype(dtype)
        for start in range(0, n, block):
            stop = min(start + block, n)
            part = array[start:stop]
            if covered is not None:
                part = part & covered[start:stop, :, None]
                base = (covered[start:stop].astype(dtype) * powers).sum(axis=1, dtype=dtype)
            else:
                base = np.full(stop - start, (3**c - 1) // 2, dtype)
            key: npt.NDArray[Any] = np.broadcast_to(base[:, None],
                                                    (stop - start, n_codes)).copy()
            flags = np.ascontiguousarray(part).view(np.uint8)
            for j in range(c):
                np.add(key, flags[:, j, :] * powers[j], out=key, casting="unsafe")
            keys[:, start:stop] = key.T
        self.keys = keys
        self._powers = 3 ** np.arange(c, dtype=np.int64)

    def patterns(self, k: int) -> tuple[Patterns, IntArray]:
        """Code ``k``'s patterns and a lookup ``key -> pattern index`` (-1: absent).

        In the fallback mode (many coders) the second item is the per-unit inverse.
        """
        if self.keys is None:
            return self._fallback[k]
        keys = self.keys[k]
        seen = np.bincount(keys, minlength=self.space)
        uniq = np.flatnonzero(seen)
        counts: FloatArray = (
            seen[uniq].astype(np.float64) if self.plain else
            np.bincount(keys, weights=self.weights, minlength=self.space)[uniq].astype(
                np.float64))
        rows = (uniq[:, None] // self._powers[None, :]) % 3 - 1
        lookup = np.full(self.space, -1, np.int64)
        lookup[uniq] = np.arange(len(uniq))
        return Patterns(np.asarray(rows, np.int64), counts, 2), lookup

    def inverse(self, k: int, lookup: IntArray) -> IntArray:
        """Each unit's pattern index for code ``k`` (``lookup`` from :meth:`patterns`)."""
        if self.keys is None:
            return lookup
        return lookup[self.keys[k]]

    def cluster_sums(self, k: int, kernel: Kernel, patterns: Patterns, lookup: IntArray,
                     clusters: IntArray, n_clusters: int) -> FloatArray:
        """Kernel statistics summed within clusters for code ``k``, shape (n_clusters, q)."""
        if self.keys is None or n_clusters * self.space > CHUNK:
            return cluster_sums(kernel, patterns, self.inverse(k, lookup), self.weights,
                                clusters, n_clusters)
        if self._base is None or self._base[0] is not clusters:
            self._base = (clusters, clusters * self.space)
        keyed = self._base[1] + self.keys[k]
        tally = np.bincount(keyed, weights=None if self.plain else self.weights,
                            minlength=n_clusters * self.space)
        uniq = np.flatnonzero(lookup >= 0)
        per_cluster = tally.reshape(n_clusters, self.space)[:, uniq].astype(np.float64)
        return np.asarray(per_cluster @ kernel.stats(patterns.rows), np.float64)


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
    replicate is one multinomial row: no per-unit index arrays are built. When every
    row counts once (clusters), the ``C`` draws are made directly and tallied
    (:func:`_resample_plain`), which is faster than a multinomial over ``C`` cells.
    """
    n = round(float(counts.sum()))
    if n == 0 or stats.shape[0] == 0:
        return np.full(n_boot, np.nan)
    if np.all(counts == 1.0):
        return _resample_plain(kernel, stats, n_boot, rng)
    probs = counts / counts.sum()
    step = max(1, CHUNK // max(stats.shape[0], 1))
    values = np.empty(n_boot)
    for start in range(0, n_boot, step):
        size = min(step, n_boot - start)
        draws = rng.multinomial(n, probs, size=size).astype(np.float64)
        values[start : start + size] = kernel.finish(draws @ stats).value
    return values


def _resample_plain(kernel: Kernel, stats: FloatArray, n_boot: int,
                    rng: np.random.Generator) -> FloatArray:
    """Bootstrap of ``C`` resampling units that each count once (clusters such as documents).

    Replicate ``b`` draws ``C`` indices uniformly with replacement (row ``b`` of
    :func:`plain_tally`) and tallies them.
    """
    size_c = stats.shape[0]
    step = max(1, CHUNK // size_c)
    values = np.empty(n_boot)
    for start in range(0, n_boot, step):
        size = min(step, n_boot - start)
        tally = plain_tally(size_c, size, rng)
        values[start : start + size] = kernel.finish(tally @ stats).value
    return values


def plain_tally(n_clusters: int, n_boot: int, rng: np.random.Generator) -> FloatArray:
    """How often each of ``n_clusters`` clusters is drawn in each replicate, (n_boot, C).

    Row ``b`` tallies ``rng.integers(0, C, C, dtype=np.int32)``, the ``b``-th call of a
    plain cluster bootstrap (one block call draws the same numbers as row-by-row calls).
    """
    index = rng.integers(0, n_clusters, size=(n_boot, n_clusters), dtype=np.int32)
    flat = index.astype(np.int64) + (np.arange(n_boot, dtype=np.int64) * n_clusters)[:, None]
    tally = np.bincount(flat.ravel(), minlength=n_boot * n_clusters)
    return tally.reshape(n_boot, n_clusters).astype(np.float64)


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
