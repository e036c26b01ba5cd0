"""Agreement tables from segments/codings DataFrames, checked by hand and by libraries.

The fixture: two documents (client and therapist perspective), eight segments, three
coders, three codes in two themes. Expected values are computed by hand where short
(written out in comments) and otherwise with ``krippendorff``, ``statsmodels``,
``scikit-learn`` and ``irrCAC`` on the presence matrices written out in the tests.
"""

from __future__ import annotations

import math
import warnings

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from irrCAC.raw import CAC
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from workbench.analysis import (
    Presence,
    brennan_prediger,
    build_presence,
    code_agreement_table,
    coder_agreement_matrix,
    coder_column,
    disagreement_table,
    fleiss_kappa,
    gwet_ac,
    krippendorff_alpha,
    krippendorff_label,
    mean_pairwise_cohens_kappa,
    overall_agreement,
    percent_agreement,
    presence_agreement_table,
    theme_agreement_table,
)
from workbench.errors import AgreementInputError

CODERS = ["ana", "ben", "cy"]
CODES = ["withdrawal", "anxiety", "repair"]
THEMES = {"withdrawal": "barriers", "anxiety": "barriers", "repair": "facilitators"}


def _segments() -> pd.DataFrame:
    rows = []
    for doc, persp, dyad, session, speaker in (("D1_S3_client", "client", "D1", 3, "C"),
                                               ("D2_S5_therapist", "therapist", "D2", 5, "T")):
        for i, (start, end) in enumerate(((0, 20), (21, 40), (41, 60), (61, 80))):
            role = "interviewer" if i == 0 else "participant"
            rows.append({
                "segment_id": len(rows) + 1, "document": doc, "turn_index": min(i, 1),
                "segment_index": i, "speaker": "R" if i == 0 else speaker, "role": role,
                "start": start, "end": end, "text": f"text of segment {len(rows) + 1}",
                "video_time": 60.0 * i, "dyad": dyad, "session": session,
                "perspective": persp, "outcome_group": "good",
            })
    return pd.DataFrame(rows)


SEGMENTS = _segments()
_SPANS = {sid: (s, e) for sid, s, e in SEGMENTS[["segment_id", "start", "end"]].itertuples(
    index=False)}


def _codings(extra: list[tuple[int, str, str, int, int]] | None = None) -> pd.DataFrame:
    whole = [  # (segment, coder, code)
        (2, "ana", "withdrawal"), (2, "ben", "withdrawal"), (2, "cy", "withdrawal"),
        (2, "ana", "anxiety"),
        (3, "ana", "anxiety"), (3, "ben", "anxiety"), (3, "cy", "repair"),
        (4, "ben", "withdrawal"),
        (6, "ana", "repair"), (6, "ben", "repair"), (6, "cy", "repair"),
        (8, "cy", "anxiety"),
        (8, "dora", "rupture"),  # a coder who is not compared: ignored
    ]
    rows = [(sid, coder, code, *_SPANS[sid], False) for sid, coder, code in whole]
    rows += [(sid, coder, code, s, e, True) for sid, coder, code, s, e in (extra or [])]
    frame = pd.DataFrame(rows, columns=["segment_id", "coder", "code", "start", "end",
                                        "is_span"])
    frame["coding_uuid"] = [f"u{i}" for i in range(len(frame))]
    frame["theme"] = frame["code"].map(THEMES)
    return frame


CODINGS = _codings()

# Presence per code, units = segments 1..8, columns = ana, ben, cy (from the codings above).
WITHDRAWAL = np.zeros((8, 3), int)
WITHDRAWAL[1] = [1, 1, 1]
WITHDRAWAL[3] = [0, 1, 0]
ANXIETY = np.zeros((8, 3), int)
ANXIETY[1], ANXIETY[2], ANXIETY[7] = [1, 0, 0], [1, 1, 0], [0, 0, 1]
REPAIR = np.zeros((8, 3), int)
REPAIR[2], REPAIR[5] = [0, 0, 1], [1, 1, 1]
PRESENCE = np.stack([WITHDRAWAL, ANXIETY, REPAIR], axis=2)
CODED = [1, 2, 3, 5, 7]  # rows of the segments someone coded (2, 3, 4, 6, 8)


