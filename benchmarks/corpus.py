"""Generate varied synthetic IPR transcripts for benchmarks (not one paragraph repeated).

A bigram chain trained on the sample transcripts' participant turns writes new sentences,
and about 3% of words are replaced by generated names and numbers, so the vocabulary keeps
growing like real prose (spaCy's tokenizer cache would flatter repeated text).
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_WORD = re.compile(r"\S+")


def _training_text() -> list[str]:
    from workbench.parsing.ipr_text import read_ipr_file

    words: list[str] = []
    for path in sorted((ROOT / "transcripts" / "sample").glob("*.ipr.txt")):
        for turn in read_ipr_file(path).turns:
            words.extend(_WORD.findall(turn.text))
    return words


def _chain(words: list[str]) -> dict[str, list[str]]:
    chain: dict[str, list[str]] = defaultdict(list)
    for a, b in pairwise(words):
        chain[a].append(b)
    return chain


def _rare_word(rng: random.Random) -> str:
    syllables = ["ka", "lo", "mi", "ren", "tha", "vo", "sel", "dun", "bri", "ost", "ae", "qui"]
    kind = rng.random()
    if kind < 0.3:
        return str(rng.randint(2, 99_999))
    word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
    return word.capitalize() if kind < 0.6 else word


def generate_turns(n_words: int, seed: int = 7) -> list[str]:
    """Participant-like turn texts totalling at least ``n_words`` words."""
    rng = random.Random(seed)
    words = _training_text()
    chain = _chain(words)
    starts = [w for w in chain if w[:1].isupper()]
    turns: list[str] = []
    total = 0
    while total < n_words:
        sentences = []
        for _ in range(rng.randint(1, 6)):
            word = rng.choice(starts)
            out = [word]
            for _ in range(rng.randint(6, 28)):
                nxt = chain.get(word)
                word = rng.choice(nxt) if nxt else rng.choice(starts)
                out.append(_rare_word(rng) if rng.random() < 0.03 else word)
                if word.endswith((".", "?", "!")):
                    break
            sentence = " ".join(out)
            if not sentence.endswith((".", "?", "!")):
                sentence += "."
            sentences.append(sentence)
        text = " ".join(sentences)
        turns.append(text)
        total += len(text.split())
    return turns


def write_transcripts(folder: Path, turns: list[str], words_per_file: int = 5000) -> list[Path]:
    """Write ``turns`` as IPR transcripts of about ``words_per_file`` words each."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    chunk: list[str] = []
    count = 0

    def flush() -> None:
        index = len(paths)
        body = []
        for i, text in enumerate(chunk):
            seconds = 30 + i * 20
            body += [f"[{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}]",
                     "R: What was happening for you there?", f"C: {text}", ""]
        head = ["---", f"document: BENCH_{index:04d}", f"dyad: B{index // 4:03d}",
                f"session: {3 + 2 * (index % 2)}", "perspective: client",
                "speakers:", "  R: {name: Researcher, role: interviewer}",
                "  C: {name: Client, role: participant}", "---"]
        path = folder / f"BENCH_{index:04d}.ipr.txt"
        path.write_text("\n".join(head + body), encoding="utf-8")
        paths.append(path)

    for text in turns:
        chunk.append(text)
        count += len(text.split())
        if count >= words_per_file:
            flush()
            chunk, count = [], 0
    if chunk:
        flush()
    return paths
