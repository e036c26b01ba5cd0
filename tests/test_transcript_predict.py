"""What the transcript view needs to draw a key before the kernel answers (the drawing
itself is JavaScript: tests/browser/test_panel_predict_browser.py): the visible segments,
the digit keys' codes, the coding rows' code keys and segments, when it may predict, and
the key's number sent back with the answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench import CodingController, Project
from workbench.testing import make_demo_project
from workbench.views.coding_panel import CodingPanel


@pytest.fixture
def blank(tmp_path: Path) -> Iterator[Project]:
    project = make_demo_project(tmp_path / "blank.sqlite", codings=False)
    yield project
    project.close()


def test_units_and_code_keys_follow_the_filter_and_the_codebook(blank: Project) -> None:
    panel = CodingPanel(CodingController(blank, "ana"))
    view, c = panel.transcript, panel.controller
    assert view.units == [[s.start, s.end, s.id] for s in c.doc.segments]
    codes = blank.codebook.codes
    assert view.code_keys == [[k.key, k.colour, k.name] for k in codes[:10]]
    c.set_filter("participant")
    panel.render()
    assert view.units == [[s.start, s.end, s.id] for s in c.doc.segments
                          if s.role == "participant"]
    assert view.current == view.units[0][:2]
    blank.retire_code(codes[0].key)  # elsewhere: the next key takes it up
    panel.press("ArrowRight")
    assert [k[0] for k in view.code_keys] == [k.key for k in codes[1:11]]


def test_coding_rows_carry_the_code_key_and_the_segments_touched(blank: Project) -> None:
    panel = CodingPanel(CodingController(blank, "ana"))
    view, c = panel.transcript, panel.controller
    segment = c.segment
    assert segment is not None
    panel.press("2")
    ((start, end, _colour, _name, uuid, coder, key, ids),) = view.codings
    assert (start, end, coder, key, ids) == (segment.start, segment.end, "",
                                             blank.codebook.keys[1], [segment.id])
    first, second = c.doc.segments[0], c.doc.segments[1]
    c.apply_range(first.start, second.end, "anxiety")
    panel.render()
    across = [row for row in view.codings if row[4] != uuid]
    assert [row[7] for row in across] == [[first.id, second.id]]


def test_predict_is_off_while_a_form_palette_or_selection_is_open(blank: Project) -> None:
    panel = CodingPanel(CodingController(blank, "ana"))
    view, c = panel.transcript, panel.controller
    assert c.predictable and view.predict
    for opening, closing in (("n", "Escape"), ("/", "Escape")):
        panel.press(opening)
        assert not c.predictable and not view.predict, opening
        panel.press(closing)
        assert c.predictable and view.predict, closing
    words = c.doc.text.index("feeling nervous")
    assert view.handle_message({"type": "select", "start": words, "end": words + 7})
    assert not view.predict
    panel.press("Escape")
    assert view.predict


def test_the_answer_carries_the_number_of_the_key_it_handled(
        blank: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    panel = CodingPanel(CodingController(blank, "ana"))
    view, catcher = panel.transcript, panel.key_catcher
    assert view.ack == 0
    updates: list[dict[str, object]] = []
    view.observe(lambda change: updates.append({change["name"]: change["new"]}),
                 names=["ack", "current"])
    assert catcher.handle_message({"type": "key", "key": "ArrowRight", "seq": 41})
    assert catcher.seq == 41 and view.ack == 41
    assert {"current"} <= {k for u in updates for k in u}  # the move, in the same update
    assert catcher.handle_message({"type": "key", "key": "q", "seq": 42})  # no change
    assert view.ack == 42
    assert catcher.handle_message({"type": "key", "key": "Escape", "seq": True})
    assert catcher.seq == 42  # not a number: kept
    # the panel's rendering fails: the number is still sent, so the browser stops waiting
    monkeypatch.setattr(panel.transcript, "show", _broken)
    assert catcher.handle_message({"type": "key", "key": "ArrowRight", "seq": 50})
    assert view.ack == 50
    assert "RuntimeError" in panel.error_html.value


def _broken(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("rendering broke")
