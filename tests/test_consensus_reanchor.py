"""Consensus decisions follow a re-imported transcript (issue 13, gap C).

A re-import that changes a document's text re-anchors its codings (same uuids) and, in the
same transaction, the ranges of its consensus decisions; a decided range whose words are
gone is marked stale with the reason instead of keeping offsets that point at other words.
"""

from __future__ import annotations

import warnings

import pandas as pd

from workbench.model import ImportReport
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.project import Project
from workbench.testing import demo_transcript
from workbench.views.adjudication import AdjudicationController

C1 = "D1_S3_client"
QUIET = "I just went quiet"  # inside the withdrawal item at 245..269 of the demo
LEAD = "R: Welcome back. Thanks for coming in again.\n"


def _reimport(project: Project, text: str) -> tuple[ImportReport, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        [report] = project.import_parsed([parse_ipr_text(text, source="D1.txt")],
                                         progress=False)
    return report, [str(w.message) for w in caught]


def _item(project: Project, code: str, start: int) -> str:
    items = project.consensus_items(documents=C1)
    found = items[(items["code"] == code) & (items["start"] == start)]
    assert len(found) == 1
    return str(found["item_id"].iat[0])


def _codings(project: Project) -> pd.DataFrame:
    frame = project.codings(with_attributes=False)
    return frame.set_index("coding_uuid")[["document", "code", "coder", "start", "end", "text"]]


def test_inserted_text_before_a_decision_keeps_it_on_the_same_words(demo_project: Project):
    project = demo_project  # SQLite and PostgreSQL
    text = project.document_text(C1)
    lo = text.index(QUIET)
    quiet = _item(project, "withdrawal", lo)
    first = project.decide(quiet, "adjust", start=lo, end=lo + len(QUIET), decided_by="tom")
    revised = project.revise_decision(first.decision_id, "adjust", start=lo,
                                      end=lo + len("I just went quiet there"),
                                      decided_by="tom")
    anxiety = project.decide(_item(project, "anxiety", lo), "reject", decided_by="tom")
    pointless = text.index("It felt pointless")
    applied = project.decide(_item(project, "withdrawal", pointless), "apply",
                             start=pointless, end=pointless + len("It felt pointless to "
                                                                  "explain."),
                             decided_by="tom")
    codings_before = _codings(project)
    items_before = project.consensus_items()
    history_before = project.decision_history()

    edited = demo_transcript("D1", 3, "client", outcome="good").replace(
        "R: Stop the video", LEAD + "R: Stop the video", 1)
    report, _ = _reimport(project, edited)
    assert report.status == "updated" and report.stale_decisions == ()
    assert report.decisions_reanchored == 3  # two current ranges and the superseded one
    new_text = project.document_text(C1)
    shift = new_text.index(QUIET) - lo
    assert shift > 0

    # the codings moved in place: same uuids, so the items keep their ids and decisions
    codings_after = _codings(project)
    assert list(codings_after.index) == list(codings_before.index)
    moved = codings_before["document"] == C1
    assert (codings_after.loc[moved, "start"] == codings_before.loc[moved, "start"] + shift).all()
    items_after = project.consensus_items()
    assert list(items_after["item_id"]) == list(items_before["item_id"])
    assert list(items_after["status"]) == list(items_before["status"])
    assert items_after.attrs["n_stale_decisions"] == 0

    history = project.decision_history().set_index("decision_id")
    assert len(history) == len(history_before)
    for decision, words in ((first, QUIET), (revised, "I just went quiet there"),
                            (applied, "It felt pointless to explain.")):
        row = history.loc[decision.decision_id]
        assert new_text[int(row["start"]):int(row["end"])] == words
        assert row["stale_reason"] == ""
    assert pd.isna(history.loc[anxiety.decision_id, "start"])  # a reject has no range
    # the codings a decision rests on carry their new offsets
    for rests in history["rests_on"]:
        for coding in rests["codings"]:
            now = codings_after.loc[coding["uuid"]]
            assert (coding["start"], coding["end"]) == (now["start"], now["end"])
    layer = project.codings(source="consensus")
    got = set(zip(layer["document"], layer["code"], layer["start"], layer["end"], layer["text"],
                  strict=True))
    assert (C1, "withdrawal", lo + shift, lo + shift + len("I just went quiet there"),
            "I just went quiet there") in got
    assert layer.attrs["n_stale_decisions"] == 0
    audit = project.audit_log()
    [detail] = audit.loc[audit["action"] == "reimport", "detail"].tolist()
    assert detail["decisions_reanchored"] == 3 and detail["decisions_stale"] == []


def test_deleting_the_decided_words_marks_the_decision_stale_with_a_reason(
        demo_project: Project):
    project = demo_project  # SQLite and PostgreSQL
    text = project.document_text(C1)
    lo = text.index(QUIET)
    wide = "I just went quiet there. It felt pointless"
    quiet = _item(project, "withdrawal", lo)
    adjusted = project.decide(quiet, "adjust", start=lo, end=lo + len(wide), decided_by="tom")
    rejected = project.decide(_item(project, "anxiety", lo), "reject", decided_by="tom")
    d2 = project.consensus_items(documents="D2_S3_client")
    other = d2[d2["status"] == "open"].iloc[0]
    elsewhere = project.decide(str(other["item_id"]), "reject" if other["n"] * 2 < other["k"]
                               else "apply", start=None if other["n"] * 2 < other["k"]
                               else int(other["start"]),
                               end=None if other["n"] * 2 < other["k"] else int(other["end"]),
                               decided_by="tom")
    layer_before = project.codings(source="consensus")
    n_codings = len(project.codings(with_attributes=False))

    edited = demo_transcript("D1", 3, "client", outcome="good").replace(
        " It felt pointless to explain.", "", 1)
    report, caught = _reimport(project, edited)
    [(stale_id, reason)] = report.stale_decisions
    assert stale_id == adjusted.decision_id
    assert "could not be placed" in reason and "It felt pointless" in reason
    assert any(f"decision #{stale_id} is stale" in m for m in caught)

    history = project.decision_history().set_index("decision_id")
    assert len(history) == 3  # nothing deleted
    row = history.loc[adjusted.decision_id]
    assert pd.isna(row["start"]) and pd.isna(row["end"])  # no wrong offsets kept
    assert row["stale_reason"] == reason
    assert row["rests_on"]["stale"]["text"] == wide
    assert (row["rests_on"]["stale"]["start"], row["rests_on"]["stale"]["end"]) == (
        lo, lo + len(wide))
    assert pd.isna(row["superseded_by"])

    # the item keeps its id (its codings stayed) but is open again; the stale one is counted
    items = project.consensus_items(documents=C1)
    assert items.loc[items["item_id"] == quiet, "status"].tolist() == ["open"]
    assert items.attrs["n_stale_decisions"] >= 1
    layer = project.codings(source="consensus")
    assert layer.attrs["n_stale_decisions"] >= 1
    assert "stale decision" in layer.attrs["source_caption"]
    assert not (layer["item_id"] == quiet).any()
    # other decisions are untouched: the reject here, the decision on D2
    assert history.loc[rejected.decision_id, "stale_reason"] == ""
    assert history.loc[elsewhere.decision_id, "stale_reason"] == ""
    kept = layer_before[layer_before["document"] != C1]
    after = layer[layer["document"] != C1]
    assert sorted(zip(kept["item_id"], kept["start"], kept["end"], strict=True)) == sorted(
        zip(after["item_id"], after["start"], after["end"], strict=True))
    # codings are kept or listed as unanchored, never dropped
    assert len(project.codings(with_attributes=False)) + len(project.unanchored_codings()) \
        == n_codings

    # the adjudication view queues it again and does not count it settled
    controller = AdjudicationController(project, decided_by="tom", documents=C1)
    assert quiet in controller.item_ids
    assert controller.settled == items.attrs["n_settled"]
    while controller.view().item_id != quiet:
        controller.next()
    controller.press("a")  # the majority range: ana's and ben's
    assert controller.view().error == ""
    # the team decided the item anew: the new revision supersedes the stale one
    again = project.decision_history().iloc[-1]
    assert again["item_id"] == quiet and again["revision"] == 2
    assert (again["start"], again["end"]) == (lo, lo + len("I just went quiet there."))
    history = project.decision_history().set_index("decision_id")
    assert history.loc[adjusted.decision_id, "superseded_by"] == again["decision_id"]
    items = project.consensus_items(documents=C1)
    assert items.loc[items["item_id"] == quiet, "status"].tolist() == ["settled"]


def test_a_re_import_between_reading_an_item_and_storing_its_decision_is_refused(
        demo_project: Project, backend_url: str, monkeypatch) -> None:
    """The item is read, then another session re-imports the transcript with text
    inserted before it (its codings move), then the decision is stored: it is refused with
    a StaleError and nothing is stored, instead of keeping offsets checked against the
    old text. Deciding again on the listed-again item lands on the same words."""
    import pytest

    import workbench.consensus as consensus
    from workbench.errors import StaleError
    from workbench.project import open_project

    project = demo_project  # SQLite and PostgreSQL
    text = project.document_text(C1)
    lo = text.index(QUIET)
    quiet = _item(project, "withdrawal", lo)
    edited = demo_transcript("D1", 3, "client", outcome="good").replace(
        "R: Stop the video", LEAD + "R: Stop the video", 1)
    resolve = consensus._resolve

    def resolve_then_reimport(*args, **kwargs):
        out = resolve(*args, **kwargs)
        with open_project(backend_url) as other:
            _reimport(other, edited)
        return out

    monkeypatch.setattr(consensus, "_resolve", resolve_then_reimport)
    with pytest.raises(StaleError, match="changed since it was read"):
        project.decide(quiet, "adjust", start=lo, end=lo + len(QUIET), decided_by="tom")
    monkeypatch.undo()
    assert project.decision_history().empty
    new_text = project.document_text(C1)
    assert new_text != text
    at = new_text.index(QUIET)
    again = project.decide(_item(project, "withdrawal", at), "adjust", start=at,
                           end=at + len(QUIET), decided_by="tom")
    assert new_text[again.start:again.end] == QUIET


def test_the_adjudication_view_reads_a_re_imported_transcript_again(
        demo_project: Project, backend_url: str) -> None:
    """The view shows an item, another session re-imports the transcript with text
    inserted before it, then a decision key is pressed: nothing is stored, the error says
    the transcript was re-imported, the item is shown again at its new offsets, and the
    same key then decides it on the same words."""
    from workbench.project import open_project

    project = demo_project  # SQLite and PostgreSQL
    text = project.document_text(C1)
    lo = text.index(QUIET)
    quiet = _item(project, "withdrawal", lo)
    controller = AdjudicationController(project, decided_by="tom", documents=C1)
    while controller.view().item_id != quiet:
        controller.next()
    before = [(r.coder, r.start, r.end, r.text) for r in controller.view().ranges
              if r.start is not None]
    edited = demo_transcript("D1", 3, "client", outcome="good").replace(
        "R: Stop the video", LEAD + "R: Stop the video", 1)
    with open_project(backend_url) as other:
        _reimport(other, edited)
    shift = project.document_text(C1).index(QUIET) - lo
    assert shift > 0
    controller.press("a")
    shown = controller.view()
    assert "re-imported" in shown.error and "nothing was stored" in shown.error
    assert project.decision_history().empty
    assert shown.item_id == quiet
    after = [(r.coder, r.start, r.end, r.text) for r in shown.ranges if r.start is not None]
    assert after == [(c, s + shift, e + shift, t) for c, s, e, t in before]
    controller.press("a")
    assert controller.view().error == ""
    decided = project.decision_history().iloc[-1]
    assert decided["item_id"] == quiet
    span = (int(decided["start"]), int(decided["end"]))
    assert span in {(s, e) for _c, s, e, _t in after}  # one of the ranges as shown now
    words = {(s, e): t for _c, s, e, t in after}[span]
    assert project.document_text(C1)[span[0]:span[1]] == words
    assert words in {t for _c, _s, _e, t in before}  # the same words as before
