"""The theme report: one self-contained HTML file plus CSV and XLSX exports of its tables.

:func:`build_report` computes every table and figure from a project;
:func:`report_html` renders them into one HTML page that opens offline (plotly.js is
embedded once, nothing is loaded from the network); :func:`export_tables` writes each table
as CSV and all of them into one XLSX workbook; :func:`write_report` does all three (the
``workbench report`` command). Every text from the project (transcripts, code names,
memos, case attributes) is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from openpyxl import Workbook
from openpyxl.styles import Font

from workbench.analysis import dual_perspective as dp
from workbench.analysis import summaries as sm
from workbench.analysis.cqr import FrequencyThresholds, describe_cross_analysis
from workbench.errors import NotFoundError, WorkbenchError
from workbench.interop.safe_csv import write_csv
from workbench.model import Codebook, OverlapRule, format_video_time
from workbench.project import Project
from workbench.views import figures as fg

__all__ = ["ThemeReport", "build_report", "export_tables", "report_html", "write_report"]

#: Bootstrap replicates of the report's agreement intervals.
REPORT_N_BOOT = 500

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:1200px;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.7rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.5rem}
table.dataframe{border-collapse:collapse;font-size:.82rem;margin:.5rem 0 1.5rem}
table.dataframe th,table.dataframe td{border:1px solid #ddd;padding:.2rem .45rem;
vertical-align:top;text-align:left}table.dataframe thead th{background:#f3f3f3}
.note{background:#f7f7f2;border-left:4px solid #c9c28f;padding:.5rem .8rem;font-size:.9rem}
.scroll{overflow-x:auto}blockquote{margin:.4rem 0 .2rem 0;padding:.3rem .8rem;
border-left:4px solid var(--c);background:#fafafa}.cite{font-size:.8rem;color:#555;
margin:0 0 .8rem .9rem}.swatch{display:inline-block;width:.8rem;height:.8rem;
border-radius:2px;margin-right:.4rem;background:var(--c)}nav li{margin:.1rem 0}
"""


@dataclass(frozen=True)
class ThemeReport:
    """Everything the report shows: tables (exported as files) and figures, in order."""

    title: str
    overview: Mapping[str, object]
    tables: Mapping[str, pd.DataFrame]
    captions: Mapping[str, str]
    figures: Mapping[str, go.Figure]
    exemplars: pd.DataFrame
    agreement_note: str
    codebook: Codebook
    cqr_note: str = ""
    generated: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(
        timespec="seconds"))


