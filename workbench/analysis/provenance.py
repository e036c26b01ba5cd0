"""What an agreement number is, in words: the text block printed with every table.

:func:`provenance_lines` turns the ``attrs`` of an agreement table (per code, per theme,
overall, the coder x coder matrix) into short lines: the unit, the speaker roles, whether
uncoded units are included, the overlap rule, the coders, the documents, the units each
coefficient used, the missing-data treatment, and the interval's method, replicates,
confidence and seed. :func:`describe_agreement` joins them; the notebook prints it above a
table, figures carry it as an annotation, the report as the table caption, and the
command line above the table and into the files it writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

__all__ = ["describe_agreement", "provenance_lines"]

_TITLES = {"code": "Agreement per code", "theme": "Agreement per theme",
           "overall": "Overall agreement (all unit x code decisions pooled)"}
_MAX_NAMES = 8


def _names(values: Sequence[Any], limit: int = _MAX_NAMES) -> str:
    shown = [str(v) for v in values[:limit]]
    more = len(values) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _count(n: object, unit: str) -> str:
    word = {"segment": "segments", "character": "characters"}.get(unit, f"{unit} units")
    return f"{n:,} {word}" if isinstance(n, int) else f"{n} {word}"


def provenance_lines(attrs: Mapping[str, Any] | pd.DataFrame) -> list[str]:
    """The provenance of an agreement table as lines of text (see the module docstring)."""
    if isinstance(attrs, pd.DataFrame):
        attrs = attrs.attrs
    unit = str(attrs.get("unit", "segment"))
    lines: list[str] = []
    rows = attrs.get("rows")
    if rows in _TITLES:
        title = _TITLES[str(rows)]
    elif attrs.get("coefficient"):
        title = (f"Coder x coder {str(attrs['coefficient']).replace('_', ' ')}, pooled over "
                 "all (unit, code) decisions")
    else:
        title = "Agreement"
    round_name = attrs.get("round")
    lines.append(title + (f" - reliability round {round_name!r}" if round_name else ""))
    roles = attrs.get("roles")
    who = "every speaker's" if not roles else f"{'/'.join(map(str, roles))}"
    uncoded = ("uncoded units included (agreement on 'nothing here' counts)"
               if attrs.get("include_uncoded", True)
               else f"uncoded units excluded ({attrs.get('n_uncoded_dropped', 0):,} dropped)")
    lines.append(f"unit: {unit} ({who} {unit}s); {uncoded}")
    if attrs.get("overlap_rule"):
        lines.append(f"overlap rule: {attrs['overlap_rule']}")
    coders = list(attrs.get("coders") or [])
    dropped = list(attrs.get("dropped_coders") or [])
    lines.append(f"coders ({len(coders)}): {_names(coders)}"
                 + (f"; left out (covered nothing): {_names(dropped)}" if dropped else ""))
    documents = attrs.get("documents")
    chosen = (attrs.get("filters") or {}).get("document")
    if documents is not None:
        scope = "chosen" if chosen else "all with selected units"
        lines.append(f"documents ({len(documents)}, {scope}): {_names(documents)}")
    other = {k: v for k, v in (attrs.get("filters") or {}).items() if k != "document"}
    if other:
        lines.append("filters: " + "; ".join(f"{k} = {_names(list(v))}"
                                               for k, v in other.items()))
    used = attrs.get("units_used") or {}
    n_units = attrs.get("n_units")
    units_text = f"units used: {_count(n_units, unit)} selected"
    if used:
        units_text += (f"; alpha and Cohen's kappas on pairable units "
                       f"({_count(used.get('pairable'), unit)}); percent agreement, Fleiss, "
                       f"AC1 and Brennan-Prediger on complete units "
                       f"({_count(used.get('complete'), unit)})")
    if rows == "overall" and isinstance(n_units, int) and attrs.get("codes") is not None:
        n_codes = len(attrs["codes"])
        units_text += (f"; pooled: {n_units:,} x {n_codes} codes = {n_units * n_codes:,} "
                       "decisions")
    lines.append(units_text)
    coverage = attrs.get("coverage")
    lines.append("missing data: " + (str(coverage) if coverage else
                                     "none: every coder is taken to have coded every unit"))
    ci = attrs.get("ci")
    if rows in _TITLES or "ci" in attrs:
        if ci:
            seed = ci.get("seed")
            lines.append(
                f"interval: {float(ci['confidence']):.0%} {ci['method']} "
                f"(resample={ci.get('resample', 'segment')!r}), {int(ci['n_boot']):,} "
                f"replicates, seed {seed if seed is not None else 'none (not reproducible)'},"
                f" for {ci['coefficient']}")
        else:
            lines.append("interval: none (n_boot=0)")
    version = attrs.get("codebook_version")
    pending = attrs.get("n_pending_recode_excluded") or 0
    if version is not None or pending:
        lines.append(f"codebook version {version}"
                     + (f"; {pending} codings awaiting recode left out" if pending else ""))
    return lines


def describe_agreement(table: pd.DataFrame | Mapping[str, Any]) -> str:
    """The provenance block of an agreement table, one fact per line (print it with it)."""
    return "\n".join(provenance_lines(table))
