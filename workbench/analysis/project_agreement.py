"""Agreement tables straight from a :class:`~workbench.project.Project`.

:func:`agreement_inputs` reads the segments, codings, coders, codes and the code -> theme
mapping from a project; the thin wrappers (:func:`code_agreement`,
:func:`theme_agreement`, :func:`overall_agreement_for`, :func:`coder_matrix`,
:func:`disagreements`) pass them, plus the segment filters (``document``,
``perspective``, ``dyad``, ``session``) as the ``filters`` dict, to the DataFrame-in
functions of :mod:`workbench.analysis.agreement_tables` and
:mod:`workbench.analysis.disagreements`. Other keyword options go through unchanged.

**Who and what.** ``coders=`` (default: every registered coder) and ``documents=`` (default:
all) choose a reliability round; ``round=`` takes a round stored with
``Project.save_round`` (explicit ``coders``/``documents`` override its lists).

**Coverage.** Once the project records coverage (``Project.set_coverage``: some coder has
a document in progress or done), a coder counts only on the documents they covered; elsewhere
their decisions are missing (``in_progress="exclude"``, the default, or ``"up_to_last"``;
see :func:`~workbench.analysis.presence.build_presence`). A project that never recorded
coverage keeps the old rule: every coder is taken to have coded every selected segment, and
coders with no coding at all are left out with a warning. Tables say which in
``attrs["coverage"]``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.analysis.agreement_tables import (
    code_agreement_table,
    coder_agreement_matrix,
    overall_agreement,
    theme_agreement_table,
)
from workbench.analysis.disagreements import disagreement_table
from workbench.errors import AgreementInputError

if TYPE_CHECKING:
    from workbench.project import Project

__all__ = [
    "AgreementInputs",
    "agreement_inputs",
    "code_agreement",
    "coder_matrix",
    "disagreements",
    "overall_agreement_for",
    "theme_agreement",
]

_FILTER_KEYS = ("document", "perspective", "dyad", "session")
_ROUND_KEYS = ("coders", "documents", "round")
#: ``attrs["coverage"]`` of tables from a project that never recorded coverage.
NO_COVERAGE = ("not recorded: every coder is taken to have coded every selected segment "
               "(coders with no coding at all are left out)")


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
    coders: Sequence[str] | None = None,
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


def _split(project: Project, options: dict[str, Any], *, coverage: bool = True
           ) -> tuple[AgreementInputs, dict[str, Any]]:
    picked = {key: options.pop(key) for key in (*_FILTER_KEYS, *_ROUND_KEYS) if key in options}
    inputs = agreement_inputs(project, **picked)
    if inputs.filters:
        options["filters"] = {**inputs.filters, **(options.get("filters") or {})}
    if options.get("overlap_rule") is None:
        options["overlap_rule"] = project.overlap_rule
    if coverage:
        options["coverage"] = inputs.coverage
    else:
        options.pop("in_progress", None)
    return inputs, options


def _stamp(table: pd.DataFrame, inputs: AgreementInputs) -> pd.DataFrame:
    if table.attrs.get("coverage") is None:
        table.attrs["coverage"] = NO_COVERAGE
    table.attrs["round"] = inputs.round
    return table


def code_agreement(project: Project, **options: Any) -> pd.DataFrame:
    """Per-code agreement table (:func:`code_agreement_table`) for ``project``.

    ``coders``, ``documents`` and ``round`` choose who and what (see the module docstring);
    ``document``, ``perspective``, ``dyad`` and ``session`` become segment filters; the
    other options (``unit``, ``roles``, ``include_uncoded``, ``overlap_rule`` (default: the
    project's), ``in_progress``, ``n_boot``, ...) pass through.
    """
    inputs, rest = _split(project, dict(options))
    return _stamp(code_agreement_table(inputs.segments, inputs.codings, inputs.coders,
                                       inputs.codes, themes=inputs.themes, **rest), inputs)


def theme_agreement(project: Project, **options: Any) -> pd.DataFrame:
    """Per-theme agreement table (:func:`theme_agreement_table`) for ``project``."""
    inputs, rest = _split(project, dict(options))
    return _stamp(theme_agreement_table(inputs.segments, inputs.codings, inputs.coders,
                                        inputs.codes, inputs.themes, **rest), inputs)


def overall_agreement_for(project: Project, **options: Any) -> pd.DataFrame:
    """Overall (pooled over codes) agreement row (:func:`overall_agreement`) for ``project``."""
    inputs, rest = _split(project, dict(options))
    return _stamp(overall_agreement(inputs.segments, inputs.codings, inputs.coders,
                                    inputs.codes, **rest), inputs)


def coder_matrix(project: Project, **options: Any) -> pd.DataFrame:
    """Coder x coder matrix (:func:`coder_agreement_matrix`) for ``project``."""
    inputs, rest = _split(project, dict(options))
    return _stamp(coder_agreement_matrix(inputs.segments, inputs.codings, inputs.coders,
                                         inputs.codes, **rest), inputs)


def disagreements(project: Project, code: str | None = None, **filters: Any) -> pd.DataFrame:
    """Disagreement rows (:func:`disagreement_table`) for ``project``, with a theme column.

    ``filters`` takes ``document``/``perspective``/``dyad``/``session`` and also
    ``filters=`` and ``roles=`` as for :func:`disagreement_table`, and ``coders``,
    ``documents``, ``round``. Coverage is not applied here: every listed coder's
    decisions are shown as coded.
    """
    inputs, rest = _split(project, dict(filters), coverage=False)
    return disagreement_table(inputs.segments, inputs.codings, inputs.coders, inputs.codes,
                              code=code, themes=inputs.themes, **rest)
