"""The public agreement API: explicit signatures, provenance shown with every number,
disagreements that honour coverage, and the report command's round options."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import workbench
from workbench import agreement as ag
from workbench.analysis import disagreement_table
from workbench.cli import main
from workbench.project import Project
from workbench.views.agreement_figures import alpha_chart, coder_heatmap

PUBLIC = ("code_agreement", "theme_agreement", "overall_agreement", "coder_agreement_matrix",
          "disagreements", "describe_agreement", "agreement_inputs")


@pytest.mark.parametrize("name", PUBLIC)
def test_project_functions_are_exported_with_explicit_keywords(name: str) -> None:
    func = getattr(workbench, name)
    assert func is getattr(ag, name)
    params = list(inspect.signature(func).parameters.values())
    assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in params), name
    assert all(p.kind is not inspect.Parameter.VAR_POSITIONAL for p in params), name
    if name not in ("describe_agreement",):
        # after the project (and disagreements' code) every option is keyword-only
        positional = [p.name for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        assert positional in (["project"], ["project", "code"]), (name, positional)


def test_analysis_takes_plain_data_and_never_imports_project() -> None:
    folder = Path(workbench.__file__).parent / "analysis"
    for path in folder.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "workbench.project" not in text and "import Project" not in text, path.name
    code = ("import sys, workbench.analysis; "
            "print('workbench.project' in sys.modules, 'workbench.storage' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]
    assert not (folder / "project_agreement.py").exists()


def _mark_done(project: Project, coders: list[str], documents: list[str]) -> None:
    for coder in coders:
        for doc in documents:
            project.set_coverage(coder, doc, "done", force=True, note="test")


def test_provenance_states_every_fact(demo_project: Project) -> None:
    docs = demo_project.documents()
    _mark_done(demo_project, ["ana", "ben", "chloe"], docs)
    table = ag.code_agreement(demo_project, n_boot=200, seed=4)
    text = ag.describe_agreement(table)
    assert text == table.attrs["provenance"]
    used = table.attrs["units_used"]
    participant = int((demo_project.segments()["role"] == "participant").sum())
    assert table.attrs["n_units"] == participant
    for fact in (
        "Agreement per code",
        "unit: segment (participant segments)",
        "uncoded units included",
        f"overlap rule: {demo_project.overlap_rule.describe()}",
        "coders (3): ana, ben, chloe",
        f"documents ({len(docs)}, all with selected units)",
        f"units used: {participant:,} segments selected",
        f"pairable units ({used['pairable']:,} segments)",
        f"complete units ({used['complete']:,} segments)",
        "missing data: a coder counts on documents marked done",
        "95% percentile bootstrap, resampling documents with replacement",
        "200 replicates, seed 4",
    ):
        assert fact in text, fact
    other = ag.overall_agreement(demo_project, documents=docs[:1], roles=None,
                                 include_uncoded=False, n_boot=0)
    text = ag.describe_agreement(other)
    assert "Overall agreement" in text and "every speaker's segments" in text
    assert "uncoded units excluded" in text and "interval: none (n_boot=0)" in text
    assert f"documents (1, chosen): {docs[0]}" in text
    assert other.attrs["roles"] is None


def test_figures_show_the_provenance(sqlite_demo: Project) -> None:
    table = ag.code_agreement(sqlite_demo, n_boot=200)
    fig = alpha_chart(table, sqlite_demo.codebook)
    notes = " ".join(a.text for a in fig.layout.annotations)
    assert "resampling documents" in notes and "seed 0" in notes
    assert "participant segments" in notes and "coders (3)" in notes
    heat = coder_heatmap(ag.coder_agreement_matrix(sqlite_demo))
    notes = " ".join(a.text for a in heat.layout.annotations)
    assert "coders (3)" in notes and "unit: segment" in notes


# -- disagreements and coverage -----------------------------------------------------------
SEGMENTS = pd.DataFrame({
    "segment_id": [1, 2, 3, 4], "document": ["A", "A", "B", "B"],
    "segment_index": [0, 1, 0, 1], "speaker": "C", "text": ["a", "b", "c", "d"],
})
CODINGS = pd.DataFrame({  # ana and ben agree everywhere; cy applies nothing on B
    "segment_id": [1, 1, 3, 3, 4, 2],
    "coder": ["ana", "ben", "ana", "ben", "ana", "cy"],
    "code": ["k", "k", "k", "k", "k", "k"],
})
COVERAGE = pd.DataFrame({"coder": ["ana", "ben", "cy", "ana", "ben"],
                         "document": ["A", "A", "A", "B", "B"],
                         "status": "done", "furthest_idx": 1})


def test_absent_on_an_uncovered_document_is_no_disagreement() -> None:
    plain = disagreement_table(SEGMENTS, CODINGS, ["ana", "ben", "cy"], ["k"])
    # without coverage cy's "absent" on B disputes segments 3 and 4
    assert plain["segment_id"].tolist() == [1, 2, 3, 4]
    covered = disagreement_table(SEGMENTS, CODINGS, ["ana", "ben", "cy"], ["k"],
                                 coverage=COVERAGE)
    # on B only ana and ben count: 3 is agreed, 4 disputed between them
    assert covered["segment_id"].tolist() == [1, 2, 4]
    row = covered.set_index("segment_id").loc[4]
    assert row["applied_by"] == "ana" and row["not_applied_by"] == "ben"
    assert row["not_covered_by"] == "cy" and row["codes_by_cy"] is None
    assert covered.set_index("segment_id").loc[1, "not_applied_by"] == "cy"
    assert covered.attrs["coverage"].startswith("a coder counts on documents marked done")


def test_project_disagreements_honour_coverage(demo_project: Project) -> None:
    docs = demo_project.documents()
    _mark_done(demo_project, ["ana", "ben"], docs)
    _mark_done(demo_project, ["chloe"], docs[:1])
    table = ag.disagreements(demo_project)
    later = table[table["document"] != docs[0]]
    assert len(later) > 0
    assert (later["not_covered_by"] == "chloe").all()
    assert not later["applied_by"].str.contains("chloe").any()
    assert not later["not_applied_by"].str.contains("chloe").any()
    # the same rows as: all three on the first document, ana and ben on the others
    segments, codings = demo_project.segments(), demo_project.codings()
    codes = [c.key for c in demo_project.codebook.codes]
    first = disagreement_table(segments, codings, ["ana", "ben", "chloe"], codes,
                               filters={"document": docs[:1]}, roles=["participant"])
    rest = disagreement_table(segments, codings, ["ana", "ben"], codes,
                              filters={"document": docs[1:]}, roles=["participant"])
    expected = pd.concat([first, rest])[["segment_id", "code"]]
    got = table[["segment_id", "code"]]
    assert sorted(map(tuple, got.to_numpy().tolist())) == sorted(
        map(tuple, expected.to_numpy().tolist()))


def test_report_command_takes_coders_documents_and_a_round(tmp_path: Path) -> None:
    from workbench.testing import make_demo_project

    path = tmp_path / "p.sqlite"
    with make_demo_project(path) as project:
        docs = project.documents()
        project.save_round("r1", ["ana", "ben"], docs[:1])
    out = tmp_path / "r.html"
    assert main(["report", str(path), str(out), "--round", "r1",
                 "--tables-dir", str(tmp_path / "t")]) == 0
    page = out.read_text(encoding="utf-8")
    assert "reliability round &#x27;r1&#x27;" in page and "coders (2): ana, ben" in page
    assert f"documents (1, chosen): {docs[0]}" in page
    about = pd.read_csv(tmp_path / "t" / "agreement_provenance.csv")
    assert about["provenance"].str.contains("coders \\(2\\): ana, ben").any()
    out2 = tmp_path / "r2.html"
    assert main(["report", str(path), str(out2), "--coders", "ana,chloe",
                 "--documents", ",".join(docs[:2])]) == 0
    page = out2.read_text(encoding="utf-8")
    assert "coders (2): ana, chloe" in page and "documents (2, chosen)" in page
    assert main(["report", str(path), str(tmp_path / "r3.html"), "--round", "nope"]) == 2
