"""Codebook operations in the database: create, rename, merge, split, move, retire, restore.

Each function runs in the caller's transaction, stores the resulting codebook as a new
version (:func:`~workbench.storage.codebook_store.save_codebook_version`) and writes audit
rows, so an operation is applied whole or not at all. Codings stay on the code row they
point at; a merge or a recode moves ``code_id`` and keeps the code they were made under in
``made_as_code_id``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from workbench.errors import CodebookError, NotFoundError, UnknownCodeError, suggest
from workbench.model import Code, Codebook, MergeReport, Theme
from workbench.storage.audit_log import now, record
from workbench.storage.codebook_store import (
    current_codebook,
    retired_shortcuts,
    save_codebook_version,
)
from workbench.storage.refi_store import rename_code_identity
from workbench.storage.schema import codes, codings, documents, recode_queue, themes

__all__ = [
    "canonical",
    "create_code",
    "lock_codes",
    "merge_codes",
    "move_code",
    "recode",
    "rename_code",
    "restore_code",
    "retire_code",
    "split_code",
]


def canonical(codebook: Codebook) -> Codebook:
    """``codebook`` with its codes in the order a YAML file lists them (by theme, each
    parent followed by its children), so writing it out and loading it back is a no-op."""
    children: dict[str | None, list[Code]] = {}
    for code in codebook.codes:
        children.setdefault(code.parent, []).append(code)
    ordered: list[Code] = []

    def walk(code: Code) -> None:
        ordered.append(code)
        for child in children.get(code.key, []):
            walk(dataclasses.replace(child, theme=code.theme))

    for theme in codebook.themes:
        for code in children.get(None, []):
            if code.theme == theme.key:
                walk(code)
    return dataclasses.replace(codebook, codes=tuple(ordered))


def lock_codes(conn: Connection, keys: Sequence[str]) -> dict[str, int]:
    """Live code key -> id for ``keys``, read in the caller's transaction.

    A coding transaction calls this *after* locking its document (``FOR SHARE`` on
    PostgreSQL), and operations that move codings from one code to another or change keys
    lock every document ``FOR UPDATE`` first (:func:`_lock_exclusive`), so a coding either
    commits before the operation (and is moved by it) or reads the codes after it (and sees
    the new keys). On SQLite the write transaction holds the one write lock already.
    """
    stmt = select(codes.c.key, codes.c.id).where(
        codes.c.key.in_(list(keys)), codes.c.retired_version_id.is_(None))
    return dict(conn.execute(stmt).all())


def _lock_exclusive(conn: Connection, code_ids: Sequence[int]) -> None:
    """Wait for coding transactions in flight and hold new ones off (PostgreSQL): every
    document row is locked ``FOR UPDATE``, in id order, until this transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(documents.c.id).order_by(documents.c.id).with_for_update())


def _current(conn: Connection) -> Codebook:
    codebook = current_codebook(conn)
    if codebook is None:
        raise NotFoundError("this project has no codebook yet; load one with "
                            "project.load_codebook(path) or `workbench codebook load PATH`.")
    return codebook


def _live(codebook: Codebook, key: str) -> Code:
    try:
        return codebook.code(key)
    except KeyError:
        raise UnknownCodeError(
            f"code {key!r} is not in the current codebook{suggest(key, codebook.keys)}; list "
            "the codes with project.codebook.keys."
        ) from None


def _code_id(conn: Connection, key: str) -> int:
    found = conn.execute(select(codes.c.id).where(codes.c.key == key)).scalar()
    assert found is not None  # a code of the current codebook has a row
    return int(found)


def _no_children(codebook: Codebook, key: str, doing: str) -> None:
    kids = [c.key for c in codebook.codes if c.parent == key]
    if kids:
        raise CodebookError(
            f"code {key!r} has child codes ({', '.join(kids)}); move them under another code "
            f"(project.move_code(key, parent=...)) before you {doing} it. Nothing was changed."
        )


def _save(conn: Connection, codebook: Codebook, *, action: str, actor: str,
          retire: bool = False) -> int:
    version, _ = save_codebook_version(conn, canonical(codebook), source=action, actor=actor,
                                       retire_missing=retire)
    return version


