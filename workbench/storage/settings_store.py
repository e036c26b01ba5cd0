"""Project settings: named values kept in the project (e.g. the overlap rule)."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from workbench.storage.audit_log import now
from workbench.storage.schema import project_settings

__all__ = ["read_setting", "write_setting"]


def read_setting(conn: Connection, key: str) -> str | None:
    """A setting's stored value, or None when it was never set."""
    value = conn.execute(select(project_settings.c.value)
                         .where(project_settings.c.key == key)).scalar()
    return None if value is None else str(value)


def write_setting(conn: Connection, key: str, value: str) -> None:
    """Store a setting (replacing its value)."""
    changed = conn.execute(update(project_settings).where(project_settings.c.key == key)
                           .values(value=value, updated_at=now())).rowcount
    if not changed:
        conn.execute(insert(project_settings).values(key=key, value=value, updated_at=now()))
