"""Presence/absence of codes per unit and coder, built from plain DataFrames.

Agreement on a codebook is agreement on many yes/no decisions: for every unit, every
coder and every code, did the coder apply the code? :func:`build_presence` turns the
``segments`` and ``codings`` DataFrames (as ``Project.segments()``/``Project.codings()``
return them) into those decisions, for one of two kinds of unit:

``"segment"``
    Units are the selected segments (the units the coders were assigned). A code is
    present for a coder on a segment when a coding of it by the coder counts for the
    segment by the overlap rule (:class:`~workbench.model.OverlapRule`; default: it covers
    any non-space character of the segment).
``"character"``
    Units are the characters of the selected segments, as in NVivo's coding comparison.
    A coding covers the characters ``[start, end)`` of the document; a range across
    several segments covers its part of each. Characters with the same coverage are
    stored as one run with a character count, so this is exact without one row per
    character; bootstrap intervals resample whole segments, because neighbouring
    characters are not independent.

``include_uncoded`` keeps (True) or drops (False) the units that no listed coder coded
with any code at all (of any code in ``codings``, not only the analysed ones). Keeping
them counts agreement on "nothing here", as QualCoder and NVivo do; dropping them
restricts agreement to the text someone thought codable. Every result states which.

**Coverage.** With ``coverage=`` (``Project.coverage()``: coder, document, status,
furthest_idx) a coder's decisions count only on the documents that coder covered; elsewhere
they are *missing* (``Presence.covered`` is False), not "absent". By default a coder
covers the documents marked ``done``; ``in_progress="exclude"`` (the default) leaves
documents in progress out, ``"up_to_last"`` counts their segments up to the furthest one
the coder reached. A coder who covers no selected unit (an idle coder) is dropped with a
``UserWarning`` naming them. Without ``coverage`` every coder is taken to have coded every
selected segment (``Project``-level agreement drops coders with no coding at all there).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench.analysis.overlap import segment_view
from workbench.errors import AgreementInputError, SummaryInputError
from workbench.model import OVERLAP_ANY, OverlapRule

__all__ = ["IN_PROGRESS_RULES", "UNIT_KINDS", "InProgressRule", "Presence", "UnitKind",
           "build_presence"]

UnitKind = Literal["segment", "character"]
UNIT_KINDS: tuple[str, ...] = ("segment", "character")
InProgressRule = Literal["exclude", "up_to_last"]
IN_PROGRESS_RULES: tuple[str, ...] = ("exclude", "up_to_last")
_SEGMENT_COLUMNS = ("segment_id",)
_CODING_COLUMNS = ("segment_id", "coder", "code")
_RANGE_COLUMNS = ("document", "start", "end", "coder", "code")


@dataclass(frozen=True, eq=False)
class Presence:
    """Yes/no decisions: did coder ``c`` apply code ``k`` to unit ``u``?

    Attributes
    ----------
    array : ndarray of bool, shape (n_units, n_coders, n_codes)
        The decisions.
    weights : ndarray of float64, shape (n_units,)
        Characters per unit (character runs); 1 for segments.
    clusters : ndarray of int64, shape (n_units,)
        Row of :attr:`segments` each unit belongs to (resampling clusters).
    segments : DataFrame
        The selected segments, one row per cluster.
    coders, codes : tuple of str
        Axis labels of :attr:`array`.
    unit : {"segment", "character"}
        What a unit is.
    include_uncoded : bool
        Whether units no coder coded were kept.
    n_uncoded_dropped : int
        Units (segments or characters) dropped because no coder coded them.
    filters : dict
        Segment filters applied (column -> accepted values).
    roles : tuple of str or None
        Roles of the speakers whose segments were kept (``None``: all).
    codebook_version : int or None
        The codebook version the codings were read under (``codings.attrs``).
    n_pending_recode : int
        Codings of split codes not yet recoded, left out of the decisions.
    overlap_rule : str or None
        The overlap rule, as text.
    covered : ndarray of bool, shape (n_units, n_coders), or None
        Whether each coder covered each unit (``None``: every coder covered every unit).
        Decisions where it is False are missing.
    coverage_rule : str or None
        How coverage was decided, as text (``None``: not recorded, all covered).
    dropped_coders : tuple of str
        Idle coders left out (they covered no selected unit).
    """

    array: np.ndarray
    weights: np.ndarray
    clusters: np.ndarray
    segments: pd.DataFrame
    coders: tuple[str, ...]
    codes: tuple[str, ...]
    unit: str = "segment"
    include_uncoded: bool = True
    n_uncoded_dropped: int = 0
    filters: dict[str, list[Any]] = field(default_factory=dict)
    roles: tuple[str, ...] | None = None
    overlap_rule: str | None = None
    codebook_version: int | None = None
    n_pending_recode: int = 0
    covered: np.ndarray | None = None
    coverage_rule: str | None = None
    dropped_coders: tuple[str, ...] = ()

    @property
    def covered_mask(self) -> np.ndarray:
        """:attr:`covered`, or all True when coverage was not recorded."""
        if self.covered is None:
            return np.ones(self.array.shape[:2], bool)
        return self.covered

    def ratings(self, decisions: np.ndarray) -> np.ndarray:
        """0/1 ratings (n_units, n_coders) of one code's decisions, -1 where missing."""
        out = decisions.astype(np.int64)
        if self.covered is not None:
            out[~self.covered] = -1
        return out

    def units_used(self) -> dict[str, Any]:
        """Units each kind of coefficient uses: pairable (>= 2 covering coders), complete
        (all coders covered) and per coder pair (both covered), weighted as units."""
        mask = self.covered_mask
        w = self.weights
        pairs = {f"{self.coders[a]}|{self.coders[b]}":
                 round(float(w[mask[:, a] & mask[:, b]].sum()))
                 for a in range(len(self.coders)) for b in range(a + 1, len(self.coders))}
        return {"pairable": round(float(w[mask.sum(axis=1) >= 2].sum())),
                "complete": round(float(w[mask.all(axis=1)].sum())), "pairs": pairs}

    def resampling_clusters(self, resample: str) -> tuple[np.ndarray, int]:
        """Each unit's bootstrap cluster (``0..n-1``) and the number of clusters ``n``.

        ``"segment"``: the unit's segment; ``"document"``/``"dyad"``: the segment's value
        in that column of :attr:`segments`.
        """
        if resample == "segment":
            return self.clusters, len(self.segments)
        column = resample
        if column not in self.segments.columns:
            raise AgreementInputError(
                f"resample={resample!r} needs a {column!r} column in segments (each "
                f"segment's {column}); pass segments with it (project.segments() has it), "
                "or resample='segment'."
            )
        values = self.segments[column]
        if values.isna().any():
            raise AgreementInputError(
                f"resample={resample!r}: some segments have no {column}; fill the "
                f"{column} column or choose resample='document' or 'segment'."
            )
        ids, uniq = pd.factorize(values)
        return np.asarray(ids, np.int64)[self.clusters], len(uniq)

    @classmethod
    def from_array(
        cls, array: Any, coders: Sequence[str], codes: Sequence[str],
        documents: Sequence[Any] | None = None,
    ) -> Presence:
        """Segment-level decisions from a boolean array of shape (n_units, n_coders, n_codes).

        For synthetic data and benchmarks; project data goes through :func:`build_presence`.
        ``documents`` (one label per unit) lets intervals resample documents.
        """
        arr = np.asarray(array)
        if arr.ndim != 3 or arr.dtype.kind not in "biu":
            raise AgreementInputError(
                "Presence data must be a boolean (or 0/1) array of shape "
                f"(n_units, n_coders, n_codes); got shape {arr.shape}, dtype {arr.dtype}."
            )
        if arr.dtype.kind != "b" and not np.isin(arr, (0, 1)).all():
            raise AgreementInputError("Presence values must be 0/1 or True/False.")
        names = _check_names(coders, codes)
        if arr.shape[1:] != (len(names[0]), len(names[1])):
            raise AgreementInputError(
                f"Presence array has shape {arr.shape} but {len(names[0])} coders and "
                f"{len(names[1])} codes were named; give one name per column."
            )
        if arr.shape[0] == 0:
            raise AgreementInputError("Presence data has no units; pass at least one segment.")
        n = arr.shape[0]
        frame = pd.DataFrame({"segment_id": np.arange(n)})
        if documents is not None:
            if len(documents) != n:
                raise AgreementInputError(
                    f"documents= needs one label per unit ({n}); got {len(documents)}."
                )
            frame["document"] = list(documents)
        return cls(arr.astype(bool), np.ones(n), np.arange(n, dtype=np.int64), frame,
                   names[0], names[1])

    @property
    def n_units(self) -> int:
        """Number of units: segments, or characters summed over character runs."""
        return round(float(self.weights.sum()))

    def describe(self) -> dict[str, Any]:
        """What every table built from these decisions should carry in ``attrs``."""
        return {
            "unit": self.unit,
            "n_units": self.n_units,
            "coders": list(self.coders),
            "include_uncoded": self.include_uncoded,
            "n_uncoded_dropped": self.n_uncoded_dropped,
            "filters": {k: list(v) for k, v in self.filters.items()},
            "roles": None if self.roles is None else list(self.roles),
            "overlap_rule": self.overlap_rule,
            "codebook_version": self.codebook_version,
            "n_pending_recode_excluded": self.n_pending_recode,
            "coverage": self.coverage_rule,
            "dropped_coders": list(self.dropped_coders),
            "units_used": self.units_used(),
            "documents": self.documents(),
        }

    def documents(self) -> list[Any] | None:
        """Documents that hold at least one unit, in segment order (``None``: not known)."""
        if "document" not in self.segments.columns:
            return None
        used = np.bincount(self.clusters, minlength=len(self.segments)) > 0
        return list(pd.unique(self.segments["document"].to_numpy()[used]))


