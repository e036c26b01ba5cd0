"""Unitizing alphas (workbench.analysis.unitizing) against published examples, the
``krippendorff`` package and straightforward per-character / per-pair implementations."""

from __future__ import annotations

import math
import random

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.analysis.unitizing import ALL_CODES, unitizing_alpha
from workbench.errors import AgreementInputError


def frame(units, stretch=1, shift=0, document="d"):
    """(begin, length, coder, code) tuples -> a codings DataFrame."""
    return pd.DataFrame([
        {"document": document, "start": b * stretch - shift, "end": (b + n) * stretch - shift,
         "coder": f"coder{c}", "code": k} for b, n, c, k in units])


def row(table, code):
    return table.set_index("code").loc[code]


# --------------------------------------------------------------------------- published

# Krippendorff (2004), Content Analysis, 2nd ed., p. 254 (the data as DKPro Statistics'
# Krippendorff2004Test types them): a continuum from 150 to 450, two coders, codes c, k.
BOOK_2004 = [(225, 70, 0, "c"), (370, 30, 0, "c"), (220, 80, 1, "c"), (355, 20, 1, "c"),
             (400, 20, 1, "c"), (180, 60, 0, "k"), (300, 50, 0, "k"), (180, 60, 1, "k"),
             (300, 50, 1, "k")]


# Krippendorff (2019), Content Analysis, 4th ed., section 12.6, Figure 12.11 (p. 340):
# three observers unitize a continuum of 60 characters into values 1-7 (one semantic
# domain: mutually exclusive codes). Published results: u-alpha (nominal) = .510,
# |u-alpha (binary) = .413, cu-alpha = .724. Positions here are 1-based and inclusive,
# as in the figure; two touching units of one observer stay two units.
BOOK_2019 = {
    "alex": [(1, 7, "1"), (8, 13, "2"), (31, 32, "5"), (33, 37, "6"), (38, 44, "6"),
             (45, 60, "7")],
    "paul": [(1, 7, "1"), (8, 13, "3"), (14, 21, "5"), (33, 44, "6")],
    "suzan": [(1, 7, "1"), (8, 13, "4"), (14, 21, "5"), (33, 37, "6"), (38, 41, "6"),
              (42, 44, "6")],
}


def test_krippendorff_2019_family_worked_example():
    codings = pd.DataFrame([{"document": "d", "start": s - 1, "end": e, "coder": coder,
                             "code": value}
                            for coder, units in BOOK_2019.items() for s, e, value in units])
    everything = row(unitizing_alpha(codings, {"d": 60}), ALL_CODES)
    # to the book's three decimals (it prints .413 for 0.41360: truncated, not rounded)
    assert everything["nominal_u_alpha"] == pytest.approx(0.510, abs=1e-3)
    assert everything["binary_u_alpha"] == pytest.approx(0.413, abs=1e-3)
    assert everything["cu_alpha"] == pytest.approx(0.724, abs=1e-3)
    # without the unitized expected coincidences cu-alpha would be 0.700: the test tells
    assert abs(everything["cu_alpha"] - 0.700) > 0.02
    # the same by the independent per-character loop of this file
    want_cu, _ = reference_cu(codings, {"d": 60}, list("1234567"), list(BOOK_2019), None)
    assert everything["cu_alpha"] == pytest.approx(want_cu, abs=1e-12)


def test_nominal_u_alpha_needs_mutually_exclusive_codes():
    codings = frame([(0, 6, 0, "a"), (2, 4, 0, "b"), (0, 6, 1, "a"), (2, 4, 1, "b")])
    everything = row(unitizing_alpha(codings, {"d": 10}), ALL_CODES)
    assert math.isnan(everything["nominal_u_alpha"])
    assert "mutually exclusive" in everything["reason"]
    assert everything["binary_u_alpha"] == pytest.approx(1.0)


def test_krippendorff_2004_worked_example():
    table = unitizing_alpha(frame(BOOK_2004, shift=150), {"d": 300})
    # book: alpha_U(c) = .7286 (D_o = .0144, D_e = .0532), alpha_U(k) = 1, overall .8591
    assert row(table, "c")["u_alpha"] == pytest.approx(0.7286, abs=1e-4)
    assert row(table, "c")["u_alpha_D_o"] == pytest.approx(0.0144, abs=1e-4)
    assert row(table, "c")["u_alpha_D_e"] == pytest.approx(0.0532, abs=1e-4)
    assert row(table, "k")["u_alpha_D_o"] == 0
    assert row(table, "k")["u_alpha_D_e"] == pytest.approx(0.0490, abs=1e-4)
    assert row(table, "k")["u_alpha"] == pytest.approx(1.0)
    # the book's .8591 is 1 - .0144 / (.0532 + .0490), from rounded D's; unrounded .85867
    assert row(table, ALL_CODES)["u_alpha"] == pytest.approx(0.8591, abs=5e-4)
    # identical k units: every alpha of k is perfect
    assert row(table, "k")["binary_u_alpha"] == pytest.approx(1.0)


