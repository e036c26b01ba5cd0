"""Codebook versions and codes in the database."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from workbench.errors import CodebookError
from workbench.model import Code, Codebook, Theme, check_shortcuts
from workbench.storage.audit_log import new_id, now, record
from workbench.storage.schema import codebook_versions, codes, codings, themes

__all__ = ["current_codebook", "current_version", "retired_shortcuts", "save_codebook_version"]


def current_version(conn: Connection) -> int | None:
    """Id of the newest codebook version, or None before any codebook was loaded."""
    return conn.execute(select(func.max(codebook_versions.c.id))).scalar()


def current_codebook(conn: Connection) -> Codebook | None:
    """The codebook as last loaded, or None."""
    row = conn.execute(
        select(codebook_versions.c.content).order_by(codebook_versions.c.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    data = json.loads(row.content)
    return Codebook(
        name=data["name"],
        description=data["description"],
        themes=tuple(Theme(**t) for t in data["themes"]),
        codes=tuple(Code(**c) for c in data["codes"]),
    )


def retired_shortcuts(conn: Connection, keys: Collection[str] | None = None) -> dict[str, str]:
    """Retired code key -> the palette shortcut it had when it was retired (codes without
    one are left out; ``keys`` limits the codes looked at).

    The ``codes`` rows keep no shortcut: the codebook version before the one that retired
    a code still holds it, so retiring never loses it, and while a code is retired its
    shortcut is free for another code (:func:`~workbench.storage.codebook_ops.restore_code`
    gives it back unless it was taken meanwhile).
    """
    stmt = select(codes.c.key, codes.c.retired_version_id).where(
        codes.c.retired_version_id.is_not(None))
    if keys is not None:
        stmt = stmt.where(codes.c.key.in_(list(keys)))
    before: dict[int, dict[str, str]] = {}
    out: dict[str, str] = {}
    for key, retired in conn.execute(stmt).all():
        if retired not in before:
            content = conn.execute(
                select(codebook_versions.c.content).where(codebook_versions.c.id < retired)
                .order_by(codebook_versions.c.id.desc()).limit(1)).scalar()
            before[retired] = {str(c["key"]): str(c.get("shortcut") or "")
                               for c in json.loads(content)["codes"]} if content else {}
        shortcut = before[retired].get(key, "")
        if shortcut:
            out[key] = shortcut
    return out


def _check_unique_keys(codebook: Codebook) -> None:
    """Refuse a codebook whose codes (or themes) repeat a key, naming them, before any
    row is written (the database would refuse it half-way)."""
    for what, keys in (("code", [c.key for c in codebook.codes]),
                       ("theme", [t.key for t in codebook.themes])):
        seen: dict[str, int] = {}
        for key in keys:
            seen[key] = seen.get(key, 0) + 1
        repeated = sorted(k for k, n in seen.items() if n > 1)
        if repeated:
            raise CodebookError(
                f"codebook {codebook.name!r}: the {what} key(s) {', '.join(map(repr, repeated))} "
                f"are used more than once; give each {what} its own key (names may repeat "
                "under different parents, keys may not). Nothing was loaded."
            )


def save_codebook_version(
    conn: Connection, codebook: Codebook, *, source: str, actor: str, retire_missing: bool,
    refuse_renames: bool = False,
) -> tuple[int, bool]:
    """Store ``codebook`` as a new version unless it equals the current one.

    Returns ``(version_id, created)``. Codes no longer in the codebook are *retired* (kept
    with their codings) only when ``retire_missing``; otherwise a code that still has codings
    makes this raise :class:`CodebookError` and nothing changes. With ``refuse_renames``
    (loading a file), a change that looks like a rename (a code gone and a new key with the
    same definition or name) is refused with a message that suggests the rename command.
    """
    _check_unique_keys(codebook)
    check_shortcuts(codebook)
    latest = conn.execute(
        select(codebook_versions.c.id, codebook_versions.c.sha256)
        .order_by(codebook_versions.c.id.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.sha256 == codebook.sha256:
        return latest.id, False
    existing = {row.key: row for row in conn.execute(select(codes)).all()}
    new_keys = set(codebook.keys)
    dropped = [key for key, row in existing.items()
               if key not in new_keys and row.retired_version_id is None]
    if refuse_renames and dropped:
        _refuse_renames(codebook, [existing[key] for key in dropped], set(existing))
    if dropped and not retire_missing:
        used = conn.execute(
            select(codes.c.key, func.count(codings.c.id))
            .join(codings, codings.c.code_id == codes.c.id)
            .where(codes.c.key.in_(dropped))
            .group_by(codes.c.key)
        ).all()
        if used:
            listing = ", ".join(f"{key!r} ({n} codings)" for key, n in used)
            raise CodebookError(
                f"the new codebook drops codes that have codings: {listing}. Nothing was "
                "changed. Restore the codes, merge their codings into another code first, or "
                "load with retire_missing=True (CLI: --retire-missing) to keep the codings "
                "under a retired code."
            )
    content = json.dumps(
        {
            "name": codebook.name,
            "description": codebook.description,
            "themes": [asdict(t) for t in codebook.themes],
            "codes": [asdict(c) for c in codebook.codes],
        },
        sort_keys=True,
    )
    version = new_id(conn.execute(
        insert(codebook_versions).values(
            name=codebook.name,
            sha256=codebook.sha256,
            content=content,
            source=source,
            loaded_at=now(),
        )
    ))
    theme_ids = _sync_themes(conn, codebook)
    ids: dict[str, int] = {}
    for position, code in enumerate(codebook.codes):
        values = {
            "name": code.name,
            "theme_id": theme_ids[code.theme],
            "parent_id": ids.get(code.parent) if code.parent else None,
            "definition": code.definition,
            "inclusion": code.inclusion,
            "exclusion": code.exclusion,
            "example": code.example,
            "colour": code.colour,
            "position": position,
            "retired_version_id": None,
        }
        if code.key in existing:
            conn.execute(update(codes).where(codes.c.key == code.key).values(**values))
            ids[code.key] = existing[code.key].id
        else:
            ids[code.key] = new_id(conn.execute(
                insert(codes).values(key=code.key, first_version_id=version, **values)
            ))
    for key in dropped:
        conn.execute(update(codes).where(codes.c.key == key).values(retired_version_id=version))
    record(
        conn,
        actor=actor,
        action="load_codebook",
        entity="codebook_version",
        key=str(version),
        detail={"name": codebook.name, "source": source, "codes": len(codebook.codes),
                "retired": dropped},
    )
    return version, True


def _refuse_renames(codebook: Codebook, dropped: list[Row[Any]], known: set[str]) -> None:
    added = [code for code in codebook.codes if code.key not in known]
    pairs = []
    for row in dropped:
        for code in added:
            if code.definition == row.definition or code.name == row.name:
                pairs.append((row.key, code.key))
                break
    if pairs:
        listing = ", ".join(f"{old!r} -> {new!r}" for old, new in pairs)
        old, new = pairs[0]
        raise CodebookError(
            f"the new codebook looks like it renames codes ({listing}: a code is gone and a "
            "new key has the same definition or name). Nothing was changed. Rename them "
            f"first so their codings stay with them: `workbench codebook rename PROJECT {old} "
            f"--key {new}` or project.rename_code({old!r}, new_key={new!r}); then load the "
            "file again. If they really are different codes, give the new one its own name "
            "and definition."
        )


def _sync_themes(conn: Connection, codebook: Codebook) -> dict[str, int]:
    existing = {row.key: row.id for row in conn.execute(select(themes.c.key, themes.c.id))}
    for position, theme in enumerate(codebook.themes):
        values = {"name": theme.name, "description": theme.description,
                  "colour": theme.colour, "position": position}
        if theme.key in existing:
            conn.execute(update(themes).where(themes.c.key == theme.key).values(**values))
        else:
            existing[theme.key] = new_id(conn.execute(
                insert(themes).values(key=theme.key, **values)
            ))
    return existing
