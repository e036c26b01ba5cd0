"""Consensual Qualitative Research (CQR) on a project: domains, core ideas, audit and the
cross-analysis.

The steps of CQR (Hill, Thompson & Williams 1997; Hill et al. 2005; Hill 2012) and where
they live here:

1. **Domains** (:func:`cqr_domains`): by default the codebook's themes, each with its codes
   as its categories. A project may keep a separate list instead (:func:`create_domain`,
   :func:`rename_domain`, :func:`set_domain_categories`, :func:`retire_domain`, each
   audited): once the list has an active domain, it replaces the themes, and its
   categories are the codes assigned to it.
2. **Core ideas** (:func:`add_core_idea`, :func:`edit_core_idea`, :func:`delete_core_idea`,
   :func:`core_ideas`, :func:`core_idea_history`): a short text the team writes per case
   and domain, with its author and time, linked to the passages it rests on (codings, by
   uuid, or ``(document, start, end)`` ranges of the case's documents). Every version is
   kept; a deletion marks the idea deleted and keeps its history.
3. **Cross-analysis** (:func:`cross_analysis`): per category, the number of cases it
   applies to and its frequency label (general / typical / variant / rare; thresholds in
   :class:`~workbench.analysis.cqr.FrequencyThresholds`, defaults from Hill et al. 2005),
   pooled or per perspective (client and therapist separately, side by side).
4. **Audit** (:func:`add_audit_comment`, :func:`respond_to_audit_comment`,
   :func:`audit_comments`): an auditor's comments on a domain, core idea or category; the
   team accepts or rejects each, with a reason.

Every change is written with its audit row (``Project.audit_log()``) in one transaction.
A *case* is one document (one IPR interview: dyad, session, perspective) unless a call
says ``case="participant"`` or ``case="dyad"``.
"""

from __future__ import annotations

import operator
import uuid as uuid_module
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Connection

from workbench.analysis import cqr as _cqr
from workbench.analysis.cqr import (
    CASE_UNITS,
    CaseUnit,
    FrequencyThresholds,
    PerspectiveLayout,
    cross_analysis_lines,
    describe_cross_analysis,
)
from workbench.errors import ConflictError, CqrError, NotFoundError, suggest
from workbench.model import AuditComment, CoreIdea, CoreIdeaRange, CqrDomain
from workbench.storage import codings_store as cs
from workbench.storage import cqr_store as st
from workbench.storage import queries
from workbench.storage.audit_log import now, record
from workbench.storage.codebook_store import current_codebook
from workbench.storage.documents_store import document_by_name, document_name

if TYPE_CHECKING:
    from workbench.project import Project

__all__ = [
    "COMMENT_TARGETS",
    "DECISIONS",
    "MAX_CORE_IDEA_CHARS",
    "FrequencyThresholds",
    "RangeLike",
    "add_audit_comment",
    "add_core_idea",
    "audit_comments",
    "core_idea",
    "core_idea_history",
    "core_ideas",
    "cqr_domains",
    "create_domain",
    "cross_analysis",
    "cross_analysis_lines",
    "delete_core_idea",
    "describe_cross_analysis",
    "edit_core_idea",
    "rename_domain",
    "respond_to_audit_comment",
    "retire_domain",
    "set_domain_categories",
]

#: What an auditor's comment can be about.
COMMENT_TARGETS: tuple[str, ...] = ("domain", "core_idea", "category")
#: The team's answers to a comment.
DECISIONS: tuple[str, ...] = ("accepted", "rejected")
#: Core ideas are short summaries: longer texts are refused.
MAX_CORE_IDEA_CHARS = 2000

#: A passage: a coding uuid, a ``(document, start, end)`` triple or a CoreIdeaRange.
RangeLike = str | tuple[str, int, int] | CoreIdeaRange


