"""Re-importing an edited transcript: codings stay on their text or are reported, never lost."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench import create_project
from workbench.importing.reanchor import CONTEXT, Placement, context_of, reanchor
from workbench.importing.segmentation import load_pipeline, segment_transcripts
from workbench.model import CaseAttributes, RawTurn, SegmentDraft
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.parsing.transcript import build_transcript
from workbench.testing import DEMO_CODEBOOK

HEAD = """\
---
document: D5_S2_client
dyad: D5
session: 2
perspective: client
speakers:
  R: {name: Researcher, role: interviewer}
  C: {name: Client, role: participant}
---
"""

ORIGINAL = HEAD + """\
R: Stop the video whenever you like.

[00:01:00]
R: What was happening for you here?
C: I felt judged. I wanted to leave the room.

[00:02:00]
R: And here?
C: I felt judged. But then she apologised to me.

[00:03:00]
C: It was a turning point for us. Nothing else mattered that day.
"""

EDITED = HEAD + """\
R: Welcome back. Thanks for coming in again.
R: Stop the video whenever you like.

[00:01:00]
R: What was happening for you here, at this moment?
C: I felt judged. I wanted to leave the room.

[00:02:00]
R: And here?
C: I felt judged. But then she apologised to me.

[00:03:00]
C: Nothing else really mattered that day.
"""


def _segment(project, text, *, stop=None):
    frame = project.segments(document="D5_S2_client")
    rows = frame[frame["text"] == text]
    if stop is not None:
        rows = rows[rows["video_time"] == stop]
    assert len(rows) == 1, (text, rows)
    return rows.iloc[0]


@pytest.fixture
def coded(empty_project):
    """A small transcript with codings by two coders, some of them on text that will change."""
    project = empty_project
    project.import_parsed([parse_ipr_text(ORIGINAL, source="D5.ipr.txt")], progress=False)
    project.load_codebook(DEMO_CODEBOOK)
    for coder in ("ana", "ben"):
        project.add_coder(coder)
    leave = int(_segment(project, "I wanted to leave the room.")["segment_id"])
    judged_2 = int(_segment(project, "I felt judged.", stop=120.0)["segment_id"])
    apologised = _segment(project, "But then she apologised to me.")
    turning = int(_segment(project, "It was a turning point for us.")["segment_id"])
    nothing = int(_segment(project, "Nothing else mattered that day.")["segment_id"])
    uuids = {
        "leave": project.apply_code(leave, "withdrawal", "ana", memo="wants out"),
        "leave_ben": project.apply_code(leave, "anxiety", "ben"),
        "judged_2": project.apply_code(judged_2, "rupture", "ana"),
        "apologised": project.apply_code(int(apologised["segment_id"]), "repair", "ben",
                                         span=(4, 4 + len("then she apologised"))),
        "turning": project.apply_code(turning, "repair", "ana", memo="key moment"),
        "nothing": project.apply_code(nothing, "empathy", "ben"),
    }
    return project, uuids


def _reimport(project, text, **kwargs):
    with pytest.warns(UserWarning) as caught:
        [report] = project.import_parsed([parse_ipr_text(text, source="D5.ipr.txt")],
                                         progress=False, **kwargs)
    return report, [str(w.message) for w in caught]


def test_edited_transcript_keeps_codings_on_their_text(coded):
    project, uuids = coded
    before = project.codings().set_index("coding_uuid")
    report, _ = _reimport(project, EDITED)
    assert report.status == "updated"
    after = project.codings().set_index("coding_uuid")
    per_segment = project.segment_codings().set_index("coding_uuid")
    text = project.document_text("D5_S2_client")
    kept = {"leave", "leave_ben", "judged_2", "apologised"}
    assert set(after.index) == {uuids[k] for k in kept}
    assert report.reanchored == len(kept)
    for key in kept:
        row, old = after.loc[uuids[key]], before.loc[uuids[key]]
        assert row["text"] == old["text"]
        assert text[row["start"] : row["end"]] == row["text"]
        assert (row["coder"], row["code"], row["memo"], row["created_at"]) == (
            old["coder"], old["code"], old["memo"], old["created_at"])
        assert row["end"] - row["start"] == old["end"] - old["start"]
        assert row["start"] > old["start"]  # text was inserted before all of them
    # the repeated sentence stays on the occurrence at the second recall stop
    assert per_segment.loc[uuids["judged_2"], "video_time"] == 120.0
    assert per_segment.loc[uuids["judged_2"], "segment_text"] == "I felt judged."
    assert after.loc[uuids["apologised"], "text"] == "then she apologised"
    assert per_segment.loc[uuids["apologised"], "segment_text"] == (
        "But then she apologised to me.")  # still part of its sentence
    assert after.loc[uuids["leave"], "memo"] == "wants out"


def test_codings_whose_text_is_gone_are_reported_and_kept(coded):
    project, uuids = coded
    count_before = len(project.codings())
    report, messages = _reimport(project, EDITED)
    lost = {u.uuid: u for u in report.unanchored}
    assert set(lost) == {uuids["turning"], uuids["nothing"]}
    for item in lost.values():
        assert item.document == "D5_S2_client"
        assert item.reason == "its text no longer occurs in the edited transcript"
    assert lost[uuids["turning"]].memo == "key moment"
    assert (lost[uuids["turning"]].code, lost[uuids["turning"]].coder) == ("repair", "ana")
    # nothing is silently dropped
    aside = project.unanchored_codings()
    assert count_before == len(project.codings()) + len(aside)
    assert set(aside["coding_uuid"]) == set(lost)
    row = aside.set_index("coding_uuid").loc[uuids["turning"]]
    assert row["text"] == "It was a turning point for us."
    assert row["context_after"].startswith(" Nothing else mattered")
    assert row["reason"] == "its text no longer occurs in the edited transcript"
    # one warning per coding put aside, naming the document, coder and code
    assert len([m for m in messages if "could not be re-anchored" in m]) == 2
    assert any("D5_S2_client: ana's coding 'repair' on 'It was a turning point for us.'" in m
               for m in messages)
    # the audit records the re-import and what was put aside
    event = project.audit_log().iloc[-1]
    assert (event["action"], event["entity_key"]) == ("reimport", "D5_S2_client")
    assert sorted(event["detail"]["unanchored"]) == sorted(lost)
    assert event["detail"]["reanchored"] == 4


def test_turn_codings_stay_whole_when_the_text_is_split_into_sentences(empty_project):
    project = empty_project
    parsed = parse_ipr_text(ORIGINAL, source="D5.ipr.txt")
    project.import_parsed([parsed], unit="turn", progress=False)
    project.load_codebook(DEMO_CODEBOOK)
    project.add_coder("ana")
    frame = project.segments()
    turn = frame[frame["text"] == "I felt judged. I wanted to leave the room."].iloc[0]
    uuid = project.apply_code(int(turn["segment_id"]), "rupture", "ana")
    span = project.apply_code(int(turn["segment_id"]), "anxiety", "ana", span=(0, 14))
    # the same text, now split into sentences: a coding is a range, so nothing is lost
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [report] = project.import_parsed([parsed], unit="sentence", progress=False)
    assert report.status == "updated"
    assert report.unanchored == () and report.reanchored == 2
    kept = project.codings().set_index("coding_uuid")
    assert kept.loc[uuid, "text"] == "I felt judged. I wanted to leave the room."
    assert kept.loc[uuid, "n_segments"] == 2  # now across two sentences, still one coding
    assert kept.loc[span, "text"] == "I felt judged."
    assert kept.loc[span, "n_segments"] == 1
    per_segment = project.segment_codings()
    assert sorted(per_segment.loc[per_segment.coding_uuid == uuid, "segment_text"]) == [
        "I felt judged.", "I wanted to leave the room."]
    assert project.unanchored_codings().empty


def test_two_codings_landing_on_one_segment(empty_project):
    project = empty_project
    text = HEAD + "C: I was fine. Really.\nC: I was fine. Honestly.\n"
    project.import_parsed([parse_ipr_text(text, source="x")], progress=False)
    project.load_codebook(DEMO_CODEBOOK)
    project.add_coder("ana")
    fine = project.segments()
    fine = fine[fine["text"] == "I was fine."]
    uuids = [project.apply_code(int(s), "withdrawal", "ana") for s in fine["segment_id"]]
    edited = HEAD + "C: I was fine. Really. Honestly.\n"  # the second occurrence is gone
    with pytest.warns(UserWarning, match="could not be re-anchored"):
        [report] = project.import_parsed([parse_ipr_text(edited, source="x")], progress=False)
    assert report.reanchored == 1
    assert len(report.unanchored) == 1
    assert report.unanchored[0].reason == (
        "another coding of the same code by the same coder landed on the same text")
    assert set(project.codings()["coding_uuid"]) | {report.unanchored[0].uuid} == set(uuids)


def test_unchanged_reimport_emits_no_warning(coded):
    project, _ = coded
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [report] = project.import_parsed([parse_ipr_text(ORIGINAL, source="D5.ipr.txt")],
                                         progress=False)
    assert report.status == "unchanged"
    assert project.unanchored_codings().empty


# -- the algorithm on its own ------------------------------------------------------------------


def _drafts(*spans: tuple[int, int], text: str) -> list[SegmentDraft]:
    return [SegmentDraft(0, i, s, e, text[s:e]) for i, (s, e) in enumerate(spans)]


def test_reanchor_reasons_and_placements():
    old = "aaa. bbb ccc. ddd."
    new = "xx aaa. bbb ccc. ddd."
    result = reanchor(old, new, [(0, 4, "aaa."), (5, 8, "bbb"), (0, 0, " "), (0, 4, "zzz."),
                                 (2, 9, "a. bbb")])
    assert result == [
        Placement(3, 7),
        Placement(8, 11),
        "the coding has no text to look for",
        "its text no longer occurs in the edited transcript",
        Placement(5, 11),  # a range across sentences is placed whole
    ]


def test_reanchor_prefers_matching_context_then_position():
    old = "one two. Same words. three four. Same words. five six."
    new = "zero. one two. Same words. three four. Same words. five six."
    first = old.index("Same words.")
    second = old.index("Same words.", first + 1)
    [a, b] = reanchor(old, new, [(first, first + 11, "Same words."),
                                 (second, second + 11, "Same words.")])
    assert (a.start, b.start) == (15, 39)
    before, after = context_of(old, second, second + 11)
    assert len(before) == CONTEXT or before == old[:second]
    assert after == " five six."


# -- property: edits elsewhere never move a coding off its text --------------------------------

ATTRS = CaseAttributes(dyad="D1", session=1, perspective="client")
CODED = "This moment mattered to me."
POOL = [
    "I was not sure.", "She looked at the clock.", "It felt slow.", "Nothing happened.",
    "I wanted to say more", "Mm.", "We laughed about it!", "Was she bored?",
    "Ich war müde.", "Ça m'a touché.", "😶 I went blank.", "I felt judged.",
    "This moment", "mattered to me.",  # pieces of the coded sentence, never the whole
]

turn_texts = st.lists(st.sampled_from(POOL), min_size=1, max_size=3).map(" ".join).filter(
    lambda text: CODED not in text  # the pieces may join into the coded sentence itself
)
other_turn = st.tuples(st.sampled_from(["Researcher", "Client"]), turn_texts)


@st.composite
def edit_scripts(draw):
    """Turns before and after the coded turn, an edited copy of them, and stop times."""
    before = draw(st.lists(other_turn, max_size=4))
    after = draw(st.lists(other_turn, max_size=4))
    new_before = draw(st.lists(other_turn, max_size=4))
    new_after = draw(st.lists(other_turn, max_size=4))
    times = draw(st.tuples(st.sampled_from([None, 60.0]), st.sampled_from([None, 90.0])))
    return before, after, new_before, new_after, times


def _build(before, after, time, coded_text):
    turns = [RawTurn(s, "interviewer" if s == "Researcher" else "participant", t, time)
             for s, t in before]
    turns.append(RawTurn("Client", "participant", coded_text, time))
    turns += [RawTurn(s, "interviewer" if s == "Researcher" else "participant", t, time)
              for s, t in after]
    return build_transcript("doc", ATTRS, turns)


@settings(max_examples=100, deadline=None)
@given(edit_scripts(), st.sampled_from(["whole", "span"]))
def test_edits_elsewhere_keep_the_coding(script, kind):
    before, after, new_before, new_after, (old_time, new_time) = script
    lead_in = "It was quiet. "
    old = _build(before, after, old_time, lead_in + CODED + " Then we moved on.")
    new = _build(new_before, new_after, new_time, lead_in + CODED + " Then we moved on.")
    nlp = load_pipeline()
    old_segments, new_segments = segment_transcripts([old, new], nlp=nlp)
    [seg] = [s for s in old_segments if s.text == CODED]
    if kind == "whole":
        anchor = (seg.start, seg.end, seg.text)
    else:
        at = seg.text.index("mattered")
        anchor = (seg.start + at, seg.start + at + len("mattered"), "mattered")
    [placement] = reanchor(old.text, new.text, [anchor])
    assert isinstance(placement, Placement), placement
    assert new.text[placement.start : placement.end] == anchor[2]
    [target] = [s for s in new_segments if s.start <= placement.start < s.end]
    assert target.text == CODED
    assert target.start <= placement.start < placement.end <= target.end
    assert (placement.start - target.start, placement.end - target.start) == (
        anchor[0] - seg.start, anchor[1] - seg.start)
    # and it is the coded turn's sentence, not a look-alike elsewhere
    assert new.turns[target.turn_index].text.startswith(lead_in + CODED)


def test_project_reimports_keep_the_coding(tmp_path):
    """The same property through a project: edited re-imports, one after another."""
    lead_in = "It was quiet. "
    with create_project(tmp_path / "p.sqlite") as project:
        project.import_parsed([_build([], [], None, lead_in + CODED)], progress=False)
        project.load_codebook(DEMO_CODEBOOK)
        project.add_coder("ana")
        seg = project.segments()
        seg_id = int(seg[seg["text"] == CODED]["segment_id"].iloc[0])
        uuid = project.apply_code(seg_id, "repair", "ana", memo="m")

        @settings(max_examples=25, deadline=None)
        @given(edit_scripts())
        def reimport_edited(script):
            before, after, _, _, (time, _) = script
            project.import_parsed([_build(before, after, time, lead_in + CODED)],
                                  progress=False)
            codings = project.segment_codings()
            assert list(codings["coding_uuid"]) == [uuid]
            row = codings.iloc[0]
            assert row["text"] == CODED == row["segment_text"]
            assert project.document_text("doc")[row["start"] : row["end"]] == CODED
            assert row["memo"] == "m"
            assert project.unanchored_codings().empty

        reimport_edited()
