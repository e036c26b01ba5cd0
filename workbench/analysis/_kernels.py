"""Private coefficient kernels: per-pattern statistics and finishing functions.

Each kernel implements :class:`workbench.analysis._engine.Kernel`. ``stats`` maps rating
rows (shape (U, n_coders), -1 = missing) to per-row statistics (shape (U, k)) that are
*summed* over units; ``finish`` turns weighted sums (shape (B, k)) into coefficients. The
definitions follow Gwet (2014) for the kappa family with missing ratings and Krippendorff
(2011) for alpha.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from workbench.analysis._engine import (
    R_CODER_EMPTY,
    R_NO_COMMON,
    R_NO_PAIRS,
    R_ONE_CATEGORY,
    R_ONE_CATEGORY_CONVENTION,
    Estimate,
    FloatArray,
    IntArray,
    Kernel,
    one_hot,
    value_counts,
)

__all__ = [
    "Alpha",
    "Conger",
    "MeanOf",
    "MultiRater",
    "PercentAgreement",
    "TwoCoders",
    "alpha_distances",
]


def _safe_div(num: FloatArray, den: FloatArray) -> FloatArray:
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _pair_agreement(counts: FloatArray, weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per unit: proportion of agreeing ordered coder pairs, and the pairable flag."""
    r = counts.sum(axis=1)
    pairable = r >= 2
    agree = np.einsum("uk,uk->u", counts @ weights, counts) - r
    share = np.zeros_like(r)
    np.divide(agree, r * (r - 1), out=share, where=pairable)
    return share, pairable.astype(np.float64)


def _reasons(*conditions: tuple[npt.NDArray[np.bool_], int]) -> IntArray:
    """The first applicable reason code per replicate (0 when none applies)."""
    shape = conditions[0][0].shape
    out = np.zeros(shape, np.int64)
    for condition, code in reversed(conditions):
        out[condition] = code
    return out


def _chance_corrected(pa: FloatArray, pe: FloatArray, reason: IntArray,
                      n_units: FloatArray) -> Estimate:
    value = _safe_div(pa - pe, 1.0 - pe)
    reason = np.where((reason == 0) & (1.0 - pe <= 1e-13), R_ONE_CATEGORY, reason)
    value[reason != 0] = np.nan
    return Estimate(value, pa, pe, n_units, reason)


@dataclass(frozen=True)
class PercentAgreement:
    """Mean over pairable units of the (weighted) share of agreeing coder pairs."""

    weights: FloatArray

    def stats(self, rows: IntArray) -> FloatArray:
        share, pairable = _pair_agreement(value_counts(rows, len(self.weights)), self.weights)
        return np.column_stack([share, pairable])

    def finish(self, sums: FloatArray) -> Estimate:
        n2 = sums[:, 1]
        pa = _safe_div(sums[:, 0], n2)
        reason = _reasons((n2 == 0, R_NO_PAIRS))
        pa[reason != 0] = np.nan
        return Estimate(pa, pa.copy(), np.zeros_like(pa), n2, reason)


@dataclass(frozen=True)
class MultiRater:
    """Fleiss' kappa, Gwet's AC1/AC2 or Brennan-Prediger, with missing ratings (Gwet 2014).

    ``p_a`` is the mean, over units with at least two ratings, of the share of agreeing
    pairs; ``pi_k`` is the mean, over units with at least one rating, of the share of
    the unit's ratings in category ``k``. Chance agreement ``p_e`` is
    ``sum_kl w_kl pi_k pi_l`` (Fleiss), ``T_w / (q (q-1)) * sum_k pi_k (1 - pi_k)`` (Gwet)
    or ``T_w / q**2`` (Brennan-Prediger), with ``T_w`` the sum of the weights.
    """

    weights: FloatArray
    kind: str

    def stats(self, rows: IntArray) -> FloatArray:
        counts = value_counts(rows, len(self.weights))
        share, pairable = _pair_agreement(counts, self.weights)
        r = counts.sum(axis=1)
        rated = (r >= 1).astype(np.float64)
        props = counts / np.where(r >= 1, r, 1.0)[:, None]
        return np.column_stack([share, pairable, rated, props])

    def finish(self, sums: FloatArray) -> Estimate:
        q = len(self.weights)
        n2 = sums[:, 1]
        pa = _safe_div(sums[:, 0], n2)
        pi = _safe_div(sums[:, 3:], sums[:, 2:3])
        used = (np.nan_to_num(pi) > 0).sum(axis=1)
        total_w = float(self.weights.sum())
        if self.kind == "fleiss":
            pe = np.einsum("bk,kl,bl->b", pi, self.weights, pi)
        elif self.kind == "gwet":
            pe = (
                total_w / (q * (q - 1)) * (pi * (1 - pi)).sum(axis=1)
                if q > 1
                else np.ones_like(pa)
            )
        else:
            pe = np.full_like(pa, total_w / q**2)
        one = R_ONE_CATEGORY
        if self.kind != "fleiss":  # chance agreement does not follow the one category
            one_of = np.where(1.0 - pe > 1e-13, R_ONE_CATEGORY_CONVENTION, R_ONE_CATEGORY)
            reason = _reasons((n2 == 0, R_NO_PAIRS), (used <= 1, one))
            reason = np.where(reason == R_ONE_CATEGORY, one_of, reason)
            return _chance_corrected(pa, pe, reason, n2)
        reason = _reasons((n2 == 0, R_NO_PAIRS), (used <= 1, one))
        return _chance_corrected(pa, pe, reason, n2)