def _name(value: str, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CqrError(f"{what} must not be blank.")
    value = value.strip()
    if len(value) > limit:
        raise CqrError(f"{what} is {len(value)} characters long; keep it to {limit}.")
    return value


# -- domains ------------------------------------------------------------------------------
def _listed(conn: Connection) -> list[CqrDomain]:
    return [CqrDomain(key=str(r["key"]), name=str(r["name"]), categories=tuple(r["codes"]),
                      description=str(r["description"]), source="list",
                      retired=r["retired_at"] is not None) for r in st.domain_rows(conn)]


def _domains(conn: Connection, *, include_retired: bool) -> list[CqrDomain]:
    listed = _listed(conn)
    if any(not d.retired for d in listed):
        return [d for d in listed if include_retired or not d.retired]
    codebook = current_codebook(conn)
    if codebook is None:
        raise NotFoundError("this project has no codebook yet, so no themes to use as CQR "
                            "domains; load one, or create domains with create_domain().")
    return [CqrDomain(key=t.key, name=t.name, description=t.description, source="themes",
                      categories=tuple(c.key for c in codebook.codes if c.theme == t.key))
            for t in codebook.themes]


def cqr_domains(project: Project, *, include_retired: bool = False) -> list[CqrDomain]:
    """The project's CQR domains: its separate domain list once it has an active domain,
    else the codebook's themes (each with its codes as categories).

    Core ideas keep the domain key they were written under; switching between the themes
    and the list does not move them (:func:`core_ideas` shows them with that key)."""
    with project.store.reading() as conn:
        return _domains(conn, include_retired=include_retired)


def _listed_row(conn: Connection, key: str) -> dict[str, Any]:
    rows = st.domain_rows(conn)
    for row in rows:
        if row["key"] == key:
            return row
    raise NotFoundError(f"no listed CQR domain {key!r}{suggest(key, [r['key'] for r in rows])}"
                        "; create it with create_domain().")


def _code_ids(conn: Connection, keys: Sequence[str]) -> list[int]:
    known = cs.code_ids(conn)
    missing = [k for k in keys if k not in known]
    if missing:
        raise NotFoundError(f"no code(s) {', '.join(map(repr, missing))} in the codebook"
                            f"{suggest(missing[0], list(known))}; a domain's categories are "
                            "code keys.")
    return [known[k] for k in keys]


def create_domain(project: Project, key: str, name: str, *, description: str = "",
                  categories: Sequence[str] = (), actor: str | None = None) -> CqrDomain:
    """Add a domain to the project's separate list (with the codes that are its
    categories). From then on the list, not the themes, is the project's domains."""
    key = _name(key, "a domain key", 100)
    name = _name(name, "a domain name", 200)
    who = actor or project.actor
    with project.store.transaction() as conn:
        if any(r["key"] == key for r in st.domain_rows(conn)):
            raise ConflictError(f"the domain list already has {key!r}; rename it with "
                                "rename_domain() or choose another key.")
        code_ids = _code_ids(conn, list(categories))
        domain_id = st.insert_domain(conn, key=key, name=name, description=description)
        st.set_domain_codes(conn, domain_id, code_ids)
        record(conn, actor=who, action="create_cqr_domain", entity="cqr_domain", key=key,
               detail={"name": name, "categories": list(categories)})
    return CqrDomain(key, name, tuple(dict.fromkeys(categories)), description, "list")


def rename_domain(project: Project, key: str, name: str, *, description: str | None = None,
                  actor: str | None = None) -> CqrDomain:
    """Give a listed domain a new name (and description); its key stays."""
    name = _name(name, "a domain name", 200)
    with project.store.transaction() as conn:
        row = _listed_row(conn, key)
        values: dict[str, object] = {"name": name}
        if description is not None:
            values["description"] = description
        st.update_domain(conn, int(row["id"]), **values)
        record(conn, actor=actor or project.actor, action="rename_cqr_domain",
               entity="cqr_domain", key=key, detail={"from": row["name"], "to": name})
        return next(d for d in _listed(conn) if d.key == key)


def set_domain_categories(project: Project, key: str, categories: Sequence[str], *,
                          actor: str | None = None) -> CqrDomain:
    """Replace the codes (categories) of a listed domain."""
    with project.store.transaction() as conn:
        row = _listed_row(conn, key)
        st.set_domain_codes(conn, int(row["id"]), _code_ids(conn, list(categories)))
        record(conn, actor=actor or project.actor, action="set_cqr_domain_categories",
               entity="cqr_domain", key=key,
               detail={"from": row["codes"], "to": list(categories)})
        return next(d for d in _listed(conn) if d.key == key)


def retire_domain(project: Project, key: str, *, actor: str | None = None) -> CqrDomain:
    """Retire a listed domain: it takes no new core ideas; existing ones and comments stay.
    When no listed domain is left active, the codebook's themes are the domains again."""
    with project.store.transaction() as conn:
        row = _listed_row(conn, key)
        if row["retired_at"] is not None:
            raise ConflictError(f"domain {key!r} is already retired.")
        st.update_domain(conn, int(row["id"]), retired_at=now())
        record(conn, actor=actor or project.actor, action="retire_cqr_domain",
               entity="cqr_domain", key=key, detail={"name": row["name"]})
        return next(d for d in _listed(conn) if d.key == key)


# -- core ideas ---------------------------------------------------------------------------
def _case_documents(conn: Connection, case_unit: str, case_key: str) -> set[str]:
    if case_unit not in CASE_UNITS:
        raise CqrError(f"case_unit must be one of {list(CASE_UNITS)}, not {case_unit!r}.")
    keys = _cqr.case_keys(queries.cases_frame(conn), case_unit)
    docs = set(keys.index[keys == case_key])
    if not docs:
        raise NotFoundError(f"no case {case_key!r} (case = {case_unit})"
                            f"{suggest(case_key, sorted(set(keys)))}; cases are "
                            f"{', '.join(sorted(set(keys))[:8])}.")
    return docs


def _resolve_ranges(conn: Connection, ranges: Sequence[RangeLike],
                    case_docs: set[str], case_key: str) -> list[st.StoredRange]:
    out: list[st.StoredRange] = []
    texts: dict[str, tuple[int, str]] = {}
    for item in ranges:
        coding_uuid: str | None = None
        if isinstance(item, str):
            stored = cs.coding_by_uuid(conn, item)
            if stored is None:
                raise NotFoundError(f"no coding with uuid {item}; link a coding that exists "
                                    "or give (document, start, end).")
            document, start, end = document_name(conn, stored.document_id), stored.start, \
                stored.end
            coding_uuid = item
        elif isinstance(item, CoreIdeaRange):
            document, start, end = item.document, item.start, item.end
            coding_uuid = item.coding_uuid
        else:
            try:
                document, start, end = item
            except (TypeError, ValueError):
                raise CqrError(f"a range is a coding uuid or (document, start, end), not "
                               f"{item!r}.") from None
        try:
            if isinstance(start, bool) or isinstance(end, bool):
                raise TypeError
            start, end = operator.index(start), operator.index(end)  # numpy ints too
        except TypeError:
            raise CqrError(f"start and end of a range must be integers, not {start!r}, "
                           f"{end!r}.") from None
        if document not in texts:
            doc = document_by_name(conn, str(document))
            if doc is None:
                raise NotFoundError(f"no document {document!r}; a core idea's ranges are "
                                    "in its case's documents.")
            texts[str(document)] = (doc.id, doc.text)
        doc_id, text = texts[str(document)]
        if str(document) not in case_docs:
            raise CqrError(f"{document} is not a document of case {case_key!r}; link passages "
                           f"of {', '.join(sorted(case_docs))}.")
        if not 0 <= start < end <= len(text):
            raise CqrError(f"{start}..{end} is outside the text of {document} "
                           f"(0..{len(text)}); give start < end inside the document.")
        out.append(st.StoredRange(doc_id, str(document), start, end, text[start:end],
                                  coding_uuid))
    return out


def _as_idea(row: dict[str, Any]) -> CoreIdea:
    return CoreIdea(
        uuid=str(row["uuid"]), case_unit=str(row["case_unit"]), case_key=str(row["case_key"]),
        domain=str(row["domain_key"]), text=str(row["text"]), author=str(row["author"]),
        version=int(row["version"]), created_at=row["created_at"],
        updated_at=row["updated_at"], deleted=row["deleted_at"] is not None,
        ranges=tuple(CoreIdeaRange(r.document, r.start, r.end, r.text, r.coding_uuid)
                     for r in row["ranges"]))


def _live_idea(conn: Connection, uuid: str) -> dict[str, Any]:
    row = st.core_idea_row(conn, uuid, lock=True)
    if row is None:
        raise NotFoundError(f"no core idea {uuid}.")
    if row["deleted_at"] is not None:
        raise ConflictError(f"core idea {uuid} was deleted; its history is in "
                            "core_idea_history().")
    return row


def add_core_idea(project: Project, case: str, domain: str, text: str, *, author: str,
                  ranges: Sequence[RangeLike] = (),
                  case_unit: CaseUnit | str = "document") -> CoreIdea:
    """Write a core idea for a case (a document name by default; a participant or dyad
    with ``case_unit``) and an active domain, resting on ``ranges`` of the case's
    documents. Audited; returns the stored idea (version 1)."""
    text = _name(text, "a core idea's text", MAX_CORE_IDEA_CHARS)
    author = _name(author, "the author", 100)
    with project.store.transaction() as conn:
        active = {d.key for d in _domains(conn, include_retired=False)}
        if domain not in active:
            raise NotFoundError(f"no active CQR domain {domain!r}{suggest(domain, active)}; "
                                f"the domains are {', '.join(sorted(active))}.")
        docs = _case_documents(conn, str(case_unit), case)
        stored = _resolve_ranges(conn, ranges, docs, case)
        idea_uuid = str(uuid_module.uuid4())
        st.insert_core_idea(conn, uuid=idea_uuid, case_unit=str(case_unit), case_key=case,
                            domain_key=domain, text=text, author=author, ranges=stored)
        record(conn, actor=author, action="add_cqr_core_idea", entity="cqr_core_idea",
               key=idea_uuid, detail={"case": case, "case_unit": case_unit, "domain": domain,
                                      "text": text,
                                      "ranges": [r.as_json() for r in stored]})
        row = st.core_idea_row(conn, idea_uuid)
        assert row is not None
        return _as_idea(row)


def edit_core_idea(project: Project, uuid: str, *, author: str, text: str | None = None,
                   ranges: Sequence[RangeLike] | None = None) -> CoreIdea:
    """Change a core idea's text and/or ranges (None keeps them); the previous version stays
    in :func:`core_idea_history`. Audited; returns the new version."""
    author = _name(author, "the author", 100)
    if text is not None:
        text = _name(text, "a core idea's text", MAX_CORE_IDEA_CHARS)
    with project.store.transaction() as conn:
        row = _live_idea(conn, uuid)
        if ranges is None:
            stored = list(row["ranges"])
        else:
            docs = _case_documents(conn, str(row["case_unit"]), str(row["case_key"]))
            stored = _resolve_ranges(conn, ranges, docs, str(row["case_key"]))
        new_text = str(row["text"]) if text is None else text
        if new_text == row["text"] and [r.as_json() for r in stored] == \
                [r.as_json() for r in row["ranges"]]:
            return _as_idea(row)
        version = int(row["version"]) + 1
        st.update_core_idea(conn, int(row["id"]), text=new_text, author=author,
                            version=version, ranges=stored)
        record(conn, actor=author, action="edit_cqr_core_idea", entity="cqr_core_idea",
               key=uuid, detail={"version": version, "before": row["text"], "text": new_text,
                                 "ranges": [r.as_json() for r in stored]})
        new = st.core_idea_row(conn, uuid)
        assert new is not None
        return _as_idea(new)


def delete_core_idea(project: Project, uuid: str, *, author: str) -> CoreIdea:
    """Delete a core idea: it leaves :func:`core_ideas` (its versions stay). Audited."""
    author = _name(author, "the author", 100)
    with project.store.transaction() as conn:
        row = _live_idea(conn, uuid)
        st.mark_core_idea_deleted(conn, int(row["id"]))
        record(conn, actor=author, action="delete_cqr_core_idea", entity="cqr_core_idea",
               key=uuid, detail={"case": row["case_key"], "domain": row["domain_key"],
                                 "text": row["text"], "version": row["version"]})
        gone = st.core_idea_row(conn, uuid)
        assert gone is not None
        return _as_idea(gone)


def core_idea(project: Project, uuid: str) -> CoreIdea:
    """One core idea by uuid (a deleted one too, with ``deleted=True``)."""
    with project.store.reading() as conn:
        row = st.core_idea_row(conn, uuid)
    if row is None:
        raise NotFoundError(f"no core idea {uuid}.")
    return _as_idea(row)


def core_ideas(project: Project, *, case: str | None = None, domain: str | None = None,
               include_deleted: bool = False) -> pd.DataFrame:
    """Core ideas, one row each: ``core_idea_uuid``, ``case_unit``, ``case``, ``domain``,
    ``text``, ``author``, ``version``, ``created_at``, ``updated_at``, ``deleted``,
    ``n_ranges`` and ``ranges`` (``"document[start:end]"`` texts joined by ``"; "``)."""
    with project.store.reading() as conn:
        rows = st.core_idea_rows(conn, include_deleted=include_deleted)
    frame = pd.DataFrame([{
        "core_idea_uuid": r["uuid"], "case_unit": r["case_unit"], "case": r["case_key"],
        "domain": r["domain_key"], "text": r["text"], "author": r["author"],
        "version": int(r["version"]), "created_at": r["created_at"],
        "updated_at": r["updated_at"], "deleted": r["deleted_at"] is not None,
        "n_ranges": len(r["ranges"]),
        "ranges": "; ".join(f"{x.document}[{x.start}:{x.end}]" for x in r["ranges"]),
    } for r in rows], columns=["core_idea_uuid", "case_unit", "case", "domain", "text",
                               "author", "version", "created_at", "updated_at", "deleted",
                               "n_ranges", "ranges"])
    if case is not None:
        frame = frame[frame["case"] == case]
    if domain is not None:
        frame = frame[frame["domain"] == domain]
    return frame.reset_index(drop=True)


def core_idea_history(project: Project, uuid: str) -> pd.DataFrame:
    """Every version of a core idea, oldest first: ``version``, ``text``, ``ranges`` (list
    of ``[document, start, end, coding_uuid]``), ``author``, ``at``."""
    with project.store.reading() as conn:
        row = st.core_idea_row(conn, uuid)
        if row is None:
            raise NotFoundError(f"no core idea {uuid}.")
        versions = st.core_idea_versions(conn, int(row["id"]))
    return pd.DataFrame([{k: v[k] for k in ("version", "text", "ranges", "author", "at")}
                         for v in versions],
                        columns=["version", "text", "ranges", "author", "at"])


# -- auditor's comments -------------------------------------------------------------------
def _check_target(conn: Connection, kind: str, key: str) -> None:
    if kind not in COMMENT_TARGETS:
        raise CqrError(f"a comment is on one of {list(COMMENT_TARGETS)}, not {kind!r}"
                       f"{suggest(str(kind), list(COMMENT_TARGETS))}.")
    if kind == "domain":
        known = {d.key for d in _domains(conn, include_retired=True)}
    elif kind == "category":
        known = set(cs.code_ids(conn, include_retired=True))
    else:
        if st.core_idea_row(conn, key) is None:
            raise NotFoundError(f"no core idea {key}.")
        return
    if key not in known:
        raise NotFoundError(f"no {kind} {key!r}{suggest(key, known)}.")


def _as_comment(row: dict[str, Any]) -> AuditComment:
    return AuditComment(
        uuid=str(row["uuid"]), target_kind=str(row["target_kind"]),
        target_key=str(row["target_key"]), author=str(row["author"]), text=str(row["text"]),
        created_at=row["created_at"], status=str(row["status"]), reason=row["reason"],
        responded_by=row["responded_by"], responded_at=row["responded_at"])


def add_audit_comment(project: Project, target_kind: str, target_key: str, text: str, *,
                      author: str) -> AuditComment:
    """An auditor's comment on a ``"domain"`` (its key), a ``"core_idea"`` (its uuid) or a
    ``"category"`` (a code key). It stays open until the team answers it. Audited."""
    text = _name(text, "a comment's text", 10_000)
    author = _name(author, "the auditor", 100)
    with project.store.transaction() as conn:
        _check_target(conn, target_kind, target_key)
        comment_uuid = str(uuid_module.uuid4())
        st.insert_comment(conn, uuid=comment_uuid, target_kind=target_kind,
                          target_key=target_key, author=author, text=text)
        record(conn, actor=author, action="add_cqr_audit_comment", entity="cqr_comment",
               key=comment_uuid, detail={"target": f"{target_kind}:{target_key}",
                                         "text": text})
        row = st.comment_row(conn, comment_uuid)
        assert row is not None
        return _as_comment(row)


def respond_to_audit_comment(project: Project, uuid: str, decision: str, reason: str, *,
                             by: str) -> AuditComment:
    """The team's answer to an open comment: ``"accepted"`` or ``"rejected"``, with a
    reason (required) and who answered. A comment is answered once. Audited."""
    if decision not in DECISIONS:
        raise CqrError(f"decision must be 'accepted' or 'rejected', not {decision!r}"
                       f"{suggest(str(decision), list(DECISIONS))}.")
    if not isinstance(reason, str) or not reason.strip():
        raise CqrError(f"say why the comment is {decision}: pass reason='...' (CQR keeps the "
                       "team's reasons with the audit).")
    by = _name(by, "who answered", 100)
    with project.store.transaction() as conn:
        row = st.comment_row(conn, uuid)
        if row is None:
            raise NotFoundError(f"no audit comment {uuid}.")
        if not st.respond_comment(conn, uuid, status=decision, reason=reason.strip(),
                                  responded_by=by):
            raise ConflictError(f"audit comment {uuid} was already {row['status']} by "
                                f"{row['responded_by']}; add a new comment to reopen it.")
        record(conn, actor=by, action="respond_cqr_audit_comment", entity="cqr_comment",
               key=uuid, detail={"decision": decision, "reason": reason.strip(),
                                 "target": f"{row['target_kind']}:{row['target_key']}"})
        done = st.comment_row(conn, uuid)
        assert done is not None
        return _as_comment(done)


def audit_comments(project: Project, *, status: str = "all") -> pd.DataFrame:
    """Auditor's comments, oldest first: ``status="open"`` (not yet answered),
    ``"closed"`` (accepted or rejected) or ``"all"``. Columns: ``comment_uuid``,
    ``target_kind``, ``target_key``, ``author``, ``text``, ``created_at``, ``status``,
    ``reason``, ``responded_by``, ``responded_at``."""
    if status not in ("all", "open", "closed"):
        raise CqrError(f"status must be 'all', 'open' or 'closed', not {status!r}.")
    with project.store.reading() as conn:
        rows = st.comment_rows(conn)
    columns = ["comment_uuid", "target_kind", "target_key", "author", "text", "created_at",
               "status", "reason", "responded_by", "responded_at"]
    frame = pd.DataFrame([{"comment_uuid": r["uuid"], **{c: r[c] for c in columns[1:]}}
                          for r in rows], columns=columns)
    if status == "open":
        frame = frame[frame["status"] == "open"]
    elif status == "closed":
        frame = frame[frame["status"] != "open"]
    return frame.reset_index(drop=True)


# -- cross-analysis -----------------------------------------------------------------------
def cross_analysis(
    project: Project,
    *,
    codings: pd.DataFrame | None = None,
    source: str | None = None,
    case: CaseUnit | str = "document",
    perspective: PerspectiveLayout | str = "pooled",
    thresholds: FrequencyThresholds | None = None,
    coders: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The CQR cross-analysis of a project's categories over its cases
    (:func:`workbench.analysis.cqr.cross_analysis`).

    ``codings`` defaults to ``project.codings()`` of ``coders`` (default every coder),
    pooled: a category applies to a case when any of them coded it there. Pass another
    frame (a consensus layer's codings) with ``source`` saying what it is. ``documents``
    limits the cases (``N`` counts every case of those documents, coded or not). Domains
    are :func:`cqr_domains`. ``attrs`` and :func:`describe_cross_analysis` say what it was
    computed on.
    """
    cases = project.cases()
    if documents is not None:
        unknown = sorted(set(documents) - set(cases["document"]))
        if unknown:
            raise NotFoundError(f"no document(s) {', '.join(unknown)} in the project.")
        cases = cases[cases["document"].isin(list(documents))]
    if codings is None:
        codings = project.codings(coder=list(coders) if coders is not None else None,
                                  document=list(documents) if documents is not None else None)
        who = "every coder" if coders is None else "coders " + ", ".join(coders)
        source = source or f"pooled codings of {who} (a category counts in a case when any " \
                           "of them coded it there)"
    else:
        if coders is not None and "coder" in codings.columns:
            codings = codings[codings["coder"].isin(list(coders))]
        if documents is not None:
            codings = codings[codings["document"].isin(list(documents))]
        source = source or str(codings.attrs.get("source", "codings passed by the caller"))
    names = {c.key: c.name for c in project.codebook.codes}
    return _cqr.cross_analysis(codings, cases, domains=cqr_domains(project),
                               category_names=names, case=case, perspective=perspective,
                               thresholds=thresholds, source=source)