def create_code(conn: Connection, code: Code, *, actor: str,
                theme: Theme | None = None) -> int:
    """Add ``code`` (and ``theme`` when it is a new theme); returns the new version id."""
    codebook = _current(conn)
    taken = conn.execute(select(codes.c.key).where(codes.c.key == code.key)).scalar()
    if taken is not None or code.key in {t.key for t in codebook.themes}:
        raise CodebookError(
            f"the key {code.key!r} is already used (possibly by a retired code); choose "
            "another key, or restore the retired code with project.restore_code(key)."
        )
    themes_ = codebook.themes
    if theme is not None and theme.key not in {t.key for t in themes_}:
        themes_ = (*themes_, theme)
    if code.theme not in {t.key for t in themes_}:
        raise CodebookError(
            f"theme {code.theme!r} is not in the codebook"
            f"{suggest(code.theme, [t.key for t in themes_])}; give an existing theme or a "
            "new theme's name."
        )
    if code.parent is not None:
        code = dataclasses.replace(code, theme=_live(codebook, code.parent).theme)
    if not code.definition.strip():
        raise CodebookError(f"code {code.key!r}: give a definition (what the code means).")
    new = dataclasses.replace(codebook, themes=themes_, codes=(*codebook.codes, code))
    version = _save(conn, new, action="create_code", actor=actor)
    record(conn, actor=actor, action="create_code", entity="code", key=code.key,
           detail={"version": version, "name": code.name, "theme": code.theme,
                   "parent": code.parent, "definition": code.definition})
    return version


def rename_code(conn: Connection, key: str, *, new_key: str | None, new_name: str | None,
                actor: str) -> int:
    """Give a code a new key and/or name; its codings stay with it (same code row)."""
    codebook = _current(conn)
    old = _live(codebook, key)
    target_key = new_key or key
    if target_key != key:
        taken = conn.execute(select(codes.c.id).where(codes.c.key == target_key)).scalar()
        if taken is not None or target_key in {t.key for t in codebook.themes}:
            raise CodebookError(f"the key {target_key!r} is already used; choose another.")
        code_id = _code_id(conn, key)
        _lock_exclusive(conn, [code_id])
        conn.execute(update(codes).where(codes.c.id == code_id).values(key=target_key))
        rename_code_identity(conn, key, target_key)
    renamed = dataclasses.replace(old, key=target_key, name=new_name or old.name)
    new = dataclasses.replace(codebook, codes=tuple(
        renamed if c.key == key
        else dataclasses.replace(c, parent=target_key) if c.parent == key else c
        for c in codebook.codes))
    version = _save(conn, new, action="rename_code", actor=actor)
    record(conn, actor=actor, action="rename_code", entity="code", key=key,
           detail={"version": version, "old_key": key, "new_key": target_key,
                   "old_name": old.name, "new_name": renamed.name})
    return version


def merge_codes(conn: Connection, source: str, target: str, *, actor: str) -> MergeReport:
    """Move every coding of ``source`` to ``target`` and retire ``source``.

    A coding of ``source`` whose coder already has ``target`` on the same range collapses
    into that coding: it is deleted, and its uuid, memo and times are kept in the audit row.
    """
    if source == target:
        raise CodebookError("merge a code into another code, not into itself.")
    codebook = _current(conn)
    _live(codebook, source)
    _live(codebook, target)
    _no_children(codebook, source, "merge")
    src, dst = _code_id(conn, source), _code_id(conn, target)
    _lock_exclusive(conn, [src, dst])
    other = codings.alias("other")
    dupes = conn.execute(
        select(codings.c.uuid, codings.c.memo, codings.c.created_at, other.c.uuid.label("kept"))
        .join(other, and_(other.c.document_id == codings.c.document_id,
                          other.c.coder_id == codings.c.coder_id,
                          other.c.start == codings.c.start, other.c.end == codings.c.end,
                          other.c.code_id == dst))
        .where(codings.c.code_id == src)
    ).all()
    collapsed = [row.uuid for row in dupes]
    if collapsed:
        conn.execute(delete(recode_queue).where(recode_queue.c.coding_uuid.in_(collapsed)))
        conn.execute(delete(codings).where(codings.c.uuid.in_(collapsed)))
    moved_uuids = list(conn.execute(
        select(codings.c.uuid).where(codings.c.code_id == src).order_by(codings.c.id)).scalars())
    moved = conn.execute(
        update(codings).where(codings.c.code_id == src).values(
            code_id=dst, made_as_code_id=func.coalesce(codings.c.made_as_code_id, src))
    ).rowcount
    new = dataclasses.replace(codebook, codes=tuple(c for c in codebook.codes if c.key != source))
    version = _save(conn, new, action="merge_codes", actor=actor, retire=True)
    record(conn, actor=actor, action="merge_codes", entity="code", key=source,
           detail={"version": version, "source": source, "target": target, "moved": moved,
                   "moved_uuids": moved_uuids,
                   "collapsed": [{"uuid": r.uuid, "kept": r.kept, "memo": r.memo,
                                  "created_at": r.created_at} for r in dupes]})
    return MergeReport(source, target, version, int(moved), tuple(collapsed))


