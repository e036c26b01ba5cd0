"""Cluster (document, dyad) bootstrap intervals against a plain reference implementation.

The reference redoes the bootstrap the long way: per replicate it draws D document
indices uniformly with replacement (``rng.integers(0, D, D, dtype=np.int32)``, the draws
the workbench documents, so the same seed gives the same replicates), stacks the drawn
documents' rating rows and computes alpha with the ``krippendorff`` package.
"""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest

from workbench.analysis import (
    Presence,
    bootstrap_ci,
    code_agreement_table,
    overall_agreement,
    presence_agreement_table,
)
from workbench.errors import AgreementInputError

CODERS = ["ana", "ben", "cy"]


def _documents(n_docs: int, seed: int, *, correlated: bool) -> tuple[np.ndarray, np.ndarray]:
    """Decisions (units, 3 coders, 1 code) and each unit's document label.

    With ``correlated`` half the documents are "easy" (coders almost always agree) and
    half "hard" (coders often differ): agreement depends on the document.
    """
    rng = np.random.default_rng(seed)
    sizes = rng.integers(20, 60, n_docs)
    blocks, labels = [], []
    for d, size in enumerate(sizes):
        truth = rng.random(size) < 0.3
        flip = (0.02 if d % 2 else 0.35) if correlated else 0.15
        noise = rng.random((size, 3)) < flip
        blocks.append(truth[:, None] ^ noise)
        labels += [f"doc{d:02d}"] * int(size)
    return np.concatenate(blocks)[:, :, None], np.array(labels, dtype=object)


def _reference(ratings: np.ndarray, labels: np.ndarray, n_boot: int, seed: int,
               confidence: float = 0.95) -> tuple[float, float]:
    """Percentile interval of alpha, resampling documents (order of first appearance)."""
    order = list(dict.fromkeys(labels))
    rows = {doc: ratings[labels == doc] for doc in order}
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_boot):
        picks = rng.integers(0, len(order), len(order), dtype=np.int32)
        drawn = np.concatenate([rows[order[i]] for i in picks])
        if len(np.unique(drawn)) < 2:
            continue
        values.append(krippendorff.alpha(drawn.T.astype(float),
                                         level_of_measurement="nominal"))
    tail = (1 - confidence) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return float(low), float(high)


def test_document_bootstrap_matches_the_reference_with_the_same_seed() -> None:
    array, labels = _documents(12, seed=1, correlated=True)
    presence = Presence.from_array(array, CODERS, ["k"], documents=labels)
    table = presence_agreement_table(presence, n_boot=400, seed=5, resample="document")
    low, high = _reference(array[:, :, 0].astype(int), labels, 400, 5)
    assert table.loc[0, "ci_low"] == pytest.approx(low, abs=1e-9)
    assert table.loc[0, "ci_high"] == pytest.approx(high, abs=1e-9)
    assert table.attrs["ci"]["resample"] == "document"
    assert "resampling documents" in table.attrs["ci"]["method"]
    # the public unit-level function, given the documents as clusters, agrees too
    ci = bootstrap_ci(array[:, :, 0].astype(float), n_boot=400, seed=5, clusters=labels)
    assert (ci.low, ci.high) == pytest.approx((low, high), abs=1e-9)
    assert "clusters" in ci.method


def test_frames_default_to_documents_and_match_the_reference() -> None:
    array, labels = _documents(10, seed=2, correlated=True)
    n = len(labels)
    segments = pd.DataFrame({"segment_id": np.arange(n), "document": labels})
    unit, coder, _ = np.nonzero(array)
    codings = pd.DataFrame({"segment_id": unit, "coder": np.array(CODERS)[coder],
                            "code": "k"})
    table = code_agreement_table(segments, codings, CODERS, ["k"], n_boot=300, seed=9)
    assert table.attrs["ci"]["resample"] == "document"
    low, high = _reference(array[:, :, 0].astype(int), labels, 300, 9)
    assert (table.loc[0, "ci_low"], table.loc[0, "ci_high"]) == pytest.approx(
        (low, high), abs=1e-9)


