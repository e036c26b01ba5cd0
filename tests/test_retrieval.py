"""Retrieval of coded passages: the query model, sources, context, and the project API."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from retrieval_data import DOC, OTHER, build, span

import workbench
from workbench import (
    NotFoundError,
    Project,
    RetrievalError,
    UnknownCodeError,
    UnknownCoderError,
    create_project,
    retrieve,
)
from workbench.analysis.retrieval import (
    PASSAGE_COLUMNS,
    And,
    Code,
    Not,
    Or,
    query_codes,
    retrieve_passages,
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    built = build(create_project(tmp_path_factory.mktemp("r") / "r.sqlite"), second=True)
    yield built
    built.close()


@pytest.fixture(scope="module")
def text(project: Project) -> str:
    return project.document_text(DOC)


def passages(frame: pd.DataFrame) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    return [(r.text, r.codes, r.coders) for r in frame.itertuples()]


def test_one_code_pooled_merges_overlapping_codings(project: Project, text: str) -> None:
    out = retrieve(project, Code("anxiety"))
    assert list(out.columns) == list(PASSAGE_COLUMNS)
    assert passages(out) == [("I felt tense.", ("anxiety",), ("ana", "ben"))]
    row = out.iloc[0]
    assert (row.document, row.start, row.end) == (DOC, *span(text, "I felt tense."))
    assert (row.speaker, row.role, row.turn_index, row.segment_index) == (
        "Client", "participant", 2, 2)
    assert row.video_time == 60.0
    assert row.n_codings == 2 and len(row.coding_uuids) == 2
    assert set(row.coding_uuids) == set(project.codings(document=DOC).query(
        "code == 'anxiety'")["coding_uuid"])


def test_a_plain_string_is_one_code(project: Project) -> None:
    assert passages(retrieve(project, "repair")) == [
        ("Then we talked it through.", ("repair",), ("ana",))]


def test_one_coder_sees_only_their_codings(project: Project, text: str) -> None:
    out = retrieve(project, "anxiety", source="ben")
    assert passages(out) == [("tense", ("anxiety",), ("ben",))]
    assert (out.start.iloc[0], out.end.iloc[0]) == span(text, "tense")
    assert out.attrs["source"] == "coder 'ben'"
    both = retrieve(project, "rupture", source=["ana", "ben"])
    assert passages(both) == [("I was feeling judged.", ("rupture",), ("ana", "ben"))]
    assert passages(retrieve(project, "anxiety", source="chloe")) == []
    assert passages(retrieve(project, "anxiety", source="everyone")) == passages(
        retrieve(project, "anxiety", source="pooled"))


def test_and_in_the_same_turn_returns_the_ranges_of_both(project: Project) -> None:
    out = retrieve(project, Code("anxiety") & Code("withdrawal"))
    assert passages(out) == [
        ("I felt tense.", ("anxiety",), ("ana", "ben")),
        ("I went quiet. She noticed.", ("withdrawal",), ("ana", "ben")),
    ]
    assert retrieve(project, And(Code("anxiety"), Code("rupture"))).empty  # other turns


def test_and_within_segments(project: Project) -> None:
    same = And(Code("anxiety"), Code("withdrawal"), within="segment")
    assert retrieve(project, same).empty  # segments 2 and 3
    assert retrieve(project, And(Code("anxiety"), Code("withdrawal"), within=0)).empty
    near = retrieve(project, And(Code("anxiety"), Code("withdrawal"), within=1))
    assert [p[0] for p in passages(near)] == ["I felt tense.", "I went quiet. She noticed."]
    # anxiety on segment 2, rupture on segment 6: distance 4, across the interviewer's turn
    assert retrieve(project, And(Code("anxiety"), Code("rupture"), within=3)).empty
    far = retrieve(project, And(Code("anxiety"), Code("rupture"), within=4))
    assert [p[0] for p in passages(far)] == ["I felt tense.", "I was feeling judged."]
    # ben's withdrawal runs over segments 3-4; rupture on 6 is 2 away from its end
    assert passages(retrieve(project, And(Code("withdrawal"), Code("rupture"), within=2),
                             source="ben")) == [
        ("I went quiet. She noticed.", ("withdrawal",), ("ben",)),
        ("judged", ("rupture",), ("ben",))]
    assert retrieve(project, And(Code("withdrawal"), Code("rupture"), within=1),
                    source="ben").empty


def test_and_not(project: Project) -> None:
    assert retrieve(project, Code("anxiety") - Code("withdrawal")).empty
    assert passages(retrieve(project, Not(Code("rupture"), Code("withdrawal")))) == [
        ("I was feeling judged.", ("rupture",), ("ana", "ben"))]
    assert retrieve(project, Not(Code("rupture"), Code("repair"))).empty  # same turn
    assert passages(retrieve(project, Not(Code("rupture"), Code("repair"),
                                          within="segment"))) == [
        ("I was feeling judged.", ("rupture",), ("ana", "ben"))]
    # ben never coded repair: for him every rupture is "rupture and not repair"
    assert passages(retrieve(project, Not(Code("rupture"), Code("repair")), source="ben")) == [
        ("judged", ("rupture",), ("ben",))]


def test_or_and_nesting(project: Project) -> None:
    out = retrieve(project, Code("anxiety") | Code("repair"))
    assert [p[0] for p in passages(out)] == ["I felt tense.", "Then we talked it through."]
    nested = (Code("anxiety") | Code("rupture")) & Code("withdrawal")
    assert [p[0] for p in passages(retrieve(project, nested))] == [
        "I felt tense.", "I went quiet. She noticed."]
    assert query_codes(nested) == ["anxiety", "rupture", "withdrawal"]
    assert str(nested) == "((anxiety OR rupture) AND withdrawal in the same turn)"


def test_same_coder(project: Project) -> None:
    query = And(Code("anxiety"), Code("repair"), within=10, same_coder=True)
    assert passages(retrieve(project, query)) == [
        ("I felt tense.", ("anxiety",), ("ana",)),
        ("Then we talked it through.", ("repair",), ("ana",))]
    anyone = And(Code("anxiety"), Code("repair"), within=10)
    assert passages(retrieve(project, anyone))[0] == ("I felt tense.", ("anxiety",),
                                                      ("ana", "ben"))


def test_context_turn_and_segments(project: Project, text: str) -> None:
    turn = retrieve(project, "withdrawal", source="ana").iloc[0]
    assert turn.context == "I felt tense. I went quiet. She noticed."
    assert turn.context[turn.start - turn.context_start:turn.end - turn.context_start] == \
        "I went quiet."
    one = retrieve(project, "anxiety", context=1).iloc[0]
    assert one.context == "What was going on?\nClient: I felt tense. I went quiet."
    assert text[one.context_start:one.context_end] == one.context
    edge = retrieve(project, "repair", context=5).iloc[0]  # clipped at the document's end
    assert edge.context.endswith("Feelings settle.")
    assert edge.context.startswith("I felt tense.")  # segment 7 - 5 = 2
    with pytest.raises(RetrievalError, match="not a context"):
        retrieve(project, "repair", context="sentence")  # type: ignore[arg-type]


def test_documents_filter_and_attrs(project: Project) -> None:
    assert retrieve(project, "anxiety", documents=[OTHER]).empty
    out = retrieve(project, "anxiety", documents=DOC)
    assert out.attrs["documents"] == [DOC]
    assert out.attrs["query"] == "anxiety" and out.attrs["codes"] == ["anxiety"]
    assert out.attrs["n_codings"] == 2
    assert "1 passage for anxiety" in out.attrs["caption"]
    with pytest.raises(NotFoundError, match="R1_clinet"):
        retrieve(project, "anxiety", documents=["R1_clinet"])


def test_unknown_code_coder_and_bad_queries(project: Project) -> None:
    with pytest.raises(UnknownCodeError, match="did you mean 'anxiety'"):
        retrieve(project, Code("anxeity") & Code("repair"))
    with pytest.raises(UnknownCoderError, match="did you mean 'ana'"):
        retrieve(project, "anxiety", source="anna")
    with pytest.raises(RetrievalError, match="not a distance"):
        retrieve(project, And(Code("anxiety"), Code("repair"), within=-1))
    with pytest.raises(RetrievalError, match="not a retrieval query"):
        retrieve(project, And(Code("anxiety"), "repair"))  # type: ignore[arg-type]
    with pytest.raises(RetrievalError, match="not a source"):
        retrieve(project, "anxiety", source=[])


def test_consensus_needs_a_consensus_layer(tmp_path: Path) -> None:
    built = build(create_project(tmp_path / "c.sqlite"))
    try:
        with pytest.raises(RetrievalError, match="no consensus layer yet"):
            retrieve(built, "anxiety", source="consensus")
        items = built.consensus_items()
        item = items[items["status"] == "open"].iloc[0]
        _, start, end, _ = item["ranges"][0]
        built.decide(item["item_id"], "apply", start=start, end=end, reason="checked",
                     decided_by="team")
        layer = built.codings(source="consensus", with_attributes=False)
        out = retrieve(built, str(item["code"]), source="consensus")
        assert out.attrs["source"] == layer.attrs["source_caption"]
        assert set(out["coders"].map(tuple)) == {("consensus",)}
        wanted = layer[layer["code"] == item["code"]]
        assert len(wanted) >= 1
        for row in wanted.itertuples():
            assert ((out["start"] <= row.start) & (out["end"] >= row.end)).any()
    finally:
        built.close()


def test_retired_code_can_still_be_retrieved(tmp_path: Path) -> None:
    built = build(create_project(tmp_path / "x.sqlite"))
    try:
        built.retire_code("repair")
        assert passages(retrieve(built, "repair")) == [
            ("Then we talked it through.", ("repair",), ("ana",))]
    finally:
        built.close()


# -- the pure function against a brute-force reading of the semantics -----------------
def _brute(codings: pd.DataFrame, seg_of: dict[int, int], turn_of: dict[int, int],
           query: And | Not) -> set[int]:
    """Rows behind ``query`` (two Code leaves), by checking every pair."""
    def span_of(i: int, unit: str) -> tuple[int, int]:
        row = codings.iloc[i]
        covered = [s for s in seg_of if s < row.end and seg_of[s] > row.start]
        first, last = covered[0], covered[-1]  # segment starts, sorted
        if unit == "turn":
            return turn_of[first], turn_of[last]
        index = sorted(seg_of)
        return index.index(first), index.index(last)

    unit = "turn" if query.within == "turn" else "segment"
    n = 0 if query.within in ("turn", "segment") else int(query.within)
    left = [i for i in range(len(codings)) if codings.code.iloc[i] == query.left.key]
    right = [i for i in range(len(codings)) if codings.code.iloc[i] == query.right.key]

    def near(i: int, j: int) -> bool:
        (a0, a1), (b0, b1) = span_of(i, unit), span_of(j, unit)
        same = not query.same_coder or codings.coder.iloc[i] == codings.coder.iloc[j]
        return same and max(0, max(a0, b0) - min(a1, b1)) <= n

    if isinstance(query, Not):
        return {i for i in left if not any(near(i, j) for j in right)}
    return ({i for i in left if any(near(i, j) for j in right)}
            | {j for j in right if any(near(j, i) for i in left)})


def test_and_not_match_a_pairwise_check_on_random_codings() -> None:
    # one document: 12 segments of 10 characters (8 letters, 2 spaces), 3 per turn
    text = ("abcdefgh  " * 12)
    segments = pd.DataFrame({
        "document": "d", "turn_index": [i // 3 for i in range(12)],
        "segment_index": range(12), "speaker": "s", "role": "participant",
        "start": [10 * i for i in range(12)], "end": [10 * i + 8 for i in range(12)],
        "video_time": 0.0})
    seg_of = dict(zip(segments.start, segments.end, strict=True))
    turn_of = dict(zip(segments.start, segments.turn_index, strict=True))
    rng = np.random.default_rng(7)
    for trial in range(40):
        n = int(rng.integers(2, 14))
        starts = rng.integers(0, 110, n)
        lengths = rng.integers(1, 25, n)
        frame = pd.DataFrame({"document": "d", "start": starts,
                              "end": np.minimum(starts + lengths, 118),
                              "code": rng.choice(["x", "y"], n),
                              "coder": rng.choice(["a", "b"], n),
                              "coding_uuid": [f"u{trial}-{i}" for i in range(n)]})
        # keep ranges that cover a letter (a range on spaces only is placed elsewhere)
        frame = frame[[any(s < e and t > b for s, t in seg_of.items())
                       for b, e in zip(frame.start, frame.end, strict=True)]]
        frame = frame.reset_index(drop=True)
        for within, same, kind in itertools.product(("turn", "segment", 1, 3), (False, True),
                                                    (And, Not)):
            query = kind(Code("x"), Code("y"), within=within, same_coder=same)
            out = retrieve_passages(frame, segments, {"d": text}, query)
            got = {u for uuids in out.coding_uuids for u in uuids}
            want = set(frame.coding_uuid.iloc[sorted(_brute(frame, seg_of, turn_of, query))])
            assert got == want, (trial, query)


def test_passages_merge_only_overlapping_ranges() -> None:
    text = "one two three four"
    segments = pd.DataFrame({"document": "d", "turn_index": [0], "segment_index": [0],
                             "speaker": "s", "role": "participant", "start": [0],
                             "end": [len(text)], "video_time": [1.0]})
    codings = pd.DataFrame({"document": "d", "start": [0, 2, 8, 4], "end": [3, 7, 13, 7],
                            "code": "x", "coder": ["a", "b", "a", "c"]})
    out = retrieve_passages(codings, segments, {"d": text}, Code("x"))
    # [0,3) and [2,7) overlap, [4,7) inside; [8,13) only follows: separate
    assert [(r.start, r.end, r.text, r.coders, r.n_codings) for r in out.itertuples()] == [
        (0, 7, "one two", ("a", "b", "c"), 3), (8, 13, "three", ("a",), 1)]
    assert out.coding_uuids.tolist() == [(), ()]  # no uuid column given
    with pytest.raises(RetrievalError, match="no column"):
        retrieve_passages(codings.drop(columns="coder"), segments, {"d": text}, Code("x"))


def test_public_names() -> None:
    assert workbench.retrieve is retrieve
    from workbench.retrieval import Code as PublicCode
    assert PublicCode is Code and Or(Code("a"), Code("b")) == Code("a") | Code("b")


def test_retrieval_and_search_load_no_view_or_spreadsheet_library() -> None:
    import subprocess
    import sys

    heavy = ("ipywidgets", "plotly", "openpyxl", "anywidget")
    code = ("import sys, workbench; workbench.retrieve; workbench.search_text; "
            "import workbench.analysis.text_search; "
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_retrieve_on_each_backend(backend_url: str) -> None:
    built = build(create_project(backend_url))
    try:
        out = retrieve(built, (Code("anxiety") & Code("withdrawal")) - Code("rupture"),
                       source=["ben"])
        assert passages(out) == [("tense", ("anxiety",), ("ben",)),
                                 ("I went quiet. She noticed.", ("withdrawal",), ("ben",))]
        assert set(out.coding_uuids.sum()) == set(
            built.codings(coder="ben").query("code != 'rupture'")["coding_uuid"])
    finally:
        built.close()
