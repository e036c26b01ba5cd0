"""Codebooks: the shipped YAML, validation messages, and versions in a project."""

from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from workbench.errors import CodebookError, UnknownCodeError
from workbench.model import Codebook
from workbench.parsing.codebook_yaml import (
    codebook_from_mapping,
    load_codebook_file,
    normalise_colour,
)
from workbench.project import open_project
from workbench.storage.schema import codebook_versions, codes
from workbench.testing import DEMO_CODEBOOK

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "codebooks" / "ipr_relational.yaml"
HEX = re.compile(r"^#[0-9A-F]{6}$")


def test_shipped_codebook_loads_and_is_complete():
    book = load_codebook_file(SHIPPED)
    assert book.name == "IPR relational codebook"
    assert len(book.codes) >= 12
    assert len(book.themes) >= 3
    theme_keys = {t.key for t in book.themes}
    for code in book.codes:
        for field in ("name", "definition", "inclusion", "exclusion", "example"):
            assert getattr(code, field).strip(), f"{code.key} has no {field}"
        assert HEX.match(code.colour), code
        assert code.theme in theme_keys
    for theme in book.themes:
        assert HEX.match(theme.colour), theme
    children = [c for c in book.codes if c.parent is not None]
    assert children, "the codebook nests codes"
    keys = book.keys
    for child in children:
        assert keys.index(child.parent) < keys.index(child.key)  # parents first
        assert book.code(child.parent).theme == child.theme
    assert len(set(keys)) == len(keys)


# -- validation ----------------------------------------------------------------------------


def _book() -> dict:
    return {
        "name": "Test codebook",
        "description": "For tests.",
        "themes": [
            {
                "key": "barriers",
                "name": "Barriers",
                "colour": "#b2443a",
                "codes": [
                    {
                        "key": "withdrawal",
                        "name": "Withdrawal",
                        "colour": "#d62728",
                        "definition": "Moves away.",
                        "inclusion": "Going quiet.",
                        "exclusion": "Pauses.",
                        "example": "I went quiet.",
                        "children": [
                            {"key": "silence", "name": "Silence", "colour": "#aa0000",
                             "definition": "Says nothing."},
                        ],
                    },
                    {"key": "anxiety", "name": "Anxiety", "colour": "e6550d",
                     "definition": "Fear about therapy."},
                ],
            }
        ],
    }


def test_valid_mapping_builds_codes_in_order_with_parents():
    book = codebook_from_mapping(_book(), source="cb.yaml")
    assert book.keys == ("withdrawal", "silence", "anxiety")
    assert book.code("silence").parent == "withdrawal"
    assert book.code("silence").theme == "barriers"
    assert book.code("anxiety").colour == "#E6550D"  # no '#' and lower case: normalised
    assert book.theme("barriers").colour == "#B2443A"
    assert book.code("anxiety").inclusion == ""
    with pytest.raises(KeyError):
        book.code("nope")


def _broken(change) -> dict:
    data = copy.deepcopy(_book())
    change(data)
    return data


def _code(data, index=0):
    return data["themes"][0]["codes"][index]


def _set(mapping_of, key, value):
    def change(data):
        mapping_of(data)[key] = value
    return change


def _rename(mapping_of, old, new):
    def change(data):
        target = mapping_of(data)
        target[new] = target.pop(old)
    return change


def _delete(mapping_of, key):
    def change(data):
        del mapping_of(data)[key]
    return change


def _child(data):
    return _code(data)["children"][0]


def _theme(data):
    return data["themes"][0]


