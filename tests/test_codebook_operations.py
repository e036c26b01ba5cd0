"""Codebook operations (issue 15): create, rename, merge, split/recode, move, retire,
restore; each a codebook version with audit rows; codings keep what they were made as."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workbench import Code, CodebookError, Project, UnknownCodeError
from workbench.parsing.codebook_yaml import load_codebook_file, write_codebook_file


def _events(project: Project, action: str) -> list[dict[str, object]]:
    log = project.audit_log()
    return [dict(r) for r in log[log["action"] == action].to_dict("records")]


def test_create_code_makes_a_version_and_can_be_applied(demo_project: Project) -> None:
    before = demo_project.codebook_version()
    version = demo_project.create_code("hope", "Hope", theme="facilitators",
                                       definition="Expecting things to get better.")
    assert version != before and demo_project.codebook_version() == version
    assert "hope" in demo_project.codebook.keys
    seg = demo_project.segments(role="participant").iloc[0]
    demo_project.apply_code(int(seg.segment_id), "hope", "ana")
    assert (demo_project.codings()["code"] == "hope").sum() == 1
    assert _events(demo_project, "create_code")[0]["entity_key"] == "hope"
    with pytest.raises(CodebookError, match="already used"):
        demo_project.create_code("hope", "Hope", theme="facilitators", definition="x")
    demo_project.create_code("calm", "Calm", theme="coping", theme_name="Coping",
                             definition="Settling down.", parent=None)
    assert demo_project.codebook.code("calm").theme == "coping"


def test_rename_keeps_codings_and_history(demo_project: Project) -> None:
    n = int((demo_project.codings()["code"] == "repair").sum())
    assert n > 0
    demo_project.rename_code("repair", new_key="reconnection", new_name="Reconnection")
    frame = demo_project.codings()
    assert (frame["code"] == "reconnection").sum() == n and "repair" not in set(frame["code"])
    assert demo_project.codebook.code("reconnection").name == "Reconnection"
    assert "repair" not in demo_project.codebook.keys
    event = _events(demo_project, "rename_code")[0]
    assert event["detail"]["old_key"] == "repair" and event["detail"]["new_key"] == "reconnection"  # type: ignore[index]
    # name only
    demo_project.rename_code("empathy", new_name="Empathy")
    assert demo_project.codebook.code("empathy").name == "Empathy"


def test_stale_cache_after_rename_is_a_clear_error(backend_url: str, demo_project: Project) -> None:
    from workbench import open_project

    seg = demo_project.segments(role="participant")
    other = open_project(backend_url)
    try:
        other.apply_code(int(seg.iloc[0].segment_id), "repair", "ana")  # caches ids
        demo_project.rename_code("repair", new_key="reconnection")
        demo_project.create_code("repair", "Repair (new)", theme="facilitators",
                                 definition="A new, different code.")
        # the stale cache maps 'repair' to the renamed row: the coding must land on the new one
        applied = other.apply_code(int(seg.iloc[1].segment_id), "repair", "ana")
        assert other.coding(applied).code == "repair"
        demo_project.merge_codes("repair", "reconnection")
        with pytest.raises(UnknownCodeError, match="merged into 'reconnection'"):
            other.apply_code(int(seg.iloc[2].segment_id), "repair", "ana")
        assert other.apply_code(int(seg.iloc[2].segment_id), "reconnection", "ana")
    finally:
        other.close()


def test_merge_moves_codings_collapses_duplicates_and_keeps_made_as(
        demo_project: Project) -> None:
    frame = demo_project.codings()
    seg = demo_project.segments(role="participant").iloc[0]
    # ana gets both codes on the same range: the merge collapses the pair into one
    demo_project.apply_code(int(seg.segment_id), "repair", "ana", memo="dup memo")
    demo_project.apply_code(int(seg.segment_id), "rupture", "ana")
    frame = demo_project.codings()
    n_repair = int((frame["code"] == "repair").sum())
    n_rupture = int((frame["code"] == "rupture").sum())
    dup = frame[(frame["code"] == "repair") & (frame["coder"] == "ana")
                & (frame["start"] == seg.start)]["coding_uuid"].item()
    report = demo_project.merge_codes("repair", "rupture")
    assert report.moved == n_repair - 1 and report.collapsed == (dup,)
    after = demo_project.codings()
    assert int((after["code"] == "rupture").sum()) == n_rupture + n_repair - 1
    moved = after[after["made_as"] == "repair"]
    assert len(moved) == n_repair - 1 and set(moved["code"]) == {"rupture"}
    assert (after.loc[after["made_as"] != "repair", "made_as"]
            == after.loc[after["made_as"] != "repair", "code"]).all()
    assert "repair" not in demo_project.codebook.keys
    detail = _events(demo_project, "merge_codes")[0]["detail"]
    assert [c["uuid"] for c in detail["collapsed"]] == [dup]  # type: ignore[index]
    assert detail["collapsed"][0]["memo"] == "dup memo"  # type: ignore[index]
    assert set(detail["moved_uuids"]) == set(moved["coding_uuid"])  # type: ignore[index]
    assert report.version == demo_project.codebook_version()
    with pytest.raises(UnknownCodeError):
        demo_project.merge_codes("repair", "rupture")


def test_merge_is_one_transaction(demo_project: Project) -> None:
    before = demo_project.codings()
    version = demo_project.codebook_version()
    with pytest.raises(UnknownCodeError):
        demo_project.merge_codes("repair", "nonexistent")
    assert demo_project.codebook_version() == version
    assert demo_project.codings()["code"].tolist() == before["code"].tolist()


def test_split_queues_codings_for_recoding(demo_project: Project) -> None:
    n = int((demo_project.codings()["code"] == "rupture").sum())
    assert n > 0
    version = demo_project.split_code("rupture", into=[
        Code("rupture_withdrawal", "Withdrawal rupture", "barriers", "Moving away.", "#7F0000"),
        Code("rupture_confrontation", "Confrontation rupture", "barriers",
             "Moving against.", "#990000"),
    ])
    assert demo_project.codebook_version() == version
    keys = demo_project.codebook.keys
    assert "rupture" not in keys and "rupture_withdrawal" in keys
    queue = demo_project.recode_queue()
    assert len(queue) == n
    first = queue.iloc[0]
    assert first["candidates"] == ["rupture_withdrawal", "rupture_confrontation"]
    assert first["candidate_definitions"]["rupture_withdrawal"] == "Moving away."
    frame = demo_project.codings()
    assert int(frame["pending_recode"].sum()) == n and frame.attrs["pending_recode"] == n
    per_segment = demo_project.segment_codings()
    assert "rupture" not in set(per_segment["code"])
    assert per_segment.attrs["pending_recode"] == n
    with pytest.raises(CodebookError, match="one of"):
        demo_project.recode(first["coding_uuid"], "empathy")
    assert demo_project.recode(first["coding_uuid"], "rupture_confrontation")
    coding = demo_project.coding(first["coding_uuid"])
    assert coding.code == "rupture_confrontation"
    row = demo_project.codings().set_index("coding_uuid").loc[first["coding_uuid"]]
    assert row["made_as"] == "rupture" and not row["pending_recode"]
    assert len(demo_project.recode_queue()) == n - 1


def test_move_retire_restore(demo_project: Project) -> None:
    demo_project.move_code("anxiety", parent="withdrawal")
    code = demo_project.codebook.code("anxiety")
    assert code.parent == "withdrawal" and code.theme == "barriers"
    demo_project.move_code("withdrawal", theme="facilitators")
    assert demo_project.codebook.code("anxiety").theme == "facilitators"  # children follow
    with pytest.raises(CodebookError, match="own child"):
        demo_project.move_code("withdrawal", parent="anxiety")
    with pytest.raises(CodebookError, match="child codes"):
        demo_project.retire_code("withdrawal")
    n = int((demo_project.codings()["code"] == "empathy").sum())
    demo_project.retire_code("empathy")
    assert "empathy" not in demo_project.codebook.keys
    assert int((demo_project.codings()["code"] == "empathy").sum()) == n
    demo_project.restore_code("empathy")
    assert demo_project.codebook.code("empathy").name == "Empathic listening"
    actions = set(demo_project.audit_log()["action"])
    assert {"move_code", "retire_code", "restore_code"} <= actions


def test_every_operation_is_a_version(demo_project: Project) -> None:
    seen = [demo_project.codebook_version()]
    seen.append(demo_project.create_code("hope", "Hope", theme="facilitators",
                                         definition="Expecting better."))
    seen.append(demo_project.rename_code("hope", new_key="optimism"))
    seen.append(demo_project.move_code("optimism", theme="barriers"))
    seen.append(demo_project.retire_code("optimism"))
    seen.append(demo_project.restore_code("optimism"))
    seen.append(demo_project.merge_codes("optimism", "empathy").version)
    assert len(set(seen)) == len(seen) and seen == sorted(seen)


def test_export_then_load_is_a_no_op(demo_project: Project, tmp_path: Path) -> None:
    demo_project.create_code("hope", "Hope", theme="barriers", definition="Better times.",
                             parent="withdrawal")
    demo_project.move_code("rupture", parent="repair")
    path = write_codebook_file(demo_project.codebook, tmp_path / "codebook.yaml")
    assert load_codebook_file(path) == demo_project.codebook
    version = demo_project.codebook_version()
    n_events = len(demo_project.audit_log())
    assert demo_project.load_codebook(path) == version
    assert len(demo_project.audit_log()) == n_events


def test_reload_that_looks_like_a_rename_is_refused(demo_project: Project,
                                                    tmp_path: Path) -> None:
    path = write_codebook_file(demo_project.codebook, tmp_path / "codebook.yaml")
    path.write_text(path.read_text().replace("key: repair", "key: reconnection"))
    version = demo_project.codebook_version()
    with pytest.raises(CodebookError, match="rename PROJECT repair --key reconnection"):
        demo_project.load_codebook(path)
    with pytest.raises(CodebookError, match="looks like it renames"):
        demo_project.load_codebook(path, retire_missing=True)
    assert demo_project.codebook_version() == version
    demo_project.rename_code("repair", new_key="reconnection")
    after = demo_project.codebook_version()
    assert demo_project.load_codebook(path) == after  # the file now matches: a no-op


def test_agreement_and_summaries_across_versions(demo_project: Project) -> None:
    from workbench.agreement import code_agreement, disagreements
    from workbench.analysis.summaries import frequencies

    before = demo_project.segment_codings()
    n_merged = int(before["code"].isin(["repair", "rupture"]).sum())
    demo_project.merge_codes("repair", "rupture")
    after = demo_project.segment_codings()
    assert int((after["code"] == "rupture").sum()) == n_merged  # merged codings count as B
    n_empathy = int((demo_project.codings()["code"] == "empathy").sum())
    assert n_empathy > 0
    demo_project.split_code("empathy", into=[
        Code("attunement", "Attunement", "facilitators", "Feeling attuned to.", "#6BAED6"),
        Code("validation", "Validation", "facilitators", "Feeling validated.", "#6BAED7"),
    ])
    version = demo_project.codebook_version()
    table = code_agreement(demo_project)
    assert table.attrs["codebook_version"] == version
    assert table.attrs["n_pending_recode_excluded"] == n_empathy
    assert "empathy" not in set(table["code"])
    assert disagreements(demo_project).attrs["codebook_version"] == version
    segment_codings = demo_project.segment_codings()
    assert "empathy" not in set(segment_codings["code"])
    summary = frequencies(segment_codings)
    assert summary.attrs["codebook_version"] == version
    assert summary.attrs["n_pending_recode_excluded"] == n_empathy
    assert demo_project.codings().attrs["codebook_version"] == version


def test_panel_shows_the_new_name_on_its_next_action(backend_url: str,
                                                     demo_project: Project) -> None:
    from workbench import CodingController, open_project

    other = open_project(backend_url)
    try:
        panel = CodingController(other, "ana")
        position = panel.codebook.keys.index("repair") + 1
        before = {c.code.key: c.code.name for c in panel.view_state().codes}
        assert before["repair"] == "Repair"
        demo_project.rename_code("repair", new_key="reconnection", new_name="Reconnection")
        uuid = panel.apply(position)  # the shortcut still means the same code
        assert other.coding(uuid).code == "reconnection"
        after = {c.code.key: c.code.name for c in panel.view_state().codes}
        assert after.get("reconnection") == "Reconnection" and "repair" not in after
        assert "reconnection" in panel.applied()
        demo_project.merge_codes("reconnection", "rupture")
        panel.toggle_code("rupture")  # next action: the merged coding shows as rupture
        assert "reconnection" not in {c.code.key for c in panel.view_state().codes}
    finally:
        other.close()


def test_made_as_is_the_key_and_name_at_coding_time_after_rename_and_merge(
        demo_project: Project, tmp_path: Path) -> None:
    before = demo_project.codings().set_index("coding_uuid")
    old = set(before.index[before["code"] == "repair"])
    assert old and set(before.loc[list(old), "made_as_name"]) == {"Repair"}
    demo_project.rename_code("repair", new_key="reconnection", new_name="Reconnection")
    seg = demo_project.segments(role="participant").iloc[0]
    late = demo_project.apply_code(int(seg.segment_id), "reconnection", "ana")
    # a new code takes the freed key: its codings are not mistaken for the old ones
    demo_project.create_code("repair", "Repair (new)", theme="facilitators",
                             definition="A different code under the old key.")
    fresh = demo_project.apply_code(int(seg.segment_id), "repair", "ben")
    report = demo_project.merge_codes("reconnection", "empathy")
    assert report.moved == len(old) + 1 and report.collapsed == ()
    after = demo_project.codings().set_index("coding_uuid")
    assert set(after.loc[list(old), "made_as"]) == {"repair"}
    assert set(after.loc[list(old), "made_as_name"]) == {"Repair"}
    assert set(after.loc[list(old), "code"]) == {"empathy"}  # what it became
    assert after.loc[late, "made_as"] == "reconnection"  # made after the rename
    assert after.loc[late, "made_as_name"] == "Reconnection"
    assert after.loc[fresh, "made_as"] == "repair"
    assert after.loc[fresh, "made_as_name"] == "Repair (new)"
    assert after.loc[fresh, "code"] == "repair"
    untouched = after[~after.index.isin([*old, late, fresh])]
    assert (untouched["made_as"] == untouched["code"]).all()
    # the CSV export of codings carries the same columns
    from workbench.cli import main

    out = tmp_path / "codings.csv"
    assert main(["export", "codings", demo_project.location, str(out)]) == 0
    exported = pd.read_csv(out).set_index("coding_uuid")
    assert set(exported.loc[list(old), "made_as"]) == {"repair"}
    assert exported.loc[late, "made_as_name"] == "Reconnection"
