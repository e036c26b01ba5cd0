"""Hierarchy from other tools (issue 15 pt 5): ATLAS.ti ``parent::child`` and Taguette
``parent\\child`` code names become parent and child codes on import (opt-out:
``split_hierarchy=False`` / ``--keep-code-names``), and the export nests them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from workbench import Project, create_project, export_qdc, export_qdpx, import_qdpx, read_qdc
from workbench.interop.refi_codebook import code_guid, separators_for
from workbench.interop.xml_safety import safe_parser, schema_errors

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "refi"
NS = {"q": "urn:QDA-XML:project:1.0"}
CB = {"q": "urn:QDA-XML:codebook:1.0"}
USER = "10000000-0000-0000-0000-000000000001"
SOURCE = "40000000-0000-0000-0000-00000000000A"
COKE = "7496BA52-9C8D-4396-8FAB-CC438614E453"
DIET = "D299EFAE-5779-46DC-9827-A3D1A5D544BC"
GREEN = "0983E32E-6866-431A-BD94-DAC9BB963825"
SLASH = "55BB6892-6F30-5129-8CB8-557A1B12137B"
TEXT = "We drank diet coke and green tea.\n"


def _qde(origin: str) -> str:
    at = TEXT.index("diet coke")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="t" origin="{origin}">
<Users><User guid="{USER}" name="Rae"/></Users>
<CodeBook><Codes>
<Code guid="{DIET}" name="Coke::diet Coke" isCodable="true"><Description>Sugar free</Description>
</Code>
<Code guid="{GREEN}" name="Drinks :: Tea::green tea" isCodable="true"/>
<Code guid="{COKE}" name="Coke" isCodable="true"/>
<Code guid="{SLASH}" name="interesting\\places" isCodable="true"/>
</Codes></CodeBook>
<Sources><TextSource guid="{SOURCE}" name="Int A" plainTextPath="internal://a.txt">
<PlainTextSelection guid="AAAAAAAA-0000-0000-0000-000000000001" name="diet"
 startPosition="{at}" endPosition="{at + 9}">
<Coding guid="BBBBBBBB-0000-0000-0000-000000000001" creatingUser="{USER}">
<CodeRef targetGUID="{DIET}"/></Coding></PlainTextSelection>
</TextSource></Sources>
</Project>"""


