"""The recode queue walked by keyboard in a real JupyterLab and Debian's Chromium.

A demo project's code ``rupture`` is split into two codes before the coding notebook
(``notebooks/02_coding.ipynb``, a copy) opens for coder ana. The test focuses the panel's
keyboard box, presses ``q`` and walks ana's queued codings: ``s`` leaves the first for later,
``1`` recodes each of the others as the first new code, then ``q`` and ``2`` recode the
skipped one as the second. After every key it waits for the progress "N of M recoded" in
the panel and for the queue in the database to shrink. A screenshot is saved to
``test-artifacts/recode_queue.png``.

A second test splits ``withdrawal`` from the panel by keyboard (``p``, the new codes typed
into the form, ``Ctrl+Enter``), walks the queue the split starts, then retires (``d``,
``Enter``) and restores (``b``, ``Enter``) a code, checking the database after each step.

Needs ``/usr/bin/chromium`` (never ``playwright install``). Without it the test skips,
except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from workbench import Code, open_project
from workbench.testing import make_demo_project

import browser_helpers as helpers  # tests/browser is on sys.path (pytest prepend mode)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "02_coding.ipynb"
ARTIFACTS = ROOT / "test-artifacts"


@dataclass
class Lab:
    server: helpers.Server
    project: Path


def _serve(tmp_path: Path, *, split: bool) -> Iterator[Lab]:
    helpers.require_browser()
    path = tmp_path / "project.sqlite"
    project = make_demo_project(path)
    if split:
        project.split_code("rupture", into=[
            Code("rupture_away", "Moving away", "barriers", "The client withdraws.",
                 "#7F0000"),
            Code("rupture_against", "Moving against", "barriers", "The client protests.",
                 "#990000"),
        ])
    project.close()
    work = tmp_path / "notebooks"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    env = {"WORKBENCH_PROJECT": str(path), "WORKBENCH_CODER": "ana"}
    with helpers.jupyterlab(work, tmp_path / "lab", env) as server:
        yield Lab(server, path)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 serving a copy of the coding notebook over a project whose
    ``rupture`` was split; stopped afterwards."""
    yield from _serve(tmp_path, split=True)


@pytest.fixture
def unsplit_lab(tmp_path: Path) -> Iterator[Lab]:
    """The same over the plain demo project."""
    yield from _serve(tmp_path, split=False)


def _open_panel(page: Any, lab: Lab) -> Any:
    """Open the notebook, run all cells and return the coding panel's locator."""
    from playwright.sync_api import expect

    helpers.open_notebook(page, lab.server, NOTEBOOK.name)
    helpers.run_all_cells(page)
    panel = page.locator(".wb-coding-panel")
    expect(panel).to_be_visible(timeout=90_000)
    expect(page.get_by_text(re.compile(r"\| Idle"))).to_be_visible(timeout=60_000)
    return panel


def _queue(project: Path) -> list[str]:
    """Ana's queued codings, in the order the panel walks them."""
    opened = open_project(project)
    try:
        queue = opened.recode_queue()
        return list(queue.loc[queue["coder"] == "ana", "coding_uuid"])
    finally:
        opened.close()


def _codes(project: Path, uuids: list[str]) -> list[str]:
    opened = open_project(project)
    try:
        return [opened.coding(u).code for u in uuids]
    finally:
        opened.close()


