"""Read a REFI-QDA project (``project.qde`` + ``sources/``) into plain Python values.

Nothing here touches a :class:`~workbench.project.Project`; :mod:`refi_import` stores what
this module read. Every element the workbench cannot use ends up in ``skipped`` with a
sentence a user understands.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from workbench.errors import ImportFormatError, TranscriptError
from workbench.interop._refi import ORIGIN, child, child_text, children, normalise_guid
from workbench.interop.positions import PositionUnit, choose_unit, from_unit
from workbench.interop.refi_codebook import (
    CodesImport,
    ReadSet,
    read_codes,
    read_sets,
    schema_warnings,
)
from workbench.interop.refi_text import (
    SourceText,
    TextForm,
    decode_source,
    read_description,
    read_source_text,
    read_text_form,
)
from workbench.interop.safe_zip import SafeZip
from workbench.interop.xml_safety import parse_untrusted_xml
from workbench.model import PERSPECTIVES, CaseAttributes, SegmentUnit
from workbench.parsing.attributes import MAX_SESSION, STANDARD_KEYS

__all__ = ["ReadProject", "ReadSelection", "ReadSource", "read_project"]

_VALUE_TAGS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue",
               "DateTimeValue")
_MEDIA = {"PictureSource": "picture", "PDFSource": "PDF", "AudioSource": "audio",
          "VideoSource": "video"}
_SELECTIONS = ("PlainTextSelection", "PictureSelection", "PDFSelection", "AudioSelection",
               "VideoSelection", "TranscriptSelection")


@dataclass(frozen=True)
class MemoNote:
    """A REFI ``Note`` read as a memo: its title, text and author (user GUID)."""

    name: str
    text: str
    user: str


def _positions(element: etree._Element) -> tuple[int, int] | None:
    """``(startPosition, endPosition)`` as written, or None when they are not numbers."""
    try:
        return int(element.get("startPosition", "")), int(element.get("endPosition", ""))
    except ValueError:
        return None


@dataclass
class ReadSelection:
    """A text selection with its codings: ``(code GUID, user GUID, memo)`` each."""

    guid: str
    name: str
    start: int
    end: int
    codings: list[tuple[str, str, str]]


@dataclass
class ReadSource:
    """A text source read as a transcript, its selections and its unit of coding."""

    guid: str
    text: SourceText
    unit: SegmentUnit | None
    selections: list[ReadSelection]
    attribute_note: str = ""
    """What had to be assumed about the case attributes ("" when nothing)."""
    memos: list[MemoNote] = field(default_factory=list)
    """Notes attached to the source (document memos)."""


@dataclass
class ReadProject:
    """Everything :func:`read_project` took from a ``.qdpx``."""

    origin: str
    codes: CodesImport
    users: dict[str, str]
    sources: list[ReadSource] = field(default_factory=list)
    creating_user: str = ""
    """GUID of the user who created the project (coder of codings that name nobody)."""
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    code_memos: dict[str, list[MemoNote]] = field(default_factory=dict)
    """Code GUID -> notes attached to the code."""
    project_memos: list[MemoNote] = field(default_factory=list)
    """Notes attached to nothing (project memos)."""
    raw_guids: dict[str, str] = field(default_factory=dict)
    """Normalised GUID -> the GUID as written, for users and sources."""
    source_names: dict[str, str] = field(default_factory=dict)
    """Normalised GUID -> name of every source, imported or not."""
    sets: list[ReadSet] = field(default_factory=list)
    """The project's ``Set`` elements."""

    @property
    def from_workbench(self) -> bool:
        """True for files the IPR workbench wrote."""
        return self.origin.startswith(ORIGIN.rsplit(" ", 1)[0])


def _guid(element: etree._Element, attribute: str = "guid") -> str:
    return normalise_guid(element.get(attribute))


