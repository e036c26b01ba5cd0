"""Declared palette shortcuts survive what the codebook goes through (issue 14 point 4):
retire and restore (and say so when another code took the shortcut meanwhile), a REFI-QDA
``.qdc`` or ``.qdpx`` import onto codes the project already has, and the YAML round trip.
Storage is involved throughout: every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from workbench import CodingController, Project, create_project
from workbench.cli import main
from workbench.interop import export_qdc, export_qdpx, import_qdc, import_qdpx
from workbench.parsing.codebook_yaml import write_codebook_file
from workbench.testing import make_demo_project

SHORTCUTS = {"withdrawal": "wd", "anxiety": "ax", "repair": "rp"}


def _declare(project: Project, shortcuts: dict[str, str]) -> None:
    book = project.codebook
    project.load_codebook(dataclasses.replace(book, codes=tuple(
        dataclasses.replace(c, shortcut=shortcuts.get(c.key, c.shortcut)) for c in book.codes)))


def _shortcuts(project: Project) -> dict[str, str]:
    return {c.key: c.shortcut for c in project.codebook.codes if c.shortcut}


def _restore_details(project: Project) -> list[dict[str, object]]:
    log = project.audit_log()
    return [json.loads(d) if isinstance(d, str) else dict(d)
            for d in log[log["action"] == "restore_code"]["detail"]]


def test_retire_keeps_the_shortcut_and_restore_gives_it_back(demo_project: Project) -> None:
    project = demo_project
    _declare(project, SHORTCUTS)
    c = CodingController(project, "ana", "D1_S3_client")
    c.retire_code("anxiety", confirm=True)
    assert "anxiety" not in project.codebook.keys
    assert _shortcuts(project) == {"withdrawal": "wd", "repair": "rp"}
    retired = project.retired_codes().set_index("code")
    assert retired.loc["anxiety", "shortcut"] == "ax"  # kept while retired
    c.restore_code("anxiety")
    assert project.codebook.code("anxiety").shortcut == "ax"
    assert _shortcuts(project) == SHORTCUTS
    assert "its palette shortcut /ax works again" in c.message
    assert _restore_details(project)[-1]["shortcut"] == "ax"
    # and the palette reaches it by its shortcut again
    c.open_palette("ax")
    view = c.palette_view()
    assert view is not None and view.current is not None and view.current.key == "anxiety"


def test_a_shortcut_taken_while_retired_is_released_and_the_restore_says_so(
        demo_project: Project) -> None:
    project = demo_project
    _declare(project, SHORTCUTS)
    project.retire_code("anxiety")
    _declare(project, {"rupture": "ax"})  # another code takes the free shortcut
    c = CodingController(project, "ana", "D1_S3_client")
    c.restore_code("anxiety")
    assert project.codebook.code("anxiety").shortcut == ""
    assert project.codebook.code("rupture").shortcut == "ax"
    assert "its palette shortcut /ax was taken by Rupture (rupture) while it was retired" \
        in c.message and "declare another" in c.message
    assert _restore_details(project)[-1]["shortcut_released"] == {"shortcut": "ax",
                                                                 "now_of": "rupture"}


def test_the_cli_restore_line_names_the_shortcut(backend_url: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    project = make_demo_project(backend_url)
    try:
        _declare(project, SHORTCUTS)
        project.retire_code("repair")
    finally:
        project.close()
    assert main(["codebook", "restore", backend_url, "repair"]) == 0
    out = capsys.readouterr().out
    assert "restored 'repair'" in out and "its palette shortcut /rp works again" in out


def test_a_merged_code_restored_gets_its_shortcut_back(demo_project: Project) -> None:
    _declare(demo_project, SHORTCUTS)
    demo_project.merge_codes("repair", "empathy")
    demo_project.restore_code("repair")
    assert demo_project.codebook.code("repair").shortcut == "rp"


# -- REFI-QDA imports --------------------------------------------------------------------
def test_a_qdc_import_keeps_the_shortcuts_of_codes_the_project_has(
        demo_project: Project, tmp_path: Path) -> None:
    project = demo_project
    _declare(project, SHORTCUTS)
    path = export_qdc(project.codebook, tmp_path / "book.qdc",
                      identities=project.refi_identities())
    assert "shortcut" not in path.read_text(encoding="utf-8").lower()  # REFI has no field
    import_qdc(project, path)
    assert _shortcuts(project) == SHORTCUTS
    # a codebook changed elsewhere: a new code (no shortcut), anxiety dropped (retired)
    book = project.codebook
    hope = dataclasses.replace(book.code("empathy"), key="hope", name="Hope",
                               definition="Expecting things to get better.", shortcut="")
    other = dataclasses.replace(book, codes=(*(c for c in book.codes if c.key != "anxiety"),
                                             hope))
    path = export_qdc(other, tmp_path / "other.qdc")
    read = import_qdc(project, path, retire_missing=True)
    assert read.codebook.code("withdrawal").shortcut == "wd"
    assert project.codebook.code("hope").shortcut == ""
    assert _shortcuts(project) == {"withdrawal": "wd", "repair": "rp"}
    # the first file again: anxiety comes back with the shortcut it had
    import_qdc(project, tmp_path / "book.qdc", retire_missing=True)
    assert _shortcuts(project) == SHORTCUTS


FOREIGN_QDC = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="OtherTool">
  <Codes>
    <Code guid="4f0a3c1e-7f0e-4d7e-9a52-0a8c1d2e3f41" name="Withdrawal" isCodable="true">
      <Description>Moving away from the other.</Description>
    </Code>
    <Code guid="4f0a3c1e-7f0e-4d7e-9a52-0a8c1d2e3f42" name="Hope" isCodable="true">
      <Description>Expecting things to get better.</Description>
    </Code>
  </Codes>
</CodeBook>
"""


