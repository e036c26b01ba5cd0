"""Private integer grouping helpers for the theme summaries (numpy, no loop over rows).

Labels are turned into integer codes once (:func:`factorize`); groups, distinct counts and
ranks are then computed with ``bincount`` over a dense key space when it is small enough,
else with one sort.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["IntArray", "combine", "compact", "factorize", "mix", "nunique", "rank_within",
           "sort_order"]

IntArray = npt.NDArray[np.int64]
_DENSE_LIMIT = 1 << 24  # bincount over a dense key space up to this size, else np.unique


def factorize(
    values: pd.Series, order: Sequence[object] | None = None
) -> tuple[IntArray, pd.Index]:
    """Integer codes and the values in code order: ``order`` first (all of it, present or
    not), then the other values sorted; a missing value is its own, last value.

    One hashing pass over ``values``; the ordering is done on the distinct values only.
    """
    raw, uniq = pd.factorize(values, use_na_sentinel=True)
    distinct = pd.Index(uniq)
    if order is not None:
        labels = list(order)
        extra = sorted(set(distinct) - set(labels), key=str)
        labels += extra
        position = {v: i for i, v in enumerate(labels)}
        remap = np.array([position[v] for v in distinct], np.int64)
        index = pd.Index(labels, dtype=object)
    else:
        try:
            perm = np.argsort(distinct.to_numpy(), kind="stable")
        except TypeError:  # values of mixed types: keep order of first appearance
            perm = np.arange(len(distinct))
        remap = np.empty(len(perm), np.int64)
        remap[perm] = np.arange(len(perm))
        index = distinct.take(perm)
    codes = np.asarray(raw, np.int64)
    missing = codes < 0
    codes = remap[np.where(missing, 0, codes)] if len(remap) else np.zeros(len(codes), np.int64)
    if missing.any():
        codes[missing] = len(index)
        index = index.append(pd.Index([np.nan], dtype=index.dtype if len(index) else object))
    return codes, index


def combine(codes: Sequence[IntArray], sizes: Sequence[int]) -> tuple[IntArray, IntArray]:
    """Compact group ids (lexicographic in the factor orders) and each group's key tuple.

    Returns ``(group, keys)``: ``group`` shape (n,), ``keys`` shape (n_groups, n_factors).
    """
    shape = tuple(max(s, 1) for s in sizes)
    space = int(np.prod(shape, dtype=np.float64))
    if space < 2**62:
        uniq, group = compact(np.ravel_multi_index(tuple(codes), shape).astype(np.int64))
        keys = np.column_stack(np.unravel_index(uniq, shape)) if len(uniq) \
            else np.zeros((0, len(codes)), np.int64)
        return np.asarray(group, np.int64).reshape(-1), np.asarray(keys, np.int64)
    stacked = np.column_stack(codes)
    keys, group = np.unique(stacked, axis=0, return_inverse=True)
    return np.asarray(group, np.int64).reshape(-1), np.asarray(keys, np.int64)


def compact(values: IntArray) -> tuple[IntArray, IntArray]:
    """Sorted distinct non-negative ``values`` and each value's index among them."""
    if not len(values):
        return values, values
    space = int(values.max()) + 1
    if space <= max(4 * len(values), 1 << 16):
        present = np.bincount(values, minlength=space) > 0
        uniq = np.flatnonzero(present).astype(np.int64)
        lookup = np.zeros(space, np.int64)
        lookup[uniq] = np.arange(len(uniq))
        return uniq, lookup[values]
    uniq, inverse = np.unique(values, return_inverse=True)
    return uniq.astype(np.int64), np.asarray(inverse, np.int64).reshape(-1)


def nunique(group: IntArray, n_groups: int, values: pd.Series) -> IntArray:
    """Distinct non-missing ``values`` per group, shape (n_groups,)."""
    ids, uniq = pd.factorize(values, use_na_sentinel=True)
    ids = np.asarray(ids, np.int64)
    valid = ids >= 0
    width = max(len(uniq), 1)
    pairs = group[valid] * width + ids[valid]
    if n_groups * width <= _DENSE_LIMIT:
        seen = np.bincount(pairs, minlength=n_groups * width).reshape(n_groups, width) > 0
        return seen.sum(axis=1).astype(np.int64)
    distinct = np.unique(pairs)
    return np.bincount(distinct // width, minlength=n_groups).astype(np.int64)


def mix(segment_ids: IntArray, code_ids: IntArray, seed: int) -> npt.NDArray[np.uint64]:
    """A seeded 64-bit hash of (segment id, code) (splitmix64 finaliser), vectorised."""
    with np.errstate(over="ignore"):
        x = (segment_ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
             + code_ids.astype(np.uint64) * np.uint64(0xD1B54A32D192ED03)
             + np.uint64(seed % 2**64))
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def sort_order(parts: Sequence[IntArray], tiebreak: npt.NDArray[np.uint64]) -> IntArray:
    """Stable sort order by ``parts`` (non-negative ints, most significant first), then
    ``tiebreak``: one argsort of a packed 64-bit key when the parts fit, else a lexsort."""
    bits = [max(int(p.max()).bit_length(), 1) if len(p) else 1 for p in parts]
    if sum(bits) <= 48:
        key = np.zeros(len(tiebreak), np.uint64)
        for part, width in zip(parts, bits, strict=True):
            key = (key << np.uint64(width)) | part.astype(np.uint64)
        rest = 64 - sum(bits)
        key = (key << np.uint64(rest)) | (tiebreak >> np.uint64(64 - rest))
        return np.argsort(key, kind="stable").astype(np.int64)
    return np.lexsort((tiebreak, *reversed(list(parts)))).astype(np.int64)


def rank_within(group: IntArray, primary: IntArray, tiebreak: npt.NDArray[np.uint64]) -> IntArray:
    """0-based rank of each row inside its group, ordered by ``primary`` then ``tiebreak``."""
    order = sort_order([group, primary], tiebreak)
    sorted_group = group[order]
    starts = np.r_[0, np.flatnonzero(sorted_group[1:] != sorted_group[:-1]) + 1] \
        if len(order) else np.zeros(0, np.int64)
    first_of = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order)) - first_of
    return rank