def build_presence(
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
) -> Presence:
    """Presence/absence decisions per unit, coder and code.

    Parameters
    ----------
    segments : DataFrame
        One row per segment: ``segment_id`` (unique) plus the filter columns; ``start``,
        ``end`` (character offsets) for ``unit="character"``; ``role`` when ``roles`` is
        used.
    codings : DataFrame
        Range codings as ``Project.codings()`` returns them (``document``, ``start``,
        ``end``, ``coder``, ``code``; then ``segments`` needs ``document``, ``start``,
        ``end`` and ``text``), or codings already seen per segment (a ``segment_id``
        column, as ``Project.segment_codings()`` returns them; missing offsets mean the
        whole segment). Codings of other coders, and of segments outside the selection,
        are ignored, and so are codings of a split code waiting to be recoded
        (``pending_recode``; counted in ``describe()["n_pending_recode_excluded"]``).
    coders : sequence of str
        The coders to compare (at least two after idle coders are dropped). Without
        ``coverage`` each is taken to have coded every selected segment.
    codes : sequence of str
        The codes to analyse (codings of other codes still count as "coded" for
        ``include_uncoded``).
    unit : {"segment", "character"}
        Unit of analysis (see the module docstring).
    filters : mapping, optional
        Segment column -> accepted value or list of values, e.g.
        ``{"document": [...], "perspective": "client", "session": 3}``.
    roles : sequence of str, optional
        Speaker roles to keep. Default: every role for segments, ``("participant",)``
        for characters (the participant's text, as NVivo compares coded text).
    include_uncoded : bool
        Keep units that no listed coder coded with any code.
    overlap_rule : OverlapRule, name or share, optional
        When a range coding counts for a segment (``unit="segment"``); default ``"any"``.
        For ``unit="character"`` every covered character counts. Ignored for codings
        already seen per segment (their rule is in ``codings.attrs["overlap_rule"]``).
    coverage : DataFrame, optional
        Coverage rows (``coder``, ``document``, ``status``, ``furthest_idx``) as
        ``Project.coverage()`` returns them; pairs not listed are not started. A coder's
        decisions count only where they covered the document (see the module docstring);
        ``segments`` then needs ``document`` and ``segment_index``.
    in_progress : {"exclude", "up_to_last"}
        Documents a coder has in progress: left out (default) or counted up to the
        furthest segment index the coder reached.

    Raises
    ------
    AgreementInputError
        Missing columns, fewer than two coders, duplicate names or segment ids, unknown
        filter columns, a bad ``unit``, or no segment left after filtering.
    """
    if unit not in UNIT_KINDS:
        raise AgreementInputError(f"unit must be one of {list(UNIT_KINDS)}; got {unit!r}.")
    coder_names, code_names = _check_names(coders, codes)
    if unit == "character" and roles is None:
        roles = ("participant",)
    extra = ("start", "end") if unit == "character" else ()
    _check_frame(segments, "segments", (*_SEGMENT_COLUMNS, *extra,
                                       *(("role",) if roles is not None else ())))
    rule_text: str | None
    stated = dict(codings.attrs) if isinstance(codings, pd.DataFrame) else {}
    pending = int(stated.get("pending_recode", 0) or 0)
    if isinstance(codings, pd.DataFrame) and "pending_recode" in codings.columns:
        waiting = codings["pending_recode"].astype(bool)
        pending = max(pending, int(waiting.sum()))
        codings = codings[~waiting]
    if isinstance(codings, pd.DataFrame) and "segment_id" not in codings.columns:
        _check_frame(codings, "codings", _RANGE_COLUMNS)
        _check_frame(segments, "segments", ("document", "start", "end", "text"))
        rule = OverlapRule.parse(overlap_rule)
        try:
            codings = segment_view(segments, codings, rule if unit == "segment" else OVERLAP_ANY)
        except SummaryInputError as exc:
            raise AgreementInputError(str(exc)) from None
        rule_text = rule.describe() if unit == "segment" else "every covered character counts"
    else:
        _check_frame(codings, "codings", _CODING_COLUMNS)
        rule_text = codings.attrs.get("overlap_rule")
    accepted = _check_filters(segments, filters)
    if segments["segment_id"].duplicated().any():
        dup = segments.loc[segments["segment_id"].duplicated(), "segment_id"].iloc[0]
        raise AgreementInputError(
            f"segments lists segment_id {dup!r} twice; pass each segment once."
        )
    selected = _select(segments, accepted, roles)
    covered, coverage_text = _coverage_mask(selected, coverage, coder_names, in_progress)
    idle: list[str] = []
    if covered is not None:
        idle = [c for j, c in enumerate(coder_names) if not covered[:, j].any()]
        why = f"covered none of the selected segments ({coverage_text})"
    if covered is not None and idle:
        warnings.warn(
            f"Left out idle coder(s) {idle}: each {why}. Their decisions would be missing "
            "everywhere, so they change nothing.", UserWarning, stacklevel=2)
        keep = [j for j, c in enumerate(coder_names) if c not in idle]
        coder_names = tuple(coder_names[j] for j in keep)
        covered = covered[:, keep]
        if len(coder_names) < 2:
            raise AgreementInputError(
                f"Agreement needs at least 2 coders who covered the selection; only "
                f"{list(coder_names)} did. Mark documents done with project.set_coverage(...)"
                " or choose other coders or documents."
            )
    ours = codings[codings["coder"].isin(coder_names)]
    seg_row = pd.Index(selected["segment_id"]).get_indexer(ours["segment_id"])
    ours, seg_row = ours[seg_row >= 0], seg_row[seg_row >= 0]
    coder_col = pd.Index(coder_names).get_indexer(ours["coder"])
    code_col = pd.Index(code_names).get_indexer(ours["code"])
    build = _segment_decisions if unit == "segment" else _character_decisions
    array, weights, clusters, coded = build(selected, ours, seg_row, coder_col, code_col,
                                            len(coder_names), len(code_names))
    unit_covered = None if covered is None else covered[clusters]
    dropped = 0
    if not include_uncoded:
        dropped = round(float(weights[~coded].sum()))
        array, weights, clusters = array[coded], weights[coded], clusters[coded]
        if unit_covered is not None:
            unit_covered = unit_covered[coded]
    return Presence(array, weights, clusters, selected, coder_names, code_names, unit,
                    include_uncoded, dropped, accepted,
                    None if roles is None else tuple(roles), rule_text,
                    stated.get("codebook_version"), pending, unit_covered,
                    coverage_text, tuple(idle))


