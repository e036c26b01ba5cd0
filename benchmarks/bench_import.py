"""Benchmark: import + segment + store >= 1M words, against bare spaCy on the same texts.

Prints words/second for the full import (read files, parse, segment, store in SQLite) and
for bare ``nlp.pipe`` with the same pipeline on the same turn texts, measured in this run,
and their ratio. Target: the import keeps at least 60% of bare spaCy throughput.

Both timed runs follow a warm-up pass over the same texts, so spaCy's tokenizer cache is
equally warm for both. The bare run only iterates the docs (no sentence extraction); the
import extracts sentences, builds the canonical texts and stores everything.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import generate_turns, write_transcripts

from workbench import create_project, read_ipr_file
from workbench.segmentation import load_pipeline

TARGET_RATIO = 0.60
WORDS = 1_000_000


def main() -> int:
    turns = generate_turns(WORDS)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_transcripts(Path(tmp) / "corpus", turns)
        parsed = [read_ipr_file(p) for p in paths]
        texts = [t.text for doc in parsed for t in doc.turns]
        words = sum(len(t.split()) for t in texts)
        vocabulary = len({w for t in texts for w in t.split()})
        nlp = load_pipeline()
        for _ in nlp.pipe(texts, batch_size=512):  # warm-up: tokenizer cache, lookups
            pass

        start = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=512):
            pass
        bare = time.perf_counter() - start

        project = create_project(Path(tmp) / "bench.sqlite")
        start = time.perf_counter()
        reports = project.import_transcripts(paths, progress=False)
        full = time.perf_counter() - start
        stored = sum(r.segments for r in reports)
        project.close()

    bare_wps, full_wps = words / bare, words / full
    ratio = full_wps / bare_wps
    print(f"corpus: {len(paths)} transcripts, {len(texts)} turns, {words:,} words, "
          f"{vocabulary:,} distinct word forms")
    print(f"bare nlp.pipe (same pipeline):          {bare:5.2f} s  {bare_wps:12,.0f} words/s")
    print(f"full import (read+parse+segment+store): {full:5.2f} s  {full_wps:12,.0f} words/s  "
          f"({stored:,} segments stored)")
    verdict = "OK" if ratio >= TARGET_RATIO else "BELOW TARGET"
    print(f"ratio import/bare: {ratio:.2f} (target >= {TARGET_RATIO:.2f}) {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