# Krippendorff (1995), Sociological Methodology 25, p. 57: four two-coder examples on a
# continuum of 24 (stretched to 1.2M characters for the expected disagreements, as D_e in
# the paper is for a long continuum). Published alpha_U: A .553, B -.926, C .679, D .066.
# The paper's D_e has a known slip (DKPro notes "(l + l + 1)" where Krippendorff 2004 has
# a minus), so alphas are compared at 0.02 as DKPro does; the observed disagreements, which
# do not depend on it, exactly.
EXAMPLE_1995 = (
    [(2, 8, 0, "A"), (14, 6, 0, "A"), (4, 4, 1, "A"), (15, 2, 1, "A")]
    + [(0, 18, 0, "B")] + [(b, n, 1, "B") for b, n in
                           [(0, 2), (2, 1), (3, 1), (4, 1), (5, 1), (6, 3), (9, 1)]]
    + [(b, n, 0, "C") for b, n in [(2, 6), (10, 2), (14, 4), (20, 2)]]
    + [(b, n, 1, "C") for b, n in [(0, 2), (4, 4), (10, 4), (16, 2), (20, 2)]]
    + [(b, n, 0, "D") for b, n in [(0, 2), (2, 8), (10, 4), (14, 6), (20, 4)]]
    + [(b, n, 1, "D") for b, n in [(0, 4), (4, 4), (8, 7), (15, 2), (17, 7)]]
)


def test_krippendorff_1995_examples():
    stretch = 50_000
    codings = frame(EXAMPLE_1995, stretch=stretch)
    table = unitizing_alpha(codings, {"d": 24 * stretch})
    for code, published in {"A": 0.553, "B": -0.926, "C": 0.679, "D": 0.066}.items():
        assert row(table, code)["u_alpha"] == pytest.approx(published, abs=0.02), code
    small = unitizing_alpha(frame(EXAMPLE_1995), {"d": 24})
    for code, d_o in {"A": 0.03125, "B": 2.26736, "C": 0.02777, "D": 0.38715}.items():
        # D_o does not depend on the stretch
        assert row(small, code)["u_alpha_D_o"] == pytest.approx(d_o, abs=1e-5)
        assert row(table, code)["u_alpha_D_o"] == pytest.approx(d_o, abs=1e-5)
    # the expected disagreements the paper gives for the long continuum, at DKPro's 0.005
    for code, d_e in {"A": 0.06990, "B": 1.17731, "C": 0.08642, "D": 0.41445}.items():
        assert row(table, code)["u_alpha_D_e"] == pytest.approx(d_e, abs=0.005), code


# --------------------------------------------------------------------------- references

def covered_masks(lengths, coders, coverage):
    """coder -> document -> bool array of covered characters."""
    out = {}
    for coder in coders:
        out[coder] = {}
        for doc, n in lengths.items():
            mask = np.zeros(n, bool)
            if coverage is None:
                mask[:] = True
            else:
                for _, r in coverage[(coverage.coder == coder) & (coverage.document == doc)
                                     ].iterrows():
                    mask[int(r.start):int(r.end)] = True
            out[coder][doc] = mask
    return out


def merged_units(codings, coder, code, doc):
    """A coder's units of a code: overlapping codings merged, touching kept apart."""
    rows = codings[(codings.coder == coder) & (codings.code == code) & (codings.document == doc)]
    spans = sorted((int(r.start), int(r.end)) for _, r in rows.iterrows() if r.end > r.start)
    units = []
    for s, e in spans:
        if units and s < units[-1][1]:
            units[-1][1] = max(units[-1][1], e)
        else:
            units.append([s, e])
    return units


def runs(mask):
    """Maximal runs [s, e) of True."""
    out, s = [], None
    for x, v in enumerate(list(mask) + [False]):
        if v and s is None:
            s = x
        if not v and s is not None:
            out.append((s, x))
            s = None
    return out