def _coverage_mask(selected: pd.DataFrame, coverage: pd.DataFrame | None,
                   coders: tuple[str, ...], in_progress: str
                   ) -> tuple[np.ndarray | None, str | None]:
    """Whether each coder covered each selected segment, shape (n_segments, n_coders)."""
    if in_progress not in IN_PROGRESS_RULES:
        raise AgreementInputError(
            f"in_progress must be one of {list(IN_PROGRESS_RULES)}; got {in_progress!r}."
        )
    if coverage is None:
        return None, None
    _check_frame(coverage, "coverage", ("coder", "document", "status"))
    _check_frame(selected, "segments", ("document", "segment_index"))
    rows = coverage[coverage["coder"].isin(coders)]
    furthest = (pd.to_numeric(rows["furthest_idx"], errors="coerce")
                if "furthest_idx" in rows.columns else pd.Series(np.nan, index=rows.index))
    done = rows["status"] == "done"
    reach = np.where(done, np.inf, -np.inf)
    if in_progress == "up_to_last":
        reach = np.where(rows["status"] == "in_progress", furthest.fillna(-1).to_numpy(
            dtype=np.float64), reach)
    key = pd.MultiIndex.from_arrays([rows["coder"], rows["document"]])
    reach_of = pd.Series(reach, index=key)
    seg_index = pd.to_numeric(selected["segment_index"]).to_numpy(dtype=np.float64)
    covered = np.zeros((len(selected), len(coders)), bool)
    for j, coder in enumerate(coders):
        lookup = pd.MultiIndex.from_arrays([np.full(len(selected), coder, dtype=object),
                                            selected["document"].to_numpy()])
        limit = reach_of.reindex(lookup).to_numpy(dtype=np.float64)
        covered[:, j] = np.nan_to_num(limit, nan=-np.inf) >= seg_index
    text = ("a coder counts on documents marked done"
            + ("; documents in progress are left out" if in_progress == "exclude"
               else "; documents in progress count up to the furthest segment reached")
            + "; elsewhere their decisions are missing")
    return covered, text


