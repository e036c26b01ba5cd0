"""Migration 0002 (codings become document ranges) on a project built by release 0001.

``tests/fixtures/migration/release_0001.sqlite`` was built by the release at schema 0001
with its own API (``build_release_fixture.py`` beside it says how): four transcripts, four
coders (one who never coded), span and whole-sentence codings, edited memos with emoji, a
removed coding whose row id was handed out again, and an edited re-import that left
codings unanchored. The CSVs beside it list every coding and unanchored coding as that
release stored them. On PostgreSQL the same rows are copied into a schema created at
revision 0001, then migrated.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Boolean, Date, MetaData, create_engine, text

from workbench import open_project
from workbench.storage import engine as engine_module
from workbench.storage.schema import metadata

FIXTURES = Path(__file__).parent / "fixtures" / "migration"
RELEASE = FIXTURES / "release_0001.sqlite"


def _csv(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


EXPECTED = _csv("release_0001_codings.csv")
UNANCHORED = _csv("release_0001_unanchored.csv")


def _stamp(value: object) -> str:
    """A stored time as the fixture wrote it (UTC, no zone, microseconds)."""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.isoformat(sep=" ")


def _check_every_coding_kept(project) -> None:
    codings = project.codings(with_attributes=False).set_index("coding_uuid")
    assert len(codings) == len(EXPECTED) == 107
    texts = {name: project.document_text(name) for name in project.documents()}
    for old in EXPECTED:
        row = codings.loc[old["uuid"]]
        assert (row["document"], row["start"], row["end"], row["text"]) == (
            old["document"], int(old["start"]), int(old["end"]), old["text"]), old["uuid"]
        assert texts[row["document"]][row["start"]:row["end"]] == row["text"]
        assert (row["code"], row["coder"], row["codebook_version"], row["memo"]) == (
            old["code"], old["coder"], int(old["codebook_version"]), old["memo"])
        assert _stamp(row["created_at"]) == _stamp(old["created_at"])
        assert row["n_segments"] == 1  # each was a sentence or a span inside one
    assert any("😀" in m or "🙂" in m or any(ord(c) > 0xFFFF for c in m)
               for m in codings["memo"])  # the emoji memo survived
    aside = project.unanchored_codings().set_index("coding_uuid")
    assert set(aside.index) == {u["uuid"] for u in UNANCHORED}
    for old in UNANCHORED:
        assert (aside.loc[old["uuid"], "text"], aside.loc[old["uuid"], "reason"]) == (
            old["text"], old["reason"])
    assert "dora" in project.coders()  # the registered coder who had not started
    # the new model works on the migrated project
    first = EXPECTED[0]
    moved = project.apply_range(first["document"], int(first["start"]), int(first["end"]),
                                first["code"], first["coder"])
    assert (moved.uuid, moved.created) == (first["uuid"], False)


def test_sqlite_project_of_the_release_migrates_with_every_coding(tmp_path: Path) -> None:
    path = tmp_path / "study.sqlite"
    shutil.copy(RELEASE, path)
    with open_project(path) as project:
        assert project.store.revision() == engine_module.head_revision()
        _check_every_coding_kept(project)
        with project.store.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    [backup] = tmp_path.glob("study.sqlite.backup-0001-*")
    with closing(sqlite3.connect(backup)) as conn:  # the file as it was, untouched
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert conn.execute("SELECT count(*) FROM codings").fetchone() == (107,)
    with closing(sqlite3.connect(path)) as conn:
        seq = dict(conn.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
        highest = conn.execute("SELECT max(id) FROM segments").fetchone()[0]
    assert seq["segments"] >= highest  # ids continue after the highest, never reused
    with open_project(path) as project:  # at head now: nothing more to do, no new backup
        _check_every_coding_kept(project)
    assert len(list(tmp_path.glob("study.sqlite.backup-*"))) == 1


def _copy_release_into(url: str) -> None:
    """Create the 0001 schema at ``url`` and copy every row of the release file into it."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(engine_module._alembic_config(conn), "0001")
        reflected = MetaData()
        reflected.reflect(engine)
        with closing(sqlite3.connect(RELEASE)) as source, engine.begin() as conn:
            source.row_factory = sqlite3.Row
            for table in reflected.sorted_tables:
                if table.name == "alembic_version":
                    continue
                rows = [dict(r) for r in source.execute(f"SELECT * FROM {table.name}")]
                for row in rows:
                    for column in table.columns:
                        value = row.get(column.name)
                        if value is not None and isinstance(column.type, Boolean):
                            row[column.name] = bool(value)
                        elif value is not None and isinstance(column.type, Date):
                            row[column.name] = pd.Timestamp(value).date()
                if rows:
                    conn.execute(table.insert(), rows)
                if "id" in table.columns and rows:
                    conn.execute(text(f"SELECT setval('{table.name}_id_seq', "
                                      f"(SELECT max(id) FROM {table.name}))"))
    finally:
        engine.dispose()


def test_postgresql_project_of_the_release_migrates_with_every_coding(pg_url: str) -> None:
    _copy_release_into(pg_url)
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        assert conn.execute(text("SELECT count(*) FROM codings")).scalar() == 107
    engine.dispose()
    with open_project(pg_url) as project:
        assert project.store.revision() == engine_module.head_revision()
        _check_every_coding_kept(project)
        with project.store.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
        # sequences go on after the copied ids: new rows never take an old id
        segments = project.segments()
        before = int(segments["segment_id"].max())
        [row] = segments[segments.document == EXPECTED[0]["document"]].head(1).itertuples()
    assert before > 0 and row.segment_id > 0


@pytest.mark.parametrize("table", ["codings", "segments"])
def test_the_fixture_is_a_release_0001_project(table: str) -> None:
    with closing(sqlite3.connect(f"file:{RELEASE}?mode=ro", uri=True)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
    if table == "codings":
        assert {"segment_id", "is_span"} <= columns  # the old model: a coding on a segment
