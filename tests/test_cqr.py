"""CQR: frequency labels and thresholds, cross-analysis (pooled, per perspective, side by
side, per dyad), domains, core ideas (CRUD, history, audit, ranges), auditor's comments, and
the report's cross-analysis table and exports."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from workbench import (
    ConflictError,
    CqrError,
    FrequencyThresholds,
    NotFoundError,
    Project,
    add_audit_comment,
    add_core_idea,
    audit_comments,
    core_idea,
    core_idea_history,
    core_ideas,
    cqr_domains,
    create_domain,
    cross_analysis,
    delete_core_idea,
    describe_cross_analysis,
    edit_core_idea,
    rename_domain,
    respond_to_audit_comment,
    retire_domain,
    set_domain_categories,
)
from workbench.analysis import cqr as acqr
from workbench.model import CqrDomain
from workbench.report import build_report, export_tables, report_html


# -- synthetic frames ---------------------------------------------------------------------
def _cases(n_client: int, n_therapist: int = 0) -> pd.DataFrame:
    rows = [{"document": f"D{i}_client", "dyad": f"D{i}", "perspective": "client",
             "participant": f"C{i}"} for i in range(n_client)]
    rows += [{"document": f"D{i}_therapist", "dyad": f"D{i}", "perspective": "therapist",
              "participant": f"T{i}"} for i in range(n_therapist)]
    return pd.DataFrame(rows)


def _codings(spread: dict[str, list[str]]) -> pd.DataFrame:
    """A codings frame: code -> the documents it was coded in (twice each, two coders)."""
    rows = [{"document": doc, "code": code, "code_name": code.upper(), "coder": coder}
            for code, docs in spread.items() for doc in docs for coder in ("ana", "ben")]
    return pd.DataFrame(rows, columns=["document", "code", "code_name", "coder"])


def _labels(n: int, counts: list[int], thresholds: FrequencyThresholds | None = None
            ) -> dict[int, str]:
    cases = _cases(n)
    docs = list(cases["document"])
    spread = {f"c{k}": docs[:k] for k in counts}
    domain = CqrDomain("d", "Domain", tuple(spread))
    table = acqr.cross_analysis(_codings(spread), cases, domains=[domain],
                                thresholds=thresholds)
    assert (table["n_cases"] == n).all()
    assert list(table["cases"]) == counts
    return {int(k): str(label) for k, label in zip(table["cases"], table["label"],
                                                  strict=True)}


# -- labels at the boundaries (Hill et al. 2005) ------------------------------------------
@pytest.mark.parametrize(("n", "expected"), [
    (8, {8: "general", 7: "general", 6: "typical", 5: "typical", 4: "variant", 3: "variant",
         2: "variant", 1: "below variant", 0: "absent"}),
    (12, {12: "general", 11: "general", 10: "typical", 7: "typical", 6: "variant",
          2: "variant", 1: "below variant", 0: "absent"}),
    (15, {15: "general", 14: "general", 13: "typical", 8: "typical", 7: "variant",
          2: "variant", 1: "below variant"}),  # 15 is not "over 15": no rare yet
    (16, {16: "general", 15: "general", 14: "typical", 9: "typical", 8: "variant",
          4: "variant", 3: "rare", 2: "rare", 1: "below variant", 0: "absent"}),
    (20, {20: "general", 19: "general", 18: "typical", 11: "typical", 10: "variant",
          4: "variant", 3: "rare", 2: "rare", 1: "below variant", 0: "absent"}),
])
def test_labels_at_the_boundaries(n: int, expected: dict[int, str]) -> None:
    assert _labels(n, list(expected)) == expected
    thresholds = FrequencyThresholds()
    for cases, label in expected.items():
        assert thresholds.label(cases, n) == label


def test_cutoffs_cover_every_count_once() -> None:
    thresholds = FrequencyThresholds()
    assert thresholds.cutoffs(8) == {"general": (7, 8), "typical": (5, 6), "variant": (2, 4)}
    assert thresholds.cutoffs(20) == {"general": (19, 20), "typical": (11, 18),
                                      "variant": (4, 10), "rare": (2, 3)}
    for n in range(3, 40):  # (with 2 cases, 1 is "all but one": general)
        spans = thresholds.cutoffs(n)
        covered = sorted(k for lo, hi in spans.values() for k in range(lo, hi + 1))
        assert covered == list(range(thresholds.variant_min, n + 1)), n
    with pytest.raises(CqrError, match="cannot be in 9 of 8"):
        thresholds.label(9, 8)


def test_thresholds_are_configurable() -> None:
    # typical from more than 40 %: 5 of 10 becomes typical (default: variant, "up to half")
    assert _labels(10, [5])[5] == "variant"
    assert _labels(10, [5, 4], FrequencyThresholds(typical_more_than=0.4)) == {
        5: "typical", 4: "variant"}
    # general = all cases only
    assert _labels(8, [8, 7], FrequencyThresholds(general_all_but=0)) == {
        8: "general", 7: "typical"}
    # rare forced on for a small sample, off for a large one
    assert _labels(8, [3, 2, 4], FrequencyThresholds(use_rare=True)) == {
        3: "rare", 2: "rare", 4: "variant"}
    assert _labels(20, [3, 2], FrequencyThresholds(use_rare=False)) == {
        3: "variant", 2: "variant"}
    # variant from three cases
    assert _labels(12, [3, 2], FrequencyThresholds(variant_min=3, rare_max=3)) == {
        3: "variant", 2: "below variant"}
    for bad in ({"rare_max": 1}, {"typical_more_than": 1.0}, {"variant_min": 0},
                {"general_all_but": -1}, {"variant_min": 2.5}):
        with pytest.raises(CqrError):
            FrequencyThresholds(**bad)  # type: ignore[arg-type]
    assert "defaults of Hill, Knox" in FrequencyThresholds().describe()
    assert "changed from the defaults" in FrequencyThresholds(variant_min=3).describe()


# -- perspectives and case definitions -------------------------------------------------------
def test_perspectives_separately_and_side_by_side() -> None:
    cases = _cases(6, 4)  # 6 client interviews, 4 therapist interviews
    client = [f"D{i}_client" for i in range(6)]
    therapist = [f"D{i}_therapist" for i in range(4)]
    spread = {"x": client[:5] + therapist[:1], "y": therapist}
    domain = CqrDomain("d", "Domain", ("x", "y", "z"))
    wide = acqr.cross_analysis(_codings(spread), cases, domains=[domain],
                               perspective="side_by_side").set_index("category")
    assert wide.loc["x", ["all_cases", "all_n_cases", "all_label"]].tolist() == [
        6, 10, "typical"]
    assert wide.loc["x", ["client_cases", "client_n_cases", "client_label"]].tolist() == [
        5, 6, "general"]
    assert wide.loc["x", ["therapist_cases", "therapist_n_cases",
                          "therapist_label"]].tolist() == [1, 4, "below variant"]
    assert wide.loc["y", ["client_label", "therapist_label", "all_label"]].tolist() == [
        "absent", "general", "variant"]
    assert wide.loc["z", "all_label"] == "absent"  # listed, never coded
    long = acqr.cross_analysis(_codings(spread), cases, domains=[domain],
                               perspective="separate")
    assert list(dict.fromkeys(long["perspective"])) == ["client", "therapist"]
    per = long.set_index(["perspective", "category"])
    assert per.loc[("therapist", "x"), "case_list"] == ("D0_therapist",)
    assert per.loc[("client", "x"), "share"] == pytest.approx(5 / 6)
    assert wide.attrs["n_cases"] == {"all": 10, "client": 6, "therapist": 4}


def test_case_as_dyad_counts_a_dyad_once() -> None:
    cases = _cases(4, 4)
    spread = {"x": ["D0_client", "D0_therapist", "D1_client"]}
    domain = CqrDomain("d", "Domain", ("x",))
    by_doc = acqr.cross_analysis(_codings(spread), cases, domains=[domain])
    by_dyad = acqr.cross_analysis(_codings(spread), cases, domains=[domain], case="dyad")
    assert (by_doc["cases"][0], by_doc["n_cases"][0]) == (3, 8)
    assert (by_dyad["cases"][0], by_dyad["n_cases"][0]) == (2, 4)
    assert by_dyad["case_list"][0] == ("D0", "D1")
    assert "one dyad" in describe_cross_analysis(by_dyad)
    side = acqr.cross_analysis(_codings(spread), cases, domains=[domain], case="dyad",
                               perspective="side_by_side")
    assert side[["client_cases", "therapist_cases", "all_cases"]].iloc[0].tolist() == [2, 1, 2]
    with pytest.raises(CqrError, match="case must be one of"):
        acqr.cross_analysis(_codings(spread), cases, case="session")
    with pytest.raises(CqrError, match="does not have"):
        acqr.cross_analysis(_codings({"x": ["elsewhere"]}), cases)


def test_categories_outside_the_domains_are_still_listed() -> None:
    cases = _cases(3)
    table = acqr.cross_analysis(_codings({"x": ["D0_client"], "stray": ["D1_client"]}),
                                cases, domains=[CqrDomain("d", "Domain", ("x",))])
    assert table.set_index("category").loc["stray", "domain"] == "(no domain)"


# -- project level: cross-analysis provenance ---------------------------------------------
def test_cross_analysis_provenance_caption(sqlite_demo: Project) -> None:
    table = cross_analysis(sqlite_demo, perspective="side_by_side")
    caption = describe_cross_analysis(table)
    assert "pooled codings of every coder" in caption
    assert "coders (3): ana, ben, chloe" in caption
    assert "cases: 4 (client 2; therapist 2)" in caption
    assert "a case is one interview transcript" in caption
    assert "documents (4, 4 with codings): D1_S3_client" in caption
    assert "Hill, Knox, Thompson, Williams, Hess & Ladany (2005)" in caption
    assert "all (N = 4): general 3-4, variant 2" in caption
    assert "codebook version" in caption
    # the domains are the codebook's themes, categories its codes, in codebook order
    assert list(table["domain"].unique()) == ["barriers", "facilitators"]
    assert list(table["category"]) == ["withdrawal", "anxiety", "rupture", "repair", "empathy"]
    codings = sqlite_demo.codings()
    for row in table.itertuples():
        docs = codings.loc[codings["code"] == row.category, "document"].nunique()
        assert row.all_cases == docs


def test_cross_analysis_takes_another_codings_frame_and_coders(sqlite_demo: Project) -> None:
    chloe = cross_analysis(sqlite_demo, coders=["chloe"]).set_index("category")
    assert chloe.loc["withdrawal", ["cases", "label"]].tolist() == [0, "absent"]  # never
    assert "coders chloe" in describe_cross_analysis(chloe)
    codings = sqlite_demo.codings()
    one_doc = codings[codings["document"] == "D1_S3_client"]
    table = cross_analysis(sqlite_demo, codings=one_doc, source="consensus layer (test)")
    assert "computed on: consensus layer (test)" in describe_cross_analysis(table)
    anxiety = table.set_index("category").loc["anxiety"]
    assert (anxiety["cases"], anxiety["n_cases"], anxiety["label"]) == (1, 4, "below variant")
    few = cross_analysis(sqlite_demo, documents=["D1_S3_client", "D2_S3_client"])
    assert set(few["n_cases"]) == {2}
    with pytest.raises(NotFoundError):
        cross_analysis(sqlite_demo, documents=["nope"])


# -- domains ------------------------------------------------------------------------------
def test_domain_list_replaces_themes_and_is_audited(demo_project: Project) -> None:
    assert [d.key for d in cqr_domains(demo_project)] == ["barriers", "facilitators"]
    assert cqr_domains(demo_project)[0].source == "themes"
    made = create_domain(demo_project, "alliance", "Alliance", categories=["repair", "empathy"],
                         actor="ana")
    assert made.categories == ("repair", "empathy")
    assert [d.key for d in cqr_domains(demo_project)] == ["alliance"]
    create_domain(demo_project, "strain", "Strain", categories=["rupture"], actor="ana")
    with pytest.raises(ConflictError):
        create_domain(demo_project, "strain", "Again")
    with pytest.raises(NotFoundError, match="no code"):
        create_domain(demo_project, "x", "X", categories=["nope"])
    renamed = rename_domain(demo_project, "alliance", "Working alliance", actor="ben")
    assert (renamed.key, renamed.name) == ("alliance", "Working alliance")
    moved = set_domain_categories(demo_project, "strain", ["rupture", "withdrawal"])
    assert moved.categories == ("withdrawal", "rupture")  # codebook order
    table = cross_analysis(demo_project)
    assert list(table["domain"]) == ["alliance", "alliance", "strain", "strain",
                                     "(no domain)"]  # anxiety is in no listed domain
    assert table.loc[table["domain"] == "alliance", "domain_name"].iloc[0] == \
        "Working alliance"
    retire_domain(demo_project, "alliance")
    retire_domain(demo_project, "strain")
    with pytest.raises(ConflictError, match="already retired"):
        retire_domain(demo_project, "strain")
    assert [d.key for d in cqr_domains(demo_project)] == ["barriers", "facilitators"]
    assert {d.key for d in cqr_domains(demo_project, include_retired=True)} == {
        "barriers", "facilitators"}  # back on the themes: retired listed ones are history
    log = demo_project.audit_log()
    rows = log[log["entity"] == "cqr_domain"]
    assert list(rows["action"]) == ["create_cqr_domain", "create_cqr_domain",
                                    "rename_cqr_domain", "set_cqr_domain_categories",
                                    "retire_cqr_domain", "retire_cqr_domain"]
    assert rows.iloc[2]["detail"] == {"from": "Alliance", "to": "Working alliance"}
    assert rows.iloc[2]["actor"] == "ben"


# -- core ideas ---------------------------------------------------------------------------
def test_core_idea_crud_history_and_audit(demo_project: Project) -> None:
    text = demo_project.document_text("D1_S3_client")
    start = text.index("I remember feeling nervous.")
    codings = demo_project.codings(document="D1_S3_client")
    nervous = codings[codings["text"].str.contains("nervous")]["coding_uuid"].iloc[0]
    idea = add_core_idea(demo_project, "D1_S3_client", "barriers",
                         "  Client was anxious about being judged.  ", author="ana",
                         ranges=[nervous, ("D1_S3_client", start, start + 10)])
    assert idea.text == "Client was anxious about being judged."
    assert (idea.version, idea.author, idea.case_unit) == (1, "ana", "document")
    assert [r.text for r in idea.ranges] == ["I remember feeling nervous.", "I remember"]
    assert idea.ranges[0].coding_uuid == nervous
    edited = edit_core_idea(demo_project, idea.uuid, author="ben",
                            text="Client feared the therapist's judgement.")
    assert (edited.version, edited.text, len(edited.ranges)) == (
        2, "Client feared the therapist's judgement.", 2)
    regrounded = edit_core_idea(demo_project, idea.uuid, author="ana",
                                ranges=[("D1_S3_client", start, start + 27)])
    assert regrounded.version == 3 and regrounded.text == edited.text
    assert edit_core_idea(demo_project, idea.uuid, author="ana",
                          text=edited.text).version == 3  # no change, no new version
    history = core_idea_history(demo_project, idea.uuid)
    assert list(history["version"]) == [1, 2, 3]
    assert list(history["author"]) == ["ana", "ben", "ana"]
    assert history["text"][0] == "Client was anxious about being judged."
    assert len(history["ranges"][0]) == 2 and len(history["ranges"][2]) == 1
    listed = core_ideas(demo_project, domain="barriers")
    assert listed[["case", "version", "n_ranges"]].iloc[0].tolist() == ["D1_S3_client", 3, 1]
    deleted = delete_core_idea(demo_project, idea.uuid, author="chloe")
    assert deleted.deleted
    assert core_ideas(demo_project).empty
    assert core_ideas(demo_project, include_deleted=True)["deleted"].tolist() == [True]
    assert core_idea(demo_project, idea.uuid).deleted
    assert len(core_idea_history(demo_project, idea.uuid)) == 3  # history kept
    with pytest.raises(ConflictError, match="deleted"):
        edit_core_idea(demo_project, idea.uuid, author="ana", text="again")
    with pytest.raises(ConflictError):
        delete_core_idea(demo_project, idea.uuid, author="ana")
    log = demo_project.audit_log()
    rows = log[log["entity"] == "cqr_core_idea"]
    assert list(rows["action"]) == ["add_cqr_core_idea", "edit_cqr_core_idea",
                                    "edit_cqr_core_idea", "delete_cqr_core_idea"]
    assert set(rows["entity_key"]) == {idea.uuid}
    assert list(rows["actor"]) == ["ana", "ben", "ana", "chloe"]
    assert rows.iloc[1]["detail"]["before"] == "Client was anxious about being judged."


def test_core_idea_refuses_bad_ranges_cases_and_domains(demo_project: Project) -> None:
    length = len(demo_project.document_text("D1_S3_client"))
    other = demo_project.codings(document="D2_S3_client")["coding_uuid"].iloc[0]
    bad_ranges = [
        (("D1_S3_client", length - 3, length + 1), CqrError, "outside the text"),
        (("D1_S3_client", -1, 5), CqrError, "outside the text"),
        (("D1_S3_client", 10, 10), CqrError, "outside the text"),
        (("D2_S3_client", 0, 5), CqrError, "not a document of case"),
        (other, CqrError, "not a document of case"),
        ("0000-not-a-coding", NotFoundError, "no coding"),
        (("D1_S3_client", "0", 5), CqrError, "integers"),
        (("missing_doc", 0, 5), NotFoundError, "no document"),
    ]
    for bad, error, message in bad_ranges:
        with pytest.raises(error, match=message):
            add_core_idea(demo_project, "D1_S3_client", "barriers", "idea", author="ana",
                          ranges=[bad])  # type: ignore[list-item]
    with pytest.raises(NotFoundError, match="no case"):
        add_core_idea(demo_project, "D9_S3_client", "barriers", "idea", author="ana")
    with pytest.raises(NotFoundError, match="no active CQR domain"):
        add_core_idea(demo_project, "D1_S3_client", "nowhere", "idea", author="ana")
    with pytest.raises(CqrError, match="blank"):
        add_core_idea(demo_project, "D1_S3_client", "barriers", "   ", author="ana")
    with pytest.raises(CqrError, match="keep it to"):
        add_core_idea(demo_project, "D1_S3_client", "barriers", "x" * 2001, author="ana")
    assert core_ideas(demo_project, include_deleted=True).empty  # nothing half-stored
    assert not (demo_project.audit_log()["entity"] == "cqr_core_idea").any()
    # a dyad case takes passages of both its interviews
    idea = add_core_idea(demo_project, "D2", "facilitators", "Repair mattered to both.",
                         author="ana", case_unit="dyad",
                         ranges=[("D2_S3_client", 0, 5), ("D2_S3_therapist", 0, 5)])
    assert {r.document for r in idea.ranges} == {"D2_S3_client", "D2_S3_therapist"}
    with pytest.raises(CqrError, match="not a document of case"):
        edit_core_idea(demo_project, idea.uuid, author="ana", ranges=[("D1_S3_client", 0, 5)])
    assert core_idea(demo_project, idea.uuid).version == 1


# -- auditor's comments -------------------------------------------------------------------
def test_audit_comments_accept_reject_with_reason(demo_project: Project) -> None:
    idea = add_core_idea(demo_project, "D1_S3_client", "barriers", "Client withdrew.",
                         author="ana")
    on_domain = add_audit_comment(demo_project, "domain", "barriers",
                                  "Split barriers into two domains?", author="auditor")
    on_idea = add_audit_comment(demo_project, "core_idea", idea.uuid,
                                "Stay closer to the client's words.", author="auditor")
    on_category = add_audit_comment(demo_project, "category", "withdrawal",
                                    "Overlaps with anxiety.", author="auditor")
    assert on_domain.status == "open" and on_domain.reason is None
    for kind, key, error in (("theme", "barriers", CqrError),
                             ("domain", "nope", NotFoundError),
                             ("category", "nope", NotFoundError),
                             ("core_idea", "nope", NotFoundError)):
        with pytest.raises(error):
            add_audit_comment(demo_project, kind, key, "text", author="auditor")
    for reason in ("", "   "):
        with pytest.raises(CqrError, match="say why"):
            respond_to_audit_comment(demo_project, on_idea.uuid, "accepted", reason, by="ana")
    with pytest.raises(CqrError, match="accepted' or 'rejected"):
        respond_to_audit_comment(demo_project, on_idea.uuid, "maybe", "why", by="ana")
    assert audit_comments(demo_project, status="open")["comment_uuid"].tolist() == [
        on_domain.uuid, on_idea.uuid, on_category.uuid]  # nothing answered yet
    accepted = respond_to_audit_comment(demo_project, on_idea.uuid, "accepted",
                                        "Rewritten with her words.", by="ana")
    assert (accepted.status, accepted.reason, accepted.responded_by) == (
        "accepted", "Rewritten with her words.", "ana")
    assert accepted.responded_at is not None
    rejected = respond_to_audit_comment(demo_project, on_category.uuid, "rejected",
                                        "The definitions exclude each other.", by="ben")
    assert rejected.status == "rejected"
    with pytest.raises(ConflictError, match="already accepted"):
        respond_to_audit_comment(demo_project, on_idea.uuid, "rejected", "changed", by="ben")
    assert audit_comments(demo_project, status="open")["comment_uuid"].tolist() == [
        on_domain.uuid]
    closed = audit_comments(demo_project, status="closed").set_index("comment_uuid")
    assert closed.loc[on_category.uuid, ["status", "reason", "responded_by"]].tolist() == [
        "rejected", "The definitions exclude each other.", "ben"]
    assert len(audit_comments(demo_project)) == 3
    with pytest.raises(CqrError):
        audit_comments(demo_project, status="done")
    log = demo_project.audit_log()
    rows = log[log["entity"] == "cqr_comment"]
    assert list(rows["action"]) == ["add_cqr_audit_comment"] * 3 + [
        "respond_cqr_audit_comment"] * 2
    assert rows.iloc[3]["detail"] == {"decision": "accepted",
                                      "reason": "Rewritten with her words.",
                                      "target": f"core_idea:{idea.uuid}"}


# -- report -------------------------------------------------------------------------------
def test_report_has_the_cross_analysis_and_exports_it(tmp_path: Path) -> None:
    from workbench.testing import make_demo_project

    project = make_demo_project(tmp_path / "p.sqlite")
    project.rename_code("rupture", new_name="=HYPERLINK(\"x\")")
    report = build_report(project, agreement=False, cqr_thresholds=FrequencyThresholds(
        general_all_but=0))
    table = report.tables["cqr_cross_analysis"]
    expected = cross_analysis(project, perspective="side_by_side",
                              thresholds=FrequencyThresholds(general_all_but=0))
    assert table["all_label"].tolist() == expected["all_label"].tolist()
    assert {"client_label", "therapist_label"} <= set(table.columns)
    html = report_html(report)
    assert '<h2 id="cqr">CQR cross-analysis</h2>' in html
    assert 'id="t-cqr-cross-analysis"' in html
    assert "changed from the defaults of Hill et al. 2005" in html  # the caption
    written = export_tables(report.tables, tmp_path / "tables")
    csv_path = tmp_path / "tables" / "cqr_cross_analysis.csv"
    assert csv_path in written
    reread = pd.read_csv(csv_path)
    assert reread["all_cases"].tolist() == expected["all_cases"].tolist()
    assert "'=HYPERLINK(\"x\")" in reread["category_name"].tolist()  # formula-safe
    book = openpyxl.load_workbook(tmp_path / "tables" / "tables.xlsx")
    sheet = book["cqr_cross_analysis"]
    assert [c.value for c in sheet[1]][:4] == ["domain", "domain_name", "category",
                                               "category_name"]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    about = pd.read_csv(tmp_path / "tables" / "cqr_cross_analysis_provenance.csv")
    assert any("a case is one interview transcript" in line for line in about["provenance"])
    assert "CQR cross-analysis" not in report_html(dataclasses.replace(
        build_report(project, agreement=False, cqr=False), title="t")).split(
        '<h2 id="tables">')[1]
    project.close()


# -- migration ----------------------------------------------------------------------------
def test_migration_0006c_downgrades_and_upgrades(backend_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from workbench import create_project, open_project
    from workbench.storage.engine import _alembic_config, head_revision

    project = create_project(backend_url)
    engine = project.store.engine
    tables = {"cqr_domains", "cqr_domain_codes", "cqr_core_ideas", "cqr_core_idea_ranges",
              "cqr_core_idea_versions", "cqr_audit_comments"}
    assert tables <= set(inspect(engine).get_table_names())
    with engine.connect() as conn, conn.begin():
        command.downgrade(_alembic_config(conn), "0005d")
    assert not tables & set(inspect(engine).get_table_names())
    project.close()
    with open_project(backend_url) as again:  # opening migrates back to the head
        assert tables <= set(inspect(again.store.engine).get_table_names())
        assert again.store.revision() == head_revision()
