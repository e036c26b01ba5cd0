"""Issue 15 point 7: create, rename, merge and the recode queue from the coding panel,
driven headless through the controller (and the panel widget) on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import ipywidgets as widgets
import pytest

from workbench import Code, CodebookError, CodingController, Project, open_project
from workbench.views.coding_panel import CodingPanel


def to_text(c: CodingController, cue: str) -> None:
    """Move to the first segment whose text contains ``cue``."""
    start = c.segment
    while c.segment is not None and cue not in c.segment.text:
        assert c.next(), f"no segment with {cue!r} after {start}"


def all_widgets(root: widgets.Widget) -> list[widgets.Widget]:
    out = [root]
    for child in getattr(root, "children", ()):
        out += all_widgets(child)
    return out


def uuids(project: Project, code: str) -> set[str]:
    frame = project.codings(with_attributes=False)
    return set(frame.loc[frame["code"] == code, "coding_uuid"])


@pytest.fixture
def second(backend_url: str, demo_project: Project) -> Iterator[Project]:
    """Another connection to the same project (another coder's notebook)."""
    project = open_project(backend_url)
    yield project
    project.close()


def test_create_from_the_panel_and_code_with_it_at_once(demo_project: Project) -> None:
    c = CodingController(demo_project, "ana")
    to_text(c, "nervous")
    segment = c.segment
    assert segment is not None and c.applied() == ("anxiety",)
    assert c.handle_key("n")
    state = c.view_state()
    assert state.mode == "form" and state.form is not None and state.form.kind == "create"
    assert state.form.code == "anxiety" and state.form.theme == "barriers"  # preselected
    assert not c.handle_key("1")  # typing goes to the form, not to the codes
    assert c.applied() == ("anxiety",)
    with pytest.raises(CodebookError, match="definition"):
        c.submit_form(name="Hope for change", theme="facilitators", definition=" ")
    assert c.form is not None and "hope_for_change" not in demo_project.codebook.keys
    key = c.submit_form(name="Hope for change", theme="facilitators",
                        definition="Expecting things to get better.", apply=True)
    assert key == "hope_for_change" and c.form is None
    state = c.view_state()
    assert state.mode == "coding" and set(state.applied) == {"anxiety", "hope_for_change"}
    button = next(s for s in state.codes if s.code.key == "hope_for_change")
    assert button.code.name == "Hope for change" and button.shortcut == "6"
    frame = demo_project.codings(coder="ana", with_attributes=False)
    mine = frame[frame["code"] == "hope_for_change"]
    assert len(mine) == 1 and int(mine["start"].item()) == segment.start
    assert int(mine["end"].item()) == segment.end
    assert c.handle_key("6")  # its shortcut toggles it off again
    assert uuids(demo_project, "hope_for_change") == set()
    assert c.handle_key("z") and len(uuids(demo_project, "hope_for_change")) == 1


def test_rename_from_the_panel_changes_the_label_and_keeps_uuids(demo_project: Project) -> None:
    before = uuids(demo_project, "repair")
    assert before
    c = CodingController(demo_project, "ana")
    to_text(c, "got it wrong")
    assert c.applied() == ("repair",)
    mine = c.doc.mine[c.segment.id]["repair"][0]  # type: ignore[union-attr]
    assert c.handle_key("r")
    form = c.form
    assert form is not None and form.kind == "rename" and form.code == "repair"
    assert c.handle_key("Escape") and c.form is None  # cancel changes nothing
    assert demo_project.codebook.code("repair").name == "Repair"
    c.handle_key("r")
    assert c.submit_form(name="Reconnection", key="reconnection") == "reconnection"
    labels = {s.code.key: s.code.name for s in c.view_state().codes}
    assert labels["reconnection"] == "Reconnection" and "repair" not in labels
    assert uuids(demo_project, "reconnection") == before  # same codings, same uuids
    assert c.applied() == ("reconnection",)
    assert c.doc.mine[c.segment.id]["reconnection"][0] == mine  # type: ignore[union-attr]
    assert "renamed Repair to Reconnection" in c.message


def test_merge_from_the_panel_reports_moved_and_collapsed(demo_project: Project) -> None:
    c = CodingController(demo_project, "ana")
    to_text(c, "got it wrong")
    c.apply("rupture")  # ana has repair and rupture on the same range: one collapses
    n_repair = len(uuids(demo_project, "repair"))
    n_rupture = len(uuids(demo_project, "rupture"))
    c.select_memo_code("repair")
    c.handle_key("m")
    form = c.form
    assert form is not None and form.kind == "merge" and form.code == "repair"
    with pytest.raises(CodebookError, match="choose the code"):
        c.submit_form()
    report = c.submit_form(target="rupture")
    assert report == c.last_merge and report is not None
    assert (report.moved, len(report.collapsed)) == (n_repair - 1, 1)
    assert c.message.endswith(f"{n_repair - 1} codings moved, 1 identical collapsed")
    assert len(uuids(demo_project, "rupture")) == n_rupture + n_repair - 1
    assert "repair" not in {s.code.key for s in c.view_state().codes}
    assert c.applied() == ("rupture",)


def test_split_then_walk_the_recode_queue_by_keys(demo_project: Project,
                                                   second: Project) -> None:
    second.split_code("rupture", into=[
        Code("rupture_away", "Moving away", "barriers", "The client withdraws.", "#7F0000"),
        Code("rupture_against", "Moving against", "barriers", "The client protests.",
             "#990000"),
    ])
    c = CodingController(demo_project, "ana")
    queued = demo_project.recode_queue()
    mine = queued[queued["coder"] == "ana"]
    others = len(queued) - len(mine)
    total = len(mine)
    assert total >= 2 and others > 0
    assert c.handle_key("q")
    view = c.view_state().recode
    assert view is not None and c.view_state().mode == "recode"
    assert (view.done, view.total, view.progress_label) == (0, total, f"0 of {total} recoded")
    item = view.item
    assert item is not None and item.from_code == "rupture" and item.coder == "ana"
    row = mine.set_index("coding_uuid").loc[item.coding_uuid]
    text = demo_project.document_text(item.document)
    assert item.highlight == row["text"] == text[int(row["start"]):int(row["end"])]
    assert item.before + item.highlight + item.after in text and item.speaker
    assert [(k.shortcut, k.key, k.definition) for k in item.candidates] == [
        ("1", "rupture_away", "The client withdraws."),
        ("2", "rupture_against", "The client protests.")]
    first = item.coding_uuid
    assert c.handle_key("2")  # decision 1: stored at once, the queue shrinks
    assert demo_project.coding(first).code == "rupture_against"
    assert len(demo_project.recode_queue()) == len(queued) - 1
    view = c.view_state().recode
    assert view is not None and view.progress_label == f"1 of {total} recoded"
    skipped = view.item.coding_uuid  # type: ignore[union-attr]
    assert c.handle_key("s")  # left for later: still queued
    assert skipped in set(demo_project.recode_queue()["coding_uuid"])
    while c.view_state().recode is not None:
        size = len(demo_project.recode_queue())
        assert c.handle_key("1")
        assert len(demo_project.recode_queue()) == size - 1  # each decision is stored
    assert len(demo_project.recode_queue()) == others + 1
    assert f"{total - 1} of {total} recoded" in c.message and "1 still wait" in c.message
    assert c.handle_key("q")  # walk again: only the skipped one
    view = c.view_state().recode
    assert view is not None and view.total == 1 and view.item is not None
    assert view.item.coding_uuid == skipped
    assert c.handle_key("1")
    assert c.view_state().recode is None and "the recode queue is empty" in c.message
    left = demo_project.recode_queue()
    assert len(left) == others and "ana" not in set(left["coder"])
    frame = demo_project.codings(coder="ana", with_attributes=False)
    recoded = frame[frame["made_as"] == "rupture"]
    assert len(recoded) == total and not recoded["pending_recode"].any()
    assert set(recoded["code"]) == {"rupture_away", "rupture_against"}
    assert c.handle_key("q") and c.view_state().recode is None  # empty: back to coding
    assert "empty" in c.message
    # the recoded codings show on their segments once the walk is over
    away = recoded[recoded["code"] == "rupture_away"]
    if c.document in set(away["document"]):
        c.jump(int(away[away["document"] == c.document]["first_segment"].iloc[0]))
        assert "rupture_away" in c.applied()


def test_escape_stops_a_walk_and_leaves_the_rest_queued(demo_project: Project) -> None:
    demo_project.split_code("rupture", into=[
        Code("rupture_away", "Moving away", "barriers", "Withdraws.", "#7F0000"),
        "withdrawal"])
    c = CodingController(demo_project, "ben")
    n = len(demo_project.recode_queue())
    c.start_recode()
    assert c.handle_key("2")
    assert c.handle_key("Escape") and c.view_state().recode is None
    assert len(demo_project.recode_queue()) == n - 1
    with pytest.raises(CodebookError, match="press q"):
        c.recode_as(1)
    c.start_recode()
    with pytest.raises(ValueError, match="no code on key 3"):
        c.recode_as(3)
    assert c.perform(c.recode_as, 3) is None and c.last_error is not None


def test_another_coders_panel_shows_new_names_on_its_next_action(demo_project: Project,
                                                                 second: Project) -> None:
    ana = CodingController(demo_project, "ana")
    ben = CodingController(second, "ben")
    panel = CodingPanel(ben)
    assert panel.code_buttons["repair"].description == "4 Repair"
    ana.rename_code("Reconnection", code="repair", new_key="reconnection")
    ana.create_code("Hope", theme="facilitators", definition="Expecting better.")
    # ben has not acted yet: his panel still shows what he was shown
    assert "repair" in {s.code.key for s in ben.view_state().codes}
    assert ben.handle_key("ArrowRight")  # his next action
    names = {s.code.key: s.code.name for s in ben.view_state().codes}
    assert names["reconnection"] == "Reconnection" and names["hope"] == "Hope"
    assert "repair" not in names
    # through the widget: a click re-renders the buttons with the new codebook
    ana.merge_codes("empathy", code="withdrawal")
    panel.next_button.click()
    assert "withdrawal" not in panel.code_buttons
    assert panel.code_buttons["reconnection"].description.endswith("Reconnection")
    assert panel.code_buttons["hope"].description.endswith("Hope")
    assert ben.next() and "withdrawal" not in {s.code.key for s in ben.view_state().codes}


def test_the_panel_widget_drives_the_form_and_the_queue(demo_project: Project) -> None:
    panel = CodingPanel(CodingController(demo_project, "chloe"))
    c = panel.controller

    def key(name: str) -> bool:
        return panel.key_catcher.handle_message({"type": "key", "key": name})

    to_text(c, "got it wrong")
    panel.render()
    assert panel.form_box.layout.display == "none"
    assert key("r")
    assert panel.form_box.layout.display == "flex" and panel.form_code.value == "repair"
    assert panel.form_name.value == "Repair"
    panel.form_name.value = "Making up"
    panel.form_ok.click()
    assert panel.error_html.value == "" and panel.form_box.layout.display == "none"
    assert panel.code_buttons["repair"].description == "4 Making up"
    panel.new_code_button.click()
    assert panel.form_theme.value == "facilitators" and panel.form_apply.value
    panel.form_name.value = "Hope"
    panel.form_ok.click()  # no definition: the error shows, the form stays
    assert "definition" in panel.error_html.value and panel.form_box.layout.display == "flex"
    panel.form_definition.value = "Expecting better."
    top = panel.children[:panel.children.index(panel.key_catcher) + 1]
    panel.form_ok.click()
    assert panel.code_buttons["hope"].icon == "check"  # applied at once
    assert panel.code_buttons["hope"] in all_widgets(panel)
    # the rows above the code buttons are the same widgets: the keyboard box keeps its view
    assert all(a is b for a, b in zip(top, panel.children, strict=False))
    assert key("m") and panel.form_code.value == "hope"
    panel.form_target.value = "empathy"
    panel.form_ok.click()
    assert "1 codings moved, 0 identical collapsed" in panel.message_label.value
    assert "hope" not in panel.code_buttons
    demo_project.split_code("withdrawal", into=[
        Code("vague", "Vague", "barriers", "Answers go vague.", "#D62728"),
        Code("silent", "Silent", "barriers", "Says nothing.", "#D62728")])
    total = int((demo_project.recode_queue()["coder"] == "chloe").sum())
    assert key("q")
    if total == 0:  # chloe never codes withdrawal in the demo project
        assert panel.recode_box.layout.display == "none" and "empty" in \
            panel.message_label.value
        c.set_coder("ana")
        total = int((demo_project.recode_queue()["coder"] == "ana").sum())
        assert total > 0 and key("q")
    assert panel.recode_box.layout.display == "flex"
    assert f"0 of {total} recoded" in panel.recode_html.value
    assert "Answers go vague." in panel.recode_html.value
    assert [b.description for b in panel.recode_buttons.children] == \
        ["1 Vague", "2 Silent", "Skip", "Stop"]
    panel.recode_buttons.children[1].click()
    assert total == 1 or f"1 of {total} recoded" in panel.recode_html.value
    while c.view_state().recode is not None:
        assert key("1")
    assert panel.recode_box.layout.display == "none"
    assert "the recode queue is empty" in panel.message_label.value


def test_a_passage_recoded_in_another_session_is_passed_over(demo_project: Project,
                                                             second: Project) -> None:
    demo_project.split_code("rupture", into=[
        Code("rupture_away", "Moving away", "barriers", "Withdraws.", "#7F0000"),
        Code("rupture_against", "Moving against", "barriers", "Protests.", "#990000")])
    here = CodingController(demo_project, "ana")
    view = here.start_recode()
    assert view is not None and view.item is not None and view.total >= 2
    shown = view.item.coding_uuid
    assert second.recode(shown, "rupture_against")  # the same coder, another tab
    assert here.handle_key("1") and here.last_error is None
    assert "another session" in here.message
    assert demo_project.coding(shown).code == "rupture_against"  # not overwritten
    view = here.view_state().recode
    assert view is not None and view.done == 0 and view.item is not None
    assert view.item.coding_uuid != shown
