"""Keys never leave the coding panel, and any text can be selected and coded (JupyterLab +
Debian's Chromium through Playwright).

The test runs ``notebooks/02_coding.ipynb`` (a copy, autosave off) for ``WORKBENCH_CODER=ana``
on the demo project, then mixes clicks inside the panel (a code button, the transcript's
text, the header) with keys (arrows, digits, ``z``), and drags the mouse over words of the
transcript and codes them (then extends the selection with ``Shift+→`` and codes again,
and drags across three turns), then turns the reviewer view on and sees another coder's
coding drawn dashed. It checks that every coding in the project is the one the keys and
clicks asked for (the selections: one coding each, exactly the words selected), and that
the notebook did not
see a key: the same cells with the same text, the same active cell, the ``### Checks``
heading still a level-3 heading and the ``.ipynb`` on disk byte for byte as before. A
screenshot is saved to ``test-artifacts/panel_focus.png``.

Needs ``/usr/bin/chromium`` (never ``playwright install``); skips without it, except under
``CI=true``.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from workbench import open_project
from workbench.testing import make_demo_project

import browser_helpers as helpers  # tests/browser is on sys.path (pytest prepend mode)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "02_coding.ipynb"
ARTIFACTS = ROOT / "test-artifacts"
DOCUMENT = "D1_S3_client"
BEN_CODED = "It felt pointless to explain."
CROSS_TURN = ("think of me.\n\n[00:04:30]\nResearcher: What was going on for you here?\n"
              "Client: I just went quiet")

SNAPSHOT_JS = """() => {
  const cells = Array.from(document.querySelectorAll(".jp-Notebook .jp-Cell"));
  return {
    count: cells.length,
    active: cells.findIndex((c) => c.classList.contains("jp-mod-active")),
    kinds: cells.map((c) => c.classList.contains("jp-MarkdownCell") ? "markdown" : "code"),
    sources: cells.map((c) => {
      const editor = c.querySelector(".jp-InputArea-editor .cm-content");
      const shown = c.querySelector(".jp-MarkdownOutput");
      return c.classList.contains("jp-MarkdownCell") && shown && shown.offsetParent !== null
        ? "rendered:" + shown.innerHTML : "source:" + (editor ? editor.innerText : "");
    }),
    checks_h3: document.querySelectorAll(".jp-Notebook h3").length,
    checks_h4: document.querySelectorAll(".jp-Notebook h4").length,
  };
}"""

RECT_JS = """([words, from, to]) => {
  for (const span of document.querySelectorAll(".wb-tv-text span[data-start]")) {
    const node = span.firstChild;
    const at = node ? node.data.indexOf(words) : -1;
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at + from);
    range.setEnd(node, at + to);
    const box = range.getBoundingClientRect();
    return [box.left, box.top, box.right, box.bottom];
  }
  return null;
}"""


@dataclass
class Lab:
    """A running JupyterLab, the project its notebook codes and the notebook's path."""

    server: helpers.Server
    project: Path
    notebook: Path


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab (autosave off) on a copy of the coding notebook; stopped afterwards."""
    helpers.require_browser()
    project = tmp_path / "project.sqlite"
    demo = make_demo_project(project, codings=False)
    demo.set_coder_role("ana", "reviewer")  # for the reviewer view at the end
    text = demo.document_text(DOCUMENT)
    at = text.index(BEN_CODED)
    demo.apply_range(DOCUMENT, at, at + len(BEN_CODED), "withdrawal", "ben")
    demo.close()
    work = tmp_path / "notebooks"
    work.mkdir()
    notebook = work / NOTEBOOK.name
    shutil.copy(NOTEBOOK, notebook)
    settings = tmp_path / "lab" / "settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    env = {"WORKBENCH_PROJECT": str(project), "WORKBENCH_CODER": "ana"}
    with helpers.jupyterlab(work, tmp_path / "lab", env) as server:
        yield Lab(server, project, notebook)


def _ranges(project: Path) -> set[tuple[str, str]]:
    """ana's codings as (text, code)."""
    opened = open_project(project)
    try:
        frame = opened.codings(coder="ana", document=DOCUMENT, with_attributes=False)
        return {(str(r.text), str(r.code)) for r in frame.itertuples()}
    finally:
        opened.close()


def _sentences(project: Path) -> dict[int, str]:
    opened = open_project(project)
    try:
        frame = opened.segments(document=DOCUMENT, with_attributes=False)
        return {int(r.segment_index): str(r.text) for r in frame.itertuples()}
    finally:
        opened.close()


