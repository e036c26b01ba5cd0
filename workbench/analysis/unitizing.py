"""Krippendorff's unitizing alphas for range codings on the character continuum.

Agreement on segments asks "did both coders apply code *k* to this sentence?". Unitizing
asks where the coded stretches begin and end: each coder cuts a document's text (its
*continuum*, character offsets, code points) into *units* (stretches she coded with *k*)
and *gaps* (stretches she left uncoded, the units of "no code"). This module takes plain
data (a codings DataFrame with ``document``, ``start``, ``end``, ``code``, ``coder``, a
mapping document -> text length, and optionally the character ranges each coder covered)
and never a project; :func:`workbench.agreement.unitizing_agreement` is the project-level
wrapper.

Two families are computed, side by side, in :func:`unitizing_alpha`:

``u_alpha`` -- Krippendorff's alpha_U
    Krippendorff (1995), "On the reliability of unitizing continuous data", *Sociological
    Methodology* 25, 47-76; Krippendorff (2004), "Measuring the reliability of qualitative
    text analysis data", *Quality & Quantity* 38, 787-800, and *Content Analysis* (2nd ed.,
    2004), section 12.4. Per code *k*, each coder's continuum is a sequence of sections
    (units of *k* and gaps). The observed disagreement sums, over ordered pairs of coders
    and pairs of their sections, the squared distance delta^2: for two overlapping units
    the squared differences of their beginnings plus of their ends; for a unit lying wholly
    inside the other coder's gap, its squared length; 0 otherwise; divided by
    m(m-1)L^2. The expected disagreement is Krippendorff's closed form (every unit placed
    at every possible position, against every unit and gap of equal or greater length)::

        D_e = 2/L * sum_units [ (N_k-1)(2l^3-3l^2+l)/3 + l^2 sum_{gaps g, l_g>=l} (l_g-l+1) ]
              / ( mL(mL-1) - sum_units l(l-1) )

    alpha_U = 1 - D_o/D_e, and over all codes 1 - sum_k D_o / sum_k D_e. This is the form
    DKPro Statistics implements (``KrippendorffAlphaUnitizingAgreement``); the tests
    reproduce the worked example of *Content Analysis* (2004, p. 254: alpha_U = 0.7286 for
    category c, 1 for k, 0.8591 overall). It has no notion of missing data, so with
    coverage it is computed on the stretches **every** listed coder covered
    (``common_characters``).

``binary_u_alpha``, ``nominal_u_alpha``, ``cu_alpha``, ``Cu_alpha`` -- the 2016 family
    Krippendorff, Mathet, Bouvry & Widlöcher (2016), "On the reliability of unitizing
    textual continua: Further developments", *Quality & Quantity* 50, 2347-2364, and
    *Content Analysis* (4th ed., 2019), section 12.6; ATLAS.ti reports them. Values
    are compared through a coincidence matrix of the lengths of the intersections of the
    sections of every pair of coders::

        u_ck = 1/(m-1) * sum_{i != j} sum_{g of i valued c} sum_{h of j valued k} |g ∩ h|

    and expected coincidences that treat a valued unit as one indivisible element (its
    mass in the matrix squared is its self-pairs) and a gap as separate characters::

        e_cc = u.. * (u_c.^2 - S_c) / (u..^2 - sum_c S_c)

    with S_c = the sum over the units valued c of the square of their mass in the matrix
    at hand (on the whole continuum a unit's mass is its pairable length; in the gap-free
    matrix of cu-alpha it is the length of its coincidences with other coders' units),
    and S_gap = the total gap mass. ``binary_u_alpha`` (the paper's |u-alpha;
    ATLAS.ti's "alpha-binary") compares "coded with *k*" against everything else on the
    whole continuum; on the "(all codes)" row, "coded with any code" against "coded with
    none". ``nominal_u_alpha`` ("(all codes)" row; the book's u-alpha) compares which
    code, or none, on the whole continuum; it needs mutually exclusive codes (one semantic
    domain) and is ``nan`` with a reason when a coder put two codes on one stretch.
    ``cu_alpha`` keeps only the coincidences of valued units with valued units (gaps left
    out): do coders agree on *which* code where both coded something? The tests
    reproduce the book's worked example (2019, Figure 12.11, three observers on 60
    characters: u-alpha .510, |u-alpha .413, cu-alpha .724) and check every value
    against a per-character loop. ``Cu_alpha`` (per code) collapses cu-alpha's matrix to
    *k* against the other codes, with the same expected coincidences; it is our per-code
    reading and is **not** the book's per-value (k)u-alpha (which conditions on the
    stretches where a coder used *k*) nor ATLAS.ti's global Cu-alpha across semantic
    domains (the workbench has no semantic domains; its themes are not mutually
    exclusive). A coder who puts two codes on one stretch contributes both values there
    (the paper assumes a coder's codes never overlap, as ATLAS.ti's semantic domains
    enforce).

**Coverage.** With ``coverage`` (rows ``coder``, ``document``, ``start``, ``end``: the
character ranges a coder covered) a coder's continuum exists only where she covered it; her
codings are clipped to it. In the 2016 family each character is weighted as a unit of
standard alpha with missing values is: a character covered by m_x coders adds 1/(m_x - 1)
per ordered pair of them, and characters covered by fewer than two coders are not pairable.
When every coded unit is one character long, this is exactly Krippendorff's nominal alpha
over characters with missing values (a test checks this against the ``krippendorff``
package). A coder who covered nothing is left out with a ``UserWarning``. Without
``coverage`` every coder covers every listed document whole.

Documents are separate continua laid end to end: no unit or gap crosses a document border.
A code's overlapping codings by one coder are merged into one unit (touching ones stay two
units). Everything is vectorised over units, never per character: the coincidences are the
weighted lengths of the intersections of every overlapping pair of two coders' units (a
cumulative weight over the stretches of constant coverage gives each intersection's weight).

Undefined values are ``nan`` with the reason in ``reason``: fewer than two coders covering
a common stretch, no coder applying the code, or no variation (every pairable character
has the same value, so chance agreement is perfect).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import AgreementInputError

__all__ = ["ALL_CODES", "UNITIZING_COLUMNS", "Continuum", "build_continuum",
           "unitizing_alpha"]

#: ``code`` of the row over all codes.
ALL_CODES = "(all codes)"
#: Columns of :func:`unitizing_alpha`.
UNITIZING_COLUMNS = ("code", "n_units", "u_alpha", "u_alpha_D_o", "u_alpha_D_e",
                     "binary_u_alpha", "nominal_u_alpha", "cu_alpha", "Cu_alpha",
                     "pairable_characters",
                     "common_characters", "reason")
_CODING_COLUMNS = ("document", "start", "end", "code", "coder")
_COVERAGE_COLUMNS = ("coder", "document", "start", "end")
_I = np.int64


@dataclass(frozen=True, eq=False)
class Continuum:
    """Codings and coverage laid out on one continuum (documents end to end).

    ``units[c][k]`` is ``(starts, ends)`` of coder ``c``'s units of code ``k`` (sorted,
    non-overlapping, clipped to her coverage); ``covered[c]`` the same for her coverage;
    ``borders`` the document starts and the total length.
    """

    coders: tuple[str, ...]
    codes: tuple[str, ...]
    documents: tuple[str, ...]
    offsets: dict[str, int]
    length: int
    borders: np.ndarray
    units: tuple[tuple[tuple[np.ndarray, np.ndarray], ...], ...]
    covered: tuple[tuple[np.ndarray, np.ndarray], ...]


# --------------------------------------------------------------------------- intervals

def _merge(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of intervals: sorted, overlapping ones merged (touching ones kept apart)."""
    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    if len(starts) == 0:
        return starts.astype(_I), ends.astype(_I)
    order = np.lexsort((ends, starts))
    starts, ends = starts[order], ends[order]
    run_end = np.maximum.accumulate(ends)
    new = np.ones(len(starts), bool)
    # touching (start == previous end) starts a new unit; an overlap continues the run
    new[1:] = starts[1:] >= run_end[:-1]
    group = np.cumsum(new) - 1
    out_s = starts[new]
    out_e = np.zeros(len(out_s), _I)
    np.maximum.at(out_e, group, ends)
    return out_s.astype(_I), out_e