def test_document_intervals_are_wider_when_agreement_depends_on_the_document() -> None:
    array, labels = _documents(30, seed=3, correlated=True)
    presence = Presence.from_array(array, CODERS, ["k"], documents=labels)
    seg = presence_agreement_table(presence, n_boot=1000, resample="segment").iloc[0]
    doc = presence_agreement_table(presence, n_boot=1000, resample="document").iloc[0]
    assert doc["krippendorff_alpha"] == seg["krippendorff_alpha"]
    assert doc["ci_high"] - doc["ci_low"] > 1.5 * (seg["ci_high"] - seg["ci_low"])
    # without document effects the two are about as wide
    flat, flat_labels = _documents(30, seed=3, correlated=False)
    presence = Presence.from_array(flat, CODERS, ["k"], documents=flat_labels)
    seg = presence_agreement_table(presence, n_boot=1000, resample="segment").iloc[0]
    doc = presence_agreement_table(presence, n_boot=1000, resample="document").iloc[0]
    ratio = (doc["ci_high"] - doc["ci_low"]) / (seg["ci_high"] - seg["ci_low"])
    assert 0.6 < ratio < 1.5


def _frames(array: np.ndarray, labels: np.ndarray, dyads: np.ndarray | None = None
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(labels)
    segments = pd.DataFrame({"segment_id": np.arange(n), "document": labels})
    if dyads is not None:
        segments["dyad"] = dyads
    unit, coder, code = np.nonzero(array)
    codings = pd.DataFrame({"segment_id": unit, "coder": np.array(CODERS)[coder],
                            "code": np.array(["k", "m"])[code]})
    return segments, codings


def test_overall_interval_metadata_says_what_it_resamples() -> None:
    a, labels = _documents(12, seed=4, correlated=True)
    b, _ = _documents(12, seed=4, correlated=False)
    array = np.concatenate([a, b[: len(a)]], axis=2)
    segments, codings = _frames(array, labels)
    for resample, word in (("document", "documents"), ("segment", "segments")):
        table = overall_agreement(segments, codings, CODERS, ["k", "m"], n_boot=200,
                                  resample=resample)
        assert table.attrs["ci"]["resample"] == resample
        assert f"resampling {word}" in table.attrs["ci"]["method"]
        assert f"resampling {word}" in table.attrs["overall"]
        assert "decisions" in table.attrs["ci"]["method"]


def test_overall_document_interval_matches_a_pooled_reference() -> None:
    a, labels = _documents(10, seed=6, correlated=True)
    b, _ = _documents(10, seed=6, correlated=False)
    array = np.concatenate([a, b[: len(a)]], axis=2)
    segments, codings = _frames(array, labels)
    table = overall_agreement(segments, codings, CODERS, ["k", "m"], n_boot=300, seed=2)
    # pooled: every (segment, code) decision is a row; a document carries all of its rows
    pooled = array.transpose(0, 2, 1).reshape(-1, 3).astype(int)
    low, high = _reference(pooled, np.repeat(labels, 2), 300, 2)
    assert (table.loc[0, "ci_low"], table.loc[0, "ci_high"]) == pytest.approx(
        (low, high), abs=1e-9)


def test_dyad_resampling_and_bad_choices() -> None:
    array, labels = _documents(12, seed=7, correlated=True)
    dyads = np.array([f"D{int(label[3:]) // 3}" for label in labels], dtype=object)
    segments, codings = _frames(array, labels, dyads)
    table = code_agreement_table(segments, codings, CODERS, ["k"], n_boot=300,
                                 resample="dyad")
    assert table.attrs["ci"]["resample"] == "dyad"
    low, high = _reference(array[:, :, 0].astype(int), dyads, 300, 0)
    assert (table.loc[0, "ci_low"], table.loc[0, "ci_high"]) == pytest.approx(
        (low, high), abs=1e-9)
    no_dyad = segments.drop(columns="dyad")
    with pytest.raises(AgreementInputError, match="needs a 'dyad' column"):
        code_agreement_table(no_dyad, codings, CODERS, ["k"], n_boot=300, resample="dyad")
    with pytest.raises(AgreementInputError, match="resample must be one of"):
        code_agreement_table(segments, codings, CODERS, ["k"], resample="turn")  # type: ignore[arg-type]
    # no interval asked: no document column needed
    bare = segments.drop(columns=["document", "dyad"])
    plain = code_agreement_table(bare, codings, CODERS, ["k"], n_boot=0)
    assert math.isnan(plain.loc[0, "ci_low"])
