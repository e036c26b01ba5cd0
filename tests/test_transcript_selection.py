"""The transcript view and the text selection: snapping, Shift-extension, one coding per
selection, undo by uuid, and what the widget sends (only what changed)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import traitlets

from workbench import CodingController, NotFoundError, NotPermittedError, Project
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.testing import make_demo_project
from workbench.views.coding_panel import CodingPanel, coding_panel
from workbench.views.keys import KEYS, KeyCatcher
from workbench.views.transcript import snap_to_words, word_spans
from workbench.views.transcript_widget import TranscriptView

FIRST = "I remember feeling nervous. I did not know what she would think of me."


@pytest.fixture
def blank(tmp_path: Path) -> Iterator[Project]:
    project = make_demo_project(tmp_path / "blank.sqlite", codings=False)
    yield project
    project.close()


def offsets(c: CodingController, words: str, after: int = 0) -> tuple[int, int]:
    start = c.doc.text.index(words, after)
    return start, start + len(words)


def ana_codings(project: Project) -> list[tuple[int, int, str, str]]:
    frame = project.codings(coder="ana", with_attributes=False)
    return sorted((int(r.start), int(r.end), str(r.code), str(r.text))
                  for r in frame.itertuples())


# -- snapping --------------------------------------------------------------------------
def test_snap_widens_mid_word_ends_to_whole_words_and_drops_spaces() -> None:
    text = "  I don't know, self-critical maybe.  "
    s = text.index("on't")  # inside "don't"
    e = text.index("critical") + 3  # inside "self-critical"
    assert text[slice(*snap_to_words(text, s, e))] == "don't know, self-critical"
    # spaces around are dropped, punctuation selected stays, touching punctuation does not
    s, e = text.index(" know"), text.index(",") + 2
    assert text[slice(*snap_to_words(text, s, e))] == "know,"
    assert text[slice(*snap_to_words(text, text.index("know"), text.index(",")))] == "know"
    assert text[slice(*snap_to_words(text, text.index("maybe") + 2, len(text)))] == "maybe."
    # reversed ends are the same range; only spaces is empty
    assert snap_to_words(text, e, s) == snap_to_words(text, s, e)
    assert snap_to_words(text, 0, 2) == (2, 2)
    assert [text[a:b] for a, b in word_spans(text)] == ["I", "don't", "know",
                                                         "self-critical", "maybe"]


def test_snap_stays_inside_its_bounds() -> None:
    text = "Client: I felt it. Researcher: And then?"
    lo, hi = text.index("I felt"), text.index(" Researcher")
    assert text[slice(*snap_to_words(text, 0, len(text), lo, hi))] == "I felt it."


# -- selecting and extending in the controller -----------------------------------------
def test_mouse_selection_snaps_moves_to_its_sentence_and_runs_across_turns(
        blank: Project) -> None:
    c = CodingController(blank, "ana")
    assert c.segment is not None and c.segment.index == 0
    start, _ = offsets(c, "remember")
    _, end = offsets(c, "I remember feel")
    assert c.select(start + 2, end - 1) == offsets(c, "remember feeling")
    assert c.selected_text == "remember feeling"
    assert c.segment is not None and c.segment.text == "I remember feeling nervous."
    # dragged on into the next turns: the selection runs across them, its end snapped
    going_start, going_end = offsets(c, "What was going", start)
    assert c.select(start, going_end - 2) == (start, going_end)
    assert c.selected_text.startswith("remember feeling nervous.")
    assert c.selected_text.endswith("think of me.\n\n[00:04:30]\nResearcher: What was going")
    assert "across 2 turns" in c.message
    assert c.segment is not None and c.segment.text == "I remember feeling nervous."
    # an end in a label or a stop marker moves back into the turn text before it ...
    label = offsets(c, "Client: I just went")[0] + 3  # inside "Client: "
    assert c.select(start, label) == (start, offsets(c, "for you here?", start)[1])
    # ... a start in one moves forward to the turn text after it
    stop = offsets(c, "[00:04:30]")[0] + 2
    assert c.select(stop, going_end) == (going_start, going_end)
    assert c.segment is not None and c.segment.index == 4  # the interviewer's question
    # only labels and stop markers: nothing selected
    assert c.select(stop, going_start - 2) is None and c.selection is None
    # a drag from right to left is the same range
    assert c.select(going_end - 2, start) == (start, going_end)
    # a click selects nothing and moves to the sentence clicked
    there = offsets(c, "I just went quiet there.")[0] + 3
    assert c.select(there, there) is None and c.selection is None
    assert c.segment is not None and c.segment.text == "I just went quiet there."
    with pytest.raises(ValueError, match="two offsets"):
        c.select(-1, 4)


def test_shift_arrows_extend_by_word_and_by_sentence(blank: Project) -> None:
    c = CodingController(blank, "ana")
    while c.segment is not None and c.segment.text != "I remember feeling nervous.":
        assert c.next()
    assert c.handle_key("Shift+ArrowRight") and c.selected_text == "I"
    assert c.handle_key("Shift+ArrowRight") and c.selected_text == "I remember"
    assert c.handle_key("Shift+ArrowLeft") and c.selected_text == "I"
    c.select(*offsets(c, "remember feeling"))
    c.handle_key("Shift+ArrowRight")
    assert c.selected_text == "remember feeling nervous"
    c.handle_key("Shift+ArrowDown")  # to the end of the sentence
    assert c.selected_text == "remember feeling nervous."
    c.handle_key("Shift+ArrowDown")  # and of the next one
    assert c.selected_text == "remember feeling nervous. I did not know what she would " \
                              "think of me."
    c.handle_key("Shift+ArrowDown")  # the turn ends there: on into the next turn
    assert c.selected_text.endswith("think of me.\n\n[00:04:30]\n"
                                    "Researcher: What was going on for you here?")
    c.handle_key("Shift+ArrowLeft")  # by word inside the interviewer's turn
    assert c.selected_text.endswith("Researcher: What was going on for you")
    for _ in range(6):  # back to "What": the selection ends with the first turn
        c.handle_key("Shift+ArrowLeft")
    assert c.selected_text.endswith("think of me.")
    c.handle_key("Shift+ArrowLeft")  # over the label and the stop marker
    assert c.selected_text == "remember feeling nervous. I did not know what she would " \
                              "think of"
    c.handle_key("Shift+ArrowRight")
    assert c.selected_text.endswith("think of me")
    c.handle_key("Shift+ArrowRight")  # over the stop marker and the label to "What"
    assert c.selected_text.endswith("think of me.\n\n[00:04:30]\nResearcher: What")
    c.handle_key("Shift+ArrowUp")
    c.handle_key("Shift+ArrowUp")
    assert c.selected_text == "remember feeling nervous."
    assert c.handle_key("Escape") and c.selection is None
    # without a selection Shift+Down takes the current sentence
    c.handle_key("Shift+ArrowDown")
    assert c.segment is not None and c.selected_text == c.segment.text
    # a plain move drops the selection and moves
    here = c.segment.index if c.segment else -1
    c.handle_key("ArrowRight")
    assert c.selection is None and c.segment is not None and c.segment.index == here + 1


# -- coding a selection (both backends) --------------------------------------------------
def test_a_selection_is_one_coding_of_exactly_its_words_and_undo_removes_it(
        demo_project: Project) -> None:
    project = demo_project
    c = CodingController(project, "ana", "D1_S3_client")
    before = ana_codings(project)
    s, e = offsets(c, "feeling nervous. I did not")
    c.select(s + 3, e - 1)  # mid-word at both ends
    assert c.handle_key("1")
    key1, key2 = project.codebook.keys[:2]
    new = [row for row in ana_codings(project) if row not in before]
    assert new == [(s, e, key1, "feeling nervous. I did not")]
    # another code on the same words: a second, overlapping coding
    c.toggle_code(key2)
    c.select(*offsets(c, "nervous"))
    c.toggle_code(key2)
    new = [row for row in ana_codings(project) if row not in before]
    n_s, n_e = offsets(c, "nervous")
    assert sorted(new) == sorted([(s, e, key1, "feeling nervous. I did not"),
                                  (s, e, key2, "feeling nervous. I did not"),
                                  (n_s, n_e, key2, "nervous")])
    # shown at once: the cache holds the three ranges, the sentence shows both codes
    shown = {(r.start, r.end, r.code) for r in c.doc.ranges.values()}
    assert {(s, e, key1), (s, e, key2), (n_s, n_e, key2)} <= shown
    # undo removes exactly the last one, then the one before
    c.handle_key("z")
    assert [row for row in ana_codings(project) if row not in before] == sorted(
        [(s, e, key1, "feeling nervous. I did not"), (s, e, key2, "feeling nervous. I did not")])
    c.undo()
    assert [row for row in ana_codings(project) if row not in before] == \
        [(s, e, key1, "feeling nervous. I did not")]
    # the same key on the same selection removes that coding; undo puts the same one back
    c.select(s, e)
    uuid = next(u for u, r in c.doc.ranges.items() if (r.start, r.end, r.code) == (s, e, key1))
    assert c.toggle_code(key1) is False
    assert [row for row in ana_codings(project) if row not in before] == []
    c.undo()
    assert uuid in set(project.codings(coder="ana", with_attributes=False)["coding_uuid"])


def test_without_a_selection_code_keys_code_the_current_sentence(blank: Project) -> None:
    c = CodingController(blank, "ana")
    segment = c.segment
    assert segment is not None
    c.handle_key("1")
    assert ana_codings(blank) == [(segment.start, segment.end, blank.codebook.keys[0],
                                   segment.text)]
    with pytest.raises(NotFoundError, match="nothing is selected"):
        c.toggle_selection_code(1)


# -- the widget's data --------------------------------------------------------------------
def test_panel_transcript_shows_turns_codings_current_and_selection(blank: Project) -> None:
    panel = CodingPanel(CodingController(blank, "ana"))
    view = panel.transcript
    c = panel.controller
    assert view.text == c.doc.text and len(view.turns) == len(c.doc.turns)
    index, speaker, role, _stop, start, end = view.turns[2]
    turn = c.doc.turns[2]
    assert (index, speaker, role, start, end) == (2, turn.speaker, turn.role, turn.start,
                                                  turn.end)
    assert [t[3] for t in view.turns[:3]] == ["", "00:01:10", ""]  # the first turn of a stop
    assert c.segment is not None and view.current == [c.segment.start, c.segment.end]
    # a selection from the browser, then a code key: the highlight is in the traits
    s, e = offsets(c, "feeling nervous")
    assert view.handle_message({"type": "select", "start": s + 1, "end": e - 2})
    assert view.selection == [s, e]
    panel.press("2")
    code = blank.codebook.code(blank.codebook.keys[1])
    ((start, end, colour, name, uuid, coder, key, ids),) = view.codings
    assert (start, end, colour, name, coder, key) == (s, e, code.colour, code.name, "",
                                                      code.key)
    assert ids == list(c.doc.segments_touched(s, e))
    assert uuid in c.doc.ranges
    panel.press("z")
    assert view.codings == []
    assert not view.handle_message({"type": "select", "start": "1", "end": 3})
    assert not view.handle_message({"type": "key", "key": "1"})


def test_key_catcher_forwards_shift_arrows() -> None:
    catcher = KeyCatcher()
    seen: list[str] = []
    catcher.on_key(seen.append)
    for key in ("Shift+ArrowRight", "Shift+ArrowDown", "Shift+Tab"):
        catcher.handle_message({"type": "key", "key": key})
    assert seen == ["Shift+ArrowRight", "Shift+ArrowDown"]
    assert "Shift+ArrowLeft" in KEYS and "Shift+ArrowUp" in KEYS


def _long_transcript(turns: int) -> str:
    lines = ["---", "synthetic: true", "document: LONG_S1_client", "dyad: L1", "session: 1",
             "perspective: client", "participant: C9", "speakers:",
             "  R: {name: Researcher, role: interviewer}",
             "  C: {name: Client, role: participant}", "---"]
    for i in range(turns):
        if i % 20 == 0:
            lines += ["", f"[00:{i // 60 % 60:02d}:{i % 60:02d}]"]
        lines.append(f"R: What happened at moment {i}?" if i % 2 == 0 else
                     f"C: I felt tense at moment {i}. Then it eased a little.")
    return "\n".join(lines) + "\n"


def test_a_2000_turn_transcript_is_sent_once_and_moves_send_only_the_current_sentence(
        tmp_path: Path) -> None:
    project = make_demo_project(tmp_path / "long.sqlite", codings=False)
    try:
        project.import_parsed([parse_ipr_text(_long_transcript(2000), source="long.ipr.txt")],
                              progress=False)
        c = CodingController(project, "ana", "LONG_S1_client")
        assert len(c.doc.turns) == 2000
        view = TranscriptView()
        began = time.perf_counter()
        view.show(c)
        took = time.perf_counter() - began
        assert took < 2.0, f"building the 2,000-turn view took {took:.2f} s"
        assert len(view.turns) == 2000 and view.text == c.doc.text
        sent: list[tuple[str, int]] = []
        view.observe(lambda ch: sent.append((ch["name"], len(json.dumps(ch["new"])))),
                     names=traitlets.All)
        c.next()
        view.show(c)
        assert [name for name, _ in sent] == ["current"]
        assert sent[0][1] < 30  # two offsets, not the transcript
        sent.clear()
        view.show(c)
        assert sent == []  # nothing changed, nothing sent
        c.handle_key("Shift+ArrowDown")
        c.handle_key("1")
        view.show(c)
        names = [name for name, _ in sent]
        assert sorted(names) == ["codings", "predict", "selection"]  # predict: off now
        assert len(view.codings) == 1 and dict(sent)["codings"] < 200
        began = time.perf_counter()
        for _ in range(50):
            c.handle_key("ArrowRight")
            view.show(c)
        per_move = (time.perf_counter() - began) / 50
        assert per_move < 0.05, f"a move took {per_move * 1000:.0f} ms"
    finally:
        project.close()


# -- a selection across turns, coded (both backends) ---------------------------------------
@pytest.fixture
def blank_both(backend_url: str) -> Iterator[Project]:
    """The demo project without codings, on SQLite and on PostgreSQL."""
    project = make_demo_project(backend_url, codings=False)
    yield project
    project.close()


def _cross_turn(c: CodingController) -> tuple[int, int]:
    """Select from inside "think" (end of an answer) over the interviewer's follow-up to
    inside "quiet" (the next answer); returns the snapped range."""
    think = offsets(c, "think of me.")[0]
    quiet_end = offsets(c, "I just went quiet")[1]
    chosen = c.select(think + 2, quiet_end - 2)
    assert chosen == (think, quiet_end)
    return chosen


def test_a_selection_across_turns_is_one_coding_drawn_in_each_turn_and_undone_exactly(
        blank_both: Project) -> None:
    project = blank_both
    panel = CodingPanel(CodingController(project, "ana", "D1_S3_client"))
    c = panel.controller
    s, e = _cross_turn(c)
    assert "across 3 turns" in c.message
    assert c.segment is not None and c.segment.text == "I did not know what she would think " \
                                                        "of me."
    text = c.doc.text[s:e]
    assert text == "think of me.\n\n[00:04:30]\nResearcher: What was going on for you here?" \
                   "\nClient: I just went quiet"
    panel.press("1")
    key = project.codebook.keys[0]
    assert ana_codings(project) == [(s, e, key, text)]  # one coding, exactly the range
    row = project.codings(coder="ana", with_attributes=False).iloc[0]
    assert (int(row.first_segment), int(row.last_segment), int(row.n_segments)) == (3, 5, 3)
    # the cache shows it on the three sentences it touches (the question between too)
    (uuid, ref), = c.doc.ranges.items()
    touched = [seg.index for seg in c.doc.segments if seg.id in ref.segment_ids]
    assert touched == [3, 4, 5]
    assert "across 3 segments" in c.message
    # the view's coding row covers text of the three turns it runs through
    view = panel.transcript
    ((start, end, _colour, _name, row_uuid, owner, _key, _ids),) = view.codings
    assert (start, end, row_uuid, owner) == (s, e, uuid, "")
    drawn = [t[0] for t in view.turns if start < t[5] and t[4] < end]
    assert drawn == [2, 3, 4]
    # the same key on the same selection removes it; undo puts it back; undo again ...
    assert c.toggle_code(key) is False and ana_codings(project) == []
    c.undo()
    assert ana_codings(project) == [(s, e, key, text)]
    # ... and undoing the apply after a second, overlapping coding removes only the latter
    c.select(*offsets(c, "I just went quiet"))
    panel.press("2")
    assert len(ana_codings(project)) == 2
    panel.press("z")
    assert ana_codings(project) == [(s, e, key, text)]
    assert set(c.doc.ranges) == {uuid}


def test_a_cross_turn_coding_in_codings_retrieval_and_consensus(blank_both: Project) -> None:
    from workbench.retrieval import retrieve

    project = blank_both
    key = project.codebook.keys[0]
    ranges = {}
    for coder in ("ana", "ben"):
        c = CodingController(project, coder, "D1_S3_client")
        ranges[coder] = _cross_turn(c)
        c.toggle_code(key)
    chloe = CodingController(project, "chloe", "D1_S3_client")
    chloe.select(*offsets(chloe, "I just went quiet"))
    chloe.toggle_code(key)
    s, e = ranges["ana"]
    assert ranges["ben"] == (s, e)
    text = project.document_text("D1_S3_client")[s:e]
    frame = project.codings(with_attributes=False)
    frame = frame[frame["code"] == key]
    cross = frame[frame["coder"].isin(["ana", "ben"])]
    assert sorted(zip(cross.coder, cross.start, cross.end, cross.text, cross.n_segments,
                      strict=True)) == [("ana", s, e, text, 3), ("ben", s, e, text, 3)]
    # retrieval: one passage (the overlapping codings), from the first turn it touches
    passages = retrieve(project, key)
    (p,) = passages.itertuples()
    assert (p.start, p.end, p.text, p.turn_index, p.segment_index, p.last_segment) == (
        s, e, text, 2, 3, 5)
    assert sorted(p.coders) == ["ana", "ben", "chloe"]
    only_ana = retrieve(project, key, source="ana")
    assert [(r.start, r.end) for r in only_ana.itertuples()] == [(s, e)]
    # consensus: ana and ben agree on the cross-turn range (unanimous), chloe's shorter
    # range makes the three-coder item open, with both ranges in it
    pair = project.consensus_items(coders=["ana", "ben"], codes=[key])
    (item,) = pair.itertuples()
    assert (item.status, item.start, item.end, item.n, item.k) == ("unanimous", s, e, 2, 2)
    trio = project.consensus_items(codes=[key])
    (item,) = trio.itertuples()
    assert item.status == "open" and (item.start, item.end) == (s, e)
    assert (item.n, item.k) == (3, 3)
    project.decide(item.item_id, "apply", start=s, end=e, decided_by="ana")
    layer = project.codings(source="consensus", with_attributes=False)
    layer = layer[layer["code"] == key]
    assert [(int(r.start), int(r.end), str(r.text)) for r in layer.itertuples()] == [
        (s, e, text)]


# -- the reviewer view draws the other coders' codings (both backends) ---------------------
def _coding_set(project: Project, document: str, *, exclude: str) -> set[tuple[object, ...]]:
    frame = project.codings(document=document, with_attributes=False)
    return {(int(r.start), int(r.end), str(r.coding_uuid), str(r.coder))
            for r in frame.itertuples() if r.coder != exclude}


def test_the_reviewer_view_draws_other_coders_codings_named_and_never_as_ones_own(
        demo_project: Project) -> None:
    project = demo_project
    project.set_coder_role("ana", "reviewer")
    panel = CodingPanel(CodingController(project, "ana", "D1_S3_client"))
    c, view = panel.controller, panel.transcript
    own = [row for row in view.codings]
    assert own and all(row[5] == "" for row in own)  # blind: only ana's, unnamed
    assert {str(row[4]) for row in own} == set(c.doc.ranges)
    theirs = _coding_set(project, "D1_S3_client", exclude="ana")
    assert {row[3] for row in theirs} == {"ben", "chloe"}

    panel.reviewer_toggle.value = True
    assert c.reviewer
    rows = view.codings
    assert [row for row in rows if row[5] == ""] == own  # ana's rows unchanged
    assert {(row[0], row[1], row[4], row[5]) for row in rows if row[5]} == theirs
    assert rows == sorted(rows, key=lambda r: (r[0], r[1], r[5], r[4]))
    legend = panel.reviewer_html.value
    assert "ana: solid (yours)" in legend and "ben: dashed" in legend \
        and "chloe: dashed" in legend

    # another coder's coding is shown, never ana's to change: the same code on exactly
    # ben's range adds a coding of ana's, and undo removes only that one
    key = project.codebook.keys[0]
    ben = next((s, e) for s, e, uuid, coder in sorted(theirs) if coder == "ben"
               and not any((r.start, r.end, r.code) == (s, e, key)
                           for r in c.doc.ranges.values()))
    c.select(*ben)
    assert c.selection == ben
    panel.press("1")
    assert _coding_set(project, "D1_S3_client", exclude="ana") == theirs
    assert (ben[0], ben[1], key, c.doc.text[ben[0]:ben[1]]) in ana_codings(project)
    panel.press("z")
    assert _coding_set(project, "D1_S3_client", exclude="ana") == theirs
    assert [row for row in view.codings if row[5] == ""] == own

    # the view closed: only ana's again
    panel.reviewer_toggle.value = False
    assert view.codings == own and "dashed" not in panel.reviewer_html.value
    # a blind round started elsewhere closes it on the next key, and the rows go
    panel.reviewer_toggle.value = True
    assert any(row[5] for row in view.codings)
    project.set_blind_coding(True)
    panel.press("ArrowRight")
    assert not c.reviewer and view.codings == own
    with pytest.raises(NotPermittedError, match="blind round"):
        CodingController(project, "ana", "D1_S3_client", reviewer=True)


def test_a_locked_coder_without_the_role_sees_only_their_own_codings(
        demo_project: Project) -> None:
    panel = coding_panel(demo_project, "chloe", "D1_S3_client", lock_coder=True)
    assert isinstance(panel, CodingPanel)
    rows = panel.transcript.codings
    mine = set(demo_project.codings(coder="chloe", document="D1_S3_client",
                                    with_attributes=False)["coding_uuid"])
    assert rows and {row[4] for row in rows} == mine and all(row[5] == "" for row in rows)
    assert panel.reviewer_toggle.disabled
    panel.reviewer_toggle.value = True  # refused: chloe is not a reviewer
    assert not panel.controller.reviewer
    assert all(row[5] == "" for row in panel.transcript.codings)