def test_a_foreign_qdc_matches_codes_by_name_and_keeps_their_shortcuts(
        demo_project: Project, tmp_path: Path) -> None:
    _declare(demo_project, SHORTCUTS)
    path = tmp_path / "foreign.qdc"
    path.write_text(FOREIGN_QDC, encoding="utf-8")
    import_qdc(demo_project, path, retire_missing=True)
    book = demo_project.codebook
    assert set(book.keys) == {"withdrawal", "hope"}
    assert book.code("withdrawal").shortcut == "wd"  # the same code: its shortcut kept
    assert book.code("hope").shortcut == ""  # a new code: none


def test_a_qdpx_import_keeps_the_shortcuts_of_codes_the_project_has(
        backend_url: str, tmp_path: Path) -> None:
    source = make_demo_project(tmp_path / "source.sqlite")
    try:
        path = export_qdpx(source, tmp_path / "project.qdpx")
        book = source.codebook
    finally:
        source.close()
    project = create_project(backend_url)
    try:
        kept = dataclasses.replace(book, codes=tuple(
            dataclasses.replace(c, shortcut=SHORTCUTS.get(c.key, "")) for c in book.codes
            if c.key != "empathy"))
        project.load_codebook(kept)
        project.create_code("empathy", "Empathic listening", theme="facilitators",
                            definition="placeholder, retired below")
        _declare(project, {"empathy": "em"})
        project.retire_code("empathy")
        report = import_qdpx(project, path)
        assert report.codings > 0
        # the codes it had keep theirs; the retired one, back from the file, gets its own
        assert _shortcuts(project) == {**SHORTCUTS, "empathy": "em"}
    finally:
        project.close()


# -- YAML --------------------------------------------------------------------------------
def test_the_yaml_round_trip_keeps_shortcuts(demo_project: Project, tmp_path: Path) -> None:
    _declare(demo_project, SHORTCUTS)
    version = demo_project.codebook_version()
    path = write_codebook_file(demo_project.codebook, tmp_path / "book.yaml")
    assert "shortcut: wd" in path.read_text(encoding="utf-8")
    assert demo_project.load_codebook(path) == version  # a no-op
    assert _shortcuts(demo_project) == SHORTCUTS
