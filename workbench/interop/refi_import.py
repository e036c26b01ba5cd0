"""Import a REFI-QDA project (``.qdpx``) into a workbench project.

All or nothing: the file is read and checked first, then the steps below run through the
:class:`~workbench.project.Project` API inside one transaction (:meth:`Project.atomic
<workbench.project.Project.atomic>`), so any failure (a database error, a document that
cannot be stored, ``KeyboardInterrupt``) leaves the project exactly as it was, and no report
is returned. Steps:

1. every text source becomes a document (see :mod:`refi_text`): a source from another tool
   is stored verbatim, exactly its text (no speaker labels taken or added, one turn per
   non-blank line), unless ``detect_speakers=True`` asks for it to be read as a transcript
   (preview that with :func:`workbench.interop.refi_speakers.preview_speakers`; codings
   that lose a label are listed in ``warnings``); the workbench's own exports come back
   with identical text, turns and segments. Sources that are not plain text
   (PDF, pictures, audio, video), whose text file is missing, or that are external files
   are listed in ``skipped``. Case variables give the case attributes (``dyad``, ``session``,
   ``perspective``, ``participant``, ``interview_date``, ``outcome_group``; others become free
   attributes). A missing dyad is the case (or source) name, a missing session 0 and a
   missing perspective ``"unknown"``, with a warning; ``attributes=`` overrides per document;
2. the codes join the project's codebook (see :mod:`refi_codebook`): codes whose key the
   codebook already has are taken to be the same code, and so are codes with the GUID of
   one of ours, whatever the file names them (:mod:`refi_match`: renamed in another
   program; the warnings say so); only new ones are added. Names
   such as ATLAS.ti's ``parent::child`` become parent and child codes unless
   ``split_hierarchy=False`` (each split is listed in the report's ``split``);
3. every user becomes a coder, with or without codings (but the system user of the
   workbench's own files);
4. each coding of a text selection becomes one coding of the selected range of the
   document, whole, however many sentences and turns it covers (those covering more than
   one segment are counted in ``across_segments``); on a verbatim source it keeps exactly
   the selected characters; a selection of only white space (or, with speaker detection,
   a speaker label) is skipped. Memos come from the selection's description and the notes
   attached to the selection or the coding. A coder has a code on a range once: a second
   identical coding is skipped, and codings already in the project are left as they are,
   so importing the same file twice changes nothing;
5. notes attached to a source, a code or nothing become document, code and project memos of
   their authors (counted in ``memos``). A memo the project already holds (a coder has one
   per target, and one per coding) is never replaced: the file's paragraphs it does not
   hold yet are appended (:func:`merge_memo`) and the report lists it in ``memos_merged``;
6. the GUIDs of the documents, users and new codes and themes, and the descriptions of the
   new codes and themes, are stored as :class:`~workbench.model.RefiIdentity` rows (an
   identity already stored is kept) so that :func:`~workbench.interop.export_qdpx` writes
   them back unchanged; each ``Set`` is listed in the report's ``sets`` with its members
   and kept as a named set (exported again as a ``Set``).
"""

from __future__ import annotations

import bisect
import re
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from workbench.coder_identity import inert
from workbench.errors import ImportFormatError, NotFoundError
from workbench.importing.importer import Progress
from workbench.interop._refi import make_guid
from workbench.interop.refi_codebook import CodesImport, QdcImport, keep_sets, read_qdc_file
from workbench.interop.refi_match import match_known_codes
from workbench.interop.refi_read import MemoNote, ReadProject, ReadSource, read_project
from workbench.interop.safe_zip import MAX_TOTAL_BYTES, SafeZip
from workbench.model import CaseAttributes, Codebook, ImportReport, RefiIdentity, SegmentUnit
from workbench.project import Project

RangeItem = tuple[str, int, int, str, str, str]
"""``(document, start, end, code, coder, memo)``, as :meth:`Project.apply_ranges` takes."""

__all__ = ["SYSTEM_USER_GUID", "RefiImportReport", "import_qdc", "import_qdpx", "keep_shortcuts"]

