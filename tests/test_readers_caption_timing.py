"""Caption cues keep their times: runs split at pauses, every later cue a time mark inside its
turn, speakers carried
forward, rolling live captions merged, backwards cues warned about (issue 16, point 9).

The long Zoom-style recording below is **synthetic**, generated here; the real caption files
of ``tests/fixtures/formats`` are read in ``test_readers_captions.py``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbench import create_project
from workbench.model import CaseAttributes, ParsedTranscript
from workbench.parsing.readers import read_transcript
from workbench.parsing.readers.common import ReaderContext
from workbench.parsing.readers.cues import PAUSE_SECONDS, Cue, cues_to_turns
from workbench.parsing.readers.webvtt import parse_webvtt

ATTRS = CaseAttributes(dyad="D01", session=3, perspective="client")
ROLES = {"Interviewer": "interviewer"}

_WORDS = ("I", "felt", "she", "was", "not", "really", "with", "me", "and", "then", "I",
          "just", "went", "quiet", "because", "it", "seemed", "easier", "that", "way")


@dataclass(frozen=True)
class Planned:
    """A generated cue: start, end, text, and whether a new turn must start at it."""

    start: float
    end: float
    text: str
    new_turn: bool


def _clock(seconds: float) -> str:
    whole = int(seconds)
    millis = round((seconds - whole) * 1000)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{millis:03d}"


def monologue(cues: int = 264, *, label_every_cue: bool = True, seed: int = 16,
              inner_sentences: bool = False) -> tuple[str, list[Planned]]:
    """A Zoom WebVTT: the interviewer asks, then 'Anna Berg' talks for ``cues`` cues.

    Cues are 2-4 s long, mostly back to back; about one in ten follows a pause of 2-6 s;
    about one in three ends a sentence. With ``label_every_cue`` False only the first cue
    of Anna's run carries her name (other tools write captions that way). With
    ``inner_sentences`` about one cue in three also has a sentence start inside it.
    """
    rng = random.Random(seed)
    inner = random.Random(seed + 1)
    lines = ["WEBVTT", "", "1", "00:00:00.500 --> 00:00:03.000",
             "Interviewer: What was going on for you at this point?", ""]
    plan: list[Planned] = []
    time, previous_ended = 3.2, True
    for index in range(cues):
        paused = index > 0 and rng.random() < 0.1
        if paused:
            time += rng.uniform(PAUSE_SECONDS, 6.0)
        ends = rng.random() < 0.35
        words = rng.choices(_WORDS, k=rng.randint(4, 9))
        text = " ".join(words) + ("." if ends else ",")
        if previous_ended:
            text = text[0].upper() + text[1:]
        if inner_sentences and inner.random() < 0.35:
            text = text[:-1] + ". So " + " ".join(inner.choices(_WORDS, k=3)) + text[-1]
        length = rng.uniform(2.0, 4.0)
        plan.append(Planned(round(time, 3), round(time + length, 3), text,
                            index == 0 or paused or previous_ended))
        label = "Anna Berg: " if label_every_cue or index == 0 else ""
        lines += [str(index + 2), f"{_clock(time)} --> {_clock(time + length)}",
                  label + text, ""]
        time += length
        previous_ended = ends
    return "\n".join(lines), plan


def read_vtt(tmp_path: Path, text: str, name: str = "zoom.vtt") -> ParsedTranscript:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    parsed = read_transcript(path, attributes=ATTRS, roles=ROLES)
    for turn in parsed.turns:
        assert parsed.text[turn.start : turn.end] == turn.text
    return parsed


@pytest.mark.parametrize("label_every_cue", [True, False])
def test_a_long_run_of_one_speaker_keeps_every_cue_time(tmp_path: Path,
                                                        label_every_cue: bool) -> None:
    text, plan = monologue(label_every_cue=label_every_cue)
    parsed = read_vtt(tmp_path, text)
    anna = parsed.turns[1:]
    assert parsed.turns[0].speaker == "Interviewer"
    assert {turn.speaker for turn in anna} == {"Anna Berg"}
    # turns split at pauses only; each begins at the first cue after a pause
    pauses = [cue.start for index, cue in enumerate(plan)
              if index == 0 or cue.start - plan[index - 1].end >= PAUSE_SECONDS]
    assert [turn.video_time for turn in anna] == pauses
    assert 1 < len(anna) < len(plan) / 4  # runs, not one turn per sentence
    # every one of the 264 cue starts is kept: a turn's time or a mark inside a turn
    times = [time for turn in anna
             for time in (turn.video_time, *(seconds for _, seconds in turn.time_marks))]
    assert times == [cue.start for cue in plan]
    # each mark sits where its cue's text begins
    later = iter(cue for index, cue in enumerate(plan) if cue.start not in pauses)
    for turn in anna:
        for position, seconds in turn.time_marks:
            cue = next(later)
            assert seconds == cue.start
            assert turn.start < position < turn.end
            assert parsed.text[position:].startswith(cue.text)
    # no word is lost or repeated: the turns hold the cue texts in order
    assert " ".join(turn.text for turn in anna) == " ".join(cue.text for cue in plan)
    carried = [w for w in parsed.warnings if "without a speaker label" in w]
    assert carried == ([] if label_every_cue else [
        f"{tmp_path / 'zoom.vtt'}: 263 cue(s) without a speaker label were given to the "
        "speaker of the cue before them; if a cue starts another speaker, start its text "
        "with 'Name: '."])


def _cue_at(parsed: ParsedTranscript, plan: list[Planned], offset: int) -> Planned:
    """The planned cue whose text holds the document offset ``offset``."""
    anna = [turn for turn in parsed.turns if turn.speaker == "Anna Berg"]
    starts = [(turn.start, turn.video_time) for turn in anna]
    starts += [mark for turn in anna for mark in turn.time_marks]
    position, seconds = max(mark for mark in starts if mark[0] <= offset)
    cue = next(cue for cue in plan if cue.start == seconds)
    assert parsed.text[position:].startswith(cue.text)
    assert offset < position + len(cue.text)
    return cue


def test_sentences_take_the_time_of_the_cue_they_start_in(tmp_path: Path,
                                                         backend_url: str) -> None:
    text, plan = monologue(60, inner_sentences=True)
    vtt = tmp_path / "zoom.vtt"
    vtt.write_text(text, encoding="utf-8")
    parsed = read_vtt(tmp_path, text)
    with create_project(backend_url) as project:
        project.import_transcripts([vtt], attributes={"zoom.vtt": ATTRS}, roles=ROLES,
                                   progress=False)
        segments = project.segments(with_attributes=False)
        (name,) = project.documents()
        marks = project.time_marks(name)
        stored = project.document_text(name)
    assert stored == parsed.text
    anna = segments[segments.speaker == "Anna Berg"]
    # spaCy's sentences run across cues; each takes the start of the cue it begins in
    assert list(anna.video_time) == [_cue_at(parsed, plan, start).start
                                     for start in anna.start]
    assert sum(1 for start in anna.start if start not in set(marks.position)) > 0
    # every cue's start is stored, at the offset where the cue's text begins
    anna_marks = marks[marks.turn_index >= 1]
    assert list(anna_marks.seconds) == [cue.start for cue in plan]
    for position, cue in zip(anna_marks.position, plan, strict=True):
        assert stored[position:].startswith(cue.text)
    assert list(marks.inner) == [False] + [
        seconds not in {turn.video_time for turn in parsed.turns} for seconds in
        marks.seconds[1:]]


def test_reimporting_with_changed_cue_times_replaces_the_marks(tmp_path: Path) -> None:
    text, plan = monologue(30)
    vtt = tmp_path / "zoom.vtt"
    vtt.write_text(text, encoding="utf-8")
    with create_project(tmp_path / "p.sqlite") as project:
        project.import_transcripts([vtt], attributes={"zoom.vtt": ATTRS}, roles=ROLES,
                                   progress=False)
        (name,) = project.documents()
        before = project.time_marks(name)
        # the same words, every cue 1 s later except the interviewer's question
        shifted = text.replace("00:00:00.500 --> 00:00:03.000", "00:00:00.400 --> 00:00:02.000")
        lines = shifted.split("\n")
        moved = [line if "-->" not in line or line.startswith("00:00:00.400")
                 else " --> ".join(_clock(_seconds(part) + 1.0) for part in line.split(" --> "))
                 for line in lines]
        vtt.write_text("\n".join(moved), encoding="utf-8")
        reports = project.import_transcripts([vtt], attributes={"zoom.vtt": ATTRS},
                                             roles=ROLES, progress=False)
        after = project.time_marks(name)
        segments = project.segments(with_attributes=False)
    assert reports[0].status != "unchanged"
    assert list(after.position) == list(before.position)
    assert list(after.seconds[1:]) == pytest.approx([s + 1.0 for s in before.seconds[1:]])
    assert segments.video_time.max() == pytest.approx(max(cue.start for cue in plan) + 1.0,
                                                      abs=5.0)


def _seconds(clock: str) -> float:
    hours, minutes, rest = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def test_pause_threshold_is_a_parameter() -> None:
    cues = [Cue(0.0, "Anna: one", 1, end=1.0), Cue(1.5, "Anna: two", 2, end=2.0),
            Cue(5.0, "Anna: three", 3, end=6.0)]
    default = cues_to_turns(cues, ReaderContext(roles={"Anna": "participant"}))
    assert [(t.video_time, t.text) for t in default] == [(0.0, "one\ntwo"), (5.0, "three")]
    strict = cues_to_turns(cues, ReaderContext(roles={"Anna": "participant"}), pause=0.5)
    assert [t.video_time for t in strict] == [0.0, 1.5, 5.0]
    assert PAUSE_SECONDS == 2.0


def test_overlapping_and_touching_cues_do_not_split() -> None:
    cues = [Cue(0.0, "Anna: so I", 1, end=2.0), Cue(1.0, "Anna: went", 2, end=3.0),
            Cue(3.0, "Anna: home", 3, end=4.0), Cue(5.99, "Anna: later", 4, end=7.0)]
    turns = cues_to_turns(cues, ReaderContext(roles={"Anna": "participant"}))
    assert [(t.video_time, t.text) for t in turns] == [(0.0, "so I\nwent\nhome\nlater")]


CARRIED = """WEBVTT