@dataclass(frozen=True)
class Conger:
    """Conger's (1980) kappa: Fleiss' ``p_a``, chance from each coder's own marginals."""

    weights: FloatArray
    n_coders: int

    def stats(self, rows: IntArray) -> FloatArray:
        q = len(self.weights)
        counts = value_counts(rows, q)
        share, pairable = _pair_agreement(counts, self.weights)
        per_coder = [one_hot(rows[:, g], q) for g in range(self.n_coders)]
        return np.column_stack([share, pairable, *per_coder])

    def finish(self, sums: FloatArray) -> Estimate:
        q, c = len(self.weights), self.n_coders
        n2 = sums[:, 1]
        pa = _safe_div(sums[:, 0], n2)
        tallies = sums[:, 2:].reshape(-1, c, q)
        n_g = tallies.sum(axis=2)
        p = _safe_div(tallies, n_g[:, :, None])
        mean = p.mean(axis=1)
        outer = mean[:, :, None] * mean[:, None, :]
        s2 = (np.einsum("bgk,bgl->bkl", p, p) - c * outer) / (c - 1)
        pe = np.einsum("kl,bkl->b", self.weights, outer - s2 / c)
        used = (np.nan_to_num(mean) > 0).sum(axis=1)
        reason = _reasons(
            (n2 == 0, R_NO_PAIRS), ((n_g == 0).any(axis=1), R_CODER_EMPTY),
            (used <= 1, R_ONE_CATEGORY),
        )
        return _chance_corrected(pa, pe, reason, n2)


@dataclass(frozen=True)
class TwoCoders:
    """Cohen's kappa (own marginals) or Scott's pi (pooled marginals) for coders a and b.

    Only units rated by both coders count.
    """

    weights: FloatArray
    a: int
    b: int
    scott: bool = False

    def stats(self, rows: IntArray) -> FloatArray:
        q = len(self.weights)
        xa, xb = rows[:, self.a], rows[:, self.b]
        both = (xa >= 0) & (xb >= 0)
        agree = np.where(both, self.weights[np.maximum(xa, 0), np.maximum(xb, 0)], 0.0)
        first = one_hot(np.where(both, xa, -1), q)
        second = one_hot(np.where(both, xb, -1), q)
        return np.column_stack([both.astype(np.float64), agree, first, second])

    def finish(self, sums: FloatArray) -> Estimate:
        q = len(self.weights)
        n = sums[:, 0]
        po = _safe_div(sums[:, 1], n)
        p1 = _safe_div(sums[:, 2 : 2 + q], n[:, None])
        p2 = _safe_div(sums[:, 2 + q :], n[:, None])
        if self.scott:
            pooled = (p1 + p2) / 2
            pe = np.einsum("bk,kl,bl->b", pooled, self.weights, pooled)
        else:
            pe = np.einsum("bk,kl,bl->b", p1, self.weights, p2)
        used = (np.nan_to_num(p1 + p2) > 0).sum(axis=1)
        reason = _reasons((n == 0, R_NO_COMMON), (used <= 1, R_ONE_CATEGORY))
        return _chance_corrected(po, pe, reason, n)


