"""Tables as a team reads them on the review page: clock times and code names.

Analysis frames keep machine values (seconds as floats, code keys in tuples) so that they
can be computed on; these helpers make a copy for people: a session-video time becomes
``MM:SS`` (``H:MM:SS`` from one hour), and a tuple of code keys becomes the codes' names
joined by commas (``—`` for none). Nothing is computed here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pandas as pd

from workbench.model import Codebook

__all__ = ["TIME_COLUMNS", "format_clock", "moments_table"]

TIME_COLUMNS: tuple[str, ...] = ("video_time", "client_time", "therapist_time")
"""Columns of :func:`~workbench.analysis.dual_perspective.align_moments` holding a
session-video time in seconds."""
_CODE_COLUMNS = ("client_codes", "therapist_codes")
_NONE = "—"


def format_clock(seconds: float | None) -> str:
    """``MM:SS`` for a session-video time (``H:MM:SS`` from one hour; ``""`` for none).

    Seconds are rounded to the nearest whole second: ``202.0`` -> ``"03:22"``,
    ``3725.4`` -> ``"1:02:05"``.
    """
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return ""
    whole = round(float(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _names(codes: Iterable[str] | None, names: dict[str, str]) -> str:
    shown = [names.get(str(code), str(code)) for code in (codes or ())]
    return ", ".join(shown) if shown else _NONE


def moments_table(moments: pd.DataFrame, codebook: Codebook,
                  columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A copy of ``moments`` (or of its ``columns``) for reading: times as clock times and
    code tuples as code names. Unknown columns raise ``KeyError`` as pandas does."""
    out = moments.loc[:, list(columns)] if columns is not None else moments.copy()
    names = {code.key: code.name for code in codebook.codes}
    for column in TIME_COLUMNS:
        if column in out.columns:
            out[column] = [format_clock(value) for value in out[column]]
    for column in _CODE_COLUMNS:
        if column in out.columns:
            out[column] = [_names(value, names) for value in out[column]]
    return out