def test_walk_the_recode_queue_by_keyboard(lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    queued = _queue(lab.project)
    total = len(queued)
    assert total >= 2, "the demo project gives ana at least two rupture codings"
    console: list[str] = []
    with sync_playwright() as p:
        browser = helpers.launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
        with helpers.failure_report(browser, page, ARTIFACTS / "recode_queue_failure.png",
                                    lab.server.log_tail, console=console):
            helpers.open_notebook(page, lab.server, NOTEBOOK.name)
            helpers.run_all_cells(page)
            panel = page.locator(".wb-coding-panel")
            expect(panel).to_be_visible(timeout=90_000)
            expect(page.get_by_text(re.compile(r"\| Idle"))).to_be_visible(timeout=60_000)
            progress = panel.locator(".wb-recode-progress")
            passage = panel.locator(".wb-recode-passage")

            panel.locator(".wb-keys").click()
            page.keyboard.press("q")
            expect(progress).to_have_text(f"0 of {total} recoded", timeout=20_000)
            choices = panel.locator(".wb-recode-choice")
            expect(choices).to_have_count(2)
            expect(choices.nth(0)).to_contain_text("1 Moving away")
            expect(choices.nth(0)).to_contain_text("The client withdraws.")
            expect(choices.nth(1)).to_contain_text("2 Moving against")
            expect(choices.nth(1)).to_contain_text("The client protests.")
            first_text = passage.inner_text()
            assert first_text.strip()

            page.keyboard.press("s")  # leave the first for later
            expect(progress).to_have_text(f"0 of {total} recoded, 1 left for later",
                                          timeout=20_000)
            for done in range(1, total):
                page.keyboard.press("1")
                helpers.wait_for(lambda d=done: len(_queue(lab.project)) == total - d, 30,
                                 f"the queue to shrink to {total - done}")
                if done < total - 1:
                    expect(progress).to_have_text(
                        f"{done} of {total} recoded, 1 left for later", timeout=20_000)
            expect(panel.get_by_text("1 still wait", exact=False)).to_be_visible(timeout=20_000)
            expect(panel.locator(".wb-recode")).to_have_count(0)

            page.keyboard.press("q")  # the skipped one again
            expect(progress).to_have_text("0 of 1 recoded", timeout=20_000)
            assert passage.inner_text() == first_text
            page.keyboard.press("2")
            helpers.wait_for(lambda: not _queue(lab.project), 30, "the queue to be empty")
            expect(panel.get_by_text("the recode queue is empty", exact=False)) \
                .to_be_visible(timeout=20_000)
            expect(panel.locator(".wb-error")).to_have_count(0)
            page.screenshot(path=str(ARTIFACTS / "recode_queue.png"))
    assert _codes(lab.project, queued) == ["rupture_against"] + ["rupture_away"] * (total - 1)


def test_split_then_retire_and_restore_by_keyboard(unsplit_lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    project = open_project(unsplit_lab.project)
    try:
        frame = project.codings(coder="ana", with_attributes=False)
        anas = list(frame.loc[frame["code"] == "withdrawal", "coding_uuid"])
        others = {u: c for u, c in zip(frame["coding_uuid"], frame["code"], strict=True)
                  if c != "withdrawal"}
    finally:
        project.close()
    assert len(anas) >= 2
    console: list[str] = []
    with sync_playwright() as p:
        browser = helpers.launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
        with helpers.failure_report(browser, page, ARTIFACTS / "panel_ops_failure.png",
                                    unsplit_lab.server.log_tail, console=console):
            panel = _open_panel(page, unsplit_lab)
            form = panel.locator(".wb-codebook-form")
            panel.locator(".wb-keys").click()
            page.keyboard.press("p")
            expect(form).to_be_visible(timeout=20_000)
            form.locator("select").first.select_option(label="Withdrawal")
            into = form.locator("textarea[placeholder^='one code a line']")
            into.click()
            # letters and digits typed here stay in the field (no code is toggled)
            page.keyboard.type("Going vague: Answers turn vague 1 2 q.")
            page.keyboard.press("Enter")  # a new line in the text box
            page.keyboard.type("Falling silent: Says nothing for 2 turns.")
            page.keyboard.press("Control+Enter")
            progress = panel.locator(".wb-recode-progress")
            expect(progress).to_have_text(f"0 of {len(anas)} recoded", timeout=20_000)
            expect(panel.get_by_text("codings queued for recoding", exact=False)) \
                .to_be_visible(timeout=20_000)
            expect(form).to_be_hidden()
            choices = panel.locator(".wb-recode-choice")
            expect(choices.nth(0)).to_contain_text("Answers turn vague 1 2 q.")
            expect(choices.nth(1)).to_contain_text("Says nothing for 2 turns.")
            for done in range(1, len(anas) + 1):
                page.keyboard.press("2")  # the key box has the focus back
                helpers.wait_for(lambda d=done: len(_queue(unsplit_lab.project)) == len(anas) - d,
                                 30, f"ana's queue to shrink to {len(anas) - done}")
            expect(panel.locator(".wb-recode")).to_have_count(0, timeout=20_000)
            assert _codes(unsplit_lab.project, anas) == ["falling_silent"] * len(anas)
            assert dict(zip(others, _codes(unsplit_lab.project, list(others)),
                            strict=True)) == others  # typing coded nothing

            page.keyboard.press("d")
            note = panel.locator(".wb-form-note")
            expect(note).to_contain_text("they are kept under the retired code",
                                         timeout=20_000)
            page.keyboard.press("Enter")
            expect(panel.get_by_text(re.compile(r"^retired .* codings are kept"))) \
                .to_be_visible(timeout=20_000)
            retired = _retired(unsplit_lab.project)
            assert retired[0] != "withdrawal" and "withdrawal" in retired
            page.keyboard.press("b")
            expect(note).to_contain_text("comes back into the codebook", timeout=20_000)
            page.keyboard.press("Enter")
            expect(panel.get_by_text(re.compile(r"^restored "))).to_be_visible(timeout=20_000)
            assert _retired(unsplit_lab.project) == ["withdrawal"]
            expect(panel.locator(".wb-error")).to_have_count(0)
            page.screenshot(path=str(ARTIFACTS / "panel_ops.png"))


def _retired(project: Path) -> list[str]:
    opened = open_project(project)
    try:
        return [str(k) for k in opened.retired_codes()["code"]]
    finally:
        opened.close()
