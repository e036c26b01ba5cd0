"""Who has covered what: the coverage status of every coder on every transcript.

:func:`coverage_overview` reads :meth:`workbench.Project.coverage` (the statuses agreement
uses: ``not_started``, ``in_progress``, ``done``) and returns a
:class:`CoverageOverview`: a coders x documents table of statuses as a DataFrame, and as
HTML (each cell also says how far the coder got) for a notebook.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import pandas as pd

from workbench.coder_identity import inert
from workbench.project import Project

__all__ = ["CoverageOverview", "coverage_overview"]

_COLOURS = {"done": "#d4edda", "in_progress": "#fff3cd", "not_started": "#f1f1f1"}


@dataclass(frozen=True)
class CoverageOverview:
    """Coverage of a project. ``status`` has one row per coder and one column per
    document (sorted), each cell ``not_started``, ``in_progress`` or ``done``;
    ``detail`` is :meth:`Project.coverage` as read (``coder``, ``document``,
    ``status``, ``furthest_idx``, ``n_segments``, ``note``, ``updated_at``)."""

    status: pd.DataFrame
    detail: pd.DataFrame

    def counts(self) -> pd.DataFrame:
        """Per coder: how many documents are ``done``, ``in_progress``, ``not_started``."""
        table = self.detail.groupby(["coder", "status"]).size().unstack(fill_value=0)
        for status in ("done", "in_progress", "not_started"):
            if status not in table.columns:
                table[status] = 0
        return table[["done", "in_progress", "not_started"]].astype("int64")

    def to_html(self) -> str:
        """The table as HTML: a coloured cell per coder and document with its status and
        ``reached N of M`` units (names escaped and shown inert)."""
        rows = {(str(r.coder), str(r.document)): r for r in self.detail.itertuples()}
        documents = [str(d) for d in self.status.columns]
        head = "".join(f"<th>{escape(inert(d))}</th>" for d in documents)
        body = []
        for coder in self.status.index:
            cells = []
            for document in documents:
                row = rows.get((str(coder), document))
                status = str(self.status.loc[coder, document])
                reached = ""
                if row is not None and not pd.isna(row.furthest_idx):
                    reached = f"<br><small>reached {int(row.furthest_idx) + 1} of " \
                              f"{int(row.n_segments)}</small>"
                cells.append(
                    f'<td class="wb-coverage-{status}" style="background:'
                    f'{_COLOURS.get(status, "#fff")};padding:2px 6px">'
                    f'{escape(status.replace("_", " "))}{reached}</td>')
            body.append(f"<tr><th>{escape(inert(str(coder)))}</th>{''.join(cells)}</tr>")
        return ('<table class="wb-coverage-overview" style="border-collapse:collapse">'
                f"<thead><tr><th>coder</th>{head}</tr></thead>"
                f"<tbody>{''.join(body)}</tbody></table>")

    def _repr_html_(self) -> str:
        return self.to_html()


def coverage_overview(project: Project) -> CoverageOverview:
    """The coverage status of every registered coder on every document (pairs never
    recorded are ``not_started``), as a :class:`CoverageOverview`; show it as the last
    expression of a notebook cell."""
    detail = project.coverage()
    if detail.empty:
        status = pd.DataFrame(index=pd.Index(project.coders(), name="coder"),
                              columns=pd.Index(project.documents(), name="document"),
                              dtype="object")
    else:
        status = detail.pivot(index="coder", columns="document", values="status")
        status = status.sort_index().sort_index(axis=1)
    return CoverageOverview(status=status, detail=detail)
