"""Benchmark: agreement tables at scale, with document-clustered intervals.

Run with ``.venv/bin/python benchmarks/bench_agreement.py`` (``--units`` and ``--codes``
shrink the second part, ``--big-units``, ``--big-codes`` the first).

**Part 1 (issue 12, target <= 3 s).** The full per-code table (every coefficient, the
``n_units_*`` columns, a 95 % interval for alpha from 1,000 replicates resampling whole
documents) for 1,000,000 segments x 6 coders x 60 codes in 2,000 documents of 500
segments, with partial coverage (each coder covers about 60 % of the documents, every
document at least two coders; elsewhere decisions are missing) and document-level
differences in agreement (coders miss more on some transcripts). Beside it, a
straightforward reference implementation of the same interval, written the obvious way:
per replicate, draw 2,000 document indices with replacement, gather their segments' rows
and compute binary alpha from the value counts. It is measured in the same run on a few
replicates of a few codes and scaled linearly to 60 codes x 1,000 replicates (each
replicate costs the same, so the scaling is close, but it is an estimate); the two are
first checked to give the same interval on one code with the same seed.

**Part 2.** The data are synthetic presence/absence decisions (seeded): each code has its
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

Synthetic data are seeded (as in ``benchmarks/corpus.py``): the same seed, the same data.
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
BIG_CODERS = ["ana", "ben", "chloe", "dev", "eli", "fay"]
T = TypeVar("T")


def clustered_presence(n_units: int, n_codes: int, per_doc: int, seed: int) -> Presence:
    """Decisions (n_units, 6 coders, n_codes) in documents of ``per_doc`` segments, with
    partial coverage and document-level agreement differences (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n_docs = -(-n_units // per_doc)
    doc = np.arange(n_units) // per_doc
    c = len(BIG_CODERS)
    covers = rng.random((n_docs, c)) < 0.6
    lonely = covers.sum(axis=1) < 2  # every document gets at least two coders
    pick = np.argsort(rng.random((int(lonely.sum()), c)), axis=1)[:, :2]
    covers[np.flatnonzero(lonely)[:, None], pick] = True
    covered = covers[doc]
    difficulty = rng.uniform(0.05, 0.45, n_docs)[doc]  # miss rate varies by document
    prevalence = np.geomspace(0.005, 0.30, n_codes)
    array = np.empty((n_units, c, n_codes), bool)
    for k in range(n_codes):
        truth = rng.random(n_units) < prevalence[k]
        noise = rng.random((n_units, c))
        miss = noise < difficulty[:, None]
        extra = noise < 0.004
        array[:, :, k] = np.where(truth[:, None], ~miss, extra)
    segments = pd.DataFrame({"segment_id": np.arange(n_units), "document": doc})
    return Presence(array, np.ones(n_units), np.arange(n_units, dtype=np.int64), segments,
                    tuple(BIG_CODERS), tuple(f"code{k:02d}" for k in range(n_codes)),
                    covered=covered, coverage_rule="synthetic: about 60% of documents each")


def reference_alpha(rows: np.ndarray) -> float:
    """Binary nominal alpha from each unit's value counts (-1 = missing), written plainly."""
    valid = rows >= 0
    m = valid.sum(axis=1)
    keep = m >= 2
    ones = ((rows == 1) & valid).sum(axis=1)[keep].astype(float)
    m = m[keep].astype(float)
    zeros = m - ones
    total = m.sum()
    if total < 2:
        return float("nan")
    observed = (2 * ones * zeros / (m - 1)).sum() / total
    n1, n0 = ones.sum(), zeros.sum()
    expected = 2 * n0 * n1 / (total * (total - 1))
    return float("nan") if expected == 0 else float(1 - observed / expected)


def reference_interval(ratings: np.ndarray, doc: np.ndarray, n_boot: int, seed: int
                       ) -> tuple[float, float]:
    """The document bootstrap the obvious way: draw documents, gather rows, recompute."""
    order = np.argsort(doc, kind="stable")
    starts = np.searchsorted(doc[order], np.arange(doc.max() + 2))
    blocks = [order[starts[d]:starts[d + 1]] for d in range(len(starts) - 1)]
    n_docs = len(blocks)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_boot):
        picks = rng.integers(0, n_docs, n_docs, dtype=np.int32)
        index = np.concatenate([blocks[d] for d in picks])
        values.append(reference_alpha(ratings[index]))
    defined = np.array(values)[~np.isnan(values)]
    low, high = np.quantile(defined, [0.025, 0.975])
    return float(low), float(high)


def big_table(args: argparse.Namespace) -> None:
    """Part 1: the clustered per-code table at scale against the reference."""
    start = time.perf_counter()
    presence = clustered_presence(args.big_units, args.big_codes, 500, args.seed)
    made = time.perf_counter() - start
    n_docs = int(presence.segments["document"].nunique())
    print(f"part 1: {args.big_units:,} segments x {len(BIG_CODERS)} coders x "
          f"{args.big_codes} codes in {n_docs:,} documents, "
          f"{presence.covered_mask.mean():.0%} of (segment, coder) pairs covered "
          f"(generated in {made:.1f} s, seed {args.seed})")
    t_ours, table = timed(lambda: presence_agreement_table(presence, n_boot=1000,
                                                           resample="document"))
    # the reference on one code, same seed: the same interval?
    k = args.big_codes - 1
    ratings = presence.ratings(presence.array[:, :, k])
    doc = presence.segments["document"].to_numpy()
    one = presence_agreement_table(
        Presence(presence.array[:, :, k:k + 1], presence.weights, presence.clusters,
                 presence.segments, presence.coders, presence.codes[k:k + 1],
                 covered=presence.covered), n_boot=200, seed=3, resample="document")
    low, high = reference_interval(ratings, doc, 200, 3)
    same = (abs(one.loc[0, "ci_low"] - low) < 1e-9 and abs(one.loc[0, "ci_high"] - high) < 1e-9
            and abs(one.loc[0, "krippendorff_alpha"] - reference_alpha(ratings)) < 1e-9)
    # reference cost per (code, replicate), measured on a few codes and replicates
    reps, codes_measured = args.ref_boot, 3
    t_ref = 0.0
    for j in range(codes_measured):
        r = presence.ratings(presence.array[:, :, j])
        t_ref += timed(lambda r=r: (reference_alpha(r), reference_interval(r, doc, reps, 0)))[0]
    per = t_ref / (codes_measured * (reps + 1))
    t_ref_full = per * args.big_codes * 1001
    print(f"{'step':<58}  {'seconds':>9}")
    print("-" * 70)
    print(f"{'ours: full per-code table + document-clustered 95% CI':<58}  {t_ours:9.3f}")
    print(f"{'reference: alpha + document bootstrap, measured':<58}  {t_ref:9.3f}  "
          f"({codes_measured} codes x {reps} replicates)")
    print(f"{'reference scaled to ' + str(args.big_codes) + ' codes x 1000 replicates':<58}  "
          f"{t_ref_full:9.1f}  (estimate: linear in codes x replicates)")
    print(f"  same interval as the reference on {presence.codes[k]} (200 replicates, seed 3): "
          f"{'yes' if same else 'NO'} [{low:.4f}, {high:.4f}]")
    print(f"  ratio ours / reference (full workload)   : {t_ours / t_ref_full:.5f}")
    ok = t_ours <= 3.0
    print(f"  target: full clustered table <= 3 s      : {'OK' if ok else 'MISSED'} "
          f"({t_ours:.3f} s)")
    print(table.head(3)[["code", "n_units", "n_units_fleiss_kappa", "krippendorff_alpha",
                         "ci_low", "ci_high"]].round(4).to_string(index=False))
    print()


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
    parser.add_argument("--big-units", type=int, default=1_000_000)
    parser.add_argument("--big-codes", type=int, default=60)
    parser.add_argument("--ref-boot", type=int, default=5,
                        help="replicates of the reference per measured code")
    args = parser.parse_args()
    big_table(args)
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
    t_ci, _ = timed(lambda: presence_agreement_table(presence, n_boot=1000,
                                                     resample="segment"))
    rows.append(("ours: + 95% CI for alpha (1000 resamples)", t_ci, "bootstrap over segments"))
    segments, codings = as_frames(array, codes)
    t_frames, _ = timed(lambda: code_agreement_table(segments, codings, CODERS, codes,
                                                     n_boot=0))  # no interval: no resample
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
