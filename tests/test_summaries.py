"""Theme summaries: hand-computed expectations on small frames, pandas references on random ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analysis.summaries import (
    code_case_matrix,
    cooccurrence,
    exemplars,
    frequencies,
)
from workbench.errors import SummaryInputError
from workbench.model import Code, Codebook, Theme

CODEBOOK = Codebook(
    name="test",
    themes=(Theme("barriers", "Barriers", colour="#aa0000"),
            Theme("facilitators", "Facilitators", colour="#0000aa")),
    codes=(
        Code("withdrawal", "Withdrawal", "barriers", "d", "#d62728"),
        Code("anxiety", "Anxiety", "barriers", "d", "#e6550d"),
        Code("rupture", "Rupture", "barriers", "d", "#7f0000"),
        Code("repair", "Repair", "facilitators", "d", "#1f77b4"),
        Code("empathy", "Empathy", "facilitators", "d", "#6baed6"),
    ),
)
THEME_OF = {c.key: c.theme for c in CODEBOOK.codes}
CASES = {
    "A": {"dyad": "D1", "session": 3, "perspective": "client", "participant": "C1",
          "outcome_group": "good"},
    "B": {"dyad": "D1", "session": 3, "perspective": "therapist", "participant": "T1",
          "outcome_group": "good"},
}


def make_codings(rows: list[tuple[int, str, int, str, str]],
                 cases: dict[str, dict[str, object]] | None = None) -> pd.DataFrame:
    """Codings frame from (segment_id, document, segment_index, code, coder) rows."""
    cases = cases or CASES
    frame = pd.DataFrame(rows, columns=["segment_id", "document", "segment_index", "code",
                                        "coder"])
    frame["code_name"] = frame["code"].str.title()
    frame["theme"] = frame["code"].map(THEME_OF)
    frame["theme_name"] = frame["theme"].str.title()
    frame["text"] = "segment " + frame["segment_id"].astype(str)
    frame["memo"] = ""
    frame["speaker"] = "P"
    frame["role"] = "participant"
    frame["video_time"] = 10.0 * frame["segment_index"]
    attrs = pd.DataFrame([{"document": d, **a} for d, a in cases.items()])
    return frame.merge(attrs, on="document", how="left")


#: segments: A0={withdrawal(ana, ben), anxiety(ben)}, A1={anxiety}, A2={repair}, A5={withdrawal}
#: B0={rupture, repair}, B1={rupture}
ROWS = [
    (1, "A", 0, "withdrawal", "ana"), (1, "A", 0, "withdrawal", "ben"),
    (1, "A", 0, "anxiety", "ben"), (2, "A", 1, "anxiety", "ana"), (3, "A", 2, "repair", "ana"),
    (4, "A", 5, "withdrawal", "ana"), (10, "B", 0, "rupture", "ana"),
    (10, "B", 0, "repair", "ben"), (11, "B", 1, "rupture", "ben"),
]


@pytest.fixture
def codings() -> pd.DataFrame:
    return make_codings(ROWS)


def random_codings(seed: int, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    docs = [f"D{i}_{p}" for i in range(4) for p in ("c", "t")]
    cases = {d: {"dyad": d[:2], "session": 3 + 2 * (int(d[1]) % 2),
                 "perspective": "client" if d.endswith("c") else "therapist",
                 "participant": d, "outcome_group": ["good", "poor", None][int(d[1]) % 3]}
             for d in docs}
    doc = rng.choice(docs, n)
    index = rng.integers(0, 30, n)
    seg = np.array([docs.index(d) for d in doc]) * 100 + index
    rows = list(zip(seg.tolist(), doc.tolist(), index.tolist(),
                    rng.choice(list(THEME_OF), n).tolist(),
                    rng.choice(["ana", "ben", "chloe"], n).tolist(), strict=True))
    frame = make_codings(rows, cases)
    return frame.drop_duplicates(["segment_id", "code", "coder"]).reset_index(drop=True)


# -- frequencies --------------------------------------------------------------------------
def test_frequencies_by_perspective_by_hand(codings: pd.DataFrame) -> None:
    got = frequencies(codings, "perspective")
    expected = pd.DataFrame(
        [("client", "anxiety", "Anxiety", 2, 2, 1, 1),
         ("client", "repair", "Repair", 1, 1, 1, 1),
         ("client", "withdrawal", "Withdrawal", 3, 2, 1, 1),
         ("therapist", "repair", "Repair", 1, 1, 1, 1),
         ("therapist", "rupture", "Rupture", 2, 2, 1, 1)],
        columns=["perspective", "code", "code_name", "codings", "segments", "transcripts",
                 "participants"],
    )
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert all(got[c].dtype == np.int64 for c in ("codings", "segments", "transcripts"))


def test_frequencies_with_codebook_orders_and_completes(codings: pd.DataFrame) -> None:
    got = frequencies(codings, "perspective", codebook=CODEBOOK)
    assert got["code"].tolist() == list(CODEBOOK.keys) * 2
    assert got["perspective"].tolist() == ["client"] * 5 + ["therapist"] * 5
    client = got[got.perspective == "client"].set_index("code")
    assert client.loc["withdrawal", ["codings", "segments"]].tolist() == [3, 2]
    assert client.loc["empathy", ["codings", "segments", "transcripts"]].tolist() == [0, 0, 0]
    assert client.loc["rupture", "code_name"] == "Rupture"


def test_theme_frequencies_by_hand(codings: pd.DataFrame) -> None:
    got = frequencies(codings, "perspective", level="theme", codebook=CODEBOOK)
    table = got.set_index(["perspective", "theme"])[["codings", "segments"]]
    assert table.loc[("client", "barriers")].tolist() == [5, 3]      # segments 1, 2, 4
    assert table.loc[("client", "facilitators")].tolist() == [1, 1]
    assert table.loc[("therapist", "barriers")].tolist() == [2, 2]   # segments 10, 11
    assert table.loc[("therapist", "facilitators")].tolist() == [1, 1]
    assert got["theme_name"].tolist() == ["Barriers", "Facilitators"] * 2


def test_overall_and_by_coder(codings: pd.DataFrame) -> None:
    overall = frequencies(codings, ()).set_index("code")
    assert overall.loc["withdrawal", ["codings", "segments", "transcripts"]].tolist() == [3, 2, 1]
    assert overall.loc["repair", ["codings", "segments", "transcripts", "participants"]].tolist() \
        == [2, 2, 2, 2]
    by_coder = frequencies(codings, "coder").set_index(["coder", "code"])
    assert by_coder.loc[("ben", "withdrawal"), "codings"] == 1
    assert by_coder.loc[("ana", "withdrawal"), "segments"] == 2


@pytest.mark.parametrize("by", [["perspective"], ["dyad"], ["session"], ["outcome_group"],
                                ["coder"], ["outcome_group", "perspective"], []])
@pytest.mark.parametrize("level", ["code", "theme"])
def test_frequencies_match_pandas_groupby(by: list[str], level: str) -> None:
    frame = random_codings(seed=len(by) + len(level))
    got = frequencies(frame, by, level=level)  # type: ignore[arg-type]
    keys = [*by, level]
    ref = (frame.groupby(keys, dropna=False)
           .agg(codings=("segment_id", "size"), segments=("segment_id", "nunique"),
                transcripts=("document", "nunique"), participants=("participant", "nunique"))
           .reset_index())
    cols = [*keys, "codings", "segments", "transcripts", "participants"]
    pd.testing.assert_frame_equal(got[cols].reset_index(drop=True), ref[cols],
                                  check_dtype=False)


def test_missing_group_value_is_its_own_group() -> None:
    cases = {**CASES, "B": {**CASES["B"], "outcome_group": None}}
    got = frequencies(make_codings(ROWS, cases), "outcome_group")
    assert got["outcome_group"].isna().sum() == 2  # repair and rupture of document B
    assert got.loc[got.outcome_group.isna(), "codings"].sum() == 3


def test_frequencies_empty_frame(codings: pd.DataFrame) -> None:
    assert frequencies(codings.iloc[:0], "perspective").empty
    overall = frequencies(codings.iloc[:0], (), codebook=CODEBOOK)
    assert overall["code"].tolist() == list(CODEBOOK.keys)
    assert (overall["codings"] == 0).all()


def test_frequencies_input_errors(codings: pd.DataFrame) -> None:
    with pytest.raises(SummaryInputError, match=r"no column.*nonexistent"):
        frequencies(codings, "nonexistent")
    with pytest.raises(SummaryInputError, match="level must be"):
        frequencies(codings, level="segment")  # type: ignore[arg-type]
    with pytest.raises(SummaryInputError, match="do not group by it"):
        frequencies(codings, "code")
    with pytest.raises(SummaryInputError, match="DataFrame"):
        frequencies([1, 2], "perspective")  # type: ignore[arg-type]
    assert issubclass(SummaryInputError, ValueError)


# -- co-occurrence ------------------------------------------------------------------------
def test_cooccurrence_same_segment_by_hand(codings: pd.DataFrame) -> None:
    got = cooccurrence(codings)
    order = ["anxiety", "repair", "rupture", "withdrawal"]
    expected = pd.DataFrame([[2, 0, 0, 1], [0, 2, 1, 0], [0, 1, 2, 0], [1, 0, 0, 2]],
                            index=pd.Index(order, name="code"), columns=order)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert (got.to_numpy() == got.to_numpy().T).all()


def test_cooccurrence_window_by_hand(codings: pd.DataFrame) -> None:
    # +-1 segment, same document: A0 sees {w, a}, A1 {w, a, rep}, A2 {a, rep}, A5 {w},
    # B0 and B1 see {rup, rep}; rows count the anchor code's segments.
    got = cooccurrence(codings, window=1, codebook=CODEBOOK)
    assert got.index.tolist() == list(CODEBOOK.keys)
    assert got.loc["anxiety"].to_dict() == {"withdrawal": 2, "anxiety": 2, "rupture": 0,
                                            "repair": 1, "empathy": 0}
    assert got.loc["withdrawal"].to_dict() == {"withdrawal": 2, "anxiety": 1, "rupture": 0,
                                               "repair": 0, "empathy": 0}
    assert got.loc["repair"].to_dict() == {"withdrawal": 0, "anxiety": 1, "rupture": 1,
                                           "repair": 2, "empathy": 0}
    assert got.loc["rupture", "repair"] == 2
    assert got.loc["empathy"].sum() == 0


@pytest.mark.parametrize("window", [0, 1, 3])
def test_cooccurrence_matches_pandas_merge(window: int) -> None:
    frame = random_codings(seed=10 + window)
    pos = frame[["document", "segment_index", "code"]].drop_duplicates()
    near = pd.concat([pos.assign(segment_index=pos.segment_index + d)
                      for d in range(-window, window + 1)]).drop_duplicates()
    pairs = pos.merge(near, on=["document", "segment_index"], suffixes=("", "_other"))
    ref = pairs.groupby(["code", "code_other"]).size().unstack(fill_value=0)
    got = cooccurrence(frame, window=window)
    ref = ref.reindex(index=got.index, columns=got.columns, fill_value=0)
    assert (got.to_numpy() == ref.to_numpy()).all()


def test_cooccurrence_rejects_bad_window(codings: pd.DataFrame) -> None:
    for bad in (-1, 1.5, True):
        with pytest.raises(SummaryInputError, match="window"):
            cooccurrence(codings, window=bad)  # type: ignore[arg-type]


# -- code x case --------------------------------------------------------------------------
def test_code_case_matrix_by_hand(codings: pd.DataFrame) -> None:
    segs = code_case_matrix(codings, codebook=CODEBOOK)
    assert segs.columns.tolist() == ["A", "B"]
    assert segs.to_dict(orient="index") == {
        "withdrawal": {"A": 2, "B": 0}, "anxiety": {"A": 2, "B": 0},
        "rupture": {"A": 0, "B": 2}, "repair": {"A": 1, "B": 1}, "empathy": {"A": 0, "B": 0},
    }
    rows = code_case_matrix(codings, case="dyad", value="codings")
    assert rows["D1"].to_dict() == {"anxiety": 2, "repair": 2, "rupture": 2, "withdrawal": 3}


def test_code_case_matrix_matches_pandas() -> None:
    frame = random_codings(seed=3)
    got = code_case_matrix(frame, case="participant")
    ref = (frame.drop_duplicates(["code", "participant", "segment_id"])
           .groupby(["code", "participant"]).size().unstack(fill_value=0))
    assert (got.to_numpy() == ref.reindex(index=got.index, columns=got.columns).to_numpy()).all()
    with pytest.raises(SummaryInputError, match="value must be"):
        code_case_matrix(frame, value="coders")  # type: ignore[arg-type]


# -- exemplars ----------------------------------------------------------------------------
def _exemplar_frame() -> pd.DataFrame:
    rows = [
        (1, "A", 0, "empathy", "ana"), (1, "A", 0, "empathy", "ben"),
        (1, "A", 0, "empathy", "chloe"),                              # A: 3 coders
        (2, "A", 1, "empathy", "ana"), (2, "A", 1, "empathy", "ben"),
        (2, "A", 1, "empathy", "chloe"),                              # A: 3 coders
        (10, "B", 0, "empathy", "ana"),                               # B: 1 coder
        *[(20 + i, "A", 2 + i, "repair", "ana") for i in range(8)],   # ties: hash decides
    ]
    frame = make_codings(rows)
    frame.loc[frame.segment_id == 10, "memo"] = "felt heard"
    return frame


def test_exemplars_prefer_other_transcripts_then_agreement() -> None:
    got = exemplars(_exemplar_frame(), n=2, codebook=CODEBOOK)
    empathy = got[got.code == "empathy"]
    assert empathy["rank"].tolist() == [1, 2]
    # the first pick is one of A's 3-coder segments, the second comes from B (spread)
    assert empathy["document"].tolist() == ["A", "B"]
    assert empathy["coders"].tolist() == [3, 1]
    assert empathy.iloc[1]["memos"] == "ana: felt heard"
    assert empathy.iloc[1]["quote"] == "segment 10"
    assert {"speaker", "dyad", "session", "perspective", "outcome_group", "video_time"} \
        <= set(got.columns)


def test_exemplars_are_reproducible_and_seeded() -> None:
    frame = _exemplar_frame()
    first = exemplars(frame, n=3, seed=0)
    again = exemplars(frame.sample(frac=1.0, random_state=1), n=3, seed=0)
    repair = first[first.code == "repair"]["segment_id"].tolist()
    assert repair == again[again.code == "repair"]["segment_id"].tolist()
    assert len(repair) == 3
    draws = {tuple(exemplars(frame, n=3, seed=s).query("code == 'repair'")["segment_id"])
             for s in range(6)}
    assert len(draws) > 1  # other seeds draw other tied candidates


def test_exemplars_codes_in_codebook_order_and_n(codings: pd.DataFrame) -> None:
    got = exemplars(codings, n=1, codebook=CODEBOOK)
    assert got["code"].tolist() == ["withdrawal", "anxiety", "rupture", "repair"]
    assert got.loc[got.code == "withdrawal", "segment_id"].item() == 1  # 2 coders beat 1
    with pytest.raises(SummaryInputError, match="n must be"):
        exemplars(codings, n=0)
