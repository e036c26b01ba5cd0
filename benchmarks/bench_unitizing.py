"""Benchmark: unitizing alphas over all codes on 10M characters x 4 coders.

Run with ``.venv/bin/python benchmarks/bench_unitizing.py`` (``--characters`` and
``--codes`` shrink it). The data are synthetic (seeded): documents of 20,000 characters;
a "true" set of coded passages per code (lengths 20 to 600 characters), which each coder
finds with a coder-specific miss rate, with jittered boundaries, plus some false codings.

Timed, with :func:`time.perf_counter`:

1. :func:`workbench.analysis.unitizing.unitizing_alpha` over all codes (alpha_U per code
   and pooled, |u-alpha per code and for any code, cu-alpha, Cu-alpha), from the codings
   DataFrame; without and with coverage (each coder covering a random prefix of 90 % of
   the documents);
2. a straightforward reference measured in the same run: per character, the coincidences
   of |u-alpha for one code (a Python loop over characters and pairs of coders, as in
   tests/test_unitizing.py), run on the first ``--reference-characters`` characters and
   extrapolated linearly to all characters and codes (the loop is linear in both; the
   extrapolation is an estimate, not a measurement).

Target: everything in step 1 without coverage in at most 2 s (wall clock, best of 3; the
CPU time is printed beside it, since a shared machine's load stretches the wall clock).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.analysis.unitizing import unitizing_alpha

CODERS = ["ana", "ben", "chloe", "dev"]
DOC_LENGTH = 20_000


def synthetic(n_chars: int, n_codes: int, seed: int) -> tuple[pd.DataFrame, dict[str, int]]:
    """Codings DataFrame and document lengths (``n_chars`` in all)."""
    rng = np.random.default_rng(seed)
    n_docs = max(1, n_chars // DOC_LENGTH)
    lengths = {f"doc{d:04d}": DOC_LENGTH for d in range(n_docs)}
    frames = []
    per_doc = max(1, DOC_LENGTH // 400)  # true passages per code and document, on average
    for k in range(n_codes):
        n_true = rng.poisson(per_doc * n_docs / n_codes * 4) + 1
        doc = rng.integers(0, n_docs, n_true)
        length = rng.integers(20, 600, n_true)
        start = rng.integers(0, DOC_LENGTH - 600, n_true)
        for c, coder in enumerate(CODERS):
            found = rng.random(n_true) >= (0.1 + 0.05 * c)
            jitter_s = rng.integers(-15, 16, n_true)
            jitter_e = rng.integers(-15, 16, n_true)
            s = np.clip(start + jitter_s, 0, DOC_LENGTH - 1)[found]
            e = np.clip(start + length + jitter_e, 1, DOC_LENGTH)[found]
            d = doc[found]
            n_false = int(found.sum() * 0.05)
            fd = rng.integers(0, n_docs, n_false)
            fs = rng.integers(0, DOC_LENGTH - 300, n_false)
            fe = fs + rng.integers(10, 300, n_false)
            frames.append(pd.DataFrame({
                "document": np.asarray(list(lengths), dtype=object)[np.concatenate([d, fd])],
                "start": np.concatenate([s, fs]), "end": np.concatenate([np.maximum(e, s + 1),
                                                                         fe]),
                "coder": coder, "code": f"code{k:02d}"}))
    return pd.concat(frames, ignore_index=True), lengths


def reference_binary(codings: pd.DataFrame, lengths: dict[str, int], code: str,
                     limit: int) -> tuple[float, int]:
    """|u-alpha coincidences for one code over the first ``limit`` characters, one
    character and one pair of coders at a time. Returns (coincidence total, characters)."""
    u = np.zeros((2, 2))
    done = 0
    rows = codings[codings["code"] == code]
    for doc, n in lengths.items():
        if done >= limit:
            break
        mine = rows[rows["document"] == doc]
        spans = {c: list(zip(mine.loc[mine["coder"] == c, "start"],
                             mine.loc[mine["coder"] == c, "end"], strict=True))
                 for c in CODERS}
        for x in range(min(n, limit - done)):
            value = {c: int(any(s <= x < e for s, e in spans[c])) for c in CODERS}
            for i in CODERS:
                for j in CODERS:
                    if i != j:
                        u[value[i], value[j]] += 1.0 / (len(CODERS) - 1)
        done += min(n, limit - done)
    return float(u.sum()), done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", type=int, default=10_000_000)
    parser.add_argument("--codes", type=int, default=40)
    parser.add_argument("--reference-characters", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args()

    codings, lengths = synthetic(args.characters, args.codes, args.seed)
    total = sum(lengths.values())
    print(f"synthetic data: {total:,} characters in {len(lengths)} documents x "
          f"{len(CODERS)} coders x {args.codes} codes, {len(codings):,} codings "
          f"(seed {args.seed})\n")
    rng = np.random.default_rng(args.seed + 1)
    cov_rows = [{"coder": c, "document": d, "start": 0,
                 "end": int(rng.integers(DOC_LENGTH // 2, DOC_LENGTH + 1))}
                for c in CODERS for d in lengths if rng.random() < 0.9]
    coverage = pd.DataFrame(cov_rows)

    best = best_cpu = float("inf")
    table = None
    for _ in range(3):
        start, cpu = time.perf_counter(), time.process_time()
        table = unitizing_alpha(codings, lengths)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    start = time.perf_counter()
    unitizing_alpha(codings, lengths, coverage=coverage)
    t_cov = time.perf_counter() - start

    code = "code00"
    start = time.perf_counter()
    _, measured = reference_binary(codings, lengths, code, args.reference_characters)
    t_ref = time.perf_counter() - start
    t_ref_all = t_ref * total / measured * args.codes

    print(f"{'step':<58}  {'seconds':>9}")
    print("-" * 70)
    print(f"{'ours: unitizing_alpha, all codes (best of 3)':<58}  {best:9.3f}")
    print(f"{'  (its CPU time, time.process_time; less affected by load)':<58}  "
          f"{best_cpu:9.3f}")
    print(f"{'ours: the same with coverage':<58}  {t_cov:9.3f}")
    print(f"{f'reference: per-character loop, {measured:,} chars x 1 code':<58}  {t_ref:9.3f}")
    print(f"{f'reference extrapolated to {total:,} chars x {args.codes} codes':<58}  "
          f"{t_ref_all:9.1f}  (linear estimate)")
    print("\nratios")
    print(f"  ours / reference (extrapolated)          : {best / t_ref_all:10.6f}")
    print(f"  with coverage / without                  : {t_cov / best:10.3f}")
    ok = best <= 2.0
    print("\ntargets")
    print(f"  all codes, {total / 1e6:.0f}M characters x {len(CODERS)} coders <= 2 s : "
          f"{'OK' if ok else 'MISSED'} ({best:.3f} s)")
    assert table is not None
    print("\nfirst rows:")
    with pd.option_context("display.width", 160, "display.max_columns", 12):
        print(table.head(4)[["code", "n_units", "u_alpha", "binary_u_alpha", "Cu_alpha"]]
              .round(4).to_string(index=False))
        print(table.tail(1)[["code", "n_units", "u_alpha", "binary_u_alpha", "cu_alpha"]]
              .round(4).to_string(index=False))


if __name__ == "__main__":
    main()
