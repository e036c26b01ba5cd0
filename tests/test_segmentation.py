"""Segmentation: sentences inside speaker turns (spaCy, nothing downloaded), or whole turns."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.errors import WorkbenchError
from workbench.importing.segmentation import load_pipeline, segment_transcripts
from workbench.model import CaseAttributes, ParsedTranscript, RawTurn
from workbench.parsing.transcript import build_transcript, clean_turn_text

ATTRS = CaseAttributes(dyad="D1", session=1, perspective="client")


def _transcript(*turns: tuple[str, str, str] | tuple[str, str, str, float | None]) -> ParsedTranscript:
    raw = [RawTurn(t[0], t[1], t[2], t[3] if len(t) > 3 else None) for t in turns]
    return build_transcript("doc", ATTRS, raw)


def _check(transcript: ParsedTranscript, drafts) -> None:
    """Invariants every segmentation must satisfy."""
    text = transcript.text
    for turn in transcript.turns:
        assert text[turn.start : turn.end] == turn.text
    previous_end = -1
    for position, seg in enumerate(drafts):
        assert seg.index == position
        assert text[seg.start : seg.end] == seg.text
        assert seg.text.strip() == seg.text != ""  # no empty or white-space-only segments
        turn = transcript.turns[seg.turn_index]
        assert turn.start <= seg.start < seg.end <= turn.end  # never crosses a turn
        assert seg.start >= previous_end  # in order, no overlap
        previous_end = seg.end
    # every non-blank character of every turn is in exactly one segment
    covered = "".join(seg.text for seg in drafts)
    assert "".join(covered.split()) == "".join("".join(t.text for t in transcript.turns).split())


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def test_sentences_inside_turns(nlp):
    transcript = _transcript(
        ("Researcher", "interviewer", "What was going on? Take your time."),
        ("Client", "participant", "I was nervous. I did not know what she would think! Did she care?"),
        ("Client", "participant", "no punctuation at the end", 12.0),
        ("Researcher", "interviewer", "And then", 12.0),
    )
    drafts = segment_transcripts([transcript], nlp=nlp)[0]
    assert [(d.turn_index, d.text) for d in drafts] == [
        (0, "What was going on?"),
        (0, "Take your time."),
        (1, "I was nervous."),
        (1, "I did not know what she would think!"),
        (1, "Did she care?"),
        (2, "no punctuation at the end"),  # does not run on into the next turn
        (3, "And then"),
    ]
    _check(transcript, drafts)


def test_unit_turn_gives_one_segment_per_turn(nlp):
    transcript = _transcript(
        ("Researcher", "interviewer", "What was going on? Take your time."),
        ("Client", "participant", "I was nervous. I did not know.", 3.0),
    )
    drafts = segment_transcripts([transcript], unit="turn")[0]
    assert [(d.turn_index, d.index, d.start, d.end, d.text) for d in drafts] == [
        (t.index, t.index, t.start, t.end, t.text) for t in transcript.turns
    ]
    _check(transcript, drafts)


def test_several_transcripts_keep_their_own_offsets(nlp):
    first = _transcript(("Client", "participant", "One. Two."))
    second = build_transcript(
        "other", ATTRS, [RawTurn("Researcher", "interviewer", "Hello there.", 5.0),
                         RawTurn("Client", "participant", "Three. Four. Five.", 5.0)]
    )
    results = segment_transcripts([first, second], nlp=nlp)
    assert [d.text for d in results[0]] == ["One.", "Two."]
    assert [d.text for d in results[1]] == ["Hello there.", "Three.", "Four.", "Five."]
    _check(first, results[0])
    _check(second, results[1])
    assert segment_transcripts([], nlp=nlp) == []


def test_bad_unit():
    with pytest.raises(ValueError, match="unit must be 'sentence' or 'turn', not 'word'"):
        segment_transcripts([_transcript(("C", "participant", "x"))], unit="word")  # type: ignore[arg-type]


def _reference(transcript: ParsedTranscript, nlp) -> list[tuple[int, int, int, str]]:
    """The segments read the slow, obvious way: spaCy's ``doc.sents`` per turn, trimmed."""
    out = []
    for turn in transcript.turns:
        for sent in nlp(turn.text).sents:
            start, end = sent.start_char, sent.end_char
            while start < end and turn.text[start].isspace():
                start += 1
            while end > start and turn.text[end - 1].isspace():
                end -= 1
            if end > start:
                out.append((turn.index, turn.start + start, turn.start + end,
                            turn.text[start:end]))
    return out


def test_white_space_around_and_between_sentences_is_trimmed(nlp):
    transcript = build_transcript("doc", ATTRS, [
        RawTurn("Client", "participant", "Hi.  \u3000  Ok.\u00a0 Fine . . Yes!\t"),
    ])
    drafts = segment_transcripts([transcript], nlp=nlp)[0]
    assert [d.text for d in drafts] == ["Hi.", "Ok.", "Fine . .", "Yes!"]
    assert [(d.turn_index, d.start, d.end, d.text) for d in drafts] == _reference(transcript, nlp)
    _check(transcript, drafts)


