"""Consensus coding from several coders' range codings: items, the majority rule, the layer.

Pure functions over DataFrames (they never see a ``Project``; :mod:`workbench.consensus` is
the project-level layer).

**Items.** The chosen coders' codings are grouped per (document, code) into *clusters*:
ranges that overlap (share at least one character), joined transitively; a range that
overlaps nothing is a cluster of its own. On each document only the coders *counted* there
vote (``k`` of them: every chosen coder, or, once coverage is recorded, those who covered
the document); codings by others are left out. A cluster rests on its codings (uuids) and
on the counted coders; ``n`` is the number of counted coders with a coding in it ("votes
n of k"). A cluster is ``unanimous`` when ``k >= 2`` and every counted coder has exactly one
coding in it, all on the same range: it enters the consensus by itself. Any other cluster
is an *open* item until the team records a decision, then *settled*.

**Identity.** An item's id is ``"<document>|<code>|<digest>"``, the digest a SHA-256 of the
sorted coding uuids and the counted coders: the same codings judged by the same coders give
the same id on every call. If a coder adds, moves or removes a coding in the cluster, its id
changes and a decision taken on the old id no longer applies (it is *stale*: counted in the
layer's ``attrs``, not used).

**Majority rule** (:func:`against_majority`). ``n`` of ``k`` coders applied the code. The
majority applied it when ``n > k/2``, did not when ``n < k/2``; ``n == k/2`` is a tie (no
majority). ``apply`` and ``adjust`` keep the code and go against the majority when
``n < k/2``; ``reject`` and ``recode`` drop the code and go against it when ``n > k/2``.
A decision against the majority needs a reason.

**The layer** (:func:`consensus_layer`): unanimous items with their range and code
(provenance ``unanimous``, votes ``k of k``), and settled items by their decision: ``apply``
and ``adjust`` the decided range with the item's code, ``recode`` the decided range with the
new code, ``reject`` nothing. Open items are not in it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from workbench.errors import ConsensusError

__all__ = [
    "DECISION_KINDS",
    "ITEM_COLUMNS",
    "LAYER_COLUMNS",
    "MAJORITY_RULE",
    "against_majority",
    "consensus_items",
    "consensus_layer",
    "counted_coders",
    "item_id",
    "majority",
]

#: What a decision can do with an item.
DECISION_KINDS: tuple[str, ...] = ("apply", "reject", "adjust", "recode")
#: The majority rule in words (stated in attrs and error messages).
MAJORITY_RULE = ("majority: more than half of the k coders counted on the document applied "
                 "the code (n > k/2) or fewer than half did (n < k/2); n = k/2 is a tie. "
                 "apply/adjust against a majority that did not apply, reject/recode against "
                 "a majority that applied, need a reason")
#: Columns of :func:`consensus_items`.
ITEM_COLUMNS: tuple[str, ...] = (
    "item_id", "document", "code", "start", "end", "status", "n", "k", "votes", "majority",
    "applied_by", "not_applied_by", "counted_coders", "coding_uuids", "ranges")
#: Columns of :func:`consensus_layer`.
LAYER_COLUMNS: tuple[str, ...] = (
    "item_id", "document", "code", "start", "end", "provenance", "votes", "n", "k",
    "decision_id", "revision", "decided_by", "decided_at", "reason", "rests_on")


def item_id(document: str, code: str, uuids: Sequence[str], counted: Sequence[str]) -> str:
    """The stable id of the item resting on ``uuids`` judged by the ``counted`` coders."""
    payload = json.dumps([sorted(map(str, uuids)), sorted(map(str, counted))])
    digest = hashlib.sha256(payload.encode()).hexdigest()[:16]
    return f"{document}|{code}|{digest}"


def majority(n: int, k: int) -> str:
    """``"applied"`` (n > k/2), ``"not applied"`` (n < k/2) or ``"tie"``."""
    if 2 * n > k:
        return "applied"
    if 2 * n < k:
        return "not applied"
    return "tie"


def against_majority(kind: str, n: int, k: int) -> bool:
    """Whether a decision of ``kind`` goes against the majority of ``n`` of ``k`` votes."""
    if kind not in DECISION_KINDS:
        raise ConsensusError(f"a decision is one of {list(DECISION_KINDS)}, not {kind!r}.")
    said = majority(n, k)
    if kind in ("apply", "adjust"):
        return said == "not applied"
    return said == "applied"


def counted_coders(documents: Sequence[str], coders: Sequence[str],
                   coverage: pd.DataFrame | None, *, in_progress: str = "exclude"
                   ) -> dict[str, list[str]]:
    """Document -> the chosen coders who vote there (order of ``coders``).

    Without ``coverage`` (the project never recorded any) every coder votes everywhere.
    With it, a coder votes on a document she marked ``done`` (and ``in_progress`` ones too
    with ``in_progress="include"``).
    """
    if in_progress not in ("exclude", "include"):
        raise ConsensusError(f"in_progress must be 'exclude' or 'include', not {in_progress!r}.")
    if coverage is None:
        return {doc: list(coders) for doc in documents}
    ok = {"done"} | ({"in_progress"} if in_progress == "include" else set())
    rows = coverage[coverage["status"].isin(ok)]
    have = set(zip(rows["coder"], rows["document"], strict=True))
    return {doc: [c for c in coders if (c, doc) in have] for doc in documents}


def _clusters(frame: pd.DataFrame) -> np.ndarray:
    """Cluster number per row of ``frame`` sorted by document, code, start, end."""
    if frame.empty:
        return np.zeros(0, np.int64)
    group = (frame["document"].astype(str) + "\x00" + frame["code"].astype(str)).to_numpy()
    new_group = np.r_[True, group[1:] != group[:-1]]
    ends = frame["end"].to_numpy(np.int64)
    starts = frame["start"].to_numpy(np.int64)
    reach = pd.Series(ends).groupby(np.cumsum(new_group)).cummax().to_numpy()
    new_cluster = new_group.copy()
    new_cluster[1:] |= starts[1:] >= reach[:-1]
    return np.cumsum(new_cluster) - 1


def consensus_items(codings: pd.DataFrame, counted: Mapping[str, Sequence[str]],
                    *, codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Items (clusters) of the counted coders' codings, one row each (:data:`ITEM_COLUMNS`).

    ``codings`` needs ``coding_uuid``, ``document``, ``code``, ``coder``, ``start``,
    ``end``; ``counted`` maps each document considered to its voting coders (see
    :func:`counted_coders`); documents not in it are left out. ``start``/``end`` of an item
    are the span of its ranges; ``ranges`` lists ``(coder, start, end, uuid)``. Rows are
    ordered by document, code (``codes`` order when given), start. ``attrs`` counts the
    codings left out because their coder did not vote on the document.
    """
    need = ("coding_uuid", "document", "code", "coder", "start", "end")
    missing = [c for c in need if c not in codings.columns]
    if missing:
        raise ConsensusError(f"the codings frame has no column(s) {missing}; pass "
                             "project.codings().")
    voting = {(doc, c) for doc, names in counted.items() for c in names}
    in_docs = codings[codings["document"].isin(list(counted))]
    keep = [(d, c) in voting for d, c in zip(in_docs["document"], in_docs["coder"], strict=True)]
    frame = in_docs[np.asarray(keep, bool)] if len(in_docs) else in_docs
    not_counted = int(len(in_docs) - len(frame))
    if codes is not None:
        frame = frame[frame["code"].isin(list(codes))]
    order = {c: i for i, c in enumerate(codes or sorted(set(frame["code"])))}
    frame = frame.assign(_rank=frame["code"].map(order)).sort_values(
        ["document", "_rank", "start", "end", "coder"], kind="stable").reset_index(drop=True)
    cluster = _clusters(frame)
    bounds = np.flatnonzero(np.r_[True, cluster[1:] != cluster[:-1], True]) \
        if len(cluster) else np.zeros(1, np.int64)
    docs_, codes_ = frame["document"].astype(str).tolist(), frame["code"].astype(str).tolist()
    coders_ = frame["coder"].astype(str).tolist()
    starts, ends = frame["start"].astype(int).tolist(), frame["end"].astype(int).tolist()
    uuids_ = frame["coding_uuid"].astype(str).tolist()
    rows = []
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        document, code = docs_[lo], codes_[lo]
        names = list(counted[document])
        k = len(names)
        present = set(coders_[lo:hi])
        applied = [c for c in names if c in present]
        n = len(applied)
        ranges = tuple(zip(coders_[lo:hi], starts[lo:hi], ends[lo:hi], uuids_[lo:hi],
                           strict=True))
        uuids = sorted(uuids_[lo:hi])
        same = len(set(zip(starts[lo:hi], ends[lo:hi], strict=True))) == 1
        unanimous = k >= 2 and n == k and hi - lo == k and same
        rows.append((item_id(document, code, uuids, names), document, code,
                     min(starts[lo:hi]), max(ends[lo:hi]),
                     "unanimous" if unanimous else "open", n, k, f"{n} of {k}", majority(n, k),
                     tuple(applied), tuple(c for c in names if c not in present),
                     tuple(names), tuple(uuids), ranges))
    items = pd.DataFrame(rows, columns=list(ITEM_COLUMNS))
    items.attrs["n_codings_not_counted"] = not_counted
    items.attrs["majority_rule"] = MAJORITY_RULE
    return items


