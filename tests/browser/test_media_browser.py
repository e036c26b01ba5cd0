"""The session recording in the coding panel, in a real JupyterLab and Debian's Chromium.

The test writes a 60 s 8 kHz mono WAV (standard library ``wave``) next to an IPR transcript
inside the JupyterLab root (the sidecar rule of :mod:`workbench.media`), imports the
transcript into a project outside the root, and runs a small notebook that shows the coding
panel. Moving with the keyboard to a segment of another recall stop seeks the ``<audio>``
element to that stop's time (within 0.5 s), ``l`` plays from the stop, and a position
reported by the browser shows as "playing stop N" (computed in Python). Every request of
the page stays on 127.0.0.1, and the element loads the file from the server's ``files/``
handler. A screenshot is saved to ``test-artifacts/session_player.png``.

Needs ``/usr/bin/chromium`` (never ``playwright install``); without it the test skips,
except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import json
import math
import struct
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbench import create_project
from workbench.model import Code, Codebook, Theme

import browser_helpers as helpers  # tests/browser is on sys.path (pytest prepend mode)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DOCUMENT = "D01_S3_client"
STOPS = (5.0, 20.0, 40.0)

TRANSCRIPT = """---
synthetic: true
dyad: D01
session: 3
perspective: client
speakers:
  R: {name: Researcher, role: interviewer}
  C: {name: Client, role: participant}
---
R: Stop the video whenever you like.

[00:00:05]
R: What was happening here?
C: I felt tense.

[00:00:20]
R: And here?
C: I relaxed a bit. Then I laughed.

[00:00:40]
C: This is where I wanted to leave.
"""


def write_tone(path: Path, seconds: int = 60, rate: int = 8000) -> None:
    """A quiet 440 Hz tone, 8 kHz mono 16-bit."""
    frames = b"".join(struct.pack("<h", int(800 * math.sin(2 * math.pi * 440 * i / rate)))
                      for i in range(rate))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        for _second in range(seconds):
            out.writeframes(frames)


def notebook(project: Path) -> dict[str, object]:
    source = ("import workbench as wb\n"
              f"project = wb.open_project({str(project)!r})\n"
              f"wb.coding_panel(project, 'ana', {DOCUMENT!r})")
    return {"cells": [{"cell_type": "code", "execution_count": None, "id": "panel",
                       "metadata": {}, "outputs": [], "source": source}],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


@dataclass
class Lab:
    server: helpers.Server
    root: Path


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    helpers.require_browser()
    root = tmp_path / "root"
    transcripts = root / "transcripts"
    transcripts.mkdir(parents=True)
    source = transcripts / f"{DOCUMENT}.ipr.txt"
    source.write_text(TRANSCRIPT, encoding="utf-8")
    write_tone(transcripts / f"{DOCUMENT}.wav")
    project_path = tmp_path / "project.sqlite"  # outside the served root
    project = create_project(project_path)
    project.import_transcripts([source], progress=False)
    project.load_codebook(Codebook(name="media", themes=(Theme("t", "Theme"),), codes=(
        Code("anxiety", "Anxiety", "t", "worry", "#1f77b4"),)))
    project.add_coder("ana")
    project.close()
    (root / "media.ipynb").write_text(json.dumps(notebook(project_path)), encoding="utf-8")
    with helpers.jupyterlab(root, tmp_path / "lab") as server:
        yield Lab(server, root)


def test_choosing_a_stop_seeks_the_recording(lab: Lab) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    console: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = helpers.launch_chromium(p)
        page = browser.new_page(viewport={"width": 1300, "height": 1200})
        page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
        page.on("request", lambda request: requests.append(request.url))
        with helpers.failure_report(browser, page, ARTIFACTS / "session_player_failure.png",
                                    lab.server.log_tail, console=console):
            helpers.open_notebook(page, lab.server, "media.ipynb")
            helpers.run_all_cells(page)
            panel = page.locator(".wb-coding-panel")
            expect(panel).to_be_visible(timeout=90_000)
            audio = panel.locator("audio.wb-player-media")
            expect(audio).to_have_count(1, timeout=30_000)
            src = audio.evaluate("a => a.currentSrc || a.src")
            assert src == f"{lab.server.url}/files/transcripts/{DOCUMENT}.wav"
            page.wait_for_function(
                "() => document.querySelector('audio.wb-player-media').readyState >= 1",
                timeout=30_000)
            duration = audio.evaluate("a => a.duration")
            assert abs(duration - 60.0) < 0.1

            def current_time() -> float:
                return float(audio.evaluate("a => a.currentTime"))

            def seeks_to(seconds: float, what: str) -> None:
                helpers.wait_for(lambda: abs(current_time() - seconds) < 0.5, 20, what)

            keys = panel.locator(".wb-keys")
            keys.click()
            page.keyboard.press("ArrowRight")  # segment #1: the first turn of stop 1
            expect(panel.get_by_text("segment #1", exact=False)).to_be_visible(timeout=15_000)
            seeks_to(STOPS[0], "the seek to stop 1 (00:05)")
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowRight")  # segment #3: stop 2
            expect(panel.get_by_text("segment #3", exact=False)).to_be_visible(timeout=15_000)
            seeks_to(STOPS[1], "the seek to stop 2 (00:20)")
            label = panel.locator(".wb-player-label")
            expect(label).to_have_text("playing stop 2 (00:20)", timeout=10_000)

            # l: listen from the stop, briefly
            page.keyboard.press("l")
            helpers.wait_for(lambda: not audio.evaluate("a => a.paused"), 20, "playback")
            time.sleep(1.5)
            playing_at = current_time()
            assert STOPS[1] + 0.3 < playing_at < STOPS[1] + 10, playing_at
            expect(panel.get_by_text("listening from stop 2 (00:20)")).to_be_visible()
            # the coder drags the scrubber into stop 3: the label follows the position
            audio.evaluate("a => { a.currentTime = 41.0; }")
            expect(label).to_have_text("playing stop 3 (00:40)", timeout=15_000)
            audio.evaluate("a => a.pause()")
            # a move back into stop 1 seeks there again (follow is on)
            page.keyboard.press("ArrowLeft")
            page.keyboard.press("ArrowLeft")
            expect(panel.get_by_text("segment #1", exact=False)).to_be_visible(timeout=15_000)
            seeks_to(STOPS[0], "the seek back to stop 1")
            expect(panel.locator(".wb-error")).to_have_count(0)
            page.screenshot(path=str(ARTIFACTS / "session_player.png"))
    remote = [url for url in requests if not helpers.is_loopback(url)]
    assert not remote, f"requests left the machine: {remote[:5]}"
    media = [url for url in requests if url.endswith(".wav")]
    assert media and all(url.startswith(f"{lab.server.url}/files/") for url in media)