00:00:01.000 --> 00:00:02.000
before anyone is named

00:00:02.000 --> 00:00:04.000
<v Researcher>What happened there,

00:00:04.000 --> 00:00:05.000
do you think?

00:00:05.500 --> 00:00:07.000
Client C01: I went quiet,

00:00:07.000 --> 00:00:09.000
like I always do.
"""


def test_a_cue_without_label_belongs_to_the_previous_speaker(tmp_path: Path) -> None:
    parsed = read_transcript(_write(tmp_path, "carried.vtt", CARRIED), attributes=ATTRS,
                             roles={"Researcher": "interviewer", "Client C01": "participant"})
    assert [(t.speaker, t.role, t.video_time, t.text) for t in parsed.turns] == [
        ("Speaker", "participant", 1.0, "before anyone is named"),
        ("Researcher", "interviewer", 2.0, "What happened there, do you think?"),
        ("Client C01", "participant", 5.5, "I went quiet, like I always do."),
    ]
    assert any("2 cue(s) without a speaker label were given to the speaker of the cue "
               "before them" in w for w in parsed.warnings)
    assert any("1 cue(s) name no speaker" in w for w in parsed.warnings)


# --- streaming speech recognition ----------------------------------------------------------

ROLLING = """WEBVTT
Kind: captions
Language: en

