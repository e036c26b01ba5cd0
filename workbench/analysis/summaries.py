"""Theme summaries over codings seen per segment (``Project.segment_codings()``).

Pure, vectorised functions (no loop over codings; a benchmark runs them on 1M codings):

* :func:`frequencies` — per code (or theme) and group: number of codings, of distinct
  segments, transcripts and participants.
* :func:`cooccurrence` — code x code counts of segments where both codes occur, on the same
  segment (``window=0``) or within ``window`` neighbouring segments of the same transcript.
* :func:`code_case_matrix` — code x case (transcript, dyad, participant, ...) counts.
* :func:`exemplars` — reproducibly chosen exemplar quotes per code with speaker and case.

The unit is the stored **segment** (a sentence or a speaker turn; the unit the transcripts
were segmented into). A coding is a range of the transcript; ``Project.segment_codings()``
gives one row per segment it counts for by the project's overlap rule (default: it covers
any non-space character of the segment), and every result carries that rule in
``attrs["overlap_rule"]``. Codings of all coders in the frame are pooled: a segment "has" a code
when any coder in the frame applied it. Count one coder's view by filtering the frame first
(``codings[codings.coder == "maria"]``), or group by ``"coder"``.

**What is analysed.** The frame says which codings it holds
(``Project.segment_codings(source=...)``: the consensus by default once the team has
recorded a decision, else the pooled raw codings; or one coder's), and every result carries
it: ``attrs["source"]``, ``attrs["source_caption"]`` (e.g. ``"consensus of maria, tom and
leila: 312 decisions, ..."`` or ``"pooled raw codings of 3 coders, no consensus yet"``) and
``attrs["caption"]``, the sentence to print under the table.

Passing the project's :class:`~workbench.model.Codebook` orders codes as the codebook does
and lists codes that were never applied (with zero counts); without it, only codes present
in the frame appear, sorted by key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.analysis._groups import (
    IntArray,
    combine,
    compact,
    factorize,
    mix,
    nunique,
    rank_within,
    sort_order,
)
from workbench.errors import SummaryInputError
from workbench.model import Codebook

__all__ = [
    "COUNT_COLUMNS",
    "FREQUENCY_GROUPS",
    "code_case_matrix",
    "cooccurrence",
    "exemplars",
    "frequencies",
    "source_caption",
]

Level = Literal["code", "theme"]

#: Grouping columns the issue asks for; any column of the codings frame works.
FREQUENCY_GROUPS: tuple[str, ...] = ("perspective", "dyad", "session", "outcome_group", "coder")
#: Count columns of :func:`frequencies`, in order.
COUNT_COLUMNS: tuple[str, ...] = ("codings", "segments", "transcripts", "participants")

_CASE_CARRY = ("code_name", "theme", "speaker", "role", "document", "dyad", "session",
               "perspective", "participant", "outcome_group", "video_time")


# -- validation ---------------------------------------------------------------------------
def _require(frame: object, columns: Sequence[str], what: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise SummaryInputError(
            f"{what} needs a pandas DataFrame of codings per segment "
            f"(project.segment_codings()), got {type(frame).__name__}."
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        hint = (" These are range codings: pass project.segment_codings(), which says for "
                "each segment which codings count for it." if "segment_id" in missing
                and "start" in frame.columns else "")
        raise SummaryInputError(
            f"{what}: the codings frame has no column(s) {', '.join(missing)}; pass the frame "
            f"from project.segment_codings() (with_attributes=True) or add the columns.{hint}"
        )
    return frame


def source_caption(codings: pd.DataFrame) -> str:
    """What a codings frame holds, in words: its ``attrs["source_caption"]`` (set by
    ``Project.codings``/``segment_codings``: ``"consensus of ana, ben and chloe: 12
    decisions, ..."`` or ``"pooled raw codings of 3 coders, no consensus yet"``), else a
    description of the coders in the frame."""
    stated = codings.attrs.get("source_caption")
    if stated:
        return str(stated)
    coders = sorted(map(str, pd.unique(codings["coder"]))) if "coder" in codings else []
    return (f"codings of {len(coders)} coder{'s' if len(coders) != 1 else ''} in the frame, "
            "pooled (source not stated)")


def _stated(out: pd.DataFrame, codings: pd.DataFrame) -> pd.DataFrame:
    """``out`` with the overlap rule of ``codings``, the pooling and the source (what was
    analysed: the consensus, pooled raw codings or one coder's) in its ``attrs``."""
    caption = source_caption(codings)
    coders = codings.attrs.get("coders")
    if coders is None and "coder" in codings:
        coders = sorted(map(str, pd.unique(codings["coder"])))
    source = codings.attrs.get("source", "not stated")
    out.attrs = {
        "overlap_rule": codings.attrs.get("overlap_rule", "not stated (codings given per segment)"),
        "coders": list(coders) if coders is not None else None,
        "pooled": ("one consensus coding: a segment has a code when the consensus applies it"
                   if source == "consensus" else
                   "a segment has a code when any coder in the frame applied it"),
        "source": source,
        "source_caption": caption,
        "caption": f"Computed on the {caption}.",
        "codebook_version": codings.attrs.get("codebook_version"),
        "n_pending_recode_excluded": codings.attrs.get("pending_recode", 0),
    }
    return out


def _as_list(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


# -- private helpers ----------------------------------------------------------------------
def _key_order(codebook: Codebook | None, level: Level) -> list[str] | None:
    if codebook is None:
        return None
    if level == "theme":
        return [t.key for t in codebook.themes]
    return list(codebook.keys)


def _names(codings: pd.DataFrame, codebook: Codebook | None, level: Level) -> dict[str, str]:
    key, name = (("code", "code_name") if level == "code" else ("theme", "theme_name"))
    names: dict[str, str] = {}
    if name in codings.columns and len(codings):
        firsts = codings.drop_duplicates(key)
        names = {str(k): str(v) for k, v in zip(firsts[key], firsts[name], strict=True)}
    if codebook is not None:
        items = codebook.codes if level == "code" else codebook.themes
        names.update({item.key: item.name for item in items})
    return names


# -- frequencies --------------------------------------------------------------------------
def frequencies(
    codings: pd.DataFrame,
    by: str | Sequence[str] = ("perspective",),
    *,
    level: Level = "code",
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """How often each code (or theme) occurs, per group.

    Parameters
    ----------
    codings : DataFrame, one row per coding
        ``project.segment_codings()``: needs ``code`` (or ``theme``), ``segment_id``, ``document``,
        ``participant`` and the ``by`` columns.
    by : column name or names
        Groups, e.g. ``"perspective"``, ``["outcome_group", "perspective"]``, ``"coder"``
        (see :data:`FREQUENCY_GROUPS`); ``()`` for one overall row per code. Missing values
        form their own group.
    level : ``"code"`` or ``"theme"``
        Count codes, or themes (a theme occurs where any of its codes does).
    codebook : Codebook, optional
        Order keys as the codebook does and add never-applied keys with zero counts in
        every group that occurs.

    Returns
    -------
    DataFrame with columns ``[*by, code, code_name]`` (or ``theme, theme_name``) and
    :data:`COUNT_COLUMNS`: ``codings`` (distinct ``coding_uuid``, else rows), ``segments``
    (distinct ``segment_id``), ``transcripts`` (distinct ``document``) and ``participants`` (distinct
    ``participant``), all ``int64``; sorted by group, then key.
    """
    if level not in ("code", "theme"):
        raise SummaryInputError(f"level must be 'code' or 'theme', not {level!r}.")
    groups = _as_list(by)
    key, name = ("code", "code_name") if level == "code" else ("theme", "theme_name")
    _require(codings, [*groups, key, "segment_id", "document", "participant"], "frequencies")
    if key in groups:
        raise SummaryInputError(f"frequencies: {key!r} is the counted key; do not group by it.")
    factors = [factorize(codings[g]) for g in groups]
    key_codes, key_values = factorize(codings[key], _key_order(codebook, level))
    sizes = [len(u) for _, u in factors] + [len(key_values)]
    group, keys = combine([c for c, _ in factors] + [key_codes], sizes)
    n_groups = len(keys)
    out = pd.DataFrame({g: _take(factors[i][1], keys[:, i]) for i, g in enumerate(groups)})
    out[key] = _take(key_values, keys[:, -1]).astype(object)
    if "coding_uuid" in codings.columns:  # a coding across segments counts once
        out["codings"] = nunique(group, n_groups, codings["coding_uuid"])
    else:
        out["codings"] = np.bincount(group, minlength=n_groups).astype(np.int64)
    out["segments"] = nunique(group, n_groups, codings["segment_id"])
    out["transcripts"] = nunique(group, n_groups, codings["document"])
    out["participants"] = nunique(group, n_groups, codings["participant"])
    if codebook is not None:
        out = _complete(out, groups, key, _key_order(codebook, level) or [])
    names = _names(codings, codebook, level)
    out.insert(len(groups) + 1, name, out[key].map(names).astype(object))
    return _stated(out.reset_index(drop=True), codings)


def _take(values: pd.Index, idx: IntArray) -> pd.Series:
    return pd.Series(values.take(idx), dtype=values.dtype)


def _complete(out: pd.DataFrame, groups: list[str], key: str, order: list[str]) -> pd.DataFrame:
    """Add zero rows for codebook keys missing from a group; keep groups x key order."""
    present = list(dict.fromkeys(out[key]))
    keys = order + [k for k in present if k not in order]
    combos = out[groups].drop_duplicates() if groups else pd.DataFrame(index=[0])
    full = combos.merge(pd.DataFrame({key: keys}), how="cross")
    merged = full.merge(out, on=[*groups, key], how="left")
    for col in COUNT_COLUMNS:
        merged[col] = merged[col].fillna(0).astype(np.int64)
    rank = {k: i for i, k in enumerate(keys)}
    merged["_rank"] = merged[key].map(rank)
    group_rank = out[groups].drop_duplicates().reset_index(drop=True) if groups else None
    if group_rank is not None:
        group_rank["_group"] = np.arange(len(group_rank))
        merged = merged.merge(group_rank, on=groups, how="left")
        merged = merged.sort_values(["_group", "_rank"], kind="stable")
        merged = merged.drop(columns=["_group"])
    else:
        merged = merged.sort_values("_rank", kind="stable")
    return merged.drop(columns=["_rank"])


# -- co-occurrence ------------------------------------------------------------------------
def cooccurrence(
    codings: pd.DataFrame, *, window: int = 0, codebook: Codebook | None = None
) -> pd.DataFrame:
    """Code x code counts of segments where both codes occur.

    Entry ``[a, b]`` is the number of segments coded ``a`` that have code ``b`` on the same
    segment (``window=0``), or on a segment at most ``window`` positions before or after it
    in the same transcript (positions are ``segment_index``, interviewer segments
    included). With ``window=0`` the matrix is symmetric; with a window it is read by row
    ("of the segments coded *a*, how many have *b* nearby") and need not be. The diagonal
    is the number of segments coded ``a``.

    Returns
    -------
    DataFrame, shape (n_codes, n_codes), ``int64``; index ``code`` (anchor code), columns
    the co-occurring code; codebook order when a codebook is given.
    """
    if isinstance(window, bool) or not isinstance(window, int | np.integer) or window < 0:
        raise SummaryInputError(f"window must be a whole number of segments >= 0, not {window!r}.")
    _require(codings, ["document", "segment_index", "code"], "cooccurrence")
    order = _key_order(codebook, "code")
    code_ids, code_values = factorize(codings["code"], order)
    anchors, near, _ = _incidence(codings, code_ids, len(code_values), window)
    exact = np.float32 if len(anchors) < 2**24 else np.float64  # counts <= segments
    counts = anchors.T.astype(exact) @ near.astype(exact)
    labels = pd.Index([str(c) for c in code_values], name="code")
    frame = pd.DataFrame(np.rint(counts).astype(np.int64), index=labels,
                        columns=pd.Index(list(labels)))
    return _stated(frame, codings)


def _incidence(
    codings: pd.DataFrame, code_ids: IntArray, n_codes: int, window: int
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], IntArray]:
    """Segment x code indicators: codes on each segment, and codes within the window."""
    doc_ids = np.asarray(pd.factorize(codings["document"])[0], np.int64)
    index = codings["segment_index"].to_numpy(dtype=np.int64)
    stride = int(index.max()) + 2 * window + 2 if len(index) else 1
    position = doc_ids * stride + index
    positions, row = compact(position)
    anchors = np.zeros((len(positions), n_codes), dtype=bool)
    anchors[row, code_ids] = True
    near = anchors.copy()
    for shift in range(1, window + 1):
        for target in (positions + shift, positions - shift):
            found = np.searchsorted(positions, target)
            found = np.minimum(found, max(len(positions) - 1, 0))
            hit = positions[found] == target if len(positions) else np.zeros(0, bool)
            near[hit] |= anchors[found[hit]]
    return anchors, near, positions


# -- code x case --------------------------------------------------------------------------
def code_case_matrix(
    codings: pd.DataFrame,
    *,
    case: str = "document",
    value: Literal["segments", "codings"] = "segments",
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Code x case counts: distinct coded segments (or codings) per code and case.

    ``case`` is any column: ``"document"`` (one column per transcript), ``"dyad"``,
    ``"participant"``, ``"perspective"``, ... Returns a DataFrame of ``int64``, index
    ``code`` (codebook order when given, all codebook codes), columns the case values
    sorted.
    """
    if value not in ("segments", "codings"):
        raise SummaryInputError(f"value must be 'segments' or 'codings', not {value!r}.")
    _require(codings, ["code", "segment_id", case], "code_case_matrix")
    code_ids, code_values = factorize(codings["code"], _key_order(codebook, "code"))
    case_ids, case_values = factorize(codings[case])
    n_codes, n_cases = len(code_values), len(case_values)
    cell = code_ids * max(n_cases, 1) + case_ids
    if value == "codings":
        counts = np.bincount(cell, minlength=n_codes * n_cases)
    else:
        seg_ids = np.asarray(pd.factorize(codings["segment_id"])[0], np.int64)
        width = int(seg_ids.max()) + 1 if len(seg_ids) else 1
        distinct = np.unique(cell * width + seg_ids)
        counts = np.bincount(distinct // width, minlength=n_codes * n_cases)
    matrix = counts.reshape(n_codes, n_cases).astype(np.int64)
    frame = pd.DataFrame(matrix, index=pd.Index([str(c) for c in code_values], name="code"),
                         columns=pd.Index(case_values, name=case))
    return _stated(frame, codings)


# -- exemplars ----------------------------------------------------------------------------
def exemplars(
    codings: pd.DataFrame,
    *,
    n: int = 3,
    seed: int = 0,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Up to ``n`` exemplar quotes per code, chosen reproducibly.

    A candidate is a (code, segment) pair; its quote is the coded text of the coding by the
    alphabetically first coder who applied the code there (so row order does not matter).
    Candidates are ranked, per code, by

    1. spread: the candidate's rank among the same code's candidates *in its transcript*
       (so the first picks come from different transcripts),
    2. agreement: more coders applied the code there (``coders``, descending),
    3. a seeded hash of ``(segment_id, code)``: the same project and seed give the same
       choice; another seed draws another among equals.

    Returns
    -------
    DataFrame, one row per exemplar, codes in codebook order (when given) then ``rank``
    1..n: ``code, code_name, theme, rank, quote, coders, memos`` (the coders' memos on
    that coding, ``"coder: memo"`` joined by ``" | "``), then speaker, role, document,
    case attributes, ``video_time`` and ``segment_id`` where the frame has them.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise SummaryInputError(f"n must be a whole number >= 1, not {n!r}.")
    _require(codings, ["code", "segment_id", "document", "coder", "text"], "exemplars")
    order = _key_order(codebook, "code")
    code_ids, _ = factorize(codings["code"], order)
    seg_ids = np.asarray(pd.factorize(codings["segment_id"])[0], np.int64)
    coder_ids, coder_names = factorize(codings["coder"])
    width = len(coder_names) or 1
    pair = code_ids * (int(seg_ids.max()) + 1 if len(seg_ids) else 1) + seg_ids
    # one entry per (code, segment, coder), sorted: a pair's first entry is its first coder
    triples, rows = np.unique(pair * width + coder_ids, return_index=True)
    pair_of = triples // width
    starts = np.flatnonzero(np.r_[True, pair_of[1:] != pair_of[:-1]]) if len(triples) \
        else np.zeros(0, np.int64)
    first = rows[starts]
    coders = np.diff(np.r_[starts, len(triples)]).astype(np.int64)
    cand_code = code_ids[first]
    segment_values = codings["segment_id"].to_numpy(np.int64)[first]
    tiebreak = mix(segment_values, cand_code, seed)
    doc_ids = np.asarray(pd.factorize(codings["document"])[0], np.int64)[first]
    fewer = int(coders.max(initial=0)) - coders  # more coders first
    spread = rank_within(cand_code * (int(doc_ids.max()) + 1 if len(doc_ids) else 1) + doc_ids,
                          fewer, tiebreak)
    chosen = sort_order([cand_code, spread, fewer], tiebreak)
    sorted_code = cand_code[chosen]
    starts = np.r_[0, np.flatnonzero(sorted_code[1:] != sorted_code[:-1]) + 1] \
        if len(chosen) else np.zeros(0, np.int64)
    rank = np.arange(len(chosen)) - np.repeat(starts, np.diff(np.r_[starts, len(chosen)]))
    keep = chosen[rank < n]
    out = codings.iloc[first[keep]].reset_index(drop=True)
    result = pd.DataFrame({"code": out["code"].astype(str)})
    names = _names(codings, codebook, "code")
    result["code_name"] = result["code"].map(names)
    if "theme" in out.columns:
        result["theme"] = out["theme"]
    result["rank"] = (rank[rank < n] + 1).astype(np.int64)
    result["quote"] = out["text"].astype(str)
    result["coders"] = coders[keep]
    result["memos"] = _memos(codings, result["code"], out["segment_id"])
    for column in _CASE_CARRY[2:]:
        if column in out.columns and column not in result.columns:
            result[column] = out[column]
    result["segment_id"] = out["segment_id"]
    return _stated(result, codings)


def _memos(codings: pd.DataFrame, codes: pd.Series, segment_ids: pd.Series) -> list[str]:
    if "memo" not in codings.columns or codes.empty:
        return [""] * len(codes)
    wanted = pd.DataFrame({"code": codes.to_numpy(), "segment_id": segment_ids.to_numpy()})
    near = codings[codings["segment_id"].isin(wanted["segment_id"])]
    rows = near.merge(wanted, on=["code", "segment_id"], how="inner")
    rows = rows[rows["memo"].fillna("").astype(str).str.strip() != ""]
    if rows.empty:
        return [""] * len(codes)
    rows = rows.sort_values("coder", kind="stable")
    label = rows["coder"].astype(str) + ": " + rows["memo"].astype(str)
    joined = label.groupby([rows["code"], rows["segment_id"]], sort=False).agg(" | ".join)
    return [str(joined.get((c, s), "")) for c, s in zip(codes, segment_ids, strict=True)]
