"""The keyboard adjudication view, driven headless (issue 13, point 3).

The demo project (workbench.testing) has three coders who disagree: chloe never codes
withdrawal, ben adds anxiety to withdrawal, and on D2 ben codes withdrawal where ana and
chloe code rupture. Its open items are withdrawal 2 of 3, anxiety 1 of 3, D2 withdrawal
1 of 3 and D2 rupture 2 of 3.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench.errors import NotFoundError
from workbench.project import Project
from workbench.testing import make_demo_project
from workbench.views.adjudication import KEY_LEGEND, AdjudicationController

C1, T1, C2, T2 = "D1_S3_client", "D1_S3_therapist", "D2_S3_client", "D2_S3_therapist"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Project]:
    project = make_demo_project(tmp_path / "p.sqlite")
    yield project
    project.close()


def _where(controller: AdjudicationController) -> tuple[str, str, int]:
    view = controller.view()
    assert view.code is not None and view.start is not None
    return view.document, view.code.key, view.start


def _history(project: Project) -> list[tuple[str, str, str | None, str, int]]:
    frame = project.decision_history()
    return [(str(r.code), str(r.kind), None if pd.isna(r.new_code) else str(r.new_code),
             str(r.reason), int(r.revision)) for r in frame.itertuples()]


def _layer(project: Project) -> set[tuple[str, str, int, int]]:
    frame = project.codings(source="consensus")
    return set(zip(frame["document"], frame["code"], frame["start"], frame["end"], strict=True))


# -- the queue -------------------------------------------------------------------------------
def test_queue_is_the_open_items_by_document_then_position(demo: Project):
    items = demo.consensus_items()
    controller = AdjudicationController(demo, decided_by="ana")
    assert len(controller) == int((items["status"] == "open").sum()) == 16
    assert sorted(controller.item_ids) == sorted(items.loc[items["status"] == "open",
                                                           "item_id"])
    order = []
    for _ in range(len(controller)):
        order.append(_where(controller))
        controller.next()
    assert order[:4] == [(C1, "withdrawal", 245), (C1, "anxiety", 245),
                         (C1, "withdrawal", 270), (C1, "anxiety", 270)]
    docs = [d for d, _, _ in order]
    assert list(dict.fromkeys(docs)) == [C1, T1, C2, T2]  # documents in blocks, in order
    for doc in (C1, T1, C2, T2):
        starts = [s for d, _, s in order if d == doc]
        assert starts == sorted(starts)
    assert controller.view().progress == "0 of 16 settled"
    assert controller.skipped_documents == ()


def test_filters_and_documents_without_open_items_are_skipped(demo: Project):
    rupture = AdjudicationController(demo, decided_by="ana", codes="rupture")
    assert [_where(rupture)[:2]] == [(C2, "rupture")]
    assert len(rupture) == 2
    assert rupture.skipped_documents == (C1, T1)  # rupture is unanimous there
    chloe = AdjudicationController(demo, decided_by="ana", coders_filter="chloe")
    assert len(chloe) == 2 and {_where(chloe)[1]} == {"rupture"}
    ben = AdjudicationController(demo, decided_by="ana", coders_filter=["ben"])
    assert len(ben) == 14  # every open item but the two rupture ones
    one_doc = AdjudicationController(demo, decided_by="ana", documents=C2)
    assert len(one_doc) == 6 and one_doc.skipped_documents == ()
    for _ in range(6):
        assert _where(one_doc)[0] == C2
        one_doc.next()
    barriers = AdjudicationController(demo, decided_by="ana", themes="barriers",
                                      codes=["anxiety"])
    assert len(barriers) == 6
    nothing = AdjudicationController(demo, decided_by="ana", themes="facilitators")
    assert len(nothing) == 0 and nothing.skipped_documents == (C1, T1, C2, T2)
    view = nothing.view()
    assert view.item_id is None and view.progress == "0 of 0 settled"
    nothing.press("a")
    assert "nothing to adjudicate" in nothing.view().error
    with pytest.raises(NotFoundError, match="did you mean"):
        AdjudicationController(demo, decided_by="ana", codes="withdrawl")
    with pytest.raises(NotFoundError, match="no theme"):
        AdjudicationController(demo, decided_by="ana", themes="nope")


def test_view_shows_code_votes_ranges_side_by_side_and_marked_context(demo: Project):
    view = AdjudicationController(demo, decided_by="ana").view()
    assert view.code is not None
    assert (view.code.name, view.code.definition, view.code.inclusion, view.code.exclusion,
            view.code.example) == ("Withdrawal", "The client distances or goes vague.",
                                   "Vague answers, topic shifts.", "Anxiety without distancing.",
                                   "I just went quiet.")
    assert view.votes == "2 of 3" and view.majority == "applied" and view.status == "open"
    assert [(r.number, r.coder, r.applied, r.start, r.end, r.text) for r in view.ranges] == [
        (1, "ana", True, 245, 269, "I just went quiet there."),
        (2, "ben", True, 245, 269, "I just went quiet there."),
        (None, "chloe", False, None, None, "")]
    (turn,) = view.context
    assert (turn.speaker, turn.role, turn.video_time) == ("Client", "participant", "04:30")
    assert turn.text == "I just went quiet there. It felt pointless to explain."
    assert [(p.text, p.coders) for p in turn.pieces] == [
        ("I just went quiet there.", ("ana", "ben")), (" It felt pointless to explain.", ())]
    assert view.position == 1 and view.total == 16 and view.last_decision == ""


# -- decisions by key --------------------------------------------------------------------------
def test_apply_and_reject_keys_store_decisions_and_move_on(demo_project: Project):
    demo = demo_project  # SQLite and PostgreSQL
    controller = AdjudicationController(demo, decided_by="ana")
    controller.press("a")  # withdrawal 2 of 3: apply, with the majority
    assert _where(controller) == (C1, "anxiety", 245)
    controller.press("x")  # anxiety 1 of 3: reject, with the majority
    assert _history(demo) == [("withdrawal", "apply", None, "", 1),
                              ("anxiety", "reject", None, "", 1)]
    assert (C1, "withdrawal", 245, 269) in _layer(demo)
    assert not any(c == "anxiety" and s == 245 for _, c, s, _ in _layer(demo))
    view = controller.view()
    assert view.progress == "2 of 16 settled" and view.settled == 2
    assert view.last_decision.startswith("#") and "reject anxiety" in view.last_decision
    history = demo.decision_history()
    assert set(history["decided_by"]) == {"ana"}


def test_adjust_keys_take_union_intersection_coder_range_and_revise(demo: Project):
    demo.apply_range(T1, 230, 250, "withdrawal", "chloe")  # now 3 of 3, extents differ
    controller = AdjudicationController(demo, decided_by="ben", documents=T1,
                                        codes="withdrawal")
    assert len(controller) == 1
    ranges = controller.view().ranges
    assert [(r.number, r.coder, r.start, r.end) for r in ranges] == [
        (1, "ana", 228, 264), (2, "ben", 228, 264), (3, "chloe", 230, 250)]
    controller.press("i")
    assert (T1, "withdrawal", 230, 250) in _layer(demo)
    assert controller.view().status == "settled"
    assert controller.view().message.endswith("all 1 settled")
    controller.press("j")  # on a settled item: a revision
    controller.press("3")
    controller.press("a")  # the majority range: ana's and ben's
    history = demo.decision_history()
    assert list(zip(history["kind"], history["start"], history["end"], history["revision"],
                    strict=True)) == [("adjust", 230, 250, 1), ("adjust", 228, 264, 2),
                                      ("apply", 230, 250, 3), ("apply", 228, 264, 4)]
    assert history["superseded_by"].notna().sum() == 3
    assert (T1, "withdrawal", 228, 264) in _layer(demo)
    assert controller.view().progress == "1 of 1 settled"


def test_typed_range_and_recode_by_digit(demo: Project):
    controller = AdjudicationController(demo, decided_by="ana", documents=C1)
    controller.next()  # anxiety 245 (1 of 3)
    controller.press("c")
    choices = controller.view().recode_choices
    assert [(n, k) for n, k, _ in choices] == [(1, "withdrawal"), (2, "rupture"), (3, "repair"),
                                               (4, "empathy")]
    controller.press("2")
    assert _history(demo) == [("anxiety", "recode", "rupture", "", 1)]
    assert (C1, "rupture", 245, 269) in _layer(demo)
    assert _where(controller) == (C1, "withdrawal", 270)  # the next open item
    controller.press("t")
    assert controller.view().pending is not None and controller.view().pending.needs_range
    controller.confirm(start="270", end="x")
    assert "whole numbers" in controller.view().error and len(_history(demo)) == 1
    controller.confirm(start="270", end="284")
    assert (C1, "withdrawal", 270, 284) in _layer(demo)
    assert _history(demo)[-1] == ("withdrawal", "adjust", None, "", 1)


def test_a_reason_is_asked_against_the_majority_esc_cancels_enter_stores(
        demo_project: Project):
    demo = demo_project  # SQLite and PostgreSQL
    controller = AdjudicationController(demo, decided_by="ana")
    controller.press("x")  # reject withdrawal 2 of 3: against the majority
    view = controller.view()
    assert view.pending is not None and view.pending.kind == "reject"
    assert "against the majority" in view.pending.prompt
    controller.press("a")  # other keys wait for the form
    assert "finish the form" in controller.view().error
    controller.press("Escape")
    assert controller.view().pending is None and demo.decision_history().empty
    assert controller.view().message == "cancelled: nothing stored"
    controller.press("x")
    controller.press("Enter")  # no reason typed
    assert "give reason" in controller.view().error
    assert controller.view().pending is not None and demo.decision_history().empty
    controller.reason_text = "chloe is right: this is not distancing"
    controller.press("Enter")
    assert _history(demo) == [("withdrawal", "reject", None,
                               "chloe is right: this is not distancing", 1)]
    assert controller.view().pending is None and controller.view().progress == "1 of 16 settled"
    controller.press("c")  # recode anxiety 1 of 3 by... it is with the majority
    controller.press("Escape")
    assert controller.view().mode == "decide" and len(_history(demo)) == 1


# -- navigation and errors ---------------------------------------------------------------------
def test_navigation_skip_and_back_to_the_last_decision(demo: Project):
    controller = AdjudicationController(demo, decided_by="ana", documents=C1)
    assert len(controller) == 4
    controller.press("ArrowLeft")
    assert controller.view().position == 1  # stays on the first
    controller.press("s")
    assert controller.view().position == 2 and controller.view().message == "skipped: left open"
    controller.press("n")
    controller.press("ArrowRight")
    controller.press("ArrowRight")
    assert controller.view().position == 4  # stays on the last
    controller.press("p")
    assert controller.view().position == 3
    controller.press("a")  # withdrawal 270: apply; the next open item wraps to the first
    assert controller.view().position == 4
    controller.press("z")
    assert controller.view().position == 3 and controller.view().status == "settled"
    for _ in range(3):
        controller.press("p")
    assert controller.view().position == 1
    controller.press("a")
    controller.press("x")  # position 2: anxiety 1 of 3
    assert controller.view().position == 4
    controller.press("x")
    assert controller.view().progress == "4 of 4 settled"
    controller.press("s")
    assert controller.view().message == "no other open item to go to"


def test_errors_are_shown_not_raised(demo: Project):
    demo.apply_range(C1, 245, 280, "withdrawal", "chloe")  # joins both withdrawal clusters
    controller = AdjudicationController(demo, decided_by="ana", documents=C1,
                                        codes="withdrawal")
    assert len(controller) == 1 and controller.view().votes == "3 of 3"
    controller.press("i")
    assert "no stretch in common" in controller.view().error
    controller.press("a")  # ana+ben 245..269 and ana+ben 270..299: a tie
    assert "tie" in controller.view().error
    controller.press("9")
    assert "there is no range 9" in controller.view().error
    assert demo.decision_history().empty
    item = controller.item_ids[0]
    demo.decide(item, "adjust", start=245, end=299, decided_by="ben")  # meanwhile
    controller.press("j")  # the item left the queue: nothing stored on it here
    view = controller.view()
    assert view.error == "" and "settled elsewhere by ben" in view.message
    assert view.item_id is None and view.progress == "1 of 1 settled"
    assert len(demo.decision_history()) == 1
    nobody = AdjudicationController(demo, decided_by=None)
    nobody.press("a")
    assert "who decides" in nobody.view().error and len(demo.decision_history()) == 1


# -- the ipywidgets panel ----------------------------------------------------------------------
def test_panel_keys_and_reason_form(demo: Project, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WORKBENCH_CODER", "dora")
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    widget = wb.adjudication_panel(demo, documents=C1)
    panel = widget.panel
    assert panel.controller.decided_by == "dora"
    assert panel.controller.coders == ["ana", "ben", "chloe"]  # dora decides, not votes
    assert panel.controller.view().votes == "2 of 3"
    assert KEY_LEGEND.split(" · ")[0] in panel.legend.value
    assert "0 of 4 settled" in panel.view_html.value
    send = panel.key_catcher.handle_message
    assert not send({"type": "key", "key": "Tab"})  # not one of the panel's keys
    send({"type": "key", "key": "x"})
    assert panel.form.layout.display == "flex" and "against the majority" in panel.prompt.value
    send({"type": "key", "key": "Escape", "form": {"reason": "typed"}})
    assert panel.form.layout.display == "none" and demo.decision_history().empty
    send({"type": "key", "key": "x"})
    send({"type": "key", "key": "Enter", "form": {"reason": "not <b>distancing</b>"}})
    assert _history(demo) == [("withdrawal", "reject", None, "not <b>distancing</b>", 1)]
    assert demo.decision_history()["decided_by"].tolist() == ["dora"]
    assert "not &lt;b&gt;distancing&lt;/b&gt;" in panel.view_html.value  # escaped
    assert "1 of 4 settled" in panel.view_html.value and panel.error.value == ""
    send({"type": "key", "key": "9"})
    assert "there is no range 9" in panel.error.value
