"""CodingController: every action drives the Project API and is stored at once."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from workbench import (
    CodingController,
    NotFoundError,
    NotPermittedError,
    Project,
    UnknownCodeError,
    UnknownCoderError,
    create_project,
    open_project,
)
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.testing import demo_transcript, make_demo_project


@pytest.fixture
def blank(tmp_path: Path) -> Iterator[Project]:
    """The demo project without any codings (SQLite)."""
    project = make_demo_project(tmp_path / "blank.sqlite", codings=False)
    yield project
    project.close()


def rows(project: Project, coder: str) -> set[tuple[int, str]]:
    frame = project.segment_codings(coder=coder, with_attributes=False)
    return {(int(r.segment_id), str(r.code)) for r in frame.itertuples()}


def memos(project: Project, coder: str) -> dict[tuple[int, str], str]:
    frame = project.segment_codings(coder=coder, with_attributes=False)
    return {(int(r.segment_id), str(r.code)): str(r.memo) for r in frame.itertuples()}


def to_participant(c: CodingController) -> None:
    while c.segment is not None and c.segment.role != "participant":
        assert c.next()


# -- opening and the view state ---------------------------------------------------------
def test_opens_first_document_and_builds_the_view_state(blank: Project) -> None:
    c = CodingController(blank, "ana")
    state = c.view_state()
    assert state.document == blank.documents()[0] == "D1_S3_client"
    segments = blank.segments(document=state.document, with_attributes=False)
    assert (state.position, state.total, state.coded) == (0, len(segments), 0)
    assert state.progress_label == f"coded 0 of {len(segments)}"
    assert dict(state.case)["dyad"] == "D1" and dict(state.case)["perspective"] == "client"
    assert [code.code.key for code in state.codes] == list(blank.codebook.keys)
    assert [code.shortcut for code in state.codes] == ["1", "2", "3", "4", "5"]
    assert not state.reviewer and state.others == ()


def test_segment_is_split_inside_its_turn_with_neighbour_turns(blank: Project) -> None:
    c = CodingController(blank, "ana", context=1)
    to_participant(c)
    assert c.next()  # the second sentence of the client's first turn
    state = c.view_state()
    segment = state.segment
    assert segment is not None and segment.index == 3
    assert state.highlight == segment.text == "I did not know what she would think of me."
    assert state.before == "I remember feeling nervous. "
    assert state.after == ""
    assert state.turn is not None and state.before + state.highlight + state.after == \
        state.turn.text
    assert (state.turn.speaker, state.turn.role, state.turn.video_time) == \
        ("Client", "participant", "00:01:10")
    (before,) = state.context_before
    (after,) = state.context_after
    assert (before.speaker, before.role, before.video_time) == \
        ("Researcher", "interviewer", "00:01:10")
    assert (after.speaker, after.role, after.video_time) == \
        ("Researcher", "interviewer", "00:04:30")
    assert after.text == "What was going on for you here?"


def test_unknown_coder_and_empty_project_are_explained(blank: Project, tmp_path: Path) -> None:
    with pytest.raises(UnknownCoderError, match=r"'anna' is not registered \(did you mean"):
        CodingController(blank, "anna")
    with pytest.raises(NotFoundError, match="no document 'D9'"):
        CodingController(blank, "ana", "D9")
    empty = create_project(tmp_path / "empty.sqlite")
    empty.load_codebook(blank.codebook)
    empty.add_coder("ana")
    with pytest.raises(NotFoundError, match="no transcripts yet"):
        CodingController(empty, "ana")
    empty.close()


# -- coding (both backends) -------------------------------------------------------------
def test_toggle_apply_several_and_remove_are_stored(demo_project: Project) -> None:
    project = demo_project
    c = CodingController(project, "ana", "D2_S3_therapist")
    to_participant(c)
    segment = c.segment
    assert segment is not None
    before = rows(project, "ana")
    already = {code for seg, code in before if seg == segment.id}
    assert c.applied() == tuple(k for k in project.codebook.keys if k in already)
    new = [k for k in ("repair", "empathy") if k not in already]
    for key in new:
        assert c.toggle_code(key) is True
    assert rows(project, "ana") == before | {(segment.id, k) for k in new}
    assert c.toggle_code(5) is False  # 5 = the fifth code, empathy, applied just before
    assert "empathy" not in c.applied()
    c.remove("repair")
    after = rows(project, "ana")
    assert (segment.id, "repair") not in after
    assert {(s, k) for s, k in after if s != segment.id} == \
        {(s, k) for s, k in before if s != segment.id}
    assert rows(project, "ben") == rows(project, "ben")  # other coders untouched
    assert c.view_state().applied == c.applied()


def test_undo_of_apply_remove_and_memo(demo_project: Project) -> None:
    project = demo_project
    c = CodingController(project, "chloe", "D1_S3_client")
    assert c.undo() is None and c.message == "nothing to undo"
    c.jump(0)  # an interviewer segment chloe has not coded
    segment_id = c.segment.id if c.segment else -1
    start = rows(project, "chloe")
    c.apply("rupture")
    c.set_memo("strain in the question")
    c.apply("repair")
    c.set_memo("repair memo", "repair")
    c.remove("rupture")
    assert rows(project, "chloe") == start | {(segment_id, "repair")}
    assert [a.kind for a in c.undo_stack] == ["apply", "memo", "apply", "memo", "remove"]

    c.next()
    undone = c.undo()  # the removal: rupture comes back with its memo
    assert undone is not None and undone.kind == "remove"
    assert c.segment is not None and c.segment.id == segment_id  # undo shows its segment
    assert memos(project, "chloe")[(segment_id, "rupture")] == "strain in the question"
    c.undo()  # repair's memo
    assert memos(project, "chloe")[(segment_id, "repair")] == ""
    c.undo()  # applying repair
    assert (segment_id, "repair") not in rows(project, "chloe")
    c.undo()  # rupture's memo
    assert memos(project, "chloe")[(segment_id, "rupture")] == ""
    c.undo()  # applying rupture
    assert rows(project, "chloe") == start
    assert not c.view_state().can_undo


def test_memo_needs_a_coding_and_goes_to_the_chosen_one(blank: Project) -> None:
    c = CodingController(blank, "ana")
    with pytest.raises(ValueError, match="a memo belongs to a coding: apply a code"):
        c.set_memo("orphan")
    c.apply("anxiety")
    c.apply("withdrawal")
    assert c.memo_code == "withdrawal"  # the last code applied
    c.select_memo_code("anxiety")
    c.set_memo("nervous tone")
    segment_id = c.segment.id if c.segment else -1
    assert memos(blank, "ana") == {(segment_id, "anxiety"): "nervous tone",
                                  (segment_id, "withdrawal"): ""}
    state = c.view_state()
    assert (state.memo_code, state.memo, state.memo_codes) == \
        ("anxiety", "nervous tone", ("withdrawal", "anxiety"))
    c.set_memo("nervous tone")
    assert c.message == "memo saved on Anxiety (already stored)" and len(c.undo_stack) == 3
    with pytest.raises(ValueError, match="'rupture' is not applied"):
        c.select_memo_code("rupture")


def test_code_keys_and_shortcuts_are_checked(blank: Project) -> None:
    c = CodingController(blank, "ana")
    assert c.code_key(1) == "withdrawal" and c.code_key("repair") == "repair"
    with pytest.raises(UnknownCodeError, match=r"'repiar' is not in the codebook \(did you"):
        c.toggle_code("repiar")
    with pytest.raises(ValueError, match="no code on key 7: the codebook has 5 codes"):
        c.toggle_code(7)
    with pytest.raises(ValueError, match="no code on key 0"):
        c.toggle_code(0)
    assert rows(blank, "ana") == set()


# -- moving ---------------------------------------------------------------------------
def test_previous_next_and_jump(blank: Project) -> None:
    c = CodingController(blank, "ana")
    assert not c.previous() and c.message == "first segment"
    assert c.next() and c.segment is not None and c.segment.index == 1
    assert c.previous() and c.segment.index == 0
    assert c.jump(c.last_segment_index) and not c.next() and c.message == "last segment"
    with pytest.raises(NotFoundError, match=r"has no segment #99; its segments are #0\.\.#"):
        c.jump(99)
    c.set_filter(role="participant")
    with pytest.raises(ValueError, match="segment #0 is hidden by the filter"):
        c.jump(0)


def test_next_uncoded_agrees_with_the_api_and_wraps(demo_project: Project) -> None:
    project = demo_project
    c = CodingController(project, "ana", "D1_S3_client")
    c.set_filter(role="participant")
    uncoded = project.segments(document="D1_S3_client", role="participant", uncoded_by="ana",
                               with_attributes=False)["segment_index"].tolist()
    assert uncoded, "the demo leaves some participant sentences uncoded"
    visited = []
    for _ in uncoded:
        assert c.next_uncoded()
        assert c.segment is not None
        visited.append(c.segment.index)
    assert sorted(visited) == uncoded
    for index in uncoded:  # code them all
        c.jump(index)
        c.toggle_code("empathy")
    assert not c.next_uncoded() and c.message == "every segment in this list is coded"
    state = c.view_state()
    assert state.coded == state.total


def test_next_uncoded_wraps_to_the_start(blank: Project) -> None:
    c = CodingController(blank, "ana")
    c.jump(c.last_segment_index)
    c.apply("anxiety")
    assert c.next_uncoded() and c.segment is not None and c.segment.index == 0
    assert c.message == "wrapped to the start"


def test_filters_by_role_and_speaker(blank: Project) -> None:
    c = CodingController(blank, "ana", "D1_S3_therapist")
    assert c.speakers == ("Researcher", "Therapist")
    c.set_filter(role="participant")
    state = c.view_state()
    assert state.segment is not None and state.segment.role == "participant"
    expected = blank.segments(document="D1_S3_therapist", role="participant")
    assert state.total == len(expected)
    seen = [state.segment.index]
    while c.next():
        assert c.segment is not None and c.segment.role == "participant"
        seen.append(c.segment.index)
    assert seen == expected["segment_index"].tolist()
    c.set_filter(speaker="Researcher")
    assert {c.segment.speaker} == {"Researcher"} if c.segment else False
    c.set_filter(role="participant", speaker="Researcher")
    assert c.segment is None and c.view_state().total == 0
    assert c.message == "no segment matches this filter"
    with pytest.raises(NotFoundError, match="no segment is selected"):
        c.toggle_code(1)
    with pytest.raises(ValueError, match="role must be one of interviewer, participant"):
        c.set_filter(role="client")
    with pytest.raises(ValueError, match="has no speaker 'Client'; its speakers are"):
        c.set_filter(speaker="Client")
    c.set_filter()
    assert c.view_state().total == len(blank.segments(document="D1_S3_therapist"))


def test_speaker_filter_is_cleared_for_a_document_without_that_speaker(blank: Project) -> None:
    c = CodingController(blank, "ana", "D1_S3_client")
    c.set_filter(speaker="Client")
    c.select_document("D1_S3_therapist")
    assert c.view_state().filter_speaker is None
    assert "speaker filter cleared" in c.message


def test_a_document_imported_later_can_be_opened(blank: Project) -> None:
    c = CodingController(blank, "ana")
    blank.import_parsed([parse_ipr_text(demo_transcript("D3", 5, "client"))], progress=False)
    c.select_document("D3_S5_client")
    assert dict(c.view_state().case)["dyad"] == "D3"
    assert "D3_S5_client" in c.view_state().documents


# -- persistence and resuming -----------------------------------------------------------
def test_reopening_resumes_where_the_coder_left_off(tmp_path: Path) -> None:
    path = tmp_path / "resume.sqlite"
    make_demo_project(path, codings=False).close()
    project = open_project(path)
    c = CodingController(project, "ben")
    c.select_document("D2_S3_client")
    c.jump(5)
    c.apply("anxiety")
    other = CodingController(project, "ana")  # another coder elsewhere
    other.jump(2)
    project.close()

    again = open_project(path)
    resumed = CodingController(again, "ben")
    assert resumed.document == "D2_S3_client"
    assert resumed.segment is not None and resumed.segment.index == 5
    assert resumed.applied() == ("anxiety",)
    assert again.position("ben", "D2_S3_client") == 5
    assert CodingController(again, "ana").segment.index == 2  # type: ignore[union-attr]
    resumed.select_document("D1_S3_client")  # never visited by ben: starts at the top
    assert resumed.segment is not None and resumed.segment.index == 0
    again.close()


def test_moves_and_view_state_do_not_reread_the_document(blank: Project,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    c = CodingController(blank, "ana")

    def no_reads(*_args: object, **_kwargs: object) -> pd.DataFrame:
        raise AssertionError("re-read during a move")

    for name in ("segments", "codings", "turns", "cases", "document_text"):
        monkeypatch.setattr(blank, name, no_reads)
    for _ in range(5):
        c.next()
        c.toggle_code(1)
        c.view_state()
    c.next_uncoded()
    c.undo()
    assert len(rows_of(blank)) == 4


def rows_of(project: Project) -> list[object]:
    with project.store.reading() as conn:
        return list(conn.exec_driver_sql("SELECT id FROM codings").all())


# -- blind coding and reviewing ---------------------------------------------------------
def test_blind_by_default_reviewer_shows_everyone(demo_project: Project) -> None:
    c = CodingController(demo_project, "ana", "D1_S3_client")
    c.set_filter(role="participant")
    c.jump(2)  # "I remember feeling nervous." coded anxiety by all three
    blind = c.view_state()
    assert blind.applied == ("anxiety",)
    assert blind.others == () and all(code.others == () for code in blind.codes)
    assert not blind.may_review
    with pytest.raises(NotPermittedError, match="ana is not a reviewer"):
        c.set_reviewer(True)
    assert c.view_state().others == ()
    demo_project.set_coder_role("ana", "reviewer")
    demo_project.set_coder_role("ben", "reviewer")
    c.set_reviewer(True)
    review = c.view_state()
    assert review.reviewer and review.others == (("ben", ("anxiety",)), ("chloe", ("anxiety",)))
    assert {code.code.key: code.others for code in review.codes}["anxiety"] == ("ben", "chloe")
    c.set_reviewer(False)
    assert c.view_state().others == ()
    reviewer = CodingController(demo_project, "ben", "D1_S3_client", reviewer=True)
    reviewer.jump(5)  # "I just went quiet there." ben: withdrawal + anxiety
    assert dict(reviewer.view_state().others) == {"ana": ("withdrawal",)}


def test_set_coder_switches_codings_and_clears_undo(demo_project: Project) -> None:
    c = CodingController(demo_project, "ana", "D1_S3_client")
    c.jump(5)
    c.toggle_code("empathy")
    c.set_coder("chloe")
    assert c.coder == "chloe" and c.undo_stack == ()
    c.select_document("D1_S3_client")
    c.jump(5)
    assert c.applied() == ()  # chloe never codes withdrawal
    with pytest.raises(UnknownCoderError):
        c.set_coder("nobody")


# -- errors ---------------------------------------------------------------------------
def test_perform_records_errors_and_success_clears_them(blank: Project) -> None:
    c = CodingController(blank, "ana")
    assert c.perform(c.jump, 404) is None
    error = c.last_error
    assert error is not None and error.kind == "NotFoundError"
    assert "no segment #404" in error.message and "Traceback" in error.traceback
    assert c.view_state().error == error
    assert c.perform(c.next) is True
    assert c.last_error is None and c.view_state().error is None


def test_database_failure_keeps_cache_and_undo_consistent(blank: Project,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    c = CodingController(blank, "ana")
    c.apply("anxiety")

    def broken(*_args: object, **_kwargs: object) -> bool:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(blank, "remove_coding", broken)
    c.perform(c.toggle_code, "anxiety")
    assert c.last_error is not None and c.last_error.message == "database is locked"
    assert c.applied() == ("anxiety",)  # nothing changed in the cache
    c.perform(c.undo)
    assert c.undo_stack and c.undo_stack[-1].kind == "apply"  # kept for another try
    monkeypatch.undo()
    c.undo()
    assert rows(blank, "ana") == set()


def test_handle_key_maps_keys_to_actions(blank: Project) -> None:
    c = CodingController(blank, "ana")
    assert c.handle_key("ArrowRight") and c.segment is not None and c.segment.index == 1
    assert c.handle_key("2") and c.applied() == ("anxiety",)
    assert c.handle_key("ArrowLeft") and c.segment.index == 0
    assert c.handle_key("u") and c.segment.index == 2  # #1 is coded
    assert c.handle_key("ArrowUp") and c.segment.index == 1
    assert c.handle_key("ArrowDown") and c.handle_key("z")
    assert c.segment.index == 1 and c.applied() == ()
    assert not c.handle_key("x") and not c.handle_key("Enter")


# -- two coders at once -----------------------------------------------------------------
def test_two_controllers_on_one_file_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    make_demo_project(path, codings=False).close()
    first, second = open_project(path), open_project(path)  # two notebooks, two engines
    ana = CodingController(first, "ana")
    ben = CodingController(second, "ben")
    ben.select_document("D1_S3_client")
    expected: dict[str, set[tuple[int, str]]] = {"ana": set(), "ben": set()}
    for step in range(8):
        for c, key in ((ana, "anxiety"), (ben, "rupture"), (ana, "repair"), (ben, "anxiety")):
            c.toggle_code(key)
            assert c.segment is not None
            expected[c.coder].add((c.segment.id, key))
        ana.next()
        ben.next()
        if step == 3:
            ben.undo()  # goes back to the segment it coded last
            expected["ben"].discard((ben.segment.id, "anxiety"))  # type: ignore[union-attr]
            ben.next()
    check = open_project(path)
    assert rows(check, "ana") == expected["ana"] and len(expected["ana"]) == 16
    assert rows(check, "ben") == expected["ben"] and len(expected["ben"]) == 15
    for project in (first, second, check):
        project.close()


def _code_as(path: str, coder: str, key: str) -> int:
    project = open_project(path)
    c = CodingController(project, coder, "D1_S3_client")
    count = 0
    while True:
        c.toggle_code(key)
        count += 1
        if not c.next():
            break
    project.close()
    return count


@pytest.mark.slow
def test_two_processes_coding_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "race.sqlite"
    make_demo_project(path, codings=False).close()
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
        jobs = [pool.submit(_code_as, str(path), coder, key)
                for coder, key in (("ana", "anxiety"), ("ben", "repair"))]
        counts = [job.result(timeout=120) for job in jobs]
    project = open_project(path)
    total = len(project.segments(document="D1_S3_client"))
    assert counts == [total, total]
    assert len(rows(project, "ana")) == total and len(rows(project, "ben")) == total
    project.close()


def test_same_coder_in_two_sessions(blank: Project) -> None:
    one = CodingController(blank, "ana")
    one.apply("anxiety")
    two = CodingController(blank, "ana")
    assert two.applied() == ("anxiety",)
    one.remove("anxiety")
    assert two.remove("anxiety") is False
    assert "already removed elsewhere" in two.message and two.undo_stack == ()
    two.refresh()
    assert two.applied() == ()


def test_controller_modules_import_no_widgets() -> None:
    import ast

    import workbench.views as views

    folder = Path(views.__file__).parent
    for name in ("coding_controller", "coding_session", "coding_document", "coding_state"):
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom)}
        assert not {m for m in imported if m.split(".")[0] in ("ipywidgets", "anywidget")}, name
