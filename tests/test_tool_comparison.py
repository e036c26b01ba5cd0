"""tool_comparison: each tool's figures on small cases computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.analysis.tool_comparison import ALL_DOCUMENTS, tool_comparison
from workbench.analysis.unitizing import ALL_CODES, unitizing_alpha
from workbench.errors import AgreementInputError

# document d (20 characters) and e (10 characters)
#   code x: ana [0,10) in d; ben [0,5) and [12,16) in d
#   code y: ana [10,14) in d and [0,2) in e; ben [10,14) in d
CODINGS = pd.DataFrame([
    ("d", 0, 10, "ana", "x"), ("d", 0, 5, "ben", "x"), ("d", 12, 16, "ben", "x"),
    ("d", 10, 14, "ana", "y"), ("d", 10, 14, "ben", "y"), ("e", 0, 2, "ana", "y"),
], columns=["document", "start", "end", "coder", "code"])
LENGTHS = {"d": 20, "e": 10}


def value(table, tool, measure, code, document=ALL_DOCUMENTS):
    hit = table[(table.tool == tool) & table.measure.str.startswith(measure)
                & (table.code == code) & (table.document == document)]
    assert len(hit) == 1, (tool, measure, code, document)
    return hit.iloc[0]


def test_nvivo_character_agreement_and_kappa():
    table = tool_comparison(CODINGS, LENGTHS)
    # x in d: A = 10, B = 5 + 4 = 9, both = 5 characters of 20
    # agree = both + neither = 5 + (20 - 14) = 11 -> 55 %
    # EF = (10*9 + 10*11) / 20 = 10; K = (11 - 10) / (20 - 10) = 0.1
    assert value(table, "NVivo", "percentage", "x", "d")["value"] == pytest.approx(55.0)
    assert value(table, "NVivo", "Kappa", "x", "d")["value"] == pytest.approx(0.1)
    # y in d: both coded the same 4 characters: 100 %, K = 1
    assert value(table, "NVivo", "Kappa", "y", "d")["value"] == pytest.approx(1.0)
    # x in e: nobody coded it: 100 % and K = 1 (as NVivo's help says)
    assert value(table, "NVivo", "percentage", "x", "e")["value"] == pytest.approx(100.0)
    assert value(table, "NVivo", "Kappa", "x", "e")["value"] == pytest.approx(1.0)
    # y in e: ana 2 of 10, ben 0: agree 8 -> 80 %; EF = (0 + 8*10)/10 = 8; K = 0
    assert value(table, "NVivo", "percentage", "y", "e")["value"] == pytest.approx(80.0)
    assert value(table, "NVivo", "Kappa", "y", "e")["value"] == pytest.approx(0.0)
    row = value(table, "NVivo", "Kappa", "x", "d")
    assert row["unit"].startswith("character") and "agreement" in row["uncoded_text"]
    assert row["coders"] == "ana|ben" and row["source"].startswith("NVivo")


def test_maxqda_segments_and_brennan_prediger():
    table = tool_comparison(CODINGS, LENGTHS, min_overlap=90)
    # x: ana [0,10) vs ben [0,5): overlap 5 of span 10 = 50 % < 90 %; ben [12,16) has no
    # partner: 3 segments, none agrees -> 0 %
    assert value(table, "MAXQDA", "segment", "x")["value"] == pytest.approx(0.0)
    # y: the two [10,14) agree; ana's [0,2) in e has no partner: 2 of 3
    assert value(table, "MAXQDA", "segment", "y")["value"] == pytest.approx(200 / 3)
    assert value(table, "MAXQDA", "segment", "y", "d")["value"] == pytest.approx(100.0)
    # kappa: P_o = 2 / 6 segments, P_chance = 1/2 (two codes): (1/3 - 1/2) / (1/2) = -1/3
    assert value(table, "MAXQDA", "kappa", ALL_CODES)["value"] == pytest.approx(-1 / 3)
    loose = tool_comparison(CODINGS, LENGTHS, min_overlap=50)
    # at 50 % ana [0,10) and ben [0,5) agree: 2 of 3 x segments
    assert value(loose, "MAXQDA", "segment", "x")["value"] == pytest.approx(200 / 3)
    assert "not a unit" in value(table, "MAXQDA", "kappa", ALL_CODES)["uncoded_text"]


def test_qda_miner_occurrence_frequency_importance_overlap():
    table = tool_comparison(CODINGS, LENGTHS)
    # occurrence x: d both use it, e neither -> 2/2; y: d both, e only ana -> 1/2
    assert value(table, "QDA Miner", "code occurrence", "x")["value"] == pytest.approx(100.0)
    assert value(table, "QDA Miner", "code occurrence", "y")["value"] == pytest.approx(50.0)
    # frequency x: d 1 vs 2 -> 0.5, e 0 vs 0 -> 1: mean 75 %; y: d 1 vs 1, e 1 vs 0 -> 50 %
    assert value(table, "QDA Miner", "code frequency", "x")["value"] == pytest.approx(75.0)
    assert value(table, "QDA Miner", "code frequency", "y")["value"] == pytest.approx(50.0)
    # importance x: d 10/20 vs 9/20 -> 0.9, e -> 1: 95 %; y: d 4/20 both, e 2/10 vs 0: 50 %
    assert value(table, "QDA Miner", "code importance", "x")["value"] == pytest.approx(95.0)
    assert value(table, "QDA Miner", "code importance", "y")["value"] == pytest.approx(50.0)
    # overlap at 90 %: as MAXQDA's segments above
    assert value(table, "QDA Miner", "code overlap", "x")["value"] == pytest.approx(0.0)
    assert value(table, "QDA Miner", "code overlap", "y")["value"] == pytest.approx(200 / 3)


def test_atlas_rows_are_the_unitizing_alphas():
    table = tool_comparison(CODINGS, LENGTHS)
    alphas = unitizing_alpha(CODINGS, LENGTHS).set_index("code")
    assert value(table, "ATLAS.ti", "alpha-binary", ALL_CODES)["value"] == pytest.approx(
        alphas.loc[ALL_CODES, "binary_u_alpha"])
    assert value(table, "ATLAS.ti", "cu-alpha", ALL_CODES)["value"] == pytest.approx(
        alphas.loc[ALL_CODES, "cu_alpha"])
    assert value(table, "ATLAS.ti", "Cu-alpha", "x")["value"] == pytest.approx(
        alphas.loc["x", "Cu_alpha"])
    assert value(table, "ATLAS.ti", "alpha-binary", "y")["value"] == pytest.approx(
        alphas.loc["y", "binary_u_alpha"])
    assert set(table.tool) == {"NVivo", "MAXQDA", "ATLAS.ti", "QDA Miner"}
    assert table["unit"].ne("").all() and table["uncoded_text"].ne("").all()


def test_coverage_compares_each_pair_on_text_both_covered():
    coverage = pd.DataFrame({"coder": ["ana", "ben", "ana", "ben"], "document": ["d", "d", "e", "e"],
                             "start": 0, "end": [20, 10, 10, 10]})
    table = tool_comparison(CODINGS, LENGTHS, coverage=coverage, tools=["NVivo"])
    # x in d on [0,10): A = 10, B = 5, both 5: agree 5 -> 50 %; EF = (50 + 0)/10 = 5; K = 0
    assert value(table, "NVivo", "percentage", "x", "d")["value"] == pytest.approx(50.0)
    assert value(table, "NVivo", "Kappa", "x", "d")["value"] == pytest.approx(0.0)
    assert value(table, "NVivo", "percentage", "x", "d")["n_units"] == 10


def test_bad_options_are_refused():
    with pytest.raises(AgreementInputError, match="percentage"):
        tool_comparison(CODINGS, LENGTHS, min_overlap=0)
    with pytest.raises(AgreementInputError, match="Unknown tool"):
        tool_comparison(CODINGS, LENGTHS, tools=["Dedoose"])
    with pytest.raises(AgreementInputError, match="two coders"):
        tool_comparison(CODINGS, LENGTHS, coders=["ana"])


def test_nvivo_kappa_is_cohens_kappa_over_characters():
    # independent check: scikit-learn's Cohen's kappa on one 0/1 rating per character
    import random

    import numpy as np
    from sklearn.metrics import cohen_kappa_score

    rng = random.Random(3)
    lengths = {"d": 300, "e": 120}
    rows = []
    for doc, n in lengths.items():
        for coder in ("ana", "ben"):
            for _ in range(6):
                s = rng.randrange(n)
                rows.append((doc, s, min(n, s + rng.randint(1, 60)), coder, rng.choice("xy")))
    codings = pd.DataFrame(rows, columns=["document", "start", "end", "coder", "code"])
    table = tool_comparison(codings, lengths, tools=["NVivo"])
    checked = 0
    for doc, n in lengths.items():
        for code in ("x", "y"):
            marks = {}
            for coder in ("ana", "ben"):
                mark = np.zeros(n, int)
                mine = codings[(codings.document == doc) & (codings.coder == coder)
                               & (codings.code == code)]
                for r in mine.itertuples():
                    mark[r.start:r.end] = 1
                marks[coder] = mark
            if (marks["ana"] == marks["ben"]).all():
                continue  # sklearn gives nan or 1 there; NVivo says 1
            want = cohen_kappa_score(marks["ana"], marks["ben"])
            got = value(table, "NVivo", "Kappa", code, doc)["value"]
            assert got == pytest.approx(want, abs=1e-12)
            pct = 100 * (marks["ana"] == marks["ben"]).mean()
            assert value(table, "NVivo", "percentage", code, doc)["value"] == pytest.approx(pct)
            checked += 1
    assert checked >= 3
