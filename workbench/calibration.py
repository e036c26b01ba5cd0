"""Calibrating a coder against the consensus: a training set before a reliability round.

:func:`calibration` tests one coder (typically a new one) against the settled consensus of
a panel of coders (default: every registered coder but her) on *training documents*:
documents whose consensus is settled (every item of the panel is unanimous or decided, no
open item) and that the coder coded. Per code it gives Cohen's kappa and Krippendorff's
alpha between the coder and the consensus layer (:func:`workbench.consensus.consensus_codings`)
as two "coders" on the participant's segments, each with a percentile bootstrap interval
that resamples whole documents, percent agreement and the counts of units where both, only
the coder, only the consensus or neither applied the code. ``attrs`` and
``attrs["caption"]`` say what it was computed on: coder, consensus of whom with how many
decisions, the documents used and those left out with the reason, unit, overlap rule,
interval method and seed.

A document is left out when: the panel has open items there (``"N open item(s)"``); the
panel has no codings there (``"no consensus: the panel did not code it"``); or the coder
did not code it (with coverage recorded: did not mark it done; without: has no coding
there). Documents asked for explicitly that are left out raise
:class:`~workbench.errors.CalibrationError` saying why.

:func:`calibration_differences` lists the segments where the coder and the consensus
differ (the disagreements machinery with the two "coders"); :func:`calibration_view` is a
small ipywidgets training view (table, chart, differences).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workbench.agreement import DEFAULT_ROLES
from workbench.analysis.agreement_tables import presence_agreement_table
from workbench.analysis.disagreements import disagreement_table
from workbench.analysis.presence import Presence, build_presence
from workbench.consensus import CONSENSUS_CODER, _names, consensus_codings, consensus_items
from workbench.errors import CalibrationError, suggest

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from workbench.project import Project

__all__ = [
    "CALIBRATION_COLUMNS",
    "CalibrationInputs",
    "calibration",
    "calibration_differences",
    "calibration_figure",
    "calibration_inputs",
    "calibration_view",
]

#: Columns of :func:`calibration`.
CALIBRATION_COLUMNS: tuple[str, ...] = (
    "code", "code_name", "theme", "n_units", "n_documents", "both", "only_coder",
    "only_consensus", "neither", "percent_agreement", "cohen_kappa", "kappa_ci_low",
    "kappa_ci_high", "krippendorff_alpha", "alpha_ci_low", "alpha_ci_high", "kappa_label",
    "alpha_label", "undefined_reason")


@dataclass(frozen=True)
class CalibrationInputs:
    """The coder's codings and the consensus layer on the training documents, stacked
    (``coder`` is the coder's name or ``"consensus"``), with what was used and left out."""

    coder: str
    panel: list[str]
    documents: list[str]
    left_out: dict[str, str]
    codings: pd.DataFrame
    consensus_attrs: dict[str, Any]


def _coder_docs(project: Project, coder: str, docs: list[str],
                raw: pd.DataFrame) -> dict[str, str]:
    """Document -> why the coder does not count there (absent: she does)."""
    stored = project.coverage(recorded_only=True)
    recorded = stored["status"].isin(["in_progress", "done"]).any()
    if recorded:
        done = set(stored.loc[(stored["coder"] == coder) & (stored["status"] == "done"),
                              "document"])
        return {d: f"{coder} did not mark it done" for d in docs if d not in done}
    coded = set(raw.loc[raw["coder"] == coder, "document"])
    return {d: f"{coder} has no coding there (no coverage recorded)"
            for d in docs if d not in coded}


def calibration_inputs(project: Project, coder: str, *,
                       consensus_of: Sequence[str] | None = None,
                       documents: Sequence[str] | str | None = None) -> CalibrationInputs:
    """Choose the training documents and read the codings to compare (see the module
    docstring). ``consensus_of`` is the panel whose consensus is the reference (default:
    every registered coder except ``coder``)."""
    registered = project.coders()
    if coder not in registered:
        raise CalibrationError(f"coder {coder!r} is not registered{suggest(coder, registered)}; "
                               f"registered: {registered}.")
    if coder == CONSENSUS_CODER:
        raise CalibrationError("calibrate a coder, not the consensus layer itself.")
    panel = [c for c in registered if c != coder] if consensus_of is None else \
        ([consensus_of] if isinstance(consensus_of, str) else list(consensus_of))
    unknown = [c for c in panel if c not in registered]
    if unknown:
        raise CalibrationError(f"consensus_of= names unregistered coder(s) {unknown}; "
                               f"registered: {registered}.")
    if not panel:
        raise CalibrationError("the consensus needs a panel of coders: pass consensus_of=.")
    known = project.documents()
    asked = None if documents is None else \
        ([documents] if isinstance(documents, str) else list(documents))
    for name in asked or []:
        if name not in known:
            raise CalibrationError(f"no document {name!r}{suggest(name, known)}.")
    candidates = known if asked is None else asked
    items = consensus_items(project, coders=panel, documents=candidates)
    raw = project.codings(coder=coder, document=candidates, with_attributes=False)
    left_out: dict[str, str] = {}
    per_doc = items.groupby("document")["status"]
    n_open = per_doc.apply(lambda s: int((s == "open").sum())).to_dict()
    n_items = per_doc.size().to_dict()
    for doc in candidates:
        if n_items.get(doc, 0) == 0:
            left_out[doc] = f"no consensus: {_names(panel)} did not code it"
        elif n_open.get(doc, 0):
            n = n_open[doc]
            left_out[doc] = f"{n} open item{'s' if n != 1 else ''} in the consensus"
    for doc, why in _coder_docs(project, coder, candidates, raw).items():
        left_out.setdefault(doc, why)
    used = [d for d in candidates if d not in left_out]
    if asked is not None and left_out:
        raise CalibrationError(
            "these documents cannot train " + coder + ": " + "; ".join(
                f"{d}: {why}" for d, why in left_out.items())
            + ". Settle their consensus (project.consensus_items(), project.decide()) or "
            "choose documents with a settled consensus.")
    if not used:
        raise CalibrationError(
            f"no document has a settled consensus of {_names(panel)} that {coder} coded ("
            + "; ".join(f"{d}: {why}" for d, why in left_out.items())
            + "). Decide the open items with project.decide() first.")
    layer = consensus_codings(project, coders=panel, documents=used, with_attributes=False)
    mine = raw[raw["document"].isin(used) & ~raw["pending_recode"].astype(bool)]
    columns = ["coding_uuid", "document", "start", "end", "code", "coder"]
    stacked = pd.concat([mine[columns], layer[columns]], ignore_index=True)
    return CalibrationInputs(coder, panel, used, left_out, stacked, dict(layer.attrs))


def _presence(project: Project, inputs: CalibrationInputs, codes: list[str],
              roles: Sequence[str] | None) -> Presence:
    return build_presence(project.segments(), inputs.codings,
                          [inputs.coder, CONSENSUS_CODER], codes,
                          filters={"document": inputs.documents},
                          roles=None if roles is None else list(roles),
                          overlap_rule=project.overlap_rule)


def _codes(project: Project, codes: Sequence[str] | None) -> list[str]:
    keys = [c.key for c in project.codebook.codes]
    if codes is None:
        return keys
    chosen = [codes] if isinstance(codes, str) else list(codes)
    for key in chosen:
        if key not in keys:
            raise CalibrationError(f"no code {key!r} in the codebook{suggest(key, keys)}.")
    return chosen


def calibration(project: Project, coder: str, *, against: str = "consensus",
                consensus_of: Sequence[str] | None = None,
                documents: Sequence[str] | str | None = None,
                codes: Sequence[str] | None = None,
                roles: Sequence[str] | None = DEFAULT_ROLES,
                n_boot: int = 1000, confidence: float = 0.95,
                seed: int | None = 0) -> pd.DataFrame:
    """Agreement of ``coder`` with the consensus, one row per code (:data:`CALIBRATION_COLUMNS`).

    ``against`` is ``"consensus"`` (the only reference so far); ``consensus_of``,
    ``documents`` as in :func:`calibration_inputs`; ``codes`` (default: the codebook's);
    units are the segments of ``roles`` (default participants) under the project's overlap
    rule. Intervals: ``confidence`` percentile bootstrap, ``n_boot`` replicates resampling
    whole documents, ``seed``. ``attrs``: ``coder``, ``consensus_of``, ``n_decisions``,
    ``n_unanimous``, ``documents``, ``left_out`` (document -> reason), ``unit``,
    ``overlap_rule``, ``interval``, ``seed`` and ``caption``.
    """
    if against != "consensus":
        raise CalibrationError(f"against= must be 'consensus', not {against!r}.")
    chosen = _codes(project, codes)
    inputs = calibration_inputs(project, coder, consensus_of=consensus_of, documents=documents)
    presence = _presence(project, inputs, chosen, roles)
    options: dict[str, Any] = {"n_boot": n_boot, "confidence": confidence, "seed": seed,
               "resample": "document"}
    alpha = presence_agreement_table(presence, ci_for="krippendorff_alpha", **options)
    kappa = presence_agreement_table(presence, ci_for="cohen_kappa_mean", **options)
    array = presence.array
    mine, theirs = array[:, 0, :], array[:, 1, :]
    by_key = {c.key: c for c in project.codebook.codes}
    table = pd.DataFrame({
        "code": chosen,
        "code_name": [by_key[k].name for k in chosen],
        "theme": [by_key[k].theme for k in chosen],
        "n_units": presence.n_units,
        "n_documents": len(inputs.documents),
        "both": (mine & theirs).sum(axis=0).astype(np.int64),
        "only_coder": (mine & ~theirs).sum(axis=0).astype(np.int64),
        "only_consensus": (~mine & theirs).sum(axis=0).astype(np.int64),
        "neither": (~mine & ~theirs).sum(axis=0).astype(np.int64),
        "percent_agreement": alpha["percent_agreement"].to_numpy(),
        "cohen_kappa": kappa["cohen_kappa_mean"].to_numpy(),
        "kappa_ci_low": kappa["ci_low"].to_numpy(),
        "kappa_ci_high": kappa["ci_high"].to_numpy(),
        "krippendorff_alpha": alpha["krippendorff_alpha"].to_numpy(),
        "alpha_ci_low": alpha["ci_low"].to_numpy(),
        "alpha_ci_high": alpha["ci_high"].to_numpy(),
        "kappa_label": kappa["kappa_label"].to_numpy(),
        "alpha_label": alpha["alpha_label"].to_numpy(),
        "undefined_reason": alpha["undefined_reason"].to_numpy(),
    }, columns=list(CALIBRATION_COLUMNS))
    stats = inputs.consensus_attrs
    n_dec, n_una = int(stats.get("n_decisions", 0)), int(stats.get("n_unanimous", 0))
    interval = (f"{confidence:.0%} percentile bootstrap, {n_boot} replicates resampling whole "
                f"documents, seed {seed}" if n_boot else "no interval (n_boot=0)")
    unit = ("segments of " + ("every speaker" if roles is None else
                              "role " + ", ".join(roles)))
    rule = presence.overlap_rule
    left = "; ".join(f"{d} ({why})" for d, why in inputs.left_out.items()) or "none"
    caption = (f"{coder} against the consensus of {_names(inputs.panel)} ({n_dec} decision"
               f"{'s' if n_dec != 1 else ''}, {n_una} unanimous) on {len(inputs.documents)} "
               f"training document{'s' if len(inputs.documents) != 1 else ''} "
               f"({', '.join(inputs.documents)}); left out: {left}. Units: {unit}, "
               f"{presence.n_units} units; overlap rule: {rule}. Intervals: {interval}.")
    table.attrs.update(
        coder=coder, against="consensus", consensus_of=list(inputs.panel),
        n_decisions=n_dec, n_unanimous=n_una, documents=list(inputs.documents),
        left_out=dict(inputs.left_out), unit=unit, n_units=presence.n_units,
        overlap_rule=rule, interval=interval, n_boot=n_boot, confidence=confidence,
        seed=seed, caption=caption)
    return table


def calibration_differences(project: Project, coder: str, *,
                            consensus_of: Sequence[str] | None = None,
                            documents: Sequence[str] | str | None = None,
                            codes: Sequence[str] | None = None,
                            roles: Sequence[str] | None = DEFAULT_ROLES) -> pd.DataFrame:
    """The segments of the training documents where ``coder`` and the consensus differ, one
    row per (segment, code) (columns of :func:`~workbench.analysis.disagreement_table`, with
    ``codes_by_<coder>`` and ``codes_by_consensus``)."""
    chosen = _codes(project, codes)
    inputs = calibration_inputs(project, coder, consensus_of=consensus_of, documents=documents)
    table = disagreement_table(project.segments(), inputs.codings,
                               [inputs.coder, CONSENSUS_CODER], chosen,
                               themes={c.key: c.theme for c in project.codebook.codes},
                               filters={"document": inputs.documents},
                               roles=None if roles is None else list(roles),
                               overlap_rule=project.overlap_rule)
    table.attrs.update(coder=coder, consensus_of=list(inputs.panel),
                       documents=list(inputs.documents), left_out=dict(inputs.left_out))
    return table


def calibration_figure(table: pd.DataFrame, project: Project, *,
                       column: str = "krippendorff_alpha") -> go.Figure:
    """Per-code alpha (or ``column="cohen_kappa"``) of a :func:`calibration` table with its
    interval, in the codebook colours (:func:`~workbench.views.agreement_figures.alpha_chart`)."""
    from workbench.views.agreement_figures import alpha_chart

    prefix = "alpha" if column == "krippendorff_alpha" else "kappa"
    if column not in ("krippendorff_alpha", "cohen_kappa"):
        raise CalibrationError("column= is 'krippendorff_alpha' or 'cohen_kappa'.")
    frame = table.assign(ci_low=table[f"{prefix}_ci_low"], ci_high=table[f"{prefix}_ci_high"])
    frame.attrs = {}
    name = "Krippendorff's alpha" if prefix == "alpha" else "Cohen's kappa"
    fig = alpha_chart(frame, project.codebook, column=column,
                      title=f"{table.attrs.get('coder', '')}: {name} with the consensus")
    fig.add_annotation(text=str(table.attrs.get("caption", "")), xref="paper", yref="paper",
                       x=0.0, y=-0.2, xanchor="left", yanchor="top", showarrow=False,
                       align="left", font={"size": 10, "color": "#555"})
    return fig


def calibration_view(project: Project, coder: str, **options: Any) -> Any:
    """A training view (ipywidgets ``VBox``): the caption, the :func:`calibration` table,
    the alpha and kappa charts and the passages where ``coder`` and the consensus differ.
    ``options`` go to :func:`calibration` (``consensus_of``, ``documents``, ``codes``,
    ``roles``, ``n_boot``, ``seed`` ...)."""
    import ipywidgets as widgets

    from workbench.views.theme_explorer import figure_output

    table = calibration(project, coder, **options)
    keep = {k: options[k] for k in ("consensus_of", "documents", "codes", "roles")
            if k in options}
    differences = calibration_differences(project, coder, **keep)
    shown = table.drop(columns=["theme"]).round(3)
    columns = [c for c in ("document", "text", "code", "applied_by", "not_applied_by")
               if c in differences.columns]
    return widgets.VBox([
        widgets.HTML(f"<p>{_escape(table.attrs['caption'])}</p>"),
        widgets.HTML(shown.to_html(index=False, na_rep="–", escape=True)),
        figure_output(calibration_figure(table, project)),
        figure_output(calibration_figure(table, project, column="cohen_kappa")),
        widgets.HTML(f"<h4>Where {_escape(coder)} and the consensus differ "
                     f"({len(differences)})</h4>"
                     + differences[columns].to_html(index=False, escape=True)),
    ])


def _escape(text: object) -> str:
    import html

    return html.escape(str(text))