SYSTEM_USER_GUID = make_guid("user", "system")
"""The GUID of the workbench's own user in exported files (never imported as a coder)."""
FALLBACK_CODER = "imported"


@dataclass(frozen=True)
class RefiImportReport:
    """What importing a ``.qdpx`` did, and everything in it that was not imported."""

    path: str
    origin: str
    documents: tuple[ImportReport, ...] = ()
    codes_added: tuple[str, ...] = ()
    coders: tuple[str, ...] = ()
    codings: int = 0
    """Codings of the file placed on the documents (new or already in the project)."""
    codings_new: int = 0
    across_segments: int = 0
    """Selections (kept whole) that cover more than one segment."""
    memos: int = 0
    """Project, document and code memos imported (coding memos go with the codings)."""
    memos_merged: tuple[str, ...] = ()
    """Memos the project already had that the file's notes were added to (nothing the
    project held is replaced: the new paragraphs are appended), one line each."""
    skipped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    split: tuple[str, ...] = ()
    """Code names split into a parent and a child (``parent::child``)."""
    sets: tuple[str, ...] = ()
    """Each ``Set`` of the file and what it held."""

    def summary(self) -> str:
        """A few lines for people: counts, then every skipped item and warning."""
        lines = [
            f"{self.path}: from {self.origin or 'an unnamed program'}",
            f"  documents: {len(self.documents)} "
            f"({', '.join(f'{r.document} {r.status}' for r in self.documents) or '-'})",
            f"  codes added: {len(self.codes_added)}; coders: {', '.join(self.coders) or '-'}",
            f"  codings: {self.codings} placed, {self.codings_new} new; memos: {self.memos}"
            + (f", {self.across_segments} selection(s) across several segments (kept whole)"
               if self.across_segments else ""),
        ]
        lines += [f"  memo merged: {item}" for item in self.memos_merged]
        lines += [f"  split: {item}" for item in self.split]
        lines += [f"  set: {item}" for item in self.sets]
        lines += [f"  not imported: {item}" for item in self.skipped]
        lines += [f"  warning: {item}" for item in self.warnings]
        return "\n".join(lines)


def import_qdpx(
    project: Project,
    path: str | Path,
    *,
    unit: SegmentUnit | None = None,
    attributes: Mapping[str, CaseAttributes] | None = None,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    progress: Progress = False,
    detect_speakers: bool = False,
    split_hierarchy: bool = True,
) -> RefiImportReport:
    """Import a REFI-QDA ``.qdpx`` file into ``project`` (see the module docstring).

    ``unit`` is the unit of coding for new documents (default: what the workbench export
    recorded, else ``"sentence"``); ``attributes`` maps document names to case attributes
    that replace the ones read from the file. Text from other tools is stored verbatim;
    ``detect_speakers=True`` reads it as a transcript instead (``Name:`` labels become
    speakers and leave the text; see :func:`~workbench.interop.refi_speakers.preview_speakers`
    for what that would do). ``split_hierarchy=False`` keeps code names such as
    ``parent::child`` as they are (by default they become a parent and a child code).
    The archive is checked before anything is read (see :mod:`safe_zip`);
    :class:`ImportFormatError` when it is unusable. Everything is stored in one
    transaction: an exception leaves the project as it was.
    """
    read = read_qdpx(path, max_total_bytes=max_total_bytes, detect_speakers=detect_speakers,
                     split_hierarchy=split_hierarchy)
    with project.atomic():  # all or nothing: any failure leaves the project as it was
        return _Importer(project, read, str(path)).run(unit, attributes or {}, progress)


