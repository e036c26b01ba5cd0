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
import itertools
import json
import operator
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring_ascii
from typing import Any

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


def _factorize(column: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Codes (-1 for missing) and the distinct values of ``column``."""
    codes, uniques = pd.factorize(column)
    return np.asarray(codes, np.int64), list(uniques)


def _as_objects(values: Sequence[Any]) -> np.ndarray:
    """A 1-d object array holding ``values`` as they are (tuples stay elements)."""
    return np.fromiter(values, dtype=object, count=len(values))


def _names_index(raw: list[Any], present: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Sorted ``str`` of the distinct ``raw`` values at ``present``, and the position of
    each raw value among them (-1 when not present; one more entry, -1, for missing)."""
    text = [str(value) for value in raw]
    names = sorted({text[int(i)] for i in present})
    position = {name: i for i, name in enumerate(names)}
    out = np.full(len(raw) + 1, -1, np.int64)
    for i in present.tolist():
        out[i] = position[text[i]]
    return names, out


def consensus_items(codings: pd.DataFrame, counted: Mapping[str, Sequence[str]],
                    *, codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Items (clusters) of the counted coders' codings, one row each (:data:`ITEM_COLUMNS`).

    ``codings`` needs ``coding_uuid``, ``document``, ``code``, ``coder``, ``start``,
    ``end``; ``counted`` maps each document considered to its voting coders (see
    :func:`counted_coders`); documents not in it are left out. ``start``/``end`` of an item
    are the span of its ranges; ``ranges`` lists ``(coder, start, end, uuid)``. Rows are
    ordered by document, code (``codes`` order when given), start. ``attrs`` counts the
    codings left out because their coder did not vote on the document.

    Built with array operations over the codings (one sort, reductions per cluster) and
    one Python pass per item for its tuples and the SHA-256 of its id.
    """
    need = ("coding_uuid", "document", "code", "coder", "start", "end")
    missing = [c for c in need if c not in codings.columns]
    if missing:
        raise ConsensusError(f"the codings frame has no column(s) {missing}; pass "
                             "project.codings().")
    items, not_counted = _consensus_items(codings, counted, codes)
    items.attrs["n_codings_not_counted"] = not_counted
    items.attrs["majority_rule"] = MAJORITY_RULE
    return items


def _consensus_items(codings: pd.DataFrame, counted: Mapping[str, Sequence[str]],
                     codes: Sequence[str] | None) -> tuple[pd.DataFrame, int]:
    doc_c, doc_u = _factorize(codings["document"])
    coder_c, coder_u = _factorize(codings["coder"])
    code_c, code_u = _factorize(codings["code"])
    # which (document, coder) votes: a table over the distinct values (last row/column:
    # missing values, which never vote)
    coder_at = {c: j for j, c in enumerate(coder_u)}
    vote = np.zeros((len(doc_u) + 1, len(coder_u) + 1), bool)
    in_counted = np.zeros(len(doc_u) + 1, bool)
    for i, doc in enumerate(doc_u):
        if doc in counted:
            in_counted[i] = True
            for name in counted[doc]:
                j = coder_at.get(name)
                if j is not None:
                    vote[i, j] = True
    voting = vote[doc_c, coder_c]
    not_counted = int(in_counted[doc_c].sum() - voting.sum())
    if codes is None:
        used = code_c[voting]
        present = np.flatnonzero(np.bincount(used[used >= 0], minlength=len(code_u)))
        wanted = sorted(code_u[int(i)] for i in present)
    else:
        wanted = list(codes)
    order = {c: i for i, c in enumerate(wanted)}
    rank_u = np.array([order.get(c, -1) for c in code_u] + [-1], np.int64)
    rows = np.flatnonzero(voting & (rank_u[code_c] >= 0))
    doc_names, doc_map = _names_index(doc_u, _present(doc_c[rows], len(doc_u)))
    coder_names, coder_map = _names_index(coder_u, _present(coder_c[rows], len(coder_u)))
    doc_id, coder_id = doc_map[doc_c[rows]], coder_map[coder_c[rows]]
    group = doc_id * (len(order) + 1) + rank_u[code_c[rows]]
    starts = codings["start"].to_numpy(np.int64)[rows]
    ends = codings["end"].to_numpy(np.int64)[rows]
    sort = _order(group, starts, ends, coder_id, len(coder_names))
    rows, group, doc_id, coder_id = rows[sort], group[sort], doc_id[sort], coder_id[sort]
    starts, ends = starts[sort], ends[sort]
    new_group = np.r_[True, group[1:] != group[:-1]] if len(group) else np.zeros(0, bool)
    reach = _group_cummax(ends, np.cumsum(new_group) - 1)
    new_cluster = new_group.copy()
    if len(new_cluster):
        new_cluster[1:] |= starts[1:] >= reach[:-1]
    lo = np.flatnonzero(new_cluster)
    hi = np.r_[lo[1:], len(rows)].astype(np.int64)
    uuids = _fresh(codings["coding_uuid"].to_numpy(object)[rows])
    code_text = np.array([str(c) for c in code_u] + [""], object)
    items = _items(counted, doc_names, coder_names, doc_id, coder_id, code_text[code_c[rows]],
                   uuids, starts, ends, new_group, new_cluster, lo, hi)
    return items, not_counted


def _fresh(values: np.ndarray) -> list[str]:
    """``values`` as a list of str: new copies made one after the other (they are read many
    times in this order, and the originals lie scattered in memory)."""
    try:
        joined = "\n".join(values.tolist())
    except TypeError:  # not all str
        return [str(v) for v in values.tolist()]
    parts = joined.split("\n")
    return parts if len(parts) == len(values) else values.tolist()


def _ints(values: np.ndarray) -> list[int]:
    """``values.tolist()``, equal values sharing one int object when their range is small."""
    if len(values) and int(values.min()) >= 0 and int(values.max()) < 4 * len(values) + 1024:
        return np.arange(int(values.max()) + 1).astype(object)[values].tolist()
    return values.tolist()


def _present(codes: np.ndarray, n: int) -> np.ndarray:
    """The distinct values among ``codes`` (all in 0..n-1), ascending."""
    return np.flatnonzero(np.bincount(codes, minlength=n))


def _order(group: np.ndarray, starts: np.ndarray, ends: np.ndarray, coder_id: np.ndarray,
           n_coders: int) -> np.ndarray:
    """The stable order by group, start, end, coder: one int64 key when it fits."""
    if not len(group):
        return np.zeros(0, np.intp)
    s0, e0 = int(starts.min()), int(ends.min())
    width_s, width_e = int(starts.max()) - s0 + 1, int(ends.max()) - e0 + 1
    if (int(group.max()) + 1) * width_s * width_e * max(n_coders, 1) < 2 ** 63:
        key = ((group * width_s + (starts - s0)) * width_e + (ends - e0)) * max(n_coders, 1) \
            + coder_id
        return np.argsort(key, kind="stable")
    return np.lexsort((coder_id, ends, starts, group))


def _group_cummax(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Running maximum of ``values`` within each run of equal, ascending ``groups``."""
    if not len(values):
        return values.copy()
    low = int(values.min())
    width = int(values.max()) - low + 1
    if int(groups[-1]) < (2 ** 62) // width:  # shift each group above the ones before it
        offset = groups.astype(np.int64) * width
        return np.maximum.accumulate(values - low + offset) - offset + low
    return pd.Series(values).groupby(groups).cummax().to_numpy()


def _items(counted: Mapping[str, Sequence[str]], doc_names: list[str],
           coder_names: list[str], doc_id: np.ndarray, coder_id: np.ndarray,
           code_text: np.ndarray, uuids: list[str], starts: np.ndarray,
           ends: np.ndarray, new_group: np.ndarray, new_cluster: np.ndarray, lo: np.ndarray,
           hi: np.ndarray) -> pd.DataFrame:
    """One row per cluster ``lo:hi`` of the sorted codings (as in :func:`consensus_items`):
    the numbers with array reductions; the tuples that only depend on who votes and who
    applied made once and shared; per item only its ranges, uuids and id."""
    if not len(lo):
        return pd.DataFrame(columns=list(ITEM_COLUMNS))
    n_rows = hi - lo
    span_start = np.minimum.reduceat(starts, lo)
    span_end = np.maximum.reduceat(ends, lo)
    same = ((span_start == np.maximum.reduceat(starts, lo))
            & (span_end == np.minimum.reduceat(ends, lo)))
    cdoc = doc_id[lo]
    names_of = [tuple(counted[d]) for d in doc_names]
    panels: dict[tuple[str, ...], int] = {}
    panel_of = np.array([panels.setdefault(n, len(panels)) for n in names_of], np.int64)
    panel_names = list(panels)
    cpanel = panel_of[cdoc]
    key, first = _voter_sets(cpanel, coder_id, lo, hi, len(panel_names), len(coder_names))
    applied_t, not_applied_t, n_t = [], [], []
    for i in first.tolist():
        names = panel_names[int(cpanel[i])]
        present = {coder_names[j] for j in coder_id[lo[i]:hi[i]].tolist()}
        applied = tuple(c for c in names if c in present)
        applied_t.append(applied)
        not_applied_t.append(tuple(c for c in names if c not in present))
        n_t.append(len(applied))
    n = np.asarray(n_t, np.int64)[key]
    k = np.array([len(p) for p in panel_names], np.int64)[cpanel]
    unanimous = (k >= 2) & (n == k) & (n_rows == k) & same
    top = int(max(n.max(), k.max())) + 1
    votes = np.empty((top, top), object)
    for a, b in itertools.product(range(top), range(top)):
        votes[a, b] = f"{a} of {b}"
    said = np.where(2 * n > k, 0, np.where(2 * n < k, 1, 2))
    # per item: its uuids (sorted) and ranges, tuples sliced from one tuple of all rows.
    # Many tuples are made: they are collected into object arrays (np.fromiter with a
    # count), which the garbage collector does not scan, rather than into growing lists.
    n_items = len(lo)
    lo_l, hi_l = lo.tolist(), hi.tolist()
    every_uuid = tuple(uuids)
    sorted_uuids = np.fromiter(map(every_uuid.__getitem__, map(slice, lo_l, hi_l)), object,
                               count=n_items)
    # sort the uuids of the items where they are out of order
    ordered = _as_objects(uuids)
    inverted = np.flatnonzero((ordered[1:] < ordered[:-1]) & ~new_cluster[1:]) + 1
    several = np.unique((np.cumsum(new_cluster) - 1)[inverted])
    sorted_uuids[several] = np.fromiter(map(tuple, map(sorted, sorted_uuids[several])),
                                        object, count=len(several))
    coders_ = np.array(coder_names, object)[coder_id].tolist()
    every_range = tuple(np.fromiter(zip(coders_, _ints(starts), _ints(ends), every_uuid,
                                        strict=True), object, count=len(uuids)).tolist())
    ranges = np.fromiter(map(every_range.__getitem__, map(slice, lo_l, hi_l)), object,
                         count=n_items)
    group_lo = np.flatnonzero(new_group)
    prefixes = _as_objects([f"{doc_names[int(d)]}|{c}|" for d, c in
                            zip(doc_id[group_lo], code_text[group_lo], strict=True)])
    prefix = prefixes[(np.cumsum(new_group) - 1)[lo]]
    names_json = [json.dumps(sorted(map(str, names))) for names in panel_names]
    ids = prefix + _digests(sorted_uuids, lo, cpanel, names_json)
    return pd.DataFrame({
        "item_id": ids, "document": np.array(doc_names, object)[cdoc],
        "code": code_text[lo], "start": span_start, "end": span_end,
        "status": np.array(["open", "unanimous"], object)[unanimous.astype(np.intp)],
        "n": n, "k": k, "votes": votes[n, k],
        "majority": np.array(["applied", "not applied", "tie"], object)[said],
        "applied_by": _as_objects(applied_t)[key],
        "not_applied_by": _as_objects(not_applied_t)[key],
        "counted_coders": _as_objects(panel_names)[cpanel],
        "coding_uuids": sorted_uuids, "ranges": ranges,
    }, columns=list(ITEM_COLUMNS), copy=False)


def _voter_sets(panel: np.ndarray, coder_id: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                n_panels: int, n_coders: int) -> tuple[np.ndarray, np.ndarray]:
    """Per cluster the number of its (panel of counted coders, set of coders with a range)
    and, per such pair, its first cluster."""
    if n_coders <= 62:  # the set as a bit mask in an int64
        mask = np.bitwise_or.reduceat(np.left_shift(np.int64(1), coder_id.astype(np.int64)),
                                      lo)
        if n_panels < 2 ** (62 - n_coders):
            _, first, key = np.unique(panel.astype(np.int64) << n_coders | mask,
                                      return_index=True, return_inverse=True)
        else:
            _, first, key = np.unique(np.stack([panel.astype(np.int64), mask], 1), axis=0,
                                      return_index=True, return_inverse=True)
        return key.reshape(-1), first
    sets = [(int(d), tuple(sorted(set(coder_id[a:b].tolist()))))
            for d, a, b in zip(panel, lo, hi, strict=True)]
    index: dict[tuple[int, tuple[int, ...]], int] = {}
    key_l: list[int] = []
    first_l: list[int] = []
    for i, value in enumerate(sets):
        j = index.setdefault(value, len(first_l))
        if j == len(first_l):
            first_l.append(i)
        key_l.append(j)
    return np.asarray(key_l, np.int64), np.asarray(first_l, np.int64)


#: How :func:`item_id`'s JSON payload joins the uuids: written as themselves between quotes
#: (plain printable ASCII without quotes or backslashes) or as ``json.dumps`` escapes them.
_PLAIN_JSON = ('", "', '[["', '"], ')
_ESCAPED_JSON = (", ", "[[", "], ")
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)
_DIGEST = operator.methodcaller("digest")
_CONTROL = bytes(range(32)) + b"\x7f"


def _digests(sorted_uuids: np.ndarray, lo: np.ndarray, panel: np.ndarray,
             names_json: list[str]) -> np.ndarray:
    """The digest part of :func:`item_id` for every cluster (object array of str).

    The JSON payloads ``[[uuids...], [names...]]`` (the bytes ``json.dumps`` writes) are
    written into one text, one a line, and hashed line by line. First with every uuid
    written as itself between quotes, which is what ``json.dumps`` writes when the text
    is printable ASCII and no uuid has a quote or backslash (checked on the whole text,
    counting them); else with each uuid escaped as ``json.dumps`` does (ASCII, no line
    breaks)."""
    flat = np.fromiter(itertools.chain.from_iterable(sorted_uuids), object,
                       count=int(lo[-1]) + len(sorted_uuids[-1]))
    n = len(flat)
    quotes = np.array([t.count('"') for t in names_json], np.int64)[panel].sum() + 2 * n
    slashes = np.array([t.count("\\") for t in names_json], np.int64)[panel].sum()
    for plain in (True, False):
        between, opening, closing = _PLAIN_JSON if plain else _ESCAPED_JSON
        tails = [closing + names + "]" for names in names_json]
        if not plain:
            flat = _as_objects([encode_basestring_ascii(u) for u in flat])
        # before each uuid: the separator or, first of its item, the previous item's tail,
        # a line break and the opening
        pieces = np.empty(2 * n + 1, object)
        pieces[0:2 * n:2] = between
        pieces[2 * lo[1:]] = _as_objects([t + "\n" + opening for t in tails])[panel[:-1]]
        pieces[0] = opening
        pieces[1:2 * n:2] = flat
        pieces[2 * n] = tails[int(panel[-1])]
        text = "".join(pieces.tolist())
        if not plain:
            data = text.encode("ascii")
            break
        if text.isascii() and text.count('"') == quotes and text.count("\\") == slashes:
            data = text.encode("ascii")
            if len(data.translate(None, _CONTROL)) == len(data) - len(lo) + 1:
                break  # no control character but the line breaks
    digests = b"".join(map(_DIGEST, map(hashlib.sha256, data.split(b"\n"))))
    raw = np.frombuffer(digests, np.uint8).reshape(-1, 32)[:, :8]
    hexed = np.empty((len(raw), 17), np.uint8)
    hexed[:, 0:16:2] = _HEX[raw >> 4]
    hexed[:, 1:16:2] = _HEX[raw & 15]
    hexed[:, 16] = ord("\n")
    return _as_objects(hexed.tobytes().decode("ascii").split("\n")[:-1])


def consensus_layer(items: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """The consensus coding: unanimous items and settled items (:data:`LAYER_COLUMNS`).

    ``decisions`` holds the current decisions (``decision_id``, ``item_id``, ``kind``,
    ``start``, ``end``, ``new_code``, ``revision``, ``decided_by``, ``decided_at``,
    ``reason``, ``votes``, ``k``, ``rests_on``). A decision whose item is not among
    ``items`` is stale and left out. ``attrs``: ``n_unanimous``, ``n_decisions`` (used),
    ``n_open`` (items not in the layer for want of a decision), ``n_rejected``,
    ``n_stale_decisions``.
    """
    item_ids = items["item_id"].to_numpy(object)
    if len(item_ids) and pd.api.types.infer_dtype(item_ids, skipna=False) != "string":
        item_ids = items["item_id"].astype(str).to_numpy(object)
    if len(decisions):
        keys = decisions["item_id"].astype(str)
        last = ~keys.duplicated(keep="last").to_numpy()  # the last decision of an item counts
        chosen = decisions[last]
        found = pd.Index(keys[last]).get_indexer(item_ids)
    else:
        chosen = decisions
        found = np.full(len(items), -1, np.intp)
    decided = found >= 0
    kinds = chosen["kind"].to_numpy(object) if len(chosen) else np.zeros(0, object)
    kind = kinds[found[decided]] if decided.any() else np.zeros(0, object)
    status = items["status"].to_numpy(object)
    unanimous = ~decided & (status == "unanimous")
    rejected = np.zeros(len(items), bool)
    rejected[decided] = kind == "reject"
    used = decided & ~rejected
    keep = unanimous | used
    n_open = int((~decided & ~unanimous).sum())
    n_stale = len(chosen) - len(np.unique(found[decided]))
    at = np.flatnonzero(keep)
    layer = _layer_rows(items, chosen, at, found[at], unanimous[at])
    layer.attrs.update(
        n_unanimous=int(unanimous.sum()), n_decisions=int(decided.sum()), n_open=n_open,
        n_rejected=int(rejected.sum()), n_stale_decisions=int(n_stale))
    return layer


_KEEP = object()  # a settled item's code stays unless recoded


def _decided(d: pd.DataFrame) -> dict[str, list[Any]]:
    """The layer's columns for the settled items decided by ``d`` (one row each)."""
    kinds = d["kind"].astype(str).tolist()
    ids = [int(v) for v in d["decision_id"]]
    revisions = [int(v) for v in d["revision"]]
    votes = [int(v) for v in d["votes"]]
    ks = [int(v) for v in d["k"]]
    return {
        "code": [nc if kd == "recode" else _KEEP for kd, nc in
                 zip(kinds, d["new_code"].tolist(), strict=True)],
        "start": [int(v) for v in d["start"]], "end": [int(v) for v in d["end"]],
        "provenance": [f"decision {kd} (#{i}, revision {r})"
                       for kd, i, r in zip(kinds, ids, revisions, strict=True)],
        "votes": [f"{v} of {k}" for v, k in zip(votes, ks, strict=True)],
        "n": votes, "k": ks, "decision_id": ids, "revision": revisions,
        "decided_by": d["decided_by"].tolist(), "decided_at": d["decided_at"].tolist(),
        "reason": d["reason"].tolist(),
    }


def _layer_rows(items: pd.DataFrame, chosen: pd.DataFrame, at: np.ndarray,
                found: np.ndarray, unanimous: np.ndarray) -> pd.DataFrame:
    """The layer's rows: items ``at`` (in order), unanimous or settled by ``chosen``'s row
    ``found``; each column of the type a frame of such rows would infer (int64, or float64
    with NaN when unanimous rows leave it empty, object for text)."""
    if not len(at):
        return pd.DataFrame(columns=list(LAYER_COLUMNS))
    m = len(at)
    k = items["k"].to_numpy(np.int64)[at]
    columns: dict[str, Any] = {
        name: items[name].to_numpy(object)[at] for name in ("item_id", "document", "code")}
    columns.update({name: items[name].to_numpy(np.int64)[at] for name in ("start", "end", "n")})
    same = {int(v): f"{v} of {v}" for v in np.unique(k).tolist()}
    columns.update(
        k=k, provenance=np.full(m, "unanimous", object),
        votes=_as_objects([same[v] for v in k.tolist()]), reason=np.full(m, "", object),
        decided_by=np.full(m, None, object))
    where = np.flatnonzero(~unanimous)
    settled = _decided(chosen.iloc[found[~unanimous]]) if len(where) else {}
    for name in ("decision_id", "revision"):
        if not len(where):
            columns[name] = np.full(m, None, object)
        elif len(where) == m:
            columns[name] = np.asarray(settled[name], np.int64)
        else:
            columns[name] = np.full(m, np.nan)
            columns[name][where] = settled[name]
    decided_at: list[Any] = [None] * m
    for name, values in settled.items():
        if name == "decided_at":
            for i, value in zip(where.tolist(), values, strict=True):
                decided_at[i] = value
        elif name not in ("decision_id", "revision"):
            column = columns[name]
            for i, value in zip(where.tolist(), values, strict=True):
                if value is not _KEEP:
                    column[i] = value
    columns["decided_at"] = decided_at
    columns["rests_on"] = np.fromiter(map(list, items["coding_uuids"].to_numpy(object)[at]),
                                      object, count=m)
    return pd.DataFrame(columns, columns=list(LAYER_COLUMNS))
