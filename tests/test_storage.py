"""Storage: migrated schema, SQLite settings, opening errors, backups, constraints, audit."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import uuid as uuidlib
from contextlib import closing
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

import workbench.importing.document_writer as document_writer_module
import workbench.project as project_module
from workbench import StorageError, create_project, open_project
from workbench.errors import ConflictError, NotFoundError
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.storage import engine as engine_module
from workbench.storage.audit_log import record
from workbench.storage.engine import open_store
from workbench.storage.schema import audit, coders, codings, documents, metadata
from workbench.testing import DEMO_CODEBOOK, demo_transcript, make_demo_project


def _count(project, table) -> int:
    with project.store.reading() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


# -- schema ---------------------------------------------------------------------------------


def test_migrated_schema_equals_the_metadata(empty_project):
    with empty_project.store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        assert context.get_current_revision() == engine_module.head_revision()


def test_sqlite_pragmas(tmp_path):
    with create_project(tmp_path / "p.sqlite") as project, project.store.reading() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_sqlite_foreign_keys_are_enforced(tmp_path):
    row = {"name": "x", "case_id": 999, "text": "", "sha256": "0", "source": "",
           "segment_unit": "turn", "imported_at": func.now(), "updated_at": func.now()}
    with create_project(tmp_path / "p.sqlite") as project:
        with pytest.raises(IntegrityError), project.store.transaction() as conn:
            conn.execute(insert(documents).values(**row))
        assert _count(project, documents) == 0


# -- opening and creating -------------------------------------------------------------------


def test_opening_a_missing_file(tmp_path):
    missing = tmp_path / "nope.sqlite"
    with pytest.raises(StorageError, match=rf"no project at {missing}; create one with "
                       rf"`workbench init {missing}`"):
        open_project(missing)
    assert not missing.exists()  # opening never creates a file


def test_creating_over_an_existing_project(tmp_path):
    path = tmp_path / "p.sqlite"
    create_project(path).close()
    with pytest.raises(StorageError, match=rf"{path} already exists; open it with "
                       r"workbench\.open_project\(\)"):
        create_project(path)
    open_project(path).close()  # the existing project is untouched


def test_creating_over_an_existing_postgresql_project(pg_url):
    with create_project(pg_url) as project:
        project.add_coder("ana")
    with pytest.raises(StorageError, match="already holds a workbench project"):
        create_project(pg_url)
    with open_project(pg_url) as project:  # untouched
        assert project.coders() == ["ana"]


def test_a_folder_is_not_a_project(tmp_path):
    with pytest.raises(StorageError, match="is a folder; give the path of the project file"):
        open_project(tmp_path)


def test_sqlite_file_of_another_application(tmp_path):
    path = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.commit()
    with pytest.raises(StorageError, match="holds tables but is not a workbench project"):
        open_project(path)
    with closing(sqlite3.connect(path)) as conn:  # nothing was added to it
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert names == {"notes"}


def test_empty_sqlite_file_is_not_opened_but_can_be_created(tmp_path):
    path = tmp_path / "empty.sqlite"
    path.touch()
    with pytest.raises(StorageError, match="is an empty file, not a workbench project"):
        open_project(path)
    assert path.stat().st_size == 0  # the failed open left it untouched
    with create_project(path) as project:  # a zero-byte file is taken as "new"
        assert project.documents() == []


def test_postgresql_database_of_another_application(pg_url):
    import sqlalchemy

    engine = sqlalchemy.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id integer primary key)"))
    engine.dispose()
    with pytest.raises(StorageError, match="holds tables but is not a workbench project"):
        create_project(pg_url)


def test_unreachable_server():
    with pytest.raises(StorageError, match="cannot open the project database"):
        open_project("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")


# -- migrations and backups ------------------------------------------------------------------

HEAD = engine_module.head_revision()

MIGRATION_NEXT = '''"""add coders.email (test only)

