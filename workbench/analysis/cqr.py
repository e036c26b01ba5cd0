"""CQR cross-analysis: in how many cases each category occurs, and its frequency label.

Consensual Qualitative Research (Hill, Thompson & Williams, 1997; Hill, Knox, Thompson,
Williams, Hess & Ladany, 2005, "Consensual qualitative research: An update", *Journal of
Counseling Psychology* 52(2), 196-205; Hill (Ed.), 2012, *Consensual qualitative research:
A practical resource for investigating social science phenomena*, APA) sorts each case's
material into domains, writes core ideas per case and domain, and in the cross-analysis
groups them into categories across cases. Each category is labelled by the number of cases
it applies to. The 2005 update's recommendation, which :class:`FrequencyThresholds`
encodes by default:

* **general**: all cases, or all but one;
* **typical**: more than half of the cases, up to the cut-off for general;
* **variant**: at least two cases, up to half;
* **rare**: with samples larger than 15 cases, categories of 2-3 cases are *rare*, and
  variant then starts at 4 cases (still up to half).

(The wording is the update's recommendation as the project's domain notes summarise it;
the accepted manuscript is e-Publications@Marquette, edu_fac/18. Teams that count exactly
half of the cases as typical set ``typical_more_than`` just below 0.5, e.g. 0.49.)

A category of fewer cases than variant's minimum (one case, by default) is labelled
``"below variant"``; one in no case ``"absent"``. Every cut-off is a field of
:class:`FrequencyThresholds`, so a team that follows another convention (e.g. typical
from half of the cases) sets it and the table's caption says which it used.

Here a category is a code and it *applies to* a case when at least one coding of that code
lies in a document of the case (codings of every coder in the frame pooled: pass a
consensus layer's codings to count consensus only, and say so in ``source``). The case is a
**document** by default, i.e. one IPR interview (one dyad, one session, one perspective),
or a **participant** (a client's or a therapist's interviews over sessions) or a **dyad**
(the client's and the therapist's interviews together). The number of cases ``N`` is
counted from the ``cases`` frame (every case of the study, coded or not), per perspective
when the perspectives are cross-analysed separately (the IPR design: clients and
therapists as two samples, side by side).

Pure functions on DataFrames: this module never imports ``Project``
(:mod:`workbench.cqr` is the project-level layer).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import pandas as pd

from workbench.errors import CqrError
from workbench.model import CqrDomain

__all__ = [
    "ABSENT",
    "BELOW_VARIANT",
    "CASE_DEFINITIONS",
    "CASE_UNITS",
    "HILL_2005",
    "LABELS",
    "PERSPECTIVE_LAYOUTS",
    "CaseUnit",
    "FrequencyThresholds",
    "PerspectiveLayout",
    "case_keys",
    "cross_analysis",
    "cross_analysis_lines",
    "describe_cross_analysis",
]

CaseUnit = Literal["document", "participant", "dyad"]
PerspectiveLayout = Literal["pooled", "separate", "side_by_side"]

#: What a case can be, in the order of the documentation.
CASE_UNITS: tuple[str, ...] = ("document", "participant", "dyad")
#: Perspective layouts: every case together, one block per perspective, or one wide row.
PERSPECTIVE_LAYOUTS: tuple[str, ...] = ("pooled", "separate", "side_by_side")
#: The frequency labels, most frequent first.
LABELS: tuple[str, ...] = ("general", "typical", "variant", "rare")
#: Label of a category in fewer cases than variant's minimum (but at least one).
BELOW_VARIANT = "below variant"
#: Label of a category in no case.
ABSENT = "absent"

#: The case definitions as the captions state them.
CASE_DEFINITIONS: dict[str, str] = {
    "document": "one interview transcript (one dyad, one session, one perspective)",
    "participant": "one participant (a client's or a therapist's interviews over all "
                   "sessions together)",
    "dyad": "one dyad (the client's and the therapist's interviews over all sessions "
            "together)",
}

#: The source of the default thresholds, as the captions cite it.
HILL_2005 = ("Hill, Knox, Thompson, Williams, Hess & Ladany (2005), Consensual qualitative "
             "research: An update, Journal of Counseling Psychology 52(2), 196-205")

_PERSPECTIVE_ORDER = ("client", "therapist")


@dataclass(frozen=True)
class FrequencyThresholds:
    """The cut-offs of the CQR frequency labels for a sample of ``N`` cases.

    Defaults follow Hill et al. (2005, the update; see the module docstring):

    general_all_but : int = 1
        General = at least ``N - general_all_but`` cases ("all or all but one").
    typical_more_than : float = 0.5
        Typical = more than ``typical_more_than * N`` cases ("more than half"), below
        general.
    variant_min : int = 2
        Variant = at least ``variant_min`` cases, up to ``typical_more_than * N`` ("at
        least two, up to half").
    rare_from_cases : int = 16
        Rare is used from samples of this many cases ("larger than 15").
    rare_max : int = 3
        Rare = ``variant_min`` .. ``rare_max`` cases ("2-3"); variant then starts at
        ``rare_max + 1``.
    use_rare : bool or None = None
        Force rare on or off; None = when ``N >= rare_from_cases``.
    """

    general_all_but: int = 1
    typical_more_than: float = 0.5
    variant_min: int = 2
    rare_from_cases: int = 16
    rare_max: int = 3
    use_rare: bool | None = None

    def __post_init__(self) -> None:
        for name in ("general_all_but", "variant_min", "rare_from_cases", "rare_max"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise CqrError(f"FrequencyThresholds.{name} must be a whole number, "
                               f"not {value!r}.")
        if self.general_all_but < 0:
            raise CqrError("general_all_but must be 0 (general = all cases) or more.")
        if self.variant_min < 1:
            raise CqrError("variant_min must be at least 1 case (Hill et al. 2005: 2).")
        if not 0 <= float(self.typical_more_than) < 1:
            raise CqrError("typical_more_than is a share of the cases, from 0 up to (not "
                           "including) 1; Hill et al. (2005) use 0.5 (more than half).")
        if self.rare_max < self.variant_min:
            raise CqrError(f"rare_max ({self.rare_max}) must be at least variant_min "
                           f"({self.variant_min}): rare runs from variant_min to rare_max.")

    def uses_rare(self, n_cases: int) -> bool:
        """Whether a sample of ``n_cases`` has the rare label."""
        return self.use_rare if self.use_rare is not None else n_cases >= self.rare_from_cases

    def label(self, cases: int, n_cases: int) -> str:
        """The label of a category found in ``cases`` of ``n_cases`` cases."""
        if cases < 0 or cases > n_cases:
            raise CqrError(f"a category cannot be in {cases} of {n_cases} cases.")
        if cases == 0:
            return ABSENT
        if cases >= n_cases - self.general_all_but:
            return "general"
        if cases > self.typical_more_than * n_cases:
            return "typical"
        if cases < self.variant_min:
            return BELOW_VARIANT
        if self.uses_rare(n_cases) and cases <= self.rare_max:
            return "rare"
        return "variant"

    def cutoffs(self, n_cases: int) -> dict[str, tuple[int, int]]:
        """``label -> (fewest, most)`` cases for a sample of ``n_cases`` (labels that no
        count reaches are left out)."""
        spans: dict[str, list[int]] = {}
        for cases in range(1, n_cases + 1):
            label = self.label(cases, n_cases)
            if label in LABELS:
                spans.setdefault(label, []).append(cases)
        return {label: (min(spans[label]), max(spans[label]))
                for label in LABELS if label in spans}

    def describe(self) -> str:
        """The rule in words (with the source when the defaults are used)."""
        half = ("half" if math.isclose(self.typical_more_than, 0.5)
                else f"{self.typical_more_than:.0%}")
        general = ("all cases" if self.general_all_but == 0 else
                   f"all or all but {self.general_all_but} case"
                   + ("s" if self.general_all_but > 1 else ""))
        rare = ("rare never used" if self.use_rare is False else
                f"rare ({'always' if self.use_rare else f'from {self.rare_from_cases} cases'}) "
                f"= {self.variant_min}-{self.rare_max} cases, variant then from "
                f"{self.rare_max + 1}")
        text = (f"general = {general}; typical = more than {half} of the cases, below "
                f"general; variant = at least {self.variant_min} cases, up to {half}; {rare}")
        source = (f" (defaults of {HILL_2005})" if self == FrequencyThresholds()
                  else " (changed from the defaults of Hill et al. 2005)")
        return text + source


# -- cases --------------------------------------------------------------------------------
def _check_unit(case: str) -> None:
    if case not in CASE_UNITS:
        raise CqrError(f"case must be one of {list(CASE_UNITS)}, not {case!r}.")


def case_keys(cases: pd.DataFrame, case: CaseUnit | str = "document") -> pd.Series:
    """The case key of each document of a ``cases`` frame (``Project.cases()``), indexed
    by document name."""
    _check_unit(case)
    needed = ["document", case] if case != "document" else ["document"]
    missing = [c for c in needed if c not in cases.columns]
    if missing:
        raise CqrError(f"the cases frame has no column(s) {', '.join(missing)}; pass "
                       "project.cases().")
    keys = cases[case] if case != "document" else cases["document"]
    blank = cases.loc[keys.isna() | (keys.astype(str).str.strip() == ""), "document"]
    if len(blank):
        raise CqrError(f"document(s) {', '.join(map(str, blank))} have no {case}; set it in "
                       "their case attributes or use case='document'.")
    return pd.Series(keys.astype(str).to_numpy(), index=cases["document"].astype(str),
                     name="case")


# -- cross-analysis -----------------------------------------------------------------------
def _domains_from(codings: pd.DataFrame) -> list[CqrDomain]:
    if "theme" not in codings.columns or not len(codings):
        return [CqrDomain("all", "All categories",
                          tuple(sorted(map(str, pd.unique(codings.get("code", []))))))]
    names = (dict(zip(codings["theme"], codings["theme_name"], strict=True))
             if "theme_name" in codings.columns else {})
    out = []
    for theme, rows in codings.groupby("theme", sort=True):
        out.append(CqrDomain(str(theme), str(names.get(theme, theme)),
                             tuple(sorted(map(str, pd.unique(rows["code"]))))))
    return out


def _perspectives(values: Sequence[str]) -> list[str]:
    present = list(dict.fromkeys(values))
    return ([p for p in _PERSPECTIVE_ORDER if p in present]
            + sorted(p for p in present if p not in _PERSPECTIVE_ORDER))


def cross_analysis(
    codings: pd.DataFrame,
    cases: pd.DataFrame,
    *,
    domains: Sequence[CqrDomain] | None = None,
    category_names: Mapping[str, str] | None = None,
    case: CaseUnit | str = "document",
    perspective: PerspectiveLayout | str = "pooled",
    thresholds: FrequencyThresholds | None = None,
    source: str = "pooled codings (every coder in the frame)",
) -> pd.DataFrame:
    """Per domain and category: the cases it applies to and its CQR frequency label.

    Parameters
    ----------
    codings : DataFrame, one row per coding
        ``Project.codings()`` (or a consensus layer's codings): needs ``document`` and
        ``code``; ``coder`` is named in the provenance; rows with ``pending_recode`` set are
        left out.
    cases : DataFrame
        ``Project.cases()``: every case of the study (``document``, ``perspective`` and the
        case column), so ``N`` counts cases without codings too.
    domains : CqrDomain list, optional
        The domains and their categories, in order; default the ``theme`` column of the
        codings. A category coded but in no domain is listed under ``"(no domain)"``.
    category_names : mapping, optional
        Code key -> name (default the ``code_name`` column).
    case : ``"document"``, ``"participant"`` or ``"dyad"``
        What a case is (see the module docstring).
    perspective : ``"pooled"``, ``"separate"`` or ``"side_by_side"``
        All cases together; one block of rows per perspective (``N`` per perspective); or
        one row per category with ``all_*``, ``client_*`` and ``therapist_*`` columns.
    thresholds : FrequencyThresholds, optional
        The label cut-offs (default Hill et al. 2005).
    source : str
        What the codings are (printed in the caption).

    Returns
    -------
    DataFrame with ``domain``, ``domain_name``, ``category``, ``category_name``, then
    (``separate``: ``perspective``,) ``cases``, ``n_cases``, ``share``, ``label`` and
    ``case_list`` (the case keys); ``side_by_side`` has ``<group>_cases``,
    ``<group>_n_cases``, ``<group>_label`` per group (``all`` and each perspective).
    ``attrs`` say what it was computed on (:func:`describe_cross_analysis`).
    """
    if not isinstance(codings, pd.DataFrame) or not isinstance(cases, pd.DataFrame):
        raise CqrError("cross_analysis needs DataFrames: project.codings() and "
                       "project.cases().")
    if perspective not in PERSPECTIVE_LAYOUTS:
        raise CqrError(f"perspective must be one of {list(PERSPECTIVE_LAYOUTS)}, "
                       f"not {perspective!r}.")
    missing = [c for c in ("document", "code") if c not in codings.columns]
    if missing:
        raise CqrError(f"the codings frame has no column(s) {', '.join(missing)}; pass "
                       "project.codings().")
    if perspective != "pooled" and "perspective" not in cases.columns:
        raise CqrError("the cases frame has no perspective column; pass project.cases().")
    thresholds = thresholds or FrequencyThresholds()
    keys = case_keys(cases, case)
    pending = 0
    if "pending_recode" in codings.columns:
        pending = int(codings["pending_recode"].sum())
        codings = codings[~codings["pending_recode"].astype(bool)]
    unknown = sorted(set(map(str, codings["document"])) - set(keys.index))
    if unknown:
        raise CqrError(f"codings of document(s) {', '.join(unknown[:5])} that the cases "
                       "frame does not have; pass project.cases() of the same project.")
    domain_list = list(domains) if domains is not None else _domains_from(codings)
    names = dict(category_names or {})
    if "code_name" in codings.columns and len(codings):
        for code, name in zip(codings["code"], codings["code_name"], strict=True):
            names.setdefault(str(code), str(name))
    docs_persp = (pd.Series(cases["perspective"].astype(str).to_numpy(),
                            index=cases["document"].astype(str))
                  if "perspective" in cases.columns else None)

    found = pd.DataFrame({"document": codings["document"].astype(str).to_numpy(),
                          "category": codings["code"].astype(str).to_numpy()})
    found = found.drop_duplicates()
    found["case"] = found["document"].map(keys)
    groups: list[tuple[str, pd.Index]] = [("all", pd.Index(sorted(set(keys))))]
    if perspective != "pooled" and docs_persp is not None:
        found["perspective"] = found["document"].map(docs_persp)
        for name in _perspectives(list(docs_persp)):
            docs = docs_persp.index[docs_persp == name]
            groups.append((name, pd.Index(sorted(set(keys[docs])))))

    listed = [(d.key, d.name, c) for d in domain_list for c in d.categories]
    in_domain = {c for _, _, c in listed}
    extra = sorted(set(found["category"]) - in_domain)
    listed += [("(no domain)", "(no domain)", c) for c in extra]
    base = pd.DataFrame(listed, columns=["domain", "domain_name", "category"])
    base.insert(3, "category_name", [names.get(c, c) for c in base["category"]])

    blocks: dict[str, pd.DataFrame] = {}
    for group, universe in groups:
        rows = found if group == "all" else found[found["perspective"] == group]
        per = rows.groupby("category")["case"].agg(lambda s: tuple(sorted(set(s))))
        n = len(universe)
        block = base.copy()
        block["case_list"] = [per.get(c, ()) for c in block["category"]]
        block["cases"] = [len(t) for t in block["case_list"]]
        block["n_cases"] = n
        block["share"] = [c / n if n else float("nan") for c in block["cases"]]
        block["label"] = [thresholds.label(c, n) if n else ABSENT for c in block["cases"]]
        blocks[group] = block

    cols = ["domain", "domain_name", "category", "category_name"]
    if perspective == "pooled":
        out = blocks["all"][[*cols, "cases", "n_cases", "share", "label", "case_list"]]
    elif perspective == "separate":
        parts = []
        for group, block in blocks.items():
            if group == "all":
                continue
            part = block.copy()
            part.insert(4, "perspective", group)
            parts.append(part)
        out = (pd.concat(parts, ignore_index=True) if parts else
               blocks["all"].iloc[0:0].assign(perspective=pd.Series(dtype=object)))
        out = out[[*cols, "perspective", "cases", "n_cases", "share", "label", "case_list"]]
    else:
        out = base.copy()
        for group, block in blocks.items():
            out[f"{group}_cases"] = block["cases"].to_numpy()
            out[f"{group}_n_cases"] = block["n_cases"].to_numpy()
            out[f"{group}_label"] = block["label"].to_numpy()
    out = out.reset_index(drop=True)
    out.attrs = {
        "table": "cqr_cross_analysis",
        "codings_source": source,
        "coders": (sorted(map(str, pd.unique(codings["coder"])))
                   if "coder" in codings.columns else None),
        "documents": sorted(map(str, cases["document"])),
        "documents_coded": sorted(set(found["document"])),
        "case_unit": case,
        "case_definition": CASE_DEFINITIONS[case],
        "n_cases": {group: len(universe) for group, universe in groups},
        "perspective": perspective,
        "thresholds": asdict(thresholds),
        "thresholds_text": thresholds.describe(),
        "cutoffs": {group: thresholds.cutoffs(len(universe)) for group, universe in groups},
        "domains": [d.key for d in domain_list],
        "codebook_version": codings.attrs.get("codebook_version"),
        "n_pending_recode_excluded": pending,
    }
    return out


# -- provenance ---------------------------------------------------------------------------
def _names(values: Sequence[Any], limit: int = 8) -> str:
    shown = [str(v) for v in values[:limit]]
    more = len(values) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def cross_analysis_lines(table: pd.DataFrame | Mapping[str, Any]) -> list[str]:
    """What a cross-analysis table was computed on, as lines of text."""
    attrs = table.attrs if isinstance(table, pd.DataFrame) else table
    layout = attrs.get("perspective", "pooled")
    how = {"pooled": "all perspectives pooled",
           "separate": "each perspective separately",
           "side_by_side": "all cases, and each perspective separately, side by side"}
    lines = [f"CQR cross-analysis: categories (codes) across cases per domain, {how[layout]}"]
    coders = attrs.get("coders")
    lines.append(f"computed on: {attrs.get('codings_source')}"
                 + (f"; coders ({len(coders)}): {_names(coders)}" if coders is not None
                    else ""))
    n_cases = dict(attrs.get("n_cases") or {})
    per = "; ".join(f"{g} {n}" for g, n in n_cases.items() if g != "all")
    lines.append(f"cases: {n_cases.get('all', 0)} ({per})" if per
                 else f"cases: {n_cases.get('all', 0)}")
    lines[-1] += f"; a case is {attrs.get('case_definition')} (case = {attrs.get('case_unit')})"
    docs = list(attrs.get("documents") or [])
    coded = list(attrs.get("documents_coded") or [])
    lines.append(f"documents ({len(docs)}, {len(coded)} with codings): {_names(docs)}")
    lines.append(f"frequency labels: {attrs.get('thresholds_text')}")
    cut = attrs.get("cutoffs") or {}
    lines.append("cut-offs here: " + "; ".join(
        f"{group} (N = {n_cases.get(group)}): " + ", ".join(
            f"{label} {lo}-{hi}" if lo != hi else f"{label} {lo}"
            for label, (lo, hi) in spans.items())
        for group, spans in cut.items()
        if layout != "separate" or group != "all"))
    version = attrs.get("codebook_version")
    pending = attrs.get("n_pending_recode_excluded") or 0
    if version is not None or pending:
        lines.append(f"codebook version {version}"
                     + (f"; {pending} codings awaiting recode left out" if pending else ""))
    return lines


def describe_cross_analysis(table: pd.DataFrame | Mapping[str, Any]) -> str:
    """The provenance block of a cross-analysis table, one fact per line."""
    return "\n".join(cross_analysis_lines(table))
