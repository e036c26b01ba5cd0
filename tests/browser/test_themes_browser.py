"""The theme-summary notebook in a real browser: JupyterLab, then the Voila review page.

(a) JupyterLab runs every cell of ``notebooks/04_themes.ipynb`` (a copy) on the sample
    study; all figures must draw (plotly SVG) in the codebook colours, no cell may fail;
    screenshot ``test-artifacts/themes_lab.png``.
(b) Voila serves the same notebook with the project's template (Voila's lab template minus
    its CDN stylesheet links). Requests to hosts other than this machine would be aborted and
    fail the test; console errors are collected and none is allowed. The figures
    must draw, and choosing "client" in the explorer's Perspective filter must redraw its
    figure with the therapist panels gone; screenshot ``test-artifacts/themes_voila.png``.

Needs ``/usr/bin/chromium``; skips without it, fails under ``CI=true``.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "04_themes.ipynb"
ARTIFACTS = ROOT / "test-artifacts"
N_FIGURES = 7  # six figure cells and the explorer
WITHDRAWAL_RGB = "rgb(214, 39, 40)"  # the sample codebook's #d62728
PLOTS_DRAWN = ("Array.from(document.querySelectorAll('.js-plotly-plot'))"
               f".filter(g => g.querySelector('svg.main-svg path')).length >= {N_FIGURES}")
EXPLORER_PLOT = """() => {
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
  const gd = plots.find(p => p.layout && p.layout.title &&
                             String(p.layout.title.text).startsWith('Code frequencies ('));
  if (!gd) return null;
  return {traces: gd.data.length, title: String(gd.layout.title.text),
          axes: Array.from(new Set(gd.data.map(t => t.xaxis || 'x'))).sort()};
}"""


import browser_helpers as helpers  # noqa: E402  (tests/browser is on sys.path)


@pytest.fixture(scope="module")
def sample_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic sample study, built once for both tests."""
    helpers.require_browser()
    from workbench.sample import build_sample_project

    path = tmp_path_factory.mktemp("sample") / "sample.sqlite"
    build_sample_project(path, progress=False).close()
    return path