def consensus_layer(items: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """The consensus coding: unanimous items and settled items (:data:`LAYER_COLUMNS`).

    ``decisions`` holds the current decisions (``decision_id``, ``item_id``, ``kind``,
    ``start``, ``end``, ``new_code``, ``revision``, ``decided_by``, ``decided_at``,
    ``reason``, ``votes``, ``k``, ``rests_on``). A decision whose item is not among
    ``items`` is stale and left out. ``attrs``: ``n_unanimous``, ``n_decisions`` (used),
    ``n_open`` (items not in the layer for want of a decision), ``n_rejected``,
    ``n_stale_decisions``.
    """
    by_item = {str(row.item_id): row for row in decisions.itertuples()}
    rows: list[tuple[object, ...]] = []
    n_open = n_used = n_rejected = 0
    for item in items.itertuples():
        decision = by_item.get(str(item.item_id))
        if decision is None:
            if item.status == "unanimous":
                rows.append((item.item_id, item.document, item.code, item.start, item.end,
                             "unanimous", f"{item.k} of {item.k}", item.n, item.k, None, None,
                             None, None, "", list(item.coding_uuids)))
            else:
                n_open += 1
            continue
        n_used += 1
        if decision.kind == "reject":
            n_rejected += 1
            continue
        code = decision.new_code if decision.kind == "recode" else item.code
        rows.append((item.item_id, item.document, code, int(decision.start), int(decision.end),
                     f"decision {decision.kind} (#{decision.decision_id}, revision "
                     f"{decision.revision})", f"{decision.votes} of {decision.k}",
                     int(decision.votes), int(decision.k), int(decision.decision_id),
                     int(decision.revision), decision.decided_by, decision.decided_at,
                     decision.reason, list(item.coding_uuids)))
    layer = pd.DataFrame(rows, columns=list(LAYER_COLUMNS))
    known = set(items["item_id"])
    layer.attrs.update(
        n_unanimous=int((layer["provenance"] == "unanimous").sum()),
        n_decisions=n_used, n_open=n_open, n_rejected=n_rejected,
        n_stale_decisions=int(sum(1 for key in by_item if key not in known)))
    return layer
