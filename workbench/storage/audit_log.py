"""The append-only audit trail, written in the same transaction as each change."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, CursorResult, insert, select

from workbench.storage.schema import audit

__all__ = ["audit_events", "new_id", "now", "record"]


def new_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just added."""
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every table here has an integer key
        raise RuntimeError("the INSERT returned no primary key")
    return int(key[0])


def now() -> dt.datetime:
    """The current time in UTC (what every timestamp column stores)."""
    return dt.datetime.now(dt.UTC)


def record(
    conn: Connection,
    *,
    actor: str,
    action: str,
    entity: str,
    key: str,
    detail: Mapping[str, object] | None = None,
    owner: str | None = None,
) -> None:
    """Append one audit event (caller's transaction). ``actor`` is who acted; ``owner``
    whose coding it touched, given when that is someone else (a reviewer's change)."""
    conn.execute(
        insert(audit).values(
            at=now(),
            actor=actor,
            action=action,
            entity=entity,
            entity_key=key,
            detail=json.dumps(dict(detail or {}), sort_keys=True, default=str),
            owner=owner,
        )
    )


def audit_events(conn: Connection) -> list[dict[str, object]]:
    """All audit events, oldest first."""
    rows = conn.execute(select(audit).order_by(audit.c.id)).mappings()
    return [{**row, "detail": json.loads(row["detail"])} for row in rows]
