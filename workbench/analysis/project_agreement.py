"""Agreement tables straight from a :class:`~workbench.project.Project`.

:func:`agreement_inputs` reads the segments, codings, coders, codes and the code -> theme
mapping from a project; the thin wrappers (:func:`code_agreement`,
:func:`theme_agreement`, :func:`overall_agreement_for`, :func:`coder_matrix`,
:func:`disagreements`) pass them, plus the segment filters (``document``,
``perspective``, ``dyad``, ``session``) as the ``filters`` dict, to the DataFrame-in
functions of :mod:`workbench.analysis.agreement_tables` and
:mod:`workbench.analysis.disagreements`. Other keyword options go through unchanged.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class AgreementInputs:
    """What the agreement table functions need, read from one project."""

    segments: pd.DataFrame
    codings: pd.DataFrame
    coders: list[str]
    codes: list[str]
    themes: dict[str, str]
    filters: dict[str, Any]

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
) -> AgreementInputs:
    """Segments, codings, coders, codes (codebook order) and code -> theme of ``project``.

    The filters given (not ``None``) are collected in ``.filters`` (segment column ->
    accepted value or list of values), to be passed as ``filters=`` to the table
    functions; the segments themselves are not cut, so the tables record the filters.
    """
    values = {"document": document, "perspective": perspective, "dyad": dyad, "session": session}
    filters = {key: value for key, value in values.items() if value is not None}
    codebook = project.codebook
    return AgreementInputs(
        segments=project.segments(),
        codings=project.codings(),
        coders=list(project.coders()),
        codes=[code.key for code in codebook.codes],
        themes={code.key: code.theme for code in codebook.codes},
        filters=filters,
    )


def _split(project: Project, options: dict[str, Any]) -> tuple[AgreementInputs, dict[str, Any]]:
    filter_values = {key: options.pop(key) for key in _FILTER_KEYS if key in options}
    inputs = agreement_inputs(project, **filter_values)
    if inputs.filters:
        options["filters"] = {**inputs.filters, **(options.get("filters") or {})}
    if options.get("overlap_rule") is None:
        options["overlap_rule"] = project.overlap_rule
    return inputs, options


def code_agreement(project: Project, **options: Any) -> pd.DataFrame:
    """Per-code agreement table (:func:`code_agreement_table`) for ``project``.

    ``document``, ``perspective``, ``dyad`` and ``session`` become segment filters; the
    other options (``unit``, ``roles``, ``include_uncoded``, ``overlap_rule`` (default: the
    project's), ``n_boot``, ...) pass through.
    """
    inputs, rest = _split(project, dict(options))
    return code_agreement_table(inputs.segments, inputs.codings, inputs.coders, inputs.codes,
                                themes=inputs.themes, **rest)


def theme_agreement(project: Project, **options: Any) -> pd.DataFrame:
    """Per-theme agreement table (:func:`theme_agreement_table`) for ``project``."""
    inputs, rest = _split(project, dict(options))
    return theme_agreement_table(inputs.segments, inputs.codings, inputs.coders, inputs.codes,
                                 inputs.themes, **rest)


def overall_agreement_for(project: Project, **options: Any) -> pd.DataFrame:
    """Overall (pooled over codes) agreement row (:func:`overall_agreement`) for ``project``."""
    inputs, rest = _split(project, dict(options))
    return overall_agreement(inputs.segments, inputs.codings, inputs.coders, inputs.codes, **rest)


def coder_matrix(project: Project, **options: Any) -> pd.DataFrame:
    """Coder x coder matrix (:func:`coder_agreement_matrix`) for ``project``."""
    inputs, rest = _split(project, dict(options))
    return coder_agreement_matrix(inputs.segments, inputs.codings, inputs.coders, inputs.codes,
                                  **rest)


def disagreements(project: Project, code: str | None = None, **filters: Any) -> pd.DataFrame:
    """Disagreement rows (:func:`disagreement_table`) for ``project``, with a theme column.

    ``filters`` takes ``document``/``perspective``/``dyad``/``session`` and also
    ``filters=`` and ``roles=`` as for :func:`disagreement_table`.
    """
    inputs, rest = _split(project, dict(filters))
    return disagreement_table(inputs.segments, inputs.codings, inputs.coders, inputs.codes,
                              code=code, themes=inputs.themes, **rest)
