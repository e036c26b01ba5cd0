"""The Python API: imports, filters, codings, memos, positions and the offset invariant."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from workbench import (
    ConflictError,
    DuplicateImportError,
    NotFoundError,
    UnknownCodeError,
    UnknownCoderError,
    create_project,
)
from workbench.parsing.ipr_text import parse_ipr_text, read_ipr_file
from workbench.storage.schema import memos
from workbench.testing import DEMO_CODEBOOK, demo_transcript, make_demo_project

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = sorted((ROOT / "transcripts" / "sample").glob("*.ipr.txt"))
SAMPLE_CODINGS = ROOT / "transcripts" / "sample_codings.csv"
CASE_COLUMNS = ["dyad", "session", "perspective", "participant", "interview_date",
                "outcome_group"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_demo(request, tmp_path_factory):
    """The demo project built once per backend for the read-only tests of this module."""
    if request.param == "sqlite":
        project = make_demo_project(tmp_path_factory.mktemp("demo") / "demo.sqlite")
        yield project
        project.close()
        return
    from conftest import fresh_pg_schema  # the shared fresh-schema helper

    with fresh_pg_schema() as url:
        project = make_demo_project(url)
        try:
            yield project
        finally:
            project.close()

def _parsed(dyad="D1", perspective="client", *, edit=None, name=None):
    text = demo_transcript(dyad, 3, perspective)
    if edit is not None:
        text = edit(text)
    parsed = parse_ipr_text(text, source=f"{dyad}_{perspective}.ipr.txt")
    return dataclasses.replace(parsed, name=name) if name else parsed


def _tiny(project, dyads=("D1",)):
    """Demo transcripts, codebook and coders without codings (cheaper than the demo)."""
    project.import_parsed([_parsed(d) for d in dyads], progress=False)
    project.load_codebook(DEMO_CODEBOOK)
    for coder in ("ana", "ben", "chloe"):
        project.add_coder(coder)
    return project


def assert_offsets_hold(project) -> tuple[int, int]:
    """``document_text[start:end] == text`` for every segment and every coding."""
    texts = {name: project.document_text(name) for name in project.documents()}
    segments = project.segments(with_attributes=False)
    for row in segments.itertuples():
        assert texts[row.document][row.start : row.end] == row.text, row
    codings = project.codings(with_attributes=False)
    for row in codings.itertuples():
        assert texts[row.document][row.start : row.end] == row.text, row
        assert row.text.strip(), row
    # the segments a coding touches are derived from its range
    for row in codings.itertuples():
        mine = segments[(segments.document == row.document) & (segments.start < row.end)
                        & (segments.end > row.start)]
        touched = [s.segment_index for s in mine.itertuples()
                   if texts[row.document][max(s.start, row.start):min(s.end, row.end)].strip()]
        assert row.n_segments == len(touched), row
        assert (row.first_segment, row.last_segment) == (min(touched), max(touched)), row
    return len(segments), len(codings)


# -- import -------------------------------------------------------------------------------


def test_import_report_statuses(empty_project):
    project = empty_project
    first = project.import_parsed([_parsed("D1"), _parsed("D2")], progress=False)
    assert [(r.document, r.status) for r in first] == [("D1_S3_client", "added"),
                                                       ("D2_S3_client", "added")]
    assert first[0].segments == len(project.segments(document="D1_S3_client")) == 16
    edited = _parsed("D2", edit=lambda t: t.replace("Stop the video", "Please stop the video"))
    second = project.import_parsed([_parsed("D1"), edited], progress=False)
    assert [(r.document, r.status) for r in second] == [("D1_S3_client", "unchanged"),
                                                        ("D2_S3_client", "updated")]
    assert second[0].segments == 0
    assert second[1].segments == 16
    assert project.document_text("D2_S3_client").startswith("Researcher: Please stop the video")
    assert project.documents() == ["D1_S3_client", "D2_S3_client"]


def test_reimporting_unchanged_changes_nothing(demo_project):
    project = demo_project
    segments = project.segments()
    codings = project.codings()
    audit = project.audit_log()
    # the demo project's exact transcripts (outcome groups good and poor)
    again = [parse_ipr_text(demo_transcript(d, 3, p, outcome=o), source=f"{d}.txt")
             for d, o in (("D1", "good"), ("D2", "poor")) for p in ("client", "therapist")]
    reports = project.import_parsed(again, progress=False)
    assert {r.status for r in reports} == {"unchanged"}
    pd.testing.assert_frame_equal(project.segments(), segments)
    pd.testing.assert_frame_equal(project.codings(), codings)
    assert len(project.audit_log()) == len(audit)


def test_changed_attributes_only_is_an_update(sqlite_demo):
    project = sqlite_demo
    parsed = parse_ipr_text(demo_transcript("D1", 3, "client", outcome="poor"), source="D1.txt")
    ids = list(project.segments(document="D1_S3_client")["segment_id"])
    codings = len(project.codings())
    [report] = project.import_parsed([parsed], progress=False)
    assert report.status == "updated"
    assert report.reanchored == len(project.codings(document="D1_S3_client"))
    assert report.unanchored == ()
    assert len(project.codings()) == codings
    cases = project.cases().set_index("document")
    assert cases.loc["D1_S3_client", "outcome_group"] == "poor"
    assert len(project.segments(document="D1_S3_client")) == len(ids)


def test_duplicate_content_under_another_name(empty_project):
    project = empty_project
    project.import_parsed([_parsed("D1")], progress=False)
    audit = len(project.audit_log())
    twin = _parsed("D1", name="D1_copy")
    with pytest.raises(DuplicateImportError, match=r"D1_client\.ipr\.txt: same content as the "
                       r"stored document 'D1_S3_client'; nothing was imported"):
        project.import_parsed([_parsed("D2"), twin], progress=False)
    assert project.documents() == ["D1_S3_client"]  # D2 was not stored either
    assert len(project.audit_log()) == audit


def test_duplicate_content_within_one_batch(empty_project):
    project = empty_project
    with pytest.raises(DuplicateImportError, match="same content as 'D1_S3_client'"):
        project.import_parsed([_parsed("D1"), _parsed("D1", name="D1_copy")], progress=False)
    assert project.documents() == []


def test_same_name_twice_in_one_batch(empty_project):
    project = empty_project
    other = _parsed("D2", name="D1_S3_client")
    with pytest.raises(ConflictError, match=r"document name\(s\) D1_S3_client occur more than "
                       "once in this import"):
        project.import_parsed([_parsed("D1"), other], progress=False)
    assert project.documents() == []


def test_document_text_of_unknown_document(shared_demo):
    with pytest.raises(NotFoundError, match=r"no document 'D1_S3_clinet' \(did you mean "
                       r"'D1_S3_client'\?\)"):
        shared_demo.document_text("D1_S3_clinet")


# -- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "count"),
    [
        ({}, 64),
        ({"document": "D1_S3_client"}, 16),
        ({"document": ["D1_S3_client", "D2_S3_therapist"]}, 32),
        ({"role": "participant"}, 40),
        ({"role": "interviewer"}, 24),
        ({"perspective": "client"}, 32),
        ({"perspective": ["client", "therapist"]}, 64),
        ({"speaker": "Client"}, 20),
        ({"speaker": "Researcher"}, 24),
        ({"document": "D1_S3_client", "role": "participant"}, 10),
        ({"perspective": "therapist", "speaker": "Client"}, 0),
        ({"uncoded_by": "chloe"}, 64 - 16),
        ({"uncoded_by": "ana"}, 64 - 22),
        ({"uncoded_by": "ana", "role": "participant", "perspective": "client"}, 20 - 12),
        ({"document": "nope"}, 0),
    ],
)
def test_segment_filters(shared_demo, filters, count):
    frame = shared_demo.segments(**filters)
    assert len(frame) == count
    if "role" in filters:
        assert set(frame["role"]) <= {filters["role"]}
    if "uncoded_by" in filters:
        coded = set(shared_demo.segment_codings(coder=filters["uncoded_by"])["segment_id"])
        assert not coded & set(frame["segment_id"])


def test_segments_frame_shape(shared_demo):
    frame = shared_demo.segments()
    assert list(frame.columns[:10]) == ["segment_id", "document", "turn_index", "segment_index",
                                        "speaker", "role", "start", "end", "text", "video_time"]
    for column in [*CASE_COLUMNS, "orientation", "synthetic", "note"]:
        assert column in frame.columns
    assert frame["orientation"].eq("integrative").all()
    first = frame.iloc[0]
    assert (first["document"], first["segment_index"]) == ("D1_S3_client", 0)
    assert pd.isna(first["video_time"])  # a turn before the first recall stop
    assert frame.iloc[2]["video_time"] == 70.0  # [00:01:10]
    bare = shared_demo.segments(with_attributes=False)
    assert list(bare.columns) == list(frame.columns[:10])


def test_uncoded_by_unknown_coder(shared_demo):
    with pytest.raises(UnknownCoderError, match=r"coder 'anna' is not registered \(did you "
                       r"mean 'ana'\?\); add them with project\.add_coder\('anna'\)"):
        shared_demo.segments(uncoded_by="anna")


def test_codings_columns(shared_demo):
    frame = shared_demo.codings()
    assert list(frame.columns[:8]) == ["coding_uuid", "document", "start", "end", "text",
                                       "first_segment", "last_segment", "n_segments"]
    for column in ["code", "code_name", "theme", "theme_name", "coder", "memo",
                   "codebook_version", "created_at", "updated_at", *CASE_COLUMNS, "orientation"]:
        assert column in frame.columns, column
    for gone in ["segment_id", "is_span", "segment_text"]:  # segments are derived, per rule
        assert gone not in frame.columns
    assert len(frame) == 66
    assert frame.groupby("coder").size().to_dict() == {"ana": 22, "ben": 28, "chloe": 16}
    anxiety = frame[frame["code"] == "anxiety"].iloc[0]
    assert (anxiety["theme"], anxiety["theme_name"], anxiety["code_name"]) == (
        "barriers", "Relational barriers", "Anxiety")
    d2 = frame[frame["dyad"] == "D2"]
    assert set(d2["outcome_group"]) == {"poor"}
    assert set(frame["session"]) == {3}
    assert (frame["n_segments"] == 1).all()  # the demo codes whole sentences
    assert (frame["first_segment"] == frame["last_segment"]).all()
    assert len(shared_demo.codings(coder="ben", perspective="client")) == 16
    assert len(shared_demo.codings(document="D1_S3_therapist", coder=["ana", "chloe"])) == 9


# -- coding -------------------------------------------------------------------------------


def _participant_segment(project, index=0) -> pd.Series:
    return project.segments(document="D1_S3_client", role="participant").iloc[index]


def test_apply_and_remove_with_memo(sqlite_demo):
    project = sqlite_demo
    seg = _participant_segment(project, 1)  # "I did not know what she would think of me."
    segment_id = int(seg["segment_id"])
    uuid = project.apply_code(segment_id, "anxiety", "chloe", memo="fear of judgement")
    row = project.codings().set_index("coding_uuid").loc[uuid]
    assert (row["memo"], row["coder"], row["code"], row["text"]) == (
        "fear of judgement", "chloe", "anxiety", seg["text"])
    assert (row["start"], row["end"]) == (seg["start"], seg["end"])
    assert (row["first_segment"], row["n_segments"]) == (seg["segment_index"], 1)
    # applying again keeps the coding and replaces the memo
    assert project.apply_code(segment_id, "anxiety", "chloe", memo="on reflection") == uuid
    assert project.codings().set_index("coding_uuid").loc[uuid, "memo"] == "on reflection"
    assert project.apply_code(segment_id, "anxiety", "chloe") == uuid  # no memo: unchanged
    assert project.codings().set_index("coding_uuid").loc[uuid, "memo"] == "on reflection"
    project.set_coding_memo(uuid, "third thoughts", coder="chloe")
    assert project.codings().set_index("coding_uuid").loc[uuid, "memo"] == "third thoughts"
    log = project.audit_log()
    mine = log[log["entity_key"] == uuid]
    assert list(mine["action"]) == ["apply_code", "edit_memo", "edit_memo"]
    assert mine.iloc[0]["detail"]["memo"] == "fear of judgement"

    assert project.remove_code(segment_id, "anxiety", "chloe") is True
    assert uuid not in set(project.codings()["coding_uuid"])
    assert project.remove_code(segment_id, "anxiety", "chloe") is False
    removed = project.audit_log().iloc[-1]
    assert (removed["action"], removed["entity_key"]) == ("remove_code", uuid)
    assert removed["detail"]["memo"] == "third thoughts"  # what was removed stays readable


def test_set_coding_memo_unknown_uuid(shared_demo):
    with pytest.raises(NotFoundError, match="no coding with uuid nope"):
        shared_demo.set_coding_memo("nope", "x", coder="ana")


def test_span_codings(empty_project):
    project = _tiny(empty_project)
    seg = _participant_segment(project, 0)  # "I remember feeling nervous."
    assert seg["text"] == "I remember feeling nervous."
    uuid = project.apply_code(int(seg["segment_id"]), "withdrawal", "chloe", span=(19, 26))
    row = project.codings().set_index("coding_uuid").loc[uuid]
    assert row["text"] == "nervous"
    assert (row["start"], row["end"]) == (seg["start"] + 19, seg["start"] + 26)
    assert (row["first_segment"], row["n_segments"]) == (seg["segment_index"], 1)
    assert project.document_text("D1_S3_client")[row["start"] : row["end"]] == "nervous"
    whole = project.apply_code(int(seg["segment_id"]), "repair", "chloe",
                               span=(0, len(seg["text"])))
    row = project.codings().set_index("coding_uuid").loc[whole]
    assert (row["start"], row["end"]) == (seg["start"], seg["end"])  # the segment's range
    assert_offsets_hold(project)


@pytest.mark.parametrize("span", [(0, 1000), (-1, 3), (5, 5), (6, 2), (27, 28)])
def test_span_outside_the_segment(shared_demo, span):
    seg = _participant_segment(shared_demo, 0)
    before = len(shared_demo.codings())
    with pytest.raises(ValueError, match=r"is not inside segment \d+ \(0\.\.27\)"):
        shared_demo.apply_code(int(seg["segment_id"]), "anxiety", "chloe", span=span)
    assert len(shared_demo.codings()) == before


def test_unknown_code_and_coder(shared_demo):
    segment_id = int(_participant_segment(shared_demo)["segment_id"])
    with pytest.raises(UnknownCodeError, match=r"code 'anxeity' is not in the codebook \(did "
                       r"you mean 'anxiety'\?\); check the spelling"):
        shared_demo.apply_code(segment_id, "anxeity", "ana")
    with pytest.raises(UnknownCodeError, match=r"code 'zzz' is not in the codebook; check"):
        shared_demo.apply_code(segment_id, "zzz", "ana")
    with pytest.raises(UnknownCoderError, match=r"coder 'benn' is not registered \(did you mean "
                       r"'ben'\?\)"):
        shared_demo.apply_code(segment_id, "anxiety", "benn")
    with pytest.raises(UnknownCoderError):
        shared_demo.remove_code(segment_id, "anxiety", "nobody")
    assert isinstance(UnknownCodeError("x"), LookupError)


def test_unknown_segment(shared_demo):
    with pytest.raises(NotFoundError, match="no segment with id 123456"):
        shared_demo.apply_code(123456, "anxiety", "ana")
    with pytest.raises(NotFoundError, match="no segment with id 123456"):
        shared_demo.segment(123456)


def test_segment_by_id(shared_demo):
    row = _participant_segment(shared_demo, 0)
    seg = shared_demo.segment(int(row["segment_id"]))
    assert (seg.document, seg.text, seg.speaker, seg.role, seg.start, seg.end, seg.video_time) == (
        "D1_S3_client", "I remember feeling nervous.", "Client", "participant", row["start"],
        row["end"], 70.0)


def test_coders(empty_project):
    project = empty_project
    project.add_coder(" ana ")
    project.add_coder("ana")  # idempotent
    project.add_coder("ben")
    assert project.coders() == ["ana", "ben"]
    assert (project.audit_log()["action"] == "add_coder").sum() == 2
    with pytest.raises(ValueError, match="a coder needs a name"):
        project.add_coder("  ")


def test_no_codebook_yet(empty_project):
    with pytest.raises(NotFoundError, match="this project has no codebook yet"):
        empty_project.codebook  # noqa: B018
    assert empty_project.codebook_version() is None


# -- memos and positions ---------------------------------------------------------------------


def _memos(project) -> list[tuple]:
    with project.store.reading() as conn:
        return [tuple(r) for r in conn.execute(
            select(memos.c.uuid, memos.c.target_kind, memos.c.target_key, memos.c.text)
            .order_by(memos.c.id))]


def test_memos(empty_project):
    project = _tiny(empty_project)
    first = project.write_memo("ana", "document", "D1_S3_client", "Client seems guarded.")
    assert project.write_memo("ana", "document", "D1_S3_client", "Guarded, then opens up.") == first
    other = project.write_memo("ben", "document", "D1_S3_client", "Agree.")
    code = project.write_memo("ana", "code", "anxiety", "Overlaps with withdrawal.")
    assert len({first, other, code}) == 3
    assert _memos(project) == [
        (first, "document", "D1_S3_client", "Guarded, then opens up."),
        (other, "document", "D1_S3_client", "Agree."),
        (code, "code", "anxiety", "Overlaps with withdrawal."),
    ]
    assert (project.audit_log()["action"] == "write_memo").sum() == 4
    with pytest.raises(ValueError, match="target_kind must be project, document, segment or code"):
        project.write_memo("ana", "turn", "1", "x")
    with pytest.raises(UnknownCoderError):
        project.write_memo("zed", "project", "-", "x")


def test_positions(empty_project):
    project = _tiny(empty_project, ("D1", "D2"))
    assert project.position("ana", "D1_S3_client") is None
    project.set_position("ana", "D1_S3_client", 5)
    project.set_position("ben", "D1_S3_client", 2)
    project.set_position("ana", "D2_S3_client", 9)
    assert project.position("ana", "D1_S3_client") == 5
    project.set_position("ana", "D1_S3_client", 7)
    assert project.position("ana", "D1_S3_client") == 7
    assert project.position("ben", "D1_S3_client") == 2
    assert project.position("ana", "D2_S3_client") == 9
    assert project.position("chloe", "D1_S3_client") is None
    with pytest.raises(NotFoundError, match="no document 'nope'"):
        project.set_position("ana", "nope", 1)
    with pytest.raises(NotFoundError, match="no document 'nope'"):
        project.position("ana", "nope")
    with pytest.raises(UnknownCoderError):
        project.position("zed", "D1_S3_client")


# -- the offset invariant -------------------------------------------------------------------


def test_offsets_hold_for_every_segment_and_coding_of_the_demo(shared_demo):
    segments, codings = assert_offsets_hold(shared_demo)
    assert (segments, codings) == (64, 66)


def test_offsets_hold_with_non_ascii_and_emoji(empty_project):
    project = empty_project
    text = demo_transcript("D1", 3, "client").replace(
        "I remember feeling nervous.", "Ich war nervös 😬 – wirklich. שלום, e\u0301té 👩\u200d👩\u200d👧!"
    )
    project.import_parsed([parse_ipr_text(text, source="x.txt")], progress=False)
    project.load_codebook(DEMO_CODEBOOK)
    project.add_coder("ana")
    frame = project.segments(document="D1_S3_client", role="participant")
    assert list(frame["text"][:3]) == ["Ich war nervös 😬 – wirklich.",
                                      "שלום, e\u0301té 👩\u200d👩\u200d👧!",
                                      "I did not know what she would think of me."]
    emoji_seg = frame.iloc[1]
    project.apply_code(int(emoji_seg["segment_id"]), "anxiety", "ana")
    project.apply_code(int(frame.iloc[0]["segment_id"]), "withdrawal", "ana", span=(8, 16))
    assert assert_offsets_hold(project)[1] == 2
    spans = project.codings().set_index("code")
    assert spans.loc["withdrawal", "text"] == "nervös 😬"


@pytest.mark.skipif(not SAMPLE, reason="no sample transcripts under transcripts/sample/")
def test_offsets_hold_for_the_sample_study(tmp_path):
    with create_project(tmp_path / "sample.sqlite") as project:
        reports = project.import_parsed([read_ipr_file(p) for p in SAMPLE], progress=False)
        assert {r.status for r in reports} == {"added"}
        project.load_codebook(ROOT / "codebooks" / "ipr_relational.yaml")
        applied = 0
        if SAMPLE_CODINGS.exists():
            applied = _apply_sample_codings(project)
        segments, codings = assert_offsets_hold(project)
        assert segments > 1000
        assert codings == applied


def _apply_sample_codings(project) -> int:
    """Apply the shipped sample codings: whole segments, or a span when a quote is part of one."""
    with SAMPLE_CODINGS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    for coder in sorted({r["coder"] for r in rows}):
        project.add_coder(coder)
    segments = project.segments(with_attributes=False)
    by_doc = {doc: list(frame.itertuples()) for doc, frame in segments.groupby("document")}
    items = []
    for row in rows:
        for seg in by_doc[row["document"]]:
            at = seg.text.find(row["quote"])
            if at >= 0:
                span = None if row["quote"] == seg.text else (at, at + len(row["quote"]))
                items.append((int(seg.segment_id), row["code"], row["coder"], row["memo"], span))
                break
        else:
            pytest.fail(f"sample quote not found in {row['document']}: {row['quote']!r}")
    project.apply_codes(items)  # one transaction
    return len({(i[0], i[1], i[2]) for i in items})  # a repeated coding is stored once