def _find_qde(archive: SafeZip, where: str) -> str:
    names = [n for n in archive.names()
             if n.lower().endswith(".qde") and not n.startswith("__MACOSX/")]
    top = [n for n in names if "/" not in n.replace("\\", "/")]
    for candidates in ([n for n in top if n.lower() == "project.qde"], top, names):
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise ImportFormatError(f"{where}: the archive holds several projects "
                                    f"({', '.join(candidates)}); export one project per file.")
    raise ImportFormatError(f"{where}: no project.qde inside; is this a REFI-QDA .qdpx file?")


class _ProjectReader:
    def __init__(self, archive: SafeZip, where: str, detect_speakers: bool = False,
                 split_hierarchy: bool = True):
        self.archive = archive
        self.split_hierarchy = split_hierarchy
        self.where = where
        self.detect_speakers = detect_speakers
        qde = _find_qde(archive, where)
        self.base = qde.replace("\\", "/").rpartition("/")[0]
        self.root = parse_untrusted_xml(archive.read(qde), f"{where}:{qde}")
        if etree.QName(self.root).localname != "Project":
            raise ImportFormatError(f"{where}: {qde} is not a REFI-QDA project (root element "
                                    f"{etree.QName(self.root).localname!r}).")
        self.notes: dict[str, tuple[str, str, str]] = {}  # guid -> (name, text, user guid)
        self.used_notes: set[str] = set()
        self.variables: dict[str, tuple[str, str]] = {}
        self.case_of: dict[str, tuple[str, dict[str, str]]] = {}
        self.warnings: list[str] = []
        self.skipped: list[str] = []
        self.project_memos: list[MemoNote] = []
        self.origin = self.root.get("origin") or ""

    def _items(self, holder: str, name: str) -> list[etree._Element]:
        """The ``name`` children of every ``holder`` child of the root."""
        return [item for part in children(self.root, holder) for item in children(part, name)]

    # -- files -------------------------------------------------------------------------
    def _member(self, path: str) -> str | None:
        """The archive member a ``plainTextPath`` names: ``internal://NAME`` or a relative
        path (``board_2017.txt``, ``sources/x.txt``) looked up in ``sources/`` and then by
        file name; an absolute path or URL is found by its file name, if the archive holds
        exactly one such file."""
        lowered = path.lower()
        name = path[len("internal://"):] if lowered.startswith("internal://") else path
        name = name.replace("\\", "/").lstrip("/")
        if "://" in name:  # file:///C:/... or another scheme: only the file name can help
            name = name.rpartition("/")[2]
        candidates = [f"{self.base}/sources/{name}" if self.base else f"sources/{name}",
                      f"sources/{name}", f"{self.base}/{name}" if self.base else name]
        for candidate in candidates:
            found = self.archive.find(candidate)
            if found is not None:
                return found
        leaf = name.rpartition("/")[2].lower()
        matches = [n for n in self.archive.names()
                   if n.replace("\\", "/").rpartition("/")[2].lower() == leaf]
        return matches[0] if len(matches) == 1 else None

    def _text_of(self, element: etree._Element, label: str) -> tuple[str | None, str]:
        """``(text, problem)`` of a text source or note: inline content or internal file."""
        inline = child(element, "PlainTextContent")
        if inline is not None:
            return "".join(inline.itertext()), ""
        path = element.get("plainTextPath") or ""
        if not path:
            return None, f"{label} has neither PlainTextContent nor a plainTextPath"
        member = self._member(path)
        if member is None:
            leaf = path.replace("\\", "/").rpartition("/")[2]
            return None, (f"{label}: its text file {path} is not in the archive (looked for "
                          f"{leaf!r} in sources/ and by name); export the project again with "
                          "its sources included")
        text, warning = decode_source(self.archive.read(member), f"{self.where}:{member}")
        if warning:
            self.warnings.append(warning)
        return text, ""

    # -- top-level parts ---------------------------------------------------------------
    def read(self) -> ReadProject:
        self.warnings += schema_warnings(self.root, "project", self.where)
        users: dict[str, str] = {}
        raw: dict[str, str] = {}
        for user in self._items("Users", "User"):
            users[_guid(user)] = (user.get("name") or "").strip()
            raw[_guid(user)] = (user.get("guid") or "").strip()
        source_names: dict[str, str] = {}
        for kind in ("TextSource", *_MEDIA):
            for element in self._items("Sources", kind):
                raw[_guid(element)] = (element.get("guid") or "").strip()
                source_names[_guid(element)] = (element.get("name") or "").strip()
        name, description = self.root.get("name") or "Imported project", ""
        text = child_text(self.root, "Description").strip()
        if text.startswith("Codebook: "):
            name, _, description = text[len("Codebook: "):].partition("\n")
        codebook = child(self.root, "CodeBook")
        codes = read_codes(None if codebook is None else child(codebook, "Codes"),
                           name=name.strip(), description=description.strip(),
                           where=self.where, origin=self.origin,
                           split_hierarchy=self.split_hierarchy)
        project = ReadProject(origin=self.root.get("origin") or "", codes=codes, users=users,
                              raw_guids=raw, sets=read_sets(self.root),
                              source_names=source_names)
        project.creating_user = _guid(self.root, "creatingUserGUID")
        for note in self._items("Notes", "Note"):
            body, _problem = self._text_of(note, f"note {note.get('name')!r}")
            self.notes[_guid(note)] = (note.get("name") or "", body or "",
                                       _guid(note, "creatingUser"))
        self._variables()
        self._cases()
        for kind in ("TextSource", *_MEDIA):
            for element in self._items("Sources", kind):
                self._source(element, project)
        if codebook is not None:
            for element in codebook.iter():
                if not isinstance(element.tag, str) or etree.QName(element).localname != "Code":
                    continue
                notes = self._notes_of(element)
                if notes:
                    project.code_memos[_guid(element)] = notes
        self.project_memos = project.project_memos
        self._leftovers()
        project.skipped = codes.skipped + self.skipped
        project.warnings = self.warnings + codes.warnings
        return project

    def _variables(self) -> None:
        for variable in self._items("Variables", "Variable"):
            self.variables[_guid(variable)] = (variable.get("name") or "",
                                               variable.get("typeOfVariable") or "Text")

    def _values(self, element: etree._Element, label: str) -> dict[str, str]:
        values: dict[str, str] = {}
        for value in children(element, "VariableValue"):
            ref = child(value, "VariableRef")
            variable = self.variables.get(_guid(ref, "targetGUID")) if ref is not None else None
            found = [v for tag in _VALUE_TAGS for v in children(value, tag)]
            if variable is None or not variable[0] or not found:
                why = "an unknown variable" if variable is None else "no value"
                self.skipped.append(f"{self.where}: {label}: a variable value with {why} "
                                    "was not imported.")
                continue
            values[variable[0]] = "".join(found[0].itertext()).strip()
        return values

    def _cases(self) -> None:
        selection_source = {
            _guid(sel): _guid(src)
            for src in self._items("Sources", "TextSource")
            for sel in children(src, "PlainTextSelection")
        }
        for case in self._items("Cases", "Case"):
            name = (case.get("name") or "").strip()
            label = f"case {name!r}" if name else f"case {_guid(case)} (no name)"
            values = self._values(case, label)
            refs = [_guid(r, "targetGUID") for r in children(case, "SourceRef")]
            refs += [selection_source.get(_guid(r, "targetGUID"), "")
                     for r in children(case, "SelectionRef")]
            coded = len(list(children(case, "CodeRef")))
            if coded:
                self.skipped.append(f"{self.where}: {label}: {coded} code(s) applied to the "
                                    "whole case were not imported (codes apply to text here).")
            for source in dict.fromkeys(r for r in refs if r):
                if source in self.case_of:
                    self.warnings.append(f"{self.where}: source {source} belongs to several "
                                         f"cases; used the first, not {label}.")
                    continue
                self.case_of[source] = (name, values)

    def _source(self, element: etree._Element, project: ReadProject) -> None:
        kind = etree.QName(element).localname
        name = (element.get("name") or "").strip() or f"Source {_guid(element)[:8]}"
        selections = sum(1 for e in element.iter() if isinstance(e.tag, str)
                         and etree.QName(e).localname in _SELECTIONS)
        if kind != "TextSource":
            what = _MEDIA.get(kind, kind)
            self.skipped.append(f"{self.where}: {what} source {name!r} ({selections} "
                                "selection(s)) was not imported: the workbench codes text only.")
            return
        label = f"text source {name!r}"
        text, problem = self._text_of(element, label)
        if text is None:
            self.skipped.append(f"{self.where}: {problem}; the source and its {selections} "
                                "selection(s) were not imported.")
            return
        description = child_text(element, "Description")
        unit, interviewers = read_description(description)
        # the form a workbench export recorded (kept when another tool passes the file on:
        # neither form changes the text), else canonical for the workbench's own files
        form: TextForm = read_text_form(description) or (
            "canonical" if self.origin.startswith(ORIGIN.rsplit(" ", 1)[0])
            else "speakers" if self.detect_speakers else "verbatim")
        case_name, values = self.case_of.get(_guid(element), ("", {}))
        values = {**values, **self._values(element, label)}
        attributes, missing = attributes_from_variables(values, case_name or name)
        try:
            source_text = read_source_text(text, name[:200], attributes, form=form,
                                           interviewers=interviewers, source=self.where)
        except TranscriptError:
            self.skipped.append(f"{self.where}: {label} has no text; not imported.")
            return
        whole = len(list(children(element, "Coding")))
        if whole:
            self.skipped.append(f"{self.where}: {label}: {whole} coding(s) of the whole source "
                                "were not imported (code text selections instead).")
        fallback = _guid(element, "creatingUser")
        elements = list(children(element, "PlainTextSelection"))
        counted, warning = choose_unit(self.origin, text, [
            p for p in (_positions(sel) for sel in elements) if p is not None], label)
        if warning:
            self.warnings.append(f"{self.where}: {warning}")  # names the source
        read = [self._selection(sel, label, fallback, text, counted) for sel in elements]
        project.sources.append(ReadSource(
            _guid(element), source_text, unit, [s for s in read if s is not None],
            f"{self.where}: {label}: {missing}" if missing else "", self._notes_of(element)))

    def _notes_of(self, element: etree._Element) -> list[MemoNote]:
        """The notes an element (a source or a code) refers to, marked as used."""
        found = []
        for ref in children(element, "NoteRef"):
            guid = _guid(ref, "targetGUID")
            if guid in self.notes:
                self.used_notes.add(guid)
                name, body, user = self.notes[guid]
                if body.strip():
                    found.append(MemoNote(name, body, user))
        return found

    def _memo(self, element: etree._Element) -> list[str]:
        parts = []
        for ref in children(element, "NoteRef"):
            guid = _guid(ref, "targetGUID")
            if guid in self.notes:
                self.used_notes.add(guid)
                parts.append(self.notes[guid][1])
        return [p for p in parts if p.strip()]

    def _selection(self, element: etree._Element, label: str, fallback: str,
                   text: str, unit: PositionUnit) -> ReadSelection | None:
        name = (element.get("name") or "").strip()
        given = _positions(element)
        if given is None:
            self.skipped.append(f"{self.where}: {label}: selection {name[:40]!r} has no valid "
                                "positions; not imported.")
            return None
        name = name or f"at {given[0]}-{given[1]}"
        what = f"{label}: selection {name[:40]!r}"
        lo, hi = from_unit(text, list(given), unit)
        if lo is None or hi is None or not 0 <= lo < hi <= len(text):
            size = len(text) if unit == "codepoint" else len(text.encode("utf-16-le")) // 2
            self.skipped.append(f"{self.where}: {what} ({given[0]}-{given[1]}) lies outside the "
                                f"text (0-{size}"
                                f"{' UTF-16 units' if unit == 'utf16' else ''}) or inside a "
                                "character; not imported.")
            return None
        start, end = lo, hi
        user = _guid(element, "creatingUser") or fallback
        shared = [child_text(element, "Description").strip(), *self._memo(element)]
        codings = []
        for coding in children(element, "Coding"):
            ref = child(coding, "CodeRef")
            code = _guid(ref, "targetGUID") if ref is not None else ""
            memo = "\n\n".join(p for p in [*shared, *self._memo(coding)] if p)
            codings.append((code, _guid(coding, "creatingUser") or user, memo))
        if not codings:
            self.skipped.append(f"{self.where}: {what} has no codes; not imported.")
            return None
        return ReadSelection(_guid(element), name, start, end, codings)

    def _leftovers(self) -> None:
        for guid, (name, body, user) in self.notes.items():
            if guid not in self.used_notes and body.strip():
                self.project_memos.append(MemoNote(name, body, user))
        counts = Counter(etree.QName(e).localname for part in ("Links", "Graphs")
                         for holder in children(self.root, part) for e in holder
                         if isinstance(e.tag, str))
        for tag, what in (("Link", "link(s)"), ("Graph", "graph(s)")):
            if counts[tag]:
                self.skipped.append(f"{self.where}: {counts[tag]} {what} not imported (the "
                                    "workbench has no such objects).")


