"""Benchmark: each theme summary on 1M codings, next to a plain pandas groupby of the same data.

    .venv/bin/python benchmarks/bench_summaries.py [--codings N] [--repeat R]

Builds a synthetic codings/segments DataFrame pair directly (no database): ~250k segments
in 320 transcripts (80 dyads x sessions 3 and 5 x client/therapist), 40 codes in 5 themes,
3 coders. Each summary is timed (median of ``--repeat`` runs) together with an equivalent
plain-pandas computation on the same frames in the same run; the two results are checked
to be equal, and the script prints seconds, the ratio and whether the summary took <= 1 s.
Exit status 1 when a summary is slower than the budget.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis import dual_perspective as dp
from workbench.analysis import summaries as sm

BUDGET = 1.0
N_CODES, N_THEMES, CODERS = 40, 5, ("coder_a", "coder_b", "coder_c")


def make_frames(n_codings: int = 1_000_000, n_segments: int = 250_000,
                seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic ``(segments, codings)`` shaped like ``project.segments()/codings()``."""
    rng = np.random.default_rng(seed)
    docs = pd.DataFrame([(f"D{d:03d}", s, p) for d in range(1, 81) for s in (3, 5)
                         for p in ("client", "therapist")],
                        columns=["dyad", "session", "perspective"])
    docs["document"] = docs.dyad + "_S" + docs.session.astype(str) + "_" + docs.perspective
    docs["participant"] = np.where(docs.perspective == "client", "C", "T") + docs.dyad.str[1:]
    docs["outcome_group"] = np.where(docs.dyad.str[1:].astype(int) % 2 == 0, "good", "poor")
    per_doc = n_segments // len(docs)
    seg_doc = np.repeat(np.arange(len(docs)), per_doc)
    seg_idx = np.tile(np.arange(per_doc), len(docs))
    stop = seg_idx // 10
    jitter = np.where(docs.perspective.to_numpy()[seg_doc] == "therapist",
                      rng.integers(-4, 5, len(seg_doc)), 0)
    segments = docs.iloc[seg_doc].reset_index(drop=True)
    segments.insert(0, "segment_id", np.arange(1, len(seg_doc) + 1))
    segments["segment_index"] = seg_idx
    segments["role"] = np.where(seg_idx % 10 == 0, "interviewer", "participant")
    segments["speaker"] = np.where(segments.role == "interviewer", "Researcher",
                                   segments.perspective.str.title())
    segments["video_time"] = (30.0 + stop * 38.0 + jitter * (stop % 3 == 0)).astype(float)
    segments["text"] = "synthetic sentence number " + segments.segment_id.astype(str)
    participant_rows = np.flatnonzero(segments.role.to_numpy() == "participant")
    draw = int(n_codings * 1.08)
    weights = 1.0 / np.arange(1, N_CODES + 1) ** 0.7
    rows = pd.DataFrame({
        "seg": rng.choice(participant_rows, draw),
        "code_i": rng.choice(N_CODES, draw, p=weights / weights.sum()),
        "coder_i": rng.integers(0, len(CODERS), draw),
    }).drop_duplicates().head(n_codings)
    seg = segments.iloc[rows.seg.to_numpy()].reset_index(drop=True)
    codes = np.array([f"code_{i:02d}" for i in range(N_CODES)], dtype=object)
    code_i = rows.code_i.to_numpy()
    codings = pd.DataFrame({
        "segment_id": seg.segment_id, "document": seg.document,
        "segment_index": seg.segment_index, "speaker": seg.speaker, "role": seg.role,
        "video_time": seg.video_time, "segment_text": seg.text, "text": seg.text,
        "code": codes[code_i], "code_name": np.char.add("Code ", code_i.astype(str)),
        "theme": np.array([f"theme_{i % N_THEMES}" for i in range(N_CODES)], object)[code_i],
        "coder": np.array(CODERS, dtype=object)[rows.coder_i.to_numpy()],
        "memo": "", "dyad": seg.dyad, "session": seg.session, "perspective": seg.perspective,
        "participant": seg.participant, "outcome_group": seg.outcome_group,
    })
    return segments, codings


# -- plain pandas references --------------------------------------------------------------
def pd_frequencies(codings: pd.DataFrame, by: list[str], key: str = "code") -> pd.DataFrame:
    return (codings.groupby([*by, key], dropna=False)
            .agg(codings=("segment_id", "size"), segments=("segment_id", "nunique"),
                 transcripts=("document", "nunique"), participants=("participant", "nunique"))
            .reset_index())


def pd_cooccurrence(codings: pd.DataFrame, window: int) -> pd.DataFrame:
    pos = codings[["document", "segment_index", "code"]].drop_duplicates()
    near = pd.concat([pos.assign(segment_index=pos.segment_index + d)
                      for d in range(-window, window + 1)]).drop_duplicates()
    pairs = pos.merge(near, on=["document", "segment_index"], suffixes=("", "_other"))
    return pairs.groupby(["code", "code_other"]).size().unstack(fill_value=0)


def pd_code_case(codings: pd.DataFrame) -> pd.DataFrame:
    return (codings.drop_duplicates(["code", "document", "segment_id"])
            .groupby(["code", "document"]).size().unstack(fill_value=0))