def test_unknown_pipeline_is_an_error_that_never_downloads():
    with pytest.raises(WorkbenchError, match=r"'xx_not_a_pipeline_sm' is not installed as a package"
                       r".*The workbench never downloads models\."):
        load_pipeline("xx_not_a_pipeline_sm")


def test_unknown_pipeline_from_the_environment(monkeypatch):
    load_pipeline()  # the default pipeline is cached; the variable must still be honoured
    monkeypatch.setenv("WORKBENCH_SPACY_PIPELINE", "xx_env_pipeline_sm")
    with pytest.raises(WorkbenchError, match=r"'xx_env_pipeline_sm' is not installed.*"
                       "unset WORKBENCH_SPACY_PIPELINE"):
        load_pipeline()
    monkeypatch.delenv("WORKBENCH_SPACY_PIPELINE")
    assert load_pipeline().has_pipe("sentencizer")


def test_default_pipeline_is_blank_english_with_sentencizer_and_lemmas(nlp):
    assert nlp.lang == "en"
    assert nlp.pipe_names == ["sentencizer", "lemmatizer"]
    assert load_pipeline("blank:en") is load_pipeline("blank:en")  # cached
    doc = nlp("The houses were quiet.")
    assert [t.lemma_ for t in doc][1:3] == ["house", "be"]
    assert nlp("houses")[0].lemma_ == "house"


# -- the offset invariant over arbitrary unicode -----------------------------------------

SPECIAL = [
    "👩\u200d👩\u200d👧",  # family emoji joined by zero-width joiners
    "🇳🇴",  # flag: regional indicators
    "e\u0301",  # e + combining acute
    "שלום עולם",  # Hebrew, right to left
    "مرحبا بك",  # Arabic
    "\u200b",  # zero-width space
    "\u200f",  # right-to-left mark
    "\u00a0",  # no-break space
    "\u3000",  # ideographic space
    "…",
    ". ",
    "! ",
    "? ",
    "Dr. ",
    "\u2028",  # line separator (not a \n)
    "\t",
    "\n  ",  # a continuation line inside a raw turn
    "🙂",
    "𝒜",  # outside the BMP
    "ǅ",
]

no_surrogates = st.characters(blacklist_categories=("Cs",))
piece = st.one_of(st.sampled_from(SPECIAL), st.text(no_surrogates, min_size=1, max_size=12))
turn_text = st.lists(piece, min_size=1, max_size=8).map("".join).filter(
    lambda t: clean_turn_text(t) != ""
)
raw_turn = st.builds(
    RawTurn,
    speaker=st.sampled_from(["Researcher", "Zoë", "محمد", "Client 😀"]),
    role=st.sampled_from(["interviewer", "participant"]),
    text=turn_text,
    video_time=st.one_of(st.none(), st.integers(0, 7200).map(float)),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(raw_turn, min_size=1, max_size=5))
def test_offsets_hold_for_arbitrary_unicode(raw_turns):
    transcript = build_transcript("doc", ATTRS, raw_turns)
    nlp = load_pipeline()
    assert len(transcript.turns) == len(raw_turns)
    for raw, turn in zip(raw_turns, transcript.turns, strict=True):
        assert turn.text == clean_turn_text(raw.text)
        assert "\n" not in turn.text
    for unit in ("sentence", "turn"):
        drafts = segment_transcripts([transcript], unit=unit, nlp=nlp)[0]
        assert drafts, "every turn has text, so there is at least one segment"
        _check(transcript, drafts)
        if unit == "sentence":  # the same sentences as spaCy's own doc.sents
            assert [(d.turn_index, d.start, d.end, d.text) for d in drafts] == \
                _reference(transcript, nlp)


def test_sentence_starts_and_drafts_compose_to_segment_transcripts(nlp):
    from workbench.importing.segmentation import drafts_from_starts, sentence_starts

    first = _transcript(("Client", "participant", "One. Two!  Three?"),
                        ("Researcher", "interviewer", "Go on."))
    second = _transcript(("Client", "participant", "Just one"))
    starts = sentence_starts([first, second], nlp=nlp)
    # per transcript, per turn, offsets in the turn text; the second space of "!  " is a
    # token of its own that starts the third sentence, and is trimmed from its segment
    assert starts == [[[0, 5, 10], [0]], [[0]]]
    assert [d.text for d in drafts_from_starts(first, starts[0])] == [
        "One.", "Two!", "Three?", "Go on."]
    assert [drafts_from_starts(t, s) for t, s in zip([first, second], starts, strict=True)] == \
        segment_transcripts([first, second], nlp=nlp)
    assert drafts_from_starts(first, None) == segment_transcripts([first], unit="turn")[0]
    with pytest.raises(ValueError, match="doc: 1 lists of sentence starts for 2 turns"):
        drafts_from_starts(first, starts[0][:1])
