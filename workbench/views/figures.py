"""plotly figures of the theme summaries; every colour comes from the codebook.

The builders take the DataFrames of :mod:`workbench.analysis.summaries` and
:mod:`workbench.analysis.dual_perspective` and only shape them (select, order, label):

* :func:`frequency_figure` — horizontal bars per code, one panel per perspective x outcome
  group (or any two grouping columns).
* :func:`cooccurrence_figure` — heatmap of a code x code matrix (also the client x
  therapist cross-tab, :func:`crosstab_figure`).
* :func:`sunburst_figure` — themes to codes (to sub-codes).
* :func:`timeline_figure` — one dyad and session along video time, a client lane and a
  therapist lane, a marker per code at each recall stop, grey links for shared moments.
* :func:`concordance_figure` — per-code positive agreement between perspectives.

A code is drawn in its codebook colour everywhere (:func:`code_colours`); codes missing
from the codebook are grey. Labels and hover texts are HTML-escaped, since plotly reads a
small set of HTML tags in text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.model import Codebook, format_video_time

__all__ = [
    "UNKNOWN_COLOUR",
    "code_colours",
    "concordance_figure",
    "cooccurrence_figure",
    "crosstab_figure",
    "frequency_figure",
    "sunburst_figure",
    "theme_colours",
    "timeline_figure",
]

#: Colour of codes (and stops) the codebook does not colour.
UNKNOWN_COLOUR = "#999999"
_LANES = {"client": 1.0, "therapist": 0.0}
_HOVER_CHARS = 240


def _esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def _short(text: object) -> str:
    value = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    if len(value) > _HOVER_CHARS:
        value = value[: _HOVER_CHARS - 1] + "…"
    return _esc(value)


def code_colours(codebook: Codebook) -> dict[str, str]:
    """Code key -> its codebook colour."""
    return {code.key: code.colour for code in codebook.codes}


def theme_colours(codebook: Codebook) -> dict[str, str]:
    """Theme key -> its codebook colour."""
    return {theme.key: theme.colour for theme in codebook.themes}


def _code_names(codebook: Codebook) -> dict[str, str]:
    return {code.key: code.name for code in codebook.codes}


def _ordered_codes(keys: Sequence[str], codebook: Codebook) -> list[str]:
    present = list(dict.fromkeys(str(k) for k in keys))
    order = [k for k in codebook.keys if k in present]
    return order + [k for k in present if k not in order]


def _values(frame: pd.DataFrame, column: str | None) -> list[object]:
    if column is None:
        return [None]
    return list(dict.fromkeys(frame[column].tolist()))


def _match(frame: pd.DataFrame, column: str | None, value: object) -> pd.Series:
    if column is None:
        return pd.Series(True, index=frame.index)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return frame[column].isna()
    return frame[column] == value


# -- frequencies --------------------------------------------------------------------------
def frequency_figure(
    freq: pd.DataFrame,
    codebook: Codebook,
    *,
    value: str = "segments",
    row: str | None = "perspective",
    col: str | None = "outcome_group",
    title: str = "Code frequencies",
) -> go.Figure:
    """Horizontal bars of ``freq[value]`` per code; panels by ``row`` x ``col``.

    ``freq`` is :func:`~workbench.analysis.summaries.frequencies` at code level grouped by
    the ``row`` and ``col`` columns (either may be ``None``). One bar trace per code and
    panel, named by the code's name and coloured by the code's colour; the legend shows
    each code once (``legendgroup`` = code key).
    """
    rows, cols = _values(freq, row), _values(freq, col)
    titles = [" · ".join(_esc(v) for v in (r, c) if v is not None) for r in rows for c in cols]
    fig = make_subplots(rows=len(rows), cols=len(cols), shared_yaxes=True, shared_xaxes="all",
                        subplot_titles=titles if any(titles) else None,
                        horizontal_spacing=0.04, vertical_spacing=0.1)
    colours, names = code_colours(codebook), _code_names(codebook)
    codes = _ordered_codes(freq["code"].tolist(), codebook) if len(freq) else []
    shown: set[str] = set()
    for i, r in enumerate(rows, start=1):
        for j, c in enumerate(cols, start=1):
            panel = freq[_match(freq, row, r) & _match(freq, col, c)]
            for code in codes:
                hit = panel[panel["code"] == code]
                if hit.empty:
                    continue
                label = _esc(names.get(code, code))
                fig.add_trace(go.Bar(
                    x=hit[value].tolist(), y=[label] * len(hit), orientation="h",
                    name=label, legendgroup=code, showlegend=code not in shown,
                    marker={"color": colours.get(code, UNKNOWN_COLOUR)},
                    hovertemplate=f"{label}: %{{x}} {value}<extra></extra>",
                ), row=i, col=j)
                shown.add(code)
    labels = [_esc(names.get(k, k)) for k in codes]
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
    fig.update_xaxes(title_text=value, row=len(rows))
    fig.update_layout(title=_esc(title), barmode="group", height=max(320, 28 * len(codes)
                      * len(rows) + 160), legend_title_text="code")
    return fig


# -- heatmaps -----------------------------------------------------------------------------
def _tick(code: str, codebook: Codebook) -> str:
    colour = code_colours(codebook).get(code, UNKNOWN_COLOUR)
    return f'<span style="color:{colour}">{_esc(_code_names(codebook).get(code, code))}</span>'


def _heatmap(matrix: pd.DataFrame, codebook: Codebook, *, title: str, x_title: str,
             y_title: str, hide_diagonal: bool) -> go.Figure:
    rows = [str(k) for k in matrix.index]
    cols = [str(k) for k in matrix.columns]
    z = matrix.to_numpy(dtype=np.float64).copy()
    if hide_diagonal:
        for i, key in enumerate(rows):
            if key in cols:
                z[i, cols.index(key)] = np.nan
    y_labels = [_esc(_code_names(codebook).get(k, k)) for k in rows]
    x_labels = [_esc(_code_names(codebook).get(k, k)) for k in cols]
    fig = go.Figure(go.Heatmap(
        z=z, x=x_labels, y=y_labels, colorscale="Blues", texttemplate="%{z}",
        hovertemplate=f"{_esc(y_title)}: %{{y}}<br>{_esc(x_title)}: %{{x}}<br>%{{z}}"
                      "<extra></extra>",
        colorbar={"title": "segments"},
    ))
    fig.update_xaxes(tickvals=x_labels, ticktext=[_tick(k, codebook) for k in cols],
                     title_text=_esc(x_title), tickangle=-40)
    fig.update_yaxes(tickvals=y_labels, ticktext=[_tick(k, codebook) for k in rows],
                     title_text=_esc(y_title), autorange="reversed")
    size = max(420, 32 * max(len(rows), len(cols)) + 220)
    fig.update_layout(title=_esc(title), height=size)
    return fig


def cooccurrence_figure(
    matrix: pd.DataFrame, codebook: Codebook, *, title: str = "Code co-occurrence",
    hide_diagonal: bool = True,
) -> go.Figure:
    """Heatmap of :func:`~workbench.analysis.summaries.cooccurrence`.

    Tick labels are the code names in their codebook colours. The diagonal (segments per
    code) is left blank by default so that it does not set the colour scale.
    """
    return _heatmap(matrix, codebook, title=title, x_title="co-occurring code",
                    y_title="code", hide_diagonal=hide_diagonal)


def crosstab_figure(
    crosstab: pd.DataFrame, codebook: Codebook,
    *, title: str = "Shared moments: client code x therapist code",
) -> go.Figure:
    """Heatmap of :func:`~workbench.analysis.dual_perspective.perspective_crosstab`."""
    return _heatmap(crosstab, codebook, title=title, x_title="therapist code",
                    y_title="client code", hide_diagonal=False)


# -- sunburst -----------------------------------------------------------------------------
def sunburst_figure(
    freq: pd.DataFrame, codebook: Codebook, *, value: str = "segments",
    title: str = "Themes and codes",
) -> go.Figure:
    """Sunburst from themes to codes (to sub-codes), sized by ``freq[value]``.

    ``freq`` is :func:`~workbench.analysis.summaries.frequencies` with ``by=()`` (one
    row per code). Theme sectors have the theme colour, code sectors the code colour;
    ``branchvalues="remainder"``: a parent's own count plus its children's. Codes that are
    not in the codebook (retired) are left out.
    """
    counts = dict(zip(freq["code"].astype(str), freq[value], strict=True)) if len(freq) else {}
    ids: list[str] = []
    parents: list[str] = []
    labels: list[str] = []
    values: list[float] = []
    colours: list[str] = []
    for theme in codebook.themes:
        ids.append(f"theme:{theme.key}")
        parents.append("")
        labels.append(_esc(theme.name))
        values.append(0.0)
        colours.append(theme.colour)
    for code in codebook.codes:
        ids.append(f"code:{code.key}")
        parents.append(f"code:{code.parent}" if code.parent else f"theme:{code.theme}")
        labels.append(_esc(code.name))
        values.append(float(counts.get(code.key, 0)))
        colours.append(code.colour)
    fig = go.Figure(go.Sunburst(
        ids=ids, parents=parents, labels=labels, values=values, branchvalues="remainder",
        marker={"colors": colours}, hovertemplate=f"%{{label}}: %{{value}} {value}<extra></extra>",
    ))
    fig.update_layout(title=_esc(title), height=560, margin={"t": 60, "l": 10, "r": 10, "b": 10})
    return fig


# -- timeline -----------------------------------------------------------------------------
def timeline_figure(
    moments: pd.DataFrame, codebook: Codebook, *, dyad: object, session: object,
) -> go.Figure:
    """Recall stops of one dyad and session along the session-video time.

    ``moments`` is :func:`~workbench.analysis.dual_perspective.align_moments`. The client
    lane is at y = 1, the therapist lane at y = 0; each stop has one marker per code (in
    the code's colour, stacked a little above the lane) or a grey marker when uncoded.
    One trace per code (named by the code name), one ``"no code"`` trace and one
    ``"same moment"`` trace of grey links between the two sides of each shared moment.
    """
    rows = moments[(moments["dyad"] == dyad) & (moments["session"] == session)]
    colours, names = code_colours(codebook), _code_names(codebook)
    points: dict[str, dict[str, list[object]]] = {}
    for side, lane in _LANES.items():
        for time, codes, text in zip(rows[f"{side}_time"], rows[f"{side}_codes"],
                                     rows[f"{side}_text"], strict=True):
            if time is None or (isinstance(time, float) and math.isnan(time)):
                continue
            for k, code in enumerate(codes or ("",)):
                bucket = points.setdefault(code, {"x": [], "y": [], "text": []})
                bucket["x"].append(float(time))
                bucket["y"].append(lane + 0.09 * k)
                bucket["text"].append(f"{side} · {format_video_time(float(time))}<br>"
                                      f"{_short(text)}")
    fig = go.Figure()
    links_x: list[float | None] = []
    links_y: list[float | None] = []
    for c_time, t_time in zip(rows["client_time"], rows["therapist_time"], strict=True):
        if not (np.isnan(c_time) or np.isnan(t_time)):
            links_x += [float(c_time), float(t_time), None]
            links_y += [_LANES["client"], _LANES["therapist"], None]
    fig.add_trace(go.Scatter(x=links_x, y=links_y, mode="lines", name="same moment",
                             line={"color": "#bbbbbb", "width": 1, "dash": "dot"},
                             hoverinfo="skip"))
    for code in [*_ordered_codes([k for k in points if k], codebook), ""]:
        if code not in points:
            continue
        label = _esc(names.get(code, code)) if code else "no code"
        fig.add_trace(go.Scatter(
            x=points[code]["x"], y=points[code]["y"], mode="markers", name=label,
            legendgroup=code or "none", text=points[code]["text"],
            marker={"color": colours.get(code, UNKNOWN_COLOUR) if code else UNKNOWN_COLOUR,
                    "size": 11 if code else 7, "line": {"width": 0.5, "color": "white"}},
            hovertemplate=f"<b>{label}</b><br>%{{text}}<extra></extra>",
        ))
    end = float(np.nanmax(rows[["client_time", "therapist_time"]].to_numpy(np.float64),
                          initial=0.0))
    step = 300.0 if end > 900 else 60.0
    ticks = [step * i for i in range(int(end // step) + 2)]
    fig.update_xaxes(title_text="session video time", tickvals=ticks,
                     ticktext=[format_video_time(t) for t in ticks], range=[-10, end + 30])
    fig.update_yaxes(tickvals=[_LANES["therapist"], _LANES["client"]],
                     ticktext=["therapist", "client"], range=[-0.4, 1.6], zeroline=False)
    fig.update_layout(title=f"Dyad {_esc(dyad)}, session {_esc(session)}: recall stops",
                      height=380, hovermode="closest")
    return fig


def concordance_figure(concordance: pd.DataFrame, codebook: Codebook,
                       *, title: str = "Concordance between perspectives") -> go.Figure:
    """Bars of positive agreement per code (from ``perspective_concordance``).

    Codes that occur at no shared moment (``nan``) are left out; the hover shows the counts.
    """
    data = concordance[concordance["positive_agreement"].notna()]
    colours, names = code_colours(codebook), _code_names(codebook)
    labels = [_esc(names.get(k, k)) for k in data["code"]]
    fig = go.Figure(go.Bar(
        x=data["positive_agreement"].tolist(), y=labels, orientation="h",
        marker={"color": [colours.get(k, UNKNOWN_COLOUR) for k in data["code"]]},
        customdata=data[["both", "client_only", "therapist_only"]].to_numpy(),
        hovertemplate="%{y}: %{x:.2f}<br>both %{customdata[0]}, client only "
                      "%{customdata[1]}, therapist only %{customdata[2]}<extra></extra>",
    ))
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
    fig.update_xaxes(title_text="positive agreement (2·both / (2·both + one side only))",
                     range=[0, 1])
    fig.update_layout(title=_esc(title), height=max(320, 26 * len(labels) + 140))
    return fig
