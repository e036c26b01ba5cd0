"""Helpers shared by the browser tests: Debian's Chromium, JupyterLab and Voila servers.

Every server runs on a free 127.0.0.1 port with throw-away config, settings, runtime and
IPython folders (JupyterLab's news and update checks off), in its own process group, and
is stopped with its kernels afterwards. Chromium is Debian's ``/usr/bin/chromium`` driven
by Playwright (never ``playwright install``); without it a test skips, except under
``CI=true``, where it fails.

The tests import it as ``import browser_helpers`` (pytest puts ``tests/browser`` on
``sys.path``).
"""

from __future__ import annotations

import contextlib
import json
import re
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
IN_CI = os.environ.get("CI", "").lower() == "true"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
T = TypeVar("T")


def require_browser() -> None:
    """Skip (fail under ``CI=true``) unless Chromium and playwright are there."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the Python package playwright is missing (pip install -e '.[dev]')"
    if problem is None:
        return
    message = (f"{problem}; install Debian's chromium (`apt-get install chromium`, or `make "
               "browser-deps` as root). Never `playwright install`.")
    if IN_CI:
        pytest.fail("CI=true: " + message)
    pytest.skip(message)


@contextlib.contextmanager
def failure_report(browser: Any, page: Any, screenshot: Path, log_tail: Callable[[], str],
                   **seen: object) -> Iterator[None]:
    """Close ``browser`` afterwards; on failure first save ``screenshot`` and print what was
    ``seen`` (lists collected during the test, such as console errors: their last 30 items)
    and the server log's tail."""
    try:
        yield
    except BaseException:
        page.screenshot(path=str(screenshot))
        for name, value in seen.items():
            print(f"{name}:", *(value[-30:] if isinstance(value, list) else [value]), sep="\n")
        print("server log:\n" + log_tail())
        raise
    finally:
        browser.close()


def launch_chromium(playwright: Any) -> Any:
    """Headless Debian Chromium through Playwright."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                      headless=True)


REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], T | None], timeout: float, what: str) -> T:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)


def is_loopback(url: str) -> bool:
    """Whether a request URL stays on this machine (data:, blob: and file: URLs do)."""
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob", "file", "about") or parsed.hostname in LOOPBACK


@dataclass
class Server:
    """A running Jupyter server (JupyterLab or Voila)."""

    url: str
    token: str
    log: Path
    process: subprocess.Popen[bytes]
    runtime: Path

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server's log (for failure messages)."""
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def isolated_env(base: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment with throw-away Jupyter folders under ``base`` (news and updates off)."""
    dirs = {name: base / name for name in ("config", "settings", "workspaces", "runtime",
                                            "ipython", "data")}
    for folder in dirs.values():
        folder.mkdir(parents=True, exist_ok=True)
    notification = dirs["settings"] / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    return {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTERLAB_SETTINGS_DIR": str(dirs["settings"]),
        "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "IPYTHONDIR": str(dirs["ipython"]),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **(extra or {}),
    }


def _root_flag() -> list[str]:
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


@contextlib.contextmanager
def _serve(command: list[str], cwd: Path, env: dict[str, str], log: Path, url: str,
           token: str, probe: str, what: str) -> Iterator[Server]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(url, token, log, process, Path(env["JUPYTER_RUNTIME_DIR"]))
    try:
        def ready() -> bool:
            if process.poll() is not None:
                pytest.fail(f"{what} exited with {process.returncode}:\n{server.log_tail()}")
            try:
                with urllib.request.urlopen(probe, timeout=2) as response:
                    return bool(response.status == 200)
            except (urllib.error.URLError, OSError):
                return False

        wait_for(ready, 90, f"{what} to answer")
        yield server
    finally:
        stop(process)
        kill_kernels_of(server.runtime)


@contextlib.contextmanager
def jupyterlab(root_dir: Path, base: Path,
               extra_env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """JupyterLab serving ``root_dir`` on 127.0.0.1 with a random token."""
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}", f"--ServerApp.root_dir={root_dir}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly", *_root_flag(),
    ]
    url = f"http://127.0.0.1:{port}"
    with _serve(command, root_dir, isolated_env(base, extra_env), base / "jupyterlab.log", url,
                token, f"{url}/api/status?token={token}", "JupyterLab") as server:
        yield server


@contextlib.contextmanager
def voila(notebook: Path, base: Path,
          extra_env: Mapping[str, str] | None = None,
          extra_args: Sequence[str] = ()) -> Iterator[Server]:
    """Voila serving one notebook on 127.0.0.1 (no token: Voila's default, loopback only),
    with the project's template and Voila config as `make review` uses them (``extra_args``
    override settings on the command line)."""
    port = free_port()
    command = [
        sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
        "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--template=workbench", *extra_args,
    ]
    url = f"http://127.0.0.1:{port}"
    env = isolated_env(base, extra_env)
    # the project's Voila template (lab without CDN links) and Voila config (progressive
    # rendering), as `make review` uses them
    env["JUPYTER_PATH"] = str(REPO / "share" / "jupyter")
    env["JUPYTER_CONFIG_PATH"] = str(REPO / "share" / "jupyter" / "config")
    with _serve(command, notebook.parent, env, base / "voila.log",
                url, "", f"{url}/voila/templates/lab/static/index.css", "Voila") as server:
        yield server


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started by this module (its own process group) and its children."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # anything left in the group
        os.killpg(process.pid, signal.SIGKILL)


def kill_kernels_of(runtime: Path) -> None:
    """Kill kernels a server left behind: processes whose command line names a connection
    file in this server's runtime folder (found by pid in /proc)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if str(runtime).encode() in cmdline.read_bytes():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(cmdline.parent.name), signal.SIGKILL)


IDLE = re.compile(r"\| Idle")
"""JupyterLab's status bar once the kernel is idle."""


def open_notebook(page: Any, server: Server, name: str, timeout: float = 90_000) -> None:
    """Open the notebook ``name`` (relative to the server's root) and wait until its kernel
    is idle."""
    from playwright.sync_api import expect

    page.goto(f"{server.url}/lab/tree/{name}?token={server.token}")
    expect(page.get_by_text(IDLE)).to_be_visible(timeout=timeout)


def run_all_cells(page: Any) -> None:
    """Run every cell of the open notebook (the Run menu's "Run All Cells")."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