def _centre(page: Any, words: str, start: int, end: int) -> tuple[float, float]:
    box = helpers.wait_for(lambda: page.evaluate(RECT_JS, [words, start, end]), 20,
                           f"{words!r} in the transcript view")
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def test_keys_stay_in_the_panel_after_clicks_and_selections_code_their_words(
        lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    on_disk = lab.notebook.read_bytes()
    sentence = _sentences(lab.project)
    console: list[str] = []
    with sync_playwright() as p:
        browser = helpers.launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
        with helpers.failure_report(browser, page, ARTIFACTS / "panel_focus_failure.png",
                                    lab.server.log_tail, console=console):
            helpers.open_notebook(page, lab.server, NOTEBOOK.name)
            helpers.run_all_cells(page)
            panel = page.locator(".wb-coding-panel")
            expect(panel).to_be_visible(timeout=90_000)
            expect(panel.locator(".wb-tv-text").first).to_be_visible(timeout=30_000)
            expect(page.get_by_text(re.compile(r"\| Idle"))).to_be_visible(timeout=60_000)
            assert page.locator(".jp-OutputArea-output[data-mime-type*='stderr']").count() == 0
            panel.locator(".wb-tv-scroll").scroll_into_view_if_needed()

            def wait_codings(expected: set[tuple[str, str]], what: str) -> None:
                helpers.wait_for(lambda: _ranges(lab.project) == expected, 30, what)

            # a first click in the panel makes its cell the notebook's active cell
            panel.locator(".wb-keys").click()
            before = page.evaluate(SNAPSHOT_JS)
            assert before["count"] == 9 and before["checks_h3"] == 1, before

            # 1. click a code button, then keys: → 4 1 z ↓ 2
            panel.locator("button", has_text="1 Withdrawal").click()
            expected = {(sentence[0], "withdrawal")}
            wait_codings(expected, "the clicked coding")
            for key in ("ArrowRight", "4", "1"):
                page.keyboard.press(key)
            expected |= {(sentence[1], "repair"), (sentence[1], "withdrawal")}
            wait_codings(expected, "→ 4 1 after a button click")
            page.keyboard.press("z")
            expected -= {(sentence[1], "withdrawal")}
            wait_codings(expected, "z undoing the last coding")
            page.keyboard.press("ArrowDown")
            expect(panel.get_by_text("segment #2", exact=False)).to_be_visible(timeout=15_000)
            page.keyboard.press("2")
            expected |= {(sentence[2], "anxiety")}
            wait_codings(expected, "↓ 2")

            # 2. click the transcript's text: that sentence is current, keys code it
            page.mouse.click(*_centre(page, "I just went quiet there.", 8, 10))
            expect(panel.get_by_text("segment #5", exact=False)).to_be_visible(timeout=15_000)
            page.keyboard.press("3")
            expected |= {(sentence[5], "rupture")}
            wait_codings(expected, "3 after a click on the transcript")

            # 3. click the header, then → 4
            panel.get_by_text("segment #5", exact=False).first.click()
            page.keyboard.press("ArrowRight")
            expect(panel.get_by_text("segment #6", exact=False)).to_be_visible(timeout=15_000)
            page.keyboard.press("4")
            expected |= {(sentence[6], "repair")}
            wait_codings(expected, "→ 4 after a click on the header")

            # 4. drag over "remember feeling" (from inside one word to inside the other)
            start = _centre(page, "remember feeling", 3, 4)
            end = _centre(page, "remember feeling", 12, 13)
            page.mouse.move(*start)
            page.mouse.down()
            page.mouse.move(*end, steps=8)
            page.mouse.up()
            expect(panel.locator(".wb-tv-selected").first).to_be_visible(timeout=15_000)
            page.keyboard.press("5")
            expected |= {("remember feeling", "empathy")}
            wait_codings(expected, "the dragged selection coded as one coding")
            # Shift+→ takes the next word too; 1 codes that as a second coding
            page.keyboard.press("Shift+ArrowRight")
            expect(panel.get_by_text("selected “remember feeling nervous”", exact=False)) \
                .to_be_visible(timeout=15_000)
            page.keyboard.press("1")
            expected |= {("remember feeling nervous", "withdrawal")}
            wait_codings(expected, "the extended selection coded")
            page.keyboard.press("Escape")
            expect(panel.get_by_text("selection cleared", exact=False)) \
                .to_be_visible(timeout=15_000)
            expect(panel.locator(".wb-tv-coded").first).to_be_visible()

            # 5. drag from inside "think" (end of an answer) over the interviewer's question
            # to inside "quiet" (the next answer): one coding across three turns
            start = _centre(page, "think of me.", 2, 3)
            end = _centre(page, "I just went quiet there.", 14, 15)
            page.mouse.move(*start)
            page.mouse.down()
            page.mouse.move(*end, steps=8)
            page.mouse.up()
            expect(panel.get_by_text("across 3 turns", exact=False)).to_be_visible(
                timeout=15_000)
            for turn in (2, 3, 4):
                expect(panel.locator(f".wb-tv-turn[data-turn='{turn}'] .wb-tv-selected")
                       .first).to_be_visible()
            page.keyboard.press("3")
            expected |= {(CROSS_TURN, "rupture")}
            wait_codings(expected, "the selection across turns coded as one coding")
            expect(panel.locator(".wb-tv-turn[data-turn='3'] [data-codes*='Rupture']")
                   .first).to_be_visible(timeout=15_000)
            page.keyboard.press("Escape")

            # 6. the reviewer view draws ben's coding in the transcript, dashed and named
            expect(panel.locator(".wb-tv-other")).to_have_count(0)
            panel.locator("button", has_text="Reviewer view").click()
            other = panel.locator(".wb-tv-other[data-others='ben: Withdrawal']").first
            expect(other).to_be_visible(timeout=15_000)
            assert "ben: Withdrawal" in (other.get_attribute("title") or "")
            expect(panel.get_by_text("ben: dashed", exact=False)).to_be_visible()

            # the notebook saw none of these keys
            expect(panel.locator(".wb-error")).to_have_count(0)
            after = page.evaluate(SNAPSHOT_JS)
            assert after == before
            assert after["checks_h4"] == 0
            assert _ranges(lab.project) == expected
            panel.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "panel_focus.png"))
    assert lab.notebook.read_bytes() == on_disk
