"""The importer's bulk-work settings: paused cyclic GC and a short switch interval, restored."""

from __future__ import annotations

import gc
import sys

import pytest

from workbench import create_project
from workbench.importing.importer import SWITCH_INTERVAL, bulk_work
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.testing import demo_transcript


def test_bulk_work_pauses_the_collector_and_restores_everything():
    before = sys.getswitchinterval()
    assert gc.isenabled()
    with bulk_work():
        assert not gc.isenabled()
        assert sys.getswitchinterval() == pytest.approx(min(before, SWITCH_INTERVAL))
        with bulk_work():  # nested: still paused, and the outer exit restores
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    assert sys.getswitchinterval() == before


def test_bulk_work_restores_after_an_error():
    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError), bulk_work():
        raise RuntimeError("boom")
    assert gc.isenabled() and sys.getswitchinterval() == before


def test_a_collector_disabled_by_the_caller_stays_disabled():
    gc.disable()
    try:
        with bulk_work():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_import_runs_under_bulk_work_and_restores(tmp_path):
    seen: list[bool] = []

    def progress(items, total, label):
        for item in items:
            seen.append(gc.isenabled())
            yield item

    before = sys.getswitchinterval()
    project = create_project(tmp_path / "p.sqlite")
    transcript = parse_ipr_text(demo_transcript("D1", 1, "client"), source="a.ipr.txt")
    reports = project.import_parsed([transcript], progress=progress)
    assert [r.status for r in reports] == ["added"]
    assert seen == [False]
    assert gc.isenabled() and sys.getswitchinterval() == before
    project.close()
