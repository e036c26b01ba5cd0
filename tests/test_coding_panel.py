"""CodingPanel driven without a browser: clicks, trait changes and key messages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import ipywidgets as widgets
import pytest

import workbench as wb
from workbench import CodingController, CodingPanel, Project, coding_panel, create_project
from workbench.model import Code, Codebook, Theme
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.testing import make_demo_project
from workbench.views.coding_html import contrast_colour, safe_colour, tint
from workbench.views.keys import KEYS, KeyCatcher


@pytest.fixture
def blank(tmp_path: Path) -> Iterator[Project]:
    project = make_demo_project(tmp_path / "blank.sqlite", codings=False)
    yield project
    project.close()


@pytest.fixture
def panel(blank: Project) -> CodingPanel:
    return coding_panel(blank, "ana")


def stored(project: Project, coder: str = "ana") -> set[tuple[int, str]]:
    frame = project.segment_codings(coder=coder, with_attributes=False)
    return {(int(r.segment_id), str(r.code)) for r in frame.itertuples()}


def current_id(panel: CodingPanel) -> int:
    segment = panel.controller.segment
    assert segment is not None
    return segment.id


def all_widgets(root: widgets.Widget) -> Iterator[widgets.Widget]:
    yield root
    for child in getattr(root, "children", ()):
        yield from all_widgets(child)


def key(panel: CodingPanel, name: str) -> bool:
    """What the browser's keydown does: a custom message to the KeyCatcher."""
    return panel.key_catcher.handle_message({"type": "key", "key": name})


# -- layout -------------------------------------------------------------------------------
def test_code_buttons_grouped_by_theme_in_codebook_colours(panel: CodingPanel) -> None:
    codebook = panel.controller.codebook
    assert list(panel.code_buttons) == list(codebook.keys)
    withdrawal = panel.code_buttons["withdrawal"]
    assert withdrawal.description == "1 Withdrawal"
    assert withdrawal.style.button_color == tint("#D62728", 0.8)
    tip = withdrawal.tooltip
    assert "The client distances or goes vague." in tip and "Use for: Vague answers" in tip
    assert "Not for: Anxiety without distancing." in tip and "Example: I just went quiet." in tip
    rows = [w for w in panel.children if isinstance(w, widgets.HBox)
            and isinstance(w.children[0], widgets.Label)]
    assert [r.children[0].value for r in rows] == ["Relational barriers",
                                                  "Relational facilitators"]
    assert [b.description for b in rows[1].children[1].children] == \
        ["4 Repair", "5 Empathic listening"]
    assert panel.codebook_accordion.titles == ("Codebook: Relational barriers",
                                               "Codebook: Relational facilitators")
    assert "Vague answers, topic shifts." in panel.codebook_accordion.children[0].value
    assert panel.widget is panel and isinstance(panel, widgets.VBox)


def test_colour_helpers() -> None:
    assert safe_colour("red") == "#777777" and safe_colour("#a1B2c3") == "#a1B2c3"
    assert safe_colour('#fff" onmouseover="x') == "#777777"
    assert tint("#000000", 0.5) == "#808080" and tint("#ffffff") == "#ffffff"
    assert contrast_colour("#ffe066") == "#000000" and contrast_colour("#7f0000") == "#ffffff"


# -- clicking -----------------------------------------------------------------------------
def test_clicking_code_buttons_applies_and_removes(panel: CodingPanel, blank: Project) -> None:
    panel.next_button.click()
    panel.next_button.click()
    segment = current_id(panel)
    panel.code_buttons["anxiety"].click()
    panel.code_buttons["withdrawal"].click()
    assert stored(blank) == {(segment, "anxiety"), (segment, "withdrawal")}
    button = panel.code_buttons["anxiety"]
    assert button.icon == "check" and button.style.button_color == "#E6550D"
    assert button.style.font_weight == "bold"
    assert panel.progress_label.value == f"coded 1 of {panel.progress.max}"
    assert panel.progress.value == 1
    panel.code_buttons["anxiety"].click()
    assert stored(blank) == {(segment, "withdrawal")}
    assert panel.code_buttons["anxiety"].icon == ""
    panel.undo_button.click()
    assert stored(blank) == {(segment, "anxiety"), (segment, "withdrawal")}
    assert panel.message_label.value == "undone: remove 'anxiety' on segment #2"