def clip(units, mask):
    """Units cut to the True runs of mask."""
    out = []
    for s, e in units:
        for rs, re_ in runs(mask):
            lo, hi = max(s, rs), min(e, re_)
            if hi > lo:
                out.append((lo, hi))
    return out


def reference_binary(codings, lengths, code, coders, coverage, any_code=False):
    """|u-alpha by a loop over characters (coincidences) and over units (self-pairs)."""
    cov = covered_masks(lengths, coders, coverage)
    codes = sorted(codings.code.unique()) if any_code else [code]
    u = np.zeros((2, 2))
    mass = sq = 0.0
    for doc, n in lengths.items():
        m_x = sum(cov[c][doc].astype(int) for c in coders)
        unit_lists = {}
        for c in coders:
            spans = []
            for k in codes:
                spans += merged_units(codings, c, k, doc)
            if any_code:  # union of all codes' units, overlapping merged
                spans.sort()
                merged = []
                for s, e in spans:
                    if merged and s < merged[-1][1]:
                        merged[-1][1] = max(merged[-1][1], e)
                    else:
                        merged.append([s, e])
                spans = merged
            unit_lists[c] = clip(spans, cov[c][doc])
        for x in range(n):
            if m_x[x] < 2:
                continue
            value = {c: int(any(s <= x < e for s, e in unit_lists[c]))
                     for c in coders if cov[c][doc][x]}
            for i in value:
                for j in value:
                    if i != j:
                        u[value[i], value[j]] += 1.0 / (m_x[x] - 1)
        for c in coders:
            for s, e in unit_lists[c]:
                w = sum(1 for x in range(s, e) if m_x[x] >= 2)
                mass += w
                sq += w * w
    total = u.sum()
    if total == 0:
        return math.nan
    gaps = total - mass
    denom = total ** 2 - sq - gaps
    e11 = total * (mass ** 2 - sq) / denom
    e00 = total * (gaps ** 2 - gaps) / denom
    if total - e11 - e00 <= 1e-12:
        return math.nan
    return 1 - (u[0, 1] + u[1, 0]) / (total - e11 - e00)


def reference_alpha_u_parts(codings, lengths, code, coders, coverage):
    """(D_o, D_e) of alpha_U by loops over pairs of sections, on the common stretches."""
    cov = covered_masks(lengths, coders, coverage)
    sections = {c: [] for c in coders}  # (begin, length, is_unit) on one long continuum
    base = 0
    total = 0
    for doc, n in lengths.items():
        common = np.ones(n, bool)
        for c in coders:
            common &= cov[c][doc]
        stretches = runs(common)
        for c in coders:
            units = clip(clip(merged_units(codings, c, code, doc), cov[c][doc]), common)
            for rs, re_ in stretches:
                pos = rs
                for s, e in units:
                    if rs <= s < re_:
                        if s > pos:
                            sections[c].append((base + pos, s - pos, False))
                        sections[c].append((base + s, e - s, True))
                        pos = e
                if re_ > pos:
                    sections[c].append((base + pos, re_ - pos, False))
        total += int(common.sum())
        base += n
    m, length = len(coders), total
    if length == 0:
        return math.nan, math.nan

    def delta(g, h):
        (bg, lg, ug), (bh, lh, uh) = g, h
        if ug and uh and -lg < bg - bh < lh:
            return (bg - bh) ** 2 + (bg + lg - bh - lh) ** 2
        if ug and not uh and bh <= bg and bg + lg <= bh + lh:
            return lg ** 2
        if not ug and uh and bg <= bh and bh + lh <= bg + lg:
            return lh ** 2
        return 0

    observed = sum(delta(g, h) for i in coders for j in coders if i != j
                   for g in sections[i] for h in sections[j])
    d_o = observed / (m * (m - 1) * length ** 2)
    units = [lg for c in coders for _, lg, u in sections[c] if u]
    gaps = [lg for c in coders for _, lg, u in sections[c] if not u]
    n_k = len(units)
    numer = 0.0
    for lu in units:
        numer += (n_k - 1) * (2 * lu ** 3 - 3 * lu ** 2 + lu) / 3
        numer += lu ** 2 * sum(lg - lu + 1 for lg in gaps if lg >= lu)
    numer *= 2 / length
    denom = m * length * (m * length - 1) - sum(lu * (lu - 1) for lu in units)
    return d_o, numer / denom