ERRORS = [
    ("typo in a field", _rename(_code, "definition", "defintion"),
     r"cb\.yaml: code 'withdrawal': unknown field 'defintion' \(did you mean 'definition'\?\); "
     r"allowed fields are key, name, colour, definition"),
    ("typo in a child's field", _rename(_child, "colour", "color"),
     r"code 'silence': unknown field 'color' \(did you mean 'colour'\?\)"),
    ("typo in a theme field", _rename(_theme, "codes", "cods"),
     r"cb\.yaml: theme 1: unknown field 'cods' \(did you mean 'codes'\?\)"),
    ("typo at the top", _rename(lambda d: d, "themes", "theme"),
     r"cb\.yaml: unknown field 'theme' \(did you mean 'themes'\?\)"),
    ("missing definition", _delete(_code, "definition"),
     r"cb\.yaml: code 'withdrawal': field 'definition' is missing or empty; write the definition"),
    ("blank definition", _set(lambda d: _code(d, 1), "definition", "  "),
     r"code 'anxiety': field 'definition' is missing or empty"),
    ("missing name", _delete(_child, "name"), r"code 'silence': field 'name' is missing"),
    ("definition not text", _set(_code, "definition", ["a", "b"]),
     r"code 'withdrawal': field 'definition' must be text"),
    ("duplicate code key", _set(lambda d: _code(d, 1), "key", "withdrawal"),
     r"cb\.yaml: code 'withdrawal': the key is used twice \(code in theme 'barriers'\); keys must "
     "be unique"),
    ("code key equals a theme key", _set(_child, "key", "barriers"),
     r"code 'barriers': the key is used twice \(theme\)"),
    ("missing key", _delete(_child, "key"),
     r"cb\.yaml: child 1 of code 'withdrawal': field 'key' is missing"),
    ("bad key", _set(_code, "key", "2 bad"),
     r"code '2 bad': key '2 bad' must start with a letter"),
    ("bad colour", _set(_code, "colour", "red"),
     r"cb\.yaml: code 'withdrawal': colour 'red' is not a hex colour; write it like \"#1f77b4\" "
     r"\(in quotes, since # starts a YAML comment\)"),
    ("five hex digits", _set(_code, "colour", "#12345"), r"code 'withdrawal': colour '#12345'"),
    ("missing colour", _delete(lambda d: _code(d, 1), "colour"),
     r"code 'anxiety': field 'colour' is missing; give a hex colour"),
    ("bad theme colour", _set(_theme, "colour", "#ggg"),
     r"theme 'barriers': colour '#ggg' is not a hex colour"),
    ("code not a mapping", lambda d: _theme(d)["codes"].append("rupture"),
     r"cb\.yaml: code 3 of theme 'barriers': expected a mapping of fields"),
    ("children not a list", _set(_code, "children", "silence"),
     r"code 'withdrawal': 'children' must be a list of codes"),
    ("theme without codes", _set(_theme, "codes", []),
     r"theme 'barriers': 'codes' must be a non-empty list of codes"),
    ("empty themes", _set(lambda d: d, "themes", []),
     r"cb\.yaml: 'themes' must be a non-empty list of themes"),
    ("themes not a list", _set(lambda d: d, "themes", {"a": 1}),
     r"'themes' must be a non-empty list"),
    ("no name", _delete(lambda d: d, "name"), r"cb\.yaml: field 'name' is missing"),
]


@pytest.mark.parametrize(("change", "pattern"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_codebook_errors_name_code_and_field(change, pattern):
    with pytest.raises(CodebookError, match=pattern) as info:
        codebook_from_mapping(_broken(change), source="cb.yaml")
    assert isinstance(info.value, ValueError)


def test_non_mapping_codebook():
    with pytest.raises(CodebookError, match=r"cb\.yaml: expected a mapping of fields"):
        codebook_from_mapping(["a"], source="cb.yaml")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("#abc", "#AABBCC"), ("abc", "#AABBCC"), ("#1f77b4", "#1F77B4"), (" #1F77B4 ", "#1F77B4"),
     ("123456", "#123456")],
)
def test_colours_are_normalised(value, expected):
    assert normalise_colour(value, "here") == expected


