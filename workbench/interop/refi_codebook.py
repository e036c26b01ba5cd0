"""REFI-QDA codes <-> the workbench codebook, and the ``.qdc`` codebook file.

Export mapping of codes made in the workbench (reversed exactly on import of its own files):

* a theme becomes a top-level ``Code`` with ``isCodable="false"``; its codes are its
  children, sub-codes nest under their parent code (standard REFI nesting: a hierarchy is
  never flattened into ``parent::child`` names);
* ``Description`` holds the definition (theme: description), then a blank line and a footer
  of labelled lines: ``Inclusion:``, ``Exclusion:``, ``Example:`` and last
  ``Workbench code: KEY`` (``Workbench theme: KEY``), so keys survive the round trip;
* GUIDs are derived from keys (the same key gets the same GUID in every export).

Codes, themes and sets that came from another tool's file are given back as they were read,
from the :class:`~workbench.model.RefiIdentity` rows the import stored (pass them to
:func:`codes_element` / :func:`export_qdc` as ``identities``):

* the file's GUID (as written: braces and case kept) instead of the derived one;
* the ``Description`` exactly as read, with no footer (none when the file had none), as long
  as the definition is still what the import made of it and inclusion, exclusion and
  example are empty; a code edited in the workbench gets the footer like one made here;
* ``isCodable="false"`` again for a deeper folder (a code here) that has no codings;
* the theme "Imported codes", made up on import to hold top-level codes, is not written:
  its codes are top-level codes again, so no folder level is invented.

The key of such a code is not written into the file: importing the export again derives
it from the name (the same names give the same keys), and the GUID ties it to its identity.
A ``Description`` ending in the workbench footer is taken as the workbench's own in any
file (one that another tool passed on too), so its key and fields come back and only a
GUID other than the derived one is kept.

Import of other tools' codes (lenient):

* a top-level code that can be coded (with or without children) goes to the theme
  "Imported codes"; it stays one code, the parent of its children, with its codings;
* a top-level folder (not codable) with children becomes a theme; without children it is
  skipped with a note;
* deeper codes are codes whether codable or not (the workbench has no code folders);
* names that carry a hierarchy, ATLAS.ti's ``parent::child`` and Taguette's
  ``parent\\child``, become a child code ``child`` of the code ``parent`` (a sibling of that
  name, or a new code when there is none); the file's ``origin`` decides the separator
  (ATLAS.ti ``::``, Taguette ``\\``, other tools both, the workbench's own files none), and
  ``split_hierarchy=False`` keeps the names as they are;
* keys are made from names (ASCII, ``_``, unique); GUIDs are matched without braces and
  case; ``#RGB`` colours become ``#RRGGBB``; a missing colour gets one from a palette and a
  missing description the definition "(no definition in the imported codebook)".
* ``Sets`` are reported (each set and what it held) and kept as ``set`` identities, which
  the export writes back as ``Set`` elements with the members that still exist.
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from workbench.errors import CodebookError, ImportFormatError
from workbench.interop._refi import (
    CODEBOOK_NS,
    ORIGIN,
    child,
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
from workbench.model import Code, Codebook, RefiIdentity, Theme
from workbench.parsing.codebook_yaml import normalise_colour

__all__ = ["CodesImport", "QdcImport", "codes_element", "export_qdc", "read_codes", "read_qdc",
           "read_qdc_file", "sets_element"]

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


Identities = Mapping[tuple[str, str], RefiIdentity]
"""Stored REFI identities by ``(kind, key)`` (:meth:`Project.refi_identities`)."""
_GUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
CREATED = "_workbench_created"
"""Attribute marking a parent code that hierarchy splitting made up (never exported)."""


def raw_guid(element: etree._Element) -> str | None:
    """The ``guid`` attribute as written (white space trimmed), or None."""
    return (element.get("guid") or "").strip() or None


def raw_description(element: etree._Element) -> str | None:
    """The ``Description`` text exactly as read, or None when there is none."""
    found = child(element, "Description")
    return None if found is None else "".join(found.itertext())


def definition_of(description: str | None) -> str:
    """The definition an import makes of a foreign ``Description``."""
    return (description or "").strip() or NO_DEFINITION


def export_guid(identity: RefiIdentity | None, derived: str, used: set[str]) -> str:
    """The stored GUID of ``identity`` when it is a valid REFI GUID not yet used in this
    file, else ``derived``."""
    guid = identity.guid if identity is not None else None
    if guid:
        bare = guid.strip("{}")
        if _GUID.fullmatch(bare) and normalise_guid(guid) not in used:
            used.add(normalise_guid(guid))
            return guid if guid == bare or guid == "{" + bare + "}" else bare
    used.add(normalise_guid(derived))
    return derived


def _foreign_text(identity: RefiIdentity | None, current: str, fields: Mapping[str, str],
                  *, theme: bool = False) -> tuple[bool, str | None]:
    """``(True, description)`` when the stored foreign description still stands for
    ``current`` (and no workbench field is set), else ``(False, None)``."""
    if identity is None or not identity.detail.get("foreign") or any(fields.values()):
        return False, None
    made = (identity.description or "").strip() if theme else definition_of(
        identity.description)
    if current != made:
        return False, None
    return True, identity.description


def codes_element(codebook: Codebook, namespace: str, identities: Identities | None = None,
                  *, coded: Collection[str] = (), used: set[str] | None = None,
                  guids: dict[str, str] | None = None) -> etree._Element:
    """The ``<Codes>`` element for ``codebook`` in ``namespace`` (project or codebook).

    ``identities`` (from imports) give foreign codes and themes their GUIDs, descriptions
    and folder status back (see the module docstring); ``coded`` are the keys of codes with
    codings (written codable whatever the file said); ``used`` collects the GUIDs written
    and ``guids`` the GUID written for each code key.
    """
    ids: Identities = identities or {}
    used = set() if used is None else used
    guids = {} if guids is None else guids
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
        identity = ids.get(("code", code.key))
        codable = (identity is None or identity.detail.get("codable", True)
                   or code.key in coded)
        guids[code.key] = export_guid(identity, code_guid(code.key), used)
        el = etree.SubElement(parent_el, q + "Code", guid=guids[code.key],
                              name=xml_text(code.name),
                              isCodable="true" if codable else "false",
                              **_colour_attr(code.colour))
        fields = {"Inclusion": code.inclusion, "Exclusion": code.exclusion,
                  "Example": code.example}
        foreign, text = _foreign_text(identity, code.definition, fields)
        if not foreign:
            text = format_footer(code.definition, fields, "code", code.key)
        if text is not None:
            etree.SubElement(el, q + "Description").text = xml_text(text)
        for sub in kids.get(code.key, []):
            add(el, sub)

    for theme in codebook.themes:
        identity = ids.get(("theme", theme.key))
        if identity is not None and identity.detail.get("folder") is False:
            holder = root  # made up on import: its codes are top-level codes again
        else:
            holder = etree.SubElement(root, q + "Code",
                                      guid=export_guid(identity, theme_guid(theme.key), used),
                                      name=xml_text(theme.name), isCodable="false",
                                      **_colour_attr(theme.colour))
            foreign, text = _foreign_text(identity, theme.description, {}, theme=True)
            if not foreign:
                text = format_footer(theme.description, {}, "theme", theme.key)
            if text is not None:
                etree.SubElement(holder, q + "Description").text = xml_text(text)
        for code in kids.get(None, []):
            if code.theme == theme.key:
                add(holder, code)
    for code in codebook.codes:  # orphans: a theme the codebook does not list
        if code.key not in done and (code.parent is None or code.parent not in keys):
            add(root, code)
    return root


def sets_element(identities: Identities | None, namespace: str,
                 code_guids: Mapping[str, str], source_guids: Mapping[str, str] | None = None,
                 used: set[str] | None = None) -> etree._Element | None:
    """``<Sets>`` for the ``set`` identities, or None when there are none. Members are code
    keys and document names; those the export does not hold are left out. In a codebook
    (``source_guids`` None) only code members are written."""
    found = sorted((i for (kind, _key), i in (identities or {}).items() if kind == "set"),
                   key=lambda i: (int(i.detail.get("position", 0)), i.key))
    if not found:
        return None
    used = set() if used is None else used
    q = f"{{{namespace}}}"
    holder = etree.Element(q + "Sets")
    for item in found:
        el = etree.SubElement(holder, q + "Set",
                              guid=export_guid(item, make_guid("set", item.key), used),
                              name=xml_text(str(item.detail.get("name", item.key))))
        if item.description is not None:
            etree.SubElement(el, q + "Description").text = xml_text(item.description)
        for key in item.detail.get("codes", []):
            if key in code_guids:
                if source_guids is None:
                    etree.SubElement(el, q + "MemberCode", guid=code_guids[key])
                else:
                    etree.SubElement(el, q + "MemberCode", targetGUID=code_guids[key])
        for name in item.detail.get("documents", []):
            if source_guids is not None and name in source_guids:
                etree.SubElement(el, q + "MemberSource", targetGUID=source_guids[name])
    return holder


def export_qdc(codebook: Codebook, path: str | Path, *,
               identities: Identities | None = None) -> Path:
    """Write ``codebook`` as a REFI-QDA ``.qdc`` file (validated against Codebook.xsd).

    ``identities`` (:meth:`Project.refi_identities`) give imported codes their GUIDs and
    descriptions back and add the imported sets (see the module docstring).
    """
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS},
                         origin=ORIGIN)
    used: set[str] = set()
    guids: dict[str, str] = {}
    codes = codes_element(codebook, CODEBOOK_NS, identities, used=used, guids=guids)
    if not len(codes):
        raise CodebookError("the codebook has no codes; a .qdc file needs at least one.")
    root.append(codes)
    sets = sets_element(identities, CODEBOOK_NS, guids, None, used)
    if sets is not None:
        root.append(sets)
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
    identities: list[RefiIdentity] = field(default_factory=list)
    """What to keep of each imported code and theme (see the module docstring)."""
    split: list[str] = field(default_factory=list)
    """One line per code name that was split into a parent and a child."""
    sets: list[str] = field(default_factory=list)
    """One line per ``Set`` read (:func:`read_qdc`; a project's sets: :mod:`refi_read`)."""


def separators_for(origin: str) -> tuple[str, ...]:
    """The hierarchy separators in code names of a file from ``origin``: ATLAS.ti ``::``,
    Taguette ``\\``, the workbench's own files none, other tools both."""
    low = origin.strip().lower()
    if low.startswith(ORIGIN.rsplit(" ", 1)[0].lower()):
        return ()
    if "atlas.ti" in low or "atlasti" in low:
        return ("::",)
    if "taguette" in low:
        return ("\\",)
    return ("::", "\\")


def split_code_names(codes: etree._Element, separators: tuple[str, ...], where: str
                     ) -> list[str]:
    """Move each code named ``a::b`` (with a separator of ``separators``) under a code ``a``
    beside it, renamed ``b``; ``a`` is made (codable, marked :data:`CREATED`) when no code
    beside it has that name. Changes ``codes`` in place; returns a line per split."""
    if not separators:
        return []
    pattern = re.compile("|".join(re.escape(s) for s in separators))
    notes: list[str] = []

    def visit(container: etree._Element) -> None:
        for element in list(children(container, "Code")):
            name = (element.get("name") or "").strip()
            parts = [p.strip() for p in pattern.split(name)]
            if len(parts) < 2 or not all(parts):
                continue
            holder, made = container, []
            for part in parts[:-1]:
                found = next((c for c in children(holder, "Code") if c is not element
                              and (c.get("name") or "").strip() == part), None)
                if found is None:
                    found = etree.Element(element.tag, name=part, isCodable="true")
                    found.set(CREATED, "1")
                    if holder is container:
                        element.addprevious(found)
                    else:
                        holder.append(found)
                    made.append(part)
                holder = found
            element.set("name", parts[-1])
            holder.append(element)
            line = (f"{where}: code {name!r} became {parts[-1]!r} under "
                    f"{' > '.join(parts[:-1])!r}")
            if made:
                line += f" (made the parent code(s) {', '.join(map(repr, made))})"
            notes.append(line + ".")
        for element in children(container, "Code"):
            visit(element)

    visit(codes)
    return notes


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

    def _keep(self, kind: str, key: str, element: etree._Element, ours: bool,
              derived: str) -> None:
        """Record what an export needs to give ``element`` back as it was read."""
        guid = raw_guid(element)
        if ours:  # the workbench's own footer: only a GUID another than the derived one
            if guid and normalise_guid(guid) != derived:
                self.out.identities.append(RefiIdentity(kind, key, guid))
            return
        detail: dict[str, object] = {"foreign": True}
        codable = (element.get("isCodable") or "true").strip().lower() in ("true", "1")
        if kind == "code" and not codable:
            detail["codable"] = False
        if element.get(CREATED):
            detail["created"] = True
        self.out.identities.append(RefiIdentity(kind, key, guid, raw_description(element),
                                                detail))

    def add_code(
        self,
        element: etree._Element,
        theme: str,
        parent: str | None,
    ) -> None:
        identity = self._identity(element)
        if identity is None:
            return
        guid, name = identity
        body, fields, footer_key = self._fields(element)
        key = self._key(footer_key, name)
        self._keep("code", key, element, footer_key is not None, code_guid(key))
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

    def _imported_theme(self) -> str:
        if IMPORTED_THEME not in self.themes:
            self.themes.append(IMPORTED_THEME)
            self.taken.add(IMPORTED_THEME.key)
            self.out.identities.append(RefiIdentity("theme", IMPORTED_THEME.key,
                                                    detail={"folder": False}))
        return IMPORTED_THEME.key

    def add_top(self, element: etree._Element) -> None:
        kids = list(children(element, "Code"))
        codable = (element.get("isCodable") or "true").strip().lower() in ("true", "1")
        description = child_text(element, "Description").strip()
        footer = parse_footer(description)
        is_theme = footer is not None and footer[2] == "theme"
        if codable and not is_theme:  # one code, the parent of its children (if any)
            self.add_code(element, self._imported_theme(), None)
            return
        if not kids and not is_theme:
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
            key = self._key(footer[3], name)
            self.themes.append(Theme(key, name, footer[0], colour))
        else:
            key = self._key(None, name)
            self.themes.append(Theme(key, name, description, colour))
        self._keep("theme", key, element, is_theme, theme_guid(key))
        if guid:
            self.out.folders[guid] = name
        for sub in kids:
            self.add_code(sub, key, None)


def read_codes(
    codes: etree._Element | None, *, name: str, description: str = "", where: str,
    origin: str = "", split_hierarchy: bool = True,
) -> CodesImport:
    """Turn a REFI ``<Codes>`` element into a :class:`Codebook` (see the module docstring).

    With ``split_hierarchy`` (the default) ``parent::child`` / ``parent\\child`` names
    become parent and child codes, the separators chosen by :func:`separators_for` from
    ``origin``; ``codes`` itself is never changed.
    """
    reader = _CodesReader(where)
    if codes is not None:
        if split_hierarchy:
            codes = copy.deepcopy(codes)
            reader.out.split = split_code_names(codes, separators_for(origin), where)
        for element in _walk(codes):
            footer = parse_footer(child_text(element, "Description").strip())
            if footer is not None:
                reader.reserved.add(footer[3])
        for top in children(codes, "Code"):
            reader.add_top(top)
    reader.out.codebook = Codebook(name=name, themes=tuple(reader.themes),
                                   codes=tuple(reader.codes), description=description)
    return reader.out


@dataclass(frozen=True)
class ReadSet:
    """A REFI ``Set`` as read: GUIDs as written, member GUIDs normalised."""

    guid: str | None
    name: str
    description: str | None
    codes: tuple[str, ...]
    sources: tuple[str, ...]
    notes: int


def read_sets(root: etree._Element) -> list[ReadSet]:
    """The ``Set`` elements of every ``Sets`` child of ``root`` (project or codebook)."""
    found = []
    for holder in children(root, "Sets"):
        for item in children(holder, "Set"):
            codes = tuple(normalise_guid(m.get("targetGUID") or m.get("guid"))
                          for m in children(item, "MemberCode"))
            sources = tuple(normalise_guid(m.get("targetGUID"))
                            for m in children(item, "MemberSource"))
            found.append(ReadSet(raw_guid(item), (item.get("name") or "").strip(),
                                 raw_description(item), codes, sources,
                                 len(list(children(item, "MemberNote")))))
    return found


def keep_sets(sets: list[ReadSet], code_keys: Mapping[str, str],
              folders: Mapping[str, str], sources: Mapping[str, str], where: str,
              labels: Mapping[str, str] | None = None
              ) -> tuple[list[RefiIdentity], list[str]]:
    """``set`` identities (members as code keys and document names) and one report line
    per set: what it held and what of that could not be kept (named by ``folders`` and
    ``labels``, else by GUID)."""
    labels = labels or {}
    identities, lines = [], []
    taken: set[str] = set()
    for position, item in enumerate(sets):
        name = item.name or f"set {position + 1}"
        key, number = name, 2
        while key in taken:
            key = f"{name} ({number})"
            number += 1
        taken.add(key)
        codes = [code_keys[g] for g in item.codes if g in code_keys]
        documents = [sources[g] for g in item.sources if g in sources]
        lost = [repr(folders[g]) if g in folders else g for g in item.codes
                if g not in code_keys]
        lost += [repr(labels[g]) if labels.get(g) else g for g in item.sources
                 if g not in sources]
        line = (f"{where}: set {name!r}: codes {', '.join(codes) or '-'}; documents "
                f"{', '.join(documents) or '-'}")
        if lost:
            line += f"; not kept (not imported as codes or documents): {', '.join(lost)}"
        if item.notes:
            line += f"; {item.notes} note member(s) not kept"
        lines.append(line + ". Kept as a named set; exported again as a Set.")
        identities.append(RefiIdentity("set", key, item.guid, item.description, {
            "name": name, "codes": codes, "documents": documents, "position": position}))
    return identities, lines


@dataclass
class QdcImport:
    """What :func:`read_qdc_file` read from a ``.qdc``: the codebook, the warnings, the
    identities to keep, the names split into a hierarchy and the sets."""

    codebook: Codebook
    warnings: list[str]
    identities: list[RefiIdentity]
    split: list[str]
    sets: list[str]
    version: int = 0
    """The codebook version :func:`~workbench.interop.import_qdc` loaded (0: not loaded)."""
    keys: dict[str, str] = field(default_factory=dict)
    """Normalised GUID -> code key, for every code read."""

    def summary(self) -> str:
        """A few lines for people: counts, splits, sets and warnings."""
        lines = [f"{self.codebook.name}: {len(self.codebook.codes)} codes, "
                 f"{len(self.codebook.themes)} themes"
                 + (f"; codebook version {self.version}" if self.version else "")]
        lines += [f"  split: {item}" for item in self.split]
        lines += [f"  set: {item}" for item in self.sets]
        lines += [f"  warning: {item}" for item in self.warnings]
        return "\n".join(lines)


def read_qdc(path: str | Path, *, split_hierarchy: bool = True
             ) -> tuple[Codebook, list[str]]:
    """Read a REFI-QDA ``.qdc`` codebook: ``(codebook, warnings)``.

    Warnings say what was not imported (empty folders, duplicate GUIDs), which names were
    split into a hierarchy (``split_hierarchy``, see :func:`read_codes`), which code sets
    the file has and where it breaks the schema (it is read leniently all the same). The
    codebook is named after the file. :func:`read_qdc_file` also gives what to keep.
    """
    read = read_qdc_file(path, split_hierarchy=split_hierarchy)
    return read.codebook, read.warnings + read.split + read.sets


def read_qdc_file(path: str | Path, *, split_hierarchy: bool = True) -> QdcImport:
    """Read a ``.qdc`` into a :class:`QdcImport` (see :func:`read_qdc`)."""
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
    result = read_codes(next(children(root, "Codes"), None), name=path.stem, where=str(path),
                        origin=root.get("origin") or "", split_hierarchy=split_hierarchy)
    if not result.codebook.codes:
        raise ImportFormatError(f"{path}: the codebook has no codes to import.")
    warnings += result.warnings + result.skipped
    if any(not list(children(s, "Set")) for s in children(root, "Sets")):
        warnings.append(f"{path}: skipped the empty <Sets/> element (an empty <Sets/> is "
                        "invalid REFI-QDA).")
    sets, lines = keep_sets(read_sets(root), result.keys, result.folders, {}, str(path))
    return QdcImport(result.codebook, warnings, result.identities + sets, result.split,
                     lines, keys=dict(result.keys))


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
