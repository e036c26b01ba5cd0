"""REFI-QDA identity on import then export (issue 16 pt 7): GUIDs of sources, codes and users,
descriptions exactly as read, users without codings, a codable parent that stays one code,
and sets, for another tool's .qdpx and .qdc and for the workbench's own export of them."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

from lxml import etree

from workbench import Project, create_project, export_qdc, export_qdpx, import_qdpx
from workbench.interop.xml_safety import safe_parser, schema_errors

NS = {"q": "urn:QDA-XML:project:1.0"}
CB = {"q": "urn:QDA-XML:codebook:1.0"}

RAE = "{0d62985d-b147-5d01-a9b5-cae5dcd98342}"  # braced, lower case: kept as written
SAM = "DFE5C38E-9449-5959-A1F7-E3D895CFA87F"
PARENT = "A182CD3A-D83C-4D8C-BC80-26D9103EC6D6"
JOY = "2D2466F0-D77F-4F8C-BDF9-628966B6B74D"
SAD = "086AC733-7B1C-4749-A138-D7182F63A5C9"
TOPICS = "20000000-0000-0000-0000-000000000001"
WORK = "20000000-0000-0000-0000-000000000002"
FOLDER = "20000000-0000-0000-0000-000000000003"
BOSS = "20000000-0000-0000-0000-000000000004"
SOURCE = "{40000000-0000-0000-0000-00000000000A}"
SET_CODES = "50000000-0000-0000-0000-000000000001"
SET_DOCS = "50000000-0000-0000-0000-000000000002"

# descriptions a footer parser could take for ours, with spaces at both ends and blank lines
PARENT_TEXT = "  Emotions named by the client.\n\nInclusion: any feeling word  "
SAD_TEXT = "Low mood.\n\n\nExample: a footer-like line, but not ours"
TOPICS_TEXT = "\nA folder of topics.\n"
TEXT = "I felt such joy at work. Then sadness came back.\n"


def _foreign_qde() -> str:
    joy_at = TEXT.index("joy")
    sad_at = TEXT.index("sadness")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="t" origin="Other tool 2.1">
<Users><User guid="{RAE}" name="Rae"/><User guid="{SAM}" name="Sam"/></Users>
<CodeBook><Codes>
<Code guid="{PARENT}" name="Feelings" isCodable="true" color="#F00082">
<Description>{PARENT_TEXT}</Description>
<Code guid="{JOY}" name="Joy" isCodable="true"/>
<Code guid="{SAD}" name="Sadness" isCodable="true"><Description>{SAD_TEXT}</Description></Code>
</Code>
<Code guid="{TOPICS}" name="Topics" isCodable="false"><Description>{TOPICS_TEXT}</Description>
<Code guid="{WORK}" name="Work" isCodable="true"/>
<Code guid="{FOLDER}" name="Sub folder" isCodable="false">
<Code guid="{BOSS}" name="Boss" isCodable="true"/></Code>
</Code>
</Codes></CodeBook>
<Sources><TextSource guid="{SOURCE}" name="Int A" plainTextPath="internal://a.txt">
<PlainTextSelection guid="AAAAAAAA-0000-0000-0000-000000000001" name="whole"
 startPosition="0" endPosition="{len(TEXT) - 1}">
<Coding guid="BBBBBBBB-0000-0000-0000-000000000001" creatingUser="{RAE}">
<CodeRef targetGUID="{PARENT.lower()}"/></Coding></PlainTextSelection>
<PlainTextSelection guid="AAAAAAAA-0000-0000-0000-000000000002" name="joy"
 startPosition="{joy_at}" endPosition="{joy_at + 3}">
<Coding guid="BBBBBBBB-0000-0000-0000-000000000002" creatingUser="{RAE}">
<CodeRef targetGUID="{JOY}"/></Coding></PlainTextSelection>
<PlainTextSelection guid="AAAAAAAA-0000-0000-0000-000000000003" name="sad"
 startPosition="{sad_at}" endPosition="{sad_at + 7}">
<Coding guid="BBBBBBBB-0000-0000-0000-000000000003" creatingUser="{RAE}">
<CodeRef targetGUID="{SAD}"/></Coding></PlainTextSelection>
</TextSource></Sources>
<Sets>
<Set guid="{SET_CODES}" name="Key codes"><Description>Codes that matter</Description>
<MemberCode targetGUID="{PARENT}"/><MemberCode targetGUID="{JOY}"/>
<MemberCode targetGUID="{TOPICS}"/></Set>
<Set guid="{SET_DOCS}" name="First interviews"><MemberSource targetGUID="{SOURCE}"/></Set>
</Sets>
</Project>"""