def test_short_colour_in_a_file_is_normalised(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text(
        'name: X\nthemes:\n  - key: t\n    name: T\n    colour: "#0f0"\n    codes:\n'
        '      - {key: a, name: A, colour: "#F00", definition: D}\n',
        encoding="utf-8",
    )
    book = load_codebook_file(path)
    assert book.theme("t").colour == "#00FF00"
    assert book.code("a").colour == "#FF0000"


def test_unquoted_colour_is_a_yaml_comment_and_reported_missing(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text(
        "name: X\nthemes:\n  - key: t\n    name: T\n    codes:\n"
        "      - key: a\n        name: A\n        colour: #ff0000\n        definition: D\n",
        encoding="utf-8",
    )
    with pytest.raises(CodebookError, match=r"code 'a': field 'colour' is missing"):
        load_codebook_file(path)


def test_bad_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text(
        "name: X\nthemes:\n  - key: t\n    name: T\n    codes:\n"
        "      - key: a\n        name: A: B\n        definition: D\n",
        encoding="utf-8",
    )
    with pytest.raises(CodebookError, match=re.escape(f"{path}, line 7: not valid YAML")):
        load_codebook_file(path)


def test_field_written_twice_is_an_error_with_its_line(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text(
        "name: X\nthemes:\n  - key: t\n    name: T\n    codes:\n"
        '      - key: a\n        name: A\n        colour: "#fff"\n        definition: first\n'
        "        definition: second\n",
        encoding="utf-8",
    )
    with pytest.raises(CodebookError, match=re.escape(
            f"{path}, line 10: not valid YAML (the entry with key 'a' has field 'definition' "
            "twice; keep one)")):
        load_codebook_file(path)
    path.write_text("name: X\nname: Y\nthemes: []\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"line 2: .*a mapping has field 'name' twice"):
        load_codebook_file(path)


@pytest.mark.parametrize(
    ("content", "pattern"),
    [("- a\n- b\n", "a codebook is a mapping with 'name' and 'themes'"),
     ("", "a codebook is a mapping"),
     ("just text\n", "a codebook is a mapping")],
)
def test_file_that_is_not_a_mapping(tmp_path, content, pattern):
    path = tmp_path / "cb.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CodebookError, match=re.escape(f"{path}: {pattern}")):
        load_codebook_file(path)


def test_missing_and_non_utf8_files(tmp_path):
    with pytest.raises(CodebookError, match=r"nope\.yaml: cannot read the codebook"):
        load_codebook_file(tmp_path / "nope.yaml")
    path = tmp_path / "latin.yaml"
    path.write_bytes("name: Caf\u00e9\n".encode("cp1252"))
    with pytest.raises(CodebookError, match=r"latin\.yaml: the codebook is not UTF-8"):
        load_codebook_file(path)


def test_codebook_file_errors_include_the_path(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text(SHIPPED.read_text(encoding="utf-8").replace("definition:", "defintion:", 1),
                    encoding="utf-8")
    with pytest.raises(CodebookError, match=re.escape(str(path)) + r": code 'withdrawal': "
                       r"unknown field 'defintion' \(did you mean 'definition'\?\)"):
        load_codebook_file(path)


# -- versions in a project ------------------------------------------------------------------


def _versions(project) -> int:
    with project.store.reading() as conn:
        return conn.execute(select(func.count()).select_from(codebook_versions)).scalar_one()


def _codes_table(project) -> list[tuple]:
    with project.store.reading() as conn:
        return [tuple(r) for r in conn.execute(select(codes).order_by(codes.c.id)).all()]


def _with_codes(book: Codebook, codes_) -> Codebook:
    return dataclasses.replace(book, codes=tuple(codes_))


def test_loading_the_same_codebook_twice_makes_one_version(empty_project, tmp_path):
    project = empty_project
    first = project.load_codebook(SHIPPED)
    audit = len(project.audit_log())
    assert project.load_codebook(SHIPPED) == first
    copy_path = tmp_path / "copy.yaml"
    copy_path.write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    assert project.load_codebook(copy_path) == first  # same content from another file
    assert project.load_codebook(load_codebook_file(SHIPPED)) == first
    assert _versions(project) == 1
    assert len(project.audit_log()) == audit  # an unchanged codebook records nothing
    assert project.codebook == load_codebook_file(SHIPPED)
    assert project.codebook_version() == first


def test_changed_definition_makes_a_new_version_old_codings_keep_theirs(demo_project):
    project = demo_project
    v1 = project.codebook_version()
    before = project.codings()
    assert set(before["codebook_version"]) == {v1}
    changed = _with_codes(
        DEMO_CODEBOOK,
        [dataclasses.replace(c, definition=c.definition + " Sharper.") if c.key == "anxiety"
         else c for c in DEMO_CODEBOOK.codes],
    )
    v2 = project.load_codebook(changed)
    assert v2 != v1 and project.codebook_version() == v2
    assert _versions(project) == 2
    assert project.codebook.code("anxiety").definition.endswith("Sharper.")
    after = project.codings()
    assert set(after["codebook_version"]) == {v1}  # existing codings keep their version
    assert len(after) == len(before)
    segment = int(project.segments(document="D1_S3_client", role="participant")
                  .iloc[1]["segment_id"])
    new_uuid = project.apply_code(segment, "anxiety", "chloe")
    new = project.codings().set_index("coding_uuid").loc[new_uuid]
    assert new["codebook_version"] == v2
    audit = project.audit_log()
    loads = audit[audit["action"] == "load_codebook"]
    assert list(loads["entity_key"]) == [str(v1), str(v2)]


def test_dropping_a_code_with_codings_raises_then_retire_missing_keeps_them(demo_project):
    project = demo_project
    version = project.codebook_version()
    table = _codes_table(project)
    audit = len(project.audit_log())
    before = project.codings()
    rupture = before[before["code"] == "rupture"]
    assert len(rupture) > 0
    without = _with_codes(DEMO_CODEBOOK, [c for c in DEMO_CODEBOOK.codes if c.key != "rupture"])
    with pytest.raises(CodebookError, match=rf"drops codes that have codings: 'rupture' "
                       rf"\({len(rupture)} codings\)\. Nothing was changed\..*retire_missing=True"):
        project.load_codebook(without)
    assert project.codebook_version() == version
    assert _versions(project) == 1
    assert _codes_table(project) == table
    assert len(project.audit_log()) == audit
    assert "rupture" in project.codebook.keys

    # with retire_missing the code is retired: its codings are kept, new ones refused
    retired = project.load_codebook(without, retire_missing=True)
    assert retired != version
    assert "rupture" not in project.codebook.keys
    after = project.codings()
    assert len(after) == len(before)
    assert sorted(after[after["code"] == "rupture"]["coding_uuid"]) == sorted(rupture["coding_uuid"])
    segment = int(project.segments(role="participant").iloc[0]["segment_id"])
    with pytest.raises(UnknownCodeError, match=r"code 'rupture' was removed from the codebook "
                       r"\(retired\); its codings are kept"):
        project.apply_code(segment, "rupture", "ana")
    last = project.audit_log().iloc[-1]
    assert (last["action"], last["entity_key"]) == ("load_codebook", str(retired))
    assert last["detail"]["retired"] == ["rupture"]
    # putting the code back makes it usable again
    project.load_codebook(DEMO_CODEBOOK)
    project.apply_code(segment, "rupture", "ana")


def test_retired_code_is_refused_by_another_coders_open_project(sqlite_demo):
    """A coder's open project (warm cache) must not apply a code the lead just retired."""
    lead = sqlite_demo
    coder = open_project(lead.location)
    try:
        segment = int(coder.segments(role="participant").iloc[0]["segment_id"])
        coder.apply_code(segment, "repair", "ana")  # the coder's project caches code ids
        without = _with_codes(DEMO_CODEBOOK, [c for c in DEMO_CODEBOOK.codes if c.key != "repair"])
        lead.load_codebook(without, retire_missing=True)
        with pytest.raises(UnknownCodeError, match=r"'repair' was removed .*retired"):
            coder.apply_code(segment, "repair", "ben")
        codings = lead.segment_codings()
        assert not ((codings["code"] == "repair") & (codings["coder"] == "ben")
                    & (codings["segment_id"] == segment)).any()
    finally:
        coder.close()


def test_dropping_a_code_without_codings_retires_it(sqlite_demo):
    project = sqlite_demo
    extra = dataclasses.replace(DEMO_CODEBOOK.codes[0], key="unused", name="Unused")
    project.load_codebook(_with_codes(DEMO_CODEBOOK, [*DEMO_CODEBOOK.codes, extra]))
    assert "unused" in project.codebook.keys
    project.load_codebook(DEMO_CODEBOOK)  # no codings: no retire_missing needed
    assert "unused" not in project.codebook.keys
    with pytest.raises(UnknownCodeError, match="'unused' was removed"):
        project.apply_code(1, "unused", "ana")


def test_codings_of_a_retired_code_can_still_be_removed(tmp_path):
    from workbench.model import Codebook
    from workbench.testing import DEMO_CODEBOOK, make_demo_project

    project = make_demo_project(tmp_path / "p.sqlite")
    row = project.segment_codings(coder="ana").query("code == 'withdrawal'").iloc[0]
    smaller = Codebook(DEMO_CODEBOOK.name, DEMO_CODEBOOK.themes,
                       tuple(c for c in DEMO_CODEBOOK.codes if c.key != "withdrawal"))
    project.load_codebook(smaller, retire_missing=True)
    assert project.remove_code(int(row.segment_id), "withdrawal", "ana") is True
    left = project.segment_codings(coder="ana")
    assert not ((left.segment_id == row.segment_id) & (left.code == "withdrawal")).any()
    assert row.coding_uuid not in set(project.codings()["coding_uuid"])
    project.close()


# -- declared palette shortcuts ------------------------------------------------------------
def _with_shortcuts(**shortcuts: object) -> dict:
    data = copy.deepcopy(_book())
    codes_ = data["themes"][0]["codes"]
    by_key = {"withdrawal": codes_[0], "silence": codes_[0]["children"][0],
              "anxiety": codes_[1]}
    for key, shortcut in shortcuts.items():
        by_key[key]["shortcut"] = shortcut
    return data


def test_declared_shortcuts_load_write_back_and_lead_the_palette(tmp_path):
    from workbench.parsing.codebook_yaml import codebook_to_yaml
    from workbench.views.coding_state import palette_keys, palette_matches

    book = codebook_from_mapping(_with_shortcuts(withdrawal="WD", anxiety="si"))
    assert book.code("withdrawal").shortcut == "wd"  # lower case
    assert book.code("silence").shortcut == ""
    typed = palette_keys(book)
    # silence's own prefix "si" is anxiety's declared shortcut: it takes the next one
    assert typed == {"withdrawal": "wd", "silence": "sil", "anxiety": "si"}
    assert palette_matches(book, "si")[0].key == "anxiety"
    path = tmp_path / "again.yaml"
    path.write_text(codebook_to_yaml(book), encoding="utf-8")
    assert load_codebook_file(path) == book


def test_a_codebook_without_shortcuts_keeps_its_fingerprint():
    book = codebook_from_mapping(_book())
    declared = codebook_from_mapping(_with_shortcuts(anxiety="ax"))
    assert book.sha256 != declared.sha256
    # the fingerprint of a code without a shortcut has no shortcut field at all
    plain = dataclasses.replace(declared, codes=tuple(
        dataclasses.replace(c, shortcut="") for c in declared.codes))
    assert plain.sha256 == book.sha256


@pytest.mark.parametrize(("shortcuts", "pattern"), [
    ({"withdrawal": "wd", "anxiety": "WD"}, r"code 'anxiety': shortcut 'wd' is already the "
                                            r"shortcut of code 'withdrawal'"),
    ({"silence": "1s"}, r"code 'silence': shortcut '1s' must be a lower-case letter"),
    ({"anxiety": "far-too-long"}, r"shortcut 'far-too-long' must be"),
])
def test_bad_or_clashing_shortcuts_are_refused(shortcuts, pattern):
    with pytest.raises(CodebookError, match=pattern):
        codebook_from_mapping(_with_shortcuts(**shortcuts), source="cb.yaml")


def test_a_codebook_object_with_clashing_shortcuts_is_not_loaded(empty_project):
    book = codebook_from_mapping(_book())
    clash = _with_codes(book, [dataclasses.replace(c, shortcut="x") for c in book.codes])
    with pytest.raises(CodebookError, match="already the shortcut of code 'withdrawal'"):
        empty_project.load_codebook(clash)
    assert empty_project.codebook_version() is None
    good = _with_codes(book, [dataclasses.replace(c, shortcut=f"x{i}")
                              for i, c in enumerate(book.codes)])
    empty_project.load_codebook(good)
    assert [c.shortcut for c in empty_project.codebook.codes] == ["x0", "x1", "x2"]