def _export_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """A flat table: index as columns, code tuples as ``"a; b"``, empty strings as missing."""
    out = frame.copy()
    if not isinstance(out.index, pd.RangeIndex) or out.index.name is not None:
        out = out.reset_index()
    out.columns = [str(c) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = [_flat(v) for v in out[column]]
    return out


def _flat(value: object) -> object:
    """One export cell: tuples joined, dates as ISO text, missing (and "") as ``nan``."""
    if isinstance(value, tuple):
        value = "; ".join(map(str, value))
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or (isinstance(value, str) and value == ""):
        return np.nan
    return value


def _agreement(project: Project, codings: pd.DataFrame, rule: OverlapRule,
               coders: Sequence[str] | None, documents: Sequence[str] | None,
               round: str | None
               ) -> tuple[dict[str, pd.DataFrame], dict[str, str], str]:
    """Per-code and overall agreement, their captions (provenance) and the note.

    The selection is the library default (:mod:`workbench.agreement`): participant
    segments, uncoded included, intervals resampling documents; the notebook uses the same.
    """
    from workbench import agreement as ag

    # what the user chose must exist (a wrong name is an error, not a report without
    # agreement); only a selection the coefficients cannot use becomes the note below
    if round is not None:
        project.round(round)
    for kind, chosen, known in (("coder", coders, project.coders()),
                                ("document", documents, project.documents())):
        unknown = sorted(set(chosen or ()) - set(known))
        if unknown:
            raise NotFoundError(f"no {kind}(s) {', '.join(unknown)} in the project; "
                                f"the project has: {', '.join(known)}.")
    if coders is None and round is None:
        coders = sorted(codings["coder"].unique()) if len(codings) else []
    options: dict[str, Any] = {"coders": None if coders is None else list(coders),
                               "documents": documents, "round": round,
                               "n_boot": REPORT_N_BOOT, "seed": 0, "overlap_rule": rule}
    try:
        per_code = ag.code_agreement(project, **options)
        overall = ag.overall_agreement(project, **options)
    except WorkbenchError as exc:
        return {}, {}, f"Agreement could not be computed: {exc}"
    attrs = per_code.attrs
    dropped = attrs.get("dropped_coders") or []
    note = (f"Coders {', '.join(attrs['coders'])}"
            + (f" (left out, covered nothing: {', '.join(dropped)})" if dropped else "")
            + (f"; round {round}" if round else "")
            + (f"; documents {', '.join(map(str, attrs['filters']['document']))}"
               if attrs["filters"].get("document") else "; all documents")
            + f". Coverage: {attrs['coverage']}. Krippendorff: alpha >= .800 reliable, "
            ".667-.800 tentative. Each table below states its unit, overlap rule, units "
            "used, missing data and interval.")
    about = pd.DataFrame({"table": ["agreement_per_code"] * len(ag.provenance_lines(per_code))
                          + ["agreement_overall"] * len(ag.provenance_lines(overall)),
                          "provenance": [*ag.provenance_lines(per_code),
                                         *ag.provenance_lines(overall)]})
    captions = {"agreement_per_code": ag.describe_agreement(per_code),
                "agreement_overall": ag.describe_agreement(overall)}
    return ({"agreement_overall": overall, "agreement_per_code": per_code,
             "agreement_provenance": about}, captions, note)


def _cqr_tables(project: Project, case: str, thresholds: FrequencyThresholds | None,
                source: str, analysed: str
                ) -> tuple[dict[str, pd.DataFrame], dict[str, str], str]:
    """The CQR cross-analysis (side by side) of the codings of ``source`` (what the theme
    tables analyse, described as ``analysed``), its caption and provenance rows, a note."""
    from workbench import cqr

    try:
        codings = project.codings(source=source, with_attributes=False)
        table = cqr.cross_analysis(project, codings=codings, source=analysed, case=case,
                                   perspective="side_by_side", thresholds=thresholds)
    except WorkbenchError as exc:
        return {}, {}, f"The CQR cross-analysis could not be computed: {exc}"
    lines = cqr.cross_analysis_lines(table)
    about = pd.DataFrame({"table": ["cqr_cross_analysis"] * len(lines), "provenance": lines})
    note = ("Categories are codes, domains the CQR domains (the codebook's themes unless the "
            f"project keeps a separate list); a category applies to a case when the {analysed} "
            "have it there. Labels count cases, per perspective as well as over all cases "
            "(the IPR design: client and therapist side by side).")
    return ({"cqr_cross_analysis": table, "cqr_cross_analysis_provenance": about},
            {"cqr_cross_analysis": describe_cross_analysis(table)}, note)


def build_report(
    project: Project,
    *,
    tolerance: float = dp.DEFAULT_TOLERANCE,
    window: int = 2,
    exemplars_per_code: int = 3,
    seed: int = 0,
    agreement: bool = True,
    coders: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    round: str | None = None,
    source: str | None = "auto",
    cqr: bool = True,
    cqr_case: str = "document",
    cqr_thresholds: FrequencyThresholds | None = None,
) -> ThemeReport:
    """Compute the report's tables and figures from a project (needs a codebook).

    ``source`` chooses what the theme tables analyse, as for ``Project.segment_codings``:
    ``"auto"`` (default: the consensus once the team has recorded a decision, else the
    pooled raw codings), ``"consensus"``, ``"pooled"`` or a coder's name; the title, the
    overview and every summary caption state it. Agreement always compares the raw
    codings. ``coders``, ``documents`` and ``round`` (a round saved with
    ``Project.save_round``) choose the agreement round (default: every coder with
    codings, every document); agreement counts coders on the documents they covered, on
    participant segments.

    With ``cqr`` the report has the CQR cross-analysis (:func:`workbench.cqr.cross_analysis`
    of the same codings as the theme tables, all cases and each perspective side by side;
    a case is ``cqr_case``, the labels' cut-offs ``cqr_thresholds``, default Hill et al.
    2005) as the table ``cqr_cross_analysis`` and its provenance as
    ``cqr_cross_analysis_provenance``.
    """
    codebook = project.codebook
    rule = project.overlap_rule
    codings = project.segment_codings(rule=rule, source=source)
    analysed = sm.source_caption(codings)
    segments = project.segments()
    cases = project.cases()
    freq = {by: sm.frequencies(codings, by, codebook=codebook)
            for by in ("perspective", "outcome_group", "session", "dyad", "coder")}
    both = sm.frequencies(codings, ["perspective", "outcome_group"], codebook=codebook)
    themes = sm.frequencies(codings, ["perspective", "outcome_group"], level="theme",
                            codebook=codebook)
    overall = sm.frequencies(codings, (), codebook=codebook)
    moments = dp.align_moments(segments, codings, tolerance=tolerance, codebook=codebook)
    shared = moments[moments["recalled_by"] == "both"]
    concordance = dp.perspective_concordance(moments, codebook=codebook)
    crosstab = dp.perspective_crosstab(moments, codebook=codebook)
    cooc = sm.cooccurrence(codings, codebook=codebook)
    cooc_window = sm.cooccurrence(codings, window=window, codebook=codebook)
    picks = sm.exemplars(codings, n=exemplars_per_code, seed=seed, codebook=codebook)
    tables: dict[str, pd.DataFrame] = {
        "codebook": pd.DataFrame([{"theme": c.theme, "code": c.key, "code_name": c.name,
                                   "parent": c.parent, "definition": c.definition,
                                   "colour": c.colour} for c in codebook.codes]),
        "cases": cases,
        "codes_overall": overall,
        **{f"codes_by_{by}": frame for by, frame in freq.items()},
        "codes_by_perspective_outcome": both,
        "themes_by_perspective_outcome": themes,
        "cooccurrence_segment": cooc,
        f"cooccurrence_window{window}": cooc_window,
        "codes_by_transcript": sm.code_case_matrix(codings, case="document", codebook=codebook),
        "exemplars": picks,
        "moments_shared": shared.drop(columns=["recalled_by"]),
        "moments_all": moments,
        "perspective_concordance": concordance,
        "perspective_crosstab": crosstab,
    }
    agreement_tables: dict[str, pd.DataFrame] = {}
    agreement_captions: dict[str, str] = {}
    agreement_note = "Agreement was not requested."
    if agreement:
        raw = codings if codings.attrs.get("source") != "consensus" else \
            project.codings(with_attributes=False)
        agreement_tables, agreement_captions, agreement_note = _agreement(
            project, raw, rule, coders, documents, round)
    tables.update(agreement_tables)
    who = "the consensus" if codings.attrs.get("source") == "consensus" else "any coder"
    cqr_tables, cqr_captions, cqr_note = (
        _cqr_tables(project, cqr_case, cqr_thresholds, codings.attrs.get("source", "pooled"),
                    analysed) if cqr else ({}, {}, "CQR was not requested."))
    tables.update(cqr_tables)
    captions = {
        "codes_overall": f"Per code: codings ({who}), distinct segments, transcripts and "
                         "participants.",
        "cooccurrence_segment": f"Segments where both codes were applied ({who}).",
        f"cooccurrence_window{window}": f"Row code's segments with the column code within "
                                        f"{window} segments (same transcript).",
        "moments_shared": f"Moments recalled by both client and therapist (stops within "
                          f"{tolerance:g} s, greedy nearest pairing).",
        "perspective_concordance": "Per code at shared moments: jaccard = both / (both + one "
                                   "side only); positive agreement = 2 both / (2 both + one "
                                   "side only).",
    }
    stated = f"Computed on the {analysed}."
    for name in tables:
        if name not in ("codebook", "cases") and not name.startswith(("agreement", "cqr")):
            captions[name] = (captions[name] + "\n" if name in captions else "") + stated
    captions.update(agreement_captions)
    captions.update(cqr_captions)
    figures: dict[str, go.Figure] = {
        f"Code frequencies by perspective and outcome group ({analysed})":
            fg.frequency_figure(both, codebook),
        f"Themes and codes ({analysed})": fg.sunburst_figure(overall, codebook),
        f"Code co-occurrence, same segment ({analysed})": fg.cooccurrence_figure(cooc,
                                                                                  codebook),
        f"Concordance between perspectives ({analysed})": fg.concordance_figure(concordance,
                                                                                 codebook),
        f"Client code x therapist code at shared moments ({analysed})":
            fg.crosstab_figure(crosstab, codebook),
    }
    for (dyad, session), _ in moments.groupby(["dyad", "session"], sort=True):
        figures[f"Timeline: dyad {dyad}, session {session} ({analysed})"] = \
            fg.timeline_figure(moments, codebook, dyad=dyad, session=session)
    overview = {
        "project": project.location, "analysed": analysed, "codebook": codebook.name,
        "codebook version": codings.attrs.get("codebook_version"), "transcripts": len(cases),
        "dyads": cases["dyad"].nunique(), "segments": len(segments),
        "coders": ", ".join(project.coders()),
        "codings": int(codings["coding_uuid"].nunique()) if len(codings) else 0,
        "overlap rule": f"{rule.name}: {rule.describe()}",
        "recall stops": int(moments["client_time"].notna().sum()
                            + moments["therapist_time"].notna().sum()),
        "moments recalled by both": len(shared),
    }
    return ThemeReport(
        title=f"Theme summary: {codebook.name} - {analysed}", overview=overview,
        tables={name: _export_ready(t) for name, t in tables.items()}, captions=captions,
        figures=figures, exemplars=picks, agreement_note=agreement_note, codebook=codebook,
        cqr_note=cqr_note,
    )


# -- HTML ---------------------------------------------------------------------------------
def _e(text: object) -> str:
    return html.escape("" if text is None else str(text))


def _safe_colour(colour: str) -> str:
    """A hex colour for a style attribute; anything else becomes the neutral grey."""
    return colour if re.fullmatch(r"#[0-9A-Fa-f]{3,8}", colour) else fg.UNKNOWN_COLOUR


def _anchor(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _table_html(name: str, table: pd.DataFrame, caption: str = "") -> str:
    shown = table.copy()
    for column in ("video_time", "client_time", "therapist_time"):
        if column in shown.columns:
            shown[column] = [format_video_time(v) if pd.notna(v) else "" for v in shown[column]]
    body = shown.to_html(escape=True, index=False, na_rep="", border=0,
                         float_format=lambda v: f"{v:.3f}")
    cap = f"<p>{'<br>'.join(_e(line) for line in caption.splitlines())}</p>" if caption else ""
    return (f'<h3 id="t-{_anchor(name)}">{_e(name)}</h3>{cap}'
            f'<div class="scroll">{body}</div>')


def _exemplars_html(picks: pd.DataFrame, codebook: Codebook) -> str:
    colours = fg.code_colours(codebook)
    parts: list[str] = []
    for code, rows in picks.groupby("code", sort=False):
        colour = _safe_colour(colours.get(str(code), fg.UNKNOWN_COLOUR))
        name = _e(rows["code_name"].iloc[0])
        parts.append(f'<h3 style="--c:{colour}"><span class="swatch"></span>{name} '
                     f"<small>({_e(code)})</small></h3>")
        for row in rows.itertuples():
            where = ", ".join(
                f"{label}{_e(getattr(row, col))}"
                for label, col in (("dyad ", "dyad"), ("session ", "session"),
                                   ("", "perspective"), ("outcome ", "outcome_group"))
                if hasattr(row, col) and pd.notna(getattr(row, col))
            )
            time = format_video_time(row.video_time) if pd.notna(getattr(row, "video_time",
                                                                         None)) else ""
            memo = f"<br>memos: {_e(row.memos)}" if getattr(row, "memos", "") else ""
            parts.append(
                f'<blockquote style="--c:{colour}">{_e(row.quote)}</blockquote>'
                f'<p class="cite">{_e(getattr(row, "speaker", ""))} ({_e(row.document)}; '
                f"{where}; video {_e(time)}); applied by {int(row.coders)} coder(s){memo}</p>"
            )
    return "".join(parts) or "<p>No codings yet.</p>"


def report_html(report: ThemeReport) -> str:
    """The report as one HTML document (plotly.js embedded once; no network requests)."""
    figures: list[str] = []
    for i, (title, fig) in enumerate(report.figures.items()):
        div = fig.to_html(full_html=False, include_plotlyjs=(i == 0), include_mathjax=False,
                          config={"displaylogo": False, "responsive": True})
        figures.append(f'<h3 id="f-{_anchor(title)}">{_e(title)}</h3>{div}')
    overview = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>"
                       for k, v in report.overview.items())
    tables = "".join(_table_html(name, t, report.captions.get(name, ""))
                     for name, t in report.tables.items()
                     if not name.startswith(("agreement", "cqr_")))
    cqr = "".join(_table_html(name, t, report.captions.get(name, ""))
                  for name, t in report.tables.items()
                  if name.startswith("cqr_") and not name.endswith("_provenance"))
    agreement = "".join(_table_html(name, t, report.captions.get(name, ""))
                        for name, t in report.tables.items()
                        if name.startswith("agreement") and name != "agreement_provenance")
    toc = "".join(f'<li><a href="#t-{_anchor(n)}">{_e(n)}</a></li>' for n in report.tables)
    figure_toc = "".join(f'<li><a href="#f-{_anchor(t)}">{_e(t)}</a></li>'
                         for t in report.figures)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(report.title)}</title><style>{_CSS}</style></head><body>
