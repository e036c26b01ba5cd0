"""Full-text search (plain, regex, lemma), coding the hits, and the retrieval view state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from retrieval_data import DOC, OTHER, build, span

from workbench import (
    CodingController,
    Project,
    RetrievalError,
    RetrievalState,
    RetrievalView,
    SearchPatternError,
    StaleError,
    UnknownCodeError,
    code_hits,
    create_project,
    search_text,
    undo_code_hits,
)
from workbench.analysis.text_search import (
    HIT_COLUMNS,
    clear_lemma_cache,
    lemma_of,
    lemmatized,
    search_hits,
)
from workbench.views.retrieval_view import rows_html, session_jumper


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    built = build(create_project(tmp_path_factory.mktemp("s") / "s.sqlite"), second=True)
    yield built
    built.close()


@pytest.fixture(scope="module")
def text(project: Project) -> str:
    return project.document_text(DOC)


def hits(frame: pd.DataFrame) -> list[tuple[str, int, int, str]]:
    return [(r.document, r.start, r.end, r.text) for r in frame.itertuples()]


def at(text: str, quote: str, document: str = DOC, after: str = "") -> tuple[str, int, int, str]:
    """The hit tuple for the first ``quote`` after ``after`` in ``text``."""
    start = text.index(quote, text.index(after) if after else 0)
    return (document, start, start + len(quote), quote)


def test_plain_search_exact_offsets_in_every_document(project: Project, text: str) -> None:
    out = search_text(project, "felt")
    assert list(out.columns) == list(HIT_COLUMNS)
    assert hits(out) == [at(text, "felt"), at(text, "felt", OTHER)]
    row = out.iloc[0]
    assert (row.speaker, row.role, row.turn_index, row.segment_index, row.video_time) == (
        "Client", "participant", 2, 2, 60.0)
    assert row.context == "I felt tense. I went quiet. She noticed."
    assert out.attrs["caption"] == ("2 hits for text 'felt' (case-insensitive) in all turns "
                                    "of 2 documents")


def test_plain_case_and_whole_words(project: Project, text: str) -> None:
    assert hits(search_text(project, "FELT", documents=DOC)) == [at(text, "felt")]
    assert search_text(project, "FELT", documents=DOC, case_sensitive=True).empty
    # "feel" inside "feeling" and "Feelings" unless whole words are asked for
    assert hits(search_text(project, "feel", documents=DOC)) == [
        at(text, "feel"),
        (DOC, text.index("Feel"), text.index("Feel") + 4, "Feel")]
    assert search_text(project, "feel", documents=DOC, whole_word=True).empty


def test_labels_and_stop_lines_are_not_searched(project: Project, text: str) -> None:
    assert search_text(project, "Client").empty
    assert search_text(project, "00:01").empty
    assert search_text(project, "what", roles="participant").empty
    asked = search_text(project, "what", roles=["interviewer"], documents=DOC)
    assert hits(asked) == [(DOC, text.index("What"), text.index("What") + 4, "What")]
    assert asked.attrs["roles"] == ["interviewer"]


def test_regex_search(project: Project, text: str) -> None:
    out = search_text(project, r"I \w+ (tense|quiet)", mode="regex", documents=DOC)
    assert hits(out) == [at(text, "I felt tense"), at(text, "I went quiet")]
    # ^ anchors at the start of a turn, not of a sentence inside it
    starts = search_text(project, r"^I\b", mode="regex", documents=DOC)
    assert hits(starts) == [at(text, "I", after="Client: I felt"),
                            at(text, "I", after="Client: I was")]
    assert search_text(project, "x*", mode="regex").empty  # empty matches are skipped
    assert search_text(project, r"[.]\s", mode="regex", documents=DOC).shape[0] == 4


def test_bad_and_runaway_regex(project: Project) -> None:
    with pytest.raises(SearchPatternError, match="does not compile: missing \\)"):
        search_text(project, "(felt", mode="regex")
    long = "a" * 40 + "!"
    segments = pd.DataFrame({"document": "d", "turn_index": [0], "segment_index": [0],
                             "speaker": "s", "role": "participant", "start": [0],
                             "end": [len(long)], "video_time": [0.0]})
    with pytest.raises(SearchPatternError, match="time limit"):
        search_hits({"d": long}, segments, r"(a|aa)+$", mode="regex", timeout=0.2)


def test_lemma_search(project: Project, text: str) -> None:
    # the lookup table: felt -> feel, feeling -> feel, but Feelings -> feeling
    assert lemma_of("felt") == ["feel"] and lemma_of("Feelings") == ["feeling"]
    out = search_text(project, "feel", mode="lemma", documents=DOC)
    assert hits(out) == [at(text, "felt"), at(text, "feeling")]
    assert out.attrs["engine"].startswith("spaCy lookup lemmatizer")
    assert hits(search_text(project, "feelings", mode="lemma", documents=DOC)) == [
        at(text, "Feelings")]
    phrase = search_text(project, "go quiet", mode="lemma", documents=DOC)
    assert hits(phrase) == [at(text, "went quiet")]
    assert search_text(project, "quiet go", mode="lemma", documents=DOC).empty
    with pytest.raises(SearchPatternError, match="holds no word"):
        search_text(project, "...", mode="lemma")


def test_lemmas_are_cached_per_text(text: str) -> None:
    clear_lemma_cache()
    first = lemmatized(text)
    assert lemmatized(text) is first
    assert lemmatized(text + " ") is not first
    words = [text[a:b] for a, b in zip(first.starts, first.ends, strict=True)]
    assert words[:3] == ["Researcher", ":", "Stop"]


def test_several_patterns_limit_and_modes(project: Project, text: str) -> None:
    out = search_text(project, ["quiet", "tense"], documents=DOC)
    assert hits(out) == [at(text, "tense"), at(text, "quiet")]
    assert out.pattern.tolist() == ["tense", "quiet"]
    one = search_text(project, "e", limit=1)
    assert len(one) == 1 and one.attrs["truncated"] is True
    assert "stopped at limit=1" in one.attrs["caption"]
    with pytest.raises(RetrievalError, match="not a search mode"):
        search_text(project, "felt", mode="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(SearchPatternError, match="non-blank"):
        search_text(project, "")


# -- coding the hits --------------------------------------------------------------------
@pytest.fixture
def coded(backend_url: str) -> Iterator[Project]:
    built = build(create_project(backend_url))
    yield built
    built.close()


def test_code_hits_one_coding_per_hit_and_idempotent(coded: Project) -> None:
    found = search_text(coded, "e", mode="regex", documents=DOC, roles="participant")
    chosen = found[found.text.isin(["e"])].iloc[[0, 2]]
    before = len(coded.codings())
    report = code_hits(coded, chosen, "empathy", "chloe")
    assert len(report.created) == 2 and not report.existing
    mine = coded.codings(coder="chloe")
    assert sorted(zip(mine.start, mine.end, mine.code, strict=True)) == sorted(
        (int(a), int(b), "empathy") for a, b in zip(chosen.start, chosen.end, strict=True))
    assert set(mine.coding_uuid) == set(report.created_uuids)
    again = code_hits(coded, chosen, "empathy", "chloe")
    assert not again.created and [c.uuid for c in again.existing] == list(report.created_uuids)
    assert len(coded.codings()) == before + 2
    assert undo_code_hits(coded, again) == 0
    assert undo_code_hits(coded, report) == 2
    assert len(coded.codings()) == before


def test_code_hits_keeps_existing_codings_on_undo(coded: Project, text: str) -> None:
    quiet = search_text(coded, "I went quiet.", documents=DOC)  # ana has withdrawal there
    tense = search_text(coded, "tense", documents=DOC)
    report = code_hits(coded, pd.concat([quiet, tense, tense]), "withdrawal", "ana")
    assert [(c.start, c.end) for c in report.created] == [span(text, "tense")]
    assert [(c.start, c.end) for c in report.existing] == [span(text, "I went quiet.")]
    undo_code_hits(coded, report)
    left = coded.codings(coder="ana").query("code == 'withdrawal'")
    assert list(zip(left.start, left.end, strict=True)) == [span(text, "I went quiet.")]


def test_code_hits_refuses_retired_unknown_and_stale(coded: Project) -> None:
    found = search_text(coded, "tense", documents=DOC)
    coded.retire_code("empathy")
    with pytest.raises(UnknownCodeError, match="retired"):
        code_hits(coded, found, "empathy", "chloe")
    with pytest.raises(UnknownCodeError, match="did you mean 'rupture'"):
        code_hits(coded, found, "ruptre", "chloe")
    moved = found.assign(text="other")
    with pytest.raises(StaleError, match="no longer holds"):
        code_hits(coded, moved, "rupture", "chloe")
    assert coded.codings(coder="chloe").empty
    with pytest.raises(RetrievalError, match="not a hit"):
        code_hits(coded, ["tense"], "rupture", "chloe")



def test_expected_texts_are_checked_inside_the_coding_transaction(coded: Project) -> None:
    """``apply_ranges(expect_texts=...)`` checks each range's text with the documents
    locked: a mismatch on the second range saves neither (``code_hits`` relies on it, so a
    re-import between the search and the coding cannot code other words)."""
    found = hits(search_text(coded, "tense|quiet", mode="regex", documents=DOC))
    assert len(found) >= 2
    (d1, a1, b1, t1), (d2, a2, b2, t2) = found[:2]
    items = [(d1, a1, b1, "rupture", "chloe", ""), (d2, a2, b2, "rupture", "chloe", "")]
    with pytest.raises(StaleError, match="no longer holds 'nope'"):
        coded.apply_ranges(items, expect_texts=[t1, "nope"])
    assert coded.codings(coder="chloe").empty
    with pytest.raises(ValueError, match="1 texts for 2 items"):
        coded.apply_ranges(items, expect_texts=[t1])
    done = coded.apply_ranges(items, expect_texts=[t1, None])
    assert [c.created for c in done] == [True, True]
    assert sorted(coded.codings(coder="chloe")["text"]) == sorted([t1, t2])

# -- the view state, headless ---------------------------------------------------------
def test_state_selection_moves_and_coding(coded: Project, text: str) -> None:
    jumps: list[tuple[str, int, int]] = []
    state = RetrievalState(coded, coder="chloe",
                           on_jump=lambda d, s, i: jumps.append((d, s, i)))
    state.run_search("quiet|judged", mode="regex")
    assert state.caption.startswith("2 hits for regular expression")
    assert state.current == 0 and state.next()
    assert state.current == 1 and state.next() is False and state.previous()
    assert state.jump(1) == (DOC, text.index("judged"), 6) and state.current == 1
    assert jumps == [(DOC, text.index("judged"), 6)]
    with pytest.raises(RetrievalError, match="tick the results"):
        state.code_selected("rupture")
    state.select(1)
    rows = state.rows()
    assert (rows[1].before, rows[1].passage, rows[1].after) == (
        "I was feeling ", "judged", ". Then we talked it through. Feelings settle.")
    assert rows[1].selected and rows[1].current and not rows[0].selected
    assert rows[1].clock == "02:00"
    report = state.code_selected("rupture")
    assert [(c.start, c.end) for c in report.created] == [span(text, "judged")]
    assert state.undo() == 1 and coded.codings(coder="chloe").empty
    with pytest.raises(RetrievalError, match="nothing to undo"):
        state.undo()
    state.select_all()
    assert len(state.selected()) == 2
    with pytest.raises(RetrievalError, match="no result 5"):
        state.select(5)
    assert "<mark>judged</mark>" in rows_html(state.rows())


def test_state_runs_queries_and_renders(coded: Project) -> None:
    state = RetrievalState(coded)
    with pytest.raises(RetrievalError, match="no results yet"):
        state.jump()
    out = state.run_query("anxiety", source="ana")
    assert out.text.tolist() == ["I felt tense."]
    assert state.rows()[0].label == "anxiety - ana"
    with pytest.raises(RetrievalError, match="nothing to jump with"):
        state.jump()
    with pytest.raises(RetrievalError, match="say who codes"):
        state.select_all() or state.code_selected("repair")
    view = RetrievalView(state)
    assert "<mark>I felt tense.</mark>" in view.results_html.value
    assert len(view.checks.children) == 1
    view.checks.children[0].value = True  # the checkbox ticks the state
    assert state.selection == {0}
    view.mode.value, view.pattern.value = "regex", "(tense"
    view.run_button.click()
    assert "does not compile" in view.message.value


def test_jump_moves_a_coding_controller(tmp_path: Path) -> None:
    built = build(create_project(tmp_path / "j.sqlite"), second=True)
    try:
        controller = CodingController(built, "chloe", OTHER)
        controller.set_filter(role="interviewer")
        state = RetrievalState(built, on_jump=session_jumper(controller))
        state.run_search("judged", documents=DOC)
        state.jump()
        assert controller.document == DOC
        assert controller.segment is not None and controller.segment.index == 6
        assert built.position("chloe", DOC) == 6
    finally:
        built.close()


def test_search_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from workbench.cli import main

    path = tmp_path / "cli.sqlite"
    build(create_project(path)).close()
    out = tmp_path / "hits.csv"
    assert main(["search", str(path), "feel", "--lemma", "--csv", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "2 hits for lemma 'feel' in all turns of 1 document"
    assert printed[1].endswith("I [felt] tense. I went quiet. She noticed.")
    table = pd.read_csv(out)
    assert table.text.tolist() == ["felt", "feeling"]
    assert main(["search", str(path), "(x", "--regex"]) == 2
    assert "does not compile" in capsys.readouterr().err


def test_jump_from_the_view_moves_and_redraws_a_coding_panel(tmp_path: Path) -> None:
    from workbench import coding_panel, retrieval_view

    built = build(create_project(tmp_path / "p.sqlite"), second=True)
    try:
        panel = coding_panel(built, "chloe", OTHER)
        view = retrieval_view(built, coder="chloe", panel=panel)
        view.mode.value, view.pattern.value = "plain", "talked it through"
        view.run_button.click()
        view.checks.children[0].value = True
        view.jump_button.click()
        assert panel.controller.document == DOC
        assert panel.controller.segment is not None and panel.controller.segment.index == 7
        assert "talked it through" in panel.context_html.value
        view.code.value = "repair"
        view.code_button.click()
        assert "1 new coding" in view.message.value
        assert built.codings(coder="chloe").text.tolist() == ["talked it through"]
    finally:
        built.close()
