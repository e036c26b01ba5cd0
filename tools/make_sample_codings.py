"""Generate the sample study's codings by three coders from the authors' gold annotations.

SYNTHETIC data. The gold files (``transcripts/gold/*.yaml``) say what each recall moment was
written to show, how clear it is, and which codes a reasonable coder might choose instead.
The three coders below are modelled on how real coding teams disagree: not random noise but
code-dependent habits.

* **maria**: the most experienced; applies clear and subtle codes reliably; on ambiguous
  moments she keeps the author's reading and notes her doubt in a memo.
* **tom**: newer to the codebook; misses subtle withdrawal and attunement, reads anxiety into
  withdrawal, and prefers *alliance_bond* to *empathic_listening*.
* **leila**: a "lumper": codes the parent *working_alliance* instead of its children, reads
  feeling judged as rupture, and is quick to see repair and hope (adds them when they are
  offered as alternatives).

Every decision is seeded by (document, quote, coder), so the output is stable: run
``python tools/make_sample_codings.py`` to rewrite ``transcripts/sample_codings.csv``.
"""

from __future__ import annotations

import csv
import hashlib
import random
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "transcripts" / "gold"
OUT = ROOT / "transcripts" / "sample_codings.csv"

DETECT = {  # probability of seeing a code the author put there, by clarity
    "maria": {"clear": 0.97, "subtle": 0.85, "ambiguous": 0.8},
    "tom": {"clear": 0.93, "subtle": 0.55, "ambiguous": 0.65},
    "leila": {"clear": 0.95, "subtle": 0.75, "ambiguous": 0.7},
}
MISSES = {  # code-specific blind spots: multiplier on detection for subtle/ambiguous moments
    "tom": {"withdrawal": 0.45, "attunement": 0.5, "real_relationship": 0.6},
    "leila": {"self_doubt": 0.7},
    "maria": {},
}
SUBSTITUTE = {  # (author's code, alternative) pairs this coder prefers when offered
    "tom": {("empathic_listening", "alliance_bond"), ("withdrawal", "anxiety")},
    "leila": {("feeling_judged", "rupture"), ("alliance_goals_tasks", "working_alliance"),
              ("alliance_bond", "working_alliance")},
    "maria": set(),
}
ADD_ALTERNATIVE = {  # alternatives this coder tends to add on top
    "tom": {"anxiety"},
    "leila": {"repair", "hope"},
    "maria": set(),
}


def _rng(*parts: str) -> random.Random:
    digest = hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()
    return random.Random(int(digest[:16], 16))


def code_annotation(coder: str, document: str, ann: dict) -> list[tuple[str, str]]:
    """The (code, memo) pairs ``coder`` applies to one gold annotation."""
    clarity = ann.get("clarity", "clear")
    codes = list(ann.get("codes") or [])
    alternatives = list(ann.get("alternatives") or [])
    rng = _rng(document, ann["quote"], coder)
    chosen: list[tuple[str, str]] = []
    for code in codes:
        swap = next((alt for alt in alternatives if (code, alt) in SUBSTITUTE[coder]), None)
        if swap is not None and clarity != "clear":
            chosen.append((swap, ""))
            continue
        p = DETECT[coder][clarity]
        if clarity != "clear":
            p *= MISSES[coder].get(code, 1.0)
        if rng.random() < p:
            memo = ""
            if coder == "maria" and clarity == "ambiguous" and alternatives:
                memo = f"Unsure: could also be {', '.join(alternatives)}."
            chosen.append((code, memo))
    for alt in alternatives:
        if alt in ADD_ALTERNATIVE[coder] and clarity != "clear" and rng.random() < 0.6:
            chosen.append((alt, ""))
    seen: set[str] = set()
    unique = []
    for code, memo in chosen:
        if code not in seen:
            seen.add(code)
            unique.append((code, memo))
    return unique


def main() -> None:
    rows = []
    for path in sorted(GOLD.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        document = data["document"]
        for ann in data.get("annotations") or []:
            for coder in ("maria", "tom", "leila"):
                for code, memo in code_annotation(coder, document, ann):
                    rows.append({"document": document, "coder": coder, "code": code,
                                 "quote": ann["quote"], "memo": memo})
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        handle.write("# SYNTHETIC codings of the synthetic sample study; made by "
                     "tools/make_sample_codings.py from transcripts/gold/. Not clinical data.\n")
        writer = csv.DictWriter(handle, fieldnames=["document", "coder", "code", "quote", "memo"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} codings to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
