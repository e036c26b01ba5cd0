"""Coder identity (issue 14 point 5): who codes comes from the environment, never silently a
sample coder; locked panels and blind rounds; only a reviewer acts on others' codings, and
the audit keeps the actor and the owner apart; names are shown inert."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import ipywidgets as widgets
import pytest

from workbench import (
    CodingController,
    CodingPanel,
    ConflictError,
    NotPermittedError,
    Project,
    coding_panel,
)
from workbench.coder_identity import CoderPrompt, inert, resolve_coder
from workbench.errors import UsageError
from workbench.testing import make_demo_project
from workbench.views.coding_panel import CoderPromptPanel

RLO = "\u202e"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    demo = make_demo_project(tmp_path / "demo.sqlite")
    yield demo
    demo.close()


def audit_rows(project: Project, action: str) -> list[dict[str, object]]:
    log = project.audit_log()
    return log[log["action"] == action].to_dict("records")


# -- who is coding ------------------------------------------------------------------
def test_argument_then_workbench_coder_then_jupyterhub_user(project: Project) -> None:
    env = {"WORKBENCH_CODER": "ben", "JUPYTERHUB_USER": "chloe"}
    assert resolve_coder(project, "ana", environ=env).coder == "ana"
    choice = resolve_coder(project, environ=env)
    assert (choice.coder, choice.source, choice.registered) == ("ben", "WORKBENCH_CODER", False)
    hub = resolve_coder(project, environ={"JUPYTERHUB_USER": "chloe"})
    assert (hub.coder, hub.source) == ("chloe", "JUPYTERHUB_USER")
    assert "from JUPYTERHUB_USER" in hub.message
    nobody = resolve_coder(project, environ={"WORKBENCH_CODER": "  "})
    assert nobody.coder is None and "Who is coding?" in nobody.message


def test_a_new_name_from_the_environment_is_registered_as_a_plain_coder(
        project: Project) -> None:
    choice = resolve_coder(project, environ={"JUPYTERHUB_USER": "dana"})
    assert choice.registered and "registered as a new coder" in choice.message
    assert "dana" in project.coders()
    assert project.coder_roles()["dana"] == "coder"
    assert audit_rows(project, "add_coder")[-1]["entity_key"] == "dana"


def test_blank_or_control_character_names_are_refused(project: Project) -> None:
    with pytest.raises(UsageError, match="blank"):
        resolve_coder(project, "   ")
    with pytest.raises(UsageError, match="control character"):
        resolve_coder(project, "ana\nben")
    assert "ana\nben" not in project.coders()


def test_panel_without_any_coder_asks_and_opens_on_the_answer(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKBENCH_CODER", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    asked = coding_panel(project)
    assert isinstance(asked, CoderPromptPanel) and asked.panel is None
    assert "Who is coding?" in asked.message_html.value
    assert set(asked.name_input.options) == {"ana", "ben", "chloe"}
    assert asked.answer("  ") is None and "blank" in asked.message_html.value
    assert asked.panel is None
    panel = asked.answer("ben")
    assert isinstance(panel, CodingPanel) and asked.children == (panel,)
    assert panel.controller.coder == "ben"


def test_panel_takes_the_coder_from_the_environment(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_CODER", "chloe")
    panel = coding_panel(project)
    assert isinstance(panel, CodingPanel)
    state = panel.controller.view_state()
    assert state.coder == "chloe" and "from WORKBENCH_CODER" in state.message


def test_prompt_state_is_plain_python(project: Project) -> None:
    prompt = CoderPrompt(project)
    assert prompt.answer("ana\tx") is None and "control character" in prompt.error
    choice = prompt.answer("eve")
    assert choice is not None and choice.registered and prompt.error == ""


# -- locked panels, blind rounds, reviewers ----------------------------------------
def test_locked_panel_refuses_a_coder_switch(project: Project) -> None:
    controller = CodingController(project, "ana", lock_coder=True)
    with pytest.raises(NotPermittedError, match="codes as ana only"):
        controller.set_coder("ben")
    assert controller.coder == "ana"
    panel = CodingPanel(controller)
    panel.render()
    assert panel.coder_dropdown.disabled
    assert [value for _, value in panel.coder_dropdown.options] == ["ana"]


def test_blind_round_locks_every_panel_and_closes_the_reviewer_view(project: Project) -> None:
    project.set_coder_role("ana", "reviewer")
    reviewer = CodingController(project, "ana", "D1_S3_client", reviewer=True)
    reviewer.jump(2)
    assert reviewer.view_state().others  # others' codings shown
    project.set_blind_coding(True)
    assert project.blind_coding
    reviewer.perform(reviewer.next)  # the next action reads the setting again
    state = reviewer.view_state()
    assert not state.reviewer and state.others == () and "blind round" in state.message
    assert state.locked and not state.may_review
    with pytest.raises(NotPermittedError, match="blind round"):
        reviewer.set_reviewer(True)
    with pytest.raises(NotPermittedError, match="blind round"):
        CodingController(project, "ana", reviewer=True)
    with pytest.raises(NotPermittedError, match="blind round"):
        reviewer.set_coder("ben")
    assert audit_rows(project, "set_blind_coding")[-1]["detail"] == {"on": True}
    project.set_blind_coding(False)
    assert not project.blind_coding


def test_reviewer_view_needs_the_role(project: Project) -> None:
    with pytest.raises(NotPermittedError, match="ben is not a reviewer"):
        CodingController(project, "ben", reviewer=True)
    assert project.set_coder_role("ben", "reviewer") is True
    assert project.set_coder_role("ben", "reviewer") is False
    assert project.is_reviewer("ben")
    assert CodingController(project, "ben", "D1_S3_client", reviewer=True).reviewer
    with pytest.raises(UsageError, match="unknown coder role"):
        project.set_coder_role("ben", "admin")
    assert audit_rows(project, "set_coder_role")[-1]["detail"] == {"role": "reviewer",
                                                                   "before": "coder"}


# -- acting on another coder's coding ---------------------------------------------------
def _a_coding_of(project: Project, coder: str) -> str:
    return str(project.codings(coder=coder)["coding_uuid"].iloc[0])


def test_memo_and_removal_of_another_coders_coding_are_refused(project: Project) -> None:
    uuid = _a_coding_of(project, "ben")
    before = project.coding(uuid)
    with pytest.raises(NotPermittedError, match=r"is ben's; ana may not edit the memo"):
        project.set_coding_memo(uuid, "ana was here", coder="ana")
    with pytest.raises(ConflictError, match=r"is ben's; ana may not remove"):
        project.remove_coding(uuid, "ana")
    segment = int(project.segments(document=before.document)
                  .query("start <= @before.start < end")["segment_id"].iloc[0])
    with pytest.raises(NotPermittedError, match="only a reviewer"):
        project.remove_code(segment, before.code, "ana", owner="ben")
    assert project.coding(uuid) == before  # nothing changed


def test_a_reviewer_acts_and_the_audit_keeps_actor_and_owner(project: Project) -> None:
    project.set_coder_role("chloe", "reviewer")
    uuid = _a_coding_of(project, "ben")
    project.set_coding_memo(uuid, "checked by chloe", coder="chloe")
    assert project.coding(uuid).memo == "checked by chloe"
    memo_row = audit_rows(project, "edit_memo")[-1]
    assert (memo_row["actor"], memo_row["owner"]) == ("chloe", "ben")
    removed = project.remove_coding(uuid, "chloe")
    assert removed is not None and removed.coder == "ben"
    removal = audit_rows(project, "remove_code")[-1]
    assert (removal["actor"], removal["owner"], removal["entity_key"]) == ("chloe", "ben", uuid)
    assert project.restore_coding(removed, by="chloe")
    restored = audit_rows(project, "restore_coding")[-1]
    assert (restored["actor"], restored["owner"]) == ("chloe", "ben")
    assert project.coding(uuid).coder == "ben"  # still ben's coding
    with pytest.raises(NotPermittedError):
        project.restore_coding(removed, by="ana")
    project.set_blind_coding(True)  # a reviewer too is a coder during a blind round
    with pytest.raises(NotPermittedError, match="blind round"):
        project.set_coding_memo(uuid, "again", coder="chloe")


def test_own_actions_record_the_owner_too(project: Project) -> None:
    uuid = _a_coding_of(project, "ana")
    project.set_coding_memo(uuid, "mine", coder="ana")
    row = audit_rows(project, "edit_memo")[-1]
    assert (row["actor"], row["owner"]) == ("ana", "ana")
    assert all(r["owner"] == r["actor"] for r in audit_rows(project, "apply_code"))


# -- names shown inert -----------------------------------------------------------------
def test_bidi_controls_in_names_are_shown_inert(project: Project) -> None:
    sneaky = f"leila{RLO}gnp.exe"
    assert inert(sneaky) == "leila<U+202E>gnp.exe"
    assert inert("plain name") == "plain name"
    assert inert("سارا") == "سارا"  # right-to-left letters are text, not controls
    project.add_coder(sneaky, role="reviewer")
    panel = coding_panel(project, sneaky, "D1_S3_client", reviewer=True)
    assert isinstance(panel, CodingPanel)
    panel.render()
    labels = [label for label, _ in panel.coder_dropdown.options]
    assert "leila<U+202E>gnp.exe" in labels and sneaky not in labels
    html_values = "\n".join(w.value for w in (panel.reviewer_html, panel.header_html,
                                              panel.context_html)
                            if isinstance(w, widgets.HTML))
    assert RLO not in html_values
    assert RLO not in panel.controller.view_state().message


# -- command line ----------------------------------------------------------------------
def test_cli_roles_and_blind_round(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from workbench import create_project, open_project
    from workbench.cli import main

    path = str(tmp_path / "cli.sqlite")
    create_project(path).close()
    assert main(["coder", "add", path, "maria", "tom"]) == 0
    assert "coders: maria, tom" in capsys.readouterr().out
    assert main(["coder", "add", path, "leila", "--reviewer"]) == 0
    assert "leila (reviewer), maria, tom" in capsys.readouterr().out
    assert main(["coder", "role", path, "tom", "reviewer"]) == 0
    assert capsys.readouterr().out.strip() == "tom: reviewer"
    assert main(["coder", "role", path, "tom", "reviewer"]) == 0
    assert "(unchanged)" in capsys.readouterr().out
    assert main(["coder", "role", path, "nobody", "reviewer"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "nobody" in err
    assert main(["blind", path, "on"]) == 0
    assert "blind round: on" in capsys.readouterr().out
    with open_project(path) as opened:
        assert opened.blind_coding and opened.coder_roles() == {
            "leila": "reviewer", "maria": "coder", "tom": "reviewer"}
    assert main(["blind", path, "status"]) == 0
    assert "on" in capsys.readouterr().out
    assert main(["blind", path, "off"]) == 0
    assert capsys.readouterr().out.strip() == "blind round: off"
    assert main(["coder", "add", path, f"x{RLO}y"]) == 0
    assert "x<U+202E>y" in capsys.readouterr().out