def reference_cu(codings, lengths, codes, coders, coverage):
    """Valued coincidence matrix by a loop over characters, each unit's mass in it, then
    cu-alpha and Cu-alpha with the unitized expected coincidences (Krippendorff 2019,
    section 12.6: a unit is one indivisible element, S_c = sum of its squared masses)."""
    cov = covered_masks(lengths, coders, coverage)
    index = {k: i for i, k in enumerate(codes)}
    u = np.zeros((len(codes), len(codes)))
    squares = np.zeros(len(codes))
    for doc, n in lengths.items():
        m_x = sum(cov[c][doc].astype(int) for c in coders)
        units = {c: {k: clip(merged_units(codings, c, k, doc), cov[c][doc]) for k in codes}
                 for c in coders}
        mass = {(c, k, unit): 0.0 for c in coders for k in codes for unit in units[c][k]}
        for x in range(n):
            if m_x[x] < 2:
                continue
            held = {c: [(k, unit) for k in codes for unit in units[c][k]
                        if unit[0] <= x < unit[1]]
                    for c in coders if cov[c][doc][x]}
            for i in held:
                for j in held:
                    if i != j:
                        for a, unit_a in held[i]:
                            for b, _ in held[j]:
                                u[index[a], index[b]] += 1.0 / (m_x[x] - 1)
                                mass[(i, a, unit_a)] += 1.0 / (m_x[x] - 1)
        for (_, k, _), value in mass.items():
            squares[index[k]] += value * value

    def nominal(matrix, sq):
        total = matrix.sum()
        if total == 0 or total * total - sq.sum() <= 0:
            return math.nan
        margin = matrix.sum(axis=1)
        expected = total * (margin * margin - sq) / (total * total - sq.sum())
        d_e = total - expected.sum()
        return math.nan if d_e <= 1e-12 * total else 1 - (total - np.trace(matrix)) / d_e

    per_code = {}
    for k, i in index.items():
        r, t = u[i].sum(), u.sum()
        two = np.array([[u[i, i], r - u[i, i]], [r - u[i, i], t - 2 * r + u[i, i]]])
        per_code[k] = nominal(two, np.array([squares[i], squares.sum() - squares[i]]))
    return nominal(u, squares), per_code


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-9)


