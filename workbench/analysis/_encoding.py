"""Private helpers of :mod:`workbench.analysis.reliability_data`: read and encode ratings.

Everything here validates before it converts, and raises
:class:`~workbench.errors.AgreementInputError` saying where the problem is and what to do.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis._engine import IntArray
from workbench.errors import AgreementInputError

_NUMERIC_KINDS = {"integer", "floating", "mixed-integer-float", "boolean", "decimal", "empty"}
_LABEL_KINDS = {"string"}


def as_2d(data: Any) -> np.ndarray:
    if isinstance(data, pd.DataFrame):
        data = data.to_numpy(dtype=object)
    try:
        arr = data if isinstance(data, np.ndarray) else np.array(data, dtype=object)
    except ValueError:
        raise AgreementInputError(
            "Reliability data rows have different lengths; give every unit one entry per "
            "coder (NaN or None where a coder gave no rating)."
        ) from None
    if arr.ndim == 1 and arr.dtype == object and any(
        isinstance(row, list | tuple | np.ndarray) for row in arr
    ):
        raise AgreementInputError(
            "Reliability data rows have different lengths; give every unit one entry per "
            "coder (NaN or None where a coder gave no rating)."
        )
    if arr.ndim != 2:
        raise AgreementInputError(
            f"Reliability data must be 2-D with shape (n_units, n_coders); got shape "
            f"{arr.shape}. Pass one row per unit and one column per coder."
        )
    if arr.shape[1] < 2:
        raise AgreementInputError(
            f"Reliability data needs at least 2 coders (columns); got {arr.shape[1]}. "
            "Agreement compares coders: add the other coders' ratings."
        )
    if arr.shape[0] == 0:
        raise AgreementInputError(
            "Reliability data has no units (rows); pass at least one unit rated by two coders."
        )
    if arr.dtype.kind not in "biufOUS":
        raise AgreementInputError(
            f"Reliability data of dtype {arr.dtype} cannot be read; use numbers or text "
            "labels, with NaN or None for missing ratings."
        )
    return arr


def unique_names(names: Sequence[Hashable] | None, n: int, what: str) -> tuple[Hashable, ...]:
    if names is None:
        return tuple(range(n))
    out = tuple(names)
    if len(out) != n:
        raise AgreementInputError(f"Got {len(out)} {what} names for {n} {what}; give one each.")
    seen: set[Hashable] = set()
    for name in out:
        if name in seen:
            raise AgreementInputError(
                f"{what.capitalize()} names must be unique; {name!r} appears twice."
            )
        seen.add(name)
    return out


def encode(
    arr: np.ndarray,
    categories: Sequence[Any] | None,
    coders: tuple[Hashable, ...],
    units: tuple[Hashable, ...],
) -> tuple[IntArray, tuple[Any, ...], bool, bool]:
    flat = arr.ravel()
    if flat.dtype.kind in "biuf":
        return _encode_numeric(flat.astype(np.float64), categories, coders, units)
    missing = np.asarray(pd.isna(flat), dtype=bool)
    present = flat[~missing]
    kind = pd.api.types.infer_dtype(present, skipna=False)
    if kind in _NUMERIC_KINDS:
        numbers = np.full(flat.shape, np.nan)
        numbers[~missing] = present.astype(np.float64)
        return _encode_numeric(numbers, categories, coders, units)
    if kind not in _LABEL_KINDS:
        example = _mixed_example(present)
        raise AgreementInputError(
            f"Reliability data mixes kinds of values ({example}); use numbers throughout "
            "(needed for interval/ratio data) or text labels throughout."
        )
    return _encode_labels(flat, missing, present, categories, coders, units)


def _encode_numeric(
    numbers: np.ndarray,
    categories: Sequence[Any] | None,
    coders: tuple[Hashable, ...],
    units: tuple[Hashable, ...],
) -> tuple[IntArray, tuple[Any, ...], bool, bool]:
    missing = np.isnan(numbers)
    infinite = np.isinf(numbers)
    if infinite.any():
        u, c = divmod(int(np.flatnonzero(infinite)[0]), len(coders))
        raise AgreementInputError(
            f"Reliability data holds an infinite value (unit {units[u]!r}, coder "
            f"{coders[c]!r}); use NaN or None for a missing rating."
        )
    present = numbers[~missing]
    # pd.unique hashes (O(n)); only the few distinct values are sorted
    cats = np.sort(pd.unique(present)) if categories is None else _numeric_categories(categories)
    index = np.searchsorted(cats, present)
    inside = np.zeros(len(present), bool)
    found = index < len(cats)
    inside[found] = cats[index[found]] == present[found]
    if not inside.all():
        outside = np.zeros(numbers.shape, bool)
        outside[np.flatnonzero(~missing)[~inside]] = True
        _check_inside(numbers, outside, coders, units, cats)
    codes = np.full(numbers.shape, -1, np.int64)
    codes[~missing] = index
    return codes, tuple(float(c) for c in cats), True, True


def _numeric_categories(categories: Sequence[Any]) -> np.ndarray:
    try:
        cats = np.asarray(list(categories), dtype=np.float64)
    except (TypeError, ValueError):
        raise AgreementInputError(
            "The ratings are numbers but categories= holds non-numbers; give the possible "
            "numeric values."
        ) from None
    if cats.ndim != 1 or not np.isfinite(cats).all():
        raise AgreementInputError("categories= must be a flat list of finite values.")
    if len(np.unique(cats)) != len(cats):
        raise AgreementInputError("categories= lists a value twice; give each category once.")
    return np.sort(cats)


def _encode_labels(
    flat: np.ndarray,
    missing: np.ndarray,
    present: np.ndarray,
    categories: Sequence[Any] | None,
    coders: tuple[Hashable, ...],
    units: tuple[Hashable, ...],
) -> tuple[IntArray, tuple[Any, ...], bool, bool]:
    if categories is None:
        cats = sorted(pd.unique(present).tolist())
        ordered = False
    else:
        cats = list(categories)
        if len(set(cats)) != len(cats):
            raise AgreementInputError(
                "categories= lists a label twice; give each category once."
            )
        ordered = True
    codes = np.asarray(pd.Categorical(flat, categories=cats).codes, dtype=np.int64)
    _check_inside(flat, (codes < 0) & ~missing, coders, units, cats)
    return codes, tuple(cats), False, ordered


def _check_inside(
    flat: np.ndarray, outside: np.ndarray, coders: tuple[Hashable, ...],
    units: tuple[Hashable, ...], cats: Any,
) -> None:
    if outside.any():
        first = int(np.flatnonzero(outside)[0])
        u, c = divmod(first, len(coders))
        shown = list(cats)[:10]
        raise AgreementInputError(
            f"Value {flat[first]!r} (unit {units[u]!r}, coder {coders[c]!r}) is not among the "
            f"categories {shown}; add it to categories= or correct the rating."
        )


def _mixed_example(present: np.ndarray) -> str:
    kinds: dict[str, Any] = {}
    for item in present[:1000]:
        kinds.setdefault(type(item).__name__, item)
    return ", ".join(f"{name} {value!r}" for name, value in list(kinds.items())[:3])


def long_to_wide(frame: pd.DataFrame, unit: str, coder: str, value: str) -> pd.DataFrame:
    missing = [c for c in (unit, coder, value) if c not in frame.columns]
    if missing:
        raise AgreementInputError(
            f"Long data has no column {missing[0]!r}; its columns are {list(frame.columns)}."
        )
    if frame.empty:
        raise AgreementInputError("Long data has no rows; pass at least one rating.")
    dup = frame.duplicated(subset=[unit, coder], keep=False)
    if dup.any():
        first = frame.loc[dup].iloc[0]
        n_pairs = int(frame.loc[dup].drop_duplicates(subset=[unit, coder]).shape[0])
        raise AgreementInputError(
            f"Long data rates {n_pairs} (unit, coder) pair(s) more than once, e.g. unit "
            f"{first[unit]!r} by coder {first[coder]!r}; keep one rating per coder per unit."
        )
    units = pd.unique(frame[unit])
    coders = pd.unique(frame[coder])
    wide = frame.pivot(index=unit, columns=coder, values=value)
    wide = wide.reindex(index=units, columns=coders)
    if isinstance(frame[value].dtype, pd.CategoricalDtype):
        wide = wide.astype(frame[value].dtype)
    return wide


def categorical_categories(frame: pd.DataFrame) -> list[Any] | None:
    dtypes = list(frame.dtypes)
    if not dtypes or not all(isinstance(d, pd.CategoricalDtype) for d in dtypes):
        return None
    first = dtypes[0]
    if any(list(d.categories) != list(first.categories) for d in dtypes):
        return None
    return list(first.categories)
