"""Reliability data: who rated which unit how, validated before any arithmetic.

A :class:`ReliabilityData` holds a units x coders matrix of category indices (``-1`` for
a missing rating) together with the categories, coder names and unit ids. Build it with
:meth:`ReliabilityData.from_array` (shape ``(n_units, n_coders)``, NaN/None = missing)
or :meth:`ReliabilityData.from_frame` (wide: one column per coder; long: unit, coder and
value columns). Every coefficient in :mod:`workbench.analysis.coefficients` also accepts
those inputs directly.

Values are either all numbers (categories sorted by value; interval and ratio alpha use
the values themselves) or all text labels (categories in the order given by
``categories=``, or alphabetical and *unordered* when none is given). Booleans count as
the numbers 0 and 1.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis._encoding import (
    as_2d,
    categorical_categories,
    encode,
    long_to_wide,
    unique_names,
)
from workbench.analysis._engine import IntArray, Patterns, compress
from workbench.errors import AgreementInputError

__all__ = ["ReliabilityData", "as_reliability_data"]


@dataclass(frozen=True, eq=False)
class ReliabilityData:
    """Validated units x coders ratings.

    Attributes
    ----------
    codes : ndarray of int64, shape (n_units, n_coders)
        Index into :attr:`categories` of each rating; ``-1`` where the coder gave none.
        Read-only.
    categories : tuple
        The category values (floats) or labels (str), in order.
    coders : tuple
        Coder names, one per column.
    units : tuple
        Unit ids, one per row.
    numeric : bool
        Whether the categories are numbers (needed for interval and ratio alpha).
    ordered : bool
        Whether the categories have an order (numbers, or labels given in order).
    """

    codes: IntArray
    categories: tuple[Any, ...]
    coders: tuple[Hashable, ...]
    units: tuple[Hashable, ...]
    numeric: bool
    ordered: bool

    def __post_init__(self) -> None:
        codes = np.asarray(self.codes)
        if codes.ndim != 2 or codes.dtype.kind not in "iu":
            raise AgreementInputError(
                "codes must be a 2-D integer array of shape (n_units, n_coders); build "
                "ReliabilityData with from_array() or from_frame() instead."
            )
        if codes.shape != (len(self.units), len(self.coders)):
            raise AgreementInputError(
                f"codes has shape {codes.shape} but there are {len(self.units)} units and "
                f"{len(self.coders)} coders; pass one unit id per row and one coder per column."
            )
        if codes.size and (codes.min() < -1 or codes.max() >= len(self.categories)):
            raise AgreementInputError(
                "codes must lie in -1..n_categories-1 (-1 = missing); build ReliabilityData "
                "with from_array() or from_frame() instead."
            )
        frozen = np.array(codes, dtype=np.int64)
        frozen.setflags(write=False)
        object.__setattr__(self, "codes", frozen)

    # -- constructors ---------------------------------------------------------------------
    @classmethod
    def from_array(
        cls,
        data: Any,
        *,
        categories: Sequence[Any] | None = None,
        coders: Sequence[Hashable] | None = None,
        units: Sequence[Hashable] | None = None,
    ) -> ReliabilityData:
        """Reliability data from a 2-D array.

        Parameters
        ----------
        data : array_like, shape (n_units, n_coders)
            One row per unit, one column per coder; NaN or None marks a missing rating.
        categories : sequence, optional
            All possible values. Numbers are sorted by value; labels keep the order given
            (which makes them ordered). Defaults to the values that occur.
        coders, units : sequence, optional
            Names for the columns and rows (default ``0, 1, ...``); must be unique.

        Raises
        ------
        AgreementInputError
            Not 2-D, fewer than 2 coders, no units, mixed numbers and labels, infinite
            numbers, values outside ``categories``, or duplicate names.
        """
        arr = as_2d(data)
        n_units, n_coders = arr.shape
        coder_names = unique_names(coders, n_coders, "coders")
        unit_ids = unique_names(units, n_units, "units")
        codes, cats, numeric, ordered = encode(arr, categories, coder_names, unit_ids)
        return cls(codes.reshape(n_units, n_coders), cats, coder_names, unit_ids,
                   numeric, ordered)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        unit: str | None = None,
        coder: str | None = None,
        value: str | None = None,
        categories: Sequence[Any] | None = None,
    ) -> ReliabilityData:
        """Reliability data from a DataFrame, wide or long.

        Wide (no column names given): the index holds the units, each column is a coder.
        Long (``unit``, ``coder`` and ``value`` all given): one row per rating; units and
        coders appear in order of first appearance; a missing value means no rating.
        A categorical value column supplies the categories (and their order) unless
        ``categories`` is given.

        Raises
        ------
        AgreementInputError
            As :meth:`from_array`, plus: only some of the long-format columns given, a
            named column missing, or the same (unit, coder) pair rated twice.
        """
        if not isinstance(frame, pd.DataFrame):
            raise AgreementInputError(
                f"from_frame() needs a pandas DataFrame, got {type(frame).__name__}; use "
                "from_array() for arrays and lists."
            )
        given = [unit is not None, coder is not None, value is not None]
        if any(given) and not all(given):
            raise AgreementInputError(
                "For long data give all of unit=, coder= and value= (column names); for wide "
                "data (one column per coder) give none of them."
            )
        if all(given):
            frame = long_to_wide(frame, str(unit), str(coder), str(value))
        if categories is None:
            categories = categorical_categories(frame)
        return cls.from_array(
            frame.to_numpy(dtype=object),
            categories=categories,
            coders=list(frame.columns),
            units=list(frame.index),
        )

    # -- views ----------------------------------------------------------------------------
    @property
    def n_units(self) -> int:
        """Number of units (rows)."""
        return int(self.codes.shape[0])

    @property
    def n_coders(self) -> int:
        """Number of coders (columns)."""
        return int(self.codes.shape[1])

    @property
    def n_categories(self) -> int:
        """Number of categories."""
        return len(self.categories)

    @property
    def values(self) -> np.ndarray:
        """Category values as float64, shape (n_categories,); only for numeric data."""
        if not self.numeric:
            raise AgreementInputError(
                "These ratings are text labels, which have no numeric values; pass numbers "
                "to use interval or ratio metrics."
            )
        return np.asarray(self.categories, dtype=np.float64)

    def value_counts(self) -> np.ndarray:
        """Coders choosing each category per unit: int64 array, shape (n_units, n_categories)."""
        q = self.n_categories
        valid = self.codes >= 0
        flat = (np.arange(self.n_units)[:, None] * q + self.codes)[valid]
        return np.bincount(flat, minlength=self.n_units * q).reshape(self.n_units, q)

    def select_coders(self, coders: Sequence[Hashable]) -> ReliabilityData:
        """The same units rated by a subset of the coders, in the order given."""
        index = [self.coder_index(c) for c in coders]
        return ReliabilityData(self.codes[:, index], self.categories, tuple(coders),
                               self.units, self.numeric, self.ordered)

    def coder_index(self, coder: Hashable) -> int:
        """Column of a coder; :class:`AgreementInputError` for an unknown name."""
        try:
            return self.coders.index(coder)
        except ValueError:
            raise AgreementInputError(
                f"Unknown coder {coder!r}; the data has coders {list(self.coders)}."
            ) from None

    @cached_property
    def patterns(self) -> Patterns:
        """Distinct rating rows with multiplicities (computed once, used by every kernel)."""
        return compress(self.codes, self.n_categories)[0]


def as_reliability_data(data: Any, *, categories: Sequence[Any] | None = None) -> ReliabilityData:
    """``data`` as :class:`ReliabilityData` (a DataFrame is read as wide data).

    ``data`` may already be :class:`ReliabilityData` (returned as is), a wide DataFrame
    (index = units, columns = coders) or an array-like of shape (n_units, n_coders).
    """
    if isinstance(data, ReliabilityData):
        if categories is not None:
            raise AgreementInputError(
                "categories= only applies when building reliability data; this data is "
                "already built (its categories are fixed)."
            )
        return data
    if isinstance(data, pd.DataFrame):
        return ReliabilityData.from_frame(data, categories=categories)
    return ReliabilityData.from_array(data, categories=categories)
