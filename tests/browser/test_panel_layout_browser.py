"""The coding panel at 1400x900 in a real JupyterLab and Debian's Chromium (Playwright).

The notebook ``notebooks/02_coding.ipynb`` (a copy) runs against a demo project whose
codebook has 40 codes with long names. The test checks that nothing scrolls sideways (the
page, the panel, and every button of the panel: labels wrap, none is clipped), that the
definitions pane stands beside the transcript text, not below it, and that the code
palette works by keyboard alone: ``/``, the palette keys of the 31st code, ``Enter`` ->
the coding is in the database, and the status line says it was saved. A screenshot is
saved to ``test-artifacts/panel_layout.png``.

Needs ``/usr/bin/chromium``; without it the test skips, except under ``CI=true``.
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
from workbench.model import Code, Codebook, Theme
from workbench.testing import make_demo_project
from workbench.views.coding_state import palette_keys

import browser_helpers as helpers  # tests/browser is on sys.path (pytest prepend mode)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "02_coding.ipynb"
ARTIFACTS = ROOT / "test-artifacts"

WORDS = ("withdrawal", "anxiety", "rupture", "repair", "empathy", "warmth", "hope",
         "shame", "anger", "trust", "doubt", "relief", "confusion", "curiosity", "humour",
         "silence", "compliance", "challenge", "validation", "insight", "attunement",
         "boredom", "fatigue", "pressure", "safety", "closeness", "distance", "agency",
         "guilt", "pride", "longing", "fear", "gratitude", "irritation", "resignation",
         "surprise", "tension", "collaboration", "goal", "task")


def forty_codes() -> Codebook:
    themes = tuple(Theme(f"theme{t}", name, "", colour) for t, (name, colour) in enumerate(
        (("Relational barriers", "#b2443a"), ("Relational facilitators", "#2ca02c"),
         ("Therapist experience", "#1f77b4"), ("Client change", "#9467bd"))))
    codes = tuple(
        Code(word, f"{word.capitalize()} as the client recalls it in the interview, "
             "with or without the therapist noticing", f"theme{i // 10}",
             f"The definition of {word}: what the participant recalls feeling.",
             "#d62728", f"Use for {word} when it is recalled.",
             f"Not for {word} as a general mood.", f"\u201cI felt {word} then.\u201d")
        for i, word in enumerate(WORDS))
    return Codebook("forty codes", themes, codes)


@dataclass
class Lab:
    server: helpers.Server
    project: Path


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    helpers.require_browser()
    path = tmp_path / "project.sqlite"
    project = make_demo_project(path, codings=False)
    project.load_codebook(forty_codes(), retire_missing=True)
    project.close()
    work = tmp_path / "notebooks"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    env = {"WORKBENCH_PROJECT": str(path), "WORKBENCH_CODER": "ana"}
    with helpers.jupyterlab(work, tmp_path / "lab", env) as server:
        yield Lab(server, path)


def _codings(path: Path) -> set[tuple[int, str]]:
    opened = open_project(path)
    try:
        frame = opened.segment_codings(coder="ana", with_attributes=False)
        return {(int(r.segment_index), str(r.code)) for r in frame.itertuples()}
    finally:
        opened.close()


_OVERFLOW = """(panel) => {
  const page = document.scrollingElement;
  const wide = [];
  for (const el of panel.querySelectorAll("button")) {
    if (el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1) {
      wide.push(el.textContent.trim() + ": " + el.scrollWidth + " > " + el.clientWidth);
    }
  }
  const out = panel.closest(".jp-OutputArea-output") || panel;
  const right = panel.getBoundingClientRect().left + panel.clientWidth;
  const beyond = [];
  for (const el of panel.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (el.offsetParent !== null && box.right > right + 0.5 && beyond.length < 8) {
      beyond.push(el.tagName + "." + el.className + " " + Math.round(box.right - right));
    }
  }
  return {page: [page.scrollWidth, page.clientWidth],
          panel: [panel.scrollWidth, panel.clientWidth],
          output: [out.scrollWidth, out.clientWidth], buttons: wide,
          n: panel.querySelectorAll(".wb-code-button").length, beyond: beyond};
}"""


def test_panel_fits_1400x900_with_definitions_beside_and_palette_by_keyboard(
        lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    started = time.monotonic()
    console: list[str] = []
    typed = palette_keys(forty_codes())
    target = WORDS[30]  # "longing": no digit key, reached through the palette
    with sync_playwright() as p:
        browser = helpers.launch_chromium(p)
        page = browser.new_page()
        page.set_viewport_size({"width": 1400, "height": 900})
        page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
        with helpers.failure_report(browser, page, ARTIFACTS / "panel_layout_failure.png",
                                    lab.server.log_tail, console=console):
            helpers.open_notebook(page, lab.server, NOTEBOOK.name)
            helpers.run_all_cells(page)
            panel = page.locator(".wb-coding-panel")
            expect(panel).to_be_visible(timeout=90_000)
            expect(panel.locator(".wb-code-button")).to_have_count(40, timeout=30_000)
            expect(page.get_by_text(re.compile(r"\| Idle"))).to_be_visible(timeout=60_000)
            assert page.locator(".jp-OutputArea-output[data-mime-type*='stderr']").count() == 0

            # no horizontal overflow: page, panel, its output area, every button
            sizes = panel.evaluate(_OVERFLOW)
            assert sizes["n"] == 40
            assert sizes["page"][0] <= sizes["page"][1], sizes
            assert sizes["panel"][0] <= sizes["panel"][1], sizes["beyond"]
            assert sizes["output"][0] <= sizes["output"][1], sizes
            assert sizes["buttons"] == [], sizes["buttons"]

            # the definitions pane beside the text: to its right, side by side
            text_box = panel.locator(".wb-text-pane").bounding_box()
            info = panel.locator(".wb-info-pane")
            expect(info.get_by_text("The definition of withdrawal", exact=False)) \
                .to_be_visible()
            info_box = info.bounding_box()
            assert text_box is not None and info_box is not None
            assert info_box["x"] >= text_box["x"] + text_box["width"] - 1
            assert info_box["y"] < text_box["y"] + text_box["height"]
            assert info_box["x"] + info_box["width"] <= 1400

            # the palette by keyboard: / then the code's palette keys, Enter
            panel.locator(".wb-keys").click()
            page.keyboard.press("i")
            expect(info.get_by_text("The definition of anxiety", exact=False)) \
                .to_be_visible(timeout=15_000)
            page.keyboard.press("/")
            expect(panel.locator(".wb-palette")).to_be_visible(timeout=15_000)
            for ch in typed[target]:
                page.keyboard.press(ch)
            expect(panel.locator(".wb-palette-query")).to_have_text(typed[target],
                                                                     timeout=15_000)
            expect(panel.locator(".wb-palette-current")).to_contain_text(
                target.capitalize(), timeout=15_000)
            expect(info.get_by_text(f"The definition of {target}", exact=False)) \
                .to_be_visible(timeout=15_000)
            page.keyboard.press("Enter")
            helpers.wait_for(lambda: (0, target) in _codings(lab.project) or None, 30,
                             "the palette's coding in the database")
            assert _codings(lab.project) == {(0, target)}
            expect(panel.locator(".wb-palette")).to_have_count(0, timeout=15_000)
            expect(panel.locator(".wb-save-saved")).to_contain_text(
                re.compile(r"saved \d\d:\d\d:\d\d"), timeout=15_000)
            expect(panel.locator("button.wb-code-button", has_text=target.capitalize())
                   .locator(".fa-check")).to_be_visible(timeout=15_000)
            # the palette's letters triggered nothing else: no form, no notebook shortcut
            expect(panel.locator(".wb-error")).to_have_count(0)
            assert page.locator(".jp-Notebook .jp-CodeCell").count() >= 4
            sizes = panel.evaluate(_OVERFLOW)  # still no overflow after coding
            assert sizes["page"][0] <= sizes["page"][1] and sizes["buttons"] == [], sizes
            panel.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "panel_layout.png"), full_page=False)
    print(f"browser test took {time.monotonic() - started:.1f} s")
