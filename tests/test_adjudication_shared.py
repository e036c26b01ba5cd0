"""Adjudication by a team (issue 13 point 3, gaps A and B), driven headless.

Gap A: progress counts every settled item of the queue's scope as stored, whoever settled
it and wherever; a view opened later (or after a kernel restart) shows the same figure, and
an item someone settles elsewhere leaves the queue on the next action. Two controllers on
two Project objects of the same store stand for two team members (SQLite file and
PostgreSQL).

Gap B: recode reaches any live code of a large codebook by typing in the coding panel's
palette (the same filter and palette keys), retired codes are not offered.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from workbench import open_project
from workbench.project import Project
from workbench.testing import make_demo_project
from workbench.views.adjudication import AdjudicationController, adjudication_html
from workbench.views.coding_state import palette_keys

C1 = "D1_S3_client"


@pytest.fixture
def two(backend_url: str) -> Iterator[tuple[Project, Project]]:
    """The demo project and a second Project on the same store (another team member)."""
    first = make_demo_project(backend_url)
    second = open_project(backend_url)
    yield first, second
    second.close()
    first.close()


def _by(project: Project) -> list[tuple[str, str]]:
    history = project.decision_history()
    return list(zip(history["item_id"], history["decided_by"], strict=True))


# -- gap A: progress as stored -----------------------------------------------------------------
def test_progress_counts_decisions_stored_earlier_and_survives_reopening(
        two: tuple[Project, Project], backend_url: str):
    ana_project, tom_project = two
    ana = AdjudicationController(ana_project, decided_by="ana")
    assert ana.progress == "0 of 16 settled" and len(ana) == 16
    first, second = ana.item_ids[:2]
    ana.press("a")
    ana.press("x")
    assert ana.progress == "2 of 16 settled"
    # a decision taken through the API, not in any view, counts too
    third = ana.item_ids[2]
    tom_project.decide(third, "apply", start=270, end=299, decided_by="tom")
    assert ana.progress == "2 of 16 settled"  # seen on ana's next action
    ana.press("n")
    assert ana.progress == "3 of 16 settled" and third not in ana.item_ids

    # another member opens the view: the settled items are counted, not queued
    tom = AdjudicationController(tom_project, decided_by="tom")
    assert tom.progress == "3 of 16 settled" and tom.view().settled == 3
    assert len(tom) == 13 and not {first, second, third} & set(tom.item_ids)
    assert tom.view().total == 13 and tom.view().progress == "3 of 16 settled"

    # a kernel restart: a new Project object, a new view, the same figure
    ana_project.close()
    restarted = open_project(backend_url)
    try:
        again = AdjudicationController(restarted, decided_by="ana")
        assert again.view().progress == "3 of 16 settled" and len(again) == 13
        # filters narrow the scope, and the count with it
        c1 = AdjudicationController(restarted, decided_by="ana", documents=C1)
        assert c1.progress == "3 of 4 settled" and len(c1) == 1
    finally:
        restarted.close()


def test_an_item_settled_elsewhere_leaves_the_queue_on_the_next_action(
        two: tuple[Project, Project]):
    ana_project, tom_project = two
    ana = AdjudicationController(ana_project, decided_by="ana")
    tom = AdjudicationController(tom_project, decided_by="tom")
    ids = list(tom.item_ids)
    assert ana.item_ids == ids

    tom.press("a")  # tom settles the item both have on screen
    assert ana.view().item_id == ids[0]  # nothing happens before ana acts
    ana.press("a")  # the same key: nothing is stored twice, the item leaves ana's queue
    view = ana.view()
    assert "settled elsewhere by tom" in view.message and view.error == ""
    assert view.item_id == ids[1] and ids[0] not in ana.item_ids
    assert view.progress == "1 of 16 settled" and view.total == 15
    assert _by(ana_project) == [(ids[0], "tom")]

    # an item further down the queue: counted and dropped, ana's key still acts
    tom_project.decide(ids[2], "apply", start=270, end=299, decided_by="tom")
    ana.press("n")
    view = ana.view()
    assert "1 item settled elsewhere by tom left the queue" in view.message
    assert view.item_id == ids[3] and ids[2] not in ana.item_ids
    assert view.progress == "2 of 16 settled"

    # a pending decision on an item settled meanwhile is dropped, not stored on another one
    ana.press("p")
    assert ana.view().item_id == ids[1]  # anxiety 1 of 3
    ana.press("a")  # apply against the majority: asks for a reason
    assert ana.view().pending is not None
    ana.reason_text = "ben is right"
    tom_project.decide(ids[1], "reject", decided_by="tom")
    ana.press("Enter")
    view = ana.view()
    assert view.pending is None and "settled elsewhere by tom" in view.message
    assert view.item_id == ids[3]
    assert [who for _, who in _by(ana_project)] == ["tom", "tom", "tom"]

    # ana's own decisions stay in her queue (she can revise them); tom's view counts them
    ana.press("x")  # anxiety 1 of 3: reject, with the majority
    assert _by(ana_project)[-1] == (ids[3], "ana")
    assert ids[3] in ana.item_ids and ana.progress == "4 of 16 settled"
    tom.press("s")
    assert tom.progress == "4 of 16 settled"
    assert not {ids[1], ids[2], ids[3]} & set(tom.item_ids)
    ana.press("z")
    ana.press("a")  # revise ana's own decision: a reason (against the majority) is asked
    ana.reason_text = "on second thought"
    ana.press("Enter")
    assert ana.view().error == "" and ana.progress == "4 of 16 settled"
    assert ana_project.decision_history()["revision"].max() == 2


def test_the_whole_queue_settled_elsewhere_empties_the_view(two: tuple[Project, Project]):
    ana_project, tom_project = two
    ana = AdjudicationController(ana_project, decided_by="ana", documents=C1)
    tom = AdjudicationController(tom_project, decided_by="tom", documents=C1)
    for _ in range(4):
        tom.press("a" if tom.view().majority == "applied" else "x")
    assert tom.progress == "4 of 4 settled" and tom.view().error == ""
    ana.press("n")
    view = ana.view()
    assert view.item_id is None and view.progress == "4 of 4 settled"
    assert "settled elsewhere by tom" in view.message
    assert "4 of 4 settled" in adjudication_html(view)


# -- gap B: recode through the palette ---------------------------------------------------------
WORDS = ("silence", "humour", "shame", "pride", "guilt", "relief", "hope", "doubt", "trust",
         "anger", "boredom", "curiosity", "envy", "gratitude", "grief", "joy", "loneliness",
         "longing", "nostalgia", "panic", "regret", "resentment", "safety", "surprise",
         "tenderness", "triumph", "unease", "urgency", "vigilance", "warmth", "wonder", "worry",
         "yearning", "zeal", "calm")


@pytest.fixture
def big(tmp_path: Path) -> Iterator[Project]:
    """The demo project with a 40-code codebook (35 codes added in a new theme)."""
    project = make_demo_project(tmp_path / "big.sqlite")
    for i, word in enumerate(WORDS):
        project.create_code(f"x_{word}", f"Felt {word}", theme="feelings",
                            theme_name="Feelings" if i == 0 else None,
                            definition=f"The client names {word}.")
    assert len(project.codebook.codes) == 40
    yield project
    project.close()


def _open_recode(project: Project) -> AdjudicationController:
    controller = AdjudicationController(project, decided_by="ana", documents=C1)
    controller.next()  # anxiety 245 (1 of 3): a recode goes with the majority
    assert controller.view().code is not None and controller.view().code.key == "anxiety"
    controller.press("c")
    return controller


def test_recode_reaches_any_code_of_a_large_codebook_by_its_palette_keys(big: Project):
    keys = palette_keys(big.codebook)
    controller = _open_recode(big)
    view = controller.view()
    assert view.palette is not None and view.palette.query == ""
    assert len(view.palette.matches) == 39  # every live code but the item's own
    assert len(view.recode_choices) == 9
    target = "x_yearning"  # the 38th code: far beyond any digit
    for char in keys[target]:
        controller.press(char)
    view = controller.view()
    assert view.palette is not None and view.palette.current is not None
    assert view.palette.current.key == target
    assert view.palette.current.name == "Felt yearning"
    assert "Felt yearning" in adjudication_html(view)  # the code's name is shown
    assert big.decision_history().empty  # typing only filters
    controller.press("Enter")
    history = big.decision_history()
    assert history[["kind", "new_code"]].values.tolist() == [["recode", target]]
    assert controller.view().palette is None and controller.view().mode == "decide"


def test_recode_palette_filters_by_name_moves_and_never_acts_while_typing(big: Project):
    controller = _open_recode(big)
    for char in "xja":  # decision keys in the deciding mode: here they only filter
        controller.press(char)
    view = controller.view()
    assert view.palette is not None and view.palette.query == "xja"
    assert big.decision_history().empty
    for _ in range(3):
        controller.press("Backspace")
    for char in "felt w":
        controller.press(char)
    view = controller.view()
    assert view.palette is not None
    names = [c.name for c in view.palette.matches]
    assert names[:3] == ["Felt warmth", "Felt wonder", "Felt worry"]
    controller.press("ArrowDown")
    controller.press("ArrowDown")
    assert controller.view().palette.current.key == "x_worry"  # type: ignore[union-attr]
    controller.press("ArrowUp")
    assert controller.view().palette.current.key == "x_wonder"  # type: ignore[union-attr]
    # digits after typing are part of the query (palette keys may hold digits)
    controller.press("7")
    view = controller.view()
    assert view.palette is not None and view.palette.query.endswith("7")
    assert view.palette.matches == () and "no code matches" in view.message
    controller.press("Enter")
    assert "no code matches" in controller.view().error and big.decision_history().empty
    controller.press("Backspace")
    controller.press("Escape")
    assert controller.view().mode == "decide" and controller.view().palette is None
    assert big.decision_history().empty
    # the own code is never offered, whatever is typed
    controller.press("c")
    for char in "anxiety":
        controller.press(char)
    view = controller.view()
    assert view.palette is not None and "anxiety" not in [c.key for c in view.palette.matches]


def test_retired_codes_are_not_offered_and_a_digit_still_picks_the_first_nine(big: Project):
    big.retire_code("x_zeal")
    big.retire_code("empathy")
    controller = _open_recode(big)
    view = controller.view()
    assert view.palette is not None
    offered = [c.key for c in view.palette.matches]
    assert len(offered) == 37 and "x_zeal" not in offered and "empathy" not in offered
    for char in "zeal":
        controller.press(char)
    view = controller.view()
    assert view.palette is not None and view.palette.matches == ()
    controller.press("Escape")
    controller.press("c")
    first = controller.view().recode_choices
    assert [n for n, _, _ in first] == list(range(1, 10))
    assert first[0][1:] == ("withdrawal", "Withdrawal")
    controller.press("1")
    history = big.decision_history()
    assert history[["kind", "new_code"]].values.tolist() == [["recode", "withdrawal"]]
    assert pd.notna(history["start"].iat[0])
