"""What another QDA tool would report for the same codings.

A collaborator who runs NVivo, MAXQDA, ATLAS.ti or QDA Miner will quote that tool's
agreement figures, and each tool means something different by them: different units
(characters, coded segments, documents), different treatment of the text nobody coded, and
different coefficients. :func:`tool_comparison` computes, from one codings DataFrame
(``document``, ``start``, ``end``, ``code``, ``coder``), the document lengths and optional
coverage (as in :mod:`workbench.analysis.unitizing`), one long table with a row per tool,
measure, code, document and coder pair, each row naming its ``unit``, how it treats
``uncoded_text``, the ``source`` of the definition and a ``note`` where we had to choose.

What each tool computes (and what we implemented):

**NVivo** -- Coding Comparison query (NVivo 12 Windows help, "Coding comparison query",
https://help-nv.qsrinternational.com/12/win/v12.1.90-d3ea61/Content/queries/coding-comparison-query.htm;
NVivo 9 help "Run a Coding Comparison query",
http://help-nv9-en.qsrinternational.com/procedures/run_a_coding_comparison_query.htm).
Per code, document and pair of users, the unit is one character of the document: percentage
agreement = (characters both coded + characters neither coded) / document characters, and
Cohen's kappa from the same counts, K = (agree - EF) / (total - EF) with EF = A*B/total +
(total-A)(total-B)/total. Uncoded text counts as agreement ("Not A and Not B"). The help
says K = 1 when the users agree completely, so a document neither coded at the code gets
K = 1 (we follow it; the formula itself would be 0/0).

**MAXQDA** -- Intercoder Agreement, "Segment agreement" (MAXQDA manual, "Intercoder
Agreement", https://www.maxqda.com/help-mx24/coding/problem-intercoder-agreement-qualitative-research,
and its section on kappa). The unit is a coded segment: a segment of one coder agrees when
the other coder coded the same code on a segment that overlaps it by at least
``min_overlap`` percent. Uncoded text is not a unit at all (MAXQDA cannot count cell d,
"neither coded", for free segments). Percent agreement = agreeing segments / all segments
of both coders; "kappa (Brennan & Prediger)" = (P_o - 1/k) / (1 - 1/k) with k the number
of codes in the table, as the manual describes. The manual does not define "overlap by
x %" exactly; we use the intersection over the span of the two segments together (so 90 %
means both begin and end within 10 % of that span of each other).

**ATLAS.ti** -- Inter-coder Agreement, Krippendorff's family (ATLAS.ti 8 Windows manual
"Inter-Coder Agreement Analysis", downloads.atlasti.com/docs/ICA_a8_win_en.pdf, chapter
"Krippendorff's family of alpha coefficients"; Krippendorff, Mathet, Bouvry & Widlöcher
2016): alpha-binary (coded with any code against uncoded text, on the whole continuum),
cu-alpha (which code, on text both coded; it reproduces the worked example of
Krippendorff's *Content Analysis*, 4th ed., Figure 12.11) and, per code, a Cu-alpha that
is our reading (the code against the other codes on text both coded: ATLAS.ti's own
Cu-alpha compares semantic domains, which the workbench does not have), over all coders at once,
from :func:`workbench.analysis.unitizing.unitizing_alpha` (see there for the formulas and
the treatment of codes that overlap, which ATLAS.ti's semantic domains forbid). The codes
compared are taken as one semantic domain; alpha-binary is also given per code (that code
against all other text).

**QDA Miner** -- Coding agreement (Provalis, QDA Miner User's Manual, section "Assessing
inter-coder agreement"; tutorial https://provalisresearch.com/resources/tutorials/inter-coder-assessment/).
Four criteria: *code occurrence* (unit: a document; does each coder use the code in it;
documents neither coded count as agreement on absence), *code frequency* (unit: a
document; how many times each coder used the code), *code importance* (unit: a document;
"the percentage of words in the document that have been tagged" with the code; we use
characters) and *code overlap* (unit: a coded segment; agreement when "the codes assigned
by both users overlap each other on 90% of their length", the default; uncoded text is not
a unit). The manual does not give how frequencies and importances are turned into an
agreement figure; we report per document the smaller over the larger value (1 when both
are 0), averaged over documents, and read "overlap on x % of their length" as the
intersection over the span of the two segments, as for MAXQDA.

Common to all: a coder's overlapping codings of one code are one segment (touching ones
stay two); with ``coverage``, each pair of coders is compared on the text both covered
(codings outside it are clipped, the document "length" is the covered length; the tools
themselves know nothing of coverage).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis.unitizing import (
    ALL_CODES,
    _intersect,
    _overlapping_pairs,
    build_continuum,
    unitizing_alpha,
)
from workbench.errors import AgreementInputError

__all__ = ["ALL_DOCUMENTS", "TOOLS", "TOOL_COLUMNS", "tool_comparison"]

ALL_DOCUMENTS = "(all documents)"
TOOLS: tuple[str, ...] = ("NVivo", "MAXQDA", "ATLAS.ti", "QDA Miner")
TOOL_COLUMNS = ("tool", "measure", "code", "document", "coders", "value", "n_units", "unit",
                "uncoded_text", "source", "note")

_NVIVO = ("NVivo 12 help, Coding comparison query: https://help-nv.qsrinternational.com/12/"
          "win/v12.1.90-d3ea61/Content/queries/coding-comparison-query.htm")
_MAXQDA = ("MAXQDA manual, Intercoder Agreement: https://www.maxqda.com/help-mx24/coding/"
           "problem-intercoder-agreement-qualitative-research")
_ATLAS = ("ATLAS.ti 8 Windows, Inter-Coder Agreement Analysis (downloads.atlasti.com/docs/"
          "ICA_a8_win_en.pdf); Krippendorff et al. 2016, Quality & Quantity 50:2347-2364")
_QDAMINER = ("QDA Miner User's Manual, Assessing inter-coder agreement; "
             "https://provalisresearch.com/resources/tutorials/inter-coder-assessment/")
_CHAR = "character of the document"
_SEGMENT = "coded segment"
_DOCUMENT = "document"


def _per_document(starts: np.ndarray, ends: np.ndarray, borders: np.ndarray) -> np.ndarray:
    """Total length of intervals per document (intervals never cross a border)."""
    doc = np.searchsorted(borders, starts, side="right") - 1
    return np.bincount(doc, weights=(ends - starts).astype(np.float64),
                       minlength=len(borders) - 1)


def _count_per_document(starts: np.ndarray, borders: np.ndarray) -> np.ndarray:
    doc = np.searchsorted(borders, starts, side="right") - 1
    return np.bincount(doc, minlength=len(borders) - 1).astype(np.float64)


def _matched(a_s: np.ndarray, a_e: np.ndarray, b_s: np.ndarray, b_e: np.ndarray,
             threshold: float) -> np.ndarray:
    """Whether each segment of A overlaps some segment of B by at least ``threshold``
    (intersection over the span of the two)."""
    ia, ib = _overlapping_pairs(a_s, a_e, b_s, b_e)
    inter = np.minimum(a_e[ia], b_e[ib]) - np.maximum(a_s[ia], b_s[ib])
    span = np.maximum(a_e[ia], b_e[ib]) - np.minimum(a_s[ia], b_s[ib])
    good = inter >= threshold * span - 1e-9
    out = np.zeros(len(a_s), bool)
    out[ia[good]] = True
    return out


def _ratio(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Smaller over larger, 1 where both are 0."""
    hi = np.maximum(x, y)
    return np.where(hi > 0, np.minimum(x, y) / np.where(hi > 0, hi, 1.0), 1.0)