def _norm_variable(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def attributes_from_variables(
    values: Mapping[str, str], fallback: str
) -> tuple[CaseAttributes, str]:
    """Case attributes from REFI variable values, and a note on what had to be assumed."""
    standard: dict[str, str] = {}
    extra: dict[str, str] = {}
    for name, value in values.items():
        key = _norm_variable(name)
        if key in STANDARD_KEYS and key not in standard:
            standard[key] = value
        else:
            extra[name] = value
    notes = []
    dyad = standard.get("dyad") or fallback
    try:
        session = int(standard.get("session", ""))
        if not 0 <= session <= MAX_SESSION:
            raise ValueError(session)
    except ValueError:
        session = 0
        notes.append("session" if "session" not in standard
                     else f"session {standard['session']!r} (not a whole number from 0 to "
                     f"{MAX_SESSION:,})")
    perspective = standard.get("perspective", "").lower()
    if perspective not in PERSPECTIVES:
        notes.append("perspective" if not perspective
                     else f"perspective {standard['perspective']!r} (not client/therapist)")
        perspective = "unknown"
    if "dyad" not in standard:
        notes.insert(0, "dyad")
    try:
        date = dt.date.fromisoformat(standard.get("interview_date", "")[:10]) \
            if standard.get("interview_date") else None
    except ValueError:
        notes.append(f"interview_date {standard['interview_date']!r} (not YYYY-MM-DD)")
        date = None
    attributes = CaseAttributes(
        dyad=dyad[:100], session=session, perspective=perspective,
        participant=standard.get("participant") or None, interview_date=date,
        outcome_group=standard.get("outcome_group") or None, extra=extra,
    )
    message = ""
    if notes:
        message = (f"no usable {', '.join(notes)}; stored with dyad {attributes.dyad!r}, "
                   f"session {session}, perspective {perspective!r}. Add Case variables, or "
                   "pass attributes= to import_qdpx, to set them.")
    return attributes, message


def read_project(archive: SafeZip, where: str, *, detect_speakers: bool = False,
                 split_hierarchy: bool = True) -> ReadProject:
    """Read the project in ``archive`` (opened by the caller) into a :class:`ReadProject`.

    Sources from other tools are read verbatim, or with ``detect_speakers`` as transcripts
    (see :mod:`refi_text`); the workbench's own files as their descriptions say.
    ``split_hierarchy`` turns ``parent::child`` code names into parent and child codes
    (see :func:`~workbench.interop.refi_codebook.read_codes`).
    """
    return _ProjectReader(archive, where, detect_speakers, split_hierarchy).read()
