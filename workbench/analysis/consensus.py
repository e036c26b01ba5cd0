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
import re
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

_PLAIN = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")
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
    doc_id, doc_names = pd.factorize(frame["document"].astype(str), sort=True)
    coder_id, coder_names = pd.factorize(frame["coder"].astype(str), sort=True)
    rank = frame["code"].map(order).to_numpy(np.int64)
    starts_all = frame["start"].to_numpy(np.int64)
    ends_all = frame["end"].to_numpy(np.int64)
    sort = np.lexsort((coder_id, ends_all, starts_all, rank, doc_id))
    frame = frame.iloc[sort].reset_index(drop=True)
    doc_id, coder_id, rank = doc_id[sort], coder_id[sort], rank[sort]
    starts, ends = starts_all[sort], ends_all[sort]
    group = doc_id * (len(order) + 1) + rank
    new_group = np.r_[True, group[1:] != group[:-1]] if len(group) else np.zeros(0, bool)
    reach = pd.Series(ends).groupby(np.cumsum(new_group)).cummax().to_numpy()
    new_cluster = new_group.copy()
    if len(new_cluster):
        new_cluster[1:] |= starts[1:] >= reach[:-1]
    lo = np.flatnonzero(new_cluster)
    hi = np.r_[lo[1:], len(frame)].astype(np.int64)
    items = _items(frame, counted, list(doc_names), list(coder_names), doc_id, coder_id,
                   starts, ends, lo, hi)
    items.attrs["n_codings_not_counted"] = not_counted
    items.attrs["majority_rule"] = MAJORITY_RULE
    return items


def _safe(values: Sequence[str]) -> bool:
    """Whether ``json.dumps`` writes each of ``values`` as itself between quotes."""
    return _PLAIN.fullmatch("".join(values)) is not None


def _items(frame: pd.DataFrame, counted: Mapping[str, Sequence[str]], doc_names: list[str],
           coder_names: list[str], doc_id: np.ndarray, coder_id: np.ndarray,
           starts: np.ndarray, ends: np.ndarray, lo: np.ndarray, hi: np.ndarray
           ) -> pd.DataFrame:
    """One row per cluster ``frame[lo:hi]`` (sorted as in :func:`consensus_items`),
    the per-cluster numbers computed with array reductions."""
    if not len(lo):
        return pd.DataFrame(columns=list(ITEM_COLUMNS))
    n_rows = hi - lo
    span_start = np.minimum.reduceat(starts, lo)
    span_end = np.maximum.reduceat(ends, lo)
    same = ((span_start == np.maximum.reduceat(starts, lo))
            & (span_end == np.minimum.reduceat(ends, lo)))
    cdoc = doc_id[lo]
    # the voting coders, who applied and who did not: one tuple per (document, coder set)
    if len(coder_names) <= 62:
        mask = np.bitwise_or.reduceat(np.left_shift(np.int64(1), coder_id.astype(np.int64)),
                                      lo)
        _, first, key = np.unique(np.stack([cdoc.astype(np.int64), mask], 1), axis=0,
                                  return_index=True, return_inverse=True)
        key = key.reshape(-1)
    else:  # more than 62 coders: no bit mask in an int64
        sets = [(int(d), tuple(sorted(set(coder_id[a:b].tolist()))))
                for d, a, b in zip(cdoc, lo, hi, strict=True)]
        index: dict[tuple[int, tuple[int, ...]], int] = {}
        key_l: list[int] = []
        first_l: list[int] = []
        for i, value in enumerate(sets):
            j = index.setdefault(value, len(first_l))
            if j == len(first_l):
                first_l.append(i)
            key_l.append(j)
        key, first = np.asarray(key_l, np.int64), np.asarray(first_l, np.int64)
    names_of = [list(counted[d]) for d in doc_names]
    k_of = np.array([len(n) for n in names_of], np.int64)
    applied_t, not_applied_t, n_t = [], [], []
    for i in first.tolist():
        names = names_of[int(cdoc[i])]
        present = {coder_names[j] for j in coder_id[lo[i]:hi[i]].tolist()}
        applied = tuple(c for c in names if c in present)
        applied_t.append(applied)
        not_applied_t.append(tuple(c for c in names if c not in present))
        n_t.append(len(applied))
    n = np.asarray(n_t, np.int64)[key]
    k = k_of[cdoc]
    counted_t = [tuple(names) for names in names_of]
    unanimous = (k >= 2) & (n == k) & (n_rows == k) & same
    coders_ = [coder_names[j] for j in coder_id]
    uuids_ = frame["coding_uuid"].astype(str).tolist()
    starts_l, ends_l = starts.tolist(), ends.tolist()
    ranges_all = list(zip(coders_, starts_l, ends_l, uuids_, strict=True))
    bounds = list(zip(lo.tolist(), hi.tolist(), strict=True))
    ranges = [tuple(ranges_all[a:b]) for a, b in bounds]
    sorted_uuids = [tuple(sorted(uuids_[a:b])) for a, b in bounds]
    codes_ = frame["code"].astype(str).to_numpy()[lo].tolist()
    docs_ = [doc_names[int(d)] for d in cdoc]
    ids = _item_ids(docs_, codes_, sorted_uuids, cdoc, names_of, uuids_)
    n_l, k_l = n.tolist(), k.tolist()
    return pd.DataFrame({
        "item_id": ids, "document": docs_, "code": codes_,
        "start": span_start, "end": span_end,
        "status": np.where(unanimous, "unanimous", "open").astype(object),
        "n": n, "k": k, "votes": [f"{a} of {b}" for a, b in zip(n_l, k_l, strict=True)],
        "majority": np.where(2 * n > k, "applied",
                             np.where(2 * n < k, "not applied", "tie")).astype(object),
        "applied_by": [applied_t[i] for i in key], "not_applied_by":
        [not_applied_t[i] for i in key], "counted_coders": [counted_t[int(d)] for d in cdoc],
        "coding_uuids": sorted_uuids, "ranges": ranges,
    }, columns=list(ITEM_COLUMNS))


def _item_ids(docs: list[str], codes: list[str], uuids: list[tuple[str, ...]],
              cdoc: np.ndarray, names_of: list[list[str]], all_uuids: list[str]) -> list[str]:
    """:func:`item_id` of every cluster; the JSON payload is written by hand when every
    uuid and name is plain ASCII without quotes or backslashes (the same bytes)."""
    names_json = [json.dumps(sorted(map(str, names))) for names in names_of]
    if not _safe(all_uuids) or not all(_safe(names) for names in names_of):
        return [item_id(d, c, u, names_of[int(i)])
                for d, c, u, i in zip(docs, codes, uuids, cdoc, strict=True)]
    sha = hashlib.sha256
    return [f"{d}|{c}|" + sha(('[["' + '", "'.join(u) + '"], ' + names_json[i] + "]")
                              .encode()).hexdigest()[:16]
            for d, c, u, i in zip(docs, codes, uuids, cdoc.tolist(), strict=True)]


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
