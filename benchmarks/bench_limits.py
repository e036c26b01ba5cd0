"""Benchmark: bootstrap intervals and the refusal of hostile input, each beside a baseline.

Run with ``.venv/bin/python benchmarks/bench_limits.py`` (``make bench`` runs every
benchmark). These were timed assertions in the tests; the tests now check only what the
code does (the values, the refusals and their messages), and the speed lives here:

1. :func:`workbench.analysis.bootstrap_ci` with 1,000 resamples of 3,000 units x 4 coders
   (10 % missing), for Krippendorff's alpha and Fleiss' kappa, beside the obvious
   reference measured in the same run: draw the units, call ``krippendorff.alpha`` on
   each resample (fewer resamples, extrapolated linearly). Target: both intervals in at
   most 3 s.
2. :func:`workbench.parsing.attribute_sheet.read_attribute_sheet` refusing a sheet of
   50,004 columns, and reading one at the 1,000-column limit, beside the standard
   library's ``csv.reader`` reading the same files. Target: each at most 1 s (the sheet
   reader once took 23 s on the wide sheet: quadratic).
3. :func:`workbench.interop.xml_safety.parse_untrusted_xml` refusing a "billion laughs"
   document (entity expansion), beside lxml parsing a plain document of the same size.
   Target: at most 1 s.

Times are wall clock, best of 3; a shared machine's load stretches them, so the ratios
against the baselines measured in the same run are the figures to compare across runs.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.analysis import bootstrap_ci
from workbench.errors import AttributeSheetError, ImportFormatError
from workbench.interop.xml_safety import parse_untrusted_xml
from workbench.parsing.attribute_sheet import MAX_COLUMNS, read_attribute_sheet

T = TypeVar("T")

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Project [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&e;"><Description>&e;</Description></Project>
"""


def timed(func: Callable[[], T], repeat: int = 3) -> tuple[float, T]:
    """(best seconds over ``repeat`` runs, last result)."""
    best = float("inf")
    result: T
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def noisy(n_units: int, n_coders: int, q: int, noise: float, seed: int) -> np.ndarray:
    """Ratings of ``n_units`` by ``n_coders`` on ``q`` categories, 10 % missing."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, q, n_units)
    arr = np.repeat(truth[:, None], n_coders, axis=1).astype(float)
    flip = rng.random(arr.shape) < noise
    arr[flip] = rng.integers(0, q, flip.sum())
    arr[rng.random(arr.shape) < 0.1] = np.nan
    return arr


def bootstrap_rows(args: argparse.Namespace) -> list[tuple[str, float, float, str]]:
    import krippendorff

    data = noisy(args.units, 4, 5, 0.3, seed=5)
    t_alpha, ci = timed(lambda: bootstrap_ci(data, n_boot=1000), repeat=1)
    t_fleiss, _ = timed(lambda: bootstrap_ci(data, "fleiss_kappa", n_boot=1000), repeat=1)
    rng = np.random.default_rng(0)

    def reference() -> list[float]:
        out = []
        for _ in range(args.ref_boot):
            sample = data[rng.integers(0, len(data), len(data))]
            out.append(krippendorff.alpha(sample.T, level_of_measurement="nominal"))
        return out

    t_ref, _ = timed(reference, repeat=1)
    t_ref_full = t_ref * 1000 / args.ref_boot
    both = t_alpha + t_fleiss
    print(f"bootstrap: {args.units:,} units x 4 coders, 1,000 resamples; alpha "
          f"{ci.estimate:.4f} [{ci.low:.4f}, {ci.high:.4f}]")
    return [
        ("bootstrap_ci alpha + Fleiss, 1,000 resamples each", both, 3.0,
         f"reference krippendorff.alpha per resample: {t_ref_full:.2f} s for 1,000 "
         f"(measured {args.ref_boot}, extrapolated); ratio ours/reference "
         f"{t_alpha / t_ref_full:.4f} (alpha alone)"),
    ]


def sheet(path: Path, extra: int) -> Path:
    names = ["file", "dyad", "session", "perspective"] + [f"x{i}" for i in range(extra)]
    values = ["a.vtt", "D1", "1", "client"] + ["v"] * extra
    path.write_text(",".join(names) + "\n" + ",".join(values) + "\n", encoding="utf-8")
    return path


def read_plain(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(len(row) for row in csv.reader(handle))


def refuse_sheet(path: Path) -> str:
    try:
        read_attribute_sheet(path)
    except AttributeSheetError as error:
        return str(error)
    raise SystemExit(f"{path.name} was not refused")


def sheet_rows(folder: Path) -> list[tuple[str, float, float, str]]:
    wide = sheet(folder / "wide.csv", 50_000)
    at_limit = sheet(folder / "limit.csv", MAX_COLUMNS - 4)
    t_wide, message = timed(lambda: refuse_sheet(wide))
    t_wide_csv, _ = timed(lambda: read_plain(wide))
    t_limit, _ = timed(lambda: read_attribute_sheet(at_limit))
    t_limit_csv, _ = timed(lambda: read_plain(at_limit))
    print(f"wide sheet refused: {message[:90]}...")
    return [
        ("attribute sheet of 50,004 columns refused", t_wide, 1.0,
         f"csv.reader of the same file {t_wide_csv:.4f} s; ratio {t_wide / t_wide_csv:.2f}"),
        (f"attribute sheet at the limit ({MAX_COLUMNS:,} columns) read", t_limit, 1.0,
         f"csv.reader {t_limit_csv:.4f} s; ratio {t_limit / t_limit_csv:.2f}"),
    ]


def refuse_xml() -> str:
    try:
        parse_untrusted_xml(BILLION_LAUGHS, "bomb.qde")
    except ImportFormatError as error:
        return str(error)
    raise SystemExit("the billion laughs document was not refused")


def xml_rows() -> list[tuple[str, float, float, str]]:
    plain = (b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="p">'
             + b"<Description>" + b"a" * len(BILLION_LAUGHS) + b"</Description></Project>")
    t_bomb, message = timed(refuse_xml)
    t_plain, _ = timed(lambda: etree.fromstring(plain))
    print(f"billion laughs refused: {message[:90]}")
    return [("billion laughs refused", t_bomb, 1.0,
             f"lxml on a plain document of the same size {t_plain * 1e3:.3f} ms; ratio "
             f"{t_bomb / t_plain:.1f}")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=3_000)
    parser.add_argument("--ref-boot", type=int, default=100,
                        help="resamples of the reference (extrapolated to 1,000)")
    args = parser.parse_args()
    rows = bootstrap_rows(args)
    with tempfile.TemporaryDirectory() as folder:
        rows += sheet_rows(Path(folder))
    rows += xml_rows()
    width = max(len(r[0]) for r in rows)
    print(f"\n{'step':<{width}}  {'seconds':>8}  {'target':>6}  result  baseline")
    missed = 0
    for name, seconds, target, note in rows:
        ok = seconds <= target
        missed += not ok
        print(f"{name:<{width}}  {seconds:8.3f}  {target:6.1f}  {'OK    ' if ok else 'MISSED'}  "
              f"{note}")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