# -- decisions ----------------------------------------------------------------------------
def _segment_decisions(
    selected: pd.DataFrame, codings: pd.DataFrame, seg_row: np.ndarray,
    coder_col: np.ndarray, code_col: np.ndarray, n_coders: int, n_codes: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = len(selected)
    array = np.zeros((n, n_coders, n_codes), bool)
    known = code_col >= 0
    array[seg_row[known], coder_col[known], code_col[known]] = True
    coded = np.zeros(n, bool)
    coded[seg_row] = True
    return array, np.ones(n), np.arange(n, dtype=np.int64), coded


def _character_decisions(
    selected: pd.DataFrame, codings: pd.DataFrame, seg_row: np.ndarray,
    coder_col: np.ndarray, code_col: np.ndarray, n_coders: int, n_codes: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    seg_start = _offsets(selected["start"], "segments", "start")
    seg_end = _offsets(selected["end"], "segments", "end")
    if (seg_end < seg_start).any():
        bad = selected["segment_id"].iloc[int(np.flatnonzero(seg_end < seg_start)[0])]
        raise AgreementInputError(f"Segment {bad!r} ends before it starts; fix its offsets.")
    length = seg_end - seg_start
    origin = np.concatenate([[0], np.cumsum(length)])  # segments laid end to end
    lo = _offsets(codings["start"], "codings", "start", seg_start[seg_row])
    hi = _offsets(codings["end"], "codings", "end", seg_end[seg_row])
    lo = np.clip(lo, seg_start[seg_row], seg_end[seg_row])
    hi = np.clip(hi, lo, seg_end[seg_row])
    g_lo = origin[seg_row] + lo - seg_start[seg_row]
    g_hi = origin[seg_row] + hi - seg_start[seg_row]
    bounds = np.unique(np.concatenate([origin, g_lo, g_hi]))
    runs = len(bounds) - 1
    weights = np.diff(bounds).astype(np.float64)
    clusters = np.searchsorted(origin[:-1], bounds[:-1], side="right").astype(np.int64) - 1
    first = np.searchsorted(bounds, g_lo)
    last = np.searchsorted(bounds, g_hi)
    array = np.zeros((runs, n_coders, n_codes), bool)
    for k in range(n_codes):
        mine = code_col == k
        array[:, :, k] = _covered(first[mine], last[mine], coder_col[mine], runs, n_coders)
    coded = _covered(first, last, np.zeros_like(coder_col), runs, 1)[:, 0]
    return array, weights, clusters, coded


def _covered(first: np.ndarray, last: np.ndarray, column: np.ndarray, runs: int,
             width: int) -> np.ndarray:
    """Whether each run lies in some interval ``[first, last)`` of its column: (runs, width)."""
    size = (runs + 1) * width
    diff = (np.bincount(first * width + column, minlength=size)
            - np.bincount(last * width + column, minlength=size))
    return np.cumsum(diff.reshape(runs + 1, width), axis=0)[:runs] > 0


def _offsets(column: pd.Series, frame: str, name: str,
             fallback: np.ndarray | None = None) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    missing = np.isnan(values)
    if missing.any():
        if fallback is None:
            raise AgreementInputError(
                f"{frame}.{name} has missing offsets; character-level agreement needs the "
                "start and end of every segment."
            )
        values = np.where(missing, fallback, values)
    if (values < 0).any():
        raise AgreementInputError(f"{frame}.{name} holds negative offsets; fix the offsets.")
    return values.astype(np.int64)


# -- validation ---------------------------------------------------------------------------
def _check_names(coders: Sequence[str], codes: Sequence[str]) -> tuple[tuple[str, ...],
                                                                       tuple[str, ...]]:
    if isinstance(coders, str) or isinstance(codes, str):
        raise AgreementInputError(
            "coders and codes must be lists of names, not a single string; "
            "e.g. coders=['ana', 'ben']."
        )
    coder_names, code_names = tuple(coders), tuple(codes)
    if len(coder_names) < 2:
        raise AgreementInputError(
            f"Agreement needs at least 2 coders; got {list(coder_names)}. List every coder "
            "who coded the selection."
        )
    if not code_names:
        raise AgreementInputError("No codes given; list the codes to analyse.")
    for what, names in (("coder", coder_names), ("code", code_names)):
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise AgreementInputError(f"The {what} {name!r} is listed twice; list it once.")
            seen.add(name)
    return coder_names, code_names


def _check_frame(frame: pd.DataFrame, name: str, required: Sequence[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise AgreementInputError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}.")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise AgreementInputError(
            f"{name} lacks the column(s) {missing}; it has {list(frame.columns)}."
        )


def _check_filters(segments: pd.DataFrame, filters: Mapping[str, Any] | None
                   ) -> dict[str, list[Any]]:
    accepted: dict[str, list[Any]] = {}
    for column, wanted in (filters or {}).items():
        if column not in segments.columns:
            raise AgreementInputError(
                f"Cannot filter on {column!r}: segments has no such column (it has "
                f"{list(segments.columns)})."
            )
        if isinstance(wanted, str) or not isinstance(wanted, Sequence | set | pd.Index
                                                     | np.ndarray):
            wanted = [wanted]
        accepted[column] = list(wanted)
    return accepted


def _select(segments: pd.DataFrame, accepted: dict[str, list[Any]],
            roles: Sequence[str] | None) -> pd.DataFrame:
    keep = np.ones(len(segments), bool)
    for column, values in accepted.items():
        keep &= segments[column].isin(values).to_numpy()
    if roles is not None:
        keep &= segments["role"].isin(list(roles)).to_numpy()
    selected = segments.loc[keep].reset_index(drop=True)
    if selected.empty:
        shown = {c: sorted(map(str, pd.unique(segments[c])))[:8] for c in accepted}
        raise AgreementInputError(
            f"No segment matches the filters {accepted}"
            + (f" and roles {list(roles)}" if roles is not None else "")
            + (f"; available values: {shown}" if shown else "")
            + ". Loosen the filters or check the spelling."
        )
    return selected
