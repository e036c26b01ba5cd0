"""Benchmark: the per-code agreement table on 100,000 segments x 4 coders x 40 codes.

Run with ``.venv/bin/python benchmarks/bench_agreement.py`` (``--units`` and ``--codes``
shrink it). The data are synthetic presence/absence decisions (seeded): each code has its
own prevalence (0.5 % to 30 %), each coder misses some true codings and adds some false
ones at coder-specific rates.

Timed, with :func:`time.perf_counter`:

1. our full table (Krippendorff's alpha, pairwise and mean Cohen's kappa, Fleiss' kappa,
   Gwet's AC1, Brennan-Prediger and percent agreement for every code), without and with
   95 % bootstrap intervals;
2. the same table end to end from ``segments``/``codings`` DataFrames;
3. ``krippendorff.alpha`` once per code (all codes) against our alpha alone per code;
4. NLTK's ``AnnotationTask.alpha()`` on a subsample of units for one code, extrapolated
   linearly per unit to all units and codes (NLTK's alpha is linear in the number of
   items for a fixed label set; the extrapolation is an estimate, not a measurement).

Targets: the full table (no intervals) in at most 2 s, and our alpha not slower per code
than ``krippendorff.alpha``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.analysis import (
    Presence,
    code_agreement_table,
    krippendorff_alpha,
    presence_agreement_table,
)

CODERS = ["ana", "ben", "chloe", "dev"]
T = TypeVar("T")


def synthetic_presence(n_units: int, n_codes: int, seed: int) -> np.ndarray:
    """Boolean decisions, shape (n_units, 4 coders, n_codes), with realistic noise."""
    rng = np.random.default_rng(seed)
    prevalence = np.geomspace(0.005, 0.30, n_codes)
    truth = rng.random((n_units, 1, n_codes)) < prevalence
    miss = np.array([0.10, 0.15, 0.20, 0.30])[None, :, None]  # coders miss true codings
    extra = np.array([0.002, 0.004, 0.006, 0.010])[None, :, None]  # and add false ones
    noise = rng.random((n_units, len(CODERS), n_codes))
    return np.where(truth, noise >= miss, noise < extra)


def as_frames(array: np.ndarray, codes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``segments`` and whole-segment ``codings`` DataFrames holding the same decisions."""
    n = array.shape[0]
    segments = pd.DataFrame({
        "segment_id": np.arange(1, n + 1), "document": np.arange(n) // 500,
        "speaker": "C", "role": "participant", "text": "",
        "start": 0, "end": 1, "perspective": "client",
    })
    unit, coder, code = np.nonzero(array)
    codings = pd.DataFrame({
        "segment_id": unit + 1,
        "coder": np.asarray(CODERS, dtype=object)[coder],
        "code": np.asarray(codes, dtype=object)[code],
    })
    return segments, codings


def timed(func: Callable[[], T], repeat: int = 1) -> tuple[float, T]:
    """(best seconds over ``repeat`` runs, last result)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--codes", type=int, default=40)
    parser.add_argument("--nltk-units", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=20260302)
    args = parser.parse_args()
    import krippendorff
    from nltk.metrics.agreement import AnnotationTask

    codes = [f"code{k:02d}" for k in range(args.codes)]
    array = synthetic_presence(args.units, args.codes, args.seed)
    presence = Presence.from_array(array, CODERS, codes)
    print(f"synthetic data: {args.units:,} segments x {len(CODERS)} coders x {args.codes} "
          f"codes, {int(array.sum()):,} codings (seed {args.seed})\n")

    rows: list[tuple[str, float, str]] = []
    t_table, table = timed(lambda: presence_agreement_table(presence, n_boot=0), repeat=3)
    rows.append(("ours: full table, no intervals", t_table,
                 "alpha, mean kappa, Fleiss, AC1, BP, % agreement"))
    t_pairs, _ = timed(lambda: presence_agreement_table(presence, n_boot=0,
                                                        pairwise_kappa=True), repeat=3)
    rows.append(("ours: + kappa for each of the 6 pairs", t_pairs, ""))
    t_ci, _ = timed(lambda: presence_agreement_table(presence, n_boot=1000))
    rows.append(("ours: + 95% CI for alpha (1000 resamples)", t_ci, "bootstrap over segments"))
    segments, codings = as_frames(array, codes)
    t_frames, _ = timed(lambda: code_agreement_table(segments, codings, CODERS, codes,
                                                     n_boot=0))
    rows.append(("ours: from segments/codings DataFrames", t_frames,
                 f"{len(codings):,} coding rows -> presence -> table"))

    data = [array[:, :, k].astype(np.float64) for k in range(args.codes)]
    t_ours_alpha, ours = timed(lambda: [krippendorff_alpha(d).value for d in data])
    rows.append((f"ours: krippendorff_alpha x {args.codes} codes", t_ours_alpha,
                 "public function, validation included"))
    t_kripp, ref = timed(lambda: [krippendorff.alpha(d.T, level_of_measurement="nominal")
                                  for d in data])
    rows.append((f"krippendorff.alpha x {args.codes} codes", t_kripp,
                 f"max |ours - theirs| = {np.nanmax(np.abs(np.subtract(ours, ref))):.1e}"))

    sub = data[-1][: args.nltk_units]
    triples = [(CODERS[c], u, int(sub[u, c])) for u in range(len(sub)) for c in range(4)]
    t_nltk, nltk_alpha = timed(lambda: AnnotationTask(triples).alpha())
    scale = args.units / len(sub) * args.codes
    rows.append((f"nltk AnnotationTask.alpha, {len(sub):,} units x 1 code", t_nltk,
                 f"alpha {nltk_alpha:.6f} vs ours {krippendorff_alpha(sub).value:.6f}"))
    rows.append((f"nltk extrapolated to {args.units:,} units x {args.codes} codes",
                 t_nltk * scale, "linear per-unit extrapolation (estimate)"))

    width = max(len(r[0]) for r in rows)
    print(f"{'step':<{width}}  {'seconds':>9}  note")
    print("-" * (width + 60))
    for name, seconds, note in rows:
        print(f"{name:<{width}}  {seconds:9.3f}  {note}")

    per_code_ours = t_ours_alpha / args.codes
    per_code_kripp = t_kripp / args.codes
    print("\nratios")
    print(f"  alpha per code, ours / krippendorff      : {per_code_ours / per_code_kripp:8.3f} "
          f"({per_code_ours * 1e3:.1f} ms vs {per_code_kripp * 1e3:.1f} ms)")
    print(f"  full table / krippendorff alpha (40 codes): {t_table / t_kripp:8.3f}")
    print(f"  full table / nltk alpha (extrapolated)    : {t_table / (t_nltk * scale):8.5f}")

    ok_table = t_table <= 2.0
    ok_alpha = per_code_ours <= per_code_kripp
    print("\ntargets")
    print(f"  full table <= 2 s                        : {'OK' if ok_table else 'MISSED'} "
          f"({t_table:.3f} s)")
    print(f"  not slower than krippendorff per code    : {'OK' if ok_alpha else 'MISSED'}")
    print("\nfirst rows of the table:")
    with pd.option_context("display.width", 160, "display.max_columns", 12):
        print(table.head(5)[["code", "n_applied", "percent_agreement", "krippendorff_alpha",
                             "cohen_kappa_mean", "fleiss_kappa", "gwet_ac1",
                             "brennan_prediger"]].round(4).to_string(index=False))


if __name__ == "__main__":
    main()
