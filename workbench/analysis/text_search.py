"""Full-text search across transcripts: plain text, regular expressions, lemmas.

Pure functions over the documents' canonical texts and their segment table (never
imports ``Project``; :func:`workbench.retrieval.search_text` is the project-level call).

What is searched: the text of each **turn** of the chosen roles, i.e. from its first
segment's start to its last segment's end, so speaker labels (``Client:``) and recall-stop
lines (``[00:01:10]``) are never hit, and a hit never runs from one turn into the next.
``^`` and ``$`` in a regular expression anchor at the turn's start and end. Offsets are
Python ``str`` offsets into the document text, end exclusive, as codings use.

Modes:

* ``"plain"`` — the pattern as literal text, case-insensitive unless
  ``case_sensitive=True``; ``whole_word=True`` only matches it between word boundaries.
* ``"regex"`` — a Python regular expression (the same flags). One that does not compile
  raises :class:`~workbench.errors.SearchPatternError` with the reason. Matches of no
  characters (``a*`` where there is no ``a``) are skipped. Catastrophic backtracking
  (``(a+)+$``) is bounded by ``timeout`` seconds for the whole search when the
  ``regex`` package is installed (it is used instead of :mod:`re`, with its ``timeout``);
  without it the standard :mod:`re` engine runs without a limit, which ``attrs["engine"]``
  states, and a pathological pattern can then run for a very long time.
* ``"lemma"`` — every word whose lemma is the lemma of the query word, with spaCy's lookup
  lemmatizer (``spacy-lookups-data``'s English table, applied to the lower-cased word:
  ``felt``, ``feels`` and ``feeling`` all have the lemma ``feel``; ``feelings`` has
  ``feeling``). Several words are a phrase: consecutive words (white space between them
  ignored, punctuation not) whose lemmas are the query's in order. The tokens and lemmas
  of a document are computed once per text (cached in memory by the text's SHA-256).
  A lemma search is always case-insensitive and on whole words (``case_sensitive`` and
  ``whole_word`` do not apply).

Several patterns (a list) are searched each in turn and the hits pooled (``pattern``
says which one found a hit; a range two patterns found is listed once, under the first).
``limit`` stops the search after that many hits (``attrs["truncated"]`` then says so).
"""

from __future__ import annotations

import hashlib
import importlib
import re
import sys
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.analysis._passages import SegmentIndex, check_context, describe_rows
from workbench.errors import RetrievalError, SearchPatternError

__all__ = [
    "HIT_COLUMNS",
    "SEARCH_MODES",
    "clear_lemma_cache",
    "lemma_of",
    "lemmatized",
    "search_hits",
]

SearchMode = Literal["plain", "regex", "lemma"]
SEARCH_MODES: tuple[str, ...] = ("plain", "regex", "lemma")

#: Columns of :func:`search_hits`, in order.
HIT_COLUMNS: tuple[str, ...] = (
    "document", "start", "end", "text", "pattern", "speaker", "role", "turn_index",
    "segment_index", "last_segment", "video_time", "context", "context_start", "context_end",
)

_CACHE_SIZE = 256


@dataclass(frozen=True)
class Lemmatized:
    """A document's words: character offsets and lower-cased lookup lemmas (no white-space
    tokens)."""

    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    lemmas: npt.NDArray[np.object_]


_LEMMAS: OrderedDict[str, Lemmatized] = OrderedDict()


def clear_lemma_cache() -> None:
    """Forget every cached lemmatized document."""
    _LEMMAS.clear()


def _lemma_table() -> Any:
    from workbench.importing.segmentation import load_pipeline

    nlp = load_pipeline("blank:en")
    lemmatizer: Any = nlp.get_pipe("lemmatizer")
    return nlp, lemmatizer.lookups.get_table("lemma_lookup")


def _lemma(table: Any, word: str) -> str:
    lower = word.lower()
    return str(table.get(lower, lower)).lower()


def lemma_of(word: str) -> list[str]:
    """The lookup lemmas of the words of ``word`` (``"felt"`` -> ``["feel"]``)."""
    nlp, table = _lemma_table()
    return [_lemma(table, t.text) for t in nlp.make_doc(word) if not t.is_space]


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def lemmatized(text: str) -> Lemmatized:
    """The words of ``text`` with their lemmas (cached by the text's SHA-256)."""
    key = _key(text)
    found = _LEMMAS.get(key)
    if found is not None:
        _LEMMAS.move_to_end(key)
        return found
    nlp, table = _lemma_table()
    words = [t for t in nlp.make_doc(text) if not t.is_space]
    cache: dict[str, str] = {}
    lemmas = []
    for t in words:
        word = t.text
        lemma = cache.get(word)
        if lemma is None:
            lemma = cache[word] = _lemma(table, word)
        lemmas.append(lemma)
    found = Lemmatized(np.fromiter((t.idx for t in words), np.int64, len(words)),
                       np.fromiter((t.idx + len(t.text) for t in words), np.int64, len(words)),
                       np.array(lemmas, dtype=object))
    _LEMMAS[key] = found
    while len(_LEMMAS) > _CACHE_SIZE:
        _LEMMAS.popitem(last=False)
    return found