def test_navigation_buttons_and_jump(panel: CodingPanel) -> None:
    assert panel.previous_button.click() is None
    assert panel.message_label.value == "first segment"
    panel.next_button.click()
    assert panel.jump_input.value == 1
    panel.jump_input.value = 6
    panel.jump_button.click()
    assert panel.controller.segment is not None and panel.controller.segment.index == 6
    assert "segment #6" in panel.header_html.value
    assert "It felt pointless to explain." in panel.context_html.value
    panel.previous_button.click()
    assert panel.jump_input.value == 5
    panel.code_buttons["repair"].click()
    panel.jump_input.value = 0
    panel.jump_button.click()
    panel.uncoded_button.click()
    assert panel.jump_input.value == 1


def test_dropdowns_change_document_coder_filters(panel: CodingPanel, blank: Project) -> None:
    panel.document_dropdown.value = "D2_S3_therapist"
    assert panel.controller.document == "D2_S3_therapist"
    assert "D2" in panel.case_html.value and "poor" in panel.case_html.value
    panel.role_filter.value = "participant"
    assert panel.controller.segment is not None
    assert panel.controller.segment.role == "participant"
    assert panel.progress_label.value.endswith(
        f"of {len(blank.segments(document='D2_S3_therapist', role='participant'))}")
    panel.speaker_filter.value = "Researcher"  # no participant segment of the Researcher
    assert panel.controller.segment is None
    assert all(b.disabled for b in panel.code_buttons.values())
    panel.role_filter.value = ""
    assert panel.controller.segment is not None
    assert panel.controller.segment.speaker == "Researcher"
    panel.coder_dropdown.value = "ben"
    assert panel.controller.coder == "ben"
    assert panel.error_html.value == ""


# -- keys -------------------------------------------------------------------------------
def test_key_messages_toggle_move_and_undo(panel: CodingPanel, blank: Project) -> None:
    assert key(panel, "ArrowRight") and panel.jump_input.value == 1
    assert key(panel, "3")
    first = current_id(panel)
    assert stored(blank) == {(first, "rupture")}
    assert key(panel, "u") and panel.jump_input.value == 2
    assert key(panel, "1") and key(panel, "2")
    second = current_id(panel)
    assert stored(blank) == {(first, "rupture"), (second, "withdrawal"), (second, "anxiety")}
    assert key(panel, "2")  # toggles anxiety off again
    assert key(panel, "z")  # anxiety back
    assert stored(blank) == {(first, "rupture"), (second, "withdrawal"), (second, "anxiety")}
    assert key(panel, "z")  # applying anxiety undone
    assert stored(blank) == {(first, "rupture"), (second, "withdrawal")}
    assert key(panel, "ArrowLeft") and panel.jump_input.value == 1
    assert not key(panel, "F1")  # not forwarded
    assert not panel.key_catcher.handle_message({"type": "click"})
    assert not panel.key_catcher.handle_message("junk")


def test_key_catcher_forwards_only_its_keys() -> None:
    catcher = KeyCatcher()
    got: list[str] = []
    catcher.on_key(got.append)
    for name in (*KEYS, "Home", "PageDown", "F1", "Tab"):
        catcher.handle_message({"type": "key", "key": name})
    assert got == list(KEYS)
    assert "data-lm-suppress-shortcuts" in catcher._esm
    assert "export default" in catcher._esm and "model.send" in catcher._esm


# -- memo and reviewer ----------------------------------------------------------------------
def test_memo_saved_from_textarea_and_button(panel: CodingPanel, blank: Project) -> None:
    assert panel.memo_text.disabled and panel.memo_button.disabled
    panel.code_buttons["empathy"].click()
    panel.code_buttons["repair"].click()
    assert panel.memo_code.options == (("Repair", "repair"), ("Empathic listening", "empathy"))
    assert panel.memo_code.value == "repair"
    panel.memo_text.value = "they repaired"  # what a blur of the textarea sends
    panel.memo_code.value = "empathy"
    assert panel.memo_text.value == ""
    panel.memo_text.value = "felt heard"
    panel.memo_button.click()
    memos = {r.code: r.memo for r in blank.codings(coder="ana").itertuples()}
    assert memos == {"repair": "they repaired", "empathy": "felt heard"}
    panel.undo_button.click()
    assert {r.code: r.memo for r in blank.codings(coder="ana").itertuples()}["empathy"] == ""


