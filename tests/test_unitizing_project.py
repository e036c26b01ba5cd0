"""Project-level unitizing and tool comparison (workbench.agreement), on both backends."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench
from workbench import Project
from workbench.analysis.tool_comparison import tool_comparison as plain_tool_comparison
from workbench.analysis.unitizing import ALL_CODES, unitizing_alpha
from workbench.errors import AgreementInputError


def _spoken(project: Project, doc: str, roles: tuple[str, ...] | None = ("participant",),
            upto: int | None = None) -> list[tuple[int, int]]:
    """The turn texts of ``roles`` in ``doc`` (clipped at ``upto``), read turn by turn."""
    out = []
    for turn in project.turns(doc).itertuples():
        if roles is None or turn.role in roles:
            end = turn.end if upto is None else min(turn.end, upto)
            if end > turn.start:
                out.append((turn.start, end))
    return out


def _plain_inputs(project: Project, roles: tuple[str, ...] | None = ("participant",)):
    docs = project.documents()
    lengths = {d: len(project.document_text(d)) for d in docs}
    codes = [c.key for c in project.codebook.codes]
    coders = list(project.coders())
    coverage = pd.DataFrame([(coder, d, s0, e0) for coder in coders for d in docs
                             for s0, e0 in _spoken(project, d, roles)],
                            columns=["coder", "document", "start", "end"])
    return project.codings(), lengths, coders, codes, coverage


@pytest.mark.parametrize("roles", [("participant",), None])
def test_unitizing_agreement_reads_the_project(demo_project: Project,
                                               roles: tuple[str, ...] | None) -> None:
    codings, lengths, coders, codes, coverage = _plain_inputs(demo_project, roles)
    table = workbench.unitizing_agreement(demo_project, roles=roles)
    expected = unitizing_alpha(codings, lengths, coders=coders, codes=codes, coverage=coverage)
    pd.testing.assert_frame_equal(table, expected)
    assert table["code"].tolist() == [*codes, ALL_CODES]
    assert table.attrs["coverage"].startswith("not recorded")
    assert "labels and stop lines left out" in table.attrs["coverage"]
    assert table["binary_u_alpha"].notna().any()
    # the continuum is what was said: no speaker label or stop line counts as uncoded text
    said = sum(e0 - s0 for d in demo_project.documents() for s0, e0 in _spoken(
        demo_project, d, roles))
    assert table["common_characters"].eq(said).all()
    assert said < sum(lengths.values())


def test_coverage_limits_each_coders_continuum(demo_project: Project) -> None:
    coders = list(demo_project.coders())
    doc = demo_project.documents()[0]
    segments = demo_project.segments()
    mine = segments[(segments["document"] == doc) & (segments["role"] == "participant")
                    ].sort_values("segment_index")
    for coder in coders[:2]:
        demo_project.set_coverage(coder, doc, "done", force=True, note="test")
    demo_project.set_position(coders[2], doc, int(mine["segment_index"].iloc[1]))
    demo_project.set_coverage(coders[2], doc, "in_progress")
    length = sum(e0 - s0 for s0, e0 in _spoken(demo_project, doc))
    with pytest.warns(UserWarning, match="idle coder"):
        excluded = workbench.unitizing_agreement(demo_project, documents=[doc])
    # the third coder covers nothing and is left out: the two others cover all of it
    assert excluded.attrs["coders"] == coders[:2]
    assert excluded["common_characters"].eq(length).all()
    assert excluded["pairable_characters"].eq(length).all()
    upto = workbench.unitizing_agreement(demo_project, documents=[doc], in_progress="up_to_last")
    # all three count; alpha_U's common stretch ends with the third coder's last segment
    assert upto.attrs["coders"] == coders
    reached = sum(e0 - s0 for s0, e0 in _spoken(demo_project, doc,
                                                 upto=int(mine["end"].iloc[1])))
    assert upto["common_characters"].eq(reached).all()
    assert upto["pairable_characters"].eq(length).all()
    assert "furthest segment" in upto.attrs["coverage"]


def test_tool_comparison_reads_the_project(demo_project: Project) -> None:
    codings, lengths, coders, codes, coverage = _plain_inputs(demo_project)
    table = workbench.tool_comparison(demo_project, min_overlap=80)
    expected = plain_tool_comparison(codings, lengths, coders=coders, codes=codes,
                                     min_overlap=80, coverage=coverage)
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
