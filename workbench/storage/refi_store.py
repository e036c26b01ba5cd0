"""REFI-QDA identities: what an import read for each object, so that exports reuse it."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Connection, delete, insert, select, update

from workbench.model import RefiIdentity
from workbench.storage.schema import refi_identities

__all__ = ["read_identities", "rename_code_identity", "write_identities"]


def read_identities(conn: Connection) -> dict[tuple[str, str], RefiIdentity]:
    """Every stored identity by ``(kind, key)``."""
    t = refi_identities
    rows = conn.execute(select(t.c.kind, t.c.local_key, t.c.guid, t.c.description,
                               t.c.detail).order_by(t.c.kind, t.c.local_key))
    return {(r.kind, r.local_key): RefiIdentity(r.kind, r.local_key, r.guid, r.description,
                                                json.loads(r.detail or "{}"))
            for r in rows}


def write_identities(conn: Connection, items: Iterable[RefiIdentity], *,
                     replace: bool = False) -> int:
    """Store identities; one already stored for the same ``(kind, key)`` is kept (the first
    import names an object), unless ``replace``. Returns how many were written."""
    t = refi_identities
    have = {(r.kind, r.local_key) for r in conn.execute(select(t.c.kind, t.c.local_key))}
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for item in items:
        ident = (item.kind, item.key)
        if ident in have and not replace:
            continue
        rows[ident] = {"kind": item.kind, "local_key": item.key, "guid": item.guid,
                       "description": item.description,
                       "detail": json.dumps(dict(item.detail), sort_keys=True)}
    for kind, key in rows:
        if (kind, key) in have:
            conn.execute(delete(t).where(t.c.kind == kind, t.c.local_key == key))
    if rows:
        conn.execute(insert(t), list(rows.values()))
    return len(rows)


def rename_code_identity(conn: Connection, old: str, new: str) -> None:
    """Follow a code's new key: its identity row and its place in the sets' members."""
    t = refi_identities
    conn.execute(update(t).where(t.c.kind == "code", t.c.local_key == old)
                 .values(local_key=new))
    for row in conn.execute(select(t.c.local_key, t.c.detail).where(t.c.kind == "set")).all():
        detail = json.loads(row.detail or "{}")
        members = detail.get("codes", [])
        if old in members:
            detail["codes"] = [new if key == old else key for key in members]
            conn.execute(update(t).where(t.c.kind == "set", t.c.local_key == row.local_key)
                         .values(detail=json.dumps(detail, sort_keys=True)))