def tool_comparison(
    codings: pd.DataFrame,
    lengths: Mapping[str, int],
    *,
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    coverage: pd.DataFrame | None = None,
    tools: Sequence[str] = TOOLS,
    min_overlap: float = 90.0,
    qda_overlap: float = 90.0,
) -> pd.DataFrame:
    """Agreement figures as NVivo, MAXQDA, ATLAS.ti and QDA Miner would report them.

    ``min_overlap`` (MAXQDA) and ``qda_overlap`` (QDA Miner) are percentages (0-100].
    Returns one row per tool, measure, code, document (or ``"(all documents)"``) and coder
    pair (``"ana|ben"``; ATLAS.ti: all coders), with ``value``, ``n_units`` (units the
    value rests on), ``unit``, ``uncoded_text``, ``source`` and ``note``; see the module
    docstring for each definition.
    """
    unknown = [t for t in tools if t not in TOOLS]
    if unknown or isinstance(tools, str):
        raise AgreementInputError(f"Unknown tool(s) {unknown or tools}; choose from {list(TOOLS)}.")
    for name, value in (("min_overlap", min_overlap), ("qda_overlap", qda_overlap)):
        if not 0 < float(value) <= 100:
            raise AgreementInputError(f"{name} is a percentage in (0, 100], e.g. 90; got {value}.")
    cont = build_continuum(codings, lengths, coders=coders, codes=codes, documents=documents,
                           coverage=coverage)
    if len(cont.coders) < 2:
        raise AgreementInputError("Tool comparison needs at least two coders; pass coders=.")
    borders = cont.borders
    docs = list(cont.documents)
    n_docs, n_codes = len(docs), len(cont.codes)
    rows: list[dict[str, Any]] = []

    def add(tool: str, measure: str, code: str, document: str, pair: str, value: float,
            n_units: float, unit: str, uncoded: str, source: str, note: str = "") -> None:
        rows.append({"tool": tool, "measure": measure, "code": code, "document": document,
                     "coders": pair, "value": float(value), "n_units": float(n_units),
                     "unit": unit, "uncoded_text": uncoded, "source": source, "note": note})

    for i, j in combinations(range(len(cont.coders)), 2):
        pair = f"{cont.coders[i]}|{cont.coders[j]}"
        common_s, common_e = _intersect(*cont.covered[i], *cont.covered[j])
        total = _per_document(common_s, common_e, borders)
        seg_all = np.zeros(n_codes)
        seg_agree = np.zeros(n_codes)
        qda_all = np.zeros(n_codes)
        qda_agree = np.zeros(n_codes)
        for k, code in enumerate(cont.codes):
            a_s, a_e = _intersect(*cont.units[i][k], common_s, common_e)
            b_s, b_e = _intersect(*cont.units[j][k], common_s, common_e)
            a = _per_document(a_s, a_e, borders)
            b = _per_document(b_s, b_e, borders)
            both = _per_document(*_intersect(a_s, a_e, b_s, b_e), borders)
            if "NVivo" in tools:
                agree = total - a - b + 2 * both
                with np.errstate(invalid="ignore", divide="ignore"):
                    pct = np.where(total > 0, 100.0 * agree / np.where(total > 0, total, 1), np.nan)
                    ef = np.where(total > 0, (a * b + (total - a) * (total - b))
                                  / np.where(total > 0, total, 1), np.nan)
                    denom = total - ef
                    kappa = np.where(agree >= total, 1.0,
                                     (agree - ef) / np.where(denom != 0, denom, np.nan))
                for d in range(n_docs):
                    if total[d] == 0:
                        continue
                    add("NVivo", "percentage agreement", code, docs[d], pair, pct[d], total[d],
                        _CHAR, "counts as agreement (Not A and Not B)", _NVIVO)
                    add("NVivo", "Kappa coefficient", code, docs[d], pair, kappa[d], total[d],
                        _CHAR, "counts as agreement (Not A and Not B)", _NVIVO,
                        "K = 1 on complete agreement, as the help states" if agree[d] >= total[d]
                        else "")
            a_match = _matched(a_s, a_e, b_s, b_e, min_overlap / 100.0)
            b_match = _matched(b_s, b_e, a_s, a_e, min_overlap / 100.0)
            n_seg = _count_per_document(a_s, borders) + _count_per_document(b_s, borders)
            n_ok = (_count_per_document(a_s[a_match], borders)
                    + _count_per_document(b_s[b_match], borders))
            seg_all[k], seg_agree[k] = n_seg.sum(), n_ok.sum()
            if "MAXQDA" in tools:
                for d in range(n_docs):
                    if n_seg[d] == 0:
                        continue
                    add("MAXQDA", f"segment agreement (>= {min_overlap:g}% overlap), %", code,
                        docs[d], pair, 100.0 * n_ok[d] / n_seg[d], n_seg[d], _SEGMENT,
                        "not a unit (cell d unknown)", _MAXQDA,
                        "overlap = intersection / span of the two segments (our reading)")
                add("MAXQDA", f"segment agreement (>= {min_overlap:g}% overlap), %", code,
                    ALL_DOCUMENTS, pair,
                    100.0 * seg_agree[k] / seg_all[k] if seg_all[k] else np.nan, seg_all[k],
                    _SEGMENT, "not a unit (cell d unknown)", _MAXQDA,
                    "overlap = intersection / span of the two segments (our reading)"
                    if seg_all[k] else "nan: neither coder coded a segment with this code")
            if "QDA Miner" in tools:
                present_a = _count_per_document(a_s, borders) > 0
                present_b = _count_per_document(b_s, borders) > 0
                use = total > 0
                n_use = int(use.sum())
                occ = float((present_a == present_b)[use].mean()) if n_use else np.nan
                add("QDA Miner", "code occurrence, % agreement", code, ALL_DOCUMENTS, pair,
                    100.0 * occ, n_use, _DOCUMENT,
                    "documents neither coded agree on absence", _QDAMINER)
                fa = _count_per_document(a_s, borders)
                fb = _count_per_document(b_s, borders)
                freq = float(_ratio(fa, fb)[use].mean()) if n_use else np.nan
                add("QDA Miner", "code frequency, % agreement", code, ALL_DOCUMENTS, pair,
                    100.0 * freq, n_use, _DOCUMENT, "documents neither coded score 100%",
                    _QDAMINER, "per document smaller/larger count, averaged (not documented)")
                with np.errstate(invalid="ignore", divide="ignore"):
                    share_a = np.where(use, a / np.where(use, total, 1), 0.0)
                    share_b = np.where(use, b / np.where(use, total, 1), 0.0)
                imp = float(_ratio(share_a, share_b)[use].mean()) if n_use else np.nan
                add("QDA Miner", "code importance, % agreement", code, ALL_DOCUMENTS, pair,
                    100.0 * imp, n_use, _DOCUMENT, "documents neither coded score 100%",
                    _QDAMINER, "share of the document's characters (QDA Miner: words); "
                    "smaller/larger share, averaged (not documented)")
                qa = _matched(a_s, a_e, b_s, b_e, qda_overlap / 100.0)
                qb = _matched(b_s, b_e, a_s, a_e, qda_overlap / 100.0)
                qda_all[k] = len(a_s) + len(b_s)
                qda_agree[k] = int(qa.sum()) + int(qb.sum())
                add("QDA Miner", f"code overlap (>= {qda_overlap:g}%), % agreement", code,
                    ALL_DOCUMENTS, pair,
                    100.0 * qda_agree[k] / qda_all[k] if qda_all[k] else np.nan, qda_all[k],
                    _SEGMENT, "not a unit", _QDAMINER,
                    "overlap = intersection / span of the two segments (our reading)"
                    if qda_all[k] else "nan: neither coder coded a segment with this code")
        if "MAXQDA" in tools and seg_all.sum() > 0:
            k_codes = n_codes
            p_o = seg_agree.sum() / seg_all.sum()
            p_c = 1.0 / k_codes if k_codes else np.nan
            value = (p_o - p_c) / (1.0 - p_c) if k_codes > 1 else np.nan
            add("MAXQDA", "kappa (Brennan & Prediger)", ALL_CODES, ALL_DOCUMENTS, pair, value,
                seg_all.sum(), _SEGMENT, "not a unit (cell d unknown)", _MAXQDA,
                f"P_o = agreeing / all segments = {p_o:.4f}; P_chance = 1/{k_codes} codes"
                if k_codes > 1 else "a single code: P_chance = 1, kappa undefined")
    if "ATLAS.ti" in tools:
        alphas = unitizing_alpha(codings, lengths, coders=list(cont.coders),
                                 codes=list(cont.codes), documents=docs, coverage=coverage)
        everyone = "|".join(cont.coders)
        last = alphas.iloc[-1]
        unit = "character continuum (sections of text)"
        add("ATLAS.ti", "alpha-binary", ALL_CODES, ALL_DOCUMENTS, everyone,
            last["binary_u_alpha"], last["pairable_characters"], unit,
            "gaps are units of 'not coded'", _ATLAS, last["reason"])
        add("ATLAS.ti", "cu-alpha", ALL_CODES, ALL_DOCUMENTS, everyone, last["cu_alpha"],
            last["pairable_characters"], unit, "left out (only coded text)", _ATLAS,
            last["reason"])
        for _, r in alphas.iloc[:-1].iterrows():
            add("ATLAS.ti", "alpha-binary", r["code"], ALL_DOCUMENTS, everyone,
                r["binary_u_alpha"], r["pairable_characters"], unit,
                "gaps are units of 'not coded'", _ATLAS,
                "per code: the code against all other text " + (r["reason"] or ""))
            add("ATLAS.ti", "Cu-alpha", r["code"], ALL_DOCUMENTS, everyone, r["Cu_alpha"],
                r["pairable_characters"], unit, "left out (only coded text)", _ATLAS,
                r["reason"])
    table = pd.DataFrame(rows, columns=list(TOOL_COLUMNS))
    table.attrs.update({"coders": list(cont.coders), "documents": docs,
                        "min_overlap": min_overlap, "qda_overlap": qda_overlap,
                        "coverage": ("every coder covers every listed document"
                                     if coverage is None else
                                     "each pair compared on the text both covered")})
    return table
