"""Split turns into units of coding with spaCy: sentences inside speaker turns, or whole turns.

The default pipeline is ``spacy.blank("en")`` with the rule-based ``sentencizer`` and a
lookup lemmatizer whose tables ship in ``spacy-lookups-data``: nothing is downloaded. A
trained pipeline that is *installed as a package* (e.g. ``en_core_web_sm``) is used instead
when named by ``pipeline=`` or the ``WORKBENCH_SPACY_PIPELINE`` environment variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from workbench.errors import WorkbenchError
from workbench.model import ParsedTranscript, SegmentDraft, SegmentUnit

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = ["DEFAULT_PIPELINE", "load_pipeline", "segment_transcripts", "sentence_spans"]

DEFAULT_PIPELINE = "blank:en"
_BATCH = 512


class PipelineError(WorkbenchError):
    """The configured spaCy pipeline cannot be loaded."""


def load_pipeline(name: str | None = None) -> Language:
    """The spaCy pipeline used for segmentation (cached per name).

    ``name`` is ``"blank:en"`` (default) or the name of an installed pipeline package.
    Never downloads anything.
    """
    # Resolve the name before the cache, so a changed WORKBENCH_SPACY_PIPELINE is honoured.
    return _load_pipeline(name or os.environ.get("WORKBENCH_SPACY_PIPELINE") or DEFAULT_PIPELINE)


@lru_cache(maxsize=4)
def _load_pipeline(name: str) -> Language:
    import spacy

    if name.startswith("blank:"):
        nlp = spacy.blank(name.split(":", 1)[1])
        nlp.add_pipe("sentencizer")
        try:
            nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
            nlp.initialize()
        except (ValueError, OSError) as exc:  # spacy-lookups-data missing
            raise PipelineError(
                f"the lookup lemmatizer could not load its tables ({exc}); install the "
                "package 'spacy-lookups-data' (make setup does this)."
            ) from None
        return nlp
    try:
        nlp = spacy.load(name, exclude=["ner", "textcat"])
    except OSError:
        raise PipelineError(
            f"spaCy pipeline {name!r} is not installed as a package. Install it with pip from "
            "a wheel you trust, or unset WORKBENCH_SPACY_PIPELINE to use the built-in "
            "sentencizer. The workbench never downloads models."
        ) from None
    if not (nlp.has_pipe("parser") or nlp.has_pipe("senter") or nlp.has_pipe("sentencizer")):
        nlp.add_pipe("sentencizer", first=True)
    return nlp


def sentence_spans(text: str, doc_sents: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Sentence character spans trimmed of surrounding white space, empty ones dropped."""
    for start, end in doc_sents:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            yield start, end


def _sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """Character spans of a doc's sentences, read off its tokens.

    The same boundaries as ``[(s.start_char, s.end_char) for s in doc.sents]``, in about a
    fifth of the time: ``Span.start_char``/``end_char`` build token objects per sentence.
    """
    bounds: list[tuple[int, int]] = []
    start = end = -1
    for token in doc:
        if token.is_sent_start and start >= 0:
            bounds.append((start, end))
            start = -1
        if start < 0:
            start = token.idx
        end = token.idx + len(token)
    if start >= 0:
        bounds.append((start, end))
    return bounds


def segment_transcripts(
    transcripts: Sequence[ParsedTranscript],
    *,
    unit: SegmentUnit = "sentence",
    nlp: Language | None = None,
) -> list[list[SegmentDraft]]:
    """Segments for each transcript, in order; offsets are into each document text."""
    if unit not in ("sentence", "turn"):
        raise ValueError(f"unit must be 'sentence' or 'turn', not {unit!r}")
    results: list[list[SegmentDraft]] = [[] for _ in transcripts]
    if unit == "turn":
        for out, transcript in zip(results, transcripts, strict=True):
            for turn in transcript.turns:
                out.append(SegmentDraft(turn.index, len(out), turn.start, turn.end, turn.text))
        return results
    nlp = nlp or load_pipeline()
    owners = [(i, turn) for i, t in enumerate(transcripts) for turn in t.turns]
    texts = (turn.text for _, turn in owners)
    for (i, turn), doc in zip(owners, nlp.pipe(texts, batch_size=_BATCH), strict=True):
        out = results[i]
        base, text, turn_index = turn.start, turn.text, turn.index
        for start, end in _sentence_bounds(doc):
            if text[start].isspace() or text[end - 1].isspace():
                trimmed = next(sentence_spans(text, [(start, end)]), None)
                if trimmed is None:
                    continue
                start, end = trimmed
            out.append(SegmentDraft(turn_index, len(out), base + start, base + end,
                                    text[start:end]))
    return results
