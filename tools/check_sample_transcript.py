"""Check a sample transcript and its gold annotation (used while writing the sample study).

Usage: python tools/check_sample_transcript.py transcripts/sample/DOC.ipr.txt transcripts/gold/DOC.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.parsing.ipr_text import parse_video_time, read_ipr_file

CODES = {
    "withdrawal", "anxiety", "rupture", "feeling_judged", "advice_giving", "repair",
    "empathic_listening", "working_alliance", "alliance_goals_tasks", "alliance_bond",
    "real_relationship", "attunement", "self_doubt", "insight", "hope",
}


def main(transcript: str, gold: str) -> int:
    problems: list[str] = []
    parsed = read_ipr_file(transcript)
    stops = sorted({t.video_time for t in parsed.turns if t.video_time is not None})
    words = len(parsed.text.split())
    if len(stops) < 32:
        problems.append(f"only {len(stops)} recall stops (need >= 32)")
    data = yaml.safe_load(Path(gold).read_text(encoding="utf-8"))
    if data.get("document") != parsed.name:
        problems.append(f"gold document {data.get('document')!r} != transcript {parsed.name!r}")
    seen: set[str] = set()
    for i, ann in enumerate(data.get("annotations") or []):
        where = f"annotation {i} (stop {ann.get('stop')})"
        try:
            t = parse_video_time(str(ann["stop"]))
        except (KeyError, ValueError):
            problems.append(f"{where}: bad stop")
            continue
        turns = [x for x in parsed.turns if x.video_time == t and x.role == "participant"]
        if not turns:
            problems.append(f"{where}: no participant turn under that stop")
        quote = ann.get("quote", "")
        if not any(quote in x.text for x in turns):
            problems.append(f"{where}: quote not found in a participant turn under that stop: {quote!r}")
        if parsed.text.count(quote) != 1:
            problems.append(f"{where}: quote occurs {parsed.text.count(quote)} times in the file")
        if quote in seen:
            problems.append(f"{where}: duplicate quote")
        seen.add(quote)
        for c in list(ann.get("codes") or []) + list(ann.get("alternatives") or []):
            if c not in CODES:
                problems.append(f"{where}: unknown code {c!r}")
        if not ann.get("codes"):
            problems.append(f"{where}: no codes")
        if ann.get("clarity") not in ("clear", "subtle", "ambiguous"):
            problems.append(f"{where}: clarity must be clear|subtle|ambiguous")
    n = len(data.get("annotations") or [])
    print(f"{parsed.name}: {len(parsed.turns)} turns, {len(stops)} stops, {words} words, {n} annotations")
    for p in problems:
        print("PROBLEM:", p)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
