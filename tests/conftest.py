"""Shared fixtures: projects on SQLite always, and on PostgreSQL when the server is there.

PostgreSQL tests use ``WORKBENCH_PG_URL`` (default: the local server, database ``test``) and
a fresh schema per test. Under ``CI=true`` a missing server fails the run instead of
skipping.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench import Project, create_project
from workbench.testing import make_demo_project

PG_URL = os.environ.get("WORKBENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
ROOT = Path(__file__).resolve().parents[1]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Under ``CI=true`` a skipped test fails: nothing may be skipped for lack of a component."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI=true: this test was skipped ({reason}); in CI nothing may skip."


def _pg_available() -> str | None:
    try:
        import psycopg

        dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: no server for these tests
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


_PG_PROBLEM: str | bool | None = False


def pg_problem() -> str | None:
    """Why PostgreSQL tests cannot run here (None when they can). Probed once."""
    global _PG_PROBLEM
    if _PG_PROBLEM is False:
        _PG_PROBLEM = _pg_available()
    return _PG_PROBLEM  # type: ignore[return-value]


@contextlib.contextmanager
def fresh_pg_schema() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a new, empty schema, dropped on exit.

    Skips when the server is missing, except under ``CI=true``, where it fails.
    """
    problem = pg_problem()
    if problem is not None:
        message = (
            f"PostgreSQL not reachable at {PG_URL} ({problem}). Start it with "
            "'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start' or set "
            "WORKBENCH_PG_URL."
        )
        if IN_CI:
            pytest.fail("CI=true: " + message)
        pytest.skip(message)
    import psycopg

    schema = "wb_" + uuid.uuid4().hex[:12]
    dsn = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh, empty schema (dropped afterwards)."""
    with fresh_pg_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A project location on each backend: a SQLite file path, then a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "project.sqlite")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def empty_project(backend_url: str) -> Iterator[Project]:
    """A new, empty project on each backend."""
    project = create_project(backend_url)
    yield project
    project.close()


@pytest.fixture
def demo_project(backend_url: str) -> Iterator[Project]:
    """The small demo project (2 dyads, 3 coders, codings) on each backend."""
    project = make_demo_project(backend_url)
    yield project
    project.close()


@pytest.fixture
def sqlite_demo(tmp_path: Path) -> Iterator[Project]:
    """The demo project on SQLite only (for tests that do not concern storage)."""
    project = make_demo_project(tmp_path / "demo.sqlite")
    yield project
    project.close()
