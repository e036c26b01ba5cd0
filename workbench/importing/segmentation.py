"""Split turns into units of coding with spaCy: sentences inside speaker turns, or whole turns.

The default pipeline is ``spacy.blank("en")`` with the rule-based ``sentencizer`` and a
lookup lemmatizer whose tables ship in ``spacy-lookups-data``: nothing is downloaded. A
trained pipeline that is *installed as a package* (e.g. ``en_core_web_sm``) is used instead
when named by ``pipeline=`` or the ``WORKBENCH_SPACY_PIPELINE`` environment variable.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from workbench.errors import TranscriptError, WorkbenchError
from workbench.model import ParsedTranscript, SegmentDraft, SegmentUnit

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = [
    "DEFAULT_PIPELINE",
    "SentenceStarts",
    "check_unit",
    "drafts_from_starts",
    "load_pipeline",
    "segment_transcripts",
    "sentence_starts",
]

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


def _sentence_starts(doc: Doc) -> list[int]:
    """Character offsets where the doc's sentences start (the first always at 0).

    Reading only ``is_sent_start`` and ``idx`` off the tokens is several times cheaper than
    ``doc.sents``, whose spans build token objects per sentence. A sentence ends where the
    next one starts: what lies between a sentence's last token and the next sentence is
    white space (``token.whitespace_``), which :func:`_segments_of_turn` trims.
    """
    starts = [token.idx for token in doc if token.is_sent_start]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return starts


def _segments_of_turn(text: str, starts: list[int], base: int, turn_index: int,
                      out: list[SegmentDraft]) -> None:
    """Append the turn's sentences, trimmed of white space (empty ones dropped), to ``out``."""
    ends = starts[1:]
    ends.append(len(text))
    for start, end in zip(starts, ends, strict=True):
        piece = text[start:end]
        stripped = piece.lstrip()
        start += len(piece) - len(stripped)
        stripped = stripped.rstrip()
        if stripped:
            out.append(SegmentDraft(turn_index, len(out), base + start,
                                    base + start + len(stripped), stripped))


SentenceStarts = list[list[int]]
"""Per turn of one transcript, the character offsets (into the turn text) where its
sentences start, as spaCy found them."""


def sentence_starts(
    transcripts: Sequence[ParsedTranscript], *, nlp: Language | None = None
) -> list[SentenceStarts]:
    """spaCy's sentence starts for every turn of each transcript, in order.

    This is the only part of segmentation that needs spaCy; :func:`drafts_from_starts`
    turns the result into segments. A large import keeps the two apart so that building
    segments happens where they are stored (see :mod:`workbench.importing.storage_sink`).
    """
    nlp = nlp or load_pipeline()
    _check_lengths(transcripts, nlp.max_length)
    results: list[SentenceStarts] = [[] for _ in transcripts]
    owners = [out for out, t in zip(results, transcripts, strict=True) for _ in t.turns]
    texts = (turn.text for t in transcripts for turn in t.turns)
    for out, doc in zip(owners, nlp.pipe(texts, batch_size=_BATCH), strict=True):
        out.append(_sentence_starts(doc))
    return results


def _check_lengths(transcripts: Sequence[ParsedTranscript], limit: int) -> None:
    """Raise :class:`TranscriptError` for a turn longer than spaCy's ``nlp.max_length``."""
    for transcript in transcripts:
        for turn in transcript.turns:
            if len(turn.text) > limit:
                raise TranscriptError(
                    f"turn {turn.index + 1} ({turn.speaker}) has {len(turn.text):,} characters, "
                    f"more than the {limit:,} spaCy segments at once; split it into several "
                    "turns, or import with unit='turn' (no sentence segmentation).",
                    path=transcript.source or transcript.name,
                )


def drafts_from_starts(
    transcript: ParsedTranscript, starts: SentenceStarts | None
) -> list[SegmentDraft]:
    """The transcript's segments: its sentences (``starts`` from :func:`sentence_starts`),
    trimmed of white space with empty ones dropped, or whole turns when ``starts`` is None.
    """
    out: list[SegmentDraft] = []
    if starts is None:
        for turn in transcript.turns:
            out.append(SegmentDraft(turn.index, len(out), turn.start, turn.end, turn.text))
        return out
    if len(starts) != len(transcript.turns):
        raise ValueError(
            f"{transcript.name}: {len(starts)} lists of sentence starts for "
            f"{len(transcript.turns)} turns"
        )
    for turn, turn_starts in zip(transcript.turns, starts, strict=True):
        _segments_of_turn(turn.text, turn_starts, turn.start, turn.index, out)
    return out


def check_unit(unit: str) -> None:
    """Raise :class:`ValueError` unless ``unit`` is ``"sentence"`` or ``"turn"``."""
    if unit not in ("sentence", "turn"):
        raise ValueError(f"unit must be 'sentence' or 'turn', not {unit!r}")


def segment_transcripts(
    transcripts: Sequence[ParsedTranscript],
    *,
    unit: SegmentUnit = "sentence",
    nlp: Language | None = None,
) -> list[list[SegmentDraft]]:
    """Segments for each transcript, in order; offsets are into each document text."""
    check_unit(unit)
    if unit == "turn":
        return [drafts_from_starts(t, None) for t in transcripts]
    return [drafts_from_starts(t, starts)
            for t, starts in zip(transcripts, sentence_starts(transcripts, nlp=nlp), strict=True)]
