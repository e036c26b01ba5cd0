"""Project-level unitizing and tool comparison (workbench.agreement), on both backends."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench
from workbench import Project
from workbench.analysis.tool_comparison import tool_comparison as plain_tool_comparison
from workbench.analysis.unitizing import ALL_CODES, unitizing_alpha
from workbench.errors import AgreementInputError


def _plain_inputs(project: Project):
    docs = project.documents()
    lengths = {d: len(project.document_text(d)) for d in docs}
    codes = [c.key for c in project.codebook.codes]
    return project.codings(), lengths, list(project.coders()), codes


def test_unitizing_agreement_reads_the_project(demo_project: Project) -> None:
    codings, lengths, coders, codes = _plain_inputs(demo_project)
    table = workbench.unitizing_agreement(demo_project)
    expected = unitizing_alpha(codings, lengths, coders=coders, codes=codes)
    pd.testing.assert_frame_equal(table, expected)
    assert table["code"].tolist() == [*codes, ALL_CODES]
    assert table.attrs["coverage"].startswith("not recorded")
    assert table["binary_u_alpha"].notna().any()


def test_coverage_limits_each_coders_continuum(demo_project: Project) -> None:
    coders = list(demo_project.coders())
    doc = demo_project.documents()[0]
    segments = demo_project.segments()
    mine = segments[segments["document"] == doc].sort_values("segment_index")
    for coder in coders[:2]:
        demo_project.set_coverage(coder, doc, "done", force=True, note="test")
    demo_project.set_position(coders[2], doc, int(mine["segment_index"].iloc[1]))
    demo_project.set_coverage(coders[2], doc, "in_progress")
    length = len(demo_project.document_text(doc))
    with pytest.warns(UserWarning, match="idle coder"):
        excluded = workbench.unitizing_agreement(demo_project, documents=[doc])
    # the third coder covers nothing and is left out: the two others cover all of it
    assert excluded.attrs["coders"] == coders[:2]
    assert excluded["common_characters"].eq(length).all()
    assert excluded["pairable_characters"].eq(length).all()
    upto = workbench.unitizing_agreement(demo_project, documents=[doc], in_progress="up_to_last")
    # all three count; alpha_U's common stretch ends with the third coder's last segment
    assert upto.attrs["coders"] == coders
    assert upto["common_characters"].eq(int(mine["end"].iloc[1])).all()
    assert upto["pairable_characters"].eq(length).all()
    assert "furthest segment" in upto.attrs["coverage"]


def test_tool_comparison_reads_the_project(demo_project: Project) -> None:
    codings, lengths, coders, codes = _plain_inputs(demo_project)
    table = workbench.tool_comparison(demo_project, min_overlap=80)
    expected = plain_tool_comparison(codings, lengths, coders=coders, codes=codes,
                                     min_overlap=80)
    pd.testing.assert_frame_equal(table, expected)
    assert set(table["tool"]) == {"NVivo", "MAXQDA", "ATLAS.ti", "QDA Miner"}


def test_wrong_names_are_refused(sqlite_demo: Project) -> None:
    with pytest.raises(AgreementInputError, match="not registered"):
        workbench.unitizing_agreement(sqlite_demo, coders=["nobody", "else"])
    with pytest.raises(AgreementInputError, match="No document"):
        workbench.tool_comparison(sqlite_demo, documents=["missing"])
    with pytest.raises(AgreementInputError, match="codebook"):
        workbench.unitizing_agreement(sqlite_demo, codes=["no_such_code"])
    with pytest.raises(AgreementInputError, match="list of names"):
        workbench.unitizing_agreement(sqlite_demo, coders="ana")
