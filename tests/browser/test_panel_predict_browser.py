"""The coding panel draws a key's effect at keydown and the kernel's answer corrects it
(JupyterLab + Debian's Chromium through Playwright).

A small notebook opens the coding panel for ``ana`` on the demo transcript. The test checks:

* that a move and a coding are drawn in the same task as the keydown, before any message
  from the kernel can have arrived (a keydown dispatched on the key box from the page's
  JavaScript, the transcript read right after it);
* that after keys pressed as fast as Playwright types them (moves, codes, a code toggled
  on and off, ``u``, a form opened and closed) the transcript shows exactly the kernel's
  current sentence (the position stored for ``ana``) and the stored codings, once the
  kernel has answered the last key;
* that a refused or different action is corrected: with the first code retired in another
  session between two keys, the code drawn for ``1`` disappears and the code the kernel
  applied shows; with the transcript re-imported (edited) in another session, ``1`` is
  refused (``StaleError``), its drawn tint disappears and nothing is stored.

Needs ``/usr/bin/chromium`` (never ``playwright install``); skips without it, except under
``CI=true``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import browser_helpers as helpers  # tests/browser is on sys.path (pytest prepend mode)
import pytest

from workbench import open_project
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.testing import demo_transcript, make_demo_project

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DOCUMENT = "D1_S3_client"

# the transcript as drawn: the current sentence and every text piece's code names
SHOWN_JS = """() => {
  const spans = Array.from(document.querySelectorAll(
    ".wb-coding-panel .wb-tv-text span[data-start]"));
  const current = spans.filter((s) => s.classList.contains("wb-tv-current"));
  return {
    current: current.length ? [Math.min(...current.map((s) => +s.dataset.start)),
                               Math.max(...current.map((s) => +s.dataset.end))] : null,
    codes: current.length ? (current[0].dataset.codes || "") : "",
    spans: spans.map((s) => [+s.dataset.start, +s.dataset.end,
                             (s.dataset.codes || "").split("|").filter(Boolean).sort()]),
  };
}"""

# a keydown on the key box from the page itself, and the transcript read in the same task:
# nothing from the kernel can have been drawn in between
PRESS_NOW_JS = """(key) => {
  const box = document.querySelector(".wb-coding-panel .wb-keys");
  box.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
  return (""" + SHOWN_JS + """)();
}"""

# the kernel has answered the last key sent
ANSWERED_JS = """() => {
  const box = document.querySelector(".wb-coding-panel .wb-keys");
  const view = document.querySelector(".wb-coding-panel .wb-tv");
  return Boolean(box && view && box.dataset.seq && view.dataset.ack
                 && Number(view.dataset.ack) >= Number(box.dataset.seq));
}"""


@dataclass
class Lab:
    server: helpers.Server
    project: Path
    notebook: str


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    helpers.require_browser()
    project = tmp_path / "project.sqlite"
    make_demo_project(project, codings=False).close()
    work = tmp_path / "notebooks"
    work.mkdir()
    cells = ["import workbench as wb",
             f"project = wb.open_project({str(project)!r})",
             f"panel = wb.coding_panel(project, 'ana', {DOCUMENT!r}, lock_coder=True)\npanel"]
    (work / "predict.ipynb").write_text(json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "metadata": {},
                   "outputs": [], "source": src} for src in cells],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    with helpers.jupyterlab(work, tmp_path / "lab") as server:
        yield Lab(server, project, "predict.ipynb")


def _stored(project: Path) -> tuple[tuple[int, int] | None, list[tuple[int, int, str]]]:
    """ana's stored position (the sentence's range) and codings (range, code name)."""
    with open_project(project) as opened:
        index = opened.position("ana", DOCUMENT)
        frame = opened.segments(document=DOCUMENT, with_attributes=False)
        row = frame[frame["segment_index"] == index]
        current = (int(row["start"].iloc[0]), int(row["end"].iloc[0])) if len(row) else None
        codings = opened.codings(coder="ana", document=DOCUMENT, with_attributes=False)
        shown = {c.key: c.name for c in opened.codebook.codes}  # a retired code: its key
        return current, sorted((int(r.start), int(r.end), shown.get(str(r.code), str(r.code)))
                               for r in codings.itertuples())


def _answered(page: Any) -> None:
    helpers.wait_for(lambda: page.evaluate(ANSWERED_JS) or None, 30,
                     "the kernel's answer to the last key")
    page.wait_for_timeout(100)  # the other widgets' updates of the same answer


def _check_shown_is_stored(page: Any, project: Path) -> dict[str, Any]:
    """The transcript shows the stored position and exactly the stored codings."""
    shown = page.evaluate(SHOWN_JS)
    current, codings = _stored(project)
    assert shown["current"] is not None and tuple(shown["current"]) == current
    for start, end, names in shown["spans"]:
        assert names == sorted(n for s, e, n in codings if s <= start and end <= e), \
            (start, end, names, codings)
    covered = {(s, e, n) for s, e, n in codings
               if any(s <= a and b <= e and n in names for a, b, names in shown["spans"])}
    assert covered == set(codings)  # every stored coding is drawn
    return shown


def test_keys_are_drawn_at_keydown_and_the_kernel_corrects_what_it_refused(lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with open_project(lab.project) as opened:
        names = [opened.codebook.code(k).name for k in opened.codebook.keys]
    console: list[str] = []
    with sync_playwright() as p:
        browser = helpers.launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
        with helpers.failure_report(browser, page, ARTIFACTS / "panel_predict_failure.png",
                                    lab.server.log_tail, console=console):
            helpers.open_notebook(page, lab.server, lab.notebook)
            helpers.run_all_cells(page)
            panel = page.locator(".wb-coding-panel")
            expect(panel).to_be_visible(timeout=90_000)
            expect(panel.locator(".wb-tv-current").first).to_be_visible(timeout=30_000)
            expect(page.get_by_text(re.compile(r"\| Idle"))).to_be_visible(timeout=60_000)
            panel.locator(".wb-keys").click()

            # 1. drawn in the keydown's own task: a move, then a coding of that sentence
            before = page.evaluate(SHOWN_JS)
            moved = page.evaluate(PRESS_NOW_JS, "ArrowRight")
            assert moved["current"] != before["current"]
            assert moved["current"][0] >= before["current"][1]  # the next sentence
            coded = page.evaluate(PRESS_NOW_JS, "1")
            assert coded["current"] == moved["current"] and names[0] in coded["codes"]
            _answered(page)
            shown = _check_shown_is_stored(page, lab.project)
            assert shown["current"] == moved["current"]
            assert (*moved["current"], names[0]) in _stored(lab.project)[1]

            # 2. keys as fast as they can be typed: drawn, then confirmed one by one
            for key in ("ArrowRight", "2", "3", "ArrowRight", "5", "5", "ArrowLeft", "3",
                        "u", "4", "ArrowRight", "ArrowRight", "1", "ArrowLeft", "ArrowLeft",
                        "1", "1", "n", "2", "Escape", "ArrowRight", "2"):
                page.keyboard.press(key)
            _answered(page)
            _check_shown_is_stored(page, lab.project)
            stored = _stored(lab.project)[1]
            assert len(stored) >= 3  # the keys coded (a form was open for one "2")

            # 3. the first code retired elsewhere: "1" draws it, the kernel applies the
            # code now first, and the drawn one goes
            page.keyboard.press("u")  # a sentence not coded yet
            _answered(page)
            with open_project(lab.project) as other:
                other.retire_code(other.codebook.keys[0])
            drawn = page.evaluate(PRESS_NOW_JS, "1")
            assert names[0] in drawn["codes"].split("|")
            _answered(page)
            shown = _check_shown_is_stored(page, lab.project)
            assert names[0] not in shown["codes"].split("|")
            assert names[1] in shown["codes"].split("|")

            # 4. the transcript re-imported (edited) elsewhere: "1" is refused (stale),
            # its drawn tint goes and nothing is stored
            page.keyboard.press("u")
            _answered(page)
            before_codings = _stored(lab.project)[1]
            # one word changed, as long as before: the sentences keep their places
            edited = demo_transcript("D1", 3, "client").replace(
                "R: Stop the video whenever you like.", "R: Stop the video whenever you wish.")
            with open_project(lab.project) as other:
                other.import_parsed([parse_ipr_text(edited, source="d.txt")], progress=False)
            drawn = page.evaluate(PRESS_NOW_JS, "1")
            assert names[1] in drawn["codes"].split("|")
            _answered(page)
            expect(panel.locator(".wb-error")).to_contain_text("StaleError", timeout=15_000)
            after = _stored(lab.project)[1]
            assert len(after) == len(before_codings)  # moved with the text, none added
            shown = _check_shown_is_stored(page, lab.project)
            assert names[1] not in shown["codes"].split("|")
            assert not [c for c in console if c.startswith(("error", "pageerror"))], console
            panel.screenshot(path=str(ARTIFACTS / "panel_predict.png"))
