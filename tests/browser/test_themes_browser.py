"""The theme-summary notebook in a real browser: JupyterLab, then the Voila review page.

(a) JupyterLab runs every cell of ``notebooks/04_themes.ipynb`` (a copy) on the sample
    study; all figures must draw (plotly SVG) in the codebook colours, no cell may fail;
    screenshot ``test-artifacts/themes_lab.png``.
(b) Voila serves the same notebook with the project's template (Voila's lab template minus
    its CDN stylesheet links) and Voila config (progressive rendering), as ``make review``
    does. The page is loaded once: requests to hosts other than this machine would be
    aborted and fail the test; console errors are collected and none is allowed. The figures
    must draw, and choosing "client" in the explorer's Perspective filter must redraw its
    figure with the therapist panels gone; the page shows no developer prose, clock times
    and code names; the timeline's dyad-and-session chooser redraws it; screenshot
    ``test-artifacts/themes_voila.png``. Closing the page, its kernel is culled when idle.

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
# plots in output areas only: plotly draws a transient copy of a figure in <body> for its
# PNG snapshot, which must not count as a drawn figure
PLOTS_DRAWN = ("Array.from(document.querySelectorAll('.jp-OutputArea-output .js-plotly-plot'))"
               f".filter(g => g.querySelector('svg.main-svg path')).length >= {N_FIGURES}")
TIMELINE_TITLE = """() => Array.from(document.querySelectorAll(
  '.jp-OutputArea-output .js-plotly-plot')).some(p => p.layout && p.layout.title &&
  String(p.layout.title.text).includes('WANTED'))"""
EXPLORER_PLOT = """() => {
  const plots = Array.from(document.querySelectorAll('.jp-OutputArea-output .js-plotly-plot'));
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
        with helpers.failure_report(browser, page, ARTIFACTS / "themes_lab_failure.png",
                                    lab.log_tail, console=console, aborted=aborted):
            helpers.open_notebook(page, lab, NOTEBOOK.name)
            helpers.run_all_cells(page)
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
    print(f"JupyterLab theme test took {time.monotonic() - started:.1f} s")


def _check_review_page(page: Any, url: str) -> None:
    """Load the review page once, check that the figures draw and the filter redraws."""
    page.goto(url, timeout=120_000)
    page.wait_for_function(PLOTS_DRAWN, timeout=90_000)
    before = page.wait_for_function(EXPLORER_PLOT, timeout=30_000).json_value()
    assert before["axes"] == ["x", "x2", "x3", "x4"]   # 2 perspectives x 2 groups
    # every cell ran (progressive rendering shows a skeleton until a cell has reported)
    # and none wrote to stderr
    page.wait_for_function("() => !document.querySelector('.voila-skeleton-container')",
                           timeout=30_000)
    errors = page.locator("[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.all_inner_texts()
    dropdown = page.locator(".widget-dropdown", has_text="Perspective").locator("select")
    dropdown.select_option(label="client")
    page.wait_for_function(
        f"() => {{ const s = ({EXPLORER_PLOT})(); return s && s.traces !== "
        f"{before['traces']}; }}", timeout=30_000)
    after = page.evaluate(EXPLORER_PLOT)
    assert after["axes"] == ["x", "x2"]                # the therapist row is gone
    assert after["traces"] == before["traces"] // 2
    assert "perspective client" in after["title"]
    # no developer prose on the review page; times as clock times, codes by name
    text = page.inner_text("#rendered_cells")
    for prose in ("Checks:", "output widget", "figure_output", "NBVAL", "attrs["):
        assert prose not in text, prose
    assert re.search(r"\b03:22\b", text) and "202.0" not in text
    assert "('withdrawal'" not in text and "Withdrawal / distancing, Anxiety" in text
    # the timeline shows the dyad and session chosen in its dropdown
    chooser = page.locator(".widget-dropdown", has_text="Dyad and session").locator("select")
    assert chooser.locator("option").count() == 8
    labels = [t.replace("\xa0", " ") for t in chooser.locator("option").all_inner_texts()]
    chooser.select_option(index=next(i for i, t in enumerate(labels)
                                     if t.startswith("D03 · session 5 (")))
    page.wait_for_function(TIMELINE_TITLE.replace("WANTED", "dyad D03, session 5"),
                           timeout=30_000)


def test_review_page_in_voila_filters(
    workspace: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """The review page draws its figures on the first load and the filter redraws the
    explorer figure.

    One page load, no retry, no console error tolerated. Voila must run with the project's
    config (``share/jupyter/config/voila.json``: progressive rendering; checked in its log).
    In Voila's default mode the page asked for every widget model while it was still loading
    them all from the kernel, and a widget waiting more than 2 s on a busy page gave up
    although its model had arrived ("widget model not found" on about one load in four, see
    the README).
    """
    from playwright.sync_api import sync_playwright

    work, env = workspace
    ARTIFACTS.mkdir(exist_ok=True)
    started = time.monotonic()
    # the project's config culls idle kernels after 600 s; here after 3 s, to see it happen
    culling = ["--MappingKernelManager.cull_idle_timeout=3",
               "--MappingKernelManager.cull_interval=1"]
    with helpers.voila(work / NOTEBOOK.name, tmp_path / "voila", env, culling) as server, \
            sync_playwright() as p:
        assert "Progressive rendering is activated" in server.log.read_text(errors="replace")
        browser = helpers.launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        aborted, console, crashes = _watch(page)
        with helpers.failure_report(browser, page, ARTIFACTS / "themes_voila_failure.png",
                                    server.log_tail, console=console, aborted=aborted):
            _check_review_page(page, server.url + "/")
            # the workbench template drops Voila's CDN links: no off-machine request at all
            assert aborted == [], aborted
            assert not console, console                # no console error at all
            assert not crashes, crashes
            page.locator(".widget-dropdown", has_text="Perspective").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "themes_voila.png"))
            # a closed page leaves no kernel running (`make review` culls idle kernels)
            page.close()
            started_ids = re.findall(r"Kernel started: ([0-9a-f-]+)", server.log_tail(10**6))
            assert len(started_ids) == 1, started_ids
            helpers.wait_for(lambda: f"Kernel shutdown: {started_ids[0]}"
                             in server.log_tail(10**6), 60, "the idle kernel to be culled")
            assert "Culling kernels with idle durations > 3 seconds" in server.log_tail(10**6)
    print(f"Voila theme test took {time.monotonic() - started:.1f} s")