def _engine() -> tuple[Any, str]:
    try:
        return importlib.import_module("regex"), "regex (time-limited)"
    except ImportError:  # pragma: no cover - the regex package is there in development
        return re, "re (no time limit)"


def _compile(pattern: str, mode: SearchMode, case_sensitive: bool, whole_word: bool,
             engine: Any) -> Any:
    body = re.escape(pattern) if mode == "plain" else pattern
    if whole_word:
        body = rf"\b(?:{body})\b"
    flags = 0 if case_sensitive else engine.IGNORECASE
    try:
        return engine.compile(body, flags)
    except (re.error, engine.error) as exc:
        raise SearchPatternError(
            f"the regular expression {pattern!r} does not compile: {exc}. Fix it, or search "
            "with mode='plain' for the literal text."
        ) from None
    except (OverflowError, RecursionError, MemoryError):
        raise SearchPatternError(f"the regular expression {pattern!r} is too large to "
                                 "compile; use a shorter pattern.") from None


def _turn_spans(index: SegmentIndex, roles: Sequence[str] | None) -> pd.DataFrame:
    seg = index.frame
    if roles is not None:
        seg = seg[seg["role"].isin(list(roles))]
    return (seg.groupby(["document", "turn_index"], sort=False)
            .agg(start=("start", "min"), end=("end", "max")).reset_index()
            .sort_values(["document", "start"], kind="stable"))


def _regex_hits(texts: Mapping[str, str], turns: pd.DataFrame, compiled: Any, engine: Any,
                timeout: float | None, limit: int | None,
                pattern: str) -> tuple[list[tuple[str, int, int]], bool]:
    hits: list[tuple[str, int, int]] = []
    deadline = None if timeout is None else time.monotonic() + timeout
    timed = engine is not re
    for doc, lo, hi in zip(turns["document"].tolist(), turns["start"].tolist(),
                           turns["end"].tolist(), strict=True):
        piece = texts[doc][lo:hi]
        kwargs: dict[str, float] = {}
        if timed and deadline is not None:
            kwargs["timeout"] = max(deadline - time.monotonic(), 0.001)
        try:
            for match in compiled.finditer(piece, **kwargs):
                a, b = match.span()
                if a == b:
                    continue
                hits.append((doc, lo + a, lo + b))
                if limit is not None and len(hits) >= limit:
                    return hits, True
        except TimeoutError:
            raise SearchPatternError(
                f"the pattern {pattern!r} ran past the {timeout:g} s time limit (in {doc}); "
                "it probably backtracks catastrophically (nested repeats such as (a+)+). "
                "Simplify it, or raise timeout=."
            ) from None
    return hits, False


def _lemma_hits(texts: Mapping[str, str], turns: pd.DataFrame, pattern: str,
                limit: int | None, progress: bool) -> tuple[list[tuple[str, int, int]], bool]:
    wanted = lemma_of(pattern)
    if not any(ch.isalnum() for ch in pattern):
        raise SearchPatternError(f"the lemma search {pattern!r} holds no word; give a word "
                                 "such as 'feel'.")
    k = len(wanted)
    hits: list[tuple[str, int, int]] = []
    documents = list(dict.fromkeys(turns["document"].tolist()))
    todo = [doc for doc in documents if _key(texts[doc]) not in _LEMMAS]
    began = time.monotonic()
    for i, doc in enumerate(todo, start=1):  # lemmatize what is not cached, saying so
        lemmatized(texts[doc])
        if progress:
            print(f"\rlemmatizing: {i}/{len(todo)} documents ({time.monotonic() - began:.1f} s)",
                  end="" if i < len(todo) else "\n", file=sys.stderr, flush=True)
    for doc in documents:
        words = lemmatized(texts[doc])
        n = len(words.lemmas)
        if n < k:
            continue
        ok = np.ones(n - k + 1, dtype=bool)
        for j, lemma in enumerate(wanted):
            ok &= words.lemmas[j:n - k + 1 + j] == lemma
        first = np.flatnonzero(ok)
        starts, ends = words.starts[first], words.ends[first + k - 1]
        spans = turns[turns["document"] == doc]
        lo = spans["start"].to_numpy(np.int64)
        hi = spans["end"].to_numpy(np.int64)
        at = np.searchsorted(lo, starts, side="right") - 1  # the turn a hit starts in
        inside = (at >= 0) & (ends <= hi[np.clip(at, 0, None)])
        hits.extend((doc, int(a), int(b)) for a, b in zip(starts[inside], ends[inside],
                                                          strict=True))
        if limit is not None and len(hits) >= limit:
            return hits[:limit], True
    return hits, False


