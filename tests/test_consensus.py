"""Consensus decisions with provenance and the consensus layer (issue 13, points 1, 2, 4)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from workbench.analysis import summaries as sm
from workbench.analysis.consensus import against_majority, consensus_items, majority
from workbench.errors import ConsensusError, ReasonRequiredError, UnknownCoderError
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.project import Project, create_project
from workbench.testing import DEMO_CODEBOOK, demo_transcript

A, B = "D1_S3_client", "D2_S3_client"
CODERS = ("maria", "tom", "leila")
# ranges of the client text (see workbench.testing): sentences of the answers
NERVOUS, QUIET, JUDGED, WRONG, WANTED = (110, 137), (245, 269), (491, 524), (608, 638), \
    (393, 426)


def _build(location: str) -> Project:
    project = create_project(location)
    project.import_parsed([parse_ipr_text(demo_transcript(d, 3, "client"), source=f"{d}.txt")
                           for d in ("D1", "D2")], progress=False)
    project.load_codebook(DEMO_CODEBOOK)
    for coder in CODERS:
        project.add_coder(coder)
    apply = project.apply_range
    for coder in CODERS:  # everyone: anxiety on "nervous" (unanimous)
        apply(A, *NERVOUS, "anxiety", coder)
    apply(A, *QUIET, "withdrawal", "maria")  # 2 of 3
    apply(A, *QUIET, "withdrawal", "tom")
    apply(A, *JUDGED, "rupture", "maria")  # 1 of 3
    apply(A, *WRONG, "repair", "maria")  # 3 of 3, extents differ
    apply(A, 608, 659, "repair", "tom")
    apply(A, *WRONG, "repair", "leila")
    apply(A, *WANTED, "empathy", "maria")  # 2 of 3
    apply(A, *WANTED, "empathy", "tom")
    # B: leila did not cover it; her coding there does not vote
    apply(B, *NERVOUS, "anxiety", "maria")
    apply(B, *NERVOUS, "anxiety", "tom")
    apply(B, *QUIET, "withdrawal", "leila")
    apply(B, *JUDGED, "rupture", "maria")  # 1 of 2: a tie
    for coder, doc in (("maria", A), ("maria", B), ("tom", A), ("tom", B), ("leila", A)):
        project.set_coverage(coder, doc, "done", force=True, note="test")
    project.set_coverage("leila", B, "in_progress")
    return project


@pytest.fixture
def team(backend_url: str) -> Iterator[Project]:
    project = _build(backend_url)
    yield project
    project.close()


def _item(items: pd.DataFrame, document: str, code: str) -> pd.Series:
    found = items[(items["document"] == document) & (items["code"] == code)]
    assert len(found) == 1, found
    return found.iloc[0]


def _layer(project: Project) -> set[tuple[str, str, int, int]]:
    frame = project.codings(source="consensus")
    return set(zip(frame["document"], frame["code"], frame["start"], frame["end"], strict=True))


# -- items and votes -----------------------------------------------------------------------
def test_items_have_votes_n_of_k_and_a_coder_votes_only_where_she_covered(team: Project):
    items = team.consensus_items()
    got = {(r.document, r.code): (r.status, r.votes) for r in items.itertuples()}
    assert got == {
        (A, "anxiety"): ("unanimous", "3 of 3"), (A, "withdrawal"): ("open", "2 of 3"),
        (A, "rupture"): ("open", "1 of 3"), (A, "repair"): ("open", "3 of 3"),
        (A, "empathy"): ("open", "2 of 3"),
        (B, "anxiety"): ("unanimous", "2 of 2"), (B, "rupture"): ("open", "1 of 2"),
    }
    assert items.attrs["n_codings_not_counted"] == 1  # leila's withdrawal on B
    assert _item(items, B, "rupture")["counted_coders"] == ("maria", "tom")
    assert _item(items, A, "withdrawal")["not_applied_by"] == ("leila",)
    assert items.attrs["n_open"] == 5 and items.attrs["n_unanimous"] == 2
    # counting in-progress documents brings leila in on B
    wider = team.consensus_items(in_progress="include")
    assert _item(wider, B, "withdrawal")["votes"] == "1 of 3"
    assert _item(wider, B, "anxiety")["status"] == "open"


def test_item_ids_are_stable_and_change_with_the_codings(team: Project):
    first = team.consensus_items()
    assert list(first["item_id"]) == list(team.consensus_items()["item_id"])
    before = _item(first, A, "rupture")["item_id"]
    team.apply_range(A, 491, 543, "rupture", "tom")
    after = _item(team.consensus_items(), A, "rupture")
    assert after["item_id"] != before and after["votes"] == "2 of 3"


def test_clusters_join_overlaps_transitively_and_not_touching_ranges():
    codings = pd.DataFrame({
        "coding_uuid": ["u1", "u2", "u3", "u4"], "document": "d", "code": "x",
        "coder": ["a", "b", "a", "b"], "start": [0, 8, 15, 30], "end": [10, 20, 30, 40]})
    items = consensus_items(codings, {"d": ["a", "b"]})
    # 0-10 overlaps 8-20 overlaps 15-30; 30-40 only touches 15-30 (end exclusive)
    assert [(r.start, r.end, r.coding_uuids) for r in items.itertuples()] == [
        (0, 30, ("u1", "u2", "u3")), (30, 40, ("u4",))]
    assert list(items["status"]) == ["open", "open"]
    same = consensus_items(codings.assign(start=0, end=10, coding_uuid=["a1", "b1", "a2", "b2"],
                                          code=["x", "x", "y", "y"]), {"d": ["a", "b"]})
    assert list(same["status"]) == ["unanimous", "unanimous"]


def test_majority_rule():
    assert [majority(n, 3) for n in (0, 1, 2, 3)] == ["not applied", "not applied", "applied",
                                                     "applied"]
    assert majority(1, 2) == "tie"
    assert against_majority("reject", 2, 3) and not against_majority("reject", 1, 3)
    assert against_majority("apply", 1, 3) and not against_majority("apply", 2, 3)
    assert against_majority("recode", 2, 3) and not against_majority("adjust", 2, 3)
    assert not against_majority("apply", 1, 2) and not against_majority("reject", 1, 2)
    with pytest.raises(ConsensusError, match="one of"):
        against_majority("maybe", 1, 2)


# -- the layer and the decisions ---------------------------------------------------------
def test_unanimous_clusters_enter_and_open_items_stay_out_until_decided(team: Project):
    layer = team.codings(source="consensus")
    assert _layer(team) == {(A, "anxiety", *NERVOUS), (B, "anxiety", *NERVOUS)}
    assert set(layer["coder"]) == {"consensus"}
    assert set(layer["provenance"]) == {"unanimous"}
    assert list(layer["votes"]) == ["3 of 3", "2 of 2"]
    assert layer.attrs["source"] == "consensus" and layer.attrs["n_open"] == 5
    assert layer["text"].tolist() == ["I remember feeling nervous."] * 2
    assert layer["first_segment"].notna().all()
    item = _item(team.consensus_items(), A, "withdrawal")
    team.decide(item["item_id"], "apply", decided_by="maria")
    assert (A, "withdrawal", *QUIET) in _layer(team)
    assert team.codings(source="consensus").attrs["n_open"] == 4


def test_each_kind_changes_the_layer_as_specified(team: Project):
    items = team.consensus_items()
    withdrawal = team.decide(_item(items, A, "withdrawal")["item_id"], "apply")
    assert (withdrawal.votes, withdrawal.k, withdrawal.start, withdrawal.end) == (2, 3, *QUIET)
    team.decide(_item(items, A, "rupture")["item_id"], "reject")
    team.decide(_item(items, A, "repair")["item_id"], "adjust", start=608, end=650)
    with pytest.raises(ReasonRequiredError, match="2 of 3"):
        team.decide(_item(items, A, "empathy")["item_id"], "recode", new_code="repair")
    recoded = team.decide(_item(items, A, "empathy")["item_id"], "recode", new_code="repair",
                          reason="feeling understood after the repair")
    assert recoded.new_code == "repair" and recoded.against_majority
    assert _layer(team) == {(A, "anxiety", *NERVOUS), (B, "anxiety", *NERVOUS),
                            (A, "withdrawal", *QUIET), (A, "repair", 608, 650),
                            (A, "repair", *WANTED)}
    layer = team.codings(source="consensus")
    row = layer[(layer["code"] == "repair") & (layer["start"] == WANTED[0])].iloc[0]
    assert row["theme"] == "facilitators" and row["memo"] == "feeling understood after the repair"
    assert row["provenance"].startswith("decision recode")
    assert layer.attrs["n_decisions"] == 4 and layer.attrs["n_rejected"] == 1
    assert layer.attrs["n_open"] == 1  # B rupture


def test_apply_needs_a_range_a_coder_chose_and_adjust_a_new_one(team: Project):
    repair = _item(team.consensus_items(), A, "repair")["item_id"]
    with pytest.raises(ConsensusError, match="different ranges"):
        team.decide(repair, "apply")
    with pytest.raises(ConsensusError, match="adjust"):
        team.decide(repair, "apply", start=608, end=650)
    with pytest.raises(ConsensusError, match="needs the new range"):
        team.decide(repair, "adjust")
    with pytest.raises(ConsensusError, match="does not overlap"):
        team.decide(repair, "adjust", start=110, end=137)
    with pytest.raises(ConsensusError, match="no range"):
        team.decide(repair, "reject", start=608, end=638)
    decision = team.decide(repair, "apply", start=608, end=659)
    assert (decision.start, decision.end) == (608, 659)
    with pytest.raises(ConsensusError, match="already decided"):
        team.decide(repair, "reject")
    with pytest.raises(ConsensusError, match="not an item id"):
        team.decide("nonsense", "reject")


def test_a_reason_is_required_against_the_majority_only(team: Project):
    items = team.consensus_items()
    with pytest.raises(ReasonRequiredError, match="against the majority"):
        team.decide(_item(items, A, "withdrawal")["item_id"], "reject")  # 2 of 3 applied
    with pytest.raises(ReasonRequiredError):
        team.decide(_item(items, A, "rupture")["item_id"], "apply", reason="   ")  # 1 of 3
    assert team.decision_history().empty  # nothing stored by a refused decision
    tie = team.decide(_item(items, B, "rupture")["item_id"], "apply")  # 1 of 2: no majority
    assert (tie.votes, tie.k, tie.reason) == (1, 2, "")
    assert tie.decided_at.tzinfo is not None and not tie.against_majority
    against = team.decide(_item(items, A, "rupture")["item_id"], "apply",
                          reason="the client says so in the next turn")
    assert against.reason == "the client says so in the next turn"
    assert {c for _, c in against.rests_on} == {"maria"}
    assert against.counted_coders == ("leila", "maria", "tom")  # registered order


def test_revising_keeps_the_history_and_audits_every_step(team: Project):
    item = _item(team.consensus_items(), A, "withdrawal")["item_id"]
    first = team.decide(item, "apply", decided_by="maria")
    second = team.revise_decision(first.decision_id, "reject", reason="leila was right",
                                  decided_by="tom")
    assert second.revision == 2 and second.decided_by == "tom"
    assert (A, "withdrawal", *QUIET) not in _layer(team)
    history = team.decision_history(item)
    assert list(history["decision_id"]) == [first.decision_id, second.decision_id]
    assert list(history["kind"]) == ["apply", "reject"]
    assert history["superseded_by"].iloc[0] == second.decision_id
    assert pd.notna(history["superseded_at"].iloc[0]) and pd.isna(history["superseded_by"].iloc[1])
    audit = team.audit_log()
    steps = audit[audit["entity"] == "consensus"]
    assert list(steps["action"]) == ["decide", "revise_decision"]
    assert list(steps["actor"]) == ["maria", "tom"]
    assert steps["detail"].iloc[1]["supersedes"] == first.decision_id
    with pytest.raises(ConsensusError, match="already revised"):
        team.revise_decision(first.decision_id, "apply")
    third = team.revise_decision(second.decision_id, "apply")
    assert third.revision == 3 and (A, "withdrawal", *QUIET) in _layer(team)
    assert team.consensus_items()["status"].value_counts()["settled"] == 1


def test_a_decision_on_codings_that_changed_is_stale_and_not_used(team: Project):
    item = _item(team.consensus_items(), A, "withdrawal")["item_id"]
    team.decide(item, "apply")
    team.apply_range(A, *QUIET, "withdrawal", "leila")  # now all three agree
    layer = team.codings(source="consensus")
    assert layer.attrs["n_stale_decisions"] == 1
    assert "1 stale decision not used" in layer.attrs["source_caption"]
    row = layer[layer["code"] == "withdrawal"].iloc[0]
    assert row["provenance"] == "unanimous" and row["votes"] == "3 of 3"
    assert team.consensus_items().attrs["n_stale_decisions"] == 1
    assert team.consensus_items(documents=B).attrs["n_stale_decisions"] == 0


# -- sources and captions ----------------------------------------------------------------
def test_codings_source_returns_each_layer_and_says_which(team: Project):
    default = team.codings()
    pooled = team.codings(source="pooled")
    assert list(default["coding_uuid"]) == list(pooled["coding_uuid"]) and len(default) == 15
    assert pooled.attrs["source"] == "pooled"
    assert pooled.attrs["source_caption"] == "pooled raw codings of 3 coders, no consensus yet"
    maria = team.codings(source="maria")
    assert set(maria["coder"]) == {"maria"} and len(maria) == 7
    assert maria.attrs["source"] == "coder"
    assert maria.attrs["source_caption"] == "raw codings of maria"
    consensus = team.codings(source="consensus")
    assert consensus.attrs["source_caption"] == (
        "consensus of leila, maria and tom: 0 decisions, 2 unanimous, 5 open items left out")
    assert len(team.codings(source="consensus", document=B)) == 1
    assert len(team.codings(source="consensus", perspective="therapist")) == 0
    with pytest.raises(UnknownCoderError):
        team.codings(source="nobody")
    item = _item(team.consensus_items(), A, "rupture")["item_id"]
    team.decide(item, "reject")
    assert team.codings().attrs["source_caption"] == (
        "pooled raw codings of 3 coders, consensus not used")


def test_summaries_state_what_they_analyse(team: Project):
    before = team.segment_codings()  # no decision yet: pooled
    freq = sm.frequencies(before, (), codebook=team.codebook)
    assert freq.attrs["source"] == "pooled"
    assert freq.attrs["caption"] == ("Computed on the pooled raw codings of 3 coders, "
                                     "no consensus yet.")
    anxiety = freq.set_index("code").loc["anxiety"]
    assert anxiety["codings"] == 5
    team.decide(_item(team.consensus_items(), A, "withdrawal")["item_id"], "apply")
    after = team.segment_codings()  # a decision exists: the consensus by default
    assert after.attrs["source"] == "consensus"
    freq = sm.frequencies(after, (), codebook=team.codebook)
    counts = freq.set_index("code")["codings"]
    assert (counts["anxiety"], counts["withdrawal"], counts["rupture"]) == (2, 1, 0)
    caption = "consensus of leila, maria and tom: 1 decision, 2 unanimous, 4 open items left out"
    for table in (freq, sm.cooccurrence(after), sm.exemplars(after),
                  sm.code_case_matrix(after)):
        assert table.attrs["source_caption"] == caption
        assert table.attrs["caption"] == f"Computed on the {caption}."
    assert set(sm.exemplars(after)["coders"]) == {1}
    raw = team.segment_codings(source="pooled")
    assert sm.frequencies(raw, ()).attrs["source"] == "pooled"
    assert sm.frequencies(team.segment_codings(source="tom"), ()).attrs["source_caption"] == \
        "raw codings of tom"


def test_dual_perspective_and_theme_explorer_state_the_source(team: Project):
    from workbench.analysis.dual_perspective import align_moments, perspective_concordance
    from workbench.views.theme_explorer import ThemeExplorer

    team.decide(_item(team.consensus_items(), A, "withdrawal")["item_id"], "apply")
    codings = team.segment_codings()
    moments = align_moments(team.segments(), codings, codebook=team.codebook)
    caption = codings.attrs["source_caption"]
    assert caption.startswith("consensus of leila, maria and tom: 1 decision")
    assert moments.attrs["source"] == "consensus" and moments.attrs["source_caption"] == caption
    assert perspective_concordance(moments).attrs["caption"] == f"Computed on the {caption}."
    explorer = ThemeExplorer.from_project(team, source="pooled")
    assert explorer.describe().endswith("; pooled raw codings of 3 coders, consensus not used")
    assert ThemeExplorer.from_project(team).describe().endswith(caption)


def test_the_report_states_what_it_analyses(team: Project):
    from workbench.report import build_report, report_html

    pooled = build_report(team, agreement=False)
    assert pooled.title.endswith("pooled raw codings of 3 coders, no consensus yet")
    team.decide(_item(team.consensus_items(), A, "withdrawal")["item_id"], "apply")
    report = build_report(team)
    caption = team.codings(source="consensus").attrs["source_caption"]
    assert report.title == f"Theme summary: {team.codebook.name} - {caption}"
    assert report.overview["analysed"] == caption
    assert report.overview["codings"] == 3  # anxiety on A and B, the decided withdrawal
    for name in ("codes_overall", "cooccurrence_segment", "exemplars", "moments_all"):
        assert report.captions[name].endswith(f"Computed on the {caption}."), name
    assert all(caption in title for title in report.figures)
    assert set(report.tables["codes_by_coder"]["coder"]) == {"consensus"}
    # agreement still compares the coders' raw codings
    assert "Coders leila, maria, tom" in report.agreement_note
    assert caption in report_html(report)
    raw = build_report(team, source="pooled", agreement=False)
    assert raw.overview["analysed"] == "pooled raw codings of 3 coders, consensus not used"
    assert raw.overview["codings"] == 15


def test_a_unanimous_item_can_be_overruled_with_a_reason(team: Project):
    anxiety = _item(team.consensus_items(documents=[A]), A, "anxiety")
    assert anxiety["status"] == "unanimous"
    with pytest.raises(ReasonRequiredError, match="3 of 3"):
        team.decide(anxiety["item_id"], "reject")
    with pytest.raises(ConsensusError, match="decided_by"):
        team.decide(anxiety["item_id"], "reject", reason="x", decided_by="  ")
    team.decide(anxiety["item_id"], "reject", reason="the nervousness is about the exam",
                decided_by="team meeting 2")
    assert (A, "anxiety", *NERVOUS) not in _layer(team)
    assert _item(team.consensus_items(), A, "anxiety")["status"] == "settled"
    history = team.decision_history(documents=A)
    assert list(history["decided_by"]) == ["team meeting 2"]
    assert history["rests_on"].iloc[0]["counted_coders"] == ["leila", "maria", "tom"]