00:00:01.000 --> 00:00:02.500
<c>so</c><00:00:01.500><c> when</c><00:00:02.000><c> she</c>

00:00:02.500 --> 00:00:02.510
so when she

00:00:02.510 --> 00:00:04.000
so when she
said<00:00:03.000><c> that</c><00:00:03.500><c> I</c>

00:00:04.000 --> 00:00:04.010
said that I

00:00:04.010 --> 00:00:06.000
said that I
just froze

00:00:09.000 --> 00:00:10.000
just froze
"""


def test_rolling_live_captions_are_merged(tmp_path: Path) -> None:
    """YouTube-style auto captions: each cue rolls the last line up and repeats it."""
    parsed = read_transcript(_write(tmp_path, "auto.vtt", ROLLING), attributes=ATTRS)
    assert [(t.video_time, t.text) for t in parsed.turns] == [
        (1.0, "so when she said that I just froze"),
        (9.0, "just froze"),  # after a 3 s pause the same words are said again
    ]
    assert any("4 cue(s) repeated or extended the cue before them" in w
               for w in parsed.warnings)


def test_growing_and_repeated_cues_are_merged() -> None:
    cues = [Cue(0.0, "Anna: I", 1, end=0.5), Cue(0.5, "Anna: I think", 2, end=1.0),
            Cue(1.0, "Anna: I think that's right.", 3, end=2.0),
            Cue(2.0, "Anna: I think that's right.", 4, end=2.5),
            Cue(2.5, "Anna: i think THAT'S right", 5, end=3.0),
            Cue(3.0, "Anna: Yes.", 6, end=3.5), Cue(3.5, "Anna: Yes.", 7, end=4.0)]
    context = ReaderContext(roles={"Anna": "participant"})
    turns = cues_to_turns(cues, context)
    # merged cues keep the first start; the next cue (new words) is a mark in the same turn
    assert [(t.video_time, t.text, t.time_marks) for t in turns] == [
        (0.0, "I think that's right.\nYes.", ((22, 3.0),))]
    assert context.warnings == [
        "<text>: 5 cue(s) repeated or extended the cue before them (rolling live captions) "
        "and were merged into it, keeping its start time."]


def test_other_speakers_and_new_words_are_not_merged() -> None:
    cues = [Cue(0.0, "Anna: I think so.", 1, end=1.0), Cue(1.0, "Ben: I think so.", 2, end=2.0),
            Cue(2.0, "Ben: so what", 3, end=3.0), Cue(3.0, "Ben: what now?", 4, end=4.0)]
    context = ReaderContext(roles={"Anna": "participant", "Ben": "interviewer"})
    turns = cues_to_turns(cues, context)
    assert [(t.speaker, t.text, t.time_marks) for t in turns] == [
        ("Anna", "I think so.", ()),
        ("Ben", "I think so.\nso what\nwhat now?", ((12, 2.0), (20, 3.0)))]
    assert not any("merged" in w for w in context.warnings)


BACKWARDS = """WEBVTT

