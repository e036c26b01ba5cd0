"""Issue 15 point 1 from the coding panel: split, move, retire and restore, driven headless
through the controller by keys (and through the panel widget) on both backends. Stored
state is checked through the Project API."""

from __future__ import annotations

import pytest

from workbench import CodebookError, CodingController, Project
from workbench.views.coding_controller import FORM_HELP, split_targets
from workbench.views.coding_panel import CodingPanel


def at_coding(c: CodingController, code: str) -> tuple[str, int]:
    """Go to the first segment where the controller's coder applied ``code`` and make it
    the current code; returns ``(document, segment index)``."""
    frame = c.project.codings(coder=c.coder, with_attributes=False)
    row = frame[frame["code"] == code].iloc[0]
    c.select_document(str(row["document"]))
    c.jump(int(row["first_segment"]))
    c.select_memo_code(code)
    assert c.current_code == code and c.segment is not None
    return c.document, c.segment.index


def where(c: CodingController) -> tuple[str, int]:
    assert c.segment is not None
    return c.document, c.segment.index


def mine(project: Project, coder: str, code: str) -> list[str]:
    frame = project.codings(coder=coder, with_attributes=False)
    return list(frame.loc[frame["code"] == code, "coding_uuid"])


def test_split_by_keys_then_walk_the_new_queue(demo_project: Project) -> None:
    c = CodingController(demo_project, "ana")
    place = at_coding(c, "withdrawal")
    applied = c.applied()
    version = demo_project.codebook_version()
    n_all = demo_project.coding_counts()["withdrawal"]
    anas = mine(demo_project, "ana", "withdrawal")
    assert len(anas) >= 2 and n_all > len(anas)  # ben codes withdrawal too
    assert c.handle_key("p")
    state = c.view_state()
    assert state.mode == "form" and state.form is not None and state.form.kind == "split"
    assert state.form.code == "withdrawal" and c.form_values["theme"] == "barriers"
    assert f"its {n_all} codings (every coder) wait in the recode queue" in state.form_note
    for typed in "1uzqs":  # typing goes to the form, never to the codes
        assert not c.handle_key(typed)
    assert c.applied() == applied and where(c) == place
    c.set_form_value("into", "- Going vague: Answers turn vague.\n\n"
                             "Falling silent: Says nothing at all.")
    assert c.handle_key("Enter")
    assert c.form is None and where(c) == place  # the coding position is kept
    assert c.message.startswith(
        f"split Withdrawal into Going vague, Falling silent (codebook version "
        f"{demo_project.codebook_version()}): {n_all} codings queued for recoding; recode "
        f"{len(anas)} of them here now")
    assert demo_project.codebook_version() != version
    codebook = demo_project.codebook
    assert "withdrawal" not in codebook.keys
    assert codebook.code("going_vague").theme == "barriers"
    assert codebook.code("falling_silent").definition == "Says nothing at all."
    assert "withdrawal" in set(demo_project.retired_codes()["code"])
    # the walk started at once, with the new codes' definitions beside each passage
    view = c.view_state().recode
    assert view is not None and c.view_state().mode == "recode"
    assert (view.done, view.total) == (0, len(anas))
    assert view.item is not None and view.item.from_code == "withdrawal"
    assert [(k.shortcut, k.key, k.definition) for k in view.item.candidates] == [
        ("1", "going_vague", "Answers turn vague."),
        ("2", "falling_silent", "Says nothing at all.")]
    chosen: dict[str, str] = {}
    while (view := c.view_state().recode) is not None:
        assert view.item is not None
        pick = "1" if len(chosen) % 2 == 0 else "2"
        chosen[view.item.coding_uuid] = {"1": "going_vague", "2": "falling_silent"}[pick]
        assert c.handle_key(pick)
        assert demo_project.coding(view.item.coding_uuid).code == chosen[view.item.coding_uuid]
    assert set(chosen) == set(anas) and where(c) == place
    assert f"{len(anas)} of {len(anas)} recoded" in c.message
    queue = demo_project.recode_queue()
    assert len(queue) == n_all - len(anas) and "ana" not in set(queue["coder"])
    frame = demo_project.codings(coder="ana", with_attributes=False)
    recoded = frame[frame["coding_uuid"].isin(anas)].set_index("coding_uuid")
    assert recoded["code"].to_dict() == chosen
    assert set(recoded["made_as"]) == {"withdrawal"} and not recoded["pending_recode"].any()
    audit = demo_project.audit_log()
    split = audit[audit["action"] == "split_code"]
    assert len(split) == 1 and set(split["detail"].iloc[0]["queued"]) >= set(anas)
    assert split["detail"].iloc[0]["into"] == ["going_vague", "falling_silent"]
    recodes = audit[(audit["action"] == "recode") & audit["entity_key"].isin(anas)]
    assert {k: d["code"] for k, d in zip(recodes["entity_key"], recodes["detail"],
                                         strict=True)} == chosen
    # the buttons are the codebook as it is now
    keys = [s.code.key for s in c.view_state().codes]
    assert "withdrawal" not in keys and {"going_vague", "falling_silent"} <= set(keys)


