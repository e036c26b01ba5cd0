"""The dual perspective: client and therapist recall stops on the session-video timeline.

In IPR the client and the therapist are interviewed separately about the same recorded
session; each interview stops the video at moments that mattered. A **recall stop** is one
``[HH:MM:SS]`` marker of a transcript: the segments of that transcript with that
``video_time``.

Alignment (:func:`align_moments`)
    For each dyad and session, the client's and the therapist's stops are the **same
    moment** when their video times differ by at most ``tolerance`` seconds
    (:data:`DEFAULT_TOLERANCE` = 10 s). Stops are paired greedily, nearest first, without
    reuse: all client/therapist pairs within the tolerance are sorted by the absolute time
    difference (ties by client time, then therapist time) and a pair is accepted when
    neither stop is already paired. A stop left unpaired is a moment recalled by one side
    only. Ten seconds absorbs the few seconds by which two people, pausing the same video
    on different days, miss each other (2-5 s in the sample study), and stays well below
    the usual gap between successive stops of one interview (about a minute).

Concordance (:func:`perspective_concordance`)
    Over the moments recalled by **both** sides, per code: ``both`` (the code is on the
    client's and on the therapist's side), ``client_only``, ``therapist_only`` and
    ``neither``. ``jaccard = both / (both + client_only + therapist_only)`` and
    ``positive_agreement = 2 both / (2 both + client_only + therapist_only)`` (the
    Dice coefficient; the proportion of specific positive agreement). Both are ``nan``
    when the code occurs on neither side of any shared moment (0/0). A side "has" a code
    at a stop when any coder in the codings frame applied it to a segment of that stop.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.errors import SummaryInputError
from workbench.model import Codebook

__all__ = [
    "DEFAULT_TOLERANCE",
    "align_moments",
    "perspective_concordance",
    "perspective_crosstab",
    "recall_stops",
]

#: Client and therapist stops at most this many seconds apart are the same moment.
DEFAULT_TOLERANCE = 10.0

_SIDES = ("client", "therapist")
_MOMENT_COLUMNS = ["dyad", "session", "outcome_group", "moment", "recalled_by", "video_time",
                   "client_time", "therapist_time", "gap", "client_codes", "therapist_codes",
                   "client_text", "therapist_text", "client_document", "therapist_document"]
_SOURCES = {"segments": "project.segments() with its case attributes",
            "codings": "project.segment_codings() with its case attributes",
            "moments": "the frame returned by align_moments()"}


def _require(frame: object, columns: list[str], what: str, kind: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise SummaryInputError(f"{what} needs a pandas DataFrame of {kind}, "
                                f"got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SummaryInputError(
            f"{what}: the {kind} frame has no column(s) {', '.join(missing)}; pass "
            f"{_SOURCES[kind]}."
        )
    return frame


def _code_rank(codes: pd.Series, codebook: Codebook | None) -> tuple[npt.NDArray[np.int64],
                                                                       list[str]]:
    """Codebook (else alphabetical) position of each code, and the keys by position."""
    order = list(codebook.keys) if codebook is not None else []
    extra = sorted(set(codes.dropna().astype(str).unique()) - set(order))
    categories = [*order, *extra]
    return np.asarray(pd.Categorical(codes, categories=categories).codes, np.int64), categories


def _groups(keys: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64],
                                                     npt.NDArray[np.int64]]:
    """Distinct values of sorted ``keys`` and the start of each run."""
    starts = np.r_[0, np.flatnonzero(keys[1:] != keys[:-1]) + 1] if len(keys) else \
        np.zeros(0, np.int64)
    return keys[starts], starts.astype(np.int64)


def _per_stop(stop_keys: npt.NDArray[np.float64], keys: npt.NDArray[np.float64],
              values: npt.NDArray[np.object_], join: str | None) -> list[object]:
    """Values grouped by stop (``keys`` sorted), joined (text) or as tuples (codes)."""
    empty: object = "" if join is not None else ()
    out: list[object] = [empty] * len(stop_keys)
    uniq, starts = _groups(keys)
    where = np.searchsorted(stop_keys, uniq).tolist()
    items = values.tolist()
    bounds = [*starts.tolist(), len(items)]
    for slot, lo, hi in zip(where, bounds[:-1], bounds[1:], strict=True):
        out[slot] = join.join(items[lo:hi]) if join is not None else tuple(items[lo:hi])
    return out


def recall_stops(
    segments: pd.DataFrame,
    codings: pd.DataFrame | None = None,
    *,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """One row per recall stop: the transcript's segments sharing one ``video_time``.

    Parameters
    ----------
    segments : DataFrame
        ``project.segments()`` (needs dyad, session, perspective, document, video_time,
        segment_index, role, text; ``outcome_group`` is carried when present).
    codings : DataFrame, optional
        ``project.segment_codings()``; the codes applied (by any coder) to segments of the stop,
        matched on ``document`` and ``video_time``, go to ``codes``.

    Returns
    -------
    DataFrame sorted by dyad, session, perspective, video_time with columns dyad, session,
    perspective, outcome_group, document, ``stop`` (1-based within the transcript),
    ``video_time`` (seconds), ``segments`` (how many), ``text`` (the participant's words
    at the stop, segments joined by spaces) and ``codes`` (tuple of code keys, codebook
    order).
    """
    cols = ["dyad", "session", "perspective", "document", "video_time", "segment_index",
            "role", "text"]
    _require(segments, cols, "recall_stops", "segments")
    keep = [*cols, "outcome_group"] if "outcome_group" in segments.columns else cols
    frame = segments.loc[segments["video_time"].notna(), keep]
    if "outcome_group" not in frame.columns:
        frame = frame.assign(outcome_group=np.nan)
    docs = pd.Index(pd.unique(frame["document"]))
    span = float(frame["video_time"].max()) + 1.0 if len(frame) else 1.0

    def key_of(document: pd.Series, time: pd.Series) -> npt.NDArray[np.float64]:
        doc = docs.get_indexer(document).astype(np.float64)
        return np.where(doc >= 0, doc * span + time.to_numpy(np.float64), -1.0)

    seg_key = key_of(frame["document"], frame["video_time"])
    order = np.lexsort((frame["segment_index"].to_numpy(), seg_key))
    frame, seg_key = frame.iloc[order], seg_key[order]
    stop_keys, starts = _groups(seg_key)
    stops = frame.iloc[starts][["dyad", "session", "perspective", "outcome_group", "document",
                                "video_time"]].reset_index(drop=True)
    stops["segments"] = np.diff(np.r_[starts, len(seg_key)]).astype(np.int64)
    said = (frame["role"] == "participant").to_numpy()
    stops["text"] = _per_stop(stop_keys, seg_key[said],
                              frame["text"].astype(str).to_numpy(object)[said], " ")
    stops["codes"] = [()] * len(stops)
    if codings is not None and len(stops):
        _require(codings, ["document", "video_time", "code"], "recall_stops", "codings")
        found = codings["video_time"].notna().to_numpy()
        key = key_of(codings["document"], codings["video_time"])[found]
        rank, labels = _code_rank(codings["code"][found], codebook)
        hit = np.searchsorted(stop_keys, key).clip(max=len(stop_keys) - 1)
        valid = (stop_keys[hit] == key) & (rank >= 0)
        pair_key = hit[valid] * len(labels) + rank[valid]
        space = len(stop_keys) * len(labels)
        pairs = (np.flatnonzero(np.bincount(pair_key, minlength=space))
                 if space <= max(4 * len(pair_key), 1 << 16) else np.unique(pair_key))
        stop_of = pairs // len(labels)
        names = np.asarray(labels, dtype=object)[pairs % len(labels)]
        stops["codes"] = _per_stop(np.arange(len(stops), dtype=np.float64),
                                   stop_of.astype(np.float64), names, None)
    stops = stops.sort_values(["dyad", "session", "perspective", "video_time", "document"],
                              kind="stable").reset_index(drop=True)
    stops.insert(5, "stop", stops.groupby("document").cumcount().astype(np.int64) + 1)
    columns = ["dyad", "session", "perspective", "outcome_group", "document", "stop",
               "video_time", "segments", "text", "codes"]
    return stops[columns]


def _candidates(
    client: pd.DataFrame, therapist: pd.DataFrame, tolerance: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """All (client row, therapist row) pairs of one dyad-session within the tolerance."""
    group = pd.concat([client[["dyad", "session"]], therapist[["dyad", "session"]]])
    ids = group.groupby(["dyad", "session"], sort=False, dropna=False).ngroup().to_numpy()
    cid, tid = ids[: len(client)].astype(np.int64), ids[len(client):].astype(np.int64)
    ctime = client["video_time"].to_numpy(np.float64)
    ttime = therapist["video_time"].to_numpy(np.float64)
    span = float(max(ctime.max(initial=0.0), ttime.max(initial=0.0))) + 4 * tolerance + 1.0
    ckey, tkey = cid * span + ctime, tid * span + ttime
    order = np.argsort(tkey, kind="stable")
    sorted_t = tkey[order]
    lo = np.searchsorted(sorted_t, ckey - tolerance, side="left")
    hi = np.searchsorted(sorted_t, ckey + tolerance, side="right")
    counts = hi - lo
    c_rows = np.repeat(np.arange(len(client), dtype=np.int64), counts)
    starts = np.repeat(lo, counts)
    offsets = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts,
                                                                        counts)
    t_rows = order[starts + offsets].astype(np.int64)
    same = cid[c_rows] == tid[t_rows]
    c_rows, t_rows = c_rows[same], t_rows[same]
    gap = ttime[t_rows] - ctime[c_rows]
    keep = np.abs(gap) <= tolerance
    return c_rows[keep], t_rows[keep], gap[keep]


def _greedy(c_rows: npt.NDArray[np.int64], t_rows: npt.NDArray[np.int64],
            gap: npt.NDArray[np.float64], ctime: npt.NDArray[np.float64]) -> list[tuple[int, int]]:
    """Nearest-first pairing without reuse (see the module docstring)."""
    order = np.lexsort((t_rows, ctime[c_rows], np.abs(gap)))
    used_c: set[int] = set()
    used_t: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for i in order:
        c, t = int(c_rows[i]), int(t_rows[i])
        if c not in used_c and t not in used_t:
            used_c.add(c)
            used_t.add(t)
            pairs.append((c, t))
    return pairs


def align_moments(
    segments: pd.DataFrame,
    codings: pd.DataFrame | None = None,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Client and therapist recall stops aligned on the video timeline, per dyad and session.

    Every stop appears once: paired stops form a moment ``recalled_by == "both"``, the
    others a ``"client"`` or ``"therapist"`` moment (see the module docstring for the
    tolerance and the greedy pairing).

    Returns
    -------
    DataFrame sorted by dyad, session, video time: dyad, session, outcome_group, ``moment``
    (1-based within the dyad-session), ``recalled_by``, ``video_time`` (mean of the two
    sides' times for shared moments), ``client_time``, ``therapist_time``, ``gap``
    (therapist minus client, seconds; ``nan`` unless shared), ``client_codes``,
    ``therapist_codes`` (tuples; empty for a side that did not stop), ``client_text``,
    ``therapist_text``, ``client_document``, ``therapist_document``.
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance < 0 \
            or not np.isfinite(tolerance):
        raise SummaryInputError(f"tolerance must be a number of seconds >= 0, not {tolerance!r}.")
    stops = recall_stops(segments, codings, codebook=codebook)
    sides = {side: stops[stops["perspective"] == side].reset_index(drop=True) for side in _SIDES}
    client, therapist = sides["client"], sides["therapist"]
    c_rows, t_rows, gap = _candidates(client, therapist, float(tolerance))
    pairs = _greedy(c_rows, t_rows, gap, client["video_time"].to_numpy(np.float64))
    paired_c = np.array([c for c, _ in pairs], dtype=np.int64)
    paired_t = np.array([t for _, t in pairs], dtype=np.int64)
    matched_c, matched_t = client.iloc[paired_c], therapist.iloc[paired_t]
    only_c = client.drop(index=client.index[paired_c])
    only_t = therapist.drop(index=therapist.index[paired_t])
    moments = pd.concat(
        [_moment_rows(matched_c, matched_c, matched_t, "both"),
         _moment_rows(only_c, only_c, None, "client"),
         _moment_rows(only_t, None, only_t, "therapist")],
        ignore_index=True,
    )
    moments = moments.sort_values(["dyad", "session", "video_time", "recalled_by"],
                                  kind="stable").reset_index(drop=True)
    moments["moment"] = moments.groupby(["dyad", "session"]).cumcount().astype(np.int64) + 1
    moments = moments[_MOMENT_COLUMNS]
    if codings is not None:  # what the codes at each stop were computed on
        from workbench.analysis.summaries import source_caption

        source = codings.attrs.get("source", "not stated")
        caption = source_caption(codings)
        moments.attrs = {"overlap_rule": codings.attrs.get("overlap_rule"),
                         "codebook_version": codings.attrs.get("codebook_version"),
                         "pooled": ("codes of the consensus coding" if source == "consensus"
                                    else "codes of every coder in the codings frame"),
                         "source": source, "source_caption": caption,
                         "caption": f"Computed on the {caption}."}
    return moments


def _moment_rows(base: pd.DataFrame, client: pd.DataFrame | None,
                 therapist: pd.DataFrame | None, recalled_by: str) -> pd.DataFrame:
    """Moment rows from paired (or one side's) stops; ``base`` gives dyad, session, group."""
    n = len(base)
    out = pd.DataFrame({
        "dyad": base["dyad"].to_numpy(),
        "session": base["session"].to_numpy(),
        "outcome_group": base["outcome_group"].to_numpy(),
        "recalled_by": [recalled_by] * n,
    })
    empty_times = np.full(n, np.nan)
    for name, side in (("client", client), ("therapist", therapist)):
        if side is None:
            out[f"{name}_time"] = empty_times
            out[f"{name}_codes"] = [()] * n
            out[f"{name}_text"] = [""] * n
            out[f"{name}_document"] = [None] * n
        else:
            out[f"{name}_time"] = side["video_time"].to_numpy(np.float64)
            out[f"{name}_codes"] = list(side["codes"])
            out[f"{name}_text"] = side["text"].to_numpy()
            out[f"{name}_document"] = side["document"].to_numpy()
    out["video_time"] = out[["client_time", "therapist_time"]].mean(axis=1)
    out["gap"] = out["therapist_time"] - out["client_time"]
    return out


def _indicators(moments: pd.DataFrame, side: str,
                order: list[str]) -> npt.NDArray[np.float64]:
    """Moments x codes 0/1 matrix of one side's codes."""
    index = {key: i for i, key in enumerate(order)}
    rows = np.repeat(np.arange(len(moments)), [len(c) for c in moments[f"{side}_codes"]])
    cols = np.array([index[c] for codes in moments[f"{side}_codes"] for c in codes], np.int64)
    out = np.zeros((len(moments), len(order)))
    out[rows, cols] = 1.0
    return out


def _shared(moments: pd.DataFrame, what: str) -> pd.DataFrame:
    """The moments recalled by both sides (validating the frame first)."""
    _require(moments, ["recalled_by", "client_codes", "therapist_codes"], what, "moments")
    return moments[moments["recalled_by"] == "both"]


def _order(shared: pd.DataFrame, codebook: Codebook | None) -> list[str]:
    seen = {c for side in _SIDES for codes in shared[f"{side}_codes"] for c in codes}
    order = list(codebook.keys) if codebook is not None else []
    return order + sorted(seen - set(order))


def perspective_concordance(
    moments: pd.DataFrame, *, codebook: Codebook | None = None
) -> pd.DataFrame:
    """Per-code concordance between perspectives at the moments both sides recalled.

    ``moments`` is the frame of :func:`align_moments`. Returns one row per code (codebook
    order, all codebook codes when given; else codes seen at shared moments, sorted):
    ``code, code_name, moments, both, client_only, therapist_only, neither`` (``int64``)
    and ``jaccard``, ``positive_agreement`` (``float``; ``nan`` when the code occurs at no
    shared moment). Definitions are in the module docstring.
    """
    shared = _shared(moments, "perspective_concordance")
    order = _order(shared, codebook)
    client = _indicators(shared, "client", order)
    therapist = _indicators(shared, "therapist", order)
    both = (client * therapist).sum(axis=0)
    c_only = (client * (1 - therapist)).sum(axis=0)
    t_only = ((1 - client) * therapist).sum(axis=0)
    neither = len(shared) - both - c_only - t_only
    union = both + c_only + t_only
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = np.where(union > 0, both / np.where(union > 0, union, 1), np.nan)
        dice_den = 2 * both + c_only + t_only
        dice = np.where(dice_den > 0, 2 * both / np.where(dice_den > 0, dice_den, 1), np.nan)
    names = {c.key: c.name for c in codebook.codes} if codebook is not None else {}
    return _carry(moments, pd.DataFrame({
        "code": order,
        "code_name": [names.get(k, k) for k in order],
        "moments": np.full(len(order), len(shared), np.int64),
        "both": both.astype(np.int64),
        "client_only": c_only.astype(np.int64),
        "therapist_only": t_only.astype(np.int64),
        "neither": neither.astype(np.int64),
        "jaccard": jaccard.astype(np.float64),
        "positive_agreement": dice.astype(np.float64),
    }))


def _carry(moments: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    """``out`` with what ``moments`` was computed on (source, caption, overlap rule)."""
    out.attrs = dict(moments.attrs)
    return out


def perspective_crosstab(
    moments: pd.DataFrame, *, codebook: Codebook | None = None
) -> pd.DataFrame:
    """Client code x therapist code: shared moments with that client and therapist code.

    Entry ``[a, b]`` counts moments recalled by both where the client's side has code ``a``
    and the therapist's side code ``b`` (e.g. client ``withdrawal`` against therapist
    ``rupture``). Index ``client_code``, columns ``therapist_code``; ``int64``.
    """
    shared = _shared(moments, "perspective_crosstab")
    order = _order(shared, codebook)
    counts = _indicators(shared, "client", order).T @ _indicators(shared, "therapist", order)
    return _carry(moments, pd.DataFrame(np.rint(counts).astype(np.int64),
                                        index=pd.Index(order, name="client_code"),
                                        columns=pd.Index(order, name="therapist_code")))
