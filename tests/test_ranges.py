"""Codings are ranges of the transcript, on identities that never silently move (issue 11).

Each test runs on SQLite and PostgreSQL where storage is involved.
"""

from __future__ import annotations

import sqlite3
import warnings
from contextlib import closing

import numpy as np
import pandas as pd
import pytest

from workbench import open_project
from workbench.analysis.agreement_tables import code_agreement_table
from workbench.errors import (
    CodingRangeError,
    ConflictError,
    NotFoundError,
    StaleError,
    WorkbenchError,
)
from workbench.interop import export_qdpx, import_qdpx
from workbench.model import OverlapRule
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.project import Project, create_project
from workbench.testing import DEMO_CODEBOOK, demo_transcript
from workbench.views.coding_controller import CodingController

DOC = "D1_S3_client"
FIRST_ANSWER = "I remember feeling nervous. I did not know what she would think of me."


def _project(url: str) -> Project:
    project = create_project(url)
    project.import_parsed([parse_ipr_text(demo_transcript("D1", 3, "client"), source="d.txt")],
                          progress=False)
    project.load_codebook(DEMO_CODEBOOK)
    for coder in ("ana", "ben"):
        project.add_coder(coder)
    return project


@pytest.fixture
def project(backend_url: str):
    project = _project(backend_url)
    yield project
    project.close()


def _edited() -> str:
    """The demo transcript with a sentence inserted before everything coded (offsets move)
    and one coded sentence changed."""
    text = demo_transcript("D1", 3, "client")
    text = text.replace("R: Stop the video whenever you like.",
                        "R: Stop the video whenever you like. Take your time.")
    return text.replace("It felt pointless to explain.", "It felt hard to explain.")


