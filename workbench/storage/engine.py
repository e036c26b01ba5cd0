"""Open a project database: SQLite file (WAL, foreign keys, busy timeout) or a server URL.

:func:`open_store` creates or upgrades the schema with Alembic. Before an existing SQLite
project file is migrated it is copied next to itself (``<name>.backup-<revision>-<time>``).

:meth:`Store.atomic` runs many store operations as one transaction (all or nothing): inside
it, in the same thread, :meth:`Store.transaction` is a SAVEPOINT of the outer transaction
and :meth:`Store.reading` reads through the outer connection (so it sees what the block has
written). Other threads and processes see nothing of it until it commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.pool import ConnectionPoolEntry

from workbench.errors import ConflictError, StorageError

log = logging.getLogger(__name__)

__all__ = ["Store", "head_revision", "is_url", "open_store"]

_MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 15_000


def is_url(target: str | Path) -> bool:
    """True when ``target`` is a database URL rather than a file path."""
    return isinstance(target, str) and "://" in target


def _alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest schema revision this version of the workbench knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - packaging error
        raise StorageError("the workbench's migrations are missing; reinstall the package.")
    return head


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves in _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get("workbench_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


# PostgreSQL SQLSTATEs of races between sessions: unique/foreign-key violations, a
# serialization failure, a deadlock, a lock that could not be had.
_RACE_STATES = {"23505", "23503", "40001", "40P01", "55P03"}


def _as_conflict(exc: DBAPIError) -> ConflictError | None:
    """The :class:`ConflictError` for a database error that a concurrent session caused."""
    state = getattr(exc.orig, "sqlstate", None)
    message = str(exc.orig).lower()
    # SQLite serialises writers (BEGIN IMMEDIATE), so there only a lock that outlasted the
    # busy timeout is a race; a constraint failure there is a bug and stays an IntegrityError.
    race = state in _RACE_STATES or "database is locked" in message
    if not race:
        return None
    return ConflictError(
        "another session changed the same data at the same moment, so nothing was saved "
        f"({type(exc.orig).__name__}: {str(exc.orig).splitlines()[0]}). Reload and try again."
    )


@contextmanager
def _conflicts() -> Iterator[None]:
    """Raise a database error that a concurrent session caused as :class:`ConflictError`."""
    try:
        yield
    except (IntegrityError, OperationalError, DBAPIError) as exc:
        conflict = _as_conflict(exc)
        if conflict is None:
            raise
        raise conflict from exc


class Store:
    """A project's database: an engine plus transactions. All SQL lives in this package."""

    def __init__(self, engine: Engine, location: str):
        self.engine = engine
        self.location = location
        self._local = threading.local()  # .outer: this thread's atomic() connection
        self._write_hooks: list[Callable[[str], object]] = []

    def add_write_hook(self, hook: Callable[[str], object]) -> None:
        """Call ``hook("begin")`` before each write transaction (outside :meth:`atomic`
        blocks: the outermost one) starts and ``hook("commit")`` once it committed; the
        coding panel shows "saving..." and "saved" from them."""
        self._write_hooks.append(hook)

    def remove_write_hook(self, hook: Callable[[str], object]) -> None:
        """Stop calling ``hook`` (see :meth:`add_write_hook`)."""
        if hook in self._write_hooks:
            self._write_hooks.remove(hook)

    def _notify(self, event: str) -> None:
        for hook in list(self._write_hooks):
            try:
                hook(event)
            except Exception:  # a display hook must never break a write
                log.exception("write hook failed on %s", event)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def _outer(self) -> Connection | None:
        """The connection of this thread's :meth:`atomic` block, if one is open."""
        return getattr(self._local, "outer", None)

    @property
    def in_atomic(self) -> bool:
        """True inside an :meth:`atomic` block of the calling thread."""
        return self._outer() is not None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a transaction: committed on success, rolled back on any error.

        Inside :meth:`atomic` (same thread) it is a SAVEPOINT of the outer transaction:
        an error rolls back this part only, and nothing is committed until the outer
        block ends.
        """
        outer = self._outer()
        if outer is not None:
            with _conflicts(), outer.begin_nested():
                yield outer
            return
        self._notify("begin")
        with self.engine.connect() as connection:
            # On SQLite this makes the transaction BEGIN IMMEDIATE (see _sqlite_begin): two
            # writers then queue on the busy timeout instead of one failing half-way.
            connection.execution_options(workbench_write=True)
            with _conflicts(), connection.begin():
                yield connection
        self._notify("commit")

    @contextmanager
    def atomic(self) -> Iterator[Connection]:
        """One write transaction around many operations: all of them or none.

        Every :meth:`transaction` and :meth:`reading` of this store in the calling thread
        inside the block uses its connection (transactions as SAVEPOINTs); the block
        commits when it ends and rolls everything back on any exception, including
        ``KeyboardInterrupt``. A nested ``atomic()`` is a SAVEPOINT. On SQLite the block
        holds the write lock (``BEGIN IMMEDIATE``) from start to end, so other writers
        wait for it (up to the busy timeout); readers see the state before it until it
        commits. Work in other threads or processes uses its own connections and does not
        see the block's changes.
        """
        outer = self._outer()
        if outer is not None:
            with _conflicts(), outer.begin_nested():
                yield outer
            return
        self._notify("begin")
        with self.engine.connect() as connection:
            connection.execution_options(workbench_write=True)
            with _conflicts(), connection.begin():
                self._local.outer = connection
                try:
                    yield connection
                finally:
                    self._local.outer = None
        self._notify("commit")

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads (inside :meth:`atomic`: the block's connection)."""
        outer = self._outer()
        if outer is not None:
            yield outer
            return
        with self.engine.connect() as connection:
            yield connection

    def revision(self) -> str | None:
        """The schema revision stored in the database."""
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def close(self) -> None:
        """Release all connections."""
        self.engine.dispose()