def test_split_into_an_existing_code_and_walk_later(demo_project: Project) -> None:
    c = CodingController(demo_project, "ben")
    place = at_coding(c, "rupture")
    bens = mine(demo_project, "ben", "rupture")
    c.open_form("split")
    key = c.submit_form(into="anxiety\nStuck: Feels stuck in the relationship.",
                        recode=False)
    assert key == demo_project.coding_counts().get("rupture")  # every coder's, still queued
    assert c.view_state().mode == "coding" and where(c) == place
    assert c.message.endswith(f"press q to recode {len(bens)} of them here")
    assert demo_project.codebook.code("stuck").colour == "#7F0000"  # rupture's colour
    assert c.handle_key("q")
    view = c.view_state().recode
    assert view is not None and view.total == len(bens) and view.item is not None
    assert [k.key for k in view.item.candidates] == ["anxiety", "stuck"]
    assert view.item.candidates[0].definition == "Fear about therapy or the therapist."


def test_a_split_that_cannot_be_done_keeps_the_form(demo_project: Project) -> None:
    c = CodingController(demo_project, "ana")
    place = at_coding(c, "rupture")
    version = demo_project.codebook_version()
    c.handle_key("p")
    for text, error in (("Only one: just one code.", "at least two codes"),
                        ("Axiety\nNew: a new code.", "not a code of the codebook (did you "
                                                      "mean 'Anxiety'?)"),
                        ("Anxiety: again.\nNew: a new code.", "already a code"),
                        ("Away\nAgainst: protests.", "not a code of the codebook"),
                        ("Away:\nAgainst: protests.", "'Name: definition'")):
        c.set_form_value("into", text)
        assert c.perform(c.handle_key, "Enter") is None  # shown in the panel, not raised
        assert c.last_error is not None and c.last_error.kind == "CodebookError"
        assert error in c.last_error.message
        assert c.form is not None and c.form_values["into"] == text  # kept for a fix
    assert demo_project.codebook_version() == version and demo_project.recode_queue().empty
    assert where(c) == place
    assert c.handle_key("Escape") and c.form is None and "cancelled" in c.message


def test_split_targets_reads_one_code_a_line(demo_project: Project) -> None:
    codebook = demo_project.codebook
    out = split_targets("* Empathic listening\nHope for change: Expecting better.\n",
                        codebook, source="repair", theme="facilitators")
    assert out[0] == "empathy"
    new = out[1]
    assert not isinstance(new, str)
    assert (new.key, new.name, new.theme, new.definition, new.colour) == (
        "hope_for_change", "Hope for change", "facilitators", "Expecting better.", "#1F77B4")
    with pytest.raises(CodebookError, match="'Repair' is the code being split"):
        split_targets("Repair\nHope: better.", codebook, source="repair", theme="x")
    with pytest.raises(CodebookError, match="at least two"):
        split_targets("\n- Hope: better.\n", codebook, source="repair", theme="x")


def test_move_by_keys_to_another_theme_and_under_a_parent(demo_project: Project) -> None:
    c = CodingController(demo_project, "ana")
    place = at_coding(c, "rupture")
    before = demo_project.codebook_version()
    assert before is not None
    assert c.handle_key("v")
    form = c.form
    assert form is not None and form.kind == "move" and form.code == "rupture"
    assert (form.theme, form.parent) == ("barriers", "")
    assert not c.handle_key("2")  # no coding while the form is open
    assert c.perform(c.handle_key, "Enter") is None  # nothing chosen: it is already there
    assert c.last_error is not None and "already there" in c.last_error.message
    assert demo_project.codebook_version() == before
    c.set_form_value("theme", "facilitators")
    assert c.handle_key("Enter") and c.form is None
    version = demo_project.codebook_version()
    assert version is not None and version > before
    assert demo_project.codebook.code("rupture").theme == "facilitators"
    assert c.message == (f"moved Rupture to theme Relational facilitators (codebook version "
                         f"{version})")
    assert where(c) == place and c.view_state().codebook_version == version
    button = next(s for s in c.view_state().codes if s.code.key == "rupture")
    assert button.theme_name == "Relational facilitators"
    c.handle_key("v")
    c.set_form_value("parent", "repair")
    assert c.handle_key("Enter")
    moved = demo_project.codebook.code("rupture")
    assert (moved.parent, moved.theme) == ("repair", "facilitators")
    assert demo_project.codebook_version() == version + 1
    assert c.message.startswith("moved Rupture under Repair (theme Relational facilitators)")
    audit = demo_project.audit_log()
    moves = audit[audit["action"] == "move_code"]
    assert [d["parent"] for d in moves["detail"]] == [None, "repair"]
    # under its own child: the API refuses, the panel shows why
    c.handle_key("v")
    c.set_form_value("code", "repair")  # another code than the current one, as chosen
    c.set_form_value("parent", "rupture")
    assert c.perform(c.handle_key, "Enter") is None and c.last_error is not None
    assert "own child" in c.last_error.message and c.form is not None
    assert demo_project.codebook.code("repair").parent is None


