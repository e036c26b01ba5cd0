"""Consensus coding of a project: disagreement items, decisions with provenance, the layer.

The project-level functions (``Project.consensus_items``, ``decide``, ``revise_decision``,
``decision_history`` and ``codings(source="consensus")`` call them); the clustering, the
majority rule and the layer itself are pure functions in :mod:`workbench.analysis.consensus`
(read its docstring for the rules).

* :func:`consensus_items` - the items of the chosen coders: ``unanimous``, ``open`` or
  ``settled`` (a current decision exists), with votes ``n of k``.
* :func:`decide` - record a decision on an item: ``apply`` (the code on a range one of the
  coders chose; by default the one range when they all chose the same), ``reject`` (the
  code does not apply here), ``adjust`` (the code on a new range that overlaps the item)
  or ``recode`` (another code, on a range as for ``apply`` unless given). Who decided, when,
  the codings and coders it rests on and the votes are stored; a reason is required when the
  decision goes against the majority (:class:`~workbench.errors.ReasonRequiredError`).
* :func:`revise_decision` - a new revision of a decision: the old row is kept, marked
  ``superseded_by``/``superseded_at``; :func:`decision_history` lists every revision.
* :func:`consensus_codings` - the consensus layer as a codings frame (the columns of
  ``Project.codings()``, ``coder`` = ``"consensus"``, plus ``provenance``, ``votes``,
  ``item_id``, ``decision_id``): not a coder of the project, a layer of its own.
* :func:`settled_items` - which items of some documents are settled as stored now, by
  whom (one lean query; the adjudication view runs it on every key).
* :func:`consensus_caption` and :func:`raw_caption` - the caption that says what a codings
  frame holds (``attrs["source_caption"]``, which the summaries and the report print), e.g.
  ``"consensus of ana, ben and chloe: 12 decisions, 30 unanimous, 2 open items left out"``
  or ``"pooled raw codings of 3 coders, no consensus yet"``.

Every decision and revision writes an audit row (``entity="consensus"``, the item id as
key) in the same transaction.

**Re-import.** A re-import that changes a document's text moves its decisions' ranges
with the codings (:func:`workbench.importing.document_writer.reanchor_decisions`); a range
that cannot be placed is marked stale (``stale_reason``): left out of the layer, counted in
``n_stale_decisions``, its item ``open`` again, and :func:`decide` on it supersedes it.

**Coverage.** Once the project records coverage, a coder votes only on the documents she
marked ``done`` (``in_progress="include"`` counts documents in progress too); her codings
elsewhere are left out of the items, and ``k`` is the number of coders who vote there.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from workbench.analysis import consensus as logic
from workbench.errors import (
    ConsensusError,
    NotFoundError,
    ReasonRequiredError,
    StaleError,
    suggest,
)
from workbench.storage import consensus_store as store
from workbench.storage.audit_log import now, record
from workbench.storage.documents_store import lock_document_named

if TYPE_CHECKING:
    from workbench.project import Project

__all__ = [
    "CONSENSUS_CODER",
    "TABLE_COLUMNS",
    "Decision",
    "DecisionKind",
    "PlannedDecision",
    "consensus_caption",
    "consensus_codings",
    "consensus_items",
    "consensus_table",
    "decide",
    "decide_many",
    "decision_history",
    "has_decisions",
    "raw_caption",
    "revise_decision",
    "settled_items",
]

DecisionKind = Literal["apply", "reject", "adjust", "recode"]
#: The ``coder`` column of consensus codings (the layer is not a registered coder).
CONSENSUS_CODER = "consensus"
InProgress = Literal["exclude", "include"]


@dataclass(frozen=True)
class Decision:
    """One stored revision of a consensus decision on an item."""

    decision_id: int
    item_id: str
    document: str
    code: str
    kind: str
    start: int | None
    end: int | None
    new_code: str | None
    decided_by: str
    decided_at: dt.datetime
    rests_on: tuple[tuple[str, str], ...]  # (coding uuid, coder)
    counted_coders: tuple[str, ...]
    votes: int
    k: int
    reason: str
    revision: int
    superseded_by: int | None = None
    superseded_at: dt.datetime | None = None
    stale_reason: str = ""

    @property
    def against_majority(self) -> bool:
        """Whether this decision goes against the majority of the coders' votes."""
        return logic.against_majority(self.kind, self.votes, self.k)


