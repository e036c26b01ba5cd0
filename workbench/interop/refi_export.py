"""Export a project as a REFI-QDA 1.5 ``.qdpx`` (``project.qde`` + ``sources/<GUID>.txt``).

Mapping (:mod:`refi_import` reverses it exactly for files the workbench wrote):

* **documents** -> ``TextSource`` whose internal file is the document text, UTF-8 without
  BOM; its ``Description`` records the unit of coding and the interviewer speakers, and
  whether the text is a canonical transcript or a verbatim source (a document imported
  from another tool's file, :mod:`refi_text`, whose text is written back exactly as it was
  read: the same bytes for a UTF-8 source without BOM);
* **codebook** -> ``CodeBook`` (themes are non-codable top-level codes; see
  :mod:`refi_codebook`); codes retired from the codebook that still have codings go under
  a non-codable folder "Retired codes" so every ``CodeRef`` resolves;
* **coders** -> ``User`` (plus one system user, the project's creating user);
* **codings** -> one ``PlainTextSelection`` per coding, ``startPosition``/``endPosition``
  being character offsets into the document text (end exclusive), holding one ``Coding``
  whose ``creatingUser`` is the coder; a memo is a ``Note`` referenced from the selection
  (document and code memos: from the ``TextSource`` and the ``Code``; project memos: a
  ``Note`` referenced from nothing);
* **case attributes** -> a ``Variable`` per attribute (``session`` Integer,
  ``interview_date`` Date, the rest Text) and one ``Case`` per document with its values
  and a ``SourceRef``;
* the project ``Description`` starts with ``Codebook: NAME`` then the codebook description.

GUIDs derive from names and keys, so exporting the same project twice gives the same GUIDs;
documents, codes, themes and users that came from a REFI-QDA import keep the GUIDs of that
file (:meth:`Project.refi_identities`; a GUID another object of the export already took
falls back to the derived one), imported codes keep their ``Description`` as read, and the
imported sets come back as ``Sets`` (see :mod:`refi_codebook`). Every coder is a ``User``,
with or without codings. The audit trail is not exported.

With ``consensus=True`` the consensus layer (:func:`workbench.consensus.consensus_codings`
of every registered coder) is exported too, as the codings of one more ``User`` named
``consensus`` whose GUID derives from that name in a namespace of its own (never a
registered coder's): one ``PlainTextSelection`` per consensus coding, the decision's reason
as its note. A project with a coder registered as "consensus" is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
from lxml import etree

from workbench.errors import ConsensusError, NotFoundError
from workbench.interop._refi import ORIGIN, PROJECT_NS, make_guid, xml_text
from workbench.interop.positions import POSITION_UNITS, UTF16_NOTE, PositionUnit, to_unit
from workbench.interop.refi_codebook import code_guid, codes_element, export_guid, sets_element
from workbench.interop.refi_import import SYSTEM_USER_GUID
from workbench.interop.refi_text import VERBATIM_SPEAKER, describe_document
from workbench.model import Code, Codebook, Theme
from workbench.parsing.attributes import STANDARD_KEYS
from workbench.project import Project

__all__ = ["build_project_xml", "export_qdpx"]

_Q = f"{{{PROJECT_NS}}}"
SYSTEM_USER_NAME = "IPR workbench"
_RETIRED = Theme("retired_codes", "Retired codes",
                 "Codes removed from the codebook that still have codings.", "#999999")
_VARIABLE_TYPES = {"session": "Integer", "interview_date": "Date"}


def _sub(parent: etree._Element, tag: str, text: str | None = None,
         **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _Q + tag, **attributes)
    if text is not None:
        element.text = xml_text(text)
    return element


def _stamp(value: object) -> str:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def _value_text(name: str, value: Any) -> str:
    if name == "session":
        return str(int(value))
    if name == "interview_date":
        if isinstance(value, dt.datetime | pd.Timestamp):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)[:10]
    return str(value)


def _codebook(project: Project, codings: pd.DataFrame) -> Codebook | None:
    try:
        codebook: Codebook | None = project.codebook
    except NotFoundError:
        codebook = None
    known = set(codebook.keys) if codebook is not None else set()
    retired = codings[~codings["code"].isin(known)].drop_duplicates("code")
    if retired.empty:
        return codebook
    extra = tuple(Code(row.code, row.code_name, _RETIRED.key,
                       "(retired: no longer in the codebook)", "#999999")
                  for row in retired.itertuples())
    if codebook is None:
        return Codebook("Retired codes", (_RETIRED,), extra)
    return Codebook(codebook.name, (*codebook.themes, _RETIRED), (*codebook.codes, *extra),
                    codebook.description)


def _unit(project: Project, document: str) -> tuple[str, list[str], bool]:
    """``(unit of coding, interviewer speakers, verbatim)`` of a stored document."""
    turns = project.turns(document)
    segments = project.segments(document=document, with_attributes=False)
    same = len(turns) == len(segments) and all(
        (a, b) == (c, d) for a, b, c, d in zip(turns["start"], turns["end"], segments["start"],
                                               segments["end"], strict=True))
    interviewers = sorted(set(turns.loc[turns["role"] == "interviewer", "speaker"]))
    verbatim = len(turns) > 0 and bool((turns["speaker"] == VERBATIM_SPEAKER).all())
    return ("turn" if same else "sentence"), interviewers, verbatim


def _document_guid(name: str, text: str) -> str:
    return make_guid("document", name, hashlib.sha256(text.encode("utf-8")).hexdigest())


#: GUID of the ``consensus`` user of an export with ``consensus=True``.
CONSENSUS_USER_GUID = make_guid("consensus-layer", "consensus")


def _consensus_codings(project: Project) -> pd.DataFrame:
    from workbench.consensus import CONSENSUS_CODER, consensus_codings

    if CONSENSUS_CODER in project.coders():
        raise ConsensusError(
            f"a coder is registered as {CONSENSUS_CODER!r}, the name of the consensus user; "
            "export without consensus=True and write the consensus table with "
            "workbench.interop.export_consensus instead.")
    return consensus_codings(project, with_attributes=False)


def build_project_xml(project: Project, name: str, *, positions: PositionUnit = "codepoint",
                      consensus: bool = False) -> tuple[etree._Element, dict[str, str]]:
    """The ``<Project>`` element and the source texts by GUID (see the module docstring).

    With ``positions="utf16"`` the origin says so, so that the workbench reads the file back
    right (NVivo ignores the origin). ``consensus=True`` adds the consensus user and its
    selections.
    """
    codings = project.codings(with_attributes=False)
    if consensus:
        layer = _consensus_codings(project)
        codings = pd.concat([codings, layer[[c for c in codings.columns if c in layer.columns]]],
                            ignore_index=True)
    codebook = _codebook(project, codings)
    identities = project.refi_identities()
    used = {SYSTEM_USER_GUID}
    now = _stamp(dt.datetime.now(dt.UTC))
    root = etree.Element(_Q + "Project", nsmap={None: PROJECT_NS}, name=xml_text(name),
                         origin=ORIGIN if positions == "codepoint" else f"{ORIGIN} ({UTF16_NOTE})",
                         creatingUserGUID=SYSTEM_USER_GUID,
                         creationDateTime=now, modifiedDateTime=now)
    users = _sub(root, "Users")
    _sub(users, "User", guid=SYSTEM_USER_GUID, name=SYSTEM_USER_NAME)
    user_guid = {}
    for coder in project.coders():
        user_guid[coder] = export_guid(identities.get(("user", coder)),
                                       make_guid("user", coder), used)
        _sub(users, "User", guid=user_guid[coder], name=xml_text(coder))
    if consensus:
        from workbench.consensus import CONSENSUS_CODER

        user_guid[CONSENSUS_CODER] = CONSENSUS_USER_GUID
        used.add(CONSENSUS_USER_GUID)
        _sub(users, "User", guid=CONSENSUS_USER_GUID, name=CONSENSUS_CODER)
    code_guids: dict[str, str] = {}
    if codebook is not None and (codebook.themes or codebook.codes):
        codes = codes_element(codebook, PROJECT_NS, identities, coded=set(codings["code"]),
                              used=used, guids=code_guids)
        if len(codes):
            _sub(root, "CodeBook").append(codes)
    cases = project.cases()
    texts = {doc: project.document_text(doc) for doc in project.documents()}
    guids = {doc: export_guid(identities.get(("document", doc)), _document_guid(doc, text),
                              used) for doc, text in texts.items()}
    _cases(root, cases, guids)
    notes: list[tuple[str, str, str, str]] = []
    by_document = dict(tuple(codings.groupby("document"))) if len(codings) else {}
    sources = _sub(root, "Sources") if texts else root
    source_of: dict[str, etree._Element] = {}
    for doc in texts:
        unit, interviewers, verbatim = _unit(project, doc)
        source = _sub(sources, "TextSource", guid=guids[doc], name=xml_text(doc),
                      plainTextPath=f"internal://{guids[doc]}.txt",
                      creatingUser=SYSTEM_USER_GUID)
        _sub(source, "Description", describe_document(unit, interviewers, verbatim=verbatim))
        frame = by_document.get(doc)
        for row in [] if frame is None else frame.sort_values(["start", "end"]).itertuples():
            _selection(source, row, user_guid, notes, texts[doc], positions, code_guids)
        source_of[doc] = source
    _memo_notes(project, root, source_of, user_guid, notes, code_guids)
    if notes:
        holder = _sub(root, "Notes")
        for guid, title, creator, memo in notes:
            note = _sub(holder, "Note", guid=guid, name=xml_text(title), creatingUser=creator)
            _sub(note, "PlainTextContent", memo)
    sets = sets_element(identities, PROJECT_NS, code_guids, guids, used)
    if sets is not None:
        root.append(sets)
    if codebook is not None:
        description = f"Codebook: {codebook.name}"
        if codebook.description:
            description += "\n" + codebook.description
        _sub(root, "Description", description)
    return root, {guids[doc]: text for doc, text in texts.items()}


def _memo_notes(project: Project, root: etree._Element, source_of: dict[str, etree._Element],
                user_guid: dict[str, str], notes: list[tuple[str, str, str, str]],
                code_guids: dict[str, str]) -> None:
    """Project, document and code memos as ``Note``s: a document memo is referenced from its
    ``TextSource``, a code memo from its ``Code``, a project memo from nothing (as REFI-QDA
    keeps project notes). A segment memo becomes a note naming the segment."""
    code_el = {el.get("guid"): el for el in root.iter(_Q + "Code")}
    for memo in project.memos().itertuples():
        creator = user_guid.get(memo.coder) or make_guid("user", memo.coder)
        guid = make_guid("note", memo.memo_uuid)
        holder: etree._Element | None = None
        if memo.target_kind == "document":
            holder = source_of.get(memo.target_key)
            title = f"Memo by {memo.coder} on {memo.target_key}"
        elif memo.target_kind == "code":
            holder = code_el.get(code_guids.get(memo.target_key, code_guid(memo.target_key)))
            title = f"Memo by {memo.coder} on code {memo.target_key}"
        elif memo.target_kind == "segment":
            title = f"Memo by {memo.coder} on segment {memo.target_key}"
        else:
            title = f"Project memo by {memo.coder}"
        if holder is not None:
            ref = etree.Element(_Q + "NoteRef", targetGUID=guid)
            after = [i for i, c in enumerate(holder) if isinstance(c.tag, str)
                     and etree.QName(c).localname in ("Description", "PlainTextContent",
                                                      "PlainTextSelection", "Coding",
                                                      "NoteRef")]
            holder.insert(after[-1] + 1 if after else 0, ref)
        notes.append((guid, title, creator, str(memo.text)))


def _selection(source: etree._Element, row: Any, user_guid: dict[str, str],
               notes: list[tuple[str, str, str, str]], text: str,
               positions: PositionUnit, code_guids: dict[str, str]) -> None:
    creator = user_guid.get(row.coder) or make_guid("user", row.coder)
    stamp = _stamp(row.created_at)
    start, end = to_unit(text, [int(row.start), int(row.end)], positions)
    selection = _sub(source, "PlainTextSelection", guid=make_guid("selection", row.coding_uuid),
                     name=xml_text(row.text[:200]), startPosition=str(start),
                     endPosition=str(end), creatingUser=creator,
                     creationDateTime=stamp)
    coding = _sub(selection, "Coding", guid=make_guid("coding", row.coding_uuid),
                  creatingUser=creator, creationDateTime=stamp)
    _sub(coding, "CodeRef", targetGUID=code_guids.get(row.code, code_guid(row.code)))
    if isinstance(row.memo, str) and row.memo:
        guid = make_guid("note", row.coding_uuid)
        _sub(selection, "NoteRef", targetGUID=guid)
        notes.append((guid, f"Memo by {row.coder} on {row.code}", creator, row.memo))


def _cases(root: etree._Element, cases: pd.DataFrame, guids: dict[str, str]) -> None:
    if cases.empty:
        return
    names = [c for c in STANDARD_KEYS if c in cases.columns]
    names += [c for c in cases.columns if c not in names and c != "document"]
    variables = _sub(root, "Variables")
    variable_guid = {}
    for name in names:
        variable_guid[name] = make_guid("variable", name)
        _sub(variables, "Variable", guid=variable_guid[name], name=xml_text(name),
             typeOfVariable=_VARIABLE_TYPES.get(name, "Text"))
    holder = _sub(root, "Cases")
    for row in cases.to_dict("records"):
        document = row["document"]
        case = _sub(holder, "Case", guid=make_guid("case", document), name=xml_text(document))
        for name in names:
            if _missing(row[name]):
                continue
            value = _sub(case, "VariableValue")
            _sub(value, "VariableRef", targetGUID=variable_guid[name])
            kind = _VARIABLE_TYPES.get(name, "Text")
            _sub(value, f"{kind}Value", _value_text(name, row[name]))
        _sub(case, "SourceRef", targetGUID=guids[document])


def export_qdpx(project: Project, path: str | Path, *, name: str | None = None,
                positions: PositionUnit = "codepoint", consensus: bool = False) -> Path:
    """Write ``project`` as a REFI-QDA ``.qdpx`` (validated against Project.xsd first).

    ``name`` is the REFI project name (default: the file name without extension).
    ``positions`` is how selection positions are counted: ``"codepoint"`` (the default:
    ATLAS.ti, QualCoder, MAXQDA and the workbench read these) or ``"utf16"`` (UTF-16 code
    units, as NVivo reads and writes them; see :mod:`workbench.interop.positions`). The file
    is written through a temporary file, so a failed export leaves no half-written file.
    ``consensus=True`` adds the consensus layer as the codings of a user ``consensus``
    (see the module docstring).
    """
    from workbench.interop.xml_safety import schema_errors

    path = Path(path)
    if positions not in POSITION_UNITS:
        raise ValueError(f"positions must be one of {list(POSITION_UNITS)}, not {positions!r}.")
    root, sources = build_project_xml(project, name or path.stem, positions=positions,
                                      consensus=consensus)
    problems = schema_errors(root, "project")
    if problems:  # pragma: no cover - a bug in this module, not a user error
        raise RuntimeError("the exported project.qde does not validate: " + "; ".join(problems))
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("project.qde", data)
            for guid, text in sources.items():
                archive.writestr(f"sources/{guid}.txt", text.encode("utf-8"))
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