def _reference(matrix: np.ndarray) -> dict[str, float]:
    """Reference values for one units x coders 0/1 matrix."""
    frame = pd.DataFrame(matrix.astype(float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cac = CAC(frame, categories=[0.0, 1.0], digits=15)
        gwet, bp = cac.gwet()["est"], cac.bp()["est"]
    pairs = [(0, 1), (0, 2), (1, 2)][: 3 if matrix.shape[1] == 3 else 1]
    return {
        "krippendorff_alpha": krippendorff.alpha(matrix.T, level_of_measurement="nominal"),
        "fleiss_kappa": sm_fleiss_kappa(aggregate_raters(matrix, n_cat=2)[0]),
        "gwet_ac1": float(gwet["coefficient_value"]),
        "brennan_prediger": float(bp["coefficient_value"]),
        "percent_agreement": float(gwet["pa"]),
        "cohen_kappa_mean": float(np.mean([cohen_kappa_score(matrix[:, a], matrix[:, b])
                                           for a, b in pairs])),
    }


def _check_row(row: pd.Series, matrix: np.ndarray) -> None:
    for name, value in _reference(matrix).items():
        assert row[name] == pytest.approx(value, abs=1e-9), name


# -- per code -----------------------------------------------------------------------------
def test_code_table_hand_values_and_references() -> None:
    table = code_agreement_table(SEGMENTS, CODINGS, CODERS, CODES, themes=THEMES, n_boot=200)
    assert list(table["code"]) == CODES
    assert list(table["theme"]) == ["barriers", "barriers", "facilitators"]
    withdrawal = table.iloc[0]
    # By hand: segment 4 has pairs (ana,ben) no, (ana,cy) yes, (ben,cy) no -> 1/3; the
    # other 7 units agree fully: p_a = (7 + 1/3)/8. pi_1 = (1 + 1/3)/8 = 1/6,
    # p_e = (1/6)^2 + (5/6)^2 = 26/36, Fleiss = (p_a - p_e)/(1 - p_e) = 0.7.
    assert withdrawal["percent_agreement"] == pytest.approx((7 + 1 / 3) / 8)
    assert withdrawal["fleiss_kappa"] == pytest.approx(0.7)
    # Alpha: n = 24 values, n_1 = 4, n_0 = 20, o_01 = o_10 = 1 (segment 4):
    # 1 - (n - 1) * o_01 / (n_0 * n_1) * ... = 1 - (2/24) / (2*20*4/(24*23)) = 0.7125.
    assert withdrawal["krippendorff_alpha"] == pytest.approx(0.7125)
    assert withdrawal["n_applied"] == 4 and withdrawal["prevalence"] == pytest.approx(4 / 24)
    for k in range(3):
        _check_row(table.iloc[k], PRESENCE[:, :, k])
    assert (table["n_units"] == 8).all() and (table["n_coders"] == 3).all()
    assert table.attrs["unit"] == "segment" and table.attrs["n_units"] == 8
    assert table.attrs["coders"] == CODERS and table.attrs["include_uncoded"] is True
    assert "agreeing coder pairs" in table.attrs["percent_agreement"]
    assert table.loc[0, "alpha_label"] == "tentative"  # 0.7125
    assert list(table["alpha_label"]) == [krippendorff_label(v)
                                          for v in table["krippendorff_alpha"]]
    assert table["ci_low"].le(table["krippendorff_alpha"]).all()


def test_include_uncoded_changes_units_and_values() -> None:
    kept = code_agreement_table(SEGMENTS, CODINGS, CODERS, CODES, n_boot=0)
    dropped = code_agreement_table(SEGMENTS, CODINGS, CODERS, CODES, n_boot=0,
                                   include_uncoded=False)
    assert (kept["n_units"] == 8).all() and (dropped["n_units"] == 5).all()
    assert dropped.attrs["include_uncoded"] is False
    assert dropped.attrs["n_uncoded_dropped"] == 3  # segments 1, 5 and 7
    # By hand for withdrawal on the 5 coded segments: n = 15, n_1 = 4, n_0 = 11,
    # alpha = 1 - (2/15) / (2*11*4/(15*14)) = 1 - 420/1320.
    assert dropped.iloc[0]["krippendorff_alpha"] == pytest.approx(1 - 420 / 1320)
    assert dropped.iloc[0]["percent_agreement"] == pytest.approx((4 + 1 / 3) / 5)
    for k in range(3):
        _check_row(dropped.iloc[k], PRESENCE[CODED, :, k])
    assert (dropped["krippendorff_alpha"] < kept["krippendorff_alpha"]).all()


def test_pairwise_kappa_columns() -> None:
    table = code_agreement_table(SEGMENTS, CODINGS, CODERS, CODES, n_boot=0,
                                 pairwise_kappa=True)
    column = "cohen_kappa[ana|cy]"
    assert column in table.columns
    expected = cohen_kappa_score(ANXIETY[:, 0], ANXIETY[:, 2])
    assert table.loc[1, column] == pytest.approx(expected)
    pairs = table[["cohen_kappa[ana|ben]", "cohen_kappa[ana|cy]", "cohen_kappa[ben|cy]"]]
    assert table["cohen_kappa_mean"].to_numpy() == pytest.approx(pairs.mean(axis=1).to_numpy())


def test_filters_and_roles_select_units() -> None:
    client = code_agreement_table(SEGMENTS, CODINGS, CODERS, CODES, n_boot=0,
                                  filters={"perspective": "client"})
    assert client.attrs["n_units"] == 4 and client.attrs["filters"] == {
        "perspective": ["client"]}
    _check_row(client.iloc[0], WITHDRAWAL[:4])
    both = code_agreement_table(SEGMENTS, CODINGS, CODERS, CODES, n_boot=0,
                                filters={"dyad": ["D1", "D2"], "session": [3, 5]},
                                roles=["participant"])
    assert both.attrs["n_units"] == 6 and both.attrs["roles"] == ["participant"]
    _check_row(both.iloc[2], REPAIR[[1, 2, 3, 5, 6, 7]])


def test_confidence_interval_settings() -> None:
    first = code_agreement_table(SEGMENTS, CODINGS, CODERS, CODES, n_boot=300, seed=3)
    again = code_agreement_table(SEGMENTS, CODINGS, CODERS, CODES, n_boot=300, seed=3)
    pd.testing.assert_frame_equal(first, again)
    assert first.attrs["ci"]["coefficient"] == "krippendorff_alpha"
    fleiss = code_agreement_table(SEGMENTS, CODINGS, CODERS, CODES, ci_for="fleiss_kappa",
                                  n_boot=300)
    assert (fleiss["ci_low"] <= fleiss["fleiss_kappa"]).all()
    none = code_agreement_table(SEGMENTS, CODINGS, CODERS, CODES, n_boot=0)
    assert none["ci_low"].isna().all() and none.attrs["ci"] is None


def test_code_nobody_applied_is_undefined_not_one() -> None:
    table = code_agreement_table(SEGMENTS, CODINGS, CODERS, [*CODES, "rupture"], n_boot=200)
    row = table.iloc[3]
    assert row["n_applied"] == 0 and row["percent_agreement"] == 1.0
    for name in ("krippendorff_alpha", "fleiss_kappa", "gwet_ac1", "brennan_prediger",
                 "cohen_kappa_mean", "ci_low", "ci_high"):
        assert math.isnan(row[name]), name
    assert "only one category" in row["undefined_reason"]
    assert row["alpha_label"] == "undefined" and row["kappa_label"] == "undefined"


@pytest.mark.parametrize("unit", ["segment", "character"])
def test_nothing_coded_and_uncoded_dropped_is_undefined_not_an_error(unit: str) -> None:
    empty = CODINGS.iloc[:0]
    table = code_agreement_table(SEGMENTS, empty, CODERS, CODES, unit=unit,
                                 include_uncoded=False, n_boot=200)
    assert (table["n_units"] == 0).all() and table["krippendorff_alpha"].isna().all()
    assert table["undefined_reason"].str.contains("no unit was rated").all()
    overall = overall_agreement(SEGMENTS, empty, CODERS, CODES, include_uncoded=False)
    assert math.isnan(overall.loc[0, "krippendorff_alpha"]) and math.isnan(
        overall.loc[0, "ci_low"])


# -- themes, overall, coder matrix --------------------------------------------------------
def test_theme_table() -> None:
    table = theme_agreement_table(SEGMENTS, CODINGS, CODERS, CODES, THEMES, n_boot=0)
    assert list(table["theme"]) == ["barriers", "facilitators"]
    _check_row(table.iloc[0], np.maximum(WITHDRAWAL, ANXIETY))
    _check_row(table.iloc[1], REPAIR)
    assert table.attrs["rows"] == "theme"


def test_overall_pools_all_unit_code_decisions() -> None:
    table = overall_agreement(SEGMENTS, CODINGS, CODERS, CODES, n_boot=300)
    pooled = PRESENCE.transpose(0, 2, 1).reshape(-1, 3)  # (unit, code) x coder
    row = table.iloc[0]
    assert row["n_decisions"] == 24 and row["n_units"] == 8
    _check_row(row, pooled)
    assert row["ci_low"] <= row["krippendorff_alpha"] <= row["ci_high"]
    assert "pooled" in table.attrs["overall"]


def test_coder_matrix_pooled_over_codes() -> None:
    matrix = coder_agreement_matrix(SEGMENTS, CODINGS, CODERS, CODES)
    pooled = PRESENCE.transpose(0, 2, 1).reshape(-1, 3)
    assert matrix.loc["ana", "cy"] == pytest.approx(cohen_kappa_score(pooled[:, 0],
                                                                      pooled[:, 2]))
    assert matrix.loc["cy", "ana"] == matrix.loc["ana", "cy"]
    assert np.isnan(np.diag(matrix.to_numpy())).all()
    alpha = coder_agreement_matrix(SEGMENTS, CODINGS, CODERS, CODES,
                                   coefficient="krippendorff_alpha")
    assert alpha.loc["ben", "cy"] == pytest.approx(
        krippendorff.alpha(pooled[:, [1, 2]].T, level_of_measurement="nominal"))
    assert alpha.attrs["unit"] == "segment" and alpha.attrs["n_decisions"] == 24


# -- characters ---------------------------------------------------------------------------
def test_character_level_counts_characters_of_participant_text() -> None:
    # ana codes anxiety on 5 characters [65, 70) of segment 4 (offsets 61..80).
    codings = _codings(extra=[(4, "ana", "anxiety", 65, 70)])
    table = code_agreement_table(SEGMENTS, codings, CODERS, CODES, unit="character",
                                 n_boot=300, resample="segment")
    participant = [1, 2, 3, 5, 6, 7]  # segment rows, 19 characters each
    lengths = np.array([19] * 6)
    assert table.attrs["unit"] == "character" and table.attrs["n_units"] == 114
    assert table.attrs["roles"] == ["participant"]
    per_char = {k: np.repeat(PRESENCE[participant, :, k], lengths, axis=0) for k in range(3)}
    span = np.zeros((114, 3), int)
    span[2 * 19 + 4: 2 * 19 + 9, 0] = 1  # characters 65..69 are 4..8 into segment 4
    per_char[1] = np.maximum(per_char[1], span)
    for k in range(3):
        _check_row(table.iloc[k], per_char[k])
    assert table.loc[1, "n_applied"] == 19 * 4 + 5
    assert "resampling segments" in table.attrs["ci"]["method"]
    assert table["ci_low"].le(table["krippendorff_alpha"]).all()


def test_character_level_include_uncoded() -> None:
    table = code_agreement_table(SEGMENTS, CODINGS, CODERS, CODES, unit="character",
                                 include_uncoded=False, n_boot=0)
    assert table.attrs["n_units"] == 19 * 5  # participant segments 2, 3, 4, 6, 8
    coded = np.repeat(PRESENCE[[1, 2, 3, 5, 7], :, 0], [19, 19, 19, 19, 19], axis=0)
    _check_row(table.iloc[0], coded)
    # segment 8's characters are coded by cy only: kept, while segment 7's are dropped
    assert table.attrs["n_uncoded_dropped"] == 19


# -- disagreements ------------------------------------------------------------------------
def test_disagreement_table_lists_exactly_the_disputed_segments() -> None:
    table = disagreement_table(SEGMENTS, CODINGS, CODERS, CODES, themes=THEMES)
    assert list(zip(table["segment_id"], table["code"], strict=True)) == [
        (2, "anxiety"), (3, "anxiety"), (3, "repair"), (4, "withdrawal"), (8, "anxiety")]
    first = table.iloc[0]
    assert (first["applied_by"], first["not_applied_by"]) == ("ana", "ben, cy")
    assert first[coder_column("ana")] == "anxiety, withdrawal"
    assert first[coder_column("ben")] == "withdrawal"
    assert first["document"] == "D1_S3_client" and first["speaker"] == "C"
    assert first["theme"] == "barriers"
    assert table.iloc[3][coder_column("cy")] == ""
    assert table.attrs["n_disputed_segments"] == 4


def test_disagreement_table_for_one_code() -> None:
    table = disagreement_table(SEGMENTS, CODINGS, CODERS, CODES, code="anxiety")
    assert list(table["segment_id"]) == [2, 3, 8]
    assert list(table["applied_by"]) == ["ana", "ana, ben", "cy"]
    assert table.attrs["code"] == "anxiety"
    with pytest.raises(AgreementInputError, match="not among the codes compared"):
        disagreement_table(SEGMENTS, CODINGS, CODERS, CODES, code="rupture")


# -- consistency with the coefficient functions -------------------------------------------
@settings(max_examples=30, deadline=None)
@given(st.integers(2, 4), st.integers(2, 30), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_presence_table_matches_the_coefficient_functions(n_coders: int, n_units: int,
                                                          n_codes: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    array = rng.random((n_units, n_coders, n_codes)) < rng.uniform(0.05, 0.6)
    coders = [f"c{i}" for i in range(n_coders)]
    codes = [f"k{i}" for i in range(n_codes)]
    table = presence_agreement_table(Presence.from_array(array, coders, codes), n_boot=0)
    for k in range(n_codes):
        data = array[:, :, k].astype(float)
        expected = {
            "krippendorff_alpha": krippendorff_alpha(data).value,
            "fleiss_kappa": fleiss_kappa(data).value,
            "gwet_ac1": gwet_ac(data).value,
            "brennan_prediger": brennan_prediger(data).value,
            "percent_agreement": percent_agreement(data).value,
            "cohen_kappa_mean": mean_pairwise_cohens_kappa(data).value,
        }
        got = table.iloc[k][list(expected)].to_numpy(dtype=float)
        np.testing.assert_allclose(got, list(expected.values()), atol=1e-12, equal_nan=True)


def test_build_presence_shapes() -> None:
    presence = build_presence(SEGMENTS, CODINGS, CODERS, CODES)
    assert presence.array.shape == (8, 3, 3)
    np.testing.assert_array_equal(presence.array, PRESENCE.astype(bool))
    assert presence.describe()["unit"] == "segment"


# -- input errors -------------------------------------------------------------------------
@pytest.mark.parametrize(("change", "message"), [
    ({"segments": SEGMENTS.drop(columns="segment_id")}, r"segments lacks the column\(s\) "
                                                        r"\['segment_id'\]"),
    ({"codings": CODINGS.drop(columns="coder")}, r"codings lacks the column\(s\) \['coder'\]"),
    ({"coders": ["ana"]}, "at least 2 coders"),
    ({"coders": ["ana", "ana"]}, "coder 'ana' is listed twice"),
    ({"coders": "ana"}, "lists of names, not a single string"),
    ({"codes": []}, "No codes given"),
    ({"segments": pd.concat([SEGMENTS, SEGMENTS.iloc[:1]])}, "segment_id 1 twice"),
    ({"filters": {"therapist": "T1"}}, "Cannot filter on 'therapist'"),
    ({"filters": {"perspective": "cleint"}}, "No segment matches the filters"),
    ({"unit": "word"}, "unit must be one of"),
    ({"ci_for": "alpha"}, "ci_for must be one of"),
    ({"n_boot": 5}, "n_boot must be an integer of at least 100"),
    ({"segments": SEGMENTS.drop(columns="role"), "roles": ["participant"]}, "role"),
    ({"segments": SEGMENTS.assign(start=np.nan), "unit": "character"}, "missing offsets"),
    ({"segments": SEGMENTS.assign(end=0), "unit": "character"}, "ends before it starts"),
])
def test_table_input_errors(change: dict[str, object], message: str) -> None:
    kwargs: dict[str, object] = {"segments": SEGMENTS, "codings": CODINGS, "coders": CODERS,
                                 "codes": CODES, **change}
    with pytest.raises(AgreementInputError, match=message):
        code_agreement_table(**kwargs)


def test_other_table_errors() -> None:
    with pytest.raises(AgreementInputError, match=r"no theme for the code\(s\) \['repair'\]"):
        theme_agreement_table(SEGMENTS, CODINGS, CODERS, CODES, {"withdrawal": "b",
                                                                 "anxiety": "b"})
    with pytest.raises(AgreementInputError, match="coefficient must be one of"):
        coder_agreement_matrix(SEGMENTS, CODINGS, CODERS, CODES,
                               coefficient="fleiss_kappa")
    with pytest.raises(AgreementInputError, match="shape"):
        Presence.from_array(np.zeros((3, 2)), ["a", "b"], ["k"])
    with pytest.raises(AgreementInputError, match="one name per column"):
        Presence.from_array(np.zeros((3, 2, 1), bool), ["a", "b", "c"], ["k"])
    with pytest.raises(AgreementInputError, match="0/1 or True/False"):
        Presence.from_array(np.full((3, 2, 1), 2), ["a", "b"], ["k"])
    with pytest.raises(AgreementInputError, match="must be a pandas DataFrame"):
        code_agreement_table(SEGMENTS.to_dict(), CODINGS, CODERS, CODES)
    with pytest.raises(AgreementInputError, match="A theme table needs themes="):
        presence_agreement_table(build_presence(SEGMENTS, CODINGS, CODERS, CODES), by="theme")