def _names(values: Sequence[str]) -> str:
    values = list(values)
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " and " + values[-1]


# -- reading -------------------------------------------------------------------------------
def _coverage(project: Project) -> pd.DataFrame | None:
    stored = project.coverage(recorded_only=True)
    return stored if stored["status"].isin(["in_progress", "done"]).any() else None


def _panel(project: Project, coders: Sequence[str] | str | None) -> list[str]:
    registered = project.coders()
    if coders is None:
        return registered
    chosen = [coders] if isinstance(coders, str) else list(coders)
    unknown = [c for c in chosen if c not in registered]
    if unknown:
        raise ConsensusError(f"coder(s) {unknown} are not registered; registered: {registered}.")
    return chosen


def _documents(project: Project, documents: Sequence[str] | str | None) -> list[str]:
    known = project.documents()
    if documents is None:
        return known
    chosen = [documents] if isinstance(documents, str) else list(documents)
    for name in chosen:
        if name not in known:
            raise NotFoundError(f"no document {name!r}{suggest(name, known)}.")
    return chosen


def _raw_items(project: Project, panel: list[str], docs: list[str],
               codes: Sequence[str] | None, in_progress: InProgress,
               raw: pd.DataFrame | None = None, *, only_codes: bool = False
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Items of ``docs`` and the codings read; ``only_codes`` reads only the codings of
    ``codes`` (the pending-recode count then covers only them)."""
    if codes is None:
        codes = [c.key for c in project.codebook.codes]
    if raw is None:
        with project.store.reading() as conn:
            raw = store.voting_codings(conn, documents_=docs, coder_names=panel,
                                       code_keys=codes if only_codes else None)
    pending = int(raw["pending_recode"].sum())
    raw = raw[~raw["pending_recode"]]
    counted = logic.counted_coders(docs, panel, _coverage(project), in_progress=in_progress)
    items = logic.consensus_items(raw, counted, codes=list(codes))
    items.attrs["n_pending_recode_excluded"] = pending
    items.attrs["coders"] = panel
    items.attrs["in_progress"] = in_progress
    return items, raw


def _current(project: Project, docs: list[str]) -> pd.DataFrame:
    """The current decisions on ``docs`` that can be used: those a re-import left without
    a range (``stale_reason``) are left out, and ``attrs["stale"]`` maps their items to
    them (a new decision on the item supersedes that one)."""
    with project.store.reading() as conn:
        frame = store.decisions_frame(conn, documents_=docs)
    stale = frame["stale_reason"] != ""
    usable = frame[~stale].reset_index(drop=True)
    usable.attrs["stale"] = dict(zip(frame.loc[stale, "item_id"],
                                     frame.loc[stale, "decision_id"].astype(int), strict=True))
    return usable


def consensus_items(project: Project, *, coders: Sequence[str] | None = None,
                    documents: Sequence[str] | str | None = None,
                    codes: Sequence[str] | None = None,
                    in_progress: InProgress = "exclude") -> pd.DataFrame:
    """Items of the chosen coders (default: every registered coder) on ``documents``.

    Columns of :data:`~workbench.analysis.consensus.ITEM_COLUMNS`, with ``status``
    ``unanimous``, ``open`` or ``settled`` (a current decision exists: ``decision_id``,
    ``decision_kind``). ``attrs`` counts ``n_open``, ``n_settled``, ``n_unanimous``,
    ``n_stale_decisions`` (current decisions on these documents whose codings changed, or
    whose range a re-import could not place: their items are ``open`` again and a new
    decision supersedes them),
    codings left out (coder did not cover the document; pending recode) and states the
    majority rule.
    """
    panel = _panel(project, coders)
    docs = _documents(project, documents)
    items, _ = _raw_items(project, panel, docs, codes, in_progress)
    current = _current(project, docs)
    by_item = dict(zip(current["item_id"], zip(current["decision_id"], current["kind"],
                                                strict=True), strict=True))
    decided = [by_item.get(i) for i in items["item_id"]]
    items["decision_id"] = pd.array([d[0] if d else None for d in decided], dtype="Int64")
    items["decision_kind"] = [d[1] if d else None for d in decided]
    items.loc[items["decision_id"].notna().to_numpy(), "status"] = "settled"
    for status in ("open", "settled", "unanimous"):
        items.attrs[f"n_{status}"] = int((items["status"] == status).sum())
    items.attrs["n_stale_decisions"] = (int((~current["item_id"].isin(items["item_id"])).sum())
                                        + len(current.attrs["stale"]))
    return items


def _item(project: Project, item_id: str, panel: list[str], in_progress: InProgress
          ) -> pd.Series:
    parts = item_id.rsplit("|", 2)
    if len(parts) != 3:
        raise ConsensusError(f"{item_id!r} is not an item id; take one from "
                             "project.consensus_items()['item_id'].")
    document, code = parts[0], parts[1]
    docs = _documents(project, [document])
    # an item is one cluster of one code: only that code's codings (if in the codebook)
    keys = [c.key for c in project.codebook.codes]
    items, _ = _raw_items(project, panel, docs, [code] if code in keys else [], in_progress,
                          only_codes=True)
    found = items[items["item_id"] == item_id]
    if found.empty:
        raise ConsensusError(
            f"no item {item_id!r} among the items of {_names(panel)} on {document}: its codings "
            "changed since it was listed (or another panel of coders was chosen); list the "
            "items again with project.consensus_items() and decide on the current one.")
    return found.iloc[0]


_DecisionRow = namedtuple("_DecisionRow", store.DECISION_COLUMNS)  # type: ignore[misc]
_DECISION_ID = store.DECISION_COLUMNS.index("decision_id")  # positions in store.decision_rows
_STALE_REASON = store.DECISION_COLUMNS.index("stale_reason")


def _as_decision(row: Any) -> Decision:
    rests = row.rests_on
    return Decision(
        decision_id=int(row.decision_id), item_id=str(row.item_id), document=str(row.document),
        code=str(row.code), kind=str(row.kind),
        start=None if pd.isna(row.start) else int(row.start),
        end=None if pd.isna(row.end) else int(row.end),
        new_code=None if row.new_code is None or pd.isna(row.new_code) else str(row.new_code),
        decided_by=str(row.decided_by), decided_at=_utc(row.decided_at),
        rests_on=tuple((str(c["uuid"]), str(c["coder"])) for c in rests["codings"]),
        counted_coders=tuple(rests["counted_coders"]), votes=int(row.votes), k=int(row.k),
        reason=str(row.reason), revision=int(row.revision),
        superseded_by=None if pd.isna(row.superseded_by) else int(row.superseded_by),
        superseded_at=None if pd.isna(row.superseded_at) else _utc(row.superseded_at),
        stale_reason=str(row.stale_reason))


def _utc(value: Any) -> dt.datetime:
    """A stored time as an aware UTC datetime (SQLite gives it back without a zone)."""
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


# -- deciding ------------------------------------------------------------------------------
def _resolve(project: Project, item: pd.Series, kind: str, start: int | None,
             end: int | None, new_code: str | None) -> tuple[int | None, int | None, str | None]:
    """Check a decision's range and code against its kind; the range to store."""
    if kind not in logic.DECISION_KINDS:
        raise ConsensusError(f"kind must be one of {list(logic.DECISION_KINDS)}, not {kind!r}"
                             f"{suggest(str(kind), logic.DECISION_KINDS)}.")
    if kind != "recode" and new_code is not None:
        raise ConsensusError(f"new_code= is for kind='recode', not {kind!r}.")
    if kind == "reject":
        if start is not None or end is not None:
            raise ConsensusError("a reject takes no range: the code does not apply here.")
        return None, None, None
    if (start is None) != (end is None):
        raise ConsensusError("give both start= and end=, or neither.")
    chosen = {(s, e) for _, s, e, _ in item["ranges"]}
    if kind == "recode":
        keys = [c.key for c in project.codebook.codes]
        if new_code is None or new_code not in keys:
            raise ConsensusError(
                f"kind='recode' needs new_code= one of the codebook's codes {keys}"
                f"{suggest(str(new_code), keys)}.")
        if new_code == item["code"]:
            raise ConsensusError(f"the item is already coded {new_code!r}; use kind='apply'.")
    if start is None:
        if kind == "adjust":
            raise ConsensusError("kind='adjust' needs the new range: start= and end=.")
        if len(chosen) != 1:
            raise ConsensusError(
                f"the coders chose {len(chosen)} different ranges here "
                f"({sorted(chosen)}); pass start= and end= of the one to keep, or use "
                "kind='adjust' with a new range.")
        start, end = next(iter(chosen))
    assert end is not None
    start, end = int(start), int(end)
    if kind == "apply" and (start, end) not in chosen:
        raise ConsensusError(
            f"{start}..{end} is not a range a coder chose here ({sorted(chosen)}); use "
            "kind='adjust' for a new range.")
    text = project.document_text(str(item["document"]))
    if not 0 <= start < end <= len(text) or not text[start:end].strip():
        raise ConsensusError(f"{start}..{end} is not a range of {item['document']} with text "
                             f"in it (0..{len(text)}).")
    if end <= int(item["start"]) or start >= int(item["end"]):
        raise ConsensusError(
            f"{start}..{end} does not overlap the item ({item['start']}..{item['end']}); "
            "a decision is about that passage.")
    return start, end, new_code


def _store(project: Project, item: pd.Series, panel: list[str], in_progress: InProgress,
           kind: str, stored: tuple[int | None, int | None, str | None], reason: str,
           decided_by: str, revision: int, supersedes: int | None) -> int:
    start, end, new_code = stored
    n, k = int(item["n"]), int(item["k"])
    if logic.against_majority(kind, n, k) and not reason:
        raise ReasonRequiredError(
            f"{kind!r} goes against the majority ({n} of {k} coders applied "
            f"{item['code']!r}); give reason='...' saying why. Rule: {logic.MAJORITY_RULE}.")
    rests_on = {"panel": panel, "in_progress": in_progress,
                "counted_coders": list(item["counted_coders"]),
                "codings": [{"uuid": u, "coder": c, "start": s, "end": e}
                            for c, s, e, u in item["ranges"]]}
    code_id = project._code_id(str(item["code"]), retired_ok=True)
    new_code_id = None if new_code is None else project._code_id(new_code)
    at = now()
    with project.store.transaction() as conn:
        # the document locked (shared; a re-import takes it exclusively), then the codings
        # the item rests on read again: a re-import that committed since the item was read
        # moved or removed them, and the decision's offsets would point at other words
        doc = lock_document_named(conn, str(item["document"]), exclusive=False)
        if doc is None:
            raise NotFoundError(f"no document {item['document']!r}.")
        read = {str(u): (int(s), int(e)) for _c, s, e, u in item["ranges"]}
        if store.coding_ranges(conn, list(read)) != read:
            raise StaleError(
                f"the codings of item {item['item_id']!r} changed since it was read (the "
                "document was re-imported or a coder changed them); nothing was stored. "
                "List the items again (project.consensus_items()) and decide again.")
        if store.latest_revision(conn, str(item["item_id"])) != revision - 1:
            raise ConsensusError(
                f"item {item['item_id']!r} was decided or revised meanwhile; read "
                "project.decision_history() and revise the current decision.")
        new = store.insert_decision(
            conn, item_key=str(item["item_id"]), document_id=doc.id, code_id=code_id,
            kind=kind, start=start, end=end, new_code_id=new_code_id, decided_by=decided_by,
            decided_at=at, rests_on=rests_on, votes=n, of_k=k, reason=reason,
            revision=revision)
        if supersedes is not None and not store.supersede(conn, supersedes, new, at):
            raise ConsensusError(f"decision #{supersedes} is no longer current; revise the "
                                 "current one (project.decision_history()).")
        record(conn, actor=decided_by,
               action="decide" if supersedes is None else "revise_decision",
               entity="consensus", key=str(item["item_id"]),
               detail={"decision_id": new, "kind": kind, "start": start, "end": end,
                       "new_code": new_code, "votes": n, "k": k, "reason": reason,
                       "revision": revision, "supersedes": supersedes,
                       "rests_on": rests_on["codings"]})
    return new


def _who(project: Project, decided_by: str | None) -> str:
    who = (project.actor if decided_by is None else str(decided_by)).strip()
    if not who:
        raise ConsensusError("decided_by= needs a name: who decided (e.g. 'team meeting 3').")
    return who


def _read(project: Project, decision_id: int) -> Decision:
    with project.store.reading() as conn:
        rows = store.decision_rows(conn, current_only=False, decision_id=decision_id)
    if not rows:
        raise NotFoundError(f"no consensus decision #{decision_id}; "
                            "project.decision_history() lists them.")
    return _as_decision(_DecisionRow(*rows[0]))


def decide(project: Project, item: str, kind: DecisionKind, *, start: int | None = None,
           end: int | None = None, new_code: str | None = None, reason: str = "",
           decided_by: str | None = None, coders: Sequence[str] | None = None,
           in_progress: InProgress = "exclude") -> Decision:
    """Record the team's decision on ``item`` (an ``item_id`` of :func:`consensus_items`
    listed with the same ``coders`` and ``in_progress``); see the module docstring.

    ``decided_by`` defaults to the project's actor. An item already decided raises
    :class:`~workbench.errors.ConsensusError` (revise it instead); a decision against
    the majority without ``reason`` raises :class:`~workbench.errors.ReasonRequiredError`.
    """
    panel = _panel(project, coders)
    found = _item(project, item, panel, in_progress)
    with project.store.reading() as conn:
        current = store.decision_rows(conn, item_key=item)
        revision = store.latest_revision(conn, item) + 1
    stale = [row[_DECISION_ID] for row in current if row[_STALE_REASON]]
    before = [row[_DECISION_ID] for row in current if not row[_STALE_REASON]]
    if before:
        raise ConsensusError(
            f"item {item!r} is already decided (decision #{int(before[0])}); "
            "change it with project.revise_decision(decision_id, ...).")
    stored = _resolve(project, found, kind, start, end, new_code)
    supersedes = None if not stale else int(stale[0])
    new = _store(project, found, panel, in_progress, kind, stored, (reason or "").strip(),
                 _who(project, decided_by), revision, supersedes)
    return _read(project, new)


@dataclass(frozen=True)
class PlannedDecision:
    """One decision for :func:`decide_many`: the item (an ``item_id``) and what to record,
    as the keyword arguments of :func:`decide`."""

    item: str
    kind: DecisionKind
    start: int | None = None
    end: int | None = None
    new_code: str | None = None
    reason: str = ""


def decide_many(project: Project, decisions: Sequence[PlannedDecision], *,
                decided_by: str | None = None, coders: Sequence[str] | None = None,
                in_progress: InProgress = "exclude") -> list[Decision]:
    """Record several decisions at once, all or none (one transaction): the items are
    listed once for all their documents instead of once per decision, which is what a
    scripted consensus (the sample study's) needs. Each decision follows the rules of
    :func:`decide` (an item decided already, or twice in ``decisions``, is refused)."""
    panel = _panel(project, coders)
    docs = sorted({d.item.rsplit("|", 2)[0] for d in decisions})
    items, _ = _raw_items(project, panel, _documents(project, docs), None, in_progress)
    by_id = {str(row["item_id"]): row for _, row in items.iterrows()}
    current = _current(project, docs)
    decided = set(current["item_id"])
    who = _who(project, decided_by)
    stored_ids: list[int] = []
    with project.atomic():
        for planned in decisions:
            found = by_id.get(planned.item)
            if found is None:
                raise ConsensusError(
                    f"no item {planned.item!r} among the items of {_names(panel)}; list them "
                    "with project.consensus_items().")
            if planned.item in decided:
                raise ConsensusError(f"item {planned.item!r} is already decided; revise it "
                                     "with project.revise_decision(decision_id, ...).")
            decided.add(planned.item)
            stored = _resolve(project, found, planned.kind, planned.start, planned.end,
                              planned.new_code)
            with project.store.reading() as conn:
                revision = store.latest_revision(conn, planned.item) + 1
            stored_ids.append(_store(project, found, panel, in_progress, planned.kind, stored,
                                     (planned.reason or "").strip(), who, revision,
                                     current.attrs["stale"].get(planned.item)))
    return [_read(project, decision_id) for decision_id in stored_ids]


def revise_decision(project: Project, decision_id: int, kind: DecisionKind, *,
                    start: int | None = None, end: int | None = None,
                    new_code: str | None = None, reason: str = "",
                    decided_by: str | None = None) -> Decision:
    """Replace the current decision ``decision_id`` by a new revision (same item, same
    coders); the old row stays in :func:`decision_history`, superseded. Rules as for
    :func:`decide`; the item's codings must not have changed since."""
    old = _read(project, int(decision_id))
    if old.superseded_by is not None:
        raise ConsensusError(f"decision #{old.decision_id} was already revised by "
                             f"#{old.superseded_by}; revise that one.")
    with project.store.reading() as conn:
        frame = store.decisions_frame(conn, current_only=False, decision_id=old.decision_id)
    rests = frame["rests_on"].iat[0]
    panel = list(rests["panel"])
    in_progress: InProgress = "include" if rests.get("in_progress") == "include" else "exclude"
    found = _item(project, old.item_id, panel, in_progress)
    stored = _resolve(project, found, kind, start, end, new_code)
    new = _store(project, found, panel, in_progress, kind, stored, (reason or "").strip(),
                 _who(project, decided_by), old.revision + 1, old.decision_id)
    return _read(project, new)


def decision_history(project: Project, item: str | None = None, *,
                     documents: Sequence[str] | str | None = None) -> pd.DataFrame:
    """Every decision revision (current and superseded), oldest first: ``decision_id``,
    ``item_id``, ``document``, ``code``, ``kind``, ``start``, ``end``, ``new_code``,
    ``decided_by``, ``decided_at``, ``rests_on`` (dict: panel, counted coders, codings),
    ``votes``, ``k``, ``reason``, ``revision``, ``superseded_by``, ``superseded_at``;
    ``item`` or ``documents`` narrow it."""
    docs = None if documents is None else _documents(project, documents)
    with project.store.reading() as conn:
        return store.decisions_frame(conn, current_only=False, documents_=docs,
                                     item_key=item)


def has_decisions(project: Project) -> bool:
    """Whether the project holds any current consensus decision."""
    with project.store.reading() as conn:
        return store.any_decision(conn)


# -- the layer -----------------------------------------------------------------------------
def consensus_codings(project: Project, *, coders: Sequence[str] | str | None = None,
                      documents: Sequence[str] | str | None = None,
                      in_progress: InProgress = "exclude",
                      with_attributes: bool = True) -> pd.DataFrame:
    """The consensus layer as codings: the columns of ``Project.codings()`` (without the
    segment columns, which ``Project.codings`` adds) with ``coder`` = ``"consensus"``,
    ``coding_uuid`` = ``"consensus:<item_id>"``, ``memo`` = the decision's reason, and
    ``provenance``, ``votes``, ``item_id``, ``decision_id``. ``attrs``: ``source``
    (``"consensus"``), ``source_caption``, ``coders``, ``n_decisions``, ``n_unanimous``,
    ``n_open``, ``n_rejected``, ``n_stale_decisions``."""
    panel = _panel(project, coders)
    docs = _documents(project, documents)
    template = project.codings(coder=panel, document=docs, with_attributes=with_attributes)
    template = template.drop(columns=["first_segment", "last_segment", "n_segments"])
    items, _ = _raw_items(project, panel, docs, None, in_progress, raw=template)
    current = _current(project, docs)
    layer = logic.consensus_layer(items, current)
    layer.attrs["n_stale_decisions"] += len(current.attrs["stale"])  # range lost on re-import
    position = pd.Series(range(len(template)), index=template["coding_uuid"].to_numpy())
    first = [entry[0] for entry in layer["rests_on"]]
    frame = template.iloc[position.loc[first].to_numpy() if first else []].reset_index(drop=True)
    codebook = project.codebook
    codes = {c.key: c for c in codebook.codes}
    theme_names = {t.key: t.name for t in codebook.themes}
    texts = {doc: project.document_text(doc) for doc in sorted(set(layer["document"]))}
    keys = layer["code"].astype(str).tolist()
    frame["coding_uuid"] = [f"consensus:{i}" for i in layer["item_id"]]
    frame["start"] = layer["start"].astype("int64").to_numpy()
    frame["end"] = layer["end"].astype("int64").to_numpy()
    frame["text"] = [texts[d][a:b] for d, a, b in zip(layer["document"], frame["start"],
                                                       frame["end"], strict=True)]
    frame["code"] = keys
    for column, value in (("code_name", lambda c: c.name), ("parent_code", lambda c: c.parent),
                          ("theme", lambda c: c.theme),
                          ("theme_name", lambda c: theme_names.get(c.theme))):
        if column in frame.columns:
            frame[column] = [value(codes[k]) if k in codes else old
                             for k, old in zip(keys, frame[column], strict=True)]
    frame["made_as"], frame["made_as_name"] = frame["code"], frame["code_name"]
    frame["coder"] = CONSENSUS_CODER
    frame["memo"] = layer["reason"].fillna("").astype(str).to_numpy()
    frame["pending_recode"] = False
    frame["provenance"] = layer["provenance"].to_numpy()
    frame["votes"] = layer["votes"].to_numpy()
    frame["item_id"] = layer["item_id"].to_numpy()
    frame["decision_id"] = pd.array(layer["decision_id"].tolist(), dtype="Int64")
    stats = dict(layer.attrs)
    frame.attrs.update(stats)
    frame.attrs.update(source="consensus", coders=panel, documents=docs,
                       source_caption=consensus_caption(panel, stats))
    return frame


#: Columns of :func:`consensus_table`.
TABLE_COLUMNS: tuple[str, ...] = (
    "document", "start", "end", "text", "code", "code_name", "theme", "provenance", "votes",
    "applied_by", "not_applied_by", "item_id", "decision_id", "decision_kind", "revision",
    "decided_by", "decided_at", "reason")


def consensus_table(project: Project, *, coders: Sequence[str] | str | None = None,
                    documents: Sequence[str] | str | None = None,
                    in_progress: InProgress = "exclude") -> pd.DataFrame:
    """The consensus layer with its provenance, one row per consensus coding, for export
    (:data:`TABLE_COLUMNS`): range and text, code, ``provenance`` (``unanimous`` or the
    decision), ``votes`` (n of k), the coders who applied the code in the item and those
    who did not, ``item_id``, ``decision_id``, ``decision_kind``, ``revision``,
    ``decided_by``, ``decided_at`` (empty for unanimous items) and ``reason``.
    ``attrs["source_caption"]`` says whose consensus it is."""
    panel = _panel(project, coders)
    docs = _documents(project, documents)
    layer = consensus_codings(project, coders=panel, documents=docs, in_progress=in_progress,
                              with_attributes=False)
    items = consensus_items(project, coders=panel, documents=docs, in_progress=in_progress)
    by_item = items.set_index("item_id")
    current = _current(project, docs).set_index("decision_id")
    frame = layer.reindex(columns=[c for c in TABLE_COLUMNS if c in layer.columns]).copy()
    frame["applied_by"] = [", ".join(by_item.at[i, "applied_by"]) for i in layer["item_id"]]
    frame["not_applied_by"] = [", ".join(by_item.at[i, "not_applied_by"])
                               for i in layer["item_id"]]
    ids = layer["decision_id"]
    for column, source in (("decision_kind", "kind"), ("revision", "revision"),
                           ("decided_by", "decided_by"), ("decided_at", "decided_at")):
        frame[column] = [None if pd.isna(d) else current.at[int(d), source] for d in ids]
    frame["revision"] = pd.array(frame["revision"].tolist(), dtype="Int64")
    frame["reason"] = layer["memo"].to_numpy()
    frame = frame.reindex(columns=list(TABLE_COLUMNS))
    frame.attrs.update(layer.attrs)
    return frame


def consensus_caption(coders: Sequence[str], stats: dict[str, Any]) -> str:
    """``"consensus of ana, ben and chloe: 3 decisions, 8 unanimous, 1 open item left out"``."""
    n_open = int(stats.get("n_open", 0))
    n_decisions = int(stats.get("n_decisions", 0))
    text = (f"consensus of {_names(list(coders))}: {n_decisions} decision"
            f"{'s' if n_decisions != 1 else ''}, {stats.get('n_unanimous', 0)} unanimous")
    text += f", {n_open} open item{'s' if n_open != 1 else ''} left out" if n_open else \
        ", no open items"
    stale = int(stats.get("n_stale_decisions", 0))
    if stale:
        text += f", {stale} stale decision{'s' if stale != 1 else ''} not used"
    return text


def raw_caption(coders: Sequence[str], *, pooled: bool, decided: bool) -> str:
    """``"pooled raw codings of 3 coders, no consensus yet"``, or one coder's raw codings."""
    coders = list(coders)
    if not pooled:
        return f"raw codings of {_names(coders)}"
    text = f"pooled raw codings of {len(coders)} coder{'s' if len(coders) != 1 else ''}"
    return text + (", consensus not used" if decided else ", no consensus yet")


def settled_items(project: Project, documents: Sequence[str] | str) -> dict[str, tuple[int, str]]:
    """Item id -> (decision id, decided by) of every item on ``documents`` settled as stored
    now (by anyone, in any session; decisions a re-import made stale are left out): one
    lean query, which the adjudication view runs on every key to see what others settled."""
    docs = [documents] if isinstance(documents, str) else list(documents)
    with project.store.reading() as conn:
        stored = store.current_decision_keys(conn, documents_=docs)
    return {item: (decision_id, who) for item, (decision_id, who, stale) in stored.items()
            if not stale}
