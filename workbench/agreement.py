"""Inter-coder agreement straight from a :class:`~workbench.project.Project`.

The functions here read what they need from a project and hand plain data to the
DataFrame-in functions of :mod:`workbench.analysis`; they add no statistics of their own.
"""

from __future__ import annotations

# --------------------------------------------------------------------------- unitizing
# Unitizing alphas and "what another tool would report" (issue 12, points 5 and 6).
# Self-contained from here to the end of the file (imports included); when merging with
# the other section, join the two __all__ lists.
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.analysis.presence import IN_PROGRESS_RULES, InProgressRule
from workbench.analysis.tool_comparison import TOOLS
from workbench.analysis.tool_comparison import tool_comparison as _tool_comparison
from workbench.analysis.unitizing import unitizing_alpha
from workbench.errors import AgreementInputError

if TYPE_CHECKING:
    from workbench.project import Project

__all__ = ["UnitizingInputs", "tool_comparison", "unitizing_agreement", "unitizing_inputs"]

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
    |u-alpha (binary), cu-alpha and Cu-alpha (2016). The continuum is the text of the turns
    of ``roles`` (default participants); who, what and coverage as in
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