def split_code(conn: Connection, source: str, into: Sequence[Code | str], *,
               actor: str) -> tuple[int, int]:
    """Replace ``source`` by the codes ``into`` (new :class:`Code` values, or keys of codes
    already in the codebook); ``source`` is retired and its codings queued for recoding.
    Returns ``(version, queued)``."""
    codebook = _current(conn)
    old = _live(codebook, source)
    _no_children(codebook, source, "split")
    if len(into) < 2:
        raise CodebookError("split a code into at least two codes.")
    added = [c for c in into if isinstance(c, Code)]
    keys = [c.key if isinstance(c, Code) else c for c in into]
    if source in keys or len(set(keys)) != len(keys):
        raise CodebookError("the codes a code is split into must be distinct and differ "
                            "from the code split.")
    for key in keys:
        if not any(c.key == key for c in added):
            _live(codebook, key)
    used = set(conn.execute(select(codes.c.key)).scalars()) | {t.key for t in codebook.themes}
    for code in added:
        if code.key in used:
            raise CodebookError(f"the key {code.key!r} is already used; give the new code "
                                "another key, or pass the key of an existing code.")
        if not code.definition.strip():
            raise CodebookError(f"code {code.key!r}: give a definition (what the code means).")
    fresh = [dataclasses.replace(c, theme=c.theme or old.theme,
                                 parent=None if c.parent == source else c.parent)
             for c in added]
    src = _code_id(conn, source)
    _lock_exclusive(conn, [src])
    uuids = list(conn.execute(select(codings.c.uuid).where(codings.c.code_id == src)).scalars())
    at = now()
    if uuids:
        conn.execute(delete(recode_queue).where(recode_queue.c.coding_uuid.in_(uuids)))
        conn.execute(insert(recode_queue), [
            {"coding_uuid": u, "from_code_id": src, "candidates": json.dumps(keys),
             "created_at": at, "resolved_at": None} for u in uuids])
    new = dataclasses.replace(codebook, codes=tuple(
        [c for c in codebook.codes if c.key != source] + fresh))
    version = _save(conn, new, action="split_code", actor=actor, retire=True)
    record(conn, actor=actor, action="split_code", entity="code", key=source,
           detail={"version": version, "source": source, "into": keys, "queued": uuids})
    return version, len(uuids)


def recode(conn: Connection, coding_uuid: str, code: str, *, actor: str) -> bool:
    """Give a queued coding one of its candidate codes. False when the coder already has
    that code on the same range (the queued coding then collapses into it)."""
    row = conn.execute(select(recode_queue).where(
        recode_queue.c.coding_uuid == coding_uuid, recode_queue.c.resolved_at.is_(None))
    ).first()
    if row is None:
        raise NotFoundError(f"coding {coding_uuid} is not waiting to be recoded; list the "
                            "queue with project.recode_queue().")
    candidates = json.loads(row.candidates)
    if code not in candidates:
        raise CodebookError(f"recode it as one of {', '.join(candidates)}, not {code!r}.")
    live = lock_codes(conn, [code])
    if code not in live:
        raise UnknownCodeError(f"code {code!r} is no longer in the codebook; recode the "
                               "coding with a current code.")
    found = conn.execute(select(codings).where(codings.c.uuid == coding_uuid)).first()
    conn.execute(update(recode_queue).where(recode_queue.c.id == row.id)
                 .values(resolved_at=now()))
    if found is None:  # removed by its coder meanwhile
        return False
    same = conn.execute(select(codings.c.uuid).where(
        codings.c.document_id == found.document_id, codings.c.coder_id == found.coder_id,
        codings.c.start == found.start, codings.c.end == found.end,
        codings.c.code_id == live[code])).scalar()
    if same is not None:
        conn.execute(delete(codings).where(codings.c.uuid == coding_uuid))
    else:
        conn.execute(update(codings).where(codings.c.uuid == coding_uuid).values(
            code_id=live[code],
            made_as_code_id=func.coalesce(codings.c.made_as_code_id, found.code_id),
            updated_at=now()))
    record(conn, actor=actor, action="recode", entity="coding", key=coding_uuid,
           detail={"from": int(row.from_code_id), "code": code,
                   "collapsed_into": same, "memo": found.memo})
    return same is None


