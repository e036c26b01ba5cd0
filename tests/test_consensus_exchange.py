"""The consensus exported: REFI-QDA as its own user, CSV/XLSX tables, CLI (issue 13, pt 9)."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from consensus_data import PANEL, A, B, build
from lxml import etree

from workbench.cli import main
from workbench.errors import ConsensusError
from workbench.interop import export_consensus, export_csv_tables, export_qdpx, export_xlsx
from workbench.interop._refi import make_guid
from workbench.interop.xml_safety import safe_parser
from workbench.project import Project

NS = {"q": "urn:QDA-XML:project:1.0"}


@pytest.fixture
def team(backend_url: str) -> Iterator[Project]:
    project = build(backend_url)
    yield project
    project.close()


def _qde(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("project.qde"), safe_parser())


def _selections(root: etree._Element, user: str) -> set[tuple[str, str, int, int]]:
    codes = {c.get("guid"): c.get("name") for c in root.iter(f"{{{NS['q']}}}Code")}
    out = set()
    for source in root.iterfind(".//q:TextSource", NS):
        for sel in source.iterfind("q:PlainTextSelection", NS):
            if sel.get("creatingUser") != user:
                continue
            ref = sel.find("q:Coding/q:CodeRef", NS)
            assert ref is not None
            out.add((source.get("name"), codes[ref.get("targetGUID")],
                     int(sel.get("startPosition")), int(sel.get("endPosition"))))
    return out


def test_qdpx_holds_the_consensus_as_its_own_user(team: Project, tmp_path: Path):
    # the team's consensus: the layer of every registered coder (maria, tom and nina)
    layer = team.codings(source="consensus")
    assert len(layer) > 0
    path = export_qdpx(team, tmp_path / "c.qdpx", consensus=True)
    root = _qde(path)
    users = {u.get("name"): u.get("guid") for u in root.iterfind(".//q:User", NS)}
    assert users["consensus"] == make_guid("consensus-layer", "consensus")
    assert set(users.values()) - {users["consensus"]} and \
        users["consensus"] not in {users[c] for c in team.coders()}
    names = {c.key: c.name for c in team.codebook.codes}
    expected = {(r.document, names[r.code], int(r.start), int(r.end))
                for r in layer.itertuples()}
    assert _selections(root, users["consensus"]) == expected
    # the coders' own selections are unchanged, and a plain export has no consensus user
    plain = _qde(export_qdpx(team, tmp_path / "p.qdpx"))
    assert "consensus" not in {u.get("name") for u in plain.iterfind(".//q:User", NS)}
    for coder in team.coders():
        assert _selections(root, users[coder]) == _selections(plain, users[coder])
    # stable: the same export twice gives the same consensus selection GUIDs
    again = _qde(export_qdpx(team, tmp_path / "c2.qdpx", consensus=True))
    guids = [{s.get("guid") for s in r.iterfind(".//q:PlainTextSelection", NS)
              if s.get("creatingUser") == users["consensus"]} for r in (root, again)]
    assert guids[0] == guids[1] and len(guids[0]) == len(expected)


def test_a_coder_named_consensus_is_refused(team: Project, tmp_path: Path):
    team.add_coder("consensus")
    with pytest.raises(ConsensusError, match="export_consensus"):
        export_qdpx(team, tmp_path / "c.qdpx", consensus=True)
    assert not (tmp_path / "c.qdpx").exists()


def test_consensus_table_has_provenance_and_csv_is_formula_safe(team: Project, tmp_path: Path):
    items = team.consensus_items(coders=PANEL)
    row = items[(items["document"] == B) & (items["code"] == "empathy")].iloc[0]
    team.apply_range(B, 525, 543, "rupture", "maria")  # a new open item, decided with a reason
    items = team.consensus_items(coders=PANEL)
    item = items[(items["document"] == B) & (items["code"] == "rupture")
                 & (items["start"] == 525)].iloc[0]
    team.decide(str(item["item_id"]), "apply", coders=PANEL, decided_by="=HYPERLINK(1)",
                reason="=1+1 says the team")
    path = export_consensus(team, tmp_path / "consensus.csv", coders=PANEL)
    raw = path.read_text("utf-8")
    assert raw.startswith("# consensus of maria and tom: 4 decisions")
    table = pd.read_csv(path, comment="#")
    assert len(table) == len(team.codings(source="consensus", coder=PANEL))
    decided = table[table["code"] == "rupture"].set_index("start")
    assert decided.loc[525, "reason"] == "'=1+1 says the team"
    assert decided.loc[525, "decided_by"] == "'=HYPERLINK(1)"
    assert decided.loc[525, "votes"] == "1 of 2"
    assert decided.loc[525, "applied_by"] == "maria"
    assert decided.loc[525, "decision_kind"] == "apply"
    unanimous = table[(table["document"] == B) & (table["code"] == "empathy")].iloc[0]
    assert unanimous["provenance"] == "unanimous" and pd.isna(unanimous["decision_id"])
    assert unanimous["item_id"] == row["item_id"]
    with open(path, encoding="utf-8", newline="") as handle:
        cells = [c for line in csv.reader(handle) for c in line]
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


def test_tables_exports_add_the_consensus_table_once_decisions_exist(team: Project,
                                                                      tmp_path: Path):
    import openpyxl

    book = openpyxl.load_workbook(export_xlsx(team, tmp_path / "t.xlsx"))
    assert book.sheetnames == ["codings", "segments", "cases", "codebook", "consensus"]
    sheet = book["consensus"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["document", "start", "end", "text"]
    assert "decided_by" in header and "reason" in header
    assert sheet.max_row - 1 == len(team.codings(source="consensus"))
    written = export_csv_tables(team, tmp_path / "csv")
    assert [p.name for p in written][-1] == "consensus.csv"
    plain = export_xlsx(team, tmp_path / "n.xlsx", consensus=False)
    assert "consensus" not in openpyxl.load_workbook(plain).sheetnames


def test_cli_exports_the_consensus(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    location = str(tmp_path / "team.sqlite")
    build(location).close()
    out = tmp_path / "c.qdpx"
    assert main(["export", "qdpx", location, str(out), "--consensus"]) == 0
    assert "consensus codings (user 'consensus')" in capsys.readouterr().out
    assert "consensus" in {u.get("name") for u in _qde(out).iterfind(".//q:User", NS)}
    assert main(["export", "xlsx", location, str(tmp_path / "t.xlsx")]) == 0
    assert "and consensus tables" in capsys.readouterr().out
    assert main(["export", "csv", location, str(tmp_path / "csv")]) == 0
    assert (tmp_path / "csv" / "consensus.csv").exists()
    assert A in (tmp_path / "csv" / "consensus.csv").read_text("utf-8")
