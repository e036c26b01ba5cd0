"""Generate the sample study's consensus: the team's decision on every open disagreement.

SYNTHETIC data. The three sample coders (``tools/make_sample_codings.py``) disagree on
about half of the passages they coded; a CQR team meets and settles each disagreement. This
script plays that meeting from the authors' gold annotations (``transcripts/gold/*.yaml``:
what each recall moment was written to show, with the codes a reasonable coder might choose
instead), so every decision has a reason a team could give:

1. **The code is what the moment shows** (a gold annotation overlapping the passage has it):
   *apply* it on the range a coder chose that matches the gold quote, else on the range most
   coders chose; *adjust* to the gold quote when no coder chose a range inside it.
2. **The code is an alternative reading** (listed in the annotation's alternatives): keep the
   coders' majority (*apply* their range when most applied it, else *reject*).
3. **The code is not supported** by the annotations overlapping the passage: *reject*.
4. **No annotation** covers the passage: the majority decides.

Every decision carries a reason (the rules require one only against the majority; a team
records them anyway). ``decided_by`` is the team meeting. Run ``python
tools/make_sample_consensus.py`` after changing the transcripts, the gold files or
``sample_codings.csv``: it builds the sample project without a consensus in a temporary
folder, lists the open items and rewrites ``transcripts/sample_consensus.csv`` (document,
code, the item's span, the decision). ``workbench sample`` replays that file
(:func:`workbench.sample.apply_consensus_csv`).
"""

from __future__ import annotations

import csv
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.sample import build_sample_project  # noqa: E402

GOLD = ROOT / "transcripts" / "gold"
OUT = ROOT / "transcripts" / "sample_consensus.csv"
TEAM = "team meeting (maria, tom, leila)"
COLUMNS = ["document", "code", "item_start", "item_end", "kind", "start", "end", "reason",
           "decided_by"]


def gold_spans(document: str, text: str) -> list[tuple[int, int, list[str], list[str]]]:
    """(start, end, codes, alternatives) of each gold annotation of ``document``."""
    data = yaml.safe_load((GOLD / f"{document}.yaml").read_text(encoding="utf-8"))
    spans = []
    for note in data.get("annotations", []):
        at = text.find(note["quote"])
        if at >= 0:
            spans.append((at, at + len(note["quote"]), list(note.get("codes", [])),
                          list(note.get("alternatives", []))))
    return spans


def decide(item: dict, spans: list[tuple[int, int, list[str], list[str]]]) -> dict:
    code, n, k = item["code"], int(item["n"]), int(item["k"])
    ranges = [(s, e) for _, s, e, _ in item["ranges"]]
    common = Counter(ranges).most_common(1)[0][0]
    near = [sp for sp in spans if sp[0] < item["end"] and item["start"] < sp[1]]
    votes = f"{n} of {k} coders applied it"
    if any(code in sp[2] for sp in near):
        gold = next(sp for sp in near if code in sp[2])
        inside = [r for r in ranges if gold[0] <= r[0] and r[1] <= gold[1]]
        if (gold[0], gold[1]) in ranges:
            return {"kind": "apply", "start": gold[0], "end": gold[1],
                    "reason": f"the moment shows {code} ({votes}); kept on the passage that "
                              "says it"}
        if inside:
            best = Counter(inside).most_common(1)[0][0]
            return {"kind": "apply", "start": best[0], "end": best[1],
                    "reason": f"the moment shows {code} ({votes}); kept on the range most "
                              "coders drew inside the passage"}
        return {"kind": "adjust", "start": gold[0], "end": gold[1],
                "reason": f"the moment shows {code} ({votes}); range set to the sentences "
                          "that say it"}
    if any(code in sp[3] for sp in near):
        if 2 * n > k:
            return {"kind": "apply", "start": common[0], "end": common[1],
                    "reason": f"{code} is a fair second reading here and most coders saw it "
                              f"({votes})"}
        return {"kind": "reject", "reason": f"{code} is a possible reading, but most coders "
                                            f"did not see it ({votes})"}
    if near:
        shown = ", ".join(sorted({c for sp in near for c in sp[2]})) or "no code"
        return {"kind": "reject", "reason": f"the passage shows {shown}, not {code} ({votes})"}
    if 2 * n > k:
        return {"kind": "apply", "start": common[0], "end": common[1],
                "reason": f"no clear reading either way; kept by the majority ({votes})"}
    return {"kind": "reject", "reason": f"no clear reading either way; dropped as most coders "
                                        f"did ({votes})"}


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        project = build_sample_project(Path(folder) / "sample.sqlite", progress=False,
                                       consensus=False)
        try:
            items = project.consensus_items()
            open_items = items[items["status"] == "open"]
            texts = {d: project.document_text(d) for d in project.documents()}
            spans = {d: gold_spans(d, texts[d]) for d in texts}
            for item in open_items.to_dict("records"):
                decision = decide(item, spans[item["document"]])
                rows.append({"document": item["document"], "code": item["code"],
                             "item_start": int(item["start"]), "item_end": int(item["end"]),
                             "start": decision.get("start", ""), "end": decision.get("end", ""),
                             "kind": decision["kind"], "reason": decision["reason"],
                             "decided_by": TEAM})
        finally:
            project.close()
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        handle.write("# SYNTHETIC consensus of the sample study, written by "
                     "tools/make_sample_consensus.py; not clinical data.\n")
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    kinds = Counter(r["kind"] for r in rows)
    print(f"wrote {OUT}: {len(rows)} decisions ({', '.join(f'{v} {k}' for k, v in kinds.items())})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
