"""Disagreements settled by keyboard in the adjudication view, in JupyterLab and Chromium.

The test writes a two-cell notebook (open the demo project, ``wb.adjudication_panel(project,
decided_by="ana")``), runs it in JupyterLab, clicks the view's key box and settles three
disagreements: ``a`` applies withdrawal (2 of 3), ``x`` rejects anxiety (1 of 3), ``x`` on
the next withdrawal (2 of 3) goes against the majority, so the reason is typed into the form
and ``Enter`` confirms. Then ``c`` opens the recode palette on anxiety (1 of 3), ``r``
``u`` filter it to rupture (its name is shown) and ``Enter`` recodes; a fifth item is
settled outside the view ("tom", through the API), and the next key shows it left the
queue ("settled elsewhere by tom", progress counts it). After each key it waits for the
progress "N of 16 settled" and for the decision in the database; at the end the project
holds exactly those five decisions, four by ana, with the reason, and the notebook file
is byte for byte what the test wrote (the view stores in the project, never in the
notebook; JupyterLab's autosave is off so that only the view could have written it).
Screenshot ``test-artifacts/adjudication.png``.

Needs ``/usr/bin/chromium`` (never ``playwright install``); skips without it, fails under
``CI=true``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbench import open_project
from workbench.testing import make_demo_project

import browser_helpers as helpers  # tests/browser is on sys.path (pytest prepend mode)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
NAME = "adjudicate.ipynb"
REASON = "chloe is right: he is not distancing here"


def _notebook(project: Path) -> str:
    cells = [f"import workbench as wb\nproject = wb.open_project({str(project)!r})",
             'wb.adjudication_panel(project, decided_by="ana")']
    return json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "id": f"cell{i}",
                   "metadata": {}, "outputs": [], "source": source}
                  for i, source in enumerate(cells)],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


@dataclass
class Lab:
    server: helpers.Server
    project: Path
    notebook: Path
    written: bytes


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    helpers.require_browser()
    project = tmp_path / "project.sqlite"
    make_demo_project(project).close()
    work = tmp_path / "notebooks"
    work.mkdir()
    notebook = work / NAME
    notebook.write_text(_notebook(project))
    settings = tmp_path / "lab" / "settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    with helpers.jupyterlab(work, tmp_path / "lab") as server:
        yield Lab(server, project, notebook, notebook.read_bytes())


def _decisions(project: Path) -> list[tuple[str, str, str, str]]:
    opened = open_project(project)
    try:
        frame = opened.decision_history()
        return [(str(r.code), str(r.kind), str(r.reason), str(r.decided_by))
                for r in frame.itertuples()]
    finally:
        opened.close()


def test_settle_three_disagreements_by_keyboard(lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    console: list[str] = []
    with sync_playwright() as p:
        browser = helpers.launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
        with helpers.failure_report(browser, page, ARTIFACTS / "adjudication_failure.png",
                                    lab.server.log_tail, console=console):
            helpers.open_notebook(page, lab.server, NAME)
            helpers.run_all_cells(page)
            view = page.locator(".wb-adjudication")
            expect(view).to_be_visible(timeout=90_000)
            expect(page.get_by_text(re.compile(r"\| Idle"))).to_be_visible(timeout=60_000)
            progress = view.locator(".wb-adj-progress")
            expect(progress).to_have_text("0 of 16 settled", timeout=20_000)
            expect(view.locator(".wb-adj-code")).to_contain_text("Withdrawal")
            expect(view.locator(".wb-adj-code")).to_contain_text(
                "The client distances or goes vague.")
            expect(view.locator(".wb-adj-turn").first).to_contain_text("[04:30]")
            expect(view.locator(".wb-adj-legend")).to_contain_text("x reject")

            view.locator(".wb-keys").click()
            page.keyboard.press("a")  # withdrawal 2 of 3: apply
            expect(progress).to_have_text("1 of 16 settled", timeout=20_000)
            helpers.wait_for(lambda: len(_decisions(lab.project)) == 1, 30, "decision 1")
            expect(view.locator(".wb-adj-code")).to_contain_text("Anxiety")
            page.keyboard.press("x")  # anxiety 1 of 3: reject
            expect(progress).to_have_text("2 of 16 settled", timeout=20_000)
            helpers.wait_for(lambda: len(_decisions(lab.project)) == 2, 30, "decision 2")
            expect(view.locator(".wb-adj-code")).to_contain_text("Withdrawal")
            page.keyboard.press("x")  # withdrawal 2 of 3: against the majority
            form = view.locator(".wb-adj-form")
            expect(form).to_be_visible(timeout=20_000)
            expect(form).to_contain_text("against the majority")
            field = form.locator(".wb-field-reason input")
            field.click()
            page.keyboard.type(REASON)  # letters typed here decide nothing
            assert len(_decisions(lab.project)) == 2
            page.keyboard.press("Enter")
            expect(progress).to_have_text("3 of 16 settled", timeout=20_000)
            helpers.wait_for(lambda: len(_decisions(lab.project)) == 3, 30, "decision 3")
            expect(form).to_be_hidden()
            expect(view.locator(".wb-error")).to_have_count(0)

            expect(view.locator(".wb-adj-code")).to_contain_text("Anxiety")
            page.keyboard.press("c")  # recode through the palette
            palette = view.locator(".wb-palette")
            expect(palette).to_be_visible(timeout=20_000)
            for key in "ru":
                page.keyboard.press(key)
            expect(palette.locator(".wb-palette-query")).to_have_text("ru", timeout=20_000)
            expect(palette.locator(".wb-palette-current")).to_contain_text("Rupture")
            assert len(_decisions(lab.project)) == 3  # typing only filters
            page.keyboard.press("Enter")
            expect(progress).to_have_text("4 of 16 settled", timeout=20_000)
            helpers.wait_for(lambda: len(_decisions(lab.project)) == 4, 30, "decision 4")
            expect(palette).to_have_count(0)

            other = open_project(lab.project)  # another team member, elsewhere
            try:
                items = other.consensus_items()
                open_ = items[items["status"] == "open"]
                first = open_.iloc[0]
                other.decide(str(first["item_id"]), "reject", decided_by="tom",
                             reason="settled in the team meeting")
            finally:
                other.close()
            page.keyboard.press("s")  # the next key sees it
            expect(progress).to_have_text("5 of 16 settled", timeout=20_000)
            expect(view.locator(".wb-adj-message")).to_contain_text("settled elsewhere by tom")
            page.screenshot(path=str(ARTIFACTS / "adjudication.png"))
    assert _decisions(lab.project) == [("withdrawal", "apply", "", "ana"),
                                       ("anxiety", "reject", "", "ana"),
                                       ("withdrawal", "reject", REASON, "ana"),
                                       ("anxiety", "recode", "", "ana"),
                                       (str(first["code"]), "reject",
                                        "settled in the team meeting", "tom")]
    assert lab.notebook.read_bytes() == lab.written
