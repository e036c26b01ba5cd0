"""Every code by keyboard: the code palette (/) on a codebook of 40 codes, the keys shown
on the buttons, and the definitions pane (i)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench import CodebookError, CodingController, CodingPanel, Project, create_project
from workbench.model import Code, Codebook, Theme
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.testing import demo_transcript
from workbench.views.coding_state import palette_keys, palette_matches

WORDS = ("withdrawal", "anxiety", "rupture", "repair", "empathy", "warmth", "hope",
         "shame", "anger", "trust", "doubt", "relief", "confusion", "curiosity", "humour",
         "silence", "compliance", "challenge", "validation", "insight", "attunement",
         "boredom", "fatigue", "pressure", "safety", "closeness", "distance", "agency",
         "guilt", "pride", "longing", "fear", "gratitude", "irritation", "resignation",
         "surprise", "tension", "collaboration", "goal", "task")


def big_codebook() -> Codebook:
    """40 codes in four themes, each with definition, inclusion, exclusion, example."""
    themes = tuple(Theme(f"theme{t}", f"Theme {name}", "", "#1f77b4")
                   for t, name in enumerate(("barriers", "facilitators", "experience",
                                             "change")))
    codes = tuple(
        Code(word, f"{word.capitalize()} in the relationship", f"theme{i // 10}",
             f"definition of {word}", "#d62728", f"use {word} when ...",
             f"not {word} when ...", f"example of {word}")
        for i, word in enumerate(WORDS))
    return Codebook("forty codes", themes, codes)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    p = create_project(tmp_path / "forty.sqlite")
    p.import_parsed([parse_ipr_text(demo_transcript("D1", 3, "client"), source="d1.txt")],
                    progress=False)
    p.load_codebook(big_codebook())
    p.add_coder("ana")
    yield p
    p.close()


def stored(project: Project) -> set[tuple[int, str]]:
    frame = project.segment_codings(coder="ana", with_attributes=False)
    return {(int(r.segment_index), str(r.code)) for r in frame.itertuples()}


def press(c: CodingController, *keys: str) -> None:
    for key in keys:
        c.perform(c.handle_key, key)


def to_participant(c: CodingController) -> None:
    while c.segment is not None and c.segment.role != "participant":
        assert c.next()


# -- keys for every code ------------------------------------------------------------------
def test_every_code_has_a_distinct_key_shown_on_its_button(project: Project) -> None:
    c = CodingController(project, "ana")
    state = c.view_state()
    assert len(state.codes) == 40
    labels = [s.label for s in state.codes]
    assert len(set(labels)) == 40
    assert labels[0] == "1 Withdrawal in the relationship"
    assert labels[9] == "0 Trust in the relationship"
    typed = palette_keys(project.codebook)
    assert len(set(typed.values())) == 40  # no two codes share palette keys
    for s in state.codes[10:]:
        assert s.shortcut == "" and s.label == f"/{s.palette} {s.code.name}"
        assert s.palette == typed[s.code.key] and s.code.key.startswith(s.palette)
    # "confusion", "compliance", "closeness", "collaboration", "curiosity", "challenge":
    # the later ones need longer prefixes than the earlier ones took
    assert typed["confusion"] == "co" and typed["compliance"] == "com"
    assert typed["collaboration"] == "col"


def test_panel_buttons_show_the_keys(project: Project) -> None:
    panel = CodingPanel(CodingController(project, "ana"))
    typed = palette_keys(project.codebook)
    assert panel.code_buttons["withdrawal"].description == "1 Withdrawal in the relationship"
    assert panel.code_buttons["task"].description == \
        f"/{typed['task']} Task in the relationship"
    assert all("wb-code-button" in b._dom_classes for b in panel.code_buttons.values())


# -- the palette ----------------------------------------------------------------------------
def test_palette_filters_moves_and_applies_the_highlighted_code(project: Project) -> None:
    c = CodingController(project, "ana")
    to_participant(c)
    segment = c.segment
    assert segment is not None
    press(c, "/")
    view = c.view_state().palette
    assert view is not None and view.query == "" and len(view.matches) == 40
    press(c, "s", "T")
    view = c.view_state().palette
    assert view is not None and view.query == "sT"
    expected = palette_matches(project.codebook, "st")
    assert view.matches == expected
    assert [m.key for m in view.matches] == ["trust", "distance"]  # codebook order
    press(c, "ArrowDown")
    view = c.view_state().palette
    assert view is not None and view.highlighted == 1
    chosen = view.matches[1]
    assert c.view_state().info == chosen  # the definitions pane follows the highlight
    press(c, "Enter")
    assert c.view_state().palette is None and c.last_error is None
    assert stored(project) == {(segment.index, chosen.key)}
    assert c.view_state().info == chosen and c.segment == segment


def test_letters_typed_in_the_palette_trigger_no_other_key(project: Project) -> None:
    c = CodingController(project, "ana")
    to_participant(c)
    c.perform(c.toggle_code, 1)  # something to undo
    before = (c.segment, len(c.undo_stack), stored(project))
    press(c, "/", *"nrmpvdbquzsic", "3", "ArrowRight")  # form, recode, undo, move keys...
    state = c.view_state()
    assert state.mode == "palette" and state.form is None and state.recode is None
    assert state.palette is not None and state.palette.query == "nrmpvdbquzsic3"
    assert state.palette.highlighted == 0  # ArrowRight moved the highlight: no match
    assert (c.segment, len(c.undo_stack), stored(project)) == before
    press(c, "Enter")  # nothing matches: an error, nothing stored, the palette stays
    assert c.last_error is not None and "no code matches" in c.last_error.message
    assert stored(project) == before[2] and c.view_state().palette is not None
    assert c.save_state.kind == "error"
    for _ in range(14):
        press(c, "Backspace")
    assert c.view_state().palette is not None and c.view_state().palette.query == ""
    press(c, "Escape")
    assert c.view_state().palette is None and stored(project) == before[2]
    press(c, "2")  # digits toggle the first ten again
    assert (before[0].index, "anxiety") in stored(project)


def test_each_code_past_the_tenth_by_its_palette_keys(project: Project) -> None:
    c = CodingController(project, "ana")
    to_participant(c)
    segment = c.segment
    assert segment is not None
    typed = palette_keys(project.codebook)
    for code in project.codebook.codes[10:]:
        press(c, "/", *typed[code.key], "Enter")
        assert c.last_error is None, c.last_error
    assert stored(project) == {(segment.index, code.key)
                               for code in project.codebook.codes[10:]}


def test_palette_matches_names_and_themes(project: Project) -> None:
    codebook = project.codebook
    # by a word of the name (spaces ignored), by the theme's name
    assert palette_matches(codebook, "Hope in")[0].key == "hope"
    in_change = {c.key for c in palette_matches(codebook, "change")}
    assert in_change == {c.key for c in codebook.codes if c.theme == "theme3"}
    assert palette_matches(codebook, "zzz") == ()
    assert palette_matches(codebook, "") == codebook.codes


def test_palette_applies_to_the_selection_when_there_is_one(project: Project) -> None:
    c = CodingController(project, "ana")
    to_participant(c)
    segment = c.segment
    assert segment is not None
    selected = c.select(segment.start, segment.start + 5)  # snapped to whole words
    assert selected is not None and selected[0] == segment.start
    assert selected[1] < segment.end  # part of the sentence, not all of it
    press(c, "/", *"hope", "Enter")
    frame = project.codings(coder="ana")
    assert [(int(r.start), int(r.end), r.code) for r in frame.itertuples()] == \
        [(selected[0], selected[1], "hope")]


# -- the definitions pane -----------------------------------------------------------------
def test_definitions_pane_beside_the_text_by_keyboard(project: Project) -> None:
    panel = CodingPanel(CodingController(project, "ana"))

    def key(name: str) -> None:
        assert panel.key_catcher.handle_message({"type": "key", "key": name})

    html = panel.info_html.value
    assert "Withdrawal in the relationship" in html and "definition of withdrawal" in html
    key("i")
    html = panel.info_html.value
    for text in ("definition of anxiety", "use anxiety when", "not anxiety when",
                 "example of anxiety", "<kbd>2</kbd>"):
        assert text in html
    key("I")
    key("I")  # wraps to the last code
    assert "definition of task" in panel.info_html.value
    # the pane sits in one row with the transcript text, not below it
    row = next(w for w in panel.children if panel.transcript in getattr(w, "children", ()))
    assert panel.info_html in row.children
    key("/")
    for ch in "rel":
        key(ch)
    assert "wb-palette-current" in panel.palette_html.value
    assert "definition of relief" in panel.info_html.value
    key("Escape")
    assert panel.palette_html.value == ""


# -- shortcuts declared in the codebook ------------------------------------------------------
def test_declared_shortcuts_are_shown_and_typed(project: Project) -> None:
    import dataclasses

    book = project.codebook
    declared = {"withdrawal": "wd", "task": "tk", "tension": "ts"}
    project.load_codebook(dataclasses.replace(book, codes=tuple(
        dataclasses.replace(c, shortcut=declared.get(c.key, "")) for c in book.codes)))
    c = CodingController(project, "ana")
    to_participant(c)
    segment = c.segment
    assert segment is not None
    labels = {s.code.key: s.label for s in c.view_state().codes}
    assert labels["withdrawal"] == "1 /wd Withdrawal in the relationship"
    assert labels["task"] == "/tk Task in the relationship"
    assert labels["anxiety"] == "2 Anxiety in the relationship"
    press(c, "/", "t", "k", "Enter")
    press(c, "/", "t", "s", "Enter")
    assert stored(project) == {(segment.index, "task"), (segment.index, "tension")}
    clash = dataclasses.replace(project.codebook, codes=tuple(
        dataclasses.replace(x, shortcut="tk") if x.key == "hope" else x
        for x in project.codebook.codes))
    with pytest.raises(CodebookError, match="'tk' is already the shortcut of code"):
        project.load_codebook(clash)
