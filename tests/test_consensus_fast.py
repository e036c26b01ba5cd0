"""The array-built consensus items and layer against plain implementations (issue 13, pt 10).

:func:`consensus_items` builds its items with array operations and hashes the item ids from
one JSON text; :func:`consensus_layer` merges with the decisions by index. Here both are
compared, on random codings, with the obvious code: a Python sweep per document and code,
:func:`item_id` per item, and a loop over the items for the layer. The inputs include
non-ASCII, quoted, backslashed and control-character uuids and names, uuids that are not
str, coders not counted on a document, and more than 62 coders (no bit masks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pytest

from workbench.analysis.consensus import (
    ITEM_COLUMNS,
    LAYER_COLUMNS,
    consensus_items,
    consensus_layer,
    item_id,
    majority,
)

ODD = ["é", "ü", '"', "\\", "\n", "\x01", "\x7f", "|", " ", "漢", "\U0001f600", "]", "[", ","]


def plain_items(codings: pd.DataFrame, counted: Mapping[str, Sequence[str]],
                codes: Sequence[str] | None = None) -> pd.DataFrame:
    """The items the obvious way: filter row by row, sort, sweep, one dict per item."""
    rows = [r for r in codings.itertuples(index=False)
            if r.document in counted and r.coder in list(counted[r.document])]
    if codes is not None:
        rows = [r for r in rows if r.code in list(codes)]
    order = {c: i for i, c in enumerate(codes if codes is not None
                                        else sorted({r.code for r in rows}))}
    groups: dict[tuple[str, int], list] = {}
    for r in rows:
        groups.setdefault((str(r.document), order[r.code]), []).append(r)
    out = []
    for (document, _), group in sorted(groups.items()):
        group.sort(key=lambda r: (r.start, r.end, str(r.coder)))
        clusters: list[list] = []
        reach = None
        for r in group:
            if reach is None or r.start >= reach:
                clusters.append([])
                reach = r.end
            clusters[-1].append(r)
            reach = max(reach, r.end)
        for cluster in clusters:
            names = list(counted[document])
            present = {str(r.coder) for r in cluster}
            applied = tuple(c for c in names if c in present)
            n, k = len(applied), len(names)
            same = len({(r.start, r.end) for r in cluster}) == 1
            uuids = [str(r.coding_uuid) for r in cluster]
            code = str(cluster[0].code)
            out.append({
                "item_id": item_id(document, code, uuids, names), "document": document,
                "code": code, "start": min(r.start for r in cluster),
                "end": max(r.end for r in cluster),
                "status": "unanimous" if k >= 2 and n == k and len(cluster) == k and same
                else "open",
                "n": n, "k": k, "votes": f"{n} of {k}", "majority": majority(n, k),
                "applied_by": applied,
                "not_applied_by": tuple(c for c in names if c not in present),
                "counted_coders": tuple(names), "coding_uuids": tuple(sorted(uuids)),
                "ranges": tuple((str(r.coder), int(r.start), int(r.end), str(r.coding_uuid))
                                for r in cluster)})
    return pd.DataFrame(out, columns=list(ITEM_COLUMNS))


def plain_layer(items: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """The layer as a loop over the items (the implementation before the vectorised one)."""
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


def _name(rng: np.random.Generator, stem: str, odd: bool) -> str:
    extra = "".join(rng.choice(ODD, size=int(rng.integers(1, 3)))) if odd else ""
    return f"{stem}{extra}"


def random_case(seed: int, *, n_coders: int = 4, odd: bool = False, n_docs: int = 5,
                per_doc: int = 40) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    rng = np.random.default_rng(seed)
    coders = sorted({_name(rng, f"c{i:02d}", odd and i % 3 == 0) for i in range(n_coders)})
    docs = [_name(rng, f"doc{i}", odd and i % 2 == 0) for i in range(n_docs)]
    codes = [_name(rng, f"k{i}", odd and i == 1) for i in range(4)]
    rows = []
    for d in docs:
        for _ in range(per_doc):
            start = int(rng.integers(0, 400))
            end = start + int(rng.integers(1, 60))
            code = codes[int(rng.integers(0, len(codes)))]
            for c in rng.choice(coders, size=int(rng.integers(1, min(n_coders, 5) + 1)),
                                replace=False):
                wiggle = int(rng.integers(-3, 4)) if rng.random() < 0.3 else 0
                rows.append((d, code, str(c), max(0, start + wiggle), end))
    frame = pd.DataFrame(rows, columns=["document", "code", "coder", "start", "end"])
    frame["coding_uuid"] = [
        _name(rng, f"u{i:05d}", odd and rng.random() < 0.2) for i in rng.permutation(len(rows))]
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    # counted: most documents everyone, one with a subset, one with a coder who coded
    # nothing there; one document of the codings is not considered at all
    counted = {d: list(coders) for d in docs[:-1]}
    counted[docs[0]] = list(coders[: max(1, n_coders // 2)])
    counted[docs[1]] = [*coders, "nobody"]
    return frame, counted


def _compare(fast: pd.DataFrame, plain: pd.DataFrame) -> None:
    assert list(fast.columns) == list(ITEM_COLUMNS)
    assert len(fast) == len(plain)
    for column in ITEM_COLUMNS:
        assert fast[column].tolist() == plain[column].tolist(), column


@pytest.mark.parametrize(("seed", "n_coders", "odd"), [
    (1, 4, False), (2, 3, True), (3, 7, True), (4, 70, False), (5, 70, True), (6, 2, False)])
def test_items_match_the_plain_implementation(seed: int, n_coders: int, odd: bool):
    codings, counted = random_case(seed, n_coders=n_coders, odd=odd)
    for codes in (None, sorted(set(codings["code"]))[::-1][:3]):
        fast = consensus_items(codings, counted, codes=codes)
        _compare(fast, plain_items(codings, counted, codes))
        considered = codings[codings["document"].isin(list(counted))]
        voting = sum(c in counted[d] for d, c in zip(considered["document"],
                                                     considered["coder"], strict=True))
        assert fast.attrs["n_codings_not_counted"] == len(considered) - voting


def test_item_ids_are_those_of_item_id_for_tricky_uuids_and_names():
    tricky = ['a"b', "a\\b", "é", "\n", "\x00", "\x7f", "", "x]][[\"y", "漢字", "\ud800"]
    codings = pd.DataFrame({
        "coding_uuid": tricky, "document": "dö|c", "code": "kö",
        "coder": ["ana", 'b"en'] * 5, "start": [10 * i for i in range(10)],
        "end": [10 * i + 15 for i in range(10)]})
    counted = {"dö|c": ["ana", 'b"en', "ç\\x"]}
    _compare(consensus_items(codings, counted), plain_items(codings, counted))
    plain_only = codings.assign(coding_uuid=[f"u{i}" for i in range(10)])
    _compare(consensus_items(plain_only, counted), plain_items(plain_only, counted))


def test_uuids_that_are_not_str_are_read_as_str():
    codings, counted = random_case(7)
    as_ints = codings.assign(coding_uuid=range(len(codings)))
    fast = consensus_items(as_ints, counted)
    _compare(fast, plain_items(as_ints, counted))
    assert isinstance(fast["coding_uuids"].iat[0][0], str)


def _decisions(items: pd.DataFrame, seed: int) -> pd.DataFrame:
    chosen = items[items["status"] == "open"].sample(frac=0.5, random_state=seed)
    rows = []
    for i, item in enumerate(chosen.itertuples()):
        kind = ["apply", "reject", "adjust", "recode"][i % 4]
        _, s, e, _ = item.ranges[0]
        rows.append({"decision_id": i + 1, "item_id": item.item_id, "kind": kind,
                     "start": None if kind == "reject" else s,
                     "end": None if kind == "reject" else e,
                     "new_code": "other" if kind == "recode" else None,
                     "revision": 1 + i % 2, "decided_by": f"team {i % 3}",
                     "decided_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
                     + dt.timedelta(minutes=i), "reason": "why" if i % 2 else "",
                     "votes": item.n, "k": item.k, "rests_on": {}})
    # a stale decision (its item is gone) and an item decided twice (the last counts)
    rows.append({**rows[0], "decision_id": 900, "item_id": "gone|x|0000"})
    rows.append({**rows[1], "decision_id": 901, "kind": "apply", "start": rows[0]["start"],
                 "end": rows[0]["end"]})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_layer_matches_the_plain_loop(seed: int):
    codings, counted = random_case(seed, odd=seed == 2)
    items = consensus_items(codings, counted)
    decisions = _decisions(items, seed)
    for chosen in (decisions, decisions.iloc[:0], pd.DataFrame()):
        fast, plain = consensus_layer(items, chosen), plain_layer(items, chosen)
        pd.testing.assert_frame_equal(fast, plain)
        assert fast.attrs == plain.attrs
    decided = items[items["item_id"].isin(decisions["item_id"])]  # every layer row a decision
    pd.testing.assert_frame_equal(consensus_layer(decided, decisions),
                                  plain_layer(decided, decisions))
    unanimous = items[items["status"] == "unanimous"]  # none
    pd.testing.assert_frame_equal(consensus_layer(unanimous, decisions),
                                  plain_layer(unanimous, decisions))
    settled = items.assign(status=np.where(items["item_id"].isin(decisions["item_id"]),
                                           "settled", items["status"]))
    pd.testing.assert_frame_equal(consensus_layer(settled, decisions),
                                  plain_layer(settled, decisions))


def test_empty_inputs():
    codings, counted = random_case(8)
    none = consensus_items(codings.iloc[:0], counted)
    assert list(none.columns) == list(ITEM_COLUMNS) and none.empty
    assert consensus_items(codings, {}).empty
    assert consensus_layer(none, pd.DataFrame()).empty
