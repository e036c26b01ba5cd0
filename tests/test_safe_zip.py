"""Untrusted input: zip slip, zip bombs and hostile XML are refused before anything is read."""

from __future__ import annotations

import http.server
import stat
import struct
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from workbench import ImportFormatError, Project, create_project, import_qdpx, read_qdc
from workbench.interop.safe_zip import SafeZip
from workbench.interop.xml_safety import parse_untrusted_xml

QDE = (b'<?xml version="1.0" encoding="utf-8"?>\n'
       b'<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>')


def _zip(path: Path, members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    with create_project(tmp_path / "p.sqlite") as project:
        yield project


# -- names ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("member", "problem"),
    [
        ("../evil.txt", "climbs out"),
        ("sources/../../evil.txt", "climbs out"),
        ("..\\evil.txt", "climbs out"),
        ("/abs/evil.txt", "absolute path"),
        ("\\abs\\evil.txt", "absolute path"),
        ("C:/evil.txt", "absolute path"),
    ],
)
def test_path_escapes_are_refused_and_nothing_is_written(
    tmp_path: Path, project: Project, member: str, problem: str
) -> None:
    work = tmp_path / "inner"
    work.mkdir()
    path = _zip(work / "slip.qdpx", {"project.qde": QDE, member: b"pwned"})
    with pytest.raises(ImportFormatError, match=problem):
        import_qdpx(project, path)
    assert project.documents() == []
    written = {p.name for p in tmp_path.rglob("*")}
    assert "evil.txt" not in written
    assert not Path("/abs/evil.txt").exists()


def test_symlink_members_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "link.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", QDE)
        info = zipfile.ZipInfo("sources/a.txt")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(ImportFormatError, match="symbolic link"):
        SafeZip(path)


def test_names_differing_only_in_case_are_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "twice.qdpx", {"sources/A.txt": b"1", "Sources/a.txt": b"2"})
    with pytest.raises(ImportFormatError, match="same name"):
        SafeZip(path)


def test_lookup_ignores_case_and_backslashes(tmp_path: Path) -> None:
    path = _zip(tmp_path / "ok.qdpx", {"Project.qde": QDE, "Sources/X1.TXT": b"hello"})
    with SafeZip(path) as archive:
        assert archive.find("sources/x1.txt") == "Sources/X1.TXT"
        assert archive.find("sources\\x1.txt") == "Sources/X1.TXT"
        assert archive.read("SOURCES/x1.txt") == b"hello"
        assert archive.find("sources/missing.txt") is None
        with pytest.raises(ImportFormatError, match="no member"):
            archive.read("sources/missing.txt")


def test_not_a_zip(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "plain.qdpx"
    path.write_text("not a zip")
    with pytest.raises(ImportFormatError, match="not a zip archive"):
        import_qdpx(project, path)


# -- sizes ---------------------------------------------------------------------------------
def test_highly_compressed_member_is_refused(tmp_path: Path, project: Project) -> None:
    path = _zip(tmp_path / "bomb.qdpx", {"project.qde": QDE, "sources/a.txt": bytes(4_000_000)})
    with pytest.raises(ImportFormatError, match=r"expands \d+-fold"):
        import_qdpx(project, path)


def test_declared_total_over_the_cap_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "big.qdpx", {"a.txt": b"x" * 3000},
                compression=zipfile.ZIP_STORED)
    with pytest.raises(ImportFormatError, match="unpacks to more than"):
        SafeZip(path, max_total=2000)
    with pytest.raises(ImportFormatError, match="unpacks to more than"):
        import_qdpx(create_project(tmp_path / "q.sqlite"), path, max_total_bytes=2000)


def test_too_many_members(tmp_path: Path) -> None:
    path = _zip(tmp_path / "many.qdpx", {f"sources/{i}.txt": b"x" for i in range(5)})
    with pytest.raises(ImportFormatError, match="5 members"):
        SafeZip(path, max_members=4)


def _lie_about_size(path: Path, declared: int) -> None:
    data = bytearray(path.read_bytes())
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, declared)
    struct.pack_into("<I", data, central + 24, declared)
    path.write_bytes(bytes(data))


def test_member_that_decompresses_beyond_its_declared_size_is_stopped(tmp_path: Path) -> None:
    path = _zip(tmp_path / "liar.qdpx", {"sources/a.txt": bytes(500_000)})
    _lie_about_size(path, 1000)
    with SafeZip(path) as archive, pytest.raises(ImportFormatError):
        archive.read("sources/a.txt")


# -- XML -----------------------------------------------------------------------------------
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Project [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&e;"><Description>&e;</Description></Project>
"""


def test_billion_laughs_is_refused(tmp_path: Path, project: Project) -> None:
    # how fast: benchmarks/bench_limits.py
    with pytest.raises(ImportFormatError, match="declares entities"):
        parse_untrusted_xml(BILLION_LAUGHS, "bomb.qde")
    path = _zip(tmp_path / "laughs.qdpx", {"project.qde": BILLION_LAUGHS})
    with pytest.raises(ImportFormatError, match="declares entities"):
        import_qdpx(project, path)


def test_external_entity_reads_no_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42")
    xml = (f'<?xml version="1.0"?>\n<!DOCTYPE CodeBook [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="'
           '0D62985D-B147-5D01-A9B5-CAE5DCD98342" name="&x;" isCodable="true"/></Codes>'
           '</CodeBook>')
    path = tmp_path / "xxe.qdc"
    path.write_text(xml)
    with pytest.raises(ImportFormatError) as caught:
        read_qdc(path)
    assert "TOP-SECRET" not in str(caught.value)


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<!ENTITY x "fetched">')

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_no_network_access_for_dtds_or_entities(tmp_path: Path) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        documents = [
            f'<?xml version="1.0"?><!DOCTYPE Project SYSTEM "{url}/p.dtd">'
            '<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>',
            f'<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY % r SYSTEM "{url}/e.dtd"> %r;]>'
            '<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>',
            f'<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY x SYSTEM "{url}/x">]>'
            '<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>',
        ]
        for document in documents:
            try:
                root = parse_untrusted_xml(document.encode(), "net.qde")
            except ImportFormatError:
                continue
            assert "fetched" not in (root.get("name") or "")
    finally:
        server.shutdown()
        server.server_close()
    assert _Recorder.hits == []