def pd_exemplars(codings: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    cand = (codings.groupby(["code", "segment_id"], sort=False)
            .agg(coders=("coder", "nunique"), quote=("text", "first"),
                 document=("document", "first")).reset_index())
    cand["spread"] = cand.sort_values("coders", ascending=False).groupby(
        ["code", "document"]).cumcount()
    cand = cand.sort_values(["code", "spread", "coders"], ascending=[True, True, False])
    return cand.groupby("code").head(n)


def pd_alignment(segments: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    stops = segments.dropna(subset=["video_time"]).drop_duplicates(
        ["document", "video_time"])[["dyad", "session", "perspective", "video_time"]]
    client = stops[stops.perspective == "client"].sort_values("video_time")
    therapist = stops[stops.perspective == "therapist"].sort_values("video_time")
    return pd.merge_asof(client, therapist.rename(columns={"video_time": "t_time"}),
                         left_on="video_time", right_on="t_time", by=["dyad", "session"],
                         direction="nearest", tolerance=tolerance)


def pd_concordance(moments: pd.DataFrame) -> pd.DataFrame:
    shared = moments[moments.recalled_by == "both"].reset_index(drop=True)
    sides = [shared[f"{side}_codes"].explode().dropna().rename("code").reset_index()
             for side in ("client", "therapist")]
    both = sides[0].merge(sides[1], on=["index", "code"], how="outer", indicator=True)
    table = both.groupby(["code", "_merge"], observed=False).size().unstack(fill_value=0)
    return table.rename(columns={"left_only": "client_only", "right_only": "therapist_only"})


def _same_concordance(ours: pd.DataFrame, ref: pd.DataFrame) -> bool:
    ours = ours.set_index("code")
    return all((ours.loc[ref.index, col] == ref[col]).all()
               for col in ("both", "client_only", "therapist_only"))


# -- checks -------------------------------------------------------------------------------
def _same_counts(ours: pd.DataFrame, ref: pd.DataFrame, keys: list[str]) -> bool:
    cols = list(sm.COUNT_COLUMNS)
    a = ours.sort_values(keys).reset_index(drop=True)[keys + cols]
    b = ref.sort_values(keys).reset_index(drop=True)[keys + cols]
    return bool((a.astype(str) == b.astype(str)).all().all())


def _same_matrix(ours: pd.DataFrame, ref: pd.DataFrame) -> bool:
    ref = ref.reindex(index=ours.index, columns=ours.columns, fill_value=0)
    return bool((ours.to_numpy() == ref.to_numpy()).all())


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codings", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    segments, codings = make_frames(args.codings)
    print(f"data: {len(codings):,} codings, {len(segments):,} segments, "
          f"{codings.document.nunique()} transcripts, {codings.code.nunique()} codes, "
          f"{codings.coder.nunique()} coders (built in {time.perf_counter() - start:.1f} s)")
    moments = dp.align_moments(segments, codings)
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any], Callable[[Any, Any], bool]]] = []
    for by in (["perspective"], ["outcome_group"], ["session"], ["dyad"], ["coder"],
               ["outcome_group", "perspective"]):
        cases.append((f"frequencies by {'+'.join(by)}",
                      lambda by=by: sm.frequencies(codings, by),
                      lambda by=by: pd_frequencies(codings, by),
                      lambda a, b, by=by: _same_counts(a, b, [*by, "code"])))
    cases.append(("theme frequencies by dyad+session",
                  lambda: sm.frequencies(codings, ["dyad", "session"], level="theme"),
                  lambda: pd_frequencies(codings, ["dyad", "session"], key="theme"),
                  lambda a, b: _same_counts(a, b, ["dyad", "session", "theme"])))
    for window in (0, 2):
        cases.append((f"co-occurrence, window {window}",
                      lambda w=window: sm.cooccurrence(codings, window=w),
                      lambda w=window: pd_cooccurrence(codings, w), _same_matrix))
    cases.append(("code x transcript matrix", lambda: sm.code_case_matrix(codings),
                  lambda: pd_code_case(codings), _same_matrix))
    cases.append(("exemplars (3 per code)", lambda: sm.exemplars(codings),
                  lambda: pd_exemplars(codings),
                  lambda a, b: len(a) == len(b) == 3 * codings.code.nunique()))
    cases.append(("dual perspective: align moments", lambda: dp.align_moments(segments, codings),
                  lambda: pd_alignment(segments, dp.DEFAULT_TOLERANCE),
                  lambda a, b: int((a.recalled_by == "both").sum())
                  == int(b.t_time.notna().sum())))
    cases.append(("dual perspective: concordance", lambda: dp.perspective_concordance(moments),
                  lambda: pd_concordance(moments), _same_concordance))
    print(f"{'summary':40s} {'workbench s':>11s} {'pandas s':>9s} {'ratio':>6s}  "
          f"{'<= 1 s':>6s}  same result")
    slow = 0
    for name, ours, ref, check in cases:
        t_ours, r_ours = timed(ours, args.repeat)
        t_ref, r_ref = timed(ref, args.repeat)
        ok = t_ours <= BUDGET
        slow += not ok
        print(f"{name:40s} {t_ours:11.3f} {t_ref:9.3f} {t_ours / t_ref:6.2f}  "
              f"{'yes' if ok else 'NO':>6s}  {'yes' if check(r_ours, r_ref) else 'NO'}")
    print("note: the alignment reference is pandas merge_asof (nearest stop within the tolerance,"
          " reuse allowed, no stop texts or codes); 'same' compares the number of shared moments.")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
