"""REFI-QDA codes <-> the workbench codebook, and the ``.qdc`` codebook file.

Export mapping (reversed exactly on import of the workbench's own files):

* a theme becomes a top-level ``Code`` with ``isCodable="false"``; its codes are its
  children, sub-codes nest under their parent code;
* ``Description`` holds the definition (theme: description), then a blank line and a footer
  of labelled lines: ``Inclusion:``, ``Exclusion:``, ``Example:`` and last
  ``Workbench code: KEY`` (``Workbench theme: KEY``), so keys survive the round trip;
* GUIDs are derived from keys (the same key gets the same GUID in every export).

Import of other tools' codes (lenient):

* a top-level code with children becomes a theme; if it is codable it is also kept as a
  code of that theme (parent of its children), so codings made with it are not lost; the
  theme's key then gets a ``_theme`` suffix;
* top-level codes without children go to the theme "Imported codes";
* a top-level folder (not codable) without children is skipped with a note;
* deeper codes are codes whether codable or not (the workbench has no code folders);
* keys are made from names (ASCII, ``_``, unique); GUIDs are matched without braces and
  case; ``#RGB`` colours become ``#RRGGBB``; a missing colour gets one from a palette and a
  missing description the definition "(no definition in the imported codebook)".
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from workbench.errors import CodebookError, ImportFormatError
from workbench.interop._refi import (
    CODEBOOK_NS,
    ORIGIN,
    child_text,
    children,
    format_footer,
    make_guid,
    normalise_guid,
    parse_footer,
    slug_key,
    xml_text,
)
from workbench.interop.xml_safety import parse_untrusted_xml, schema_errors
from workbench.model import Code, Codebook, Theme
from workbench.parsing.codebook_yaml import normalise_colour

__all__ = ["CodesImport", "codes_element", "export_qdc", "read_codes", "read_qdc"]

NO_DEFINITION = "(no definition in the imported codebook)"
IMPORTED_THEME = Theme(
    "imported_codes", "Imported codes",
    "Top-level codes of an imported REFI-QDA file that have no sub-codes.", "#777777",
)
_PALETTE = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD",
            "#8C564B", "#E377C2", "#7F7F7F", "#BCBD22", "#17BECF")


def code_guid(key: str) -> str:
    """The GUID the workbench gives the code ``key``."""
    return make_guid("code", key)


def theme_guid(key: str) -> str:
    """The GUID the workbench gives the theme ``key``."""
    return make_guid("theme", key)


# -- export ------------------------------------------------------------------------------
def _colour_attr(colour: str) -> dict[str, str]:
    try:
        return {"color": normalise_colour(colour, "colour")}
    except CodebookError:
        return {}


def codes_element(codebook: Codebook, namespace: str) -> etree._Element:
    """The ``<Codes>`` element for ``codebook`` in ``namespace`` (project or codebook)."""
    q = f"{{{namespace}}}"
    root = etree.Element(q + "Codes")
    kids: dict[str | None, list[Code]] = {}
    keys = set(codebook.keys)
    for code in codebook.codes:
        parent = code.parent if code.parent in keys and code.parent != code.key else None
        kids.setdefault(parent, []).append(code)
    done: set[str] = set()

    def add(parent_el: etree._Element, code: Code) -> None:
        if code.key in done:
            return
        done.add(code.key)
        el = etree.SubElement(parent_el, q + "Code", guid=code_guid(code.key),
                              name=xml_text(code.name), isCodable="true",
                              **_colour_attr(code.colour))
        fields = {"Inclusion": code.inclusion, "Exclusion": code.exclusion,
                  "Example": code.example}
        etree.SubElement(el, q + "Description").text = xml_text(
            format_footer(code.definition, fields, "code", code.key))
        for sub in kids.get(code.key, []):
            add(el, sub)

    for theme in codebook.themes:
        el = etree.SubElement(root, q + "Code", guid=theme_guid(theme.key),
                              name=xml_text(theme.name), isCodable="false",
                              **_colour_attr(theme.colour))
        etree.SubElement(el, q + "Description").text = xml_text(
            format_footer(theme.description, {}, "theme", theme.key))
        for code in kids.get(None, []):
            if code.theme == theme.key:
                add(el, code)
    for code in codebook.codes:  # orphans: a theme the codebook does not list
        if code.key not in done and (code.parent is None or code.parent not in keys):
            add(root, code)
    return root


def export_qdc(codebook: Codebook, path: str | Path) -> Path:
    """Write ``codebook`` as a REFI-QDA ``.qdc`` file (validated against Codebook.xsd)."""
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS},
                         origin=ORIGIN)
    if not codebook.themes and not codebook.codes:
        raise CodebookError("the codebook has no codes; a .qdc file needs at least one.")
    root.append(codes_element(codebook, CODEBOOK_NS))
    problems = schema_errors(root, "codebook")
    if problems:  # pragma: no cover - a bug in this module, not a user error
        raise RuntimeError("the exported codebook does not validate: " + "; ".join(problems))
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return write_atomically(Path(path), data)


def write_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


# -- import ------------------------------------------------------------------------------
@dataclass
class CodesImport:
    """What :func:`read_codes` made of a ``<Codes>`` element."""

    codebook: Codebook
    keys: dict[str, str] = field(default_factory=dict)
    """Normalised GUID -> code key, for every imported code."""
    folders: dict[str, str] = field(default_factory=dict)
    """Normalised GUID -> name of a REFI code that is not a code here (theme or skipped)."""
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _walk(element: etree._Element) -> Iterator[etree._Element]:
    for code in children(element, "Code"):
        yield code
        yield from _walk(code)


class _CodesReader:
    def __init__(self, where: str):
        self.where = where
        self.out = CodesImport(Codebook("", (), ()))
        self.themes: list[Theme] = []
        self.codes: list[Code] = []
        self.taken: set[str] = set()
        self.reserved: set[str] = set()
        self.guids: set[str] = set()

    def note(self, message: str) -> None:
        self.out.warnings.append(f"{self.where}: {message}")

    def _colour(self, element: etree._Element, name: str, default: str) -> str:
        value = element.get("color")
        if value is None:
            return default
        try:
            return normalise_colour(value, name)
        except CodebookError:
            self.note(f"code {name!r}: colour {value!r} is not #RGB or #RRGGBB; used {default}.")
            return default

    def _key(self, footer_key: str | None, name: str) -> str:
        if footer_key and footer_key not in self.taken:
            self.taken.add(footer_key)
            return footer_key
        key = slug_key(name, self.taken | self.reserved)
        self.taken.add(key)  # the same name under another parent gets its own key
        return key

    def _identity(self, element: etree._Element) -> tuple[str, str] | None:
        guid = normalise_guid(element.get("guid"))
        name = (element.get("name") or "").strip()
        if not name:
            name = "(unnamed code)"
            self.note(f"a code without a name (GUID {guid or '-'}) was named {name!r}.")
        if guid and guid in self.guids:
            self.out.skipped.append(f"{self.where}: code {name!r}: its GUID {guid} is used by "
                                    "an earlier code; skipped it and its sub-codes.")
            return None
        if guid:
            self.guids.add(guid)
        return guid, name

    def _fields(self, element: etree._Element) -> tuple[str, dict[str, str], str | None]:
        description = child_text(element, "Description").strip()
        footer = parse_footer(description)
        if footer is not None and footer[2] == "code":
            return footer[0], footer[1], footer[3]
        return description or NO_DEFINITION, {}, None

    def add_code(
        self,
        element: etree._Element,
        theme: str,
        parent: str | None,
        identity: tuple[str, str] | None = None,
        key: str | None = None,
    ) -> None:
        identity = identity or self._identity(element)
        if identity is None:
            return
        guid, name = identity
        body, fields, footer_key = self._fields(element)
        key = key or self._key(footer_key, name)
        colour = self._colour(element, name, _PALETTE[len(self.codes) % len(_PALETTE)])
        self.codes.append(Code(
            key=key, name=name, theme=theme, definition=body, colour=colour,
            inclusion=fields.get("Inclusion", ""), exclusion=fields.get("Exclusion", ""),
            example=fields.get("Example", ""), parent=parent,
        ))
        if guid:
            self.out.keys[guid] = key
        for sub in children(element, "Code"):
            self.add_code(sub, theme, key)

    def add_top(self, element: etree._Element) -> None:
        kids = list(children(element, "Code"))
        codable = (element.get("isCodable") or "true").strip().lower() in ("true", "1")
        description = child_text(element, "Description").strip()
        footer = parse_footer(description)
        is_theme = footer is not None and footer[2] == "theme"
        if not kids and not is_theme:
            if codable:
                if IMPORTED_THEME not in self.themes:
                    self.themes.append(IMPORTED_THEME)
                    self.taken.add(IMPORTED_THEME.key)
                self.add_code(element, IMPORTED_THEME.key, None)
                return
            identity = self._identity(element)
            if identity is not None:
                self.out.folders[identity[0]] = identity[1]
                self.out.skipped.append(f"{self.where}: code folder {identity[1]!r} has no "
                                        "codes and cannot be coded; skipped.")
            return
        identity = self._identity(element)
        if identity is None:
            return
        guid, name = identity
        colour = self._colour(element, name, "#777777")
        if footer is not None and is_theme:
            self.themes.append(Theme(self._key(footer[3], name), name, footer[0], colour))
        elif codable:  # a codable parent: a theme *and* a code (parent of its children)
            code_key = self._key(self._fields(element)[2], name)
            theme_key = slug_key(f"{code_key}_theme", self.taken | self.reserved)
            self.taken.add(theme_key)
            self.themes.append(Theme(theme_key, name, "", colour))
            self.add_code(element, theme_key, None, identity, code_key)
            return
        else:
            self.themes.append(Theme(self._key(None, name), name, description, colour))
        if guid:
            self.out.folders[guid] = name
        for sub in kids:
            self.add_code(sub, self.themes[-1].key, None)


def read_codes(
    codes: etree._Element | None, *, name: str, description: str = "", where: str
) -> CodesImport:
    """Turn a REFI ``<Codes>`` element into a :class:`Codebook` (see the module docstring)."""
    reader = _CodesReader(where)
    if codes is not None:
        for element in _walk(codes):
            footer = parse_footer(child_text(element, "Description").strip())
            if footer is not None:
                reader.reserved.add(footer[3])
        for top in children(codes, "Code"):
            reader.add_top(top)
    reader.out.codebook = Codebook(name=name, themes=tuple(reader.themes),
                                   codes=tuple(reader.codes), description=description)
    return reader.out


def read_qdc(path: str | Path) -> tuple[Codebook, list[str]]:
    """Read a REFI-QDA ``.qdc`` codebook: ``(codebook, warnings)``.

    Warnings say what was not imported (code sets, empty folders, duplicate GUIDs) and where
    the file breaks the schema (it is read leniently all the same). The codebook is named
    after the file.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot read the file ({exc.strerror}).") from None
    root = parse_untrusted_xml(data, str(path))
    if not isinstance(root.tag, str) or etree.QName(root).localname != "CodeBook":
        raise ImportFormatError(f"{path}: not a REFI-QDA codebook (the root element is "
                                f"{etree.QName(root).localname!r}, not 'CodeBook').")
    warnings = schema_warnings(root, "codebook", str(path))
    result = read_codes(next(children(root, "Codes"), None), name=path.stem, where=str(path))
    if not result.codebook.codes:
        raise ImportFormatError(f"{path}: the codebook has no codes to import.")
    warnings += result.warnings + result.skipped
    for sets in children(root, "Sets"):
        found = list(children(sets, "Set"))
        if found:
            names = ", ".join(repr(s.get("name") or "") for s in found)
            warnings.append(f"{path}: skipped {len(found)} code set(s) ({names}): the workbench "
                            "has no code sets; group codes by theme instead.")
        else:
            warnings.append(f"{path}: skipped the empty <Sets/> element (code sets are not "
                            "imported; an empty <Sets/> is also invalid REFI-QDA).")
    return result.codebook, warnings


def schema_warnings(root: etree._Element, kind: str, where: str) -> list[str]:
    """One warning summarising how ``root`` breaks its REFI-QDA schema (none if valid)."""
    problems = schema_errors(root, "project" if kind == "project" else "codebook")
    if not problems:
        return []
    distinct = list(dict.fromkeys(_shorten(p) for p in problems))
    shown = "; ".join(distinct[:3])
    if len(problems) > 3:
        shown += f"; {len(problems)} problems in all"
    return [f"{where}: the file does not conform to the REFI-QDA {kind} schema ({shown}); "
            "it was read leniently."]


def _shorten(problem: str) -> str:
    problem = problem.replace("{urn:QDA-XML:project:1.0}", "").replace(
        "{urn:QDA-XML:codebook:1.0}", "")
    problem = problem.split(" is not accepted by the pattern")[0]
    return problem if len(problem) <= 160 else problem[:157] + "..."
