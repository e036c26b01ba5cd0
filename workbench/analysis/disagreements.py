"""Where coders disagree: the segments to discuss before a consensus coding.

:func:`disagreement_table` lists, for one code or for every code, the segments on which
the coders did not all make the same decision (some applied the code, some did not).
Units are segments; a coding counts for a segment by the overlap rule.

**Coverage.** With ``coverage=`` (as for
:func:`~workbench.analysis.presence.build_presence`) only the coders who covered a segment
are compared there: a coder's "not applied" on a document she did not cover (not started,
or in progress and left out) is missing, not a disagreement. A segment is disputed when
at least two coders covered it and some but not all of them applied the code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis.presence import InProgressRule, build_presence
from workbench.errors import AgreementInputError
from workbench.model import OverlapRule

__all__ = ["coder_column", "disagreement_table"]

_CONTEXT = ("segment_id", "document", "speaker", "text")


def coder_column(coder: str) -> str:
    """Name of the column listing a coder's codes in :func:`disagreement_table`."""
    return f"codes_by_{coder}"


def disagreement_table(
    segments: pd.DataFrame,
    codings: pd.DataFrame,
    coders: Sequence[str],
    codes: Sequence[str],
    *,
    code: str | None = None,
    themes: Mapping[str, str] | None = None,
    filters: Mapping[str, Any] | None = None,
    roles: Sequence[str] | None = None,
    overlap_rule: OverlapRule | str | float | None = None,
    coverage: pd.DataFrame | None = None,
    in_progress: InProgressRule = "exclude",
) -> pd.DataFrame:
    """Segments where the coders differ, one row per (segment, disputed code).

    Parameters
    ----------
    segments, codings : DataFrame
        As for :func:`~workbench.analysis.presence.build_presence`; ``document``,
        ``speaker`` and ``text`` columns of ``segments`` are copied when present.
    coders, codes : sequence of str
        Coders compared and codes considered.
    code : str, optional
        Only this code (one row per disputed segment); default: every code.
    themes : mapping, optional
        Code -> theme, adds a ``theme`` column.
    filters, roles, overlap_rule
        Segment selection and when a range coding counts for a segment, as for
        ``build_presence``.
    coverage, in_progress
        Which coders covered which segments (see the module docstring); default: every
        coder covered every segment.

    Returns
    -------
    DataFrame
        ``segment_id``, ``document``, ``speaker``, ``text``, ``code`` (and ``theme``),
        ``applied_by`` and ``not_applied_by`` (coders who covered the segment,
        comma-joined in the order given), ``not_covered_by`` (the others), then one
        ``codes_by_<coder>`` column per coder listing all that coder's codes on the
        segment (among ``codes``, sorted, comma-joined; missing where the coder did not
        cover it). Rows follow the order of
        ``segments``, then of ``codes``. ``attrs`` holds the unit, coders and counts.
    """
    if code is not None and code not in codes:
        raise AgreementInputError(
            f"The code {code!r} is not among the codes compared {list(codes)}; add it to codes."
        )
    presence = build_presence(segments, codings, coders, codes, filters=filters, roles=roles,
                              overlap_rule=overlap_rule, coverage=coverage,
                              in_progress=in_progress)
    covered = presence.covered_mask
    array = presence.array & covered[:, :, None]
    counts = array.sum(axis=1)
    n_covered = covered.sum(axis=1)[:, None]
    disputed = (n_covered >= 2) & (counts > 0) & (counts < n_covered)
    if code is not None:
        only = list(presence.codes).index(code)
        keep = np.zeros_like(disputed)
        keep[:, only] = disputed[:, only]
        disputed = keep
    unit_idx, code_idx = np.nonzero(disputed)
    seg = presence.segments
    table = pd.DataFrame({
        col: (seg[col].to_numpy()[unit_idx] if col in seg.columns else None)
        for col in _CONTEXT
    })
    table["code"] = [presence.codes[k] for k in code_idx]
    if themes is not None:
        table["theme"] = [themes.get(c) for c in table["code"]]
    names = np.array(presence.codes, dtype=object)
    order = np.argsort(names)
    applied_by, not_applied_by, not_covered_by = [], [], []
    for u, k in zip(unit_idx, code_idx, strict=True):
        flags = zip(presence.coders, array[u, :, k], covered[u], strict=True)
        rows = list(flags)
        applied_by.append(", ".join(c for c, f, cov in rows if f and cov))
        not_applied_by.append(", ".join(c for c, f, cov in rows if cov and not f))
        not_covered_by.append(", ".join(c for c, _, cov in rows if not cov))
    table["applied_by"] = applied_by
    table["not_applied_by"] = not_applied_by
    table["not_covered_by"] = not_covered_by
    sorted_names = names[order]
    for c, coder in enumerate(presence.coders):
        mine = array[unit_idx, c, :][:, order]
        table[coder_column(coder)] = [", ".join(sorted_names[row]) if cov else None
                                      for row, cov in zip(mine, covered[unit_idx, c],
                                                          strict=True)]
    table.attrs.update(
        unit="segment",
        coders=list(presence.coders),
        codes=list(presence.codes),
        code=code,
        n_units=presence.n_units,
        n_disputed_segments=len(np.unique(unit_idx)),
        coder_columns={coder: coder_column(coder) for coder in presence.coders},
        filters=presence.describe()["filters"],
        roles=presence.describe()["roles"],
        codebook_version=presence.codebook_version,
        n_pending_recode_excluded=presence.n_pending_recode,
        overlap_rule=presence.overlap_rule,
        coverage=presence.coverage_rule,
        dropped_coders=list(presence.dropped_coders),
    )
    return table
