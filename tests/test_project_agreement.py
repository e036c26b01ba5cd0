"""Project-level agreement wrappers, the alpha chart and the disagreement browser."""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd
import pytest

from workbench.analysis.disagreements import disagreement_table
from workbench.agreement import (
    agreement_inputs,
    code_agreement,
    disagreements,
)
from workbench.project import Project
from workbench.views.agreement_figures import alpha_chart
from workbench.views.disagreement_browser import DisagreementBrowser, disagreement_widget


def test_code_agreement_one_row_per_code(sqlite_demo: Project) -> None:
    table = code_agreement(sqlite_demo, n_boot=0)
    keys = [code.key for code in sqlite_demo.codebook.codes]
    assert list(table["code"]) == keys
    assert (table["n_coders"] == 3).all()


def test_perspective_filter_reduces_units(sqlite_demo: Project) -> None:
    everything = code_agreement(sqlite_demo, n_boot=0)
    client = code_agreement(sqlite_demo, perspective="client", n_boot=0)
    assert client["n_units"].iloc[0] < everything["n_units"].iloc[0]
    assert client.attrs["filters"] == {"perspective": ["client"]}


def test_alpha_chart_lines_and_whiskers(sqlite_demo: Project) -> None:
    table = code_agreement(sqlite_demo, n_boot=200)
    fig = alpha_chart(table, sqlite_demo.codebook)
    assert sorted(shape.y0 for shape in fig.layout.shapes) == [0.667, 0.8]
    whiskers = [trace for trace in fig.data if trace.error_y is not None and trace.error_y.array]
    assert len(whiskers) == len(table)


def _browser(project: Project) -> tuple[DisagreementBrowser, pd.DataFrame]:
    segments, codings, coders, codes, themes = agreement_inputs(project)
    table = disagreement_table(segments, codings, coders, codes, themes=themes)
    return DisagreementBrowser(disagreements(project, roles=None), project.segments()), table


def test_browser_steps_through_disagreement_table(sqlite_demo: Project) -> None:
    browser, table = _browser(sqlite_demo)
    assert len(table) > 0
    seen = []
    for _ in range(len(table)):
        row = browser.current()
        assert row is not None
        seen.append((row["segment_id"], row["code"]))
        browser.next()
    assert seen == list(zip(table["segment_id"], table["code"], strict=True))
    browser.next()
    assert browser.index == len(table) - 1
    code = str(table["code"].iloc[0])
    browser.set_code(code)
    assert len(browser) == int((table["code"] == code).sum())


def test_browser_html_escapes(sqlite_demo: Project) -> None:
    browser, _ = _browser(sqlite_demo)
    sid = browser.rows["segment_id"].iloc[0]
    browser.segments.loc[browser.segments["segment_id"] == sid, "text"] = "<script>alert(1)</script>"
    page = browser.html()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_widget_shows_callback_errors(sqlite_demo: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    browser, _ = _browser(sqlite_demo)
    box = disagreement_widget(browser)
    controls, _view, error = box.children
    buttons = [w for w in controls.children if isinstance(w, widgets.Button)]
    next_button = next(w for w in buttons if w.description == "Next")
    next_button.click()
    assert browser.index == 1 and error.value == ""

    def boom() -> None:
        raise RuntimeError("<b>broken</b>")

    monkeypatch.setattr(browser, "next", boom)
    next_button.click()
    assert "RuntimeError" in error.value and "&lt;b&gt;broken" in error.value