def test_retire_then_restore_by_keys(demo_project: Project) -> None:
    c = CodingController(demo_project, "ana")
    place = at_coding(c, "repair")
    n = demo_project.coding_counts()["repair"]
    uuids = set(mine(demo_project, "ana", "repair"))
    with pytest.raises(CodebookError, match=f"Repair has {n} codings"):
        c.retire_code("repair")  # a code with codings needs a confirmation
    assert "repair" in demo_project.codebook.keys
    assert c.handle_key("d")
    state = c.view_state()
    assert state.form is not None and state.form.kind == "retire"
    assert state.form.code == "repair" and state.form.n_codings("repair") == n
    assert state.form_note.startswith(f"Repair has {n} codings (every coder): they are kept")
    assert not c.handle_key("4") and "repair" in c.applied()
    version = demo_project.codebook_version()
    assert c.handle_key("Enter")  # the form is the confirmation
    assert "repair" not in demo_project.codebook.keys
    assert demo_project.codebook_version() != version
    assert c.message.startswith(f"retired Repair (codebook version "
                                f"{demo_project.codebook_version()}): its {n} codings are kept")
    assert "repair" not in {s.code.key for s in c.view_state().codes}
    assert where(c) == place
    # the codings stay, under the retired code, and count as before
    assert demo_project.coding_counts()["repair"] == n
    assert set(mine(demo_project, "ana", "repair")) == uuids
    retired = demo_project.retired_codes()
    assert retired.iloc[0]["code"] == "repair" and int(retired.iloc[0]["n_codings"]) == n
    # restore: the retired codes are listed, the most recent first
    assert c.handle_key("b")
    form = c.form
    assert form is not None and form.kind == "restore" and form.code == "repair"
    assert ("repair", "Repair") in form.retired
    assert c.view_state().form_note == f"Repair comes back into the codebook with its {n} codings."
    assert c.handle_key("Enter") and c.form is None
    assert "repair" in demo_project.codebook.keys and demo_project.retired_codes().empty
    assert c.message.endswith(f"its {n} codings show again")
    assert "repair" in c.applied() and where(c) == place
    audit = demo_project.audit_log()
    assert list(audit.loc[audit["entity_key"] == "repair", "action"])[-2:] == [
        "retire_code", "restore_code"]
    # nothing retired now: the restore form says so instead of opening
    assert c.perform(c.handle_key, "b") is None and c.last_error is not None
    assert "nothing to restore" in c.last_error.message and c.form is None


def test_a_code_with_children_is_not_retired(demo_project: Project) -> None:
    demo_project.move_code("empathy", parent="repair")
    c = CodingController(demo_project, "ana")
    at_coding(c, "repair")
    c.handle_key("d")
    assert c.perform(c.handle_key, "Enter") is None and c.last_error is not None
    assert "child codes (empathy)" in c.last_error.message
    assert "repair" in demo_project.codebook.keys and c.form is not None
    with pytest.raises(CodebookError, match="not a retired code"):
        c.restore_code("repair")


