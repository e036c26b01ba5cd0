"""Coverage and rounds through the Project: agreement functions, report, CLI, sample."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from workbench import agreement as pa
from workbench.cli import main
from workbench.errors import AgreementInputError
from workbench.project import open_project
from workbench.report import build_report

CODE_COLUMNS = ["code", "krippendorff_alpha", "cohen_kappa_mean", "fleiss_kappa",
                "percent_agreement", "n_units"]


def _mark_done(project, coders, documents):
    for coder in coders:
        for doc in documents:
            project.set_coverage(coder, doc, "done", force=True, note="test")


def test_idle_coder_changes_no_number_without_coverage(demo_project):
    base = pa.code_agreement(demo_project, n_boot=200)
    demo_project.add_coder("idle")
    with pytest.warns(UserWarning, match=r"\['idle'\]"):
        more = pa.code_agreement(demo_project, n_boot=200)
    pd.testing.assert_frame_equal(base, more)
    assert more.attrs["coverage"] == pa.NO_COVERAGE


def test_idle_coder_changes_no_number_with_coverage(demo_project):
    docs = demo_project.documents()
    _mark_done(demo_project, ["ana", "ben", "chloe"], docs)
    base = pa.code_agreement(demo_project, n_boot=200)
    demo_project.add_coder("idle")
    with pytest.warns(UserWarning, match=r"\['idle'\]"):
        more = pa.code_agreement(demo_project, n_boot=200)
    pd.testing.assert_frame_equal(base, more)
    assert more.attrs["coverage"].startswith("a coder counts on documents marked done")
    assert more.attrs["dropped_coders"] == ["idle"]


def test_coverage_makes_uncovered_documents_missing(demo_project):
    docs = demo_project.documents()
    _mark_done(demo_project, ["ana", "ben"], docs)
    _mark_done(demo_project, ["chloe"], docs[:2])
    table = pa.code_agreement(demo_project, n_boot=0).set_index("code")
    # the units are participant segments by default
    first_two = demo_project.segments(document=docs[:2])
    n_first_two = int((first_two["role"] == "participant").sum())
    n_all = int((demo_project.segments()["role"] == "participant").sum())
    assert 0 < n_first_two < n_all
    assert (table["n_units_fleiss_kappa"] == n_first_two).all()
    assert (table["n_units_krippendorff_alpha"] == n_all).all()
    # Fleiss on the complete units equals Fleiss of all three on those documents
    only = pa.code_agreement(demo_project, documents=docs[:2], n_boot=0).set_index("code")
    assert np.allclose(table["fleiss_kappa"], only["fleiss_kappa"], equal_nan=True)
    # ana and ben's kappa uses every document, chloe's pairs only the first two
    pairs = pa.code_agreement(demo_project, pairwise_kappa=True, n_boot=0).iloc[0]
    assert pairs["n_units[ana|ben]"] == n_all
    assert pairs["n_units[ana|chloe]"] == n_first_two


def test_coders_documents_and_rounds(demo_project):
    docs = demo_project.documents()
    chosen = pa.code_agreement(demo_project, coders=["ana", "ben"], documents=docs[:2],
                               n_boot=0)
    assert chosen.attrs["coders"] == ["ana", "ben"]
    assert chosen.attrs["filters"] == {"document": docs[:2]}
    demo_project.save_round("pilot", ["ana", "ben"], docs[:2])
    by_round = pa.code_agreement(demo_project, round="pilot", n_boot=0)
    pd.testing.assert_frame_equal(chosen, by_round)
    assert by_round.attrs["round"] == "pilot"
    overall = pa.overall_agreement(demo_project, round="pilot", n_boot=0)
    assert overall.attrs["coders"] == ["ana", "ben"]
    matrix = pa.coder_agreement_matrix(demo_project, round="pilot")
    assert list(matrix.index) == ["ana", "ben"]
    with pytest.raises(AgreementInputError, match="not registered"):
        pa.code_agreement(demo_project, coders=["ana", "zed"], n_boot=0)
    with pytest.raises(AgreementInputError, match="No document"):
        pa.code_agreement(demo_project, documents=["nope"], n_boot=0)


def test_report_states_coverage_and_takes_a_round(sqlite_demo):
    docs = sqlite_demo.documents()
    report = build_report(sqlite_demo, coders=["ana", "ben"], documents=docs[:2])
    assert "Coders ana, ben" in report.agreement_note
    assert "Coverage: not recorded" in report.agreement_note
    assert report.tables["agreement_per_code"].attrs["filters"] == {"document": docs[:2]}


def test_cli_coverage_round_and_agreement(tmp_path, capsys):
    from workbench.testing import make_demo_project

    path = tmp_path / "p.sqlite"
    make_demo_project(path).close()
    project = str(path)
    with open_project(project) as p:
        docs = p.documents()
        last = int(p.segments(document=docs[0])["segment_index"].max())
        p.set_position("ana", docs[0], last)
    assert main(["coverage", project, "--coder", "ana", "--document", docs[0],
                 "--status", "done"]) == 0
    assert main(["coverage", project, "--coder", "ben", "--document", docs[0],
                 "--status", "done"]) == 2
    assert "visit every unit" in capsys.readouterr().err
    assert main(["coverage", project, "--coder", "ben", "--document", docs[0],
                 "--status", "done", "--force", "--note", "paper"]) == 0
    capsys.readouterr()
    assert main(["coverage", project]) == 0
    listing = capsys.readouterr().out
    assert f"ana\t{docs[0]}\tdone" in listing and f"ben\t{docs[0]}\tdone" in listing
    assert "(paper)" in listing
    assert main(["round", project, "r1", "--coders", "ana,ben", "--documents", docs[0]]) == 0
    out_csv = tmp_path / "t.csv"
    assert main(["agreement", project, "--round", "r1", "--n-boot", "0",
                 "--out", str(out_csv)]) == 0
    printed = capsys.readouterr().out
    assert "coders (2): ana, ben" in printed and "reliability round 'r1'" in printed
    assert f"documents (1, chosen): {docs[0]}" in printed
    assert "missing data: a coder counts on documents marked done" in printed
    assert "unit: segment (participant segments)" in printed
    # the same lines head the CSV as comment lines, and the table reads back without them
    head = out_csv.read_text(encoding="utf-8").splitlines()
    assert head[0].startswith("# Agreement per code") and "# coders (2): ana, ben" in head
    table = pd.read_csv(out_csv, comment="#")
    with open_project(project) as p:
        expected = pa.code_agreement(p, round="r1", n_boot=0)
    assert np.allclose(table["krippendorff_alpha"], expected["krippendorff_alpha"],
                       equal_nan=True)
    out_xlsx = tmp_path / "t.xlsx"
    assert main(["agreement", project, "--coders", "ana,ben", "--documents", docs[0],
                 "--by", "overall", "--n-boot", "0", "--out", str(out_xlsx)]) == 0
    sheet = pd.read_excel(out_xlsx)
    assert sheet["scope"].tolist() == ["overall"]
    about = pd.read_excel(out_xlsx, sheet_name="about")["about"].tolist()
    assert about[0].startswith("Overall agreement")
    assert any(line.startswith("interval: none") for line in about)
    assert main(["agreement", project, "--coders", "ana,ben", "--n-boot", "0",
                 "--out", str(tmp_path / "t.txt")]) == 2


def test_sample_marks_coverage_and_an_idle_coder_changes_nothing(tmp_path):
    from workbench.sample import build_sample_project

    project = build_sample_project(tmp_path / "s.sqlite", progress=False)
    try:
        coverage = project.coverage()
        assert (coverage["status"] == "done").all()
        assert set(coverage["coder"]) == {"leila", "maria", "tom"}
        base = pa.code_agreement(project, n_boot=0).set_index("code")
        project.add_coder("idle")
        with pytest.warns(UserWarning, match="idle"):
            more = pa.code_agreement(project, n_boot=0).set_index("code")
        pd.testing.assert_frame_equal(base, more)
        assert base.loc["withdrawal", "krippendorff_alpha"] == pytest.approx(
            more.loc["withdrawal", "krippendorff_alpha"])
        print("sample withdrawal alpha", base.loc["withdrawal", "krippendorff_alpha"])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            pa.code_agreement(project, coders=["leila", "maria", "tom"], n_boot=0)
    finally:
        project.close()
