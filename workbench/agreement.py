"""Agreement of a project's coders: the public, project-level functions.

Each function reads what it needs from a :class:`~workbench.project.Project` and passes
plain DataFrames to :mod:`workbench.analysis` (which never sees a ``Project``):

* :func:`code_agreement` - one row per code (:func:`~workbench.analysis.code_agreement_table`)
* :func:`theme_agreement` - one row per theme
* :func:`overall_agreement` - one row, every (unit, code) decision pooled
* :func:`coder_agreement_matrix` - coder x coder, pooled over codes
* :func:`disagreements` - the segments where coders who covered them differ
* :func:`describe_agreement` - what a table's numbers are, as a text block to print with it
* :func:`unitizing_agreement` - Krippendorff's unitizing alphas on the character continuum
* :func:`tool_comparison` - what NVivo, MAXQDA, ATLAS.ti and QDA Miner would report

**Defaults.** Units are the *participant's* segments (``roles=("participant",)``): the
interviewer's prompts are not coded, and counting them as agreed "absent" units inflates
agreement; ``roles=None`` takes every speaker. Uncoded units are included
(``include_uncoded=True``). The overlap rule is the project's. Intervals are 95 %
percentile bootstraps of Krippendorff's alpha, 1,000 replicates, seed 0, resampling whole
documents (``resample="document"``; see :mod:`workbench.analysis.intervals` for why).

**Who and what.** ``coders=`` (default: every registered coder) and ``documents=`` (default:
all) choose a reliability round; ``round=`` takes a round stored with
``Project.save_round`` (explicit ``coders``/``documents`` override its lists). ``document``,
``perspective``, ``dyad`` and ``session`` filter segments by their columns.

**Coverage.** Once the project records coverage (``Project.set_coverage``: some coder has
a document in progress or done), a coder counts only on the documents they covered; elsewhere
their decisions are missing (``in_progress="exclude"``, the default, or ``"up_to_last"``;
see :func:`~workbench.analysis.presence.build_presence`). A project that never recorded
coverage keeps the old rule: every coder is taken to have coded every selected segment, and
coders with no coding at all are left out with a warning. Tables say which in
``attrs["coverage"]`` and in :func:`describe_agreement`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.analysis import agreement_tables as tables
from workbench.analysis.agreement_tables import MatrixCoefficient, Resample
from workbench.analysis.disagreements import disagreement_table
from workbench.analysis.intervals import DEFAULT_RESAMPLE
from workbench.analysis.presence import IN_PROGRESS_RULES, InProgressRule, UnitKind
from workbench.analysis.provenance import describe_agreement, provenance_lines
from workbench.analysis.tool_comparison import TOOLS
from workbench.analysis.tool_comparison import tool_comparison as _tool_comparison
from workbench.analysis.unitizing import unitizing_alpha
from workbench.errors import AgreementInputError
from workbench.model import OverlapRule

if TYPE_CHECKING:
    from workbench.project import Project

__all__ = [
    "DEFAULT_ROLES",
    "NO_COVERAGE",
    "AgreementInputs",
    "UnitizingInputs",
    "agreement_inputs",
    "code_agreement",
    "coder_agreement_matrix",
    "describe_agreement",
    "disagreements",
    "overall_agreement",
    "provenance_lines",
    "theme_agreement",
    "tool_comparison",
    "unitizing_agreement",
    "unitizing_inputs",
]

#: Speaker roles whose segments are the units by default (the notebook and the report).
DEFAULT_ROLES: tuple[str, ...] = ("participant",)
#: ``attrs["coverage"]`` of tables from a project that never recorded coverage.
NO_COVERAGE = ("not recorded: every coder is taken to have coded every selected segment "
               "(coders with no coding at all are left out)")

Names = Sequence[str] | None
Rule = OverlapRule | str | float | None


@dataclass(frozen=True)
class AgreementInputs:
    """What the agreement table functions need, read from one project."""

    segments: pd.DataFrame
    codings: pd.DataFrame
    coders: list[str]
    codes: list[str]
    themes: dict[str, str]
    filters: dict[str, Any]
    coverage: pd.DataFrame | None = None
    round: str | None = None

    def __iter__(self) -> Any:
        """Unpack as ``segments, codings, coders, codes, themes``."""
        return iter((self.segments, self.codings, self.coders, self.codes, self.themes))


def agreement_inputs(
    project: Project,
    *,
    document: Any = None,
    perspective: Any = None,
    dyad: Any = None,
    session: Any = None,
    coders: Names = None,
    documents: Sequence[str] | str | None = None,
    round: str | None = None,
) -> AgreementInputs:
    """Segments, codings, coders, codes (codebook order) and code -> theme of ``project``.

    The filters given (not ``None``) are collected in ``.filters`` (segment column ->
    accepted value or list of values), to be passed as ``filters=`` to the table
    functions; the segments themselves are not cut, so the tables record the filters.
    ``documents`` (or the round's documents) becomes the ``document`` filter; ``coders``
    (default: the round's, else every registered coder) the coders compared.
    ``.coverage`` is the project's recorded coverage, or ``None`` when it never recorded
    any (then coders with no coding at all are left out with a ``UserWarning``).
    """
    if round is not None:
        round_coders, round_documents = project.round(round)
        coders = round_coders if coders is None else coders
        documents = round_documents if documents is None else documents
    if documents is not None:
        if document is not None:
            raise AgreementInputError("Pass documents= or document=, not both.")
        document = [documents] if isinstance(documents, str) else list(documents)
        known = set(project.documents())
        unknown = [d for d in document if d not in known]
        if unknown:
            raise AgreementInputError(
                f"No document(s) {unknown} in the project; project.documents() lists them."
            )
    registered = list(project.coders())
    if coders is None:
        chosen = registered
    else:
        if isinstance(coders, str):
            raise AgreementInputError("coders= takes a list of names, e.g. ['ana', 'ben'].")
        chosen = list(coders)
        unknown = [c for c in chosen if c not in registered]
        if unknown:
            raise AgreementInputError(
                f"Coder(s) {unknown} are not registered; registered: {registered}."
            )
    values = {"document": document, "perspective": perspective, "dyad": dyad, "session": session}
    filters = {key: value for key, value in values.items() if value is not None}
    codebook = project.codebook
    codings = project.codings()
    stored = project.coverage(recorded_only=True)
    coverage: pd.DataFrame | None = stored
    if not stored["status"].isin(["in_progress", "done"]).any():
        coverage = None
        idle = [c for c in chosen if not (codings["coder"] == c).any()]
        if idle:
            warnings.warn(
                f"Left out idle coder(s) {idle}: no coding at all and no coverage recorded; "
                "they change nothing.", UserWarning, stacklevel=3)
            chosen = [c for c in chosen if c not in idle]
    return AgreementInputs(
        segments=project.segments(),
        codings=codings,
        coders=chosen,
        codes=[code.key for code in codebook.codes],
        themes={code.key: code.theme for code in codebook.codes},
        filters=filters,
        coverage=coverage,
        round=round,
    )


def _inputs(project: Project, coders: Names, documents: Sequence[str] | str | None,
            round: str | None, document: Any, perspective: Any, dyad: Any, session: Any,
            overlap_rule: Rule) -> tuple[AgreementInputs, dict[str, Any]]:
    inputs = agreement_inputs(project, document=document, perspective=perspective, dyad=dyad,
                              session=session, coders=coders, documents=documents,
                              round=round)
    common = {"filters": inputs.filters or None,
              "overlap_rule": project.overlap_rule if overlap_rule is None else overlap_rule}
    return inputs, common


def _stamp(table: pd.DataFrame, inputs: AgreementInputs) -> pd.DataFrame:
    if table.attrs.get("coverage") is None:
        table.attrs["coverage"] = NO_COVERAGE
    table.attrs["round"] = inputs.round
    table.attrs["provenance"] = describe_agreement(table)
    return table


def _roles(roles: Sequence[str] | None) -> list[str] | None:
    return None if roles is None else list(roles)


def code_agreement(
    project: Project,
    *,
    coders: Names = None,
    documents: Sequence[str] | str | None = None,
    round: str | None = None,
    document: Any = None,
    perspective: Any = None,
    dyad: Any = None,
    session: Any = None,
    unit: UnitKind = "segment",
    roles: Sequence[str] | None = DEFAULT_ROLES,
    include_uncoded: bool = True,
    overlap_rule: Rule = None,
    in_progress: InProgressRule = "exclude",
    pairwise_kappa: bool = False,
    ci_for: str = "krippendorff_alpha",
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int | None = 0,
    resample: Resample = DEFAULT_RESAMPLE,
) -> pd.DataFrame:
    """Agreement per code: one row per code of the codebook.

    Columns and options as for :func:`~workbench.analysis.code_agreement_table`; who and
    what, coverage and the defaults as in the module docstring. ``attrs["provenance"]``
    (and :func:`describe_agreement`) says in words what the numbers are.
    """
    inputs, common = _inputs(project, coders, documents, round, document, perspective, dyad,
                             session, overlap_rule)
    table = tables.code_agreement_table(
        inputs.segments, inputs.codings, inputs.coders, inputs.codes, themes=inputs.themes,
        unit=unit, roles=_roles(roles), include_uncoded=include_uncoded,
        coverage=inputs.coverage, in_progress=in_progress, pairwise_kappa=pairwise_kappa,
        ci_for=ci_for, n_boot=n_boot, confidence=confidence, seed=seed, resample=resample,
        **common)
    return _stamp(table, inputs)


def theme_agreement(
    project: Project,
    *,
    coders: Names = None,
    documents: Sequence[str] | str | None = None,
    round: str | None = None,
    document: Any = None,
    perspective: Any = None,
    dyad: Any = None,
    session: Any = None,
    unit: UnitKind = "segment",
    roles: Sequence[str] | None = DEFAULT_ROLES,
    include_uncoded: bool = True,
    overlap_rule: Rule = None,
    in_progress: InProgressRule = "exclude",
    pairwise_kappa: bool = False,
    ci_for: str = "krippendorff_alpha",
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int | None = 0,
    resample: Resample = DEFAULT_RESAMPLE,
) -> pd.DataFrame:
    """Agreement per theme: a coder applied a theme to a unit if any of its codes.

    Options as for :func:`code_agreement`.
    """
    inputs, common = _inputs(project, coders, documents, round, document, perspective, dyad,
                             session, overlap_rule)
    table = tables.theme_agreement_table(
        inputs.segments, inputs.codings, inputs.coders, inputs.codes, inputs.themes,
        unit=unit, roles=_roles(roles), include_uncoded=include_uncoded,
        coverage=inputs.coverage, in_progress=in_progress, pairwise_kappa=pairwise_kappa,
        ci_for=ci_for, n_boot=n_boot, confidence=confidence, seed=seed, resample=resample,
        **common)
    return _stamp(table, inputs)


def overall_agreement(
    project: Project,
    *,
    coders: Names = None,
    documents: Sequence[str] | str | None = None,
    round: str | None = None,
    document: Any = None,
    perspective: Any = None,
    dyad: Any = None,
    session: Any = None,
    unit: UnitKind = "segment",
    roles: Sequence[str] | None = DEFAULT_ROLES,
    include_uncoded: bool = True,
    overlap_rule: Rule = None,
    in_progress: InProgressRule = "exclude",
    ci_for: str = "krippendorff_alpha",
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int | None = 0,
    resample: Resample = DEFAULT_RESAMPLE,
) -> pd.DataFrame:
    """Overall agreement: one row, every (unit, code) decision pooled.

    See :func:`~workbench.analysis.overall_agreement`; the interval resamples whole
    documents (or ``resample`` clusters) with all their decisions. Options as for
    :func:`code_agreement`.
    """
    inputs, common = _inputs(project, coders, documents, round, document, perspective, dyad,
                             session, overlap_rule)
    table = tables.overall_agreement(
        inputs.segments, inputs.codings, inputs.coders, inputs.codes, unit=unit,
        roles=_roles(roles), include_uncoded=include_uncoded, coverage=inputs.coverage,
        in_progress=in_progress, ci_for=ci_for, n_boot=n_boot, confidence=confidence,
        seed=seed, resample=resample, **common)
    return _stamp(table, inputs)


def coder_agreement_matrix(
    project: Project,
    *,
    coefficient: MatrixCoefficient = "cohen_kappa",
    coders: Names = None,
    documents: Sequence[str] | str | None = None,
    round: str | None = None,
    document: Any = None,
    perspective: Any = None,
    dyad: Any = None,
    session: Any = None,
    unit: UnitKind = "segment",
    roles: Sequence[str] | None = DEFAULT_ROLES,
    include_uncoded: bool = True,
    overlap_rule: Rule = None,
    in_progress: InProgressRule = "exclude",
) -> pd.DataFrame:
    """Coder x coder agreement pooled over codes (Cohen's kappa by default).

    See :func:`~workbench.analysis.coder_agreement_matrix`; each pair uses the units both
    coders covered. Other options as for :func:`code_agreement`.
    """
    inputs, common = _inputs(project, coders, documents, round, document, perspective, dyad,
                             session, overlap_rule)
    matrix = tables.coder_agreement_matrix(
        inputs.segments, inputs.codings, inputs.coders, inputs.codes,
        coefficient=coefficient, unit=unit, roles=_roles(roles),
        include_uncoded=include_uncoded, coverage=inputs.coverage, in_progress=in_progress,
        **common)
    return _stamp(matrix, inputs)


def disagreements(
    project: Project,
    code: str | None = None,
    *,
    coders: Names = None,
    documents: Sequence[str] | str | None = None,
    round: str | None = None,
    document: Any = None,
    perspective: Any = None,
    dyad: Any = None,
    session: Any = None,
    roles: Sequence[str] | None = DEFAULT_ROLES,
    overlap_rule: Rule = None,
    in_progress: InProgressRule = "exclude",
) -> pd.DataFrame:
    """Segments where coders who covered them differ, with a theme column.

    See :func:`~workbench.analysis.disagreement_table`. Once the project records coverage,
    a coder's "not applied" on a document she did not cover is not a disagreement: only
    coders who covered the segment are compared (``not_covered_by`` names the others).
    """
    inputs, common = _inputs(project, coders, documents, round, document, perspective, dyad,
                             session, overlap_rule)
    table = disagreement_table(inputs.segments, inputs.codings, inputs.coders, inputs.codes,
                               code=code, themes=inputs.themes, roles=_roles(roles),
                               coverage=inputs.coverage, in_progress=in_progress, **common)
    if table.attrs.get("coverage") is None:
        table.attrs["coverage"] = NO_COVERAGE
    table.attrs["round"] = inputs.round
    return table


# --------------------------------------------------------------------------- unitizing
# Unitizing alphas and "what another tool would report" (issue 12, points 5 and 6).

_NOT_RECORDED = "not recorded: every coder is taken to have covered every listed document whole"


@dataclass(frozen=True)
class UnitizingInputs:
    """What the unitizing and tool-comparison functions need, read from one project:
    ``codings``, ``lengths`` (document -> text length), ``coders``, ``codes`` (codebook
    order), ``documents`` and ``coverage`` (covered character ranges, or ``None`` when the
    project never recorded coverage), plus ``coverage_rule`` as text."""

    codings: pd.DataFrame
    lengths: dict[str, int]
    coders: list[str]
    codes: list[str]
    documents: list[str]
    coverage: pd.DataFrame | None
    coverage_rule: str

    def options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`~workbench.analysis.unitizing.unitizing_alpha` and
        :func:`~workbench.analysis.tool_comparison.tool_comparison`."""
        return {"coders": self.coders, "codes": self.codes, "documents": self.documents,
                "coverage": self.coverage}


def unitizing_inputs(
    project: Project,
    *,
    coders: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    round: str | None = None,
    in_progress: InProgressRule = "exclude",
    roles: Sequence[str] | None = ("participant",),
) -> UnitizingInputs:
    """Read codings, text lengths and coverage for the unitizing functions.

    The continuum is what was said: the text of the turns whose role is in ``roles``
    (default: participants, as the segment-level tables count participant units; ``None``:
    every turn). Speaker labels, ``[HH:MM:SS]`` stop lines and line ends the workbench puts
    between turns are never part of it, so they cannot count as text agreed to be uncoded;
    a coding is clipped to it.

    ``coders`` (default: the round's, else every registered coder), ``documents`` (default:
    the round's, else all) and ``codes`` (default: the codebook's) choose what is compared;
    ``round`` names a round stored with ``Project.save_round``. Once the project records
    coverage, a coder's continuum is the text she covered: a document marked ``done``
    whole; one ``in_progress`` not at all (``in_progress="exclude"``, the default) or up to
    the end of the furthest segment she reached (``"up_to_last"``).
    """
    if in_progress not in IN_PROGRESS_RULES:
        raise AgreementInputError(
            f"in_progress must be one of {list(IN_PROGRESS_RULES)}, not {in_progress!r}.")
    if round is not None:
        round_coders, round_documents = project.round(round)
        coders = round_coders if coders is None else coders
        documents = round_documents if documents is None else documents
    for name, value in (("coders", coders), ("documents", documents), ("codes", codes)):
        if isinstance(value, str):
            raise AgreementInputError(f"{name}= takes a list of names, e.g. [{value!r}].")
    known_docs = project.documents()
    docs = list(known_docs) if documents is None else list(documents)
    unknown = [d for d in docs if d not in set(known_docs)]
    if unknown:
        raise AgreementInputError(
            f"No document(s) {unknown} in the project; project.documents() lists them.")
    registered = list(project.coders())
    chosen = registered if coders is None else list(coders)
    unknown = [c for c in chosen if c not in registered]
    if unknown:
        raise AgreementInputError(
            f"Coder(s) {unknown} are not registered; registered: {registered}.")
    codebook_codes = [code.key for code in project.codebook.codes]
    chosen_codes = codebook_codes if codes is None else list(codes)
    unknown = [k for k in chosen_codes if k not in codebook_codes]
    if unknown:
        raise AgreementInputError(
            f"Code(s) {unknown} are not in the codebook; project.codebook lists them.")
    if isinstance(roles, str):
        raise AgreementInputError(f"roles= takes a list of roles, e.g. [{roles!r}].")
    lengths = {d: len(project.document_text(d)) for d in docs}
    spoken = {d: _turn_ranges(project.turns(d), roles) for d in docs}
    codings = project.codings()
    stored = project.coverage(recorded_only=True)
    rows: list[tuple[str, str, int, int]] = [
        (coder, d, 0, lengths[d]) for coder in chosen for d in docs]
    rule = _NOT_RECORDED
    if stored["status"].isin(["in_progress", "done"]).any():
        segments = project.segments()
        ends = segments.set_index(["document", "segment_index"])["end"]
        rows = []
        for r in stored.itertuples(index=False):
            if r.coder not in chosen or r.document not in lengths:
                continue
            if r.status == "done":
                rows.append((r.coder, r.document, 0, lengths[r.document]))
            elif (r.status == "in_progress" and in_progress == "up_to_last"
                  and not pd.isna(r.furthest_idx)):
                end = int(ends.get((r.document, int(r.furthest_idx)), 0))
                rows.append((r.coder, r.document, 0, end))
        rule = ("documents marked done, whole" + (
            "; in progress: up to the end of the furthest segment reached"
            if in_progress == "up_to_last" else "; documents in progress left out"))
    said = [(coder, d, max(start, s0), min(end, e0)) for coder, d, start, end in rows
            for s0, e0 in spoken[d] if max(start, s0) < min(end, e0)]
    coverage = pd.DataFrame(said, columns=["coder", "document", "start", "end"])
    who = "every turn" if roles is None else f"turns of role {', '.join(roles)}"
    rule += f"; continuum: the text of {who} (labels and stop lines left out)"
    return UnitizingInputs(codings, lengths, chosen, chosen_codes, docs, coverage, rule)


def _turn_ranges(turns: pd.DataFrame, roles: Sequence[str] | None) -> list[tuple[int, int]]:
    """``[start, end)`` of the turns whose role is in ``roles`` (all with ``None``)."""
    keep = turns if roles is None else turns[turns["role"].isin(list(roles))]
    return [(int(s0), int(e0)) for s0, e0 in zip(keep["start"], keep["end"], strict=True)]


def unitizing_agreement(
    project: Project,
    *,
    coders: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    round: str | None = None,
    in_progress: InProgressRule = "exclude",
    roles: Sequence[str] | None = ("participant",),
) -> pd.DataFrame:
    """Krippendorff's unitizing alphas of ``project``'s range codings, per code and over all
    codes (:func:`~workbench.analysis.unitizing.unitizing_alpha`): alpha_U (1995/2004),
    |u-alpha (binary), u-alpha over all codes (nominal), cu-alpha and Cu-alpha (2016).
    The continuum is the text of the turns of ``roles`` (default participants); who, what and coverage as in
    :func:`unitizing_inputs`. ``attrs["coverage"]`` says how coverage was applied."""
    inputs = unitizing_inputs(project, coders=coders, documents=documents, codes=codes,
                              round=round, in_progress=in_progress, roles=roles)
    table = unitizing_alpha(inputs.codings, inputs.lengths, **inputs.options())
    table.attrs["coverage"] = inputs.coverage_rule
    table.attrs["round"] = round
    return table


def tool_comparison(
    project: Project,
    *,
    coders: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    round: str | None = None,
    in_progress: InProgressRule = "exclude",
    tools: Sequence[str] = TOOLS,
    min_overlap: float = 90.0,
    qda_overlap: float = 90.0,
    roles: Sequence[str] | None = ("participant",),
) -> pd.DataFrame:
    """What NVivo, MAXQDA, ATLAS.ti and QDA Miner would report for ``project``'s codings
    (:func:`~workbench.analysis.tool_comparison.tool_comparison`): one row per tool,
    measure, code, document and coder pair, each naming its unit and its treatment of
    uncoded text. Who, what, coverage and the continuum (``roles``) as in
    :func:`unitizing_inputs`; ``min_overlap`` (MAXQDA) and ``qda_overlap`` (QDA Miner) are
    percentages."""
    inputs = unitizing_inputs(project, coders=coders, documents=documents, codes=codes,
                              round=round, in_progress=in_progress, roles=roles)
    table = _tool_comparison(inputs.codings, inputs.lengths, tools=tools,
                             min_overlap=min_overlap, qda_overlap=qda_overlap,
                             **inputs.options())
    table.attrs["coverage"] = inputs.coverage_rule
    table.attrs["round"] = round
    return table