def _reimport(project: Project, text: str) -> list[str]:
    """Re-import ``text`` as the demo document; returns the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        project.import_parsed([parse_ipr_text(text, source="d.txt")], progress=False)
    return [str(w.message) for w in caught]


def _audit(project: Project, action: str) -> pd.DataFrame:
    log = project.audit_log()
    return log[log["action"] == action]


# -- 1. the model: any range inside one document -----------------------------------------------
def test_a_passage_across_sentences_and_turns_is_one_coding(project: Project) -> None:
    text = project.document_text(DOC)
    start = text.index("What was going on for you here?\nClient: I remember")
    end = text.index("think of me.") + len("think of me.")
    applied = project.apply_range(DOC, start, end, "anxiety", "ana", memo="the whole exchange")
    assert applied.created and applied.text == text[start:end]
    [row] = project.codings().query("coding_uuid == @applied.uuid").itertuples()
    assert (row.start, row.end, row.text, row.memo) == (start, end, text[start:end],
                                                         "the whole exchange")
    assert row.n_segments == 3  # the question and both sentences of the answer
    seen = project.segment_codings().query("coding_uuid == @applied.uuid")
    assert list(seen["segment_text"]) == ["What was going on for you here?",
                                          "I remember feeling nervous.",
                                          "I did not know what she would think of me."]
    assert list(seen["speaker"]) == ["Researcher", "Client", "Client"]
    assert set(seen["text"]) == {text[start:end]}  # each row keeps the coding's own range
    # a part of a sentence is a coding too
    part = project.apply_range(DOC, text.index("nervous"), text.index("nervous") + 7,
                               "withdrawal", "ben")
    assert project.coding(part.uuid).text == "nervous"
    event = _audit(project, "apply_code").set_index("entity_key").loc[applied.uuid]
    assert event["detail"] == {"document": DOC, "start": start, "end": end, "code": "anxiety",
                               "memo": "the whole exchange"}


def test_the_same_range_twice_keeps_one_coding(project: Project) -> None:
    text = project.document_text(DOC)
    start = text.index(FIRST_ANSWER)
    first = project.apply_range(DOC, start, start + len(FIRST_ANSWER), "anxiety", "ana")
    again = project.apply_range(DOC, start, start + len(FIRST_ANSWER), "anxiety", "ana")
    assert (again.uuid, again.created) == (first.uuid, False)
    other = project.apply_range(DOC, start, start + 10, "anxiety", "ana")  # another range
    assert other.created and other.uuid != first.uuid
    assert len(project.codings()) == 2


@pytest.mark.parametrize(("start", "end", "message"), [
    (10, 10, "is not a range"), (30, 5, "is not a range"), (-1, 4, "is not a range"),
    (0, 10**6, "is not a range"),
])
def test_ranges_outside_the_text_are_refused(project: Project, start: int, end: int,
                                             message: str) -> None:
    with pytest.raises(CodingRangeError, match=message):
        project.apply_range(DOC, start, end, "anxiety", "ana")
    assert project.codings().empty and _audit(project, "apply_code").empty


def test_blank_ranges_and_unknown_documents_are_refused(project: Project) -> None:
    text = project.document_text(DOC)
    gap = text.index("\n\n[00:01:10]")
    with pytest.raises(CodingRangeError, match="only white space"):
        project.apply_range(DOC, gap, gap + 2, "anxiety", "ana")
    with pytest.raises(NotFoundError, match="no document 'D1_S3_clinet'.*did you mean"):
        project.apply_range("D1_S3_clinet", 0, 5, "anxiety", "ana")
    with pytest.raises(CodingRangeError, match="must be an integer"):
        project.apply_range(DOC, 1.5, 9, "anxiety", "ana")  # type: ignore[arg-type]
    assert project.codings().empty


# -- 3. what the coder was shown goes with the action -------------------------------------------
def test_a_changed_document_refuses_the_action(project: Project) -> None:
    text = project.document_text(DOC)
    sha = project.document_sha256(DOC)
    start = text.index(FIRST_ANSWER)
    shown = text[start:start + 27]
    _reimport(project, _edited())
    assert project.document_sha256(DOC) != sha
    with pytest.raises(StaleError, match="re-imported since it was shown"):
        project.apply_range(DOC, start, start + 27, "anxiety", "ana", document_sha256=sha)
    with pytest.raises(StaleError, match="no longer holds the text that was shown"):
        project.apply_range(DOC, start, start + 27, "anxiety", "ana", expect_text=shown)
    assert project.codings().empty and _audit(project, "apply_code").empty
    # with what the document holds now, it works
    new = project.document_text(DOC).index(FIRST_ANSWER)
    applied = project.apply_range(DOC, new, new + 27, "anxiety", "ana", expect_text=shown,
                                  document_sha256=project.document_sha256(DOC))
    assert applied.text == shown


def test_stale_segment_ids_are_refused_never_moved(project: Project) -> None:
    """The check of the issue: every old segment id of a re-imported transcript fails."""
    old = project.segments()
    _reimport(project, _edited())
    new = project.segments()
    assert set(old["segment_id"]).isdisjoint(new["segment_id"])  # never handed out again
    assert new["segment_id"].min() > old["segment_id"].max()
    refused = 0
    for segment_id in old["segment_id"]:
        with pytest.raises(StaleError, match="no longer exists.*re-imported"):
            project.apply_code(segment_id, "anxiety", "ana")
        refused += 1
    assert refused == len(old) > 10
    assert project.codings().empty
    with pytest.raises(StaleError):
        project.segment(old["segment_id"].iloc[0])
    with pytest.raises(StaleError):
        project.remove_code(old["segment_id"].iloc[0], "anxiety", "ana")
    never = int(new["segment_id"].max()) + 1000
    with pytest.raises(NotFoundError, match=f"no segment with id {never}") as caught:
        project.apply_code(never, "anxiety", "ana")
    assert not isinstance(caught.value, StaleError)  # never existed: not "stale"


def test_sqlite_never_hands_out_an_id_again(tmp_path) -> None:
    path = tmp_path / "p.sqlite"
    with _project(str(path)) as project:
        seg = int(project.segments(role="participant")["segment_id"].iloc[0])
        uuid = project.apply_code(seg, "anxiety", "ana")
        project.remove_code(seg, "anxiety", "ana")
        project.apply_code(seg, "repair", "ana")
        _reimport(project, _edited())
        ids = project.segments()["segment_id"]
    with closing(sqlite3.connect(path)) as conn:
        seq = dict(conn.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
        coding_ids = [r[0] for r in conn.execute("SELECT id FROM codings")]
        assert "AUTOINCREMENT" in conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'segments'").fetchone()[0]
    for table in ("cases", "documents", "turns", "segments", "codings"):
        assert table in seq
    assert min(ids) > seg
    assert coding_ids and min(coding_ids) > 1  # the removed coding's id 1 was not reused
    assert uuid  # (the removed coding)


# -- 5. ids from the project's own DataFrames ---------------------------------------------------
def test_numpy_and_pandas_integers_are_ids(project: Project) -> None:
    segments = project.segments()
    segment = project.segment(segments.segment_id[0])  # numpy.int64 from a DataFrame
    assert segment.id == int(segments.segment_id[0])
    participant = segments[segments.role == "participant"]
    uuid = project.apply_code(participant.segment_id.iloc[0], "anxiety", "ana",
                              span=(np.int32(0), np.int64(4)))
    assert project.coding(uuid).text == participant.text.iloc[0][:4]
    series = pd.Series([participant.start.iloc[1], participant.end.iloc[1]], dtype="Int64")
    applied = project.apply_range(DOC, series[0], series[1], "repair", "ana")
    assert applied.text == participant.text.iloc[1]
    assert project.remove_code(participant.segment_id.iloc[1], "repair", "ana") is True
    with pytest.raises(CodingRangeError, match="must be an integer"):
        project.segment(True)  # type: ignore[arg-type]


# -- removal, restore, undo by uuid -------------------------------------------------------------
def test_a_removal_is_reported_and_audited_only_if_it_removed_a_row(project: Project) -> None:
    seg = project.segments(role="participant").iloc[0]
    uuid = project.apply_code(seg.segment_id, "anxiety", "ana", memo="m")
    removed = project.remove_coding(uuid, "ana")
    assert removed is not None and (removed.uuid, removed.memo, removed.code) == (uuid, "m",
                                                                                   "anxiety")
    assert project.remove_coding(uuid, "ana") is None
    assert project.remove_code(seg.segment_id, "anxiety", "ana") is False
    assert list(_audit(project, "remove_code")["entity_key"]) == [uuid]
    # another coder's coding is not theirs to remove
    theirs = project.apply_code(seg.segment_id, "anxiety", "ben")
    with pytest.raises(ConflictError, match="is ben's"):
        project.remove_coding(theirs, "ana")
    assert theirs in set(project.codings()["coding_uuid"])
    # restore puts it back as it was
    assert project.restore_coding(removed) is True
    back = project.coding(uuid)
    assert (back.memo, back.created_at, back.start, back.end) == (
        removed.memo, removed.created_at, removed.start, removed.end)
    assert project.restore_coding(removed) is False  # already there


def test_remove_code_removes_a_passage_that_runs_over_the_segment(project: Project) -> None:
    text = project.document_text(DOC)
    start = text.index(FIRST_ANSWER)
    passage = project.apply_range(DOC, start, start + len(FIRST_ANSWER), "anxiety", "ana")
    seg = project.segments(role="participant").iloc[1]  # the second sentence
    assert project.remove_code(seg.segment_id, "anxiety", "ana") is True
    assert passage.uuid not in set(project.codings()["coding_uuid"])


# -- 6. segment views by a stated rule ----------------------------------------------------------
def test_the_overlap_rule_decides_and_is_stated(backend_url: str) -> None:
    project = _project(backend_url)
    text = project.document_text(DOC)
    start = text.index(FIRST_ANSWER)
    # all of the first sentence and the first word of the second
    project.apply_range(DOC, start, start + len("I remember feeling nervous. I"), "anxiety",
                        "ana")
    rules = {"any": 2, "half": 1, "whole": 1, 0.02: 2, 0.05: 1}
    for rule, rows in rules.items():
        seen = project.segment_codings(rule=rule)
        assert len(seen) == rows, rule
        assert seen.attrs["overlap_rule"] == OverlapRule.parse(rule).describe()
    assert project.overlap_rule == OverlapRule.parse("any")  # the default
    project.set_overlap_rule("whole")
    location = project.location
    project.close()
    with open_project(location) as again:  # a project setting: kept
        assert again.overlap_rule.name == "whole"
        assert len(again.segment_codings()) == 1
        assert again.segment_codings().attrs["overlap_rule_name"] == "whole"
        with pytest.raises(ValueError, match="unknown overlap rule"):
            again.set_overlap_rule("most")


def test_agreement_and_summaries_say_which_rule(project: Project) -> None:
    text = project.document_text(DOC)
    start = text.index(FIRST_ANSWER)
    project.apply_range(DOC, start, start + len(FIRST_ANSWER), "anxiety", "ana")
    project.apply_range(DOC, start, start + 10, "anxiety", "ben")
    segments, codings = project.segments(), project.codings()
    any_rule = code_agreement_table(segments, codings, ["ana", "ben"], ["anxiety"], n_boot=0,
                                    roles=["participant"])
    whole = code_agreement_table(segments, codings, ["ana", "ben"], ["anxiety"], n_boot=0,
                                 roles=["participant"], overlap_rule="whole")
    assert any_rule.attrs["overlap_rule"] == OverlapRule.parse("any").describe()
    assert whole.attrs["overlap_rule"] == OverlapRule.parse("whole").describe()
    # ben covers a third of the first sentence: agreement under "any", not under "whole"
    any_rule, whole = any_rule.set_index("code"), whole.set_index("code")
    assert any_rule.loc["anxiety", "percent_agreement"] > whole.loc["anxiety",
                                                                    "percent_agreement"]
    from workbench.analysis.summaries import frequencies
    table = frequencies(project.segment_codings(), ())
    assert table.attrs["overlap_rule"] == OverlapRule.parse("any").describe()
    assert table.set_index("code").loc["anxiety", "codings"] == 2  # codings, not rows
    assert table.set_index("code").loc["anxiety", "segments"] == 2
    with pytest.raises(WorkbenchError, match="pass project.segment_codings"):
        frequencies(codings, ())


# -- 5. unanchored codings come back --------------------------------------------------------------
def test_unanchored_codings_come_back_after_a_reverted_edit(project: Project) -> None:
    original = demo_transcript("D1", 3, "client")
    text = project.document_text(DOC)
    start = text.index("It felt pointless to explain.")
    uuid = project.apply_range(DOC, start, start + 29, "withdrawal", "ana", memo="keep me").uuid
    _reimport(project, _edited())
    assert list(project.unanchored_codings()["coding_uuid"]) == [uuid]
    assert project.codings().empty
    [report] = project.import_parsed([parse_ipr_text(original, source="d.txt")],
                                     progress=False)
    assert project.unanchored_codings().empty
    back = project.coding(uuid)
    assert (back.text, back.memo, back.start) == ("It felt pointless to explain.", "keep me",
                                                  start)
    assert report.unanchored == ()
    event = project.audit_log().iloc[-1]
    assert event["action"] == "reimport" and event["detail"]["placed_again"] == [uuid]


def test_unanchored_codings_are_placed_through_the_api(project: Project) -> None:
    text = project.document_text(DOC)
    start = text.index("It felt pointless to explain.")
    uuid = project.apply_range(DOC, start, start + 29, "withdrawal", "ana").uuid
    other = project.apply_range(DOC, start, start + 7, "anxiety", "ana").uuid  # "It felt"
    _reimport(project, _edited())
    assert set(project.unanchored_codings()["coding_uuid"]) == {uuid}
    assert project.reapply_unanchored() == []  # its text is still not there
    new_text = project.document_text(DOC)
    where = new_text.index("It felt hard to explain.")
    placed = project.place_unanchored(uuid, where, where + 24, coder="ana")
    assert (placed.uuid, placed.text, placed.code) == (uuid, "It felt hard to explain.",
                                                       "withdrawal")
    assert project.unanchored_codings().empty
    assert {uuid, other} == set(project.codings()["coding_uuid"])
    with pytest.raises(NotFoundError, match="no unanchored coding"):
        project.place_unanchored(uuid, where, where + 3, coder="ana")


def test_reapply_unanchored_places_what_fits_again(project: Project) -> None:
    text = project.document_text(DOC)
    start = text.index("It felt pointless to explain.")
    uuid = project.apply_range(DOC, start, start + 29, "withdrawal", "ana").uuid
    _reimport(project, _edited())
    # someone puts the sentence back without re-importing: the API places it
    with project.store.transaction() as conn:
        from sqlalchemy import update

        from workbench.storage.schema import documents
        conn.execute(update(documents).where(documents.c.name == DOC).values(
            text=project.document_text(DOC).replace("hard", "pointless")))
    assert project.reapply_unanchored(document=DOC) == [uuid]
    assert project.coding(uuid).text == "It felt pointless to explain."


# -- 3. two tabs of one coder ---------------------------------------------------------------------
def test_undo_in_a_second_tab_never_removes_the_first_tabs_coding(project: Project) -> None:
    first = CodingController(project, "ana", DOC)
    second = CodingController(project, "ana", DOC)  # the same coder in another tab
    for tab in (first, second):
        while tab.segment is not None and tab.segment.role != "participant":
            tab.next()
    first.apply("anxiety", memo="tab one's memo")
    second.apply("anxiety")  # the second tab did not show it; it is there already
    assert "already applied" in second.message
    assert not second.undo_stack  # nothing of its own to undo
    assert second.undo() is None and second.message == "nothing to undo"
    [row] = project.codings().itertuples()
    assert (row.code, row.memo) == ("anxiety", "tab one's memo")
    # the first tab's undo removes exactly what it created
    first.undo()
    assert project.codings().empty


def test_the_panel_reloads_a_document_re_imported_underneath(project: Project) -> None:
    tab = CodingController(project, "ana", DOC)
    while tab.segment is not None and tab.segment.text != "I remember feeling nervous.":
        tab.next()
    shown_sha = tab.doc.sha256
    other = open_project(project.location)
    try:
        _reimport(other, _edited())
    finally:
        other.close()
    assert tab.perform(tab.apply, "anxiety") is None
    assert tab.last_error is not None and tab.last_error.kind == "StaleError"
    assert project.codings().empty  # nothing stored on other text
    assert tab.doc.sha256 != shown_sha  # the panel reloaded the document
    assert tab.segment is not None and tab.segment.text == "I remember feeling nervous."
    tab.apply("anxiety")
    [row] = project.codings().itertuples()
    assert row.text == "I remember feeling nervous."


def test_undo_after_a_re_import_still_finds_its_coding(project: Project) -> None:
    tab = CodingController(project, "ana", DOC)
    while tab.segment is not None and tab.segment.text != "I remember feeling nervous.":
        tab.next()
    tab.apply("anxiety")
    _reimport(project, _edited())  # the coding is re-anchored, keeping its uuid
    tab.undo()
    assert project.codings().empty


# -- 8. export/import keep selections whole -------------------------------------------------------
def test_a_passage_exports_as_one_selection_and_comes_back_as_one_coding(project: Project,
                                                                       tmp_path) -> None:
    text = project.document_text(DOC)
    start = text.index("What was going on for you here?\nClient: I remember")
    end = text.index("think of me.") + len("think of me.")
    project.apply_range(DOC, start, end, "anxiety", "ana", memo="exchange")
    path = export_qdpx(project, tmp_path / "p.qdpx")
    import zipfile

    with zipfile.ZipFile(path) as archive:
        qde = archive.read("project.qde").decode("utf-8")
    assert qde.count("<PlainTextSelection ") == 1
    with create_project(tmp_path / "copy.sqlite") as copy:
        report = import_qdpx(copy, path)
        [row] = copy.codings().itertuples()
        assert (row.start, row.end, row.text, row.n_segments, row.memo) == (
            start, end, text[start:end], 3, "exchange")
        assert report.across_segments == 1


def test_disagreements_and_moments_state_the_rule(project: Project) -> None:
    from workbench.analysis.disagreements import disagreement_table
    from workbench.analysis.dual_perspective import align_moments

    text = project.document_text(DOC)
    start = text.index(FIRST_ANSWER)
    project.apply_range(DOC, start, start + len(FIRST_ANSWER), "anxiety", "ana")
    project.apply_range(DOC, start, start + 10, "anxiety", "ben")
    table = disagreement_table(project.segments(), project.codings(), ["ana", "ben"],
                               ["anxiety"], overlap_rule="half")
    assert table.attrs["overlap_rule"] == OverlapRule.parse("half").describe()
    assert list(table["text"]) == ["I remember feeling nervous.",
                                   "I did not know what she would think of me."]
    moments = align_moments(project.segments(), project.segment_codings(rule="whole"))
    assert moments.attrs["overlap_rule"] == OverlapRule.parse("whole").describe()


def test_positions_take_numpy_integers(project: Project) -> None:
    segments = project.segments()
    project.set_position("ana", DOC, segments.segment_index.iloc[3])
    assert project.position("ana", DOC) == 3
