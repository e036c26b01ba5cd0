"""Memos on the project, documents, codes and codings go out to REFI-QDA and come back
(issue 16, point 8)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from workbench.interop import export_qdpx, import_qdpx
from workbench.project import create_project
from workbench.testing import make_demo_project


def test_memos_survive_export_and_import(tmp_path: Path) -> None:
    with make_demo_project(tmp_path / "demo.sqlite") as project:
        project.write_memo("ana", "document", "D1_S3_client", "Client warms up after 🙂 stop 2.")
        project.write_memo("ben", "code", "withdrawal", "Includes going quiet; see D2.")
        project.write_memo("chloe", "project", "", "Round 1 finished on 3 March.")
        uuid = project.codings(coder="ana")["coding_uuid"].iloc[0]
        project.set_coding_memo(uuid, "fear of judgement", coder="ana")
        path = export_qdpx(project, tmp_path / "memos.qdpx")  # validated against the XSD
        before = project.memos()[["coder", "target_kind", "target_key", "text"]]
        coding_memos = project.codings()[["coding_uuid", "memo"]]
    with zipfile.ZipFile(path) as archive:
        qde = archive.read("project.qde").decode("utf-8")
    assert qde.count("<Note ") == 3 + int((coding_memos["memo"] != "").sum())
    with create_project(tmp_path / "copy.sqlite") as copy:
        report = import_qdpx(copy, path)
        assert report.memos == 3
        after = copy.memos()[["coder", "target_kind", "target_key", "text"]]
        key = ["coder", "target_kind", "target_key"]
        assert after.sort_values(key).reset_index(drop=True).equals(
            before.sort_values(key).reset_index(drop=True))
        memos = set(copy.codings()["memo"]) - {""}
        assert "fear of judgement" in memos
        assert not any("note" in s.lower() for s in report.skipped)


def test_notes_of_another_tool_become_memos_of_their_authors(tmp_path: Path) -> None:
    user = "0d62985d-b147-5d01-a9b5-cae5dcd98342"
    code = "2d2466f0-d77f-4f8c-bdf9-628966b6b74d"
    qde = ('<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" '
           f'name="t" origin="NVivo 12"><Users><User guid="{user}" name="Rae"/></Users>'
           f'<CodeBook><Codes><Code guid="{code}" name="Feeling" isCodable="true">'
           '<NoteRef targetGUID="cccccccc-0000-0000-0000-000000000002"/></Code></Codes>'
           '</CodeBook><Sources><TextSource guid="40000000-0000-0000-0000-00000000000a" '
           'name="Int A" plainTextPath="internal://x1.txt">'
           '<NoteRef targetGUID="cccccccc-0000-0000-0000-000000000001"/></TextSource>'
           '</Sources><Notes>'
           f'<Note guid="cccccccc-0000-0000-0000-000000000001" name="about A" creatingUser="{user}">'
           '<PlainTextContent>Long pauses throughout.</PlainTextContent></Note>'
           f'<Note guid="cccccccc-0000-0000-0000-000000000002" name="on feeling" creatingUser="{user}">'
           '<PlainTextContent>Only named feelings.</PlainTextContent></Note>'
           f'<Note guid="cccccccc-0000-0000-0000-000000000003" name="journal" creatingUser="{user}">'
           '<PlainTextContent>Team met twice.</PlainTextContent></Note>'
           '</Notes></Project>')
    path = tmp_path / "n.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr("sources/x1.txt", b"Anna: Hello there.\n")
    with create_project(tmp_path / "p.sqlite") as project:
        report = import_qdpx(project, path)
        memos = project.memos().set_index("target_kind")
        assert report.memos == 3
        assert set(memos["coder"]) == {"Rae"} and "Rae" in project.coders()
        assert memos.loc["document", "text"] == "Long pauses throughout."
        assert memos.loc["document", "target_key"] == "Int A"
        assert memos.loc["code", "text"] == "Only named feelings."
        assert memos.loc["project", "text"] == "Team met twice."
        assert not any("Rae" in s and "not added" in s for s in report.skipped)


def test_importing_notes_onto_memos_already_held_keeps_both(tmp_path: Path) -> None:
    """A coder's memo written here and a note from the file on the same target are both
    kept (the file's paragraphs appended); importing the same file again changes nothing."""
    with make_demo_project(tmp_path / "demo.sqlite") as project:
        project.write_memo("ana", "document", "D1_S3_client", "Written in the file.")
        uuid = project.codings(coder="ana")["coding_uuid"].iloc[0]
        project.set_coding_memo(uuid, "from the file", coder="ana")
        path = export_qdpx(project, tmp_path / "m.qdpx")
        project.write_memo("ana", "document", "D1_S3_client", "Written here since.")
        project.set_coding_memo(uuid, "changed here", coder="ana")
        report = import_qdpx(project, path)
        memo = project.memos().query("coder == 'ana' and target_kind == 'document'")
        assert memo["text"].tolist() == ["Written here since.\n\nWritten in the file."]
        coding = project.codings().set_index("coding_uuid").loc[uuid, "memo"]
        assert coding == "changed here\n\nfrom the file"
        assert len(report.memos_merged) == 2
        assert any("D1_S3_client" in line for line in report.memos_merged)
        assert "memo merged" in report.summary()
        again = import_qdpx(project, path)
        assert again.memos_merged == ()
        assert project.memos().query("coder == 'ana'")["text"].tolist() == [
            "Written here since.\n\nWritten in the file."]
        assert project.codings().set_index("coding_uuid").loc[uuid, "memo"] == coding


def test_merge_memo_appends_only_new_paragraphs() -> None:
    from workbench.interop.refi_import import merge_memo

    assert merge_memo("", "b") == "b"
    assert merge_memo("a", "") == "a"
    assert merge_memo("a\n\nb", "b") == "a\n\nb"
    assert merge_memo("a", "b\n\n  a  \n\nc\n\nc") == "a\n\nb\n\nc"
    assert merge_memo("a\n", "a") == "a\n"