def test_reviewer_toggle_shows_other_coders_visibly(tmp_path: Path) -> None:
    project = make_demo_project(tmp_path / "demo.sqlite")
    panel = coding_panel(project, "ana", "D1_S3_client")
    panel.controller.jump(2)
    panel.render()
    assert "Blind coding" in panel.reviewer_html.value
    assert "ben" not in panel.reviewer_html.value
    assert panel.code_buttons["anxiety"].description == "2 Anxiety"
    assert panel.reviewer_toggle.disabled  # ana is not a reviewer
    project.set_coder_role("ana", "reviewer")
    panel.refresh_button.click()  # every action reads the role again
    assert not panel.reviewer_toggle.disabled
    panel.reviewer_toggle.value = True
    assert "REVIEWER VIEW" in panel.reviewer_html.value
    assert "<b>ben</b>: Anxiety" in panel.reviewer_html.value
    assert panel.code_buttons["anxiety"].description == "2 Anxiety · ben, chloe"
    assert panel.reviewer_toggle.description == "Reviewer view: ON"
    panel.reviewer_toggle.value = False
    assert "ben" not in panel.reviewer_html.value
    project.close()


# -- errors and escaping ----------------------------------------------------------------------
def test_callback_exceptions_are_shown_in_the_panel(panel: CodingPanel, blank: Project,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def on_fire(*_args: object, **_kwargs: object) -> str:
        raise RuntimeError("disk <on> fire")

    monkeypatch.setattr(blank, "apply_range", on_fire)
    panel.code_buttons["repair"].click()  # must not raise
    assert "RuntimeError" in panel.error_html.value
    assert "disk &lt;on&gt; fire" in panel.error_html.value
    assert "Traceback" in panel.error_html.value
    key(panel, "9")
    assert "no code on key 9" in panel.error_html.value
    monkeypatch.undo()
    panel.code_buttons["repair"].click()
    assert panel.error_html.value == ""
    assert stored(blank) == {(current_id(panel), "repair")}


def test_rendering_errors_are_shown_too(panel: CodingPanel,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise KeyError("view state")

    monkeypatch.setattr(panel.controller, "view_state", broken)
    panel.next_button.click()
    assert "KeyError" in panel.error_html.value


EVIL = "<script>alert(1)</script>"
EVIL_IMG = "<img src=x onerror=alert(1)>"


def xss_project(path: Path) -> Project:
    text = "\n".join([
        "---", "synthetic: true", "document: X1_S3_client", "dyad: X1", "session: 3",
        "perspective: client", "participant: C1", "speakers:",
        "  R: {name: Researcher, role: interviewer}",
        '  C: {name: "<img src=x onerror=alert(2)>", role: participant}',
        "attributes:", '  orientation: "<script>alert(3)</script>"', "---",
        f"R: Stop it anywhere. {EVIL}", "", "[00:01:00]", f"C: I said {EVIL_IMG} and left.",
        "R: <b>bold?</b>", "",
    ])
    project = create_project(path)
    project.import_parsed([parse_ipr_text(text)], progress=False)
    project.load_codebook(Codebook(
        name="evil", themes=(Theme("t", "<i>Theme</i>", "", "#123456"),),
        codes=(Code("c1", "<script>alert(4)</script>", "t",
                    "def <img src=x onerror=alert(5)>", "#ff0000", "in <b>", "out <i>",
                    "ex <script>"),),
    ))
    project.add_coder("<b>ana</b>", role="reviewer")
    project.add_coder("ben")
    return project


def test_transcript_speaker_and_code_names_are_escaped(tmp_path: Path) -> None:
    project = xss_project(tmp_path / "xss.sqlite")
    ben = CodingController(project, "ben")
    ben.next()
    ben.toggle_code("c1")
    panel = coding_panel(project, "<b>ana</b>", reviewer=True)
    for _ in range(3):
        html_values = [w.value for w in all_widgets(panel) if isinstance(w, widgets.HTML)]
        html_values += [w.value for w in all_widgets(panel.codebook_accordion)
                        if isinstance(w, widgets.HTML)]
        joined = "\n".join(html_values)
        for raw in ("<script", "<img", "<b>ana", "<b>bold", "<i>Theme", "out <i>", "in <b>"):
            assert raw not in joined, raw
        panel.key_catcher.handle_message({"type": "key", "key": "ArrowRight"})
    panel.controller.jump(0)
    panel.render()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in panel.context_html.value
    assert "I said &lt;img src=x onerror=alert(1)&gt; and left." in panel.context_html.value
    assert "&lt;img src=x onerror=alert(2)&gt;" in panel.context_html.value  # speaker
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in panel.case_html.value
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in panel.codebook_accordion.children[0].value
    assert panel.code_buttons["c1"].description == "1 <script>alert(4)</script>"  # text node
    panel.controller.jump(1)
    panel.render()
    assert "<b>ben</b>: &lt;script&gt;" in panel.reviewer_html.value
    project.close()


def test_public_names() -> None:
    assert wb.CodingPanel is CodingPanel and wb.CodingController is CodingController
    assert wb.coding_panel is coding_panel
    assert {"CodingController", "CodingPanel", "coding_panel"} <= set(wb.__all__)
