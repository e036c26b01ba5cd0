"""The coding notebook in a real JupyterLab and Debian's Chromium (through Playwright).

The test starts JupyterLab on a free 127.0.0.1 port with a random token and throw-away
config, settings and workspace folders (news fetching off), runs every cell of
``notebooks/02_coding.ipynb`` (a copy) against a demo project whose first transcript
carries a ``<script>`` and an ``<img onerror>``, codes one segment by clicking a code
button and another with the keyboard, then checks both codings in the database, that
neither injected script ran, and that the notebook's own shortcuts did not fire. A
screenshot is saved to ``test-artifacts/coding_panel.png``.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``; never ``playwright install``).
Without it the test skips, except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbench import open_project
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.testing import make_demo_project

import browser_helpers as helpers  # tests/browser is on sys.path (pytest prepend mode)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "02_coding.ipynb"
ARTIFACTS = ROOT / "test-artifacts"

XSS_TRANSCRIPT = """---
synthetic: true
note: SYNTHETIC transcript for the browser test; not clinical data.
document: D0_S3_client
dyad: D0
session: 3
perspective: client
participant: C0
outcome_group: good
speakers:
  R: {name: Researcher, role: interviewer}
  C: {name: Client, role: participant}
---
R: Stop the video whenever you like. <script>window.__xss=1</script>
C: I remember <img src=x onerror="window.__xss=2"> feeling nervous.

[00:01:10]
R: What was going on for you here?
C: I just went quiet there.
"""


@dataclass
class Lab:
    """A running JupyterLab and the project its notebook codes."""

    server: helpers.Server
    project: Path


def _build_project(path: Path) -> None:
    project = make_demo_project(path, codings=False)
    project.import_parsed([parse_ipr_text(XSS_TRANSCRIPT, source="xss.ipr.txt")],
                          progress=False)
    project.close()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 serving a copy of the coding notebook; stopped afterwards."""
    helpers.require_browser()
    project = tmp_path / "project.sqlite"
    _build_project(project)
    work = tmp_path / "notebooks"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    env = {"WORKBENCH_PROJECT": str(project), "WORKBENCH_CODER": "ana"}
    with helpers.jupyterlab(work, tmp_path / "lab", env) as server:
        yield Lab(server, project)


def _codings(project: Path) -> set[tuple[int, str]]:
    opened = open_project(project)
    try:
        frame = opened.segment_codings(coder="ana", document="D0_S3_client", with_attributes=False)
        return {(int(r.segment_index), str(r.code)) for r in frame.itertuples()}
    finally:
        opened.close()


def test_code_by_click_and_by_keyboard_in_jupyterlab(lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    started = time.monotonic()
    console: list[str] = []
    with sync_playwright() as p:
        browser = helpers.launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
        with helpers.failure_report(browser, page, ARTIFACTS / "coding_panel_failure.png",
                                    lab.server.log_tail, console=console):
            helpers.open_notebook(page, lab.server, NOTEBOOK.name)
            code_cells = page.locator(".jp-Notebook .jp-CodeCell")
            cell_count = code_cells.count()
            assert cell_count == 5, f"expected the notebook's 5 code cells, saw {cell_count}"

            helpers.run_all_cells(page)
            panel = page.locator(".wb-coding-panel")
            expect(panel).to_be_visible(timeout=90_000)
            expect(panel.get_by_text("<script>window.__xss=1</script>", exact=False)) \
                .to_be_visible(timeout=30_000)
            expect(page.get_by_text(re.compile(r"\| Idle"))).to_be_visible(timeout=60_000)
            assert page.locator(".jp-OutputArea-output[data-mime-type*='stderr']").count() == 0

            # 1. by clicking: segment #0 gets code 1 (withdrawal)
            panel.locator("button", has_text="1 Withdrawal").click()
            helpers.wait_for(lambda: (0, "withdrawal") in _codings(lab.project), 30,
                  "the clicked coding in the database")
            expect(panel.locator("button", has_text="1 Withdrawal").locator(".fa-check")) \
                .to_be_visible(timeout=10_000)

            # 2. by keyboard: → to segment #1, then 2 toggles anxiety
            keys = panel.locator(".wb-keys")
            keys.click()
            page.keyboard.press("ArrowRight")
            expect(panel.get_by_text("segment #1", exact=False)).to_be_visible(timeout=15_000)
            page.keyboard.press("2")
            helpers.wait_for(lambda: (1, "anxiety") in _codings(lab.project), 30,
                  "the keyboard coding in the database")
            assert _codings(lab.project) == {(0, "withdrawal"), (1, "anxiety")}

            # the transcript's markup stayed text; the notebook's shortcuts did not fire
            assert page.evaluate("typeof window.__xss") == "undefined"
            expect(panel.get_by_text('<img src=x onerror="window.__xss=2">', exact=False)) \
                .to_be_visible()
            assert code_cells.count() == cell_count
            expect(panel.locator(".wb-error")).to_have_count(0)
            expect(panel.get_by_text("coded 2 of", exact=False)).to_be_visible()
            panel.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "coding_panel.png"))
    print(f"browser test took {time.monotonic() - started:.1f} s")