def move_code(conn: Connection, key: str, *, theme: str | None, parent: str | None,
              actor: str) -> int:
    """Move a code (with its children) under another theme or parent code."""
    codebook = _current(conn)
    old = _live(codebook, key)
    if theme is None and parent is None:
        raise CodebookError("say where to move the code: theme=... and/or parent=....")
    new_parent = old.parent
    new_theme = old.theme
    if parent is not None:
        host = _live(codebook, parent)
        ancestor: str | None = parent
        while ancestor is not None:
            if ancestor == key:
                raise CodebookError(f"code {key!r} cannot move under its own child {parent!r}.")
            ancestor = codebook.code(ancestor).parent
        new_parent, new_theme = parent, host.theme
        if theme is not None and theme != host.theme:
            raise CodebookError(f"code {parent!r} is in theme {host.theme!r}; a child code is "
                                "in its parent's theme.")
    elif theme is not None:
        if theme not in {t.key for t in codebook.themes}:
            raise CodebookError(f"theme {theme!r} is not in the codebook"
                                f"{suggest(theme, [t.key for t in codebook.themes])}.")
        new_parent, new_theme = None, theme
    moved = dataclasses.replace(old, parent=new_parent, theme=new_theme)
    new = dataclasses.replace(codebook, codes=tuple(moved if c.key == key else c
                                                    for c in codebook.codes))
    new = canonical(new)  # children follow their parent's theme
    version = _save(conn, new, action="move_code", actor=actor)
    record(conn, actor=actor, action="move_code", entity="code", key=key,
           detail={"version": version, "from_theme": old.theme, "from_parent": old.parent,
                   "theme": new_theme, "parent": new_parent})
    return version


def retire_code(conn: Connection, key: str, *, actor: str) -> int:
    """Take a code out of the codebook; its codings are kept under the retired code."""
    codebook = _current(conn)
    _live(codebook, key)
    _no_children(codebook, key, "retire")
    _lock_exclusive(conn, [_code_id(conn, key)])
    new = dataclasses.replace(codebook, codes=tuple(c for c in codebook.codes if c.key != key))
    version = _save(conn, new, action="retire_code", actor=actor, retire=True)
    record(conn, actor=actor, action="retire_code", entity="code", key=key,
           detail={"version": version})
    return version


def restore_code(conn: Connection, key: str, *, actor: str) -> int:
    """Put a retired code back into the codebook (with the content it had, its palette
    shortcut too, unless another code took that shortcut while it was retired: then it
    comes back without one, and the audit row says so, ``shortcut_released``)."""
    codebook = _current(conn)
    row = conn.execute(select(codes).where(codes.c.key == key)).first()
    if row is None or row.retired_version_id is None:
        raise CodebookError(f"code {key!r} is not a retired code; nothing to restore.")
    theme = conn.execute(select(themes.c.key).where(themes.c.id == row.theme_id)).scalar()
    parent = conn.execute(select(codes.c.key).where(codes.c.id == row.parent_id)).scalar() \
        if row.parent_id is not None else None
    if parent is not None and parent not in codebook.keys:
        parent = None
    theme_keys = {t.key for t in codebook.themes}
    if theme not in theme_keys:
        raise CodebookError(f"the theme of {key!r} ({theme!r}) is no longer in the codebook; "
                            "add the theme back first.")
    had = retired_shortcuts(conn, [key]).get(key, "")
    owner = next((c.key for c in codebook.codes if had and c.shortcut == had), None)
    code = Code(key=key, name=row.name, theme=str(theme), definition=row.definition,
                colour=row.colour, inclusion=row.inclusion, exclusion=row.exclusion,
                example=row.example, parent=parent, shortcut="" if owner else had)
    new = dataclasses.replace(codebook, codes=(*codebook.codes, code))
    version = _save(conn, new, action="restore_code", actor=actor)
    detail: dict[str, object] = {"version": version}
    if had:
        detail["shortcut"] = code.shortcut
    if owner is not None:
        detail["shortcut_released"] = {"shortcut": had, "now_of": owner}
    record(conn, actor=actor, action="restore_code", entity="code", key=key, detail=detail)
    return version