def _qdpx(path: Path, qde: str, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8"))
    return path


def _root(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("project.qde"), safe_parser())


def _tree(codes: etree._Element, ns: dict[str, str]) -> list[tuple[object, ...]]:
    """(depth, name, guid, isCodable, Description or None) for every code, in file order."""
    out: list[tuple[object, ...]] = []

    def walk(element: etree._Element, depth: int) -> None:
        for code in element.findall("q:Code", ns):
            text = code.find("q:Description", ns)
            out.append((depth, code.get("name"), code.get("guid"), code.get("isCodable"),
                        None if text is None else text.text or ""))
            walk(code, depth + 1)

    walk(codes, 0)
    return out


EXPECTED_TREE = [
    (0, "Feelings", PARENT, "true", PARENT_TEXT),
    (1, "Joy", JOY, "true", None),
    (1, "Sadness", SAD, "true", SAD_TEXT),
    (0, "Topics", TOPICS, "false", TOPICS_TEXT),
    (1, "Work", WORK, "true", None),
    (1, "Sub folder", FOLDER, "false", None),
    (2, "Boss", BOSS, "true", None),
]


def _import_foreign(project: Project, tmp_path: Path) -> Path:
    path = _qdpx(tmp_path / "foreign.qdpx", _foreign_qde(), {"sources/a.txt": TEXT})
    report = import_qdpx(project, path)
    assert report.codings == 3 and report.codings_new == 3
    return path


def test_foreign_project_comes_back_with_its_identity(empty_project: Project,
                                                       tmp_path: Path) -> None:
    project = empty_project
    report = import_qdpx(project, _qdpx(tmp_path / "f.qdpx", _foreign_qde(),
                                        {"sources/a.txt": TEXT}))
    # d. the user without codings is a coder too
    assert report.coders == ("Rae", "Sam") and project.coders() == ["Rae", "Sam"]
    # a. the codable parent is one code (not a theme plus a code), its coding on it
    codebook = project.codebook
    assert [t.key for t in codebook.themes] == ["imported_codes", "topics"]
    assert [(c.key, c.parent, c.theme) for c in codebook.codes] == [
        ("feelings", None, "imported_codes"), ("joy", "feelings", "imported_codes"),
        ("sadness", "feelings", "imported_codes"), ("work", None, "topics"),
        ("sub_folder", None, "topics"), ("boss", "sub_folder", "topics")]
    codings = project.codings(with_attributes=False).sort_values("start")
    assert list(codings["code"]) == ["feelings", "joy", "sadness"]
    # e. the sets are reported with their members
    assert len(report.sets) == 2
    assert "set 'Key codes': codes feelings, joy; documents -" in report.sets[0]
    assert "not kept" in report.sets[0] and "'Topics'" in report.sets[0]
    assert "set 'First interviews': codes -; documents Int A" in report.sets[1]

    out = export_qdpx(project, tmp_path / "back.qdpx")
    root = _root(out)
    assert schema_errors(root, "project") == []
    # a, b, c: the same tree, GUIDs as written, descriptions byte for byte, no footer
    codes = root.find("q:CodeBook/q:Codes", NS)
    assert _tree(codes, NS) == EXPECTED_TREE
    # c. users and the source keep their GUIDs; codings point at the same codes
    users = {u.get("name"): u.get("guid") for u in root.findall("q:Users/q:User", NS)}
    assert users["Rae"] == RAE and users["Sam"] == SAM
    (source,) = root.findall("q:Sources/q:TextSource", NS)
    assert source.get("guid") == SOURCE and source.get("name") == "Int A"
    with zipfile.ZipFile(out) as archive:
        assert archive.read(f"sources/{SOURCE}.txt").decode("utf-8") == TEXT
    refs = [r.get("targetGUID") for r in source.iter("{urn:QDA-XML:project:1.0}CodeRef")]
    assert refs == [PARENT, JOY, SAD]
    creators = {c.get("creatingUser") for c in source.iter("{urn:QDA-XML:project:1.0}Coding")}
    assert creators == {RAE}
    # e. the sets come back, with the members that are codes and documents here
    sets = root.findall("q:Sets/q:Set", NS)
    assert [(s.get("guid"), s.get("name")) for s in sets] == [
        (SET_CODES, "Key codes"), (SET_DOCS, "First interviews")]
    assert sets[0].findtext("q:Description", namespaces=NS) == "Codes that matter"
    assert [m.get("targetGUID") for m in sets[0].findall("q:MemberCode", NS)] == [PARENT, JOY]
    assert [m.get("targetGUID") for m in sets[1].findall("q:MemberSource", NS)] == [SOURCE]


def test_own_export_of_a_foreign_project_round_trips(tmp_path: Path) -> None:
    with create_project(tmp_path / "one.sqlite") as first:
        _import_foreign(first, tmp_path)
        once = export_qdpx(first, tmp_path / "once.qdpx")
        keys = first.codebook.keys
    with create_project(tmp_path / "two.sqlite") as second:
        report = import_qdpx(second, once)
        assert second.codebook.keys == keys and second.coders() == ["Rae", "Sam"]
        assert sorted(second.codings(with_attributes=False)["code"]) == [
            "feelings", "joy", "sadness"]
        assert len(report.sets) == 2
        twice = export_qdpx(second, tmp_path / "twice.qdpx")
    one, two = _root(once), _root(twice)
    assert _tree(two.find("q:CodeBook/q:Codes", NS), NS) == EXPECTED_TREE
    for path in ("q:Users/q:User", "q:Sources/q:TextSource", "q:Sets/q:Set"):
        assert [e.get("guid") for e in one.findall(path, NS)] == [
            e.get("guid") for e in two.findall(path, NS)]


def test_importing_twice_keeps_the_first_identity(tmp_path: Path) -> None:
    with create_project(tmp_path / "p.sqlite") as project:
        _import_foreign(project, tmp_path)
        before = project.refi_identities()
        again = import_qdpx(project, tmp_path / "foreign.qdpx")
        assert again.codes_added == () and again.codings_new == 0
        assert project.refi_identities() == before
        assert before[("code", "feelings")].guid == PARENT
        assert before[("code", "sub_folder")].detail == {"foreign": True, "codable": False}
        assert before[("theme", "imported_codes")].detail == {"folder": False}
        assert before[("document", "Int A")].guid == SOURCE


def test_a_code_edited_here_gets_the_workbench_footer(tmp_path: Path) -> None:
    with create_project(tmp_path / "p.sqlite") as project:
        _import_foreign(project, tmp_path)
        codebook = project.codebook
        edited = replace(codebook, codes=tuple(
            replace(c, definition="Sad, low or flat mood.") if c.key == "sadness" else c
            for c in codebook.codes))
        project.load_codebook(edited)
        root = _root(export_qdpx(project, tmp_path / "edited.qdpx"))
    tree = {row[1]: row for row in _tree(root.find("q:CodeBook/q:Codes", NS), NS)}
    assert tree["Sadness"][2] == SAD  # still the file's GUID
    assert tree["Sadness"][4] == "Sad, low or flat mood.\n\nWorkbench code: sadness"
    assert tree["Feelings"][4] == PARENT_TEXT  # the others are untouched


def test_a_deeper_folder_with_codings_is_exported_codable(tmp_path: Path) -> None:
    with create_project(tmp_path / "p.sqlite") as project:
        _import_foreign(project, tmp_path)
        project.apply_ranges([("Int A", 0, 6, "sub_folder", "Sam", "")])
        root = _root(export_qdpx(project, tmp_path / "coded.qdpx"))
    tree = {row[1]: row for row in _tree(root.find("q:CodeBook/q:Codes", NS), NS)}
    assert tree["Sub folder"][3] == "true"
    assert schema_errors(root, "project") == []


def test_workbench_codes_keep_derived_guids_and_footers(sqlite_demo: Project,
                                                        tmp_path: Path) -> None:
    from workbench.interop.refi_codebook import code_guid, theme_guid

    assert sqlite_demo.refi_identities() == {}
    root = _root(export_qdpx(sqlite_demo, tmp_path / "demo.qdpx"))
    codebook = sqlite_demo.codebook
    tops = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [t.get("guid") for t in tops] == [theme_guid(t.key) for t in codebook.themes]
    for code in codebook.codes:
        (element,) = [e for e in root.iter("{urn:QDA-XML:project:1.0}Code")
                      if e.get("guid") == code_guid(code.key)]
        assert element.findtext("q:Description", namespaces=NS).endswith(
            f"Workbench code: {code.key}")
    assert root.find("q:Sets", NS) is None


# -- .qdc ------------------------------------------------------------------------------------
def _foreign_qdc(path: Path) -> Path:
    path.write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Other tool 2.1"><Codes>
<Code guid="{PARENT}" name="Feelings" isCodable="true"><Description>{PARENT_TEXT}</Description>
<Code guid="{JOY}" name="Joy" isCodable="true"/>
<Code guid="{SAD}" name="Sadness" isCodable="true"><Description>{SAD_TEXT}</Description></Code>
</Code>
<Code guid="{TOPICS}" name="Topics" isCodable="false"><Description>{TOPICS_TEXT}</Description>
<Code guid="{WORK}" name="Work" isCodable="true"/>
<Code guid="{FOLDER}" name="Sub folder" isCodable="false">
<Code guid="{BOSS}" name="Boss" isCodable="true"/></Code>
</Code></Codes>
<Sets><Set guid="{SET_CODES}" name="Key codes"><MemberCode guid="{JOY}"/>
<MemberCode guid="{WORK}"/></Set></Sets>
</CodeBook>""", encoding="utf-8")
    return path


def test_foreign_qdc_comes_back_with_its_identity(empty_project: Project,
                                                  tmp_path: Path) -> None:
    project = empty_project
    version = project.load_codebook(_foreign_qdc(tmp_path / "cb.qdc"))
    assert version == project.codebook_version()
    assert project.codebook.code("feelings").parent is None
    out = export_qdc(project.codebook, tmp_path / "back.qdc",
                     identities=project.refi_identities())
    root = etree.fromstring(out.read_bytes(), safe_parser())
    assert schema_errors(root, "codebook") == []
    assert _tree(root.find("q:Codes", CB), CB) == EXPECTED_TREE
    (item,) = root.findall("q:Sets/q:Set", CB)
    assert (item.get("guid"), item.get("name")) == (SET_CODES, "Key codes")
    assert [m.get("guid") for m in item.findall("q:MemberCode", CB)] == [JOY, WORK]


def test_cli_codebook_export_keeps_the_identity(tmp_path: Path) -> None:
    from workbench.cli import main

    project = str(tmp_path / "p.sqlite")
    assert main(["init", project]) == 0
    assert main(["import", project, str(_foreign_qdc(tmp_path / "cb.qdc"))]) == 0
    assert main(["codebook", "export", project, str(tmp_path / "out.qdc")]) == 0
    root = etree.fromstring((tmp_path / "out.qdc").read_bytes(), safe_parser())
    assert _tree(root.find("q:Codes", CB), CB) == EXPECTED_TREE


def test_a_renamed_code_keeps_its_guid_and_set(tmp_path: Path) -> None:
    with create_project(tmp_path / "p.sqlite") as project:
        _import_foreign(project, tmp_path)
        project.rename_code("joy", new_key="joy_feeling")
        root = _root(export_qdpx(project, tmp_path / "renamed.qdpx"))
    tree = {row[1]: row for row in _tree(root.find("q:CodeBook/q:Codes", NS), NS)}
    assert tree["Joy"][2] == JOY and tree["Joy"][4] is None
    members = [m.get("targetGUID") for m in root.findall("q:Sets/q:Set/q:MemberCode", NS)]
    assert members == [PARENT, JOY]


def test_a_code_renamed_in_the_other_tool_is_matched_by_its_guid(tmp_path: Path) -> None:
    """The file comes back with our code "Feelings" renamed "Emotions" and "Joy" renamed
    "Happiness" (same GUIDs) and a new coding of it: no new codes, the coding lands on our
    code (parent kept), and the report says which names differ."""
    with create_project(tmp_path / "p.sqlite") as project:
        _import_foreign(project, tmp_path)
        keys = project.codebook.keys
        renamed = (_foreign_qde().replace('name="Feelings"', 'name="Emotions"')
                   .replace('name="Joy"', 'name="Happiness"'))
        at = TEXT.index("work")
        renamed = renamed.replace("</TextSource>", f"""
<PlainTextSelection guid="AAAAAAAA-0000-0000-0000-000000000009" name="work"
 startPosition="{at}" endPosition="{at + 4}">
<Coding guid="BBBBBBBB-0000-0000-0000-000000000009" creatingUser="{SAM}">
<CodeRef targetGUID="{JOY}"/></Coding></PlainTextSelection></TextSource>""")
        report = import_qdpx(project, _qdpx(tmp_path / "renamed.qdpx", renamed,
                                            {"sources/a.txt": TEXT}))
        assert report.codes_added == () and project.codebook.keys == keys
        assert project.codebook.code("joy").parent == "feelings"
        sam = project.codings(coder="Sam", with_attributes=False)
        assert list(zip(sam["code"], sam["text"], strict=True)) == [("joy", "work")]
        notes = [w for w in report.warnings if "has the GUID of" in w]
        assert len(notes) == 2
        assert any("'Happiness'" in w and "'Joy'" in w for w in notes)
        assert any("'Emotions'" in w and "'Feelings'" in w for w in notes)
        assert project.refi_identities()[("code", "joy")].guid == JOY


def test_a_renamed_own_export_is_matched_by_the_derived_guid(sqlite_demo: Project,
                                                              tmp_path: Path) -> None:
    """A code exported from here carries the GUID derived from its key; renamed in
    another tool and imported back, it is still that code."""
    out = export_qdpx(sqlite_demo, tmp_path / "out.qdpx")
    with zipfile.ZipFile(out) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    qde = files["project.qde"].decode("utf-8")
    name = sqlite_demo.codebook.code("withdrawal").name
    assert qde.count(f'name="{name}"') == 1
    files["project.qde"] = qde.replace(f'name="{name}"', 'name="Pulling away"').encode()
    path = tmp_path / "renamed.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        for n, data in files.items():
            archive.writestr(n, data)
    before = len(sqlite_demo.codings(with_attributes=False))
    report = import_qdpx(sqlite_demo, path)
    assert report.codes_added == () and "pulling_away" not in sqlite_demo.codebook.keys
    assert report.codings_new == 0
    assert len(sqlite_demo.codings(with_attributes=False)) == before
    assert any("'Pulling away'" in w and "withdrawal" in w for w in report.warnings)


def test_a_qdc_with_a_code_renamed_elsewhere_renames_ours(empty_project: Project,
                                                          tmp_path: Path) -> None:
    """Loading a .qdc again after "Joy" became "Happiness" in another program (same GUID):
    the code keeps its key and set membership and takes the new name; no code is added;
    the summary says so."""
    from workbench import import_qdc

    project = empty_project
    import_qdc(project, _foreign_qdc(tmp_path / "cb.qdc"))
    keys = project.codebook.keys
    renamed = tmp_path / "renamed.qdc"
    renamed.write_text(_foreign_qdc(tmp_path / "x.qdc").read_text(encoding="utf-8")
                       .replace('name="Joy"', 'name="Happiness"'), encoding="utf-8")
    read = import_qdc(project, renamed)
    assert project.codebook.keys == keys
    assert project.codebook.code("joy").name == "Happiness"
    assert "happiness" not in project.codebook.keys
    assert any("'Happiness'" in w and "new name of that code" in w for w in read.warnings)
    assert "Happiness" in read.summary()
    sets = [i for i in project.refi_identities().values() if i.kind == "set"]
    assert [s.detail.get("codes") for s in sets] == [["joy", "work"]]
    out = export_qdc(project.codebook, tmp_path / "back.qdc",
                     identities=project.refi_identities())
    root = etree.fromstring(out.read_bytes(), safe_parser())
    names = {c.get("guid"): c.get("name") for c in root.iter("{urn:QDA-XML:codebook:1.0}Code")}
    assert names[JOY] == "Happiness"