def _intersect(a_s: np.ndarray, a_e: np.ndarray, b_s: np.ndarray, b_e: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Pieces of sorted non-overlapping intervals A inside sorted non-overlapping B."""
    lo = np.searchsorted(b_e, a_s, side="right")
    hi = np.searchsorted(b_s, a_e, side="left")
    count = np.maximum(hi - lo, 0)
    which = np.repeat(np.arange(len(a_s)), count)
    first = np.repeat(lo, count)
    pos = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count) + first
    s = np.maximum(a_s[which], b_s[pos])
    e = np.minimum(a_e[which], b_e[pos])
    keep = e > s
    return s[keep].astype(_I), e[keep].astype(_I)


def _inside(flat: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Whether each elementary stretch starting at ``points`` lies in the intervals whose
    bounds are ``flat`` (s0, e0, s1, e1, ...)."""
    return (np.searchsorted(flat, points, side="right") % 2) == 1


def _flat(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    out = np.empty(2 * len(starts), _I)
    out[0::2], out[1::2] = starts, ends
    return out


# --------------------------------------------------------------------------- input

def build_continuum(
    codings: pd.DataFrame,
    lengths: Mapping[str, int],
    *,
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    coverage: pd.DataFrame | None = None,
) -> Continuum:
    """Validate the inputs and lay codings and coverage out on one continuum.

    ``lengths`` maps each document to its text length (``len(text)``); ``documents``
    (default: every document in ``lengths``) chooses and orders them; ``coders`` and
    ``codes`` default to those in ``codings`` (sorted). ``coverage`` rows give covered
    ``[start, end)`` ranges per coder and document (``None``: all covered); a coder who
    covered none of the documents is left out with a ``UserWarning``. Rows marked
    ``pending_recode`` (codings of a split code not yet recoded) are left out.
    """
    missing = [c for c in _CODING_COLUMNS if c not in codings.columns]
    if missing:
        raise AgreementInputError(
            f"codings needs columns {list(_CODING_COLUMNS)}; missing {missing}. Pass "
            "Project.codings() or a DataFrame with those columns.")
    docs = list(lengths) if documents is None else list(documents)
    unknown = [d for d in docs if d not in lengths]
    if unknown:
        raise AgreementInputError(f"No text length for document(s) {unknown}; pass lengths "
                                  "for every document (len of its text).")
    if len(set(docs)) != len(docs):
        raise AgreementInputError("documents lists a document twice; list each once.")
    sizes = np.array([int(lengths[d]) for d in docs], _I)
    if (sizes < 0).any():
        raise AgreementInputError("A document length is negative; lengths are len(text).")
    offsets = dict(zip(docs, np.concatenate([[0], np.cumsum(sizes)[:-1]]).tolist(),
                       strict=True))
    total = int(sizes.sum())
    borders = np.concatenate([[0], np.cumsum(sizes)]).astype(_I)
    if isinstance(coders, str) or isinstance(codes, str):
        raise AgreementInputError("coders= and codes= take lists of names, e.g. ['ana'].")
    doc_idx = pd.Categorical(codings["document"], categories=docs).codes
    in_docs = doc_idx >= 0
    coder_col = codings["coder"].astype(str).to_numpy()
    code_col = codings["code"].astype(str).to_numpy()
    coder_list = (sorted(set(coder_col[in_docs])) if coders is None
                  else [str(c) for c in coders])
    code_list = (sorted(set(code_col[in_docs])) if codes is None
                 else [str(k) for k in codes])
    if len(set(coder_list)) != len(coder_list) or len(set(code_list)) != len(code_list):
        raise AgreementInputError("coders= and codes= must not repeat a name.")
    coder_idx = pd.Categorical(coder_col, categories=coder_list).codes
    code_idx = pd.Categorical(code_col, categories=code_list).codes
    keep_rows = in_docs & (coder_idx >= 0) & (code_idx >= 0)
    if "pending_recode" in codings.columns:  # a split code's codings wait for recoding
        keep_rows &= ~codings["pending_recode"].fillna(False).astype(bool).to_numpy()
    doc_idx, coder_idx, code_idx = doc_idx[keep_rows], coder_idx[keep_rows], code_idx[keep_rows]
    start = pd.to_numeric(codings["start"], errors="coerce").to_numpy(np.float64)[keep_rows]
    end = pd.to_numeric(codings["end"], errors="coerce").to_numpy(np.float64)[keep_rows]
    doc_len = sizes[doc_idx].astype(np.float64)
    bad = ~(np.isfinite(start) & np.isfinite(end)) | (start < 0) | (end < start) | (end > doc_len)
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise AgreementInputError(
            f"Coding [{start[at]:g}, {end[at]:g}) of {coder_list[coder_idx[at]]!r} in "
            f"{docs[doc_idx[at]]!r} is not a range inside the document (0 <= start <= end <= "
            "length); fix or drop it.")
    base = borders[doc_idx]
    g_start = start.astype(_I) + base
    g_end = end.astype(_I) + base

    covered: list[tuple[np.ndarray, np.ndarray]] = []
    if coverage is None:
        full = (borders[:-1].copy(), borders[1:].copy())
        keep = full[1] > full[0]
        covered = [(full[0][keep], full[1][keep]) for _ in coder_list]
    else:
        lack = [c for c in _COVERAGE_COLUMNS if c not in coverage.columns]
        if lack:
            raise AgreementInputError(
                f"coverage needs columns {list(_COVERAGE_COLUMNS)} (covered character "
                f"ranges); missing {lack}.")
        cov = coverage[coverage["document"].isin(docs)]
        c_start = pd.to_numeric(cov["start"], errors="coerce").to_numpy(np.float64)
        c_end = pd.to_numeric(cov["end"], errors="coerce").to_numpy(np.float64)
        c_len = cov["document"].map(lengths).to_numpy(np.float64)
        c_bad = (~(np.isfinite(c_start) & np.isfinite(c_end)) | (c_start < 0)
                 | (c_end < c_start) | (c_end > c_len))
        if c_bad.any():
            raise AgreementInputError(
                "A coverage range is not inside its document (0 <= start <= end <= length).")
        c_base = cov["document"].map(offsets).to_numpy(_I)
        cs = c_start.astype(_I) + c_base
        ce = c_end.astype(_I) + c_base
        who = cov["coder"].astype(str).to_numpy()
        for coder in coder_list:
            mine = who == coder
            covered.append(_merge(cs[mine], ce[mine]))
        idle = [coder for coder, (s0, _) in zip(coder_list, covered, strict=True)
                if len(s0) == 0]
        if idle:
            warnings.warn(f"Left out idle coder(s) {idle}: they covered none of the listed "
                          "documents.", UserWarning, stacklevel=3)
            kept = [c for c, coder in enumerate(coder_list) if coder not in idle]
            remap = np.full(len(coder_list), -1, _I)
            remap[kept] = np.arange(len(kept))
            coder_idx = remap[coder_idx] if len(coder_idx) else coder_idx
            keep = coder_idx >= 0
            coder_idx, code_idx = coder_idx[keep], code_idx[keep]
            g_start, g_end = g_start[keep], g_end[keep]
            coder_list = [coder_list[c] for c in kept]
            covered = [covered[c] for c in kept]

    # every (coder, code) on its own copy of the continuum: one merge and one clip for all
    n_codes = len(code_list)
    span = total + 1
    group = coder_idx.astype(_I) * n_codes + code_idx
    s, e = _merge(g_start + group * span, g_end + group * span)
    cov_s = np.concatenate([covered[c][0] + (c * n_codes + k) * span
                            for c in range(len(coder_list)) for k in range(n_codes)]
                           or [np.zeros(0, _I)])
    cov_e = np.concatenate([covered[c][1] + (c * n_codes + k) * span
                            for c in range(len(coder_list)) for k in range(n_codes)]
                           or [np.zeros(0, _I)])
    s, e = _intersect(s, e, cov_s.astype(_I), cov_e.astype(_I))
    cuts = np.searchsorted(s, np.arange(len(coder_list) * n_codes + 1) * span)
    units: list[tuple[tuple[np.ndarray, np.ndarray], ...]] = []
    for c in range(len(coder_list)):
        per_code = []
        for k in range(n_codes):
            g = c * n_codes + k
            lo, hi = cuts[g], cuts[g + 1]
            per_code.append((s[lo:hi] - g * span, e[lo:hi] - g * span))
        units.append(tuple(per_code))
    return Continuum(tuple(coder_list), tuple(code_list), tuple(docs), offsets, total, borders,
                     tuple(units), tuple(covered))


# --------------------------------------------------------------------------- 1995/2004

def _alpha_u_all(cont: Continuum, stretch_s: np.ndarray, stretch_e: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(D_o, D_e, n_units) of Krippendorff's alpha_U for every code at once, on the common
    stretches ``[stretch_s, stretch_e)``. Each code is laid on its own copy of the
    continuum (offset ``k * span``), so one pass over each pair of coders serves all codes;
    D_e is ``nan`` where it is undefined."""
    m, n_codes = len(cont.coders), len(cont.codes)
    span = cont.length + 1
    length = float((stretch_e - stretch_s).sum())
    offsets = np.arange(n_codes, dtype=_I) * span
    all_s = np.concatenate([stretch_s + o for o in offsets] or [np.zeros(0, _I)])
    all_e = np.concatenate([stretch_e + o for o in offsets] or [np.zeros(0, _I)])
    per_coder: list[tuple[np.ndarray, np.ndarray]] = []
    for c in range(m):
        s = np.concatenate([cont.units[c][k][0] + offsets[k] for k in range(n_codes)]
                           or [np.zeros(0, _I)])
        e = np.concatenate([cont.units[c][k][1] + offsets[k] for k in range(n_codes)]
                           or [np.zeros(0, _I)])
        per_coder.append(_intersect(s, e, all_s, all_e))
    observed = np.zeros(n_codes)
    for i in range(m):
        si, ei = per_coder[i]
        for j in range(i + 1, m):
            sj, ej = per_coder[j]
            lo = np.searchsorted(ej, si, side="right")
            hi = np.searchsorted(sj, ei, side="left")
            count = np.maximum(hi - lo, 0)
            which = np.repeat(np.arange(len(si)), count)
            pos = (np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
                   + np.repeat(lo, count))
            db = (si[which] - sj[pos]).astype(np.float64)
            de = (ei[which] - ej[pos]).astype(np.float64)
            observed += np.bincount(si[which] // span, weights=db * db + de * de,
                                    minlength=n_codes)
            # a unit wholly inside the other coder's gap
            alone = count == 0
            li = (ei - si)[alone].astype(np.float64)
            observed += np.bincount(si[alone] // span, weights=li * li, minlength=n_codes)
            lo_j = np.searchsorted(ei, sj, side="right")
            hi_j = np.searchsorted(si, ej, side="left")
            alone = hi_j - lo_j <= 0
            lj = (ej - sj)[alone].astype(np.float64)
            observed += np.bincount(sj[alone] // span, weights=lj * lj, minlength=n_codes)
    unit_s = np.concatenate([s for s, _ in per_coder] or [np.zeros(0, _I)])
    unit_e = np.concatenate([e for _, e in per_coder] or [np.zeros(0, _I)])
    group = unit_s // span
    lens = (unit_e - unit_s).astype(np.float64)
    n_units = np.bincount(group, minlength=n_codes)
    if length == 0 or m < 2:
        nan = np.full(n_codes, np.nan)
        return nan, nan.copy(), n_units
    d_o = 2.0 * observed / (m * (m - 1) * length ** 2)
    gap_s_list, gap_len_list = [], []
    for s, e in per_coder:
        gs, ge = _complement(s, e, all_s, all_e)
        gap_s_list.append(gs)
        gap_len_list.append(ge - gs)
    gap_group = np.concatenate(gap_s_list) // span
    gap_len = np.concatenate(gap_len_list).astype(np.float64)
    order = np.lexsort((gap_len, gap_group))
    gap_group, gap_len = gap_group[order], gap_len[order]
    cum = np.concatenate([[0.0], np.cumsum(gap_len)])
    # gaps of the unit's code at least as long as the unit: [first, last)
    big = float(span) * 4.0
    gap_key = gap_group * big + gap_len
    first = np.searchsorted(gap_key, group * big + lens, side="left")
    last = np.searchsorted(gap_group, group, side="right")
    n_ge = np.maximum(last - first, 0)
    gap_sum = np.where(n_ge > 0, cum[np.maximum(last, first)] - cum[first], 0.0) \
        - (lens - 1.0) * n_ge
    per_unit = ((n_units[group] - 1) * (2 * lens ** 3 - 3 * lens ** 2 + lens) / 3.0
                + lens ** 2 * gap_sum)
    numer = np.bincount(group, weights=per_unit, minlength=n_codes) * 2.0 / length
    ml = m * length
    denom = ml * (ml - 1.0) - np.bincount(group, weights=lens * (lens - 1.0),
                                          minlength=n_codes)
    with np.errstate(invalid="ignore", divide="ignore"):
        d_e = np.where(denom > 0, numer / np.where(denom > 0, denom, 1.0), np.nan)
    return d_o, d_e, n_units


def _complement(s: np.ndarray, e: np.ndarray, stretch_s: np.ndarray, stretch_e: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Gaps: the parts of the stretches not in the (sorted, non-overlapping) units, cut at
    every stretch border."""
    if len(stretch_s) == 0:
        return np.zeros(0, _I), np.zeros(0, _I)
    lo, hi = int(stretch_s[0]), int(stretch_e[-1])
    gap_s = np.concatenate([[lo], e]).astype(_I)
    gap_e = np.concatenate([s, [hi]]).astype(_I)
    keep = gap_e > gap_s
    return _intersect(gap_s[keep], gap_e[keep], stretch_s, stretch_e)


# --------------------------------------------------------------------------- 2016

@dataclass(frozen=True)
class _Coincidences:
    n: float                 # u.. over all values (gaps included)
    valued: np.ndarray       # K x K cross-coder coincidences of valued units
    unit_mass: np.ndarray    # K: pairable length of units of each code (u_k.)
    unit_sq: np.ndarray      # K: sum of squared pairable unit lengths (S_k)
    any_kk: float            # coincidences "coded" x "coded" (any code)
    any_mass: float          # pairable length of "any code" units
    any_sq: float            # their S
    pairable: int            # characters covered by at least two coders
    valued_sq: np.ndarray    # K: sum over units of code k of (their mass in ``valued``)^2


def _overlapping_pairs(a_s: np.ndarray, a_e: np.ndarray, b_s: np.ndarray, b_e: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Indices (ia, ib) of every pair of overlapping intervals of A and B; B sorted by
    start (its intervals may overlap each other). B is split into length classes (powers
    of 2) so the candidate window of each class is bounded by its own longest interval."""
    if len(a_s) == 0 or len(b_s) == 0:
        return np.zeros(0, _I), np.zeros(0, _I)
    if bool((b_s[1:] >= b_e[:-1]).all()):  # B does not overlap itself: exact windows
        lo = np.searchsorted(b_e, a_s, side="right")
        hi = np.searchsorted(b_s, a_e, side="left")
        count = np.maximum(hi - lo, 0)
        ia = np.repeat(np.arange(len(a_s)), count)
        ib = (np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
              + np.repeat(lo, count))
        return ia, ib
    lens = b_e - b_s
    size_class = np.ceil(np.log2(np.maximum(lens, 1))).astype(_I)
    out_a, out_b = [], []
    for value in np.unique(size_class):
        sel = np.flatnonzero(size_class == value)
        starts = b_s[sel]
        longest = int(lens[sel].max())
        lo = np.searchsorted(starts, a_s - longest, side="right")
        hi = np.searchsorted(starts, a_e, side="left")
        count = np.maximum(hi - lo, 0)
        total = int(count.sum())
        if total == 0:
            continue
        ia = np.repeat(np.arange(len(a_s)), count)
        ib = sel[np.arange(total) - np.repeat(np.cumsum(count) - count, count)
                 + np.repeat(lo, count)]
        keep = b_e[ib] > a_s[ia]
        out_a.append(ia[keep])
        out_b.append(ib[keep])
    if not out_a:
        return np.zeros(0, _I), np.zeros(0, _I)
    return np.concatenate(out_a), np.concatenate(out_b)


def _coincidences(cont: Continuum) -> _Coincidences:
    m, n_codes = len(cont.coders), len(cont.codes)
    # coverage: m_x coders cover character x; weight 1/(m_x - 1) per ordered pair of them
    points = np.unique(np.concatenate(
        [cont.borders] + [_flat(*cont.covered[c]) for c in range(m)])).astype(_I)
    if len(points) < 2:
        zeros = np.zeros(n_codes)
        return _Coincidences(0.0, np.zeros((n_codes, n_codes)), zeros, zeros, 0.0, 0.0, 0.0, 0,
                             zeros)
    seg_s, seg_len = points[:-1], np.diff(points).astype(np.float64)
    cover = np.zeros(len(seg_s), np.int64)
    for c in range(m):
        cover += _inside(_flat(*cont.covered[c]), seg_s)
    pair_len = np.where(cover >= 2, seg_len, 0.0)
    weight_len = np.where(cover >= 2, seg_len / np.maximum(cover - 1, 1), 0.0)
    pair_cum = np.concatenate([[0.0], np.cumsum(pair_len)])
    weight_cum = np.concatenate([[0.0], np.cumsum(weight_len)])
    n_total = float((pair_len * cover).sum())
    xp = points.astype(np.float64)

    def pairable(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return np.interp(hi, xp, pair_cum) - np.interp(lo, xp, pair_cum)

    def weighted(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return np.interp(hi, xp, weight_cum) - np.interp(lo, xp, weight_cum)

    unit_mass = np.zeros(n_codes)
    unit_sq = np.zeros(n_codes)
    per_coder: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    any_units: list[tuple[np.ndarray, np.ndarray]] = []
    any_mass = any_sq = 0.0
    for c in range(m):
        starts, ends, codes = [], [], []
        for k in range(n_codes):
            s, e = cont.units[c][k]
            if len(s) == 0:
                continue
            mass = pairable(s, e)
            unit_mass[k] += mass.sum()
            unit_sq[k] += (mass * mass).sum()
            starts.append(s)
            ends.append(e)
            codes.append(np.full(len(s), k, _I))
        if starts:
            s_all, e_all, k_all = (np.concatenate(starts), np.concatenate(ends),
                                   np.concatenate(codes))
            order = np.argsort(s_all, kind="stable")
            per_coder.append((s_all[order], e_all[order], k_all[order]))
            union = _merge(s_all, e_all)
            mass = pairable(*union)
            any_mass += float(mass.sum())
            any_sq += float((mass * mass).sum())
            any_units.append(union)
        else:
            empty = np.zeros(0, _I)
            per_coder.append((empty, empty, empty))
            any_units.append((empty, empty))

    valued = np.zeros(n_codes * n_codes)
    # each unit's mass in the valued matrix (its coincidences with other coders' units)
    unit_valued = [np.zeros(len(per_coder[c][0])) for c in range(m)]
    any_kk = 0.0
    for i in range(m):
        for j in range(i + 1, m):
            a_s, a_e, a_k = per_coder[i]
            b_s, b_e, b_k = per_coder[j]
            ia, ib = _overlapping_pairs(a_s, a_e, b_s, b_e)
            w = weighted(np.maximum(a_s[ia], b_s[ib]), np.minimum(a_e[ia], b_e[ib]))
            valued += np.bincount(a_k[ia] * n_codes + b_k[ib], weights=w,
                                  minlength=n_codes * n_codes)
            valued += np.bincount(b_k[ib] * n_codes + a_k[ia], weights=w,
                                  minlength=n_codes * n_codes)
            unit_valued[i] += np.bincount(ia, weights=w, minlength=len(a_s))
            unit_valued[j] += np.bincount(ib, weights=w, minlength=len(b_s))
            u_s, u_e = any_units[i]
            v_s, v_e = any_units[j]
            ia, ib = _overlapping_pairs(u_s, u_e, v_s, v_e)
            any_kk += 2.0 * float(weighted(np.maximum(u_s[ia], v_s[ib]),
                                           np.minimum(u_e[ia], v_e[ib])).sum())
    valued_sq = np.zeros(n_codes)
    for c in range(m):
        if len(unit_valued[c]):
            valued_sq += np.bincount(per_coder[c][2], weights=unit_valued[c] ** 2,
                                     minlength=n_codes)
    return _Coincidences(n_total, valued.reshape(n_codes, n_codes), unit_mass, unit_sq,
                         any_kk, any_mass, any_sq, int(pair_len.sum()), valued_sq)


def _binary_alpha(n: float, kk: float, mass: float, sq: float) -> tuple[float, str]:
    """|u-alpha for "valued" (coincidences ``kk``, margin ``mass``, self-pairs ``sq``)
    against gaps, with the 2016 expected coincidences."""
    if n <= 0:
        return float("nan"), "fewer than two coders cover a common stretch"
    if mass <= 0:
        return float("nan"), "no coder applied the code on a pairable stretch"
    gap_mass = n - mass
    gg = n - 2.0 * mass + kk
    denom = n * n - sq - gap_mass
    if denom <= 0:
        return float("nan"), "too little pairable text to compute chance agreement"
    e_kk = n * (mass * mass - sq) / denom
    e_gg = n * (gap_mass * gap_mass - gap_mass) / denom
    d_e = n - e_kk - e_gg
    if d_e <= 1e-12 * n:
        return float("nan"), "no variation: chance agreement is perfect"
    return 1.0 - (n - kk - gg) / d_e, ""


def _alpha_of_units(matrix: np.ndarray, self_pairs: np.ndarray, empty: str
                    ) -> tuple[float, str]:
    """Nominal alpha of a coincidence matrix whose values come in indivisible units.

    ``self_pairs[c]`` is S_c, the sum over the units valued c of the square of their mass
    in ``matrix`` (a gap counted as separate characters adds its length). The expected
    coincidences are Krippendorff's for unitized continua (2016; *Content Analysis*, 4th
    ed., 2019, section 12.6): e_cc = n (n_c^2 - S_c) / (n^2 - sum S)."""
    total = float(matrix.sum())
    if total <= 0:
        return float("nan"), empty
    margin = matrix.sum(axis=1)
    denom = total * total - float(self_pairs.sum())
    if denom <= 0:
        return float("nan"), "too little coded text to compute chance agreement"
    expected_diag = total * (margin * margin - self_pairs) / denom
    d_e = total - float(expected_diag.sum())
    if d_e <= 1e-12 * total:
        return float("nan"), "no variation: chance agreement is perfect"
    return 1.0 - (total - float(np.trace(matrix))) / d_e, ""


def _nominal_u_alpha(coin: _Coincidences) -> tuple[float, str]:
    """The 2016 u-alpha over all codes: which code, or none, on the whole continuum
    (the valued coincidences plus rows and columns for the gaps)."""
    n_codes = len(coin.unit_mass)
    if coin.n <= 0:
        return float("nan"), "fewer than two coders cover a common stretch"
    if float(coin.unit_mass.sum()) > coin.any_mass * (1 + 1e-12) + 1e-9:
        return float("nan"), ("a coder put two codes on one stretch: this coefficient needs "
                              "mutually exclusive codes (read binary_u_alpha per code)")
    full = np.zeros((n_codes + 1, n_codes + 1))
    full[:n_codes, :n_codes] = coin.valued
    with_gap = coin.unit_mass - coin.valued.sum(axis=1)
    full[:n_codes, n_codes] = with_gap
    full[n_codes, :n_codes] = with_gap
    gap_mass = coin.n - float(coin.unit_mass.sum())
    full[n_codes, n_codes] = gap_mass - float(with_gap.sum())
    return _alpha_of_units(full, np.append(coin.unit_sq, gap_mass),
                           "no stretch that two coders both covered")


# --------------------------------------------------------------------------- the table

def unitizing_alpha(
    codings: pd.DataFrame,
    lengths: Mapping[str, int],
    *,
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    coverage: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Unitizing alphas per code and over all codes (see the module docstring).

    One row per code, then a row ``"(all codes)"``. Columns: ``n_units`` (units after
    merging, on the common stretches), ``u_alpha`` (Krippendorff 1995/2004 alpha_U; the
    last row pools D_o and D_e over codes) with its ``u_alpha_D_o`` and ``u_alpha_D_e``
    (observed and expected disagreement; the last row their sums), ``binary_u_alpha``
    (|u-alpha: the code against everything else; last row: any code against none =
    ATLAS.ti's alpha-binary), ``nominal_u_alpha`` (last row only: which code or none,
    mutually exclusive codes),
    ``cu_alpha`` (last row only), ``Cu_alpha`` (code rows only), ``pairable_characters``
    (characters at least two coders cover), ``common_characters`` (characters every coder
    covers: alpha_U's continuum) and ``reason`` (why a value is ``nan``). ``attrs`` name
    the coders, documents and unit of analysis.
    """
    cont = build_continuum(codings, lengths, coders=coders, codes=codes, documents=documents,
                           coverage=coverage)
    m = len(cont.coders)
    n_codes = len(cont.codes)
    rows: list[dict[str, Any]] = []
    if m >= 2:
        common_s, common_e = cont.covered[0]
        for c in range(1, m):
            common_s, common_e = _intersect(common_s, common_e, *cont.covered[c])
    else:
        common_s = common_e = np.zeros(0, _I)
    common = int((common_e - common_s).sum())
    if m >= 2:
        all_do, all_de, all_n = _alpha_u_all(cont, common_s, common_e)
    coin = _coincidences(cont) if m >= 2 else None
    valued = coin.valued if coin is not None else np.zeros((n_codes, n_codes))
    sum_do = sum_de = 0.0
    pooled_ok = True
    n_all = 0
    for k, code in enumerate(cont.codes):
        reasons: list[str] = []
        if m < 2:
            u = b = cap = d_o = d_e = float("nan")
            n_units = int(sum(len(cont.units[c][k][0]) for c in range(m)))
            reasons.append("fewer than two coders")
        else:
            d_o, d_e, n_units = float(all_do[k]), float(all_de[k]), int(all_n[k])
            if common == 0:
                u = float("nan")
                reasons.append("u_alpha: no stretch every coder covered")
                pooled_ok = False
            elif n_units == 0:
                u = float("nan")
                reasons.append("u_alpha: no coder applied the code")
            elif not d_e > 0:
                u = float("nan")
                reasons.append("u_alpha: no variation")
            else:
                u = 1.0 - d_o / d_e
            if np.isfinite(d_o) and np.isfinite(d_e):
                sum_do += d_o
                sum_de += d_e
            assert coin is not None
            b, why = _binary_alpha(coin.n, float(valued[k, k]), float(coin.unit_mass[k]),
                                   float(coin.unit_sq[k]))
            if why:
                reasons.append(f"binary_u_alpha: {why}")
            row = valued[k]
            total = float(valued.sum())
            two = np.array([[row[k], row.sum() - row[k]],
                            [row.sum() - row[k], total - 2 * row.sum() + row[k]]])
            if n_codes < 2:
                cap, why = float("nan"), "a single code: nothing to tell it apart from"
            else:
                own = float(coin.valued_sq[k])
                cap, why = _alpha_of_units(two, np.array([own, coin.valued_sq.sum() - own]),
                                           "no stretch that two coders both coded")
            if why:
                reasons.append(f"Cu_alpha: {why}")
        n_all += n_units
        rows.append({"code": code, "n_units": n_units, "u_alpha": u, "u_alpha_D_o": d_o,
                     "u_alpha_D_e": d_e, "binary_u_alpha": b,
                     "nominal_u_alpha": float("nan"),
                     "cu_alpha": float("nan"), "Cu_alpha": cap,
                     "pairable_characters": coin.pairable if coin else 0,
                     "common_characters": common, "reason": "; ".join(reasons)})
    reasons = []
    if m < 2:
        u = b = cu = nom = float("nan")
        reasons.append("fewer than two coders")
    else:
        assert coin is not None
        if not pooled_ok or common == 0:
            u = float("nan")
            reasons.append("u_alpha: no stretch every coder covered")
        elif sum_de > 0:
            u = 1.0 - sum_do / sum_de
        else:
            u = float("nan")
            reasons.append("u_alpha: no coder applied any code")
        b, why = _binary_alpha(coin.n, coin.any_kk, coin.any_mass, coin.any_sq)
        if why:
            reasons.append(f"binary_u_alpha: {why}")
        cu, why = _alpha_of_units(valued, coin.valued_sq,
                                  "no stretch that two coders both coded")
        if why:
            reasons.append(f"cu_alpha: {why}")
        nom, why = _nominal_u_alpha(coin)
        if why:
            reasons.append(f"nominal_u_alpha: {why}")
    rows.append({"code": ALL_CODES, "n_units": n_all, "u_alpha": u,
                 "u_alpha_D_o": sum_do if m >= 2 and pooled_ok else float("nan"),
                 "u_alpha_D_e": sum_de if m >= 2 and pooled_ok else float("nan"),
                 "binary_u_alpha": b,
                 "nominal_u_alpha": nom, "cu_alpha": cu, "Cu_alpha": float("nan"),
                 "pairable_characters": coin.pairable if coin else 0,
                 "common_characters": common, "reason": "; ".join(reasons)})
    table = pd.DataFrame(rows, columns=list(UNITIZING_COLUMNS))
    pending = (int(codings["pending_recode"].fillna(False).astype(bool).sum())
               if "pending_recode" in codings.columns else 0)
    table.attrs.update({
        "unit": "character continuum (code points); uncoded text = gaps (units of no code)",
        "n_pending_recode": pending,
        "coders": list(cont.coders), "documents": list(cont.documents),
        "coverage": ("every coder covers every listed document" if coverage is None else
                     "coders' continua only where they covered (alpha_U: common stretches)"),
        "references": "Krippendorff 1995, 2004; Krippendorff, Mathet, Bouvry & Widlöcher 2016",
    })
    return table