@dataclass(frozen=True)
class MeanOf:
    """The mean of several kernels' values (e.g. Cohen's kappa over coder pairs).

    Undefined members are left out of the mean; the result is undefined only when all are.
    """

    parts: tuple[Kernel, ...]
    widths: tuple[int, ...]

    def stats(self, rows: IntArray) -> FloatArray:
        return np.column_stack([part.stats(rows) for part in self.parts])

    def finish(self, sums: FloatArray) -> Estimate:
        edges = np.cumsum((0, *self.widths))
        done = [part.finish(sums[:, lo:hi]) for part, lo, hi in
                zip(self.parts, edges[:-1], edges[1:], strict=True)]
        values = np.vstack([d.value for d in done])
        defined = ~np.isnan(values)
        count = defined.sum(axis=0)
        value = _mean_defined(values, defined, count)
        observed = _mean_defined(np.vstack([d.observed for d in done]), defined, count)
        expected = _mean_defined(np.vstack([d.expected for d in done]), defined, count)
        reason = np.where(count > 0, 0, done[0].reason)
        n_units = np.vstack([d.n_units for d in done]).max(axis=0)
        return Estimate(value, observed, expected, n_units, reason)


def _mean_defined(values: FloatArray, defined: npt.NDArray[np.bool_],
                  count: IntArray) -> FloatArray:
    """Column means over the rows where ``defined``; ``nan`` where none is."""
    total = np.where(defined, values, 0.0).sum(axis=0)
    return _safe_div(total, count.astype(np.float64))


@dataclass(frozen=True)
class Alpha:
    """Krippendorff's alpha from coincidences (Krippendorff 2011, 2019).

    ``distances`` is the fixed squared-difference matrix ``delta**2`` for nominal, interval
    and ratio data; ``None`` selects the ordinal metric, which depends on the marginal
    frequencies ``n_k`` and is rebuilt for every weighting from the mid-ranks
    ``m_k = sum_{g<k} n_g + n_k / 2`` as ``(m_k - m_c)**2``.
    """

    n_categories: int
    distances: FloatArray | None

    def stats(self, rows: IntArray) -> FloatArray:
        q = self.n_categories
        counts = value_counts(rows, q)
        r = counts.sum(axis=1)
        pairable = r >= 2
        scale = np.zeros_like(r)
        np.divide(1.0, r - 1, out=scale, where=pairable)
        if self.distances is None:
            outer = counts[:, :, None] * counts[:, None, :]
            outer[:, np.arange(q), np.arange(q)] -= counts
            return (outer * scale[:, None, None]).reshape(len(rows), q * q)
        within = np.einsum("uk,uk->u", counts @ self.distances, counts) * scale
        return np.column_stack([within, counts * pairable[:, None]])

    def finish(self, sums: FloatArray) -> Estimate:
        q = self.n_categories
        if self.distances is None:
            coinc = sums.reshape(-1, q, q)
            n_k = coinc.sum(axis=2)
            mid = np.cumsum(n_k, axis=1) - n_k / 2
            dist = (mid[:, :, None] - mid[:, None, :]) ** 2
            observed_sum = np.einsum("bkl,bkl->b", coinc, dist)
        else:
            n_k = sums[:, 1:]
            dist = np.broadcast_to(self.distances, (len(sums), q, q))
            observed_sum = sums[:, 0]
        n = n_k.sum(axis=1)
        d_o = _safe_div(observed_sum, n)
        d_e = _safe_div(np.einsum("bk,bkl,bl->b", n_k, dist, n_k), n * (n - 1))
        used = (n_k > 0).sum(axis=1)
        reason = _reasons((n < 2, R_NO_PAIRS), ((used <= 1) | (d_e <= 0), R_ONE_CATEGORY))
        value = 1.0 - _safe_div(d_o, d_e)
        value[reason != 0] = np.nan
        return Estimate(value, d_o, d_e, n, reason)


def alpha_distances(level: str, values: FloatArray | None, n_categories: int) -> FloatArray | None:
    """Squared difference matrix for a level of measurement; ``None`` for ordinal."""
    q = n_categories
    if level == "nominal":
        return 1.0 - np.eye(q)
    if level == "ordinal":
        return None
    v = np.asarray(values, np.float64)
    diff = v[:, None] - v[None, :]
    if level == "interval":
        return np.asarray(diff**2, np.float64)
    total = v[:, None] + v[None, :]
    ratio = np.zeros((q, q))
    np.divide(diff, total, out=ratio, where=total != 0)
    return np.asarray(ratio**2, np.float64)
