"""Codes whose names give the same key import as distinct codes (issue 16, point 1).

NVivo and ATLAS.ti allow the same name under two parents, and names that differ only in
punctuation (``+Media``, ``-Media``); keys are made from names, so they collided and the
database refused the codebook half-way with a raw ``IntegrityError``.
"""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest

from workbench.errors import CodebookError
from workbench.interop import import_qdpx, read_qdc
from workbench.project import create_project
from workbench.testing import DEMO_CODEBOOK

CODES = """
<Code guid="11111111-0000-0000-0000-000000000001" name="Sources" isCodable="false">
  <Code guid="11111111-0000-0000-0000-000000000002" name="Media" isCodable="true"/>
  <Code guid="11111111-0000-0000-0000-000000000003" name="+Media" isCodable="true"/>
  <Code guid="11111111-0000-0000-0000-000000000004" name="-Media" isCodable="true"/>
</Code>
<Code guid="11111111-0000-0000-0000-000000000005" name="People" isCodable="true">
  <Code guid="11111111-0000-0000-0000-000000000006" name="Media" isCodable="true"/>
</Code>"""
USER = "0d62985d-b147-5d01-a9b5-cae5dcd98342"
TEXT = "Anna: The radio was on. Then the papers. Ben: My sister works in TV.\n"


def test_a_qdc_with_repeated_names_loads_every_code(tmp_path: Path) -> None:
    path = tmp_path / "dup.qdc"
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:'
                    f'codebook:1.0" origin="NVivo 12"><Codes>{CODES}</Codes></CodeBook>',
                    encoding="utf-8")
    codebook, _warnings = read_qdc(path)
    names = [(c.name, c.parent) for c in codebook.codes]
    assert names.count(("Media", None)) == 1 and ("Media", "people") in names
    assert len({c.key for c in codebook.codes}) == len(codebook.codes) == 5
    with create_project(tmp_path / "p.sqlite") as project:
        project.load_codebook(codebook)
        assert sorted(c.name for c in project.codebook.codes) == [
            "+Media", "-Media", "Media", "Media", "People"]


def test_a_qdpx_with_repeated_names_keeps_each_codings_code(tmp_path: Path) -> None:
    def selection(number: int, piece: str, code: int) -> str:
        start = TEXT.index(piece)
        return (f'<PlainTextSelection guid="aaaaaaaa-0000-0000-0000-{number:012d}" '
                f'startPosition="{start}" endPosition="{start + len(piece)}">'
                f'<Coding guid="bbbbbbbb-0000-0000-0000-{number:012d}" creatingUser="{USER}">'
                f'<CodeRef targetGUID="11111111-0000-0000-0000-{code:012d}"/></Coding>'
                '</PlainTextSelection>')

    qde = ('<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" '
           f'name="t" origin="NVivo 12"><Users><User guid="{USER}" name="Rae"/></Users>'
           f'<CodeBook><Codes>{CODES}</Codes></CodeBook><Sources><TextSource '
           'guid="40000000-0000-0000-0000-00000000000a" name="Int A" '
           'plainTextPath="internal://x1.txt">'
           + selection(1, "The radio was on.", 2) + selection(2, "Then the papers.", 3)
           + selection(3, "My sister works in TV.", 6) + '</TextSource></Sources></Project>')
    path = tmp_path / "dup.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr("sources/x1.txt", TEXT.encode("utf-8"))
    with create_project(tmp_path / "p.sqlite") as project:
        import_qdpx(project, path)
        codings = project.codings(with_attributes=False).sort_values("start")
        by_text = dict(zip(codings["text"], codings["code"], strict=True))
        codebook = project.codebook
        assert codebook.code(by_text["The radio was on."]).name == "Media"
        assert codebook.code(by_text["Then the papers."]).name == "+Media"
        people_media = codebook.code(by_text["My sister works in TV."])
        assert (people_media.name, people_media.parent) == ("Media", "people")
        assert by_text["The radio was on."] != by_text["My sister works in TV."]


def test_a_codebook_repeating_a_key_is_refused_whole(tmp_path: Path) -> None:
    twin = dataclasses.replace(DEMO_CODEBOOK.codes[1], key=DEMO_CODEBOOK.codes[0].key)
    bad = dataclasses.replace(DEMO_CODEBOOK, codes=(*DEMO_CODEBOOK.codes, twin))
    with create_project(tmp_path / "p.sqlite") as project:
        with pytest.raises(CodebookError, match=r"used more than once.*Nothing was loaded"):
            project.load_codebook(bad)
        assert project.codebook_version() is None  # nothing half-stored