Revision ID: 9999
Revises: {head}
"""

from alembic import op
import sqlalchemy as sa

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coders") as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(200), nullable=True))
    {extra}


def downgrade() -> None:
    with op.batch_alter_table("coders") as batch_op:
        batch_op.drop_column("email")
'''


def _migrations_with_next(tmp_path: Path, monkeypatch, extra: str = "") -> None:
    """Point the workbench at a copy of its migrations plus a new revision 9999."""
    target = tmp_path / "migrations"
    shutil.copytree(engine_module._MIGRATIONS, target,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (target / "versions" / "9999_test.py").write_text(
        MIGRATION_NEXT.format(extra=extra, head=HEAD), encoding="utf-8")
    monkeypatch.setattr(engine_module, "_MIGRATIONS", target)


def _columns(path: Path, table: str) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _revision(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_upgrade_backs_up_the_old_file_first(tmp_path, monkeypatch):
    path = tmp_path / "study.sqlite"
    with create_project(path) as project:
        project.add_coder("ana")
    assert _revision(path) == HEAD
    _migrations_with_next(tmp_path, monkeypatch)
    assert engine_module.head_revision() == "9999"

    with open_project(path) as project:
        assert project.store.revision() == "9999"
        assert project.coders() == ["ana"]
    assert "email" in _columns(path, "coders")
    backups = sorted(tmp_path.glob(f"study.sqlite.backup-{HEAD}-*"))
    assert len(backups) == 1
    backup = backups[0]
    assert _revision(backup) == HEAD  # the copy is the file as it was before migrating
    assert "email" not in _columns(backup, "coders")
    with closing(sqlite3.connect(backup)) as conn:
        assert conn.execute("SELECT name FROM coders").fetchall() == [("ana",)]

    with open_project(path):  # already at head: no second backup
        pass
    assert len(list(tmp_path.glob("study.sqlite.backup-*"))) == 1


def test_failed_upgrade_changes_nothing_and_keeps_the_backup(tmp_path, monkeypatch):
    path = tmp_path / "study.sqlite"
    with create_project(path) as project:
        project.add_coder("ana")
    _migrations_with_next(tmp_path, monkeypatch, extra='op.execute("SELECT * FROM no_such_table")')
    with pytest.raises(StorageError, match=r"migrating .*study\.sqlite to revision 9999 failed"):
        open_project(path)
    assert _revision(path) == HEAD
    assert "email" not in _columns(path, "coders")  # the half-done migration was rolled back
    assert len(list(tmp_path.glob(f"study.sqlite.backup-{HEAD}-*"))) == 1


def test_new_project_is_not_backed_up(tmp_path):
    create_project(tmp_path / "new.sqlite").close()
    assert [p.name for p in tmp_path.iterdir() if "backup" in p.name] == []


# -- constraints -----------------------------------------------------------------------------


def _a_coding(project) -> dict:
    with project.store.reading() as conn:
        row = conn.execute(select(codings).limit(1)).mappings().one()
    values = dict(row)
    values.pop("id")
    values["uuid"] = str(uuidlib.uuid4())
    return values


def test_one_coding_per_segment_code_and_coder(empty_project):
    project = empty_project
    segment = _small_project(project)
    project.add_coder("ben")
    before = _count(project, codings)
    first = project.apply_code(segment, "repair", "ana")
    again = project.apply_code(segment, "repair", "ana")
    assert first == again
    assert _count(project, codings) == before + 1
    other = project.apply_code(segment, "repair", "ben")  # another coder: its own row
    assert other != first
    assert _count(project, codings) == before + 2
    # the database itself refuses a second row for the same range, code and coder (on
    # PostgreSQL a unique violation is a race between sessions: a ConflictError)
    duplicate = _a_coding(project)
    with pytest.raises((IntegrityError, ConflictError)) as caught, \
            project.store.transaction() as conn:
        conn.execute(insert(codings).values(**duplicate))
    error = caught.value
    assert isinstance(error if isinstance(error, IntegrityError) else error.__cause__,
                      IntegrityError)
    assert _count(project, codings) == before + 2


def test_coder_is_required(empty_project):
    project = empty_project
    project.apply_code(_small_project(project), "anxiety", "ana")
    values = _a_coding(project)
    values["coder_id"] = None
    with pytest.raises(IntegrityError), project.store.transaction() as conn:
        conn.execute(insert(codings).values(**values))
    assert _count(project, codings) == 1


# -- audit -----------------------------------------------------------------------------------


def test_audit_is_append_only(empty_project):
    project = empty_project
    project.add_coder("ana")
    rows = project.audit_log()
    assert list(rows["action"]) == ["add_coder"]
    with pytest.raises(DBAPIError, match="append-only"), project.store.transaction() as conn:
        conn.execute(update(audit).values(actor="mallory"))
    with pytest.raises(DBAPIError, match="append-only"), project.store.transaction() as conn:
        conn.execute(delete(audit))
    after = project.audit_log()
    assert list(after["actor"]) == ["system"] and len(after) == 1
    with project.store.transaction() as conn:  # appending still works
        record(conn, actor="ana", action="note", entity="project", key="-")
    assert len(project.audit_log()) == 2


def _small_project(project):
    parsed = parse_ipr_text(demo_transcript("D1", 3, "client"), source="D1.txt")
    project.import_parsed([parsed], progress=False)
    project.load_codebook(DEMO_CODEBOOK)
    project.add_coder("ana")
    return int(project.segments(role="participant").iloc[0]["segment_id"])


def _failing_after_record(monkeypatch):
    real = project_module.record

    def record_then_fail(conn, **kwargs):
        real(conn, **kwargs)
        raise RuntimeError("failure after the audit insert")

    monkeypatch.setattr(project_module, "record", record_then_fail)
    monkeypatch.setattr(document_writer_module, "record", record_then_fail)


def test_audit_row_and_change_share_one_transaction(empty_project, monkeypatch):
    project = empty_project
    segment = _small_project(project)
    audit_before, codings_before = _count(project, audit), _count(project, codings)
    _failing_after_record(monkeypatch)
    with pytest.raises(RuntimeError, match="after the audit insert"):
        project.apply_code(segment, "anxiety", "ana")
    parsed = parse_ipr_text(demo_transcript("D2", 3, "client"), source="D2.txt")
    with pytest.raises(RuntimeError, match="after the audit insert"):
        project.import_parsed([parsed], progress=False)
    assert _count(project, audit) == audit_before
    assert _count(project, codings) == codings_before
    assert project.documents() == ["D1_S3_client"]
    monkeypatch.undo()
    project.apply_code(segment, "anxiety", "ana")  # works again, with its audit row
    assert _count(project, audit) == audit_before + 1
    assert _count(project, codings) == codings_before + 1


def test_failed_change_writes_no_audit_row(empty_project):
    project = empty_project
    _small_project(project)
    before = _count(project, audit)
    with pytest.raises(NotFoundError, match="no segment with id 999999"):
        project.apply_code(999999, "anxiety", "ana")
    with pytest.raises(ValueError, match="is not inside segment"):
        project.apply_code(int(project.segments().iloc[0]["segment_id"]), "anxiety", "ana",
                           span=(0, 10_000))
    assert _count(project, audit) == before
    assert _count(project, codings) == 0


def test_every_change_is_audited(sqlite_demo):
    project = sqlite_demo
    log = project.audit_log()
    assert (log["action"] == "apply_code").sum() == len(project.codings())
    assert (log["action"] == "import").sum() == len(project.documents())
    assert (log["action"] == "add_coder").sum() == len(project.coders())
    assert (log["action"] == "load_codebook").sum() == 1
    uuid = project.apply_code(int(project.segments().iloc[0]["segment_id"]), "repair", "ana")
    project.remove_code(int(project.segments().iloc[0]["segment_id"]), "repair", "ana")
    tail = project.audit_log().tail(2)
    assert list(tail["action"]) == ["apply_code", "remove_code"]
    assert list(tail["entity_key"]) == [uuid, uuid]
    assert list(tail["actor"]) == ["ana", "ana"]


# -- two coders at once --------------------------------------------------------------------


def test_two_coders_saving_at_once_on_sqlite(tmp_path):
    path = tmp_path / "shared.sqlite"
    make_demo_project(path, codings=False).close()
    with open_project(path) as setup:
        segment_ids = [int(s) for s in setup.segments()["segment_id"]]
    pairs = [(s, c.key) for s in segment_ids for c in DEMO_CODEBOOK.codes][:100]
    assert len(pairs) == 100
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(coder: str) -> None:
        try:
            with open_project(path) as project:
                project.coders()  # warm up before the race
                barrier.wait(timeout=30)
                for segment, code in pairs:
                    project.apply_code(segment, code, coder)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("ana", "ben")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with open_project(path) as project:
        stored = project.codings()
        assert len(stored) == 200
        assert stored.groupby("coder").size().to_dict() == {"ana": 100, "ben": 100}
        assert (project.audit_log()["action"] == "apply_code").sum() == 200


def test_open_store_returns_a_working_store(backend_url):
    store = open_store(backend_url, create=True)
    try:
        assert store.dialect in ("sqlite", "postgresql")
        with store.transaction() as conn:
            conn.execute(insert(coders).values(name="x", created_at=func.now()))
        with pytest.raises(RuntimeError), store.transaction() as conn:
            conn.execute(insert(coders).values(name="y", created_at=func.now()))
            raise RuntimeError("roll back")
        with store.reading() as conn:
            assert conn.execute(select(coders.c.name)).scalars().all() == ["x"]
    finally:
        store.close()


def test_opening_an_empty_server_database_does_not_create_a_project(pg_url):
    with pytest.raises(StorageError, match="is not a workbench project .*workbench init"):
        open_project(pg_url)
    create_project(pg_url).close()  # still empty, so creating works


TRICKY = ['She said "no" \\ then \u2028 left.', "Emoji 👩\u200d👩\u200d👧 and שלום. Tab\there?",
          "Control \x01 char; 'quotes' & <tags>. Fine."]


@pytest.mark.parametrize("max_times", [None, 1])
def test_stored_segments_equal_the_drafts_on_both_backends(empty_project, monkeypatch, max_times):
    """Text, offsets and exact video times survive storage.

    SQLite's bulk path sends JSON, whose numbers SQLite re-parses to about 15 digits:
    8437.249102697155 would come back as 8437.24910269715. ``max_times=1`` takes the
    row-by-row path that SQLite uses for documents with very many distinct video times.
    """
    from workbench.importing.segmentation import segment_transcripts
    from workbench.model import CaseAttributes, RawTurn
    from workbench.parsing.transcript import build_transcript
    from workbench.storage import documents_store

    if max_times is not None:
        monkeypatch.setattr(documents_store, "_MAX_TIMES", max_times)
    times = [8437.249102697155, 0.1, None]
    raw = [RawTurn("Zoë", "participant", text, time) for text, time in zip(TRICKY, times, strict=True)]
    transcript = build_transcript("tricky", CaseAttributes(dyad="D9", session=1,
                                                           perspective="client"), raw)
    drafts = segment_transcripts([transcript])[0]
    empty_project.import_parsed([transcript], progress=False)
    stored = empty_project.segments().sort_values("segment_index")
    assert [tuple(r) for r in stored[["turn_index", "segment_index", "start", "end", "text"]]
            .itertuples(index=False)] == [tuple(d) for d in drafts]
    expected_times = [times[d.turn_index] for d in drafts]
    assert [None if v != v else v for v in stored["video_time"]] == expected_times
    assert set(stored["speaker"]) == {"Zoë"}


def test_a_segment_without_its_turn_stores_nothing(empty_project):
    from workbench.model import SegmentDraft
    from workbench.storage.documents_store import insert_document

    transcript = parse_ipr_text(demo_transcript("D1", 1, "client"), source="x.ipr.txt")
    bad = [SegmentDraft(len(transcript.turns), 0, 0, 3, transcript.text[:3])]
    with pytest.raises(StorageError, match="refers to a turn the transcript does not have"):
        with empty_project.store.transaction() as conn:
            insert_document(conn, transcript, bad, "sentence")
    assert _count(empty_project, documents) == 0