1
00:00:10.000 --> 00:00:12.000
Anna: First this,

2
00:00:08.000 --> 00:00:09.000
Anna: then, oddly, this.

3
00:00:13.000 --> 00:00:14.000
Ben: And this.
"""


def test_a_cue_that_starts_before_the_one_above_is_warned_about(tmp_path: Path) -> None:
    path = _write(tmp_path, "back.vtt", BACKWARDS)
    parsed = read_transcript(path, attributes=ATTRS, roles={"Ben": "interviewer"})
    assert [(t.speaker, t.video_time) for t in parsed.turns] == [("Anna", 10.0), ("Ben", 13.0)]
    assert (f"{path}, line 8: the cue starts at 00:00:08, before the cue above it (line 4, "
            "00:00:10); it is kept in file order with its own time. Check the cue order, or "
            "the captioning tool's export.") in parsed.warnings


def test_many_backwards_cues_are_counted() -> None:
    cues = [Cue(float(100 - n), f"Anna: part {n}", n + 1, end=float(100 - n) + 0.5)
            for n in range(6)]
    context = ReaderContext(roles={"Anna": "participant"})
    cues_to_turns(cues, context)
    backwards = [w for w in context.warnings if "before the cue above" in w]
    assert len(backwards) == 4 and backwards[-1] == (
        "<text>: 2 more cue(s) start before the cue above them.")


def test_teams_overlapping_voices_keep_their_times() -> None:
    """Real MS Teams excerpt: overlapping cues of two people are not reordered or merged."""
    text = (Path(__file__).parent / "fixtures" / "formats" / "webvttpy_teams_timeframe.vtt"
            ).read_text(encoding="utf-8")
    context = ReaderContext()
    turns = parse_webvtt(text, context)
    assert [(t.speaker, t.video_time) for t in turns] == [("Yuri Bakulin", 0.0),
                                                          ("Adrian Petrescu", 0.21)]
    assert not any("before the cue above" in w or "merged" in w for w in context.warnings)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