def _project_target(target: str | Path) -> str | Path:
    """A server URL, or the path of a SQLite file (a ``sqlite:///`` URL becomes its path, so
    it gets the same checks and pragmas). In-memory databases are refused."""
    if is_url(target):
        try:
            url = make_url(str(target))
        except ArgumentError as exc:
            raise StorageError(f"cannot use database URL {str(target)!r}: {exc}") from None
        if url.get_backend_name() != "sqlite":
            return str(target)
        target = url.database or ""
    if str(target) in ("", ":memory:") or str(target).startswith("file::memory:"):
        raise StorageError(
            "a project must live in a file or on a database server, not in memory: an import "
            "stores from other threads and processes, which cannot see an in-memory database. "
            "Give a file path (for a throw-away project, one in a temporary folder)."
        )
    return Path(target)


def _make_engine(target: str | Path) -> tuple[Engine, str, Path | None]:
    if is_url(target):
        url = str(target)
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StorageError(f"cannot use database URL {url!r}: {exc}") from None
        return engine, url, None
    path = Path(target).expanduser()
    if path.exists() and path.is_dir():
        raise StorageError(f"{path} is a folder; give the path of the project file (*.sqlite).")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine, str(path), path


def _backup_sqlite(path: Path, revision: str) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    backup = path.with_name(f"{path.name}.backup-{revision}-{stamp}")
    source = sqlite3.connect(path)
    try:
        target = sqlite3.connect(backup)
        with target:
            source.backup(target)
        target.close()
    finally:
        source.close()
    return backup


def _migrate(engine: Engine, sqlite: bool) -> None:
    """Upgrade to the newest revision in one transaction.

    On SQLite, migrations rebuild tables (SQLite cannot alter them in place), and dropping a
    table with foreign keys on would delete, or cascade to, the rows that refer to it. So
    foreign keys are switched off for the migration, as SQLite's documentation prescribes
    for schema changes, and checked (``PRAGMA foreign_key_check``) before the commit: a
    violation rolls everything back.
    """
    with engine.connect() as connection:
        raw = connection.connection.driver_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")  # outside a transaction, or it is ignored
        try:
            connection.execution_options(workbench_write=True)
            with connection.begin():
                command.upgrade(_alembic_config(connection), "head")
                if raw is not None:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise StorageError(
                            f"the migration would leave {len(broken)} row(s) pointing at rows "
                            f"that do not exist (first: {tuple(broken[0])}); nothing was "
                            "changed. Please report this with the project's backup copy."
                        )
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def open_store(target: str | Path, *, create: bool = False) -> Store:
    """Open (and migrate) the project at ``target``; ``create=True`` makes a new one.

    Raises :class:`StorageError` when the file is missing (and ``create`` is false), already
    holds a project (and ``create`` is true), or the database cannot be reached or migrated.
    """
    target = _project_target(target)
    path = None if is_url(target) else Path(target).expanduser()
    if path is not None:
        if create and path.exists() and path.stat().st_size > 0:
            raise StorageError(
                f"{path} already exists; open it with workbench.open_project() instead, or "
                "choose another file name."
            )
        if not create and not path.exists():
            raise StorageError(
                f"no project at {path}; create one with `workbench init {path}` or "
                "workbench.create_project()."
            )
        if not create and path.is_file() and path.stat().st_size == 0:
            raise StorageError(
                f"{path} is an empty file, not a workbench project; delete it and create the "
                f"project with `workbench init {path}`."
            )
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
    engine, location, file_path = _make_engine(target)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            tables = set(inspect(connection).get_table_names())
    except DatabaseError as exc:  # OperationalError, or "file is not a database"
        engine.dispose()
        raise StorageError(
            f"cannot open the project database {location}: {exc.orig}. Check the path or that "
            "the database server is running."
        ) from None
    head = head_revision()
    if current is None and tables - {"alembic_version"}:
        engine.dispose()
        raise StorageError(
            f"{location} holds tables but is not a workbench project; use an empty database."
        )
    if not create and current is None:
        engine.dispose()
        raise StorageError(
            f"{location} is not a workbench project (no schema version found); create one "
            f"with `workbench init {location}` or workbench.create_project()."
        )
    if create and current is not None:  # a server database (files were checked above)
        engine.dispose()
        raise StorageError(
            f"{location} already holds a workbench project; open it with "
            "workbench.open_project() instead, or use an empty database."
        )
    if current != head:
        if file_path is not None and current is not None:
            _backup_sqlite(file_path, current)
        try:
            _migrate(engine, file_path is not None)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StorageError(f"migrating {location} to revision {head} failed: {exc}") from None
        except StorageError:
            engine.dispose()
            raise
    return Store(engine, location)
