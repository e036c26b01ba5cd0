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

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from workbench import open_project
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.testing import make_demo_project

import browser_helpers as helpers  # tests/browser is on sys.path (pytest prepend mode)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "02_coding.ipynb"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
T = TypeVar("T")

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


def _unavailable(reason: str) -> None:
    message = f"{reason}; install Debian's chromium (`apt-get install chromium`, or `make " \
              "browser-deps` as root). Never `playwright install`."
    if IN_CI:
        pytest.fail("CI=true: " + message)
    pytest.skip(message)


@dataclass
class Lab:
    """A running JupyterLab: its URL, token, log file and the project it codes."""

    url: str
    token: str
    log: Path
    project: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


def _write_settings(settings: Path) -> None:
    target = settings / "@jupyterlab" / "apputils-extension"
    target.mkdir(parents=True)
    (target / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))


def _build_project(path: Path) -> None:
    project = make_demo_project(path, codings=False)
    project.import_parsed([parse_ipr_text(XSS_TRANSCRIPT, source="xss.ipr.txt")],
                          progress=False)
    project.close()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 serving a copy of the coding notebook; stopped afterwards."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the Python package playwright is missing (pip install -e '.[dev]')")
    project = tmp_path / "project.sqlite"
    _build_project(project)
    work = tmp_path / "notebooks"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    dirs = {name: tmp_path / name for name in ("config", "settings", "workspaces", "runtime",
                                                "ipython", "data")}
    for folder in dirs.values():
        folder.mkdir()
    _write_settings(dirs["settings"])
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTERLAB_SETTINGS_DIR": str(dirs["settings"]),
        "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "IPYTHONDIR": str(dirs["ipython"]),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "WORKBENCH_PROJECT": str(project),
        "WORKBENCH_CODER": "ana",
    }
    port, token = helpers.free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}", f"--ServerApp.root_dir={work}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = tmp_path / "jupyterlab.log"
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=work, env=env, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    running = Lab(f"http://127.0.0.1:{port}", token, log, project)
    try:
        def ready() -> bool:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with {server.returncode}:\n{running.log_tail()}")
            try:
                with urllib.request.urlopen(f"{running.url}/api/status?token={token}",
                                            timeout=2) as response:
                    return bool(response.status == 200)
            except (urllib.error.URLError, OSError):
                return False

        helpers.wait_for(ready, 90, "JupyterLab to answer")
        yield running
    finally:
        helpers.stop(server)
        helpers.kill_kernels_of(dirs["runtime"])


def _codings(project: Path) -> set[tuple[int, str]]:
    opened = open_project(project)
    try:
        frame = opened.codings(coder="ana", document="D0_S3_client", with_attributes=False)
        return {(int(r.segment_index), str(r.code)) for r in frame.itertuples()}
    finally:
        opened.close()


def test_code_by_click_and_by_keyboard_in_jupyterlab(lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    started = time.monotonic()
    console: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                    headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
        try:
            page.goto(f"{lab.url}/lab/tree/{NOTEBOOK.name}?token={lab.token}")
            expect(page.get_by_text(re.compile(r"\| Idle"))).to_be_visible(timeout=90_000)
            code_cells = page.locator(".jp-Notebook .jp-CodeCell")
            cell_count = code_cells.count()
            assert cell_count == 5, f"expected the notebook's 5 code cells, saw {cell_count}"

            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
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
        except BaseException:
            page.screenshot(path=str(ARTIFACTS / "coding_panel_failure.png"))
            print("browser console:\n" + "\n".join(console[-50:]))
            print("JupyterLab log:\n" + lab.log_tail())
            raise
        finally:
            browser.close()
    print(f"browser test took {time.monotonic() - started:.1f} s")
