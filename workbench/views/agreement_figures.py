"""plotly figures of the agreement tables of :mod:`workbench.analysis.agreement_tables`.

* :func:`alpha_chart` — per-code Krippendorff's alpha as points with bootstrap-interval
  whiskers (the table's ``ci_low``/``ci_high`` columns), codes in their codebook colours,
  and horizontal reference lines at .667 (tentative conclusions) and .800 (reliable).
* :func:`coder_heatmap` — the coder x coder matrix of
  :func:`~workbench.analysis.agreement_tables.coder_agreement_matrix`.

Both carry the table's provenance (:func:`~workbench.analysis.provenance.provenance_lines`:
unit, overlap rule, coders, documents, units used, uncoded units, missing data, interval
method and seed) as an annotation under the plot, so a saved or pasted figure still says
what its numbers are. Labels and hover texts are HTML-escaped, since plotly reads a small
set of HTML tags.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench.analysis.provenance import provenance_lines
from workbench.model import Codebook
from workbench.views.figures import UNKNOWN_COLOUR, code_colours

__all__ = ["ALPHA_THRESHOLDS", "alpha_chart", "coder_heatmap"]

#: Krippendorff's reference values: tentative conclusions from .667, reliable from .800.
ALPHA_THRESHOLDS: tuple[float, float] = (0.667, 0.800)


def _annotate(fig: go.Figure, attrs: dict[str, object]) -> None:
    """The provenance lines as a small-print annotation below the plot area."""
    if not attrs:
        return
    lines = provenance_lines(attrs)[1:]  # the first line is the title's content
    fig.add_annotation(text="<br>".join(html.escape(line) for line in lines),
                       xref="paper", yref="paper", x=0.0, y=-0.18, xanchor="left",
                       yanchor="top", showarrow=False, align="left",
                       font={"size": 10, "color": "#555"})
    fig.update_layout(margin={"b": 90 + 15 * len(lines)}, height=460 + 15 * len(lines))


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def alpha_chart(table: pd.DataFrame, codebook: Codebook, *, column: str = "krippendorff_alpha",
                title: str = "Krippendorff's alpha per code") -> go.Figure:
    """Per-code alpha with interval whiskers, one trace (and one whisker) per code.

    ``table`` is a :func:`code_agreement_table`; the whiskers come from ``ci_low`` and
    ``ci_high`` (missing when the interval was skipped or undefined). Codes keep the
    table order and their codebook colour (grey when not in the codebook).
    """
    colours = code_colours(codebook)
    names = {code.key: code.name for code in codebook.codes}
    fig = go.Figure()
    for _, row in table.iterrows():
        key = str(row["code"])
        value = _number(row[column])
        low = _number(row["ci_low"]) if "ci_low" in table.columns else math.nan
        high = _number(row["ci_high"]) if "ci_high" in table.columns else math.nan
        label = html.escape(names.get(key, key))
        hover = (f"{label}<br>alpha = {value:.3f}<br>"
                 f"interval [{low:.3f}, {high:.3f}]<br>n_units = {row.get('n_units', '')}")
        fig.add_trace(go.Scatter(
            x=[html.escape(key)], y=[value], mode="markers", name=label,
            marker={"color": colours.get(key, UNKNOWN_COLOUR), "size": 10},
            error_y={"type": "data", "symmetric": False,
                     "array": [high - value if np.isfinite(high) else 0.0],
                     "arrayminus": [value - low if np.isfinite(low) else 0.0],
                     "visible": bool(np.isfinite(low) and np.isfinite(high))},
            hovertemplate=hover + "<extra></extra>", showlegend=False,
        ))
    for threshold in ALPHA_THRESHOLDS:
        fig.add_hline(y=threshold, line_dash="dash", line_color="grey",
                      annotation_text=f"{threshold:.3f}", annotation_position="top left")
    fig.update_layout(title=html.escape(title), xaxis_title="code",
                      yaxis_title=html.escape(column.replace("_", " ")),
                      yaxis={"range": [-1.05, 1.05]}, template="plotly_white")
    _annotate(fig, dict(table.attrs))
    return fig


def coder_heatmap(matrix: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Heatmap of a coder x coder matrix (values shown in the cells, diagonal empty)."""
    coefficient = str(matrix.attrs.get("coefficient", "agreement"))
    labels = [html.escape(str(name)) for name in matrix.columns]
    values = matrix.to_numpy(dtype=float)
    text = [["" if not np.isfinite(v) else f"{v:.3f}" for v in row] for row in values]
    fig = go.Figure(go.Heatmap(
        z=values, x=labels, y=[html.escape(str(name)) for name in matrix.index],
        text=text, texttemplate="%{text}", colorscale="Blues", zmin=0.0, zmax=1.0,
        colorbar={"title": html.escape(coefficient.replace("_", " "))},
    ))
    fig.update_layout(title=html.escape(title or f"Coder x coder {coefficient.replace('_', ' ')}"),
                      template="plotly_white", yaxis={"autorange": "reversed"})
    _annotate(fig, dict(matrix.attrs))
    return fig