def _qdpx(path: Path, origin: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", _qde(origin))
        archive.writestr("sources/a.txt", TEXT.encode("utf-8"))
    return path


def _root(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("project.qde"), safe_parser())


def _nested(element: etree._Element, ns: dict[str, str]) -> list[object]:
    """[(name, guid, [children...]), ...] of the Code elements under ``element``."""
    return [(c.get("name"), c.get("guid"), _nested(c, ns)) for c in element.findall("q:Code", ns)]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return create_project(tmp_path / "p.sqlite")


def test_atlasti_names_become_parent_and_child_codes(project: Project, tmp_path: Path) -> None:
    report = import_qdpx(project, _qdpx(tmp_path / "a.qdpx", "ATLAS.ti 23.2.3"))
    codebook = project.codebook
    # a made parent takes the place of its first child; an existing one stays where it is
    assert [(c.key, c.name, c.parent) for c in codebook.codes] == [
        ("drinks", "Drinks", None), ("tea", "Tea", "drinks"),
        ("green_tea", "green tea", "tea"),
        ("coke", "Coke", None), ("diet_coke", "diet Coke", "coke"),
        ("interesting_places", "interesting\\places", None)]  # ATLAS.ti: only "::"
    assert codebook.code("diet_coke").definition == "Sugar free"
    assert list(project.codings(with_attributes=False)["code"]) == ["diet_coke"]
    assert len(report.split) == 2
    assert "'Coke::diet Coke' became 'diet Coke' under 'Coke'." in report.split[0]
    assert "under 'Drinks > Tea' (made the parent code(s) 'Drinks', 'Tea')" in report.split[1]
    assert "split: " in report.summary()

    root = _root(export_qdpx(project, tmp_path / "out.qdpx"))
    assert schema_errors(root, "project") == []
    codes = root.find("q:CodeBook/q:Codes", NS)
    # nested Code elements, the file's GUIDs kept, parents made here get derived GUIDs
    assert _nested(codes, NS) == [
        ("Drinks", code_guid("drinks"), [("Tea", code_guid("tea"), [
            ("green tea", GREEN, [])])]),
        ("Coke", COKE, [("diet Coke", DIET, [])]),
        ("interesting\\places", SLASH, []),
    ]
    assert not any("::" in (c.get("name") or "") for c in codes.iter())
    made = [c for c in codes.iter("{urn:QDA-XML:project:1.0}Code") if c.get("name") == "Tea"]
    assert made[0].find("q:Description", NS) is None  # nothing invented for it
    ref = root.find(".//q:CodeRef", NS)
    assert ref is not None and ref.get("targetGUID") == DIET


def test_split_hierarchy_false_keeps_the_names(project: Project, tmp_path: Path) -> None:
    report = import_qdpx(project, _qdpx(tmp_path / "a.qdpx", "ATLAS.ti 23.2.3"),
                         split_hierarchy=False)
    assert report.split == ()
    assert [(c.name, c.parent) for c in project.codebook.codes] == [
        ("Coke::diet Coke", None), ("Drinks :: Tea::green tea", None), ("Coke", None),
        ("interesting\\places", None)]


def test_taguette_and_unknown_origins(tmp_path: Path) -> None:
    with create_project(tmp_path / "t.sqlite") as taguette:
        import_qdpx(taguette, _qdpx(tmp_path / "t.qdpx", "Taguette 1.4.1"))
        names = {c.name: c.parent for c in taguette.codebook.codes}
        assert names["places"] == "interesting" and "Coke::diet Coke" in names
    with create_project(tmp_path / "u.sqlite") as other:
        import_qdpx(other, _qdpx(tmp_path / "u.qdpx", "Some tool"))
        names = {c.name: c.parent for c in other.codebook.codes}
        assert names["places"] == "interesting" and names["diet Coke"] == "coke"
    assert separators_for("IPR workbench 0.3") == ()
    assert separators_for("ATLAS.ti 9") == ("::",)
    assert separators_for("Taguette 1.4.1") == ("\\",)
    assert separators_for("") == ("::", "\\")


def test_workbench_files_are_not_split(sqlite_demo: Project, tmp_path: Path) -> None:
    codebook = sqlite_demo.codebook
    renamed = type(codebook)(codebook.name, codebook.themes, tuple(
        c if i else type(c)(**{**c.__dict__, "name": "a::b"}) for i, c in
        enumerate(codebook.codes)), codebook.description)
    sqlite_demo.load_codebook(renamed)
    path = export_qdc(sqlite_demo.codebook, tmp_path / "own.qdc")
    again, notes = read_qdc(path)
    assert again.codes[0].name == "a::b" and again.keys == renamed.keys
    assert not any("became" in n for n in notes)


def test_qdc_load_codebook_splits_and_opts_out(project: Project, tmp_path: Path) -> None:
    sample = SAMPLES / "taguette_codebook_from_tests_INVALID.qdc"
    project.load_codebook(sample)
    assert [(c.name, c.parent) for c in project.codebook.codes] == [
        ("interesting", None), ("places", "interesting"), ("people", None)]
    out = export_qdc(project.codebook, tmp_path / "back.qdc",
                     identities=project.refi_identities())
    root = etree.fromstring(out.read_bytes(), safe_parser())
    assert schema_errors(root, "codebook") == []
    assert _nested(root.find("q:Codes", CB), CB) == [
        ("interesting", "0D62985D-B147-5D01-A9B5-CAE5DCD98342",
         [("places", "55BB6892-6F30-5129-8CB8-557A1B12137B", [])]),
        ("people", "DFE5C38E-9449-5959-A1F7-E3D895CFA87F", [])]
    with create_project(tmp_path / "kept.sqlite") as kept:
        kept.load_codebook(sample, split_hierarchy=False)
        assert [c.name for c in kept.codebook.codes] == [
            "interesting", "people", "interesting\\places"]


def test_cli_keep_code_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from workbench import open_project
    from workbench.cli import main

    split, kept = str(tmp_path / "split.sqlite"), str(tmp_path / "kept.sqlite")
    path = _qdpx(tmp_path / "a.qdpx", "ATLAS.ti 23.2.3")
    for name in (split, kept):
        assert main(["init", name]) == 0
    assert main(["import", split, str(path), "--no-progress"]) == 0
    assert "became 'diet Coke' under 'Coke'" in capsys.readouterr().out
    assert main(["import", kept, str(path), "--no-progress", "--keep-code-names"]) == 0
    assert "became" not in capsys.readouterr().out
    with open_project(split) as one, open_project(kept) as two:
        assert one.codebook.code("diet_coke").parent == "coke"
        assert "Coke::diet Coke" in [c.name for c in two.codebook.codes]
    qdc = SAMPLES / "taguette_codebook_from_tests_INVALID.qdc"
    fresh, other = str(tmp_path / "fresh.sqlite"), str(tmp_path / "other.sqlite")
    for name in (fresh, other):
        assert main(["init", name]) == 0
    capsys.readouterr()
    assert main(["import", fresh, str(qdc), "--keep-code-names"]) == 0
    assert "split:" not in capsys.readouterr().out
    assert main(["import", other, str(qdc)]) == 0
    assert "split: " in capsys.readouterr().out
    with open_project(fresh) as one, open_project(other) as two:
        assert "interesting\\places" in [c.name for c in one.codebook.codes]
        assert two.codebook.code("places").parent == "interesting"


def test_spec_atlasti_sample_nests_its_coke_codes(project: Project, tmp_path: Path) -> None:
    import_qdpx(project, SAMPLES / "skyloom_TestProject_atlasti-spec-example.qdpx")
    root = _root(export_qdpx(project, tmp_path / "spec.qdpx"))
    assert schema_errors(root, "project") == []
    tops = {c.get("name"): c for c in root.findall("q:CodeBook/q:Codes/q:Code", NS)}
    assert "Imported codes" not in tops and "Coke::diet Coke" not in tops
    coke = tops["Coke"]
    assert coke.get("guid") == COKE and coke.get("isCodable") == "true"
    assert [(c.get("name"), c.get("guid")) for c in coke.findall("q:Code", NS)] == [
        ("full-fat Coke", "0983E32E-6866-431A-BD94-DAC9BB963825"), ("diet Coke", DIET)]
    assert tops["cornflakes"].findtext("q:Description", namespaces=NS) == (
        "breakfast cereal made by Kellogg’s")
    sets = [s.get("name") for s in root.findall("q:Sets/q:Set", NS)]
    assert len(sets) == 16 and "Breakfast food" in sets
