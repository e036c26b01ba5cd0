"""Inter-coder agreement: pure functions on arrays and DataFrames (no database).

Modules
-------
reliability_data
    :class:`ReliabilityData`, the validated units x coders container.
coefficients
    Percent agreement, Cohen's kappa, Scott's pi, Fleiss', Conger's and Brennan-Prediger
    kappa, Gwet's AC1/AC2 and Krippendorff's alpha, each returning an
    :class:`AgreementResult` (``nan`` with a reason when undefined).
intervals
    Seeded bootstrap confidence intervals (resampling units) and interpretation labels.
presence
    Presence/absence decisions per unit, coder and code from ``segments``/``codings``
    DataFrames, with segments or characters as units.
agreement_tables
    Per-code, per-theme, overall and coder x coder tables (DataFrame in, DataFrame out).
disagreements
    The segments where coders differ, for discussion.
unitizing
    Krippendorff's unitizing alphas (alpha_U; |u-alpha, cu-alpha, Cu-alpha) of range
    codings on the character continuum, with coverage.
tool_comparison
    What NVivo, MAXQDA, ATLAS.ti and QDA Miner would report for the same codings.
consensus
    Disagreement items (clusters of overlapping ranges, votes n of k), the majority rule
    and the consensus layer from items and decisions.
"""

from workbench.analysis.agreement_tables import (
    TABLE_COEFFICIENTS,
    code_agreement_table,
    coder_agreement_matrix,
    overall_agreement,
    presence_agreement_table,
    theme_agreement_table,
)
from workbench.analysis.coefficients import (
    COEFFICIENTS,
    DEFINITIONS,
    LEVELS,
    WEIGHTINGS,
    AgreementResult,
    brennan_prediger,
    cohens_kappa,
    compute,
    conger_kappa,
    fleiss_kappa,
    gwet_ac,
    krippendorff_alpha,
    mean_pairwise_cohens_kappa,
    pairwise_cohens_kappa,
    percent_agreement,
    scotts_pi,
)
from workbench.analysis.disagreements import coder_column, disagreement_table
from workbench.analysis.intervals import (
    ConfidenceInterval,
    bootstrap_ci,
    interpret,
    krippendorff_label,
    landis_koch_label,
)
from workbench.analysis.presence import Presence, build_presence
from workbench.analysis.reliability_data import ReliabilityData, as_reliability_data
from workbench.analysis.tool_comparison import tool_comparison
from workbench.analysis.unitizing import unitizing_alpha

__all__ = [
    "COEFFICIENTS",
    "DEFINITIONS",
    "LEVELS",
    "TABLE_COEFFICIENTS",
    "WEIGHTINGS",
    "AgreementResult",
    "ConfidenceInterval",
    "Presence",
    "ReliabilityData",
    "as_reliability_data",
    "bootstrap_ci",
    "brennan_prediger",
    "build_presence",
    "code_agreement_table",
    "coder_agreement_matrix",
    "coder_column",
    "cohens_kappa",
    "compute",
    "conger_kappa",
    "disagreement_table",
    "fleiss_kappa",
    "gwet_ac",
    "interpret",
    "krippendorff_alpha",
    "krippendorff_label",
    "landis_koch_label",
    "mean_pairwise_cohens_kappa",
    "overall_agreement",
    "pairwise_cohens_kappa",
    "percent_agreement",
    "presence_agreement_table",
    "scotts_pi",
    "theme_agreement_table",
    "tool_comparison",
    "unitizing_alpha",
]