<h1>{_e(report.title)}</h1>
<p class="note">Codebook {_e(report.overview.get("codebook", ""))}, version
{_e(report.overview.get("codebook version", ""))}: every table below was computed under it.
Generated {_e(report.generated)} by the IPR workbench. This file contains
transcript excerpts: handle it as the study's data protection rules require. It loads
nothing from the network (plotly.js is embedded).</p>
<h2 id="overview">Overview</h2><table class="dataframe">{overview}</table>
<p class="note">Unit: stored segments (sentences or speaker turns); a coding (a range of
the transcript) counts for a segment by the overlap rule in the overview. Counts pool all
coders:
<em>codings</em> counts every coder's codings, <em>segments</em> counts distinct segments
that any coder coded. Recall stops of client and therapist within the tolerance are the same
moment (greedy nearest pairing without reuse).</p>
<nav><h2>Contents</h2><h3>Figures</h3><ul>{figure_toc}</ul><h3>Tables</h3><ul>{toc}</ul>
</nav>
<h2 id="figures">Figures</h2>{"".join(figures)}
<h2 id="exemplars">Exemplar quotes</h2>
<p>Per code, quotes from different transcripts first, then those more coders applied the
code to; ties broken by a seeded hash of segment and code (reproducible).</p>
{_exemplars_html(report.exemplars, report.codebook)}
<h2 id="agreement">Agreement summary</h2><p class="note">{_e(report.agreement_note)}</p>
{agreement}
<h2 id="cqr">CQR cross-analysis</h2><p class="note">{_e(report.cqr_note)}</p>
{cqr}
<h2 id="tables">Tables</h2>
<p>Every table is also exported as CSV and as a sheet of one XLSX workbook.</p>{tables}
</body></html>
"""


# -- exports ------------------------------------------------------------------------------
def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | dt.date):
        return value.isoformat()
    return value


def export_tables(tables: Mapping[str, pd.DataFrame], directory: str | Path) -> list[Path]:
    """Write each table as ``NAME.csv`` and all as sheets of ``tables.xlsx`` in ``directory``.

    Cells are written as values: a text starting with ``=`` stays text in the workbook
    (never a formula), and gets a leading apostrophe in the CSV files
    (:mod:`~workbench.interop.safe_csv`). Returns the written paths, the workbook last.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    book = Workbook()
    for default in list(book.worksheets):
        book.remove(default)
    for name, table in tables.items():
        path = folder / f"{name}.csv"
        write_csv(table, path)
        written.append(path)
        sheet = book.create_sheet(title=name[:31])
        sheet.append([str(c) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.itertuples(index=False):
            sheet.append([_cell(v) for v in row])
        for column in sheet.iter_cols(min_row=2):
            for cell in column:
                if isinstance(cell.value, str) and cell.data_type == "f":
                    cell.data_type = "s"
        sheet.freeze_panes = "A2"
    workbook = folder / "tables.xlsx"
    book.save(workbook)
    written.append(workbook)
    return written


def write_report(
    project: Project,
    out: str | Path,
    *,
    tables_dir: str | Path | None = None,
    tolerance: float = dp.DEFAULT_TOLERANCE,
    window: int = 2,
    agreement: bool = True,
    coders: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    round: str | None = None,
    cqr: bool = True,
    cqr_case: str = "document",
    cqr_thresholds: FrequencyThresholds | None = None,
) -> ThemeReport:
    """Build the report, write the HTML to ``out`` and, with ``tables_dir``, the tables.

    ``coders``, ``documents`` and ``round`` choose the agreement round; ``cqr``,
    ``cqr_case`` and ``cqr_thresholds`` the CQR cross-analysis (see :func:`build_report`).
    """
    report = build_report(project, tolerance=tolerance, window=window, agreement=agreement,
                          coders=coders, documents=documents, round=round, cqr=cqr,
                          cqr_case=cqr_case, cqr_thresholds=cqr_thresholds)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(report_html(report), encoding="utf-8")
    if tables_dir is not None:
        export_tables(report.tables, tables_dir)
    return report