def import_qdc(project: Project, path: str | Path, *, split_hierarchy: bool = True,
               retire_missing: bool = False) -> QdcImport:
    """Load a REFI-QDA ``.qdc`` as the project's codebook (as
    :meth:`Project.load_codebook` loads a YAML file) and keep the GUIDs, descriptions and
    sets of its codes for export (see :mod:`refi_codebook`). ``split_hierarchy=False``
    keeps ``parent::child`` names as they are. The result's ``version`` is the codebook
    version; its ``summary()`` lists the splits, sets and warnings. The codebook and the
    identities are stored in one transaction. REFI-QDA has no shortcut field: a code the
    project already has (the same key: the workbench's own footer key, else the key made
    from the name) keeps its palette shortcut (:func:`keep_shortcuts`); a new code has
    none. A code with the GUID of one of ours is that code, whatever the file names it
    (:mod:`refi_match`): a new name renames it, its key and codings stay."""
    read = read_qdc_file(path, split_hierarchy=split_hierarchy)
    try:
        current: Codebook | None = project.codebook
    except NotFoundError:
        current = None
    matched, notes = match_known_codes(
        CodesImport(read.codebook, keys=read.keys, identities=read.identities), current,
        project.refi_identities(), str(path), loads=True)
    read.codebook, read.keys, read.identities = matched.codebook, matched.keys, \
        matched.identities
    read.warnings += notes
    keys = set(read.codebook.keys)
    themes = {t.key for t in read.codebook.themes}
    with project.atomic():  # the codebook and its identities, or neither
        read.codebook = keep_shortcuts(project, read.codebook)
        read.version = project.load_codebook(read.codebook, retire_missing=retire_missing)
        project.record_refi_identities(
            i for i in read.identities
            if i.kind == "set" or (i.kind == "code" and i.key in keys)
            or (i.kind == "theme" and i.key in themes))
    return read


def keep_shortcuts(project: Project, codebook: Codebook) -> Codebook:
    """``codebook`` (read from a REFI-QDA file, which has no shortcut field) with the palette
    shortcut each of its codes has in ``project`` already: a code of the current codebook
    with the same key keeps its shortcut, a retired code coming back gets the one it had
    unless a code of ``codebook`` holds it; a code new to the project has none (or the one
    ``codebook`` gives it)."""
    try:
        current = project.codebook
    except NotFoundError:
        return codebook
    live = {c.key: c.shortcut for c in current.codes if c.shortcut}
    retired = project.retired_codes()
    old = {str(k): str(v) for k, v in zip(retired["code"], retired["shortcut"], strict=True)
           if v and k not in live}
    codes = [replace(c, shortcut=live[c.key]) if not c.shortcut and c.key in live else c
             for c in codebook.codes]
    taken = {c.shortcut for c in codes if c.shortcut}
    for i, code in enumerate(codes):
        had = old.get(code.key, "")
        if not code.shortcut and had and had not in taken:
            codes[i] = replace(code, shortcut=had)
            taken.add(had)
    return replace(codebook, codes=tuple(codes))


def read_qdpx(path: str | Path, *, max_total_bytes: int = MAX_TOTAL_BYTES,
              detect_speakers: bool = False, split_hierarchy: bool = True) -> ReadProject:
    """Read a ``.qdpx`` (or a bare ``.qde`` beside its ``sources/`` folder) without storing
    anything (see :func:`import_qdpx`)."""
    path = Path(path)
    if path.suffix.lower() == ".qde":  # a bare project file with its sources/ folder beside it
        with tempfile.TemporaryDirectory() as folder:
            packed = _pack_qde(path, Path(folder) / "project.qdpx", max_total_bytes)
            with SafeZip(packed, max_total=max_total_bytes) as archive:
                return read_project(archive, str(path), detect_speakers=detect_speakers,
                                    split_hierarchy=split_hierarchy)
    with SafeZip(path, max_total=max_total_bytes) as archive:
        return read_project(archive, str(path), detect_speakers=detect_speakers,
                            split_hierarchy=split_hierarchy)


def _pack_qde(qde: Path, target: Path, max_total_bytes: int) -> Path:
    """Put a bare ``.qde`` and the files of the ``sources/`` folder beside it into a zip,
    so that it is read exactly as a ``.qdpx`` (with the same limits)."""
    if not qde.is_file():
        raise NotFoundError(f"{qde}: no such file.")
    files = [qde, *sorted(p for p in (qde.parent / "sources").rglob("*") if p.is_file())]
    total = sum(p.stat().st_size for p in files)
    if total > max_total_bytes:
        raise ImportFormatError(f"{qde}: the project and its sources/ folder hold {total:,} "
                                f"bytes, more than the limit of {max_total_bytes:,}.")
    with zipfile.ZipFile(target, "w") as archive:
        archive.write(qde, "project.qde")
        for file in files[1:]:
            archive.write(file, f"sources/{file.relative_to(qde.parent / 'sources').as_posix()}")
    return target