@pytest.fixture
def workspace(tmp_path: Path, sample_project: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A folder with a copy of the notebook, and the environment pointing at a project copy."""
    work = tmp_path / "notebooks"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    project = tmp_path / "project.sqlite"
    shutil.copy(sample_project, project)
    yield work, {"WORKBENCH_PROJECT": str(project)}


def _watch(page: Any) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """Abort off-machine requests; collect aborted URLs, console errors and page errors."""
    aborted: list[str] = []
    console: list[tuple[str, str]] = []
    crashes: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if helpers.is_loopback(url):
            request_route.continue_()
        else:
            aborted.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda msg: console.append((msg.text, msg.location.get("url", "")))
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: crashes.append(str(exc)))
    return aborted, console, crashes


def test_notebook_figures_render_in_jupyterlab(
    workspace: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    work, env = workspace
    ARTIFACTS.mkdir(exist_ok=True)
    started = time.monotonic()
    # draw every cell, also off screen (JupyterLab 4 windows long notebooks by default)
    tracker = tmp_path / "lab" / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    with helpers.jupyterlab(work, tmp_path / "lab", env) as lab, sync_playwright() as p:
        browser = helpers.launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        aborted, console, crashes = _watch(page)
        try:
            page.goto(f"{lab.url}/lab/tree/{NOTEBOOK.name}?token={lab.token}")
            expect(page.get_by_text(re.compile(r"\| Idle"))).to_be_visible(timeout=90_000)
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            page.wait_for_function(PLOTS_DRAWN, timeout=180_000)
            expect(page.get_by_text(re.compile(r"\| Idle"))).to_be_visible(timeout=120_000)
            errors = page.locator(".jp-OutputArea-output[data-mime-type="
                                  "'application/vnd.jupyter.stderr']")
            assert errors.count() == 0, errors.all_inner_texts()
            fills = page.evaluate("Array.from(document.querySelectorAll("
                                  "'.js-plotly-plot .barlayer path')).map(p => p.style.fill)")
            assert WITHDRAWAL_RGB in fills                      # codebook colour drawn
            assert page.evaluate(EXPLORER_PLOT)["traces"] > 0
            assert not crashes, crashes
            page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "themes_lab.png"))
        except BaseException:
            page.screenshot(path=str(ARTIFACTS / "themes_lab_failure.png"))
            print("console errors:", console[-30:], "aborted:", aborted, sep="\n")
            print("JupyterLab log:\n" + lab.log_tail())
            raise
        finally:
            browser.close()
    print(f"JupyterLab theme test took {time.monotonic() - started:.1f} s")


VOILA_ATTEMPTS = 4
"""Page loads tried before the Voila test fails (see the test's docstring)."""


def _check_review_page(page: Any, url: str) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """Load the review page, check figures and the filter; returns what :func:`_watch` saw."""
    aborted, console, crashes = _watch(page)
    page.goto(url, timeout=120_000)
    page.wait_for_function(PLOTS_DRAWN, timeout=60_000)
    before = page.wait_for_function(EXPLORER_PLOT, timeout=30_000).json_value()
    assert before["axes"] == ["x", "x2", "x3", "x4"]   # 2 perspectives x 2 groups
    dropdown = page.locator(".widget-dropdown", has_text="Perspective").locator("select")
    dropdown.select_option(label="client")
    page.wait_for_function(
        f"() => {{ const s = ({EXPLORER_PLOT})(); return s && s.traces !== "
        f"{before['traces']}; }}", timeout=30_000)
    after = page.evaluate(EXPLORER_PLOT)
    assert after["axes"] == ["x", "x2"]                # the therapist row is gone
    assert after["traces"] == before["traces"] // 2
    assert "perspective client" in after["title"]
    return aborted, console, crashes


def test_review_page_in_voila_filters(
    workspace: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """The review page draws its figures and the filter redraws the explorer figure.

    Known flake, not hidden: between one page load in four and one in three here, Voila's widget manager asks
    for a widget model that is not there yet ("widget model not found") and the page never
    draws. A reload draws it. The test loads the page up to ``VOILA_ATTEMPTS`` times, prints
    every failed attempt, and fails if none succeeds. Outside requests and any other console
    error fail it at once.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    work, env = workspace
    ARTIFACTS.mkdir(exist_ok=True)
    started = time.monotonic()
    with helpers.voila(work / NOTEBOOK.name, tmp_path / "voila", env) as server, \
            sync_playwright() as p:
        browser = helpers.launch_chromium(p)
        try:
            for attempt in range(1, VOILA_ATTEMPTS + 1):
                page = browser.new_page(viewport={"width": 1400, "height": 1200})
                try:
                    aborted, console, crashes = _check_review_page(page, server.url + "/")
                    break
                except (PlaywrightError, AssertionError) as exc:
                    page.screenshot(path=str(ARTIFACTS / f"themes_voila_failure_{attempt}.png"))
                    print(f"attempt {attempt} failed: {type(exc).__name__}: {str(exc)[:300]}")
                    print("Voila log:\n" + server.log_tail())
                    if attempt == VOILA_ATTEMPTS:
                        raise
                    page.close()
            # the workbench template drops Voila's CDN links: no off-machine request at all
            assert aborted == [], aborted
            # the one transient above may be logged even when the page then drew; any other
            # console error fails the test
            unexpected = [(text, url) for text, url in console
                          if not text.startswith("Error: widget model not found")]
            assert not unexpected, unexpected
            assert not crashes, crashes
            page.locator(".widget-dropdown", has_text="Perspective").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "themes_voila.png"))
        finally:
            browser.close()
    print(f"Voila theme test took {time.monotonic() - started:.1f} s")