def test_the_panel_widget_drives_split_move_retire_restore(demo_project: Project) -> None:
    panel = CodingPanel(CodingController(demo_project, "ana"))
    c = panel.controller

    def key(name: str) -> bool:
        return panel.key_catcher.handle_message({"type": "key", "key": name})

    place = at_coding(c, "withdrawal")
    panel.render()
    assert key("p") and panel.form_box.layout.display == "flex"
    assert FORM_HELP in panel.key_catcher.hint
    assert panel.form_code.value == "withdrawal" and panel.form_theme.value == "barriers"
    assert panel.form_into.layout.display == "" and panel.form_name.layout.display == "none"
    assert "wb-codebook-form" in panel.form_box._dom_classes
    panel.form_into.value = "Vague"  # what typing sends; not a code yet
    panel.form_ok.click()
    assert "not a code of the codebook" in panel.error_html.value
    assert panel.form_box.layout.display == "flex" and panel.form_into.value == "Vague"
    panel.form_into.value = "Vague: Answers go vague.\nSilent: Says nothing."
    assert key("Enter")
    assert panel.error_html.value == "" and panel.form_box.layout.display == "none"
    assert panel.recode_box.layout.display == "flex"
    assert "Answers go vague." in panel.recode_html.value
    assert "codings queued for recoding" in panel.message_label.value
    assert "withdrawal" not in panel.code_buttons and "vague" in panel.code_buttons
    assert key("Escape") and panel.recode_box.layout.display == "none"
    assert where(c) == place
    # move with the dropdowns
    panel.move_button.click()
    assert panel.form_parent.layout.display == "" and panel.form_parent.value == ""
    panel.form_code.value = "rupture"
    panel.form_parent.value = "empathy"
    panel.form_ok.click()
    assert panel.error_html.value == ""
    moved = demo_project.codebook.code("rupture")
    assert (moved.parent, moved.theme) == ("empathy", "facilitators")
    assert panel.message_label.value.startswith("moved Rupture under Empathic listening")
    # retire the current code, then restore it
    current = c.current_code
    assert current is not None
    n = demo_project.coding_counts().get(current, 0)
    assert key("d") and panel.form_code.value == current
    assert (f"has {n} codings" if n else "has no codings") in panel.form_note.value
    assert key("Enter") and current not in panel.code_buttons
    assert current not in demo_project.codebook.keys
    assert not panel.restore_button.disabled and panel.form_box.layout.display == "none"
    assert key("b") and panel.form_code.value == current
    assert {k for _name, k in panel.form_code.options} == {current, "withdrawal"}
    assert "comes back into the codebook" in panel.form_note.value
    assert panel.restore_button.disabled  # while a form is open
    assert key("Enter") and current in panel.code_buttons
    assert current in demo_project.codebook.keys and where(c) == place
    assert "codebook form" not in panel.key_catcher.hint


def test_enter_typed_in_the_form_carries_the_values_shown(demo_project: Project) -> None:
    """The browser sends Enter from a form field with the values the fields show, which may
    not have reached their widgets yet: the panel takes them before it acts."""
    panel = CodingPanel(CodingController(demo_project, "ana"))
    c = panel.controller
    place = at_coding(c, "rupture")
    panel.render()
    catcher = panel.key_catcher
    assert catcher.handle_message({"type": "key", "key": "p"})
    assert panel.form_into.value == "" and "wb-field-into" in panel.form_into._dom_classes
    typed = {"into": "Away: Withdraws.\nAgainst: Protests.", "code": "Rupture",
             "theme": "Relational barriers", "recode": False, "name": "ignored: hidden"}
    assert catcher.handle_message({"type": "key", "key": "Enter", "form": typed})
    assert panel.error_html.value == "" and c.form is None
    assert {"away", "against"} <= set(demo_project.codebook.keys)
    assert "rupture" not in demo_project.codebook.keys
    assert c.view_state().mode == "coding" and where(c) == place  # recode: False was taken
    # Escape typed in the form closes it (the values it carries change nothing)
    assert catcher.handle_message({"type": "key", "key": "v"}) and c.form is not None
    assert catcher.handle_message({"type": "key", "key": "Escape", "form": {"theme": "x"}})
    assert c.form is None and "cancelled" in panel.message_label.value


def test_key_catcher_sends_form_keys_to_the_form_callbacks() -> None:
    from workbench.views.keys import KeyCatcher

    catcher = KeyCatcher()
    keys: list[str] = []
    forms: list[tuple[str, dict[str, object]]] = []
    catcher.on_key(keys.append)
    assert catcher.handle_message({"type": "key", "key": "Enter", "form": {"a": "b"}})
    assert keys == ["Enter"]  # no form callback yet: an ordinary key
    catcher.on_form_key(lambda key, values: forms.append((key, values)))
    assert catcher.handle_message({"type": "key", "key": "Enter",
                                   "form": {"into": "x", "apply": True, "bad": [1]}})
    assert catcher.handle_message({"type": "key", "key": "1", "form": {"into": "y"}})
    assert forms == [("Enter", {"into": "x", "apply": True})] and keys == ["Enter", "1"]
    assert "wb-codebook-form" in catcher._esm and "wb-field-" in catcher._esm
