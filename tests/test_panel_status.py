"""Progress and status in the coding panel: coded N of M participant units, the coverage
status set from the panel, the save state of every action, "Save memo" on a stored memo,
and a kernel restart (the project closed and opened again) resuming where the coder was."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench import (
    CodingController,
    CodingPanel,
    Project,
    coverage_overview,
    open_project,
)
from workbench.testing import make_demo_project

DOC = "D1_S3_client"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    make_demo_project(tmp_path / "status.sqlite", codings=False).close()
    return tmp_path / "status.sqlite"


@pytest.fixture
def project(path: Path) -> Iterator[Project]:
    p = open_project(path)
    yield p
    p.close()


def key(panel: CodingPanel, name: str) -> None:
    assert panel.key_catcher.handle_message({"type": "key", "key": name})


def coded_units(project: Project, coder: str, document: str) -> int:
    """Participant units of ``document`` that ``coder`` coded, from the project."""
    frame = project.segment_codings(coder=coder, document=document, with_attributes=False)
    participant = set(project.segments(document=document, role="participant",
                                       with_attributes=False)["segment_index"])
    return len({int(i) for i in frame["segment_index"]} & {int(i) for i in participant})


def to_role(panel: CodingPanel, role: str) -> None:
    c = panel.controller
    while c.segment is not None and c.segment.role != role:
        key(panel, "ArrowRight")


# -- progress --------------------------------------------------------------------------
def test_units_progress_counts_participant_units_as_the_project_does(project: Project) -> None:
    panel = CodingPanel(CodingController(project, "ana", DOC))
    c = panel.controller
    m = len(project.segments(document=DOC, role="participant", with_attributes=False))
    assert 0 < m < len(project.segments(document=DOC, with_attributes=False))
    state = c.view_state()
    assert (state.units, state.units_coded) == (m, 0)
    assert f"coded 0 of {m} participant units" in panel.status_html.value
    to_role(panel, "interviewer")
    key(panel, "1")  # an interviewer unit: not a participant unit
    to_role(panel, "participant")
    key(panel, "1")
    key(panel, "2")  # two codes, still one unit
    key(panel, "u")
    to_role(panel, "participant")
    key(panel, "3")
    n = coded_units(project, "ana", DOC)
    assert n == 2
    state = c.view_state()
    assert (state.units, state.units_coded) == (m, n)
    assert state.units_label == f"coded {n} of {m} participant units"
    assert state.units_label in panel.status_html.value
    panel.role_filter.value = "interviewer"  # the filter does not change the count
    assert c.view_state().units_coded == n and c.view_state().units == m


# -- coverage ----------------------------------------------------------------------------
def status_in_project(project: Project, coder: str = "ana", document: str = DOC) -> str:
    frame = project.coverage()
    row = frame[(frame["coder"] == coder) & (frame["document"] == document)]
    return str(row["status"].iloc[0])


def test_coverage_set_from_the_panel_as_agreement_reads_it(project: Project) -> None:
    panel = CodingPanel(CodingController(project, "ana", DOC))
    assert "not started" in panel.status_html.value
    key(panel, "c")
    assert status_in_project(project) == "in_progress"
    assert "in progress" in panel.status_html.value and panel.in_progress_button.disabled
    key(panel, "c")  # done: refused, the last unit is not reached
    assert status_in_project(project) == "in_progress"
    assert "CoverageError" in panel.error_html.value
    assert "not saved: CoverageError" in panel.save_html.value
    last = panel.controller.last_segment_index
    panel.jump_input.value = last
    panel.jump_button.click()
    panel.done_button.click()
    assert status_in_project(project) == "done"
    assert panel.controller.view_state().coverage == "done" and panel.done_button.disabled
    assert panel.error_html.value == ""
    overview = coverage_overview(project)
    assert overview.status.loc["ana", DOC] == "done"
    assert overview.status.loc["ben", DOC] == "not_started"
    assert list(overview.status.columns) == sorted(project.documents())
    assert set(overview.status.index) == set(project.coders())
    assert overview.counts().loc["ana", "done"] == 1
    html = overview.to_html()
    assert 'class="wb-coverage-done"' in html and f"reached {last + 1} of {last + 1}" in html


def test_coverage_overview_escapes_names(project: Project) -> None:
    project.add_coder("<b>eve</b>")
    html = coverage_overview(project).to_html()
    assert "&lt;b&gt;eve&lt;/b&gt;" in html and "<b>eve" not in html


# -- save states ---------------------------------------------------------------------------
def test_each_action_shows_saving_then_saved(project: Project) -> None:
    panel = CodingPanel(CodingController(project, "ana", DOC))
    assert "nothing to save yet" in panel.save_html.value
    seen: list[tuple[str, int]] = []  # the badge as shown, and the codings stored then

    def shown(change: dict[str, object]) -> None:
        n = len(project.segment_codings(coder="ana", with_attributes=False))
        seen.append((str(change["new"]), n))

    panel.save_html.observe(shown, names="value")
    to_role(panel, "participant")
    seen.clear()
    key(panel, "1")
    pending = [n for text, n in seen if "saving..." in text]
    saved = [n for text, n in seen if re.search(r"saved \d\d:\d\d:\d\d", text)]
    assert pending == [0] and saved and saved[-1] == 1  # pending before the write
    assert panel.controller.save_state.kind == "saved"
    seen.clear()
    key(panel, "i")  # writes nothing: the badge stays as it was
    assert not any("saving" in text for text, _ in seen)
    assert "saved" in panel.save_html.value
    key(panel, "/")
    for ch in "zzz":
        key(panel, ch)
    key(panel, "Enter")  # nothing matches: not saved, and why
    assert "not saved: UnknownCodeError" in panel.save_html.value
    key(panel, "Escape")


def test_save_memo_on_a_stored_memo_says_saved_without_a_write(project: Project) -> None:
    panel = CodingPanel(CodingController(project, "ana", DOC))
    to_role(panel, "participant")
    key(panel, "1")
    panel.memo_text.value = "went quiet"  # stored as typed (continuous_update off)
    memo_rows = (project.audit_log()["action"] == "edit_memo").sum()
    assert memo_rows == 1
    assert panel.controller.view_state().memo == "went quiet"
    panel.memo_button.click()
    assert (project.audit_log()["action"] == "edit_memo").sum() == memo_rows
    assert "saved" in panel.message_label.value and "already stored" in \
        panel.message_label.value
    assert panel.controller.save_state.kind == "saved"
    assert re.search(r"saved \d\d:\d\d:\d\d", panel.save_html.value)
    frame = project.segment_codings(coder="ana", with_attributes=False)
    assert list(frame["memo"]) == ["went quiet"]


# -- a kernel restart ----------------------------------------------------------------------------
def test_reopening_the_project_resumes_with_everything_stored(path: Path) -> None:
    first = open_project(path)
    panel = CodingPanel(CodingController(first, "ana", "D2_S3_therapist"))
    to_role(panel, "participant")
    key(panel, "2")
    panel.memo_text.value = "tense"
    key(panel, "c")
    key(panel, "ArrowRight")
    key(panel, "ArrowRight")
    where = panel.controller.view_state()
    assert where.segment is not None
    coded, units = where.units_coded, where.units
    first.close()  # the kernel restarts: nothing of the panel survives but the file

    again = open_project(path)
    try:
        panel = CodingPanel(CodingController(again, "ana"))
        state = panel.controller.view_state()
        assert state.document == "D2_S3_therapist"
        assert state.segment is not None and state.segment.index == where.segment.index
        assert (state.units_coded, state.units) == (coded, units) == (1, units)
        assert state.coverage == "in_progress"
        frame = again.segment_codings(coder="ana", with_attributes=False)
        assert [(r.code, r.memo) for r in frame.itertuples()] == [("anxiety", "tense")]
        assert f"coded 1 of {units} participant units" in panel.status_html.value
    finally:
        again.close()