def random_case(rng, with_coverage):
    n_coders = rng.randint(2, 4)
    coders = [f"coder{c}" for c in range(n_coders)]
    codes = ["a", "b", "c"][: rng.randint(1, 3)]
    lengths = {f"doc{d}": rng.randint(15, 45) for d in range(rng.randint(1, 2))}
    rows = []
    for doc, n in lengths.items():
        for coder in coders:
            for _ in range(rng.randint(0, 5)):
                s = rng.randrange(n)
                e = min(n, s + rng.randint(1, 12))
                rows.append({"document": doc, "start": s, "end": e, "coder": coder,
                             "code": rng.choice(codes)})
    codings = pd.DataFrame(rows, columns=["document", "start", "end", "coder", "code"])
    coverage = None
    if with_coverage:
        cov_rows = []
        for doc, n in lengths.items():
            for coder in coders:
                if rng.random() < 0.8:
                    cut = rng.randint(n // 2, n)
                    cov_rows.append({"coder": coder, "document": doc, "start": 0, "end": cut})
        coverage = pd.DataFrame(cov_rows, columns=["coder", "document", "start", "end"])
    return codings, lengths, coders, codes, coverage


@pytest.mark.parametrize("seed", range(40))
def test_matches_straightforward_implementations(seed):
    rng = random.Random(seed)
    codings, lengths, coders, codes, coverage = random_case(rng, with_coverage=seed % 2 == 1)
    if coverage is not None:  # coders who covered nothing are left out (tested below)
        coders = [c for c in coders if (coverage.coder == c).any()]
        if len(coders) < 2:
            return
    table = unitizing_alpha(codings, lengths, coders=coders, codes=codes, coverage=coverage)
    sum_do = sum_de = 0.0
    for code in codes:
        got = row(table, code)
        want = reference_binary(codings, lengths, code, coders, coverage)
        assert (math.isnan(want) and math.isnan(got["binary_u_alpha"])) or \
            got["binary_u_alpha"] == pytest.approx(want, abs=1e-9), code
        d_o, d_e = reference_alpha_u_parts(codings, lengths, code, coders, coverage)
        if math.isnan(d_o):
            assert math.isnan(got["u_alpha"])
            continue
        sum_do += d_o
        sum_de += d_e
        assert got["u_alpha_D_o"] == pytest.approx(d_o, abs=1e-12)
        assert got["u_alpha_D_e"] == pytest.approx(d_e, rel=1e-9)
        if d_e > 0 and got["n_units"] > 0:
            assert got["u_alpha"] == pytest.approx(1 - d_o / d_e, abs=1e-9), code
        else:
            assert math.isnan(got["u_alpha"])
    want_cu, want_cap = reference_cu(codings, lengths, codes, coders, coverage)
    assert same(row(table, ALL_CODES)["cu_alpha"], want_cu)
    if len(codes) > 1:
        for code in codes:
            assert same(row(table, code)["Cu_alpha"], want_cap[code]), code
    everything = row(table, ALL_CODES)
    want_any = reference_binary(codings, lengths, None, coders, coverage, any_code=True)
    assert (math.isnan(want_any) and math.isnan(everything["binary_u_alpha"])) or \
        everything["binary_u_alpha"] == pytest.approx(want_any, abs=1e-9)
    if sum_de > 0:
        assert everything["u_alpha"] == pytest.approx(1 - sum_do / sum_de, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_single_character_units_equal_nominal_alpha_with_missing_values(seed):
    # when every unit is one character, |u-alpha is Krippendorff's nominal alpha over
    # characters; characters a coder did not cover are missing values
    rng = np.random.default_rng(seed)
    n = 400
    m = 2 + seed % 4
    coders = [f"c{c}" for c in range(m)]
    coded = rng.random((m, n)) < rng.uniform(0.05, 0.5)
    coded[1] = np.where(rng.random(n) < 0.8, coded[0], coded[1])  # some agreement
    starts = rng.integers(0, 150, m)
    ends = rng.integers(250, n + 1, m)
    starts[0], ends[0] = 0, n
    rows = [{"document": "d", "start": x, "end": x + 1, "coder": coders[c], "code": "k"}
            for c in range(m) for x in range(starts[c], ends[c]) if coded[c, x]]
    coverage = pd.DataFrame({"coder": coders, "document": "d", "start": starts, "end": ends})
    table = unitizing_alpha(pd.DataFrame(rows), {"d": n}, coders=coders, coverage=coverage)
    data = coded.astype(float)
    for c in range(m):
        data[c, :starts[c]] = np.nan
        data[c, ends[c]:] = np.nan
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert row(table, "k")["binary_u_alpha"] == pytest.approx(expected, abs=1e-12)
    assert row(table, ALL_CODES)["binary_u_alpha"] == pytest.approx(expected, abs=1e-12)


# --------------------------------------------------------------------------- cu / Cu by hand

def test_cu_alpha_hand_computed():
    # two coders on 10 characters. ana: a on [0,4), b on [4,8); ben: a on [0,6), b on [6,8)
    codings = frame([(0, 4, 0, "a"), (4, 4, 0, "b"), (0, 6, 1, "a"), (6, 2, 1, "b")])
    table = unitizing_alpha(codings, {"d": 10})
    # valued coincidences (m - 1 = 1, both orders): a-a 4+4 = 8, b-b 2+2 = 4,
    # a-b 2 (ana b x ben a on [4,6)) and b-a 2: matrix [[8, 2], [2, 4]], n = 16,
    # margins 10, 6; D_o = 4. Each unit is one element: its mass in the matrix is
    # ana a 4, ana b 2 + 2 = 4, ben a 4 + 2 = 6, ben b 2, so S_a = 16 + 36, S_b = 16 + 4;
    # e_aa = 16 (100 - 52) / (256 - 72), e_bb = 16 (36 - 20) / (256 - 72)
    d_e = 16 - 16 * (48 + 16) / 184
    assert row(table, ALL_CODES)["cu_alpha"] == pytest.approx(1 - 4 / d_e)
    # Cu for a: 2x2 of a vs other codes is the same matrix (and the same S) here
    assert row(table, "a")["Cu_alpha"] == pytest.approx(1 - 4 / d_e)
    # binary for "any code": both coded [0,8), gaps [8,10): perfect
    assert row(table, ALL_CODES)["binary_u_alpha"] == pytest.approx(1.0)


# --------------------------------------------------------------------------- degenerate

def test_degenerate_cases_are_nan_with_reason():
    codings = frame([(0, 4, 0, "a"), (0, 4, 1, "a")])
    one = unitizing_alpha(codings, {"d": 10}, coders=["coder0"])
    assert one["u_alpha"].isna().all() and one["reason"].str.contains("two coders").all()
    unused = unitizing_alpha(codings, {"d": 10}, codes=["a", "z"])
    assert math.isnan(row(unused, "z")["u_alpha"])
    assert "no coder applied" in row(unused, "z")["reason"]
    assert row(unused, "a")["u_alpha"] == pytest.approx(1.0)
    # a coder who covered nothing is left out, with a warning
    nothing = pd.DataFrame({"coder": ["coder0", "coder1"], "document": "d", "start": 0,
                            "end": 10})
    with pytest.warns(UserWarning, match="coder2"):
        two = unitizing_alpha(codings, {"d": 10}, coders=["coder0", "coder1", "coder2"],
                              coverage=nothing)
    assert two.attrs["coders"] == ["coder0", "coder1"]
    assert row(two, "a")["u_alpha"] == pytest.approx(1.0)
    # coverage that never overlaps: nothing is pairable
    coverage = pd.DataFrame({"coder": ["coder0", "coder1"], "document": "d",
                             "start": [0, 5], "end": [5, 10]})
    apart = unitizing_alpha(codings, {"d": 10}, coverage=coverage)
    assert apart["binary_u_alpha"].isna().all()
    assert apart["pairable_characters"].eq(0).all()
    assert "common" in row(apart, ALL_CODES)["reason"] or \
        "every coder" in row(apart, ALL_CODES)["reason"]


def test_gaps_and_coverage_matter():
    # the same two units agree perfectly; ben did not cover the second half, where ana
    # coded alone: with coverage that text is not held against them
    codings = frame([(0, 3, 0, "a"), (0, 3, 1, "a"), (12, 5, 0, "a")])
    full = unitizing_alpha(codings, {"d": 20})
    coverage = pd.DataFrame({"coder": ["coder0", "coder1"], "document": "d",
                             "start": [0, 0], "end": [20, 10]})
    part = unitizing_alpha(codings, {"d": 20}, coverage=coverage)
    assert row(full, "a")["binary_u_alpha"] < 0.6
    assert row(part, "a")["binary_u_alpha"] == pytest.approx(1.0)
    assert row(part, "a")["u_alpha"] == pytest.approx(1.0)
    assert row(part, "a")["common_characters"] == 10


def test_bad_input_is_refused_with_a_message():
    codings = frame([(0, 30, 0, "a")])
    with pytest.raises(AgreementInputError, match="inside the document"):
        unitizing_alpha(codings, {"d": 10})
    with pytest.raises(AgreementInputError, match="No text length"):
        unitizing_alpha(codings, {"d": 40}, documents=["d", "e"])
    with pytest.raises(AgreementInputError, match="columns"):
        unitizing_alpha(codings.drop(columns="coder"), {"d": 40})


# --------------------------------------------------------------------------- hypothesis

_SPAN = st.tuples(st.integers(0, 24), st.integers(1, 10), st.sampled_from(["a", "b"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_SPAN, max_size=4), min_size=2, max_size=3),
       st.lists(st.integers(8, 25), min_size=3, max_size=3))
def test_hypothesis_cases_match_the_references(spans, cuts):
    n = 25
    coders = [f"coder{c}" for c in range(len(spans))]
    rows = [{"document": "d", "start": s, "end": min(n, s + ln), "coder": coders[c], "code": k}
            for c, mine in enumerate(spans) for s, ln, k in mine if s < n]
    codings = pd.DataFrame(rows, columns=["document", "start", "end", "coder", "code"])
    coverage = pd.DataFrame({"coder": coders, "document": "d", "start": 0,
                             "end": cuts[: len(coders)]})
    table = unitizing_alpha(codings, {"d": n}, coders=coders, codes=["a", "b"],
                            coverage=coverage)
    for code in ("a", "b"):
        want = reference_binary(codings, {"d": n}, code, coders, coverage)
        assert same(row(table, code)["binary_u_alpha"], want)
        d_o, d_e = reference_alpha_u_parts(codings, {"d": n}, code, coders, coverage)
        assert row(table, code)["u_alpha_D_o"] == pytest.approx(d_o, abs=1e-12)
        assert row(table, code)["u_alpha_D_e"] == pytest.approx(d_e, rel=1e-9)
    want_cu, _ = reference_cu(codings, {"d": n}, ["a", "b"], coders, coverage)
    assert same(row(table, ALL_CODES)["cu_alpha"], want_cu)