class _Importer:
    def __init__(self, project: Project, read: ReadProject, where: str):
        self.project = project
        self.read = read
        self.where = where
        self.skipped = list(read.skipped)
        self.warnings = list(read.warnings)
        self.merged: list[str] = []

    def run(
        self, unit: SegmentUnit | None, attributes: Mapping[str, CaseAttributes],
        progress: Progress
    ) -> RefiImportReport:
        sources = self._unique_names(self.read.sources)
        documents = self._documents(sources, unit, attributes, progress)
        self._match_known_codes()
        added, themes_added = self._codebook()
        coder_of = _CoderNames(self.read.users)
        items, across = self._codings(sources, coder_of)
        users = [g for g in self.read.users
                 if not (self.read.from_workbench and g == SYSTEM_USER_GUID)]
        coders = sorted({item[4] for item in items} | {coder_of(g) for g in users})
        for name in coders:
            self.project.add_coder(name)
        new = self._apply(items)
        memos = self._memos(sources, coder_of)
        merged = tuple(self.merged)
        sets = self._identities(sources, added, themes_added, users, coder_of)
        return RefiImportReport(
            path=self.where, origin=self.read.origin, documents=tuple(documents),
            codes_added=tuple(added), coders=tuple(coders), codings=len(items),
            codings_new=new, across_segments=across, memos=memos, skipped=tuple(self.skipped),
            warnings=tuple(self.warnings), split=tuple(self.read.codes.split),
            sets=tuple(sets), memos_merged=merged,
        )

    def _identities(self, sources: list[ReadSource], codes: list[str], themes: list[str],
                    users: list[str], coder_of: _CoderNames) -> list[str]:
        """Store what an export needs to give the new objects back (GUIDs, descriptions,
        sets); returns the report lines of the sets."""
        raw = self.read.raw_guids
        keep = [i for i in self.read.codes.identities
                if (i.kind == "code" and i.key in codes)
                or (i.kind == "theme" and i.key in themes)]
        keep += [RefiIdentity("document", s.text.transcript.name, raw.get(s.guid) or None)
                 for s in sources]
        keep += [RefiIdentity("user", coder_of(g), raw.get(g) or None) for g in users]
        names = {s.guid: s.text.transcript.name for s in sources}
        sets, lines = keep_sets(self.read.sets, self.read.codes.keys, self.read.codes.folders,
                                names, self.where, self.read.source_names)
        self.project.record_refi_identities(keep + sets)
        return lines

    def _unique_names(self, sources: list[ReadSource]) -> list[ReadSource]:
        seen: set[str] = set()
        out = []
        for source in sources:
            name, number = source.text.transcript.name, 2
            while name in seen:
                name = f"{source.text.transcript.name} ({number})"
                number += 1
            if name != source.text.transcript.name:
                self.warnings.append(f"{self.where}: two sources are called "
                                     f"{source.text.transcript.name!r}; the second is {name!r}.")
                transcript = replace(source.text.transcript, name=name)
                source = replace(source, text=replace(source.text, transcript=transcript))
            seen.add(name)
            out.append(source)
        return out

    def _documents(
        self,
        sources: list[ReadSource],
        unit: SegmentUnit | None,
        attributes: Mapping[str, CaseAttributes],
        progress: Progress,
    ) -> list[ImportReport]:
        groups: dict[SegmentUnit, list[ReadSource]] = {}
        for source in sources:
            given = attributes.get(source.text.transcript.name)
            if given is not None:
                transcript = replace(source.text.transcript, attributes=given)
                source.text = replace(source.text, transcript=transcript)
            elif source.attribute_note:
                self.warnings.append(source.attribute_note)
            groups.setdefault(unit or source.unit or "sentence", []).append(source)
        reports: dict[str, ImportReport] = {}
        for group_unit, group in groups.items():
            done = self.project.import_parsed([s.text.transcript for s in group],
                                              unit=group_unit, progress=progress)
            reports.update((r.document, r) for r in done)
        return [reports[s.text.transcript.name] for s in sources]

    def _match_known_codes(self) -> None:
        """Codes of the file with one of our codes' GUIDs are those codes (renamed in
        another program): see :mod:`workbench.interop.refi_match`."""
        try:
            existing: Codebook | None = self.project.codebook
        except NotFoundError:
            existing = None
        codes, notes = match_known_codes(self.read.codes, existing,
                                         self.project.refi_identities(), self.where)
        self.read.codes = codes
        self.warnings += notes

    def _codebook(self) -> tuple[list[str], list[str]]:
        imported = self.read.codes.codebook
        try:
            existing: Codebook | None = self.project.codebook
        except NotFoundError:
            existing = None
        if existing is None:
            if imported.codes or imported.themes:
                self.project.load_codebook(imported)
            return list(imported.keys), [t.key for t in imported.themes]
        theme_keys = {t.key for t in existing.themes}
        code_of = {c.key: c for c in existing.codes}
        themes = list(existing.themes) + [t for t in imported.themes if t.key not in theme_keys]
        new = []
        for code in imported.codes:
            if code.key in code_of:
                continue
            parent = code_of.get(code.parent or "")
            new.append(code if parent is None else replace(code, theme=parent.theme))
            code_of[code.key] = new[-1]
        if not new and len(themes) == len(existing.themes):
            return [], []
        used = {c.theme for c in new} | theme_keys
        merged = replace(existing, themes=tuple(t for t in themes if t.key in used),
                         codes=(*existing.codes, *new))
        self.project.load_codebook(keep_shortcuts(self.project, merged))
        return [c.key for c in new], [t.key for t in merged.themes if t.key not in theme_keys]

    def _codings(
        self, sources: list[ReadSource], coder_of: _CoderNames
    ) -> tuple[list[RangeItem], int]:
        """One range coding per (selection, coding of it): the selection's whole range on
        the canonical text, however many sentences and turns it covers. Returns the items
        and how many selections cover more than one segment."""
        keys = self.read.codes.keys
        folders = self.read.codes.folders
        fallback = self.read.creating_user
        items: list[RangeItem] = []
        taken: set[tuple[str, int, int, str, str]] = set()
        across = 0
        for source in sources:
            name = source.text.transcript.name
            text = source.text.transcript.text
            frame = self.project.segments(document=name, with_attributes=False)
            starts = frame["start"].tolist()
            ends = frame["end"].tolist()
            for selection in source.selections:
                what = f"{self.where}: {name!r}: selection {selection.name[:40]!r}"
                lo, hi = source.text.document_range(selection.start, selection.end)
                first = max(bisect.bisect_right(starts, lo) - 1, 0)
                touched = [i for i in range(first, bisect.bisect_left(starts, hi))
                           if text[max(lo, starts[i]):min(hi, ends[i])].strip()]
                if lo >= hi or not touched:
                    self.skipped.append(f"{what} covers no segment text (only white space or "
                                        "speaker labels); not imported.")
                    continue
                across += len(touched) > 1
                if cut := source.text.removed(selection.start, selection.end):
                    self.warnings.append(
                        f"{what}: speaker detection cut {', '.join(repr(c[2]) for c in cut)} "
                        f"out of it; its codings hold {text[lo:hi][:80]!r}. Import without "
                        "detect_speakers to keep the selection whole.")
                for code_guid, user, memo in selection.codings:
                    key = keys.get(code_guid)
                    if key is None:
                        folder = folders.get(code_guid)
                        why = (f"code folder {folder!r}, which is not a code here"
                               if folder is not None else f"an unknown code ({code_guid})")
                        self.skipped.append(f"{what} is coded with {why}; not imported.")
                        continue
                    coder = coder_of(user or fallback)
                    item = (name, lo, hi, key, coder)
                    if item in taken:
                        self.skipped.append(f"{what}: {coder} already has code {key!r} on "
                                            "exactly that text.")
                        continue
                    taken.add(item)
                    items.append((*item, memo))
        return items, across

    def _memos(self, sources: list[ReadSource], coder_of: _CoderNames) -> int:
        """Write the notes attached to sources, codes and nothing as document, code and
        project memos of their authors (several notes by one author on one target are
        joined, since a coder has one memo per target)."""
        wanted: dict[tuple[str, str, str], list[str]] = {}
        fallback = self.read.creating_user

        def add(kind: str, key: str, notes: list[MemoNote]) -> None:
            for note in notes:
                coder = coder_of(note.user or fallback)
                wanted.setdefault((coder, kind, key), []).append(note.text.strip())

        for source in sources:
            add("document", source.text.transcript.name, source.memos)
        for guid, notes in self.read.code_memos.items():
            key = self.read.codes.keys.get(guid)
            if key is not None:
                add("code", key, notes)
        add("project", "", self.read.project_memos)
        stored = self.project.memos()
        held = {(str(r.coder), str(r.target_kind), str(r.target_key)): str(r.text)
                for r in stored.itertuples()}
        for (coder, kind, key), texts in wanted.items():
            self.project.add_coder(coder)
            incoming = "\n\n".join(dict.fromkeys(texts))
            before = held.get((coder, kind, key), "")
            text = merge_memo(before, incoming)
            if text == before:
                continue
            if before.strip():
                self.merged.append(f"{inert(coder)}'s {kind} memo"
                                   + (f" on {inert(key)}" if key else ""))
            self.project.write_memo(coder, kind, key, text)
        return len(wanted)

    def _apply(self, items: list[RangeItem]) -> int:
        if not items:
            return 0
        existing = self.project.codings(with_attributes=False)
        have: dict[tuple[object, ...], tuple[str, str]] = {
            (doc, start, end, code, coder): (str(uuid), "" if pd.isna(memo) else str(memo))
            for doc, start, end, code, coder, uuid, memo in zip(
                existing["document"], existing["start"].astype(int),
                existing["end"].astype(int), existing["code"], existing["coder"],
                existing["coding_uuid"], existing["memo"], strict=True)}
        todo = [item for item in items if item[:5] not in have]
        for item in items:  # a coding already there keeps its memo, the file's is added
            held = have.get(item[:5])
            if held is None or not item[5].strip():
                continue
            uuid, before = held
            text = merge_memo(before, item[5])
            if text != before:
                if before.strip():
                    self.merged.append(f"{inert(item[4])}'s memo on the {item[3]} coding "
                                       f"{item[1]}..{item[2]} of {inert(item[0])}")
                self.project.set_coding_memo(uuid, text, coder=item[4])
                have[item[:5]] = (uuid, text)
        if todo:
            self.project.apply_ranges(todo)
        return len(todo)


def merge_memo(held: str, incoming: str) -> str:
    """``held`` with the paragraphs of ``incoming`` it does not already hold appended
    (paragraphs are separated by blank lines; compared with surrounding spaces stripped),
    so importing the same file twice changes nothing and no stored text is lost."""
    if not incoming.strip():
        return held
    if not held.strip():
        return incoming
    have = {p.strip() for p in re.split(r"\n\s*\n", held)}
    new = [p.strip() for p in re.split(r"\n\s*\n", incoming)
           if p.strip() and p.strip() not in have]
    if not new:
        return held
    return held.rstrip() + "".join("\n\n" + p for p in dict.fromkeys(new))


class _CoderNames:
    """User GUID -> coder name: the user's name, made unique; ``user XXXXXXXX`` without one."""

    def __init__(self, users: Mapping[str, str]):
        self.names: dict[str, str] = {}
        taken: set[str] = set()
        for guid, name in users.items():
            name = name or f"user {guid[:8]}"
            if name in taken:
                name = f"{name} ({guid[:8]})"
            taken.add(name)
            self.names[guid] = name

    def __call__(self, guid: str) -> str:
        if not guid:
            return FALLBACK_CODER
        return self.names.get(guid) or f"user {guid[:8]}"