def search_hits(
    texts: Mapping[str, str],
    segments: pd.DataFrame,
    pattern: str | Sequence[str],
    *,
    mode: SearchMode = "plain",
    roles: Sequence[str] | None = None,
    case_sensitive: bool = False,
    whole_word: bool = False,
    context: Literal["turn"] | int = "turn",
    limit: int | None = None,
    timeout: float | None = 5.0,
    progress: bool = False,
) -> pd.DataFrame:
    """Where ``pattern`` occurs in the turns of the documents of ``segments``.

    ``texts``: each document's canonical text by name; ``segments``: the segment table of
    the documents to search (``Project.segments()``); ``roles``: search only turns of these
    roles (``None``: all). See the module docstring for the modes. One row per hit, in
    document and text order, columns :data:`HIT_COLUMNS` (``text`` is the matched text,
    ``context`` as in :func:`~workbench.analysis.retrieval.retrieve_passages`). ``attrs``
    state what was searched: ``pattern`` (a list), ``mode``, ``case_sensitive``,
    ``whole_word``, ``roles``, ``documents``, ``engine`` (regex engine or lemmatizer),
    ``n_hits``, ``truncated`` and ``caption`` (one sentence saying all of it).
    """
    if mode not in SEARCH_MODES:
        raise RetrievalError(f"mode={mode!r} is not a search mode; use one of "
                             f"{', '.join(SEARCH_MODES)}.")
    patterns = [pattern] if isinstance(pattern, str) else list(pattern)
    if not patterns or any(not isinstance(p, str) or not p.strip() for p in patterns):
        raise SearchPatternError("give a non-blank search pattern (or a list of them).")
    if limit is not None and limit < 1:
        raise RetrievalError(f"limit={limit!r}: give a number of hits >= 1, or None.")
    context = check_context(context)
    index = SegmentIndex.build(segments)
    turns = _turn_spans(index, roles)
    missing = sorted(set(turns["document"]) - set(texts))
    if missing:
        raise RetrievalError(f"no text for document(s) {', '.join(map(repr, missing[:5]))}.")
    engine, engine_name = _engine()
    if mode == "lemma":
        engine_name = "spaCy lookup lemmatizer (spacy-lookups-data, English)"
    found: list[tuple[str, int, int, str]] = []
    truncated = False
    for one in patterns:
        left = None if limit is None else limit - len(found)
        if mode == "lemma":
            hits, truncated = _lemma_hits(texts, turns, one, left, progress)
        else:
            compiled = _compile(one, mode, case_sensitive, whole_word, engine)
            hits, truncated = _regex_hits(texts, turns, compiled, engine, timeout, left, one)
        found.extend((d, a, b, one) for d, a, b in hits)
        if truncated:
            break
    frame = pd.DataFrame(found, columns=["document", "start", "end", "pattern"])
    frame = frame.drop_duplicates(["document", "start", "end"]).sort_values(
        ["document", "start", "end"], kind="stable").reset_index(drop=True)
    if len(frame):
        described = describe_rows(index, frame["document"], frame["start"].to_numpy(np.int64),
                                  frame["end"].to_numpy(np.int64), texts, context)
        frame = pd.concat([frame, described], axis=1)[list(HIT_COLUMNS)]
    else:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in HIT_COLUMNS})
    documents = list(index.codes)
    how = {"plain": "text", "regex": "regular expression", "lemma": "lemma"}[mode]
    flags = [] if mode == "lemma" else [
        "case-sensitive" if case_sensitive else "case-insensitive"] + (
        ["whole words"] if whole_word else [])
    caption = (f"{len(frame):,} hit{'s' if len(frame) != 1 else ''} for {how} "
               f"{' | '.join(map(repr, patterns))}"
               + (f" ({', '.join(flags)})" if flags else "")
               + f" in {'/'.join(roles) if roles else 'all'} turns of {len(documents)} "
               f"document{'s' if len(documents) != 1 else ''}"
               + (f"; stopped at limit={limit}" if truncated else ""))
    frame.attrs.update({
        "pattern": patterns, "mode": mode, "case_sensitive": case_sensitive,
        "whole_word": whole_word, "roles": list(roles) if roles else None,
        "documents": documents, "engine": engine_name, "n_hits": len(frame),
        "truncated": truncated, "context": context, "caption": caption,
    })
    return frame
