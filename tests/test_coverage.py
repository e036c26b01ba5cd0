"""Coverage of documents by coders, and named reliability rounds (both backends)."""

from __future__ import annotations

import pytest

from workbench.errors import CoverageError, NotFoundError


def _docs(project):
    return project.documents()


def test_done_needs_every_unit_visited_or_a_forced_note(demo_project):
    doc = _docs(demo_project)[0]
    last = int(demo_project.segments(document=doc)["segment_index"].max())
    with pytest.raises(CoverageError, match="visit every unit"):
        demo_project.set_coverage("ana", doc, "done")
    demo_project.set_position("ana", doc, last - 1)
    with pytest.raises(CoverageError, match=f"segment {last - 1}"):
        demo_project.set_coverage("ana", doc, "done")
    demo_project.set_position("ana", doc, 0)  # going back keeps the furthest index
    demo_project.set_position("ana", doc, last)
    assert demo_project.set_coverage("ana", doc, "done") == "done"
    with pytest.raises(CoverageError, match="needs a note"):
        demo_project.set_coverage("ben", doc, "done", force=True)
    demo_project.set_coverage("ben", doc, "done", force=True, note="coded on paper")
    cov = demo_project.coverage().set_index(["coder", "document"])
    assert cov.loc[("ana", doc), "status"] == "done"
    assert cov.loc[("ana", doc), "furthest_idx"] == last
    assert cov.loc[("ben", doc), "status"] == "done"
    assert cov.loc[("ben", doc), "note"] == "coded on paper"
    assert cov.loc[("chloe", doc), "status"] == "not_started"
    assert len(cov) == len(demo_project.coders()) * len(_docs(demo_project))
    log = demo_project.audit_log()
    events = log[log["action"] == "set_coverage"]
    assert [d["status"] for d in events["detail"]] == ["done", "done"]
    assert [d["forced"] for d in events["detail"]] == [False, True]
    assert list(events["entity_key"]) == [f"ana:{doc}", f"ben:{doc}"]


def test_bad_status_and_unknown_names_are_refused(demo_project):
    doc = _docs(demo_project)[0]
    with pytest.raises(CoverageError, match="in_progress"):
        demo_project.set_coverage("ana", doc, "finished")
    with pytest.raises(NotFoundError):
        demo_project.set_coverage("ana", "nope", "in_progress")
    with pytest.raises(NotFoundError):
        demo_project.set_coverage("zoe", doc, "in_progress")
    assert demo_project.coverage(recorded_only=True).empty


def test_rounds_are_stored_replaced_and_read(demo_project):
    docs = _docs(demo_project)[:2]
    demo_project.save_round("round 1", ["ana", "ben"], docs)
    assert demo_project.round("round 1") == (["ana", "ben"], docs)
    demo_project.save_round("round 1", ["ana", "chloe"], docs[:1])
    assert demo_project.round("round 1") == (["ana", "chloe"], docs[:1])
    assert list(demo_project.rounds()["name"]) == ["round 1"]
    with pytest.raises(NotFoundError, match="round 1"):
        demo_project.round("round 2")
    with pytest.raises(NotFoundError):
        demo_project.save_round("r", ["ana", "zoe"], docs)
    with pytest.raises(CoverageError):
        demo_project.save_round("r", ["ana"], docs)


def test_panel_controller_marks_done_only_after_the_last_unit_of_its_view(demo_project):
    from workbench.views.coding_controller import CodingController

    ctl = CodingController(demo_project, "chloe")
    doc = ctl.document
    ctl.set_filter(role="participant")
    with pytest.raises(CoverageError, match="visit every unit"):
        ctl.set_status("done")
    assert ctl.set_status("in_progress") == "in_progress"
    while ctl.next():
        pass
    assert ctl.set_status("done") == "done"
    row = demo_project.coverage().set_index(["coder", "document"]).loc[("chloe", doc)]
    assert row["status"] == "done"
    assert row["furthest_idx"] == int(
        demo_project.segments(document=doc, role="participant")["segment_index"].max())
