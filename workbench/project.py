"""The Python API: a :class:`Project` holds transcripts, a codebook, coders and codings.

Everything a notebook, widget or the CLI does goes through this class; it calls the parsing,
segmentation and storage layers and returns dataclasses or tidy DataFrames.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Literal, TypeVar

import pandas as pd
from sqlalchemy import Connection, Table

from workbench.analysis.overlap import segment_view, touched_segments
from workbench.errors import (
    CodingRangeError,
    ConflictError,
    CoverageError,
    NotFoundError,
    NotPermittedError,
    StaleError,
    UnknownCodeError,
    UnknownCoderError,
    UsageError,
    WorkbenchError,
    clip,
    suggest,
)
from workbench.importing.importer import Importer, Progress, StoreIn, bulk_work
from workbench.importing.reanchor import (
    Placement,
    coding_row_from_unanchored,
    unanchored_placements,
)
from workbench.model import (
    AppliedCoding,
    CaseAttributes,
    Code,
    Codebook,
    Coding,
    ImportReport,
    MergeReport,
    OverlapRule,
    ParsedTranscript,
    RefiIdentity,
    Segment,
    SegmentUnit,
)
from workbench.parsing.codebook_yaml import load_codebook_file
from workbench.storage import codebook_ops as ops
from workbench.storage import codings_store as cs
from workbench.storage import coverage_store as cov
from workbench.storage import queries
from workbench.storage.audit_log import audit_events, now, record
from workbench.storage.codebook_store import (
    current_codebook,
    current_version,
    save_codebook_version,
)
from workbench.storage.documents_store import (
    DocumentRow,
    document_by_name,
    document_name,
    document_source,
    highest_id,
    lock_document,
    lock_document_named,
    locked_segment_bounds,
    segment_by_id,
)
from workbench.storage.engine import Store, open_store
from workbench.storage.refi_store import read_identities, write_identities
from workbench.storage.schema import CODER_ROLES, COVERAGE_STATUSES, segments
from workbench.storage.settings_store import read_setting, write_setting

if TYPE_CHECKING:
    from workbench.consensus import Decision, DecisionKind

__all__ = ["Project", "create_project", "open_project"]

ConsensusInProgress = Literal["exclude", "include"]

_T = TypeVar("_T")

def create_project(target: str | Path) -> Project:
    """Create a new project: a SQLite file path or a ``postgresql+psycopg://`` URL."""
    return Project(open_store(target, create=True))


def open_project(target: str | Path) -> Project:
    """Open an existing project (migrating it to the current schema if needed)."""
    return Project(open_store(target, create=False))


class Project:
    """A coding project stored in SQLite or PostgreSQL."""

    def __init__(self, store: Store, *, actor: str = "system"):
        self.store = store
        self.actor = actor
        self._code_ids: dict[str, int] | None = None
        self._coder_ids: dict[str, int] | None = None

    # -- lifecycle -------------------------------------------------------------------
    @property
    def location(self) -> str:
        """Path or URL of the project database."""
        return self.store.location

    def close(self) -> None:
        """Close the database connections."""
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Project {self.location}>"

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Run many project operations as one transaction: all of them are saved, or none.

        Every method called on this project in the same thread inside the block joins one
        database transaction (see :meth:`Store.atomic
        <workbench.storage.engine.Store.atomic>`): it commits when the block ends and is
        rolled back on any exception (including ``KeyboardInterrupt``), leaving the
        project exactly as it was. Imports inside store their documents in the calling
        thread. Warnings raised inside are held back and issued after the commit; after a
        rollback they are dropped, since what they describe was not saved. On SQLite the
        block holds the write lock throughout, so other writers wait for it (up to the busy
        timeout, then :class:`~workbench.errors.ConflictError`): keep it short. A nested
        block is a SAVEPOINT.
        """
        try:
            with warnings.catch_warnings(record=True) as held, self.store.atomic():
                yield
        finally:
            # Ids cached inside may belong to rows that were rolled back.
            self._code_ids = None
            self._coder_ids = None
        for w in held:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                                   source=w.source)

    # -- import ----------------------------------------------------------------------
    def import_transcripts(
        self,
        paths: Iterable[str | Path],
        *,
        unit: SegmentUnit = "sentence",
        attributes: Mapping[str, CaseAttributes] | None = None,
        roles: Mapping[str, str] | None = None,
        progress: Progress = True,
        store_in: StoreIn = "auto",
    ) -> list[ImportReport]:
        """Read, segment and store transcript files (any supported format).

        All files are read and checked before anything is stored, so a malformed file
        stops the import with nothing half-imported. ``attributes`` maps file names to
        case attributes for formats without front matter. Each document is stored in its
        own transaction; if one fails to store, the import stops and raises, and the
        documents before it are stored completely. ``store_in`` chooses where documents are
        stored while the next ones are segmented (see :class:`workbench.importing.importer.Importer`;
        the default picks a child process for large imports). Inside :meth:`atomic` the
        documents are stored in the calling thread as part of that one transaction.
        """
        from workbench.parsing.readers import read_transcript

        parsed: list[ParsedTranscript] = []
        with bulk_work():
            for path in paths:
                path = Path(path)
                attrs = None
                if attributes is not None:
                    attrs = attributes.get(path.name) or attributes.get(path.stem)
                parsed.append(read_transcript(path, attributes=attrs, roles=roles))
            return self.import_parsed(parsed, unit=unit, progress=progress, store_in=store_in)

    def import_parsed(
        self,
        transcripts: Sequence[ParsedTranscript],
        *,
        unit: SegmentUnit = "sentence",
        progress: Progress = True,
        store_in: StoreIn = "auto",
    ) -> list[ImportReport]:
        """Segment and store already parsed transcripts (see :meth:`import_transcripts`)."""
        return Importer(self.store, self.actor, store_in=store_in).run(
            transcripts, unit=unit, progress=progress
        )

    # -- codebook --------------------------------------------------------------------
    def load_codebook(
        self, source: str | Path | Codebook, *, retire_missing: bool = False,
        split_hierarchy: bool = True,
    ) -> int:
        """Load a codebook (YAML path, REFI-QDA ``.qdc`` path or :class:`Codebook`); returns
        its version id.

        Loading an unchanged codebook returns the current version and records nothing. A
        ``.qdc`` goes through :func:`workbench.interop.import_qdc`, which also keeps its
        GUIDs, descriptions and sets for export; ``split_hierarchy=False`` keeps its
        ``parent::child`` code names as they are.
        """
        if not isinstance(source, Codebook) and Path(source).suffix.lower() == ".qdc":
            from workbench.interop.refi_import import import_qdc

            return import_qdc(self, source, split_hierarchy=split_hierarchy,
                              retire_missing=retire_missing).version
        codebook = source if isinstance(source, Codebook) else load_codebook_file(source)
        label = "" if isinstance(source, Codebook) else str(source)
        with self.store.transaction() as conn:
            version, _created = save_codebook_version(
                conn, codebook, source=label, actor=self.actor, retire_missing=retire_missing,
                refuse_renames=True,
            )
        self._code_ids = None
        return version

    # -- codebook operations ---------------------------------------------------------
    # Each is one transaction: a new codebook version, the codings it moves and audit rows.
    def create_code(
        self, key: str, name: str, *, theme: str, definition: str, colour: str | None = None,
        parent: str | None = None, inclusion: str = "", exclusion: str = "",
        example: str = "", theme_name: str | None = None,
    ) -> int:
        """Add a code to the codebook; returns the new codebook version id.

        ``theme`` is a theme key; give ``theme_name`` to create that theme if it is new.
        A child code (``parent``) goes into its parent's theme.
        """
        from workbench.parsing.codebook_yaml import normalise_colour, validate_key

        where = f"code {key!r}"
        code = Code(key=validate_key(key.strip(), where), name=name.strip(),
                    theme=theme.strip(), definition=definition.strip(),
                    colour=normalise_colour(colour or "#777777", where),
                    inclusion=inclusion.strip(), exclusion=exclusion.strip(),
                    example=example.strip(), parent=parent)
        if not code.name:
            raise ValueError("a code needs a name")
        new_theme = None
        if theme_name is not None:
            from workbench.model import Theme

            new_theme = Theme(key=validate_key(code.theme, f"theme {code.theme!r}"),
                              name=theme_name.strip())
        return self._operate(lambda conn: ops.create_code(conn, code, actor=self.actor,
                                                          theme=new_theme))

    def rename_code(self, key: str, *, new_key: str | None = None,
                    new_name: str | None = None) -> int:
        """Give a code a new key and/or name; its codings stay with it. Returns the version."""
        if new_key is None and new_name is None:
            raise ValueError("give new_key and/or new_name")
        if new_key is not None:
            from workbench.parsing.codebook_yaml import validate_key

            new_key = validate_key(new_key.strip(), f"new key {new_key!r}")
        return self._operate(lambda conn: ops.rename_code(
            conn, key, new_key=new_key, new_name=None if new_name is None else new_name.strip(),
            actor=self.actor))

    def merge_codes(self, source: str, target: str) -> MergeReport:
        """Merge code ``source`` into ``target``: ``source``'s codings become ``target``'s
        (each keeps ``made_as`` = ``source``) and ``source`` is retired. A coding whose coder
        already has ``target`` on the same range collapses into that coding; the report
        counts them and the audit row keeps their uuids and memos."""
        return self._operate(lambda conn: ops.merge_codes(conn, source, target,
                                                          actor=self.actor))

    def split_code(self, source: str, into: Sequence[Code | str]) -> int:
        """Split ``source`` into new codes (:class:`Code` values) and/or existing codes
        (keys): ``source`` is retired and its codings wait in :meth:`recode_queue` until
        :meth:`recode` gives each one of the new codes. Until then they are left out of
        :meth:`codings` analyses (see ``pending_recode``). Returns the version."""
        from workbench.parsing.codebook_yaml import validate_key

        for code in into:
            if isinstance(code, Code):
                validate_key(code.key, f"code {code.key!r}")
        return self._operate(lambda conn: ops.split_code(conn, source, into,
                                                         actor=self.actor)[0])

    def recode_queue(self) -> pd.DataFrame:
        """Codings of split codes waiting to be recoded, with the candidate codes and
        their definitions (one row per coding)."""
        with self.store.reading() as conn:
            return queries.recode_queue_frame(conn)

    def recode(self, coding_uuid: str, code: str) -> bool:
        """Give a queued coding one of its candidate codes (False: it collapsed into the
        same code the coder already had on that range, or was removed meanwhile)."""
        with self.store.transaction() as conn:
            return ops.recode(conn, coding_uuid, code, actor=self.actor)

    def move_code(self, key: str, *, theme: str | None = None,
                  parent: str | None = None) -> int:
        """Move a code (and its children) to another theme or under another code."""
        return self._operate(lambda conn: ops.move_code(conn, key, theme=theme,
                                                        parent=parent, actor=self.actor))

    def retire_code(self, key: str) -> int:
        """Take a code out of the codebook; its codings are kept (and count as before)."""
        return self._operate(lambda conn: ops.retire_code(conn, key, actor=self.actor))

    def restore_code(self, key: str) -> int:
        """Put a retired code back into the codebook, with its palette shortcut unless
        another code took it while it was retired (:func:`~workbench.model.shortcut_note`
        says which happened)."""
        return self._operate(lambda conn: ops.restore_code(conn, key, actor=self.actor))

    def retired_codes(self) -> pd.DataFrame:
        """Codes taken out of the codebook (retired, merged or split), most recently retired
        first, one row each: ``code``, ``code_name``, ``theme``, ``theme_name``,
        ``definition``, ``retired_version``, ``n_codings`` (codings still on the code) and
        ``shortcut`` (the palette shortcut it had, which a restore gives back if free).
        :meth:`restore_code` puts one back."""
        with self.store.reading() as conn:
            return queries.retired_codes_frame(conn)

    def coding_counts(self) -> dict[str, int]:
        """Code key -> number of codings of every coder (retired codes included; a code
        without codings is left out)."""
        with self.store.reading() as conn:
            return queries.coding_counts(conn)

    def _operate(self, operation: Callable[[Connection], _T]) -> _T:
        try:
            with self.store.transaction() as conn:
                return operation(conn)
        finally:
            self._code_ids = None

    @property
    def codebook(self) -> Codebook:
        """The current codebook; :class:`NotFoundError` before one is loaded."""
        with self.store.reading() as conn:
            codebook = current_codebook(conn)
        if codebook is None:
            raise NotFoundError(
                "this project has no codebook yet; load one with project.load_codebook(path) "
                "or `workbench codebook load PATH`."
            )
        return codebook

    def codebook_version(self) -> int | None:
        """Id of the current codebook version (None before any is loaded)."""
        with self.store.reading() as conn:
            return current_version(conn)

    # -- coders ----------------------------------------------------------------------
    def add_coder(self, name: str, *, role: str = "coder") -> None:
        """Register a coder (idempotent: a registered coder keeps her role). ``role`` is
        ``"coder"`` or ``"reviewer"``: only a reviewer sees other coders' codings in the
        coding panel and may change or remove them (:meth:`set_coder_role`)."""
        name = name.strip()
        if not name:
            raise ValueError("a coder needs a name")
        _check_role(role)
        with self.store.transaction() as conn:
            cs.add_coder(conn, name, actor=self.actor, role=role)
        self._coder_ids = None

    def set_coder_role(self, name: str, role: str) -> bool:
        """Make a registered coder a ``"reviewer"`` or a plain ``"coder"`` again (audited);
        False if she already had that role."""
        _check_role(role)
        self._coder_id(name)
        with self.store.transaction() as conn:
            return cs.set_coder_role(conn, name, role, actor=self.actor)

    def coder_roles(self) -> dict[str, str]:
        """Registered coder name -> role (``"coder"`` or ``"reviewer"``)."""
        with self.store.reading() as conn:
            return cs.coder_roles(conn)

    def is_reviewer(self, name: str) -> bool:
        """True if ``name`` is a registered coder with the reviewer role."""
        return self.coder_roles().get(name) == "reviewer"

    @property
    def blind_coding(self) -> bool:
        """True while the project runs a blind round: the coding panel then locks the coder
        (no switch) and shows no other coder's codings, whatever the coder's role."""
        with self.store.reading() as conn:
            return read_setting(conn, "blind_coding") == "on"

    def set_blind_coding(self, on: bool) -> None:
        """Start (``True``) or end a blind round (audited; see :attr:`blind_coding`)."""
        with self.store.transaction() as conn:
            write_setting(conn, "blind_coding", "on" if on else "off")
            record(conn, actor=self.actor, action="set_blind_coding", entity="project",
                   key="blind_coding", detail={"on": bool(on)})

    def _check_may_change(self, actor: str, owner: str, coding_uuid: str, doing: str) -> None:
        """Refuse ``actor`` acting on ``owner``'s coding unless she is a reviewer."""
        if actor == owner:
            return
        if self.is_reviewer(actor) and not self.blind_coding:
            return
        why = ("the project is in a blind round (project.set_blind_coding(False) ends it)"
               if self.blind_coding else
               f"only a reviewer does (project.set_coder_role({actor!r}, 'reviewer'))")
        raise NotPermittedError(
            f"coding {coding_uuid} is {owner}'s; {actor} may not {doing} another coder's "
            f"coding: {why}. Nothing was changed."
        )

    def coders(self) -> list[str]:
        """Registered coder names, sorted."""
        return sorted(self._coders())

    # -- REFI-QDA identities -----------------------------------------------------------
    def refi_identities(self) -> dict[tuple[str, str], RefiIdentity]:
        """What REFI-QDA imports kept per object, by ``(kind, key)`` (see
        :class:`~workbench.model.RefiIdentity`); exports reuse the GUIDs and descriptions."""
        with self.store.reading() as conn:
            return read_identities(conn)

    def record_refi_identities(self, items: Iterable[RefiIdentity], *,
                               replace: bool = False) -> int:
        """Store REFI-QDA identities (one transaction); an identity already stored for the
        same ``(kind, key)`` is kept unless ``replace``. Returns how many were written."""
        with self.store.transaction() as conn:
            return write_identities(conn, items, replace=replace)

    def _coders(self, refresh: bool = False) -> dict[str, int]:
        if self._coder_ids is None or refresh:
            with self.store.reading() as conn:
                self._coder_ids = cs.coder_ids(conn)
        return self._coder_ids

    def _coder_id(self, name: str) -> int:
        ids = self._coders()
        if name not in ids:
            ids = self._coders(refresh=True)
        if name not in ids:
            raise UnknownCoderError(
                f"coder {name!r} is not registered{suggest(name, list(ids))}; add them with "
                f"project.add_coder({name!r})."
            )
        return ids[name]

    def _code_id(self, key: str, *, retired_ok: bool = False) -> int:
        if retired_ok:
            with self.store.reading() as conn:
                every = cs.code_ids(conn, include_retired=True)
            if key in every:
                return every[key]
        if self._code_ids is None or key not in self._code_ids:
            with self.store.reading() as conn:
                self._code_ids = cs.code_ids(conn)
                if key not in self._code_ids:
                    raise self._gone_code(conn, key)
        return self._code_ids[key]

    # -- reading ---------------------------------------------------------------------
    def documents(self) -> list[str]:
        """Document names, sorted."""
        with self.store.reading() as conn:
            return sorted(cs.document_ids(conn))

    def cases(self) -> pd.DataFrame:
        """One row per document with its case attributes."""
        with self.store.reading() as conn:
            return queries.cases_frame(conn)

    def document_text(self, name: str) -> str:
        """The stored (canonical) text of a document."""
        with self.store.reading() as conn:
            stored = document_by_name(conn, name)
        if stored is None:
            raise NotFoundError(f"no document {name!r}{suggest(name, self.documents())}.")
        return stored.text

    def document_source(self, name: str) -> str:
        """Where a document was imported from, as given at import (a file path, or ``""``
        / a ``<...>`` label when it came from text); the session media looks for its
        recording next to it (:mod:`workbench.media`)."""
        with self.store.reading() as conn:
            source = document_source(conn, name)
        if source is None:
            raise NotFoundError(f"no document {name!r}{suggest(name, self.documents())}.")
        return source

    def turns(self, document: str) -> pd.DataFrame:
        """The turns of one document."""
        with self.store.reading() as conn:
            return queries.turns_frame(conn, document)

    def time_marks(self, document: str) -> pd.DataFrame:
        """Every session time of one document in text order: ``turn_index``, ``position``
        (offset in the document text), ``seconds`` and ``inner`` (False for the start of a
        timed turn, True for a caption cue that begins inside a turn). A segment's
        ``video_time`` is the last of these at or before its start."""
        with self.store.reading() as conn:
            if document_by_name(conn, document) is None:
                raise NotFoundError(
                    f"no document {document!r}{suggest(document, self.documents())}.")
            return queries.time_marks_frame(conn, document)

    def segments(
        self,
        *,
        document: str | Sequence[str] | None = None,
        role: str | Sequence[str] | None = None,
        perspective: str | Sequence[str] | None = None,
        speaker: str | Sequence[str] | None = None,
        uncoded_by: str | None = None,
        with_attributes: bool = True,
    ) -> pd.DataFrame:
        """Segments as a tidy DataFrame (with case attributes), filtered as asked.

        ``uncoded_by="coder"`` keeps segments that coder has not coded with any code.
        """
        coder = self._coder_id(uncoded_by) if uncoded_by is not None else None
        with self.store.reading() as conn:
            return queries.segments_frame(
                conn,
                documents_=_listify(document),
                roles=_listify(role),
                perspectives=_listify(perspective),
                speakers=_listify(speaker),
                uncoded_by=coder,
                with_attributes=with_attributes,
            )

    def segment(self, segment_id: int) -> Segment:
        """One segment by id (numpy and pandas integers work too).

        :class:`~workbench.errors.StaleError` for the id of a segment that a re-import
        replaced, :class:`~workbench.errors.NotFoundError` for an id never handed out.
        """
        segment_id = _as_id(segment_id, "segment_id")
        with self.store.reading() as conn:
            found = segment_by_id(conn, segment_id)
            if found is None:
                raise self._missing(conn, segments, segment_id, "segment")
        return found

    def document_sha256(self, name: str) -> str:
        """The content fingerprint of a stored document; pass it with a coding action to
        have it refused if the document was re-imported meanwhile."""
        with self.store.reading() as conn:
            stored = document_by_name(conn, name)
        if stored is None:
            raise NotFoundError(f"no document {name!r}{suggest(name, self.documents())}.")
        return stored.sha256

    def codings(
        self,
        *,
        coder: str | Sequence[str] | None = None,
        document: str | Sequence[str] | None = None,
        perspective: str | Sequence[str] | None = None,
        with_attributes: bool = True,
        source: str | None = None,
    ) -> pd.DataFrame:
        """Codings, one row per coding: the document range (``document``, ``start``,
        ``end``, ``text``), code, theme, coder, memo, version, times, case attributes, and
        the segments it touches (``first_segment``, ``last_segment``: segment indexes;
        ``n_segments``), derived from the current segments.

        ``made_as`` and ``made_as_name`` are the key and name the code had when the coding
        was made (in the codebook version it was made under, so a coding made as 'repair'
        still says 'repair' after that code was renamed and merged); ``code`` and
        ``code_name`` are what it is now. ``pending_recode`` marks codings of a split code still waiting
        in :meth:`recode_queue`. ``attrs["codebook_version"]`` is the codebook version the
        frame was read under, ``attrs["pending_recode"]`` how many rows are pending.

        ``source`` says which codings: ``None`` (the default, as before: every coder's
        raw codings, or those of ``coder``), ``"pooled"`` (the raw codings of ``coder`` or
        of every coder), ``"consensus"`` (the consensus layer of ``coder``, default every
        registered coder: see :mod:`workbench.consensus`; ``coder`` is then
        ``"consensus"``) or a coder's name (that coder's raw codings; a coder literally
        named "consensus" or "pooled" is reached with ``coder=``). ``attrs["source"]``
        (``"pooled"``, ``"coder"`` or ``"consensus"``) and ``attrs["source_caption"]`` say
        which, in the words the summaries and the report print.

        For analyses per segment use :meth:`segment_codings`.
        """
        if source is not None and source not in ("pooled", "consensus"):
            if coder is not None:
                raise UnknownCoderError(f"give the coder as source={source!r} or coder=, "
                                        "not both.")
            self._coder_id(source)
            coder, source = source, None
        if source == "consensus":
            from workbench.consensus import consensus_codings

            frame = consensus_codings(self, coders=_listify(coder), documents=document,
                                      with_attributes=with_attributes)
            if perspective is not None and len(frame):
                cases = self.cases()
                wanted = cases.loc[cases["perspective"].isin(_listify(perspective) or []), "document"]
                stated = dict(frame.attrs)
                frame = frame[frame["document"].isin(set(wanted))].reset_index(drop=True)
                frame.attrs = stated
            return self._with_segments(frame)
        with self.store.reading() as conn:
            frame = queries.codings_frame(
                conn,
                documents_=_listify(document),
                perspectives=_listify(perspective),
                coder_names=_listify(coder),
                with_attributes=with_attributes,
            )
            from workbench.storage.consensus_store import any_decision

            decided = any_decision(conn)
        from workbench.consensus import raw_caption

        names = sorted(set(frame["coder"])) if coder is None else (_listify(coder) or [])
        pooled = coder is None or source == "pooled" or len(names) != 1
        frame.attrs["source"] = "pooled" if pooled else "coder"
        frame.attrs["coders"] = names
        frame.attrs["source_caption"] = raw_caption(names, pooled=pooled, decided=decided)
        return self._with_segments(frame)

    def _with_segments(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with the segments each coding touches; codebook version and pending
        count in ``attrs``."""
        with self.store.reading() as conn:
            docs = sorted(set(frame["document"]))
            segs = queries.segments_frame(conn, documents_=docs, with_attributes=False)
            version = current_version(conn)
        stated = dict(frame.attrs)
        touched = touched_segments(segs, frame)
        at = frame.columns.get_loc("end") + 2  # after start, end and text
        for offset, column in enumerate(("first_segment", "last_segment", "n_segments")):
            frame.insert(at + offset, column, touched[column].to_numpy())
        frame.attrs = stated
        frame.attrs["codebook_version"] = version
        frame.attrs["pending_recode"] = int(frame["pending_recode"].sum())
        return frame

    def segment_codings(
        self,
        *,
        rule: OverlapRule | str | float | None = None,
        coder: str | Sequence[str] | None = None,
        document: str | Sequence[str] | None = None,
        perspective: str | Sequence[str] | None = None,
        with_attributes: bool = True,
        source: str | None = "auto",
    ) -> pd.DataFrame:
        """Codings seen per segment: one row per (coding, segment it counts for by
        ``rule``, default the project's :attr:`overlap_rule`).

        ``source`` as for :meth:`codings`, plus ``"auto"`` (the default): the consensus
        when the project holds any consensus decision and no ``coder`` is given, else the
        raw codings (pooled, or ``coder``'s). The summaries and the report state it from
        ``attrs["source_caption"]``.

        Each row has the coding's columns (its own ``start``, ``end``, ``text``) and the
        segment's: ``segment_id``, ``turn_index``, ``segment_index``, ``speaker``, ``role``,
        ``video_time``, ``segment_text``, ``segment_start``, ``segment_end``. The rule is in
        ``attrs["overlap_rule"]``, as summaries and reports print it. Codings of a split
        code not yet recoded are left out (their number is ``attrs["pending_recode"]``);
        ``attrs["codebook_version"]`` states the codebook version.
        """
        rule = self.overlap_rule if rule is None else OverlapRule.parse(rule)
        if source == "auto":
            source = "consensus" if coder is None and self.has_consensus() else None
        frame = self.codings(coder=coder, document=document, perspective=perspective,
                             with_attributes=with_attributes, source=source)
        with self.store.reading() as conn:
            segs = queries.segments_frame(conn, documents_=sorted(set(frame["document"])),
                                          with_attributes=False)
        stated = dict(frame.attrs)
        frame = frame[~frame["pending_recode"]]
        frame = frame.drop(columns=["first_segment", "last_segment", "n_segments"])
        out = segment_view(segs, frame, rule)
        out.attrs = {**stated, "overlap_rule": out.attrs["overlap_rule"],
                     "overlap_rule_name": out.attrs["overlap_rule_name"]}
        return out

    # -- consensus -------------------------------------------------------------------
    def has_consensus(self) -> bool:
        """Whether the team has recorded any (current) consensus decision."""
        from workbench.consensus import has_decisions

        return has_decisions(self)

    def consensus_items(self, *, coders: Sequence[str] | None = None,
                        documents: str | Sequence[str] | None = None,
                        codes: Sequence[str] | None = None,
                        in_progress: ConsensusInProgress = "exclude") -> pd.DataFrame:
        """Disagreement items and unanimous clusters of ``coders`` (default: every
        registered coder): see :func:`workbench.consensus.consensus_items`."""
        from workbench.consensus import consensus_items

        return consensus_items(self, coders=coders, documents=documents, codes=codes,
                               in_progress=in_progress)

    def decide(self, item: str, kind: DecisionKind, *, start: int | None = None,
               end: int | None = None, new_code: str | None = None, reason: str = "",
               decided_by: str | None = None, coders: Sequence[str] | None = None,
               in_progress: ConsensusInProgress = "exclude") -> Decision:
        """Record a consensus decision on an item: see :func:`workbench.consensus.decide`."""
        from workbench.consensus import decide

        return decide(self, item, kind, start=start, end=end, new_code=new_code,
                      reason=reason, decided_by=decided_by, coders=coders,
                      in_progress=in_progress)

    def revise_decision(self, decision_id: int, kind: DecisionKind, *,
                        start: int | None = None, end: int | None = None,
                        new_code: str | None = None, reason: str = "",
                        decided_by: str | None = None) -> Decision:
        """Revise a decision, keeping the old one in the history: see
        :func:`workbench.consensus.revise_decision`."""
        from workbench.consensus import revise_decision

        return revise_decision(self, _as_id(decision_id, "decision_id"), kind, start=start,
                               end=end, new_code=new_code, reason=reason,
                               decided_by=decided_by)

    def decision_history(self, item: str | None = None, *,
                         documents: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Every revision of every decision (or of ``item``), oldest first: see
        :func:`workbench.consensus.decision_history`."""
        from workbench.consensus import decision_history

        return decision_history(self, item, documents=documents)

    def unanchored_codings(self) -> pd.DataFrame:
        """Codings that re-importing an edited transcript could not place."""
        with self.store.reading() as conn:
            return queries.unanchored_frame(conn)

    def memos(self) -> pd.DataFrame:
        """Memos (project, document, segment and code memos; coding memos are on the
        codings): ``memo_uuid``, ``coder``, ``target_kind``, ``target_key``, ``text``,
        ``created_at``, ``updated_at``."""
        with self.store.reading() as conn:
            return queries.memos_frame(conn)

    def audit_log(self) -> pd.DataFrame:
        """The append-only audit trail, oldest first."""
        with self.store.reading() as conn:
            return pd.DataFrame(audit_events(conn))

    # -- coding ----------------------------------------------------------------------
    def apply_range(
        self,
        document: str,
        start: int,
        end: int,
        code: str,
        coder: str,
        *,
        memo: str = "",
        expect_text: str | None = None,
        document_sha256: str | None = None,
    ) -> AppliedCoding:
        """Code the range ``[start, end)`` of ``document``'s text as ``coder``.

        The range may lie inside a sentence or run across sentences and turns. Pass what the
        coder was shown, ``expect_text`` (the text of the range) and/or ``document_sha256``
        (:meth:`document_sha256`): if the document changed since (re-imported), nothing is
        saved and :class:`~workbench.errors.StaleError` says so, instead of coding other
        text. Applying a code the coder already has on exactly this range keeps that coding
        (``created=False``; a memo given replaces its memo).
        """
        start, end = _as_id(start, "start"), _as_id(end, "end")
        self._code_id(code)
        coder_id = self._coder_id(coder)
        with self.store.transaction() as conn:
            doc = lock_document_named(conn, document, exclusive=False)
            if doc is None:
                raise NotFoundError(f"no document {document!r}{suggest(document, self.documents())}.")
            version, live = self._live_version(conn, [code])  # after the lock: see ops
            code_id = live[code]
            if document_sha256 is not None and document_sha256 != doc.sha256:
                raise StaleError(
                    f"{document} was re-imported since it was shown, so its text may have "
                    "moved; nothing was saved. Reload the document and code the passage again."
                )
            if expect_text is not None and doc.text[start:end] != expect_text:
                raise StaleError(
                    f"{document}[{start}:{end}] no longer holds the text that was shown "
                    f"({clip(expect_text)!r}); nothing was saved. Reload the document."
                )
            text = _range_text(doc.text, start, end, document)
            return self._store_range(conn, version, doc.id, doc.name, start, end, text,
                                     code_id, code, coder_id, coder, memo)

    def apply_ranges(
        self, items: Sequence[tuple[str, int, int, str, str, str]], *,
        expect_texts: Sequence[str | None] | None = None,
    ) -> list[AppliedCoding]:
        """Apply many ``(document, start, end, code, coder, memo)`` range codings in one
        transaction (importers use this).

        All or nothing: an unknown document, code or coder, or a range outside its
        document's text, stops the batch with nothing saved. ``expect_texts`` (one per
        item, None to skip one) is the text each range must hold, checked inside the
        transaction with the documents locked, so a re-import between a search and this
        call raises :class:`~workbench.errors.StaleError` with nothing saved.
        """
        if expect_texts is not None and len(expect_texts) != len(items):
            raise ValueError(f"expect_texts has {len(expect_texts)} texts for "
                             f"{len(items)} items.")
        resolved = [(doc, _as_id(lo, "start"), _as_id(hi, "end"), self._code_id(code), code,
                     self._coder_id(coder), coder, memo)
                    for doc, lo, hi, code, coder, memo in items]
        done: list[AppliedCoding] = []
        with self.store.transaction() as conn:
            locked: dict[str, DocumentRow] = {}
            for name in dict.fromkeys(r[0] for r in resolved):
                doc = lock_document_named(conn, name, exclusive=False)
                if doc is None:
                    raise NotFoundError(f"no document {name!r}.")
                locked[name] = doc
            version, live = self._live_version(conn, [r[4] for r in resolved])
            for i, (name, start, end, _cached, code, coder_id, coder, memo) in enumerate(
                    resolved):
                code_id = live[code]
                doc = locked[name]
                text = _range_text(doc.text, start, end, name)
                expected = expect_texts[i] if expect_texts is not None else None
                if expected is not None and text != expected:
                    raise StaleError(
                        f"{name}[{start}:{end}] no longer holds {expected!r} but "
                        f"{text!r} (the document was re-imported); nothing was saved. "
                        "Search or select again.")
                done.append(self._store_range(conn, version, doc.id, name, start, end, text,
                                              code_id, code, coder_id, coder, memo))
        return done

    def apply_code(
        self,
        segment_id: int,
        code: str,
        coder: str,
        *,
        memo: str = "",
        span: tuple[int, int] | None = None,
    ) -> str:
        """Apply ``code`` to a segment as ``coder``; returns the coding's UUID.

        The coding is the segment's range of the document (see :meth:`apply_range`);
        ``span=(start, end)`` codes only those characters of the segment text (offsets
        relative to the segment). Applying a code the coder already applied to the same
        range keeps the existing coding (and sets the memo, if one is given). A segment id
        that no longer exists (its transcript was re-imported) raises
        :class:`~workbench.errors.StaleError`; one that never existed
        :class:`~workbench.errors.NotFoundError`.
        """
        return self.apply_codes([(segment_id, code, coder, memo, span)])[0].uuid

    def apply_codes(
        self, items: Sequence[tuple[int, str, str, str, tuple[int, int] | None]]
    ) -> list[AppliedCoding]:
        """Apply many ``(segment_id, code, coder, memo, span)`` codings in one transaction.

        All or nothing: an unknown code, coder or segment stops the batch with nothing saved.
        """
        resolved = [(_as_id(seg, "segment_id"), self._code_id(code), code,
                     self._coder_id(coder), coder, memo, span)
                    for seg, code, coder, memo, span in items]
        done: list[AppliedCoding] = []
        with self.store.transaction() as conn:
            locked: set[int] = set()
            ranges = [self._segment_range(conn, r[0], r[6], locked) for r in resolved]
            names = {doc_id: document_name(conn, doc_id) for doc_id in locked}
            version, live = self._live_version(conn, [r[2] for r in resolved])
            for (_seg, _cached, code, coder_id, coder, memo, _span), found in zip(
                    resolved, ranges, strict=True):
                code_id = live[code]
                document_id, start, end, text = found
                done.append(self._store_range(conn, version, document_id, names[document_id],
                                              start, end, text, code_id, code, coder_id,
                                              coder, memo))
        return done

    def _live_version(self, conn: Connection, codes: Iterable[str]) -> tuple[int, dict[str, int]]:
        """The current codebook version and the ids of ``codes`` read in this transaction,
        after its documents are locked (see :func:`~workbench.storage.codebook_ops.lock_codes`):
        a rename, merge or retirement by another user since this project cached its ids can
        never put a coding on the wrong code, nor leave it behind on a merged one."""
        wanted = list(dict.fromkeys(codes))
        live = ops.lock_codes(conn, wanted)
        version = current_version(conn)
        if version is None:  # pragma: no cover - a code id implies a codebook
            raise NotFoundError("load a codebook before coding.")
        for code in wanted:
            if code not in live:  # renamed, merged or retired since the ids were cached
                self._code_ids = None
                raise self._gone_code(conn, code)
        if self._code_ids is not None and any(self._code_ids.get(k) != v
                                              for k, v in live.items()):
            self._code_ids = None
        return version, live

    @staticmethod
    def _gone_code(conn: Connection, key: str) -> UnknownCodeError:
        """Why ``key`` cannot be applied now: renamed, merged, split or retired."""
        events = [e for e in audit_events(conn) if e["entity"] == "code" and
                  e["entity_key"] == key and e["action"] in
                  ("rename_code", "merge_codes", "split_code", "retire_code")]
        detail: dict[str, object] = events[-1]["detail"] if events else {}  # type: ignore[assignment]
        action = events[-1]["action"] if events else None
        if action == "rename_code" and detail.get("new_key") != key:
            return UnknownCodeError(f"code {key!r} was renamed to {detail['new_key']!r}; nothing "
                                    f"was saved. Apply {detail['new_key']!r} instead.")
        if action == "merge_codes":
            return UnknownCodeError(f"code {key!r} was merged into {detail['target']!r}; "
                                    f"nothing was saved. Apply {detail['target']!r} instead.")
        if action == "split_code":
            into = ", ".join(map(str, detail.get("into", [])))  # type: ignore[call-overload]
            return UnknownCodeError(f"code {key!r} was split into {into}; nothing was saved. "
                                    "Apply one of those instead.")
        retired = cs.code_ids(conn, include_retired=True)
        if key in retired:
            return UnknownCodeError(
                f"code {key!r} was removed from the codebook (retired); its codings are kept, "
                "but it cannot be applied. Restore it (project.restore_code) to use it again.")
        return UnknownCodeError(f"code {key!r} is not in the codebook"
                                f"{suggest(key, list(cs.code_ids(conn)))}; check the spelling.")

    def _segment_range(
        self, conn: Connection, segment_id: int, span: tuple[int, int] | None,
        locked: set[int],
    ) -> tuple[int, int, int, str]:
        """``(document_id, start, end, text)`` of a segment (or a span of it), with its
        document locked for this transaction (its id added to ``locked``)."""
        bounds = locked_segment_bounds(conn, segment_id, locked)
        if bounds is None:
            raise self._missing(conn, segments, segment_id, "segment")
        document_id, start, end, text = bounds
        if span is not None:
            lo, hi = (_as_id(v, "span") for v in span)
            if not 0 <= lo < hi <= len(text):
                raise CodingRangeError(
                    f"span {tuple(span)} is not inside segment {segment_id} (0..{len(text)}); "
                    "give (start, end) offsets into the segment text with start < end."
                )
            start, end, text = start + lo, start + hi, text[lo:hi]
        if not text.strip():
            raise CodingRangeError(f"segment {segment_id}{'' if span is None else f' span {tuple(span)}'}"
                                   " holds only white space; code a passage with words in it.")
        return document_id, start, end, text

    @staticmethod
    def _missing(conn: Connection, table: Table, key: int, what: str) -> WorkbenchError:
        if 0 < key <= highest_id(conn, table):
            return StaleError(
                f"{what} {key} no longer exists: its transcript was re-imported since it was "
                "shown, and ids are never reused. Nothing was saved; reload the document (the "
                "coding panel does this itself) and code again."
            )
        return NotFoundError(f"no {what} with id {key}; list them with project.{what}s().")

    def _store_range(
        self, conn: Connection, version: int, document_id: int, document: str, start: int,
        end: int, text: str, code_id: int, code: str, coder_id: int, coder: str, memo: str,
    ) -> AppliedCoding:
        coding_uuid, created = cs.insert_coding(
            conn, document_id=document_id, code_id=code_id, coder_id=coder_id,
            version_id=version, start=start, end=end, text=text, memo=memo,
        )
        if not created and memo:
            cs.update_coding_memo(conn, coding_uuid, memo)
        if created or memo:
            record(conn, actor=coder, action="apply_code" if created else "edit_memo",
                   entity="coding", key=coding_uuid, owner=coder,
                   detail={"document": document, "start": start, "end": end, "code": code,
                           "memo": memo})
        return AppliedCoding(coding_uuid, created, document, start, end, text)

    def coding(self, coding_uuid: str) -> Coding:
        """One coding by uuid (:class:`~workbench.errors.NotFoundError` if there is none)."""
        with self.store.reading() as conn:
            found = cs.coding_by_uuid(conn, coding_uuid)
            if found is None:
                raise NotFoundError(f"no coding with uuid {coding_uuid}.")
            return self._as_coding(conn, found)

    @staticmethod
    def _as_coding(conn: Connection, stored: cs.StoredCoding) -> Coding:
        codes = {v: k for k, v in cs.code_ids(conn, include_retired=True).items()}
        coders = {v: k for k, v in cs.coder_ids(conn).items()}
        return Coding(
            uuid=stored.uuid, document=document_name(conn, stored.document_id),
            start=stored.start, end=stored.end, text=stored.text, code=codes[stored.code_id],
            coder=coders[stored.coder_id], memo=stored.memo,
            codebook_version=stored.codebook_version_id, created_at=stored.created_at,
            updated_at=stored.updated_at,
        )

    def remove_coding(self, coding_uuid: str, coder: str) -> Coding | None:
        """Remove the coding with this uuid; returns what was removed, or None when it was
        already gone (e.g. removed in another tab).

        ``coder`` is who acts: her own codings, or, for a reviewer outside a blind round,
        anyone's (the audit row names the actor and the owner). Another coder's coding is
        otherwise refused with :class:`~workbench.errors.NotPermittedError` (a
        ``ConflictError``). Only a removal that deleted a row is audited.
        """
        self._coder_id(coder)
        with self.store.transaction() as conn:
            found = cs.coding_by_uuid(conn, coding_uuid)
            if found is not None:  # hold off a re-import of its document, then look again
                lock_document(conn, found.document_id, exclusive=False)
                found = cs.coding_by_uuid(conn, coding_uuid)
            if found is None:
                return None
            removed_coding = self._as_coding(conn, found)
            self._check_may_change(coder, removed_coding.coder, coding_uuid, "remove")
            if cs.delete_coding(conn, coding_uuid) is None:
                return None
            self._audit_removal(conn, removed_coding, actor=coder)
        return removed_coding

    @staticmethod
    def _audit_removal(conn: Connection, coding: Coding, *, actor: str | None = None) -> None:
        record(conn, actor=actor or coding.coder, action="remove_code", entity="coding",
               key=coding.uuid, owner=coding.coder,
               detail={"document": coding.document, "start": coding.start, "end": coding.end,
                       "code": coding.code, "memo": coding.memo})

    def remove_code(self, segment_id: int, code: str, coder: str, *,
                    owner: str | None = None) -> bool:
        """Remove ``owner``'s codings of ``code`` that overlap a segment (``owner`` defaults
        to ``coder``, who acts); False if there was none. A range coding running across
        several segments is removed whole. Removing another coder's codings needs the
        reviewer role (:class:`~workbench.errors.NotPermittedError` otherwise).

        Codings of a retired code can be removed too.
        """
        segment_id = _as_id(segment_id, "segment_id")
        owner = coder if owner is None else owner
        code_id = self._code_id(code, retired_ok=True)
        self._coder_id(coder)
        owner_id = self._coder_id(owner)
        if owner != coder:
            self._check_may_change(coder, owner, f"of {code} on segment {segment_id}",
                                   "remove")
        with self.store.transaction() as conn:
            bounds = locked_segment_bounds(conn, segment_id)
            if bounds is None:
                raise self._missing(conn, segments, segment_id, "segment")
            document_id, start, end, _ = bounds
            removed = []
            for found in cs.codings_overlapping(conn, document_id=document_id, code_id=code_id,
                                                coder_id=owner_id, start=start, end=end):
                gone = cs.delete_coding(conn, found.uuid)
                if gone is not None:
                    removed.append(gone)
                    self._audit_removal(conn, self._as_coding(conn, gone), actor=coder)
        return bool(removed)

    def restore_coding(self, coding: Coding, *, by: str | None = None) -> bool:
        """Put a removed coding back with its uuid, memo and times (undo of a removal);
        False if the coder meanwhile has the same code on the same range again. ``by`` is
        who acts (default the coding's coder; another person needs the reviewer role).

        :class:`~workbench.errors.StaleError` if the document no longer holds its text there.
        """
        code_id = self._code_id(coding.code, retired_ok=True)
        coder_id = self._coder_id(coding.coder)
        actor = coding.coder if by is None else by
        self._coder_id(actor)
        self._check_may_change(actor, coding.coder, coding.uuid, "restore")
        with self.store.transaction() as conn:
            doc = lock_document_named(conn, coding.document, exclusive=False)
            if doc is None or doc.text[coding.start:coding.end] != coding.text:
                raise StaleError(
                    f"{coding.document} no longer holds {clip(coding.text)!r} at "
                    f"{coding.start}..{coding.end}; the coding was not restored."
                )
            if cs.coding_by_uuid(conn, coding.uuid) is not None:
                return False
            if not cs.restore_if_free(conn, {
                "uuid": coding.uuid, "document_id": doc.id, "code_id": code_id,
                "coder_id": coder_id, "codebook_version_id": coding.codebook_version,
                "start": coding.start, "end": coding.end, "text": coding.text,
                "memo": coding.memo, "created_at": coding.created_at, "updated_at": now(),
            }):
                return False
            record(conn, actor=actor, action="restore_coding", entity="coding",
                   key=coding.uuid, owner=coding.coder,
                   detail={"document": coding.document, "start": coding.start,
                           "end": coding.end, "code": coding.code})
        return True

    def set_coding_memo(self, coding_uuid: str, memo: str, *, coder: str) -> None:
        """Replace the memo of a coding. ``coder`` is who acts: the coding's own coder, or a
        reviewer outside a blind round (:class:`~workbench.errors.NotPermittedError`
        otherwise); the audit row names the actor and the owner."""
        self._coder_id(coder)
        with self.store.transaction() as conn:
            found = cs.coding_by_uuid(conn, coding_uuid)
            if found is None:
                raise NotFoundError(f"no coding with uuid {coding_uuid}.")
            owner = self._as_coding(conn, found).coder
            self._check_may_change(coder, owner, coding_uuid, "edit the memo of")
            if not cs.update_coding_memo(conn, coding_uuid, memo):
                raise NotFoundError(f"no coding with uuid {coding_uuid}.")
            record(conn, actor=coder, action="edit_memo", entity="coding", key=coding_uuid,
                   owner=owner, detail={"memo": memo})

    # -- unanchored codings ----------------------------------------------------------
    def reapply_unanchored(self, *, document: str | None = None) -> list[str]:
        """Place unanchored codings again where the documents' current text holds their text
        (with the same context-aware choice among repeats as re-importing); returns the
        uuids placed. The others stay listed in :meth:`unanchored_codings`."""
        with self.store.transaction() as conn:
            doc_id = None
            if document is not None:
                doc = document_by_name(conn, document)
                if doc is None:
                    raise NotFoundError(f"no document {document!r}.")
                doc_id = doc.id
            rows = cs.unanchored_rows(conn, document_id=doc_id)
            placed: list[str] = []
            for document_id in sorted({int(r["document_id"]) for r in rows}):
                doc = lock_document(conn, document_id, exclusive=True)
                if doc is None:  # pragma: no cover - a foreign key keeps the document
                    continue
                mine = [r for r in rows if int(r["document_id"]) == document_id]
                for row, place in zip(mine, unanchored_placements(mine, doc.text), strict=True):
                    if isinstance(place, Placement) and cs.restore_if_free(
                            conn, coding_row_from_unanchored(row, place)):
                        placed.append(str(row["uuid"]))
            cs.drop_unanchored(conn, placed)
            if placed:
                record(conn, actor=self.actor, action="reapply_unanchored", entity="coding",
                       key=",".join(placed), detail={"placed": placed})
        return placed

    def place_unanchored(self, coding_uuid: str, start: int, end: int, *, coder: str) -> Coding:
        """Place an unanchored coding on the range ``[start, end)`` of its document's current
        text, chosen by a researcher (its text becomes that range's text)."""
        start, end = _as_id(start, "start"), _as_id(end, "end")
        self._coder_id(coder)
        with self.store.transaction() as conn:
            found = cs.unanchored_rows(conn, [coding_uuid])
            if not found:
                raise NotFoundError(f"no unanchored coding with uuid {coding_uuid}; list them "
                                    "with project.unanchored_codings().")
            row = found[0]
            doc = lock_document(conn, int(row["document_id"]), exclusive=False)
            assert doc is not None  # a foreign key keeps the document
            text = _range_text(doc.text, start, end, doc.name)
            values = {**coding_row_from_unanchored(row, Placement(start, end)), "text": text}
            if not cs.restore_if_free(conn, values):
                raise ConflictError(f"the coder already has this code on {doc.name}[{start}:{end}];"
                                    " choose another range.")
            cs.drop_unanchored(conn, [coding_uuid])
            record(conn, actor=coder, action="place_unanchored", entity="coding",
                   key=coding_uuid, detail={"document": doc.name, "start": start, "end": end})
            stored = cs.coding_by_uuid(conn, coding_uuid)
            assert stored is not None
            return self._as_coding(conn, stored)

    # -- settings --------------------------------------------------------------------
    @property
    def overlap_rule(self) -> OverlapRule:
        """The project's rule for when a range coding counts for a segment (default: any
        overlap of a non-space character); every per-segment analysis uses it unless told
        otherwise."""
        with self.store.reading() as conn:
            return OverlapRule.parse(read_setting(conn, "overlap_rule"))

    def set_overlap_rule(self, rule: OverlapRule | str | float) -> OverlapRule:
        """Set the project's overlap rule (``"any"``, ``"half"``, ``"whole"`` or a share)."""
        parsed = OverlapRule.parse(rule)
        with self.store.transaction() as conn:
            write_setting(conn, "overlap_rule", parsed.name)
            record(conn, actor=self.actor, action="set_overlap_rule", entity="project",
                   key="overlap_rule", detail={"rule": parsed.name})
        return parsed

    def write_memo(self, coder: str, target_kind: str, target_key: str, text: str) -> str:
        """Create or replace ``coder``'s memo on a project, document, segment or code."""
        if target_kind not in ("project", "document", "segment", "code"):
            raise ValueError("target_kind must be project, document, segment or code")
        coder_id = self._coder_id(coder)
        with self.store.transaction() as conn:
            memo_uuid = cs.save_memo(conn, coder_id=coder_id, target_kind=target_kind,
                                     target_key=target_key, text=text)
            record(conn, actor=coder, action="write_memo", entity="memo", key=memo_uuid,
                   detail={"target": f"{target_kind}:{target_key}"})
        return memo_uuid

    def set_position(self, coder: str, document: str, segment_index: int) -> None:
        """Remember where a coder is in a document (used to resume coding)."""
        segment_index = _as_id(segment_index, "segment_index")
        coder_id = self._coder_id(coder)
        with self.store.transaction() as conn:
            doc = document_by_name(conn, document)
            if doc is None:
                raise NotFoundError(f"no document {document!r}.")
            cs.set_position(conn, coder_id=coder_id, document_id=doc.id, segment_idx=segment_index)
            cov.note_visit(conn, coder_id=coder_id, document_id=doc.id,
                           segment_idx=segment_index)

    def position(self, coder: str, document: str) -> int | None:
        """The segment index where ``coder`` last was in ``document`` (None if never)."""
        coder_id = self._coder_id(coder)
        with self.store.reading() as conn:
            doc = document_by_name(conn, document)
            if doc is None:
                raise NotFoundError(f"no document {document!r}.")
            return cs.get_position(conn, coder_id=coder_id, document_id=doc.id)

    def last_position(self, coder: str) -> tuple[str, int] | None:
        """``(document, segment_index)`` where ``coder`` was most recently (None if never)."""
        coder_id = self._coder_id(coder)
        with self.store.reading() as conn:
            return cs.last_position(conn, coder_id=coder_id)

    # -- coverage and reliability rounds -------------------------------------------------
    def set_coverage(self, coder: str, document: str, status: str, *, note: str | None = None,
                     force: bool = False, last_index: int | None = None) -> str:
        """Record how far ``coder`` got in ``document``: ``not_started``, ``in_progress``
        or ``done``.

        ``done`` needs every unit of the coder's view visited: the furthest segment index
        the coder reached (recorded by :meth:`set_position`, i.e. by the coding panel) must
        be at least ``last_index`` (default: the document's last segment). Otherwise pass
        ``force=True`` with a ``note`` saying why. The change is audited. Returns the status.
        """
        if status not in COVERAGE_STATUSES:
            raise CoverageError(
                f"status must be one of {list(COVERAGE_STATUSES)}; got {status!r}."
                f"{suggest(str(status), list(COVERAGE_STATUSES))}"
            )
        if force and not (note or "").strip():
            raise CoverageError("force=True needs a note saying why the document counts as "
                                "done; pass note='...'.")
        coder_id = self._coder_id(coder)
        with self.store.transaction() as conn:
            doc = document_by_name(conn, document)
            if doc is None:
                raise NotFoundError(f"no document {document!r}{suggest(document, self.documents())}.")
            before = cov.coverage_row(conn, coder_id=coder_id, document_id=doc.id)
            furthest = None if before is None else before[1]
            if status == "done" and not force:
                last = (cov.n_segments(conn, doc.id) - 1) if last_index is None \
                    else _as_id(last_index, "last_index")
                if furthest is None or furthest < last:
                    reached = "no unit" if furthest is None else f"segment {furthest}"
                    raise CoverageError(
                        f"{coder} has reached {reached} of {document} but its last unit is "
                        f"segment {last}; visit every unit first, or pass force=True with "
                        "a note saying why it counts as done."
                    )
            cov.write_coverage(conn, coder_id=coder_id, document_id=doc.id, status=status,
                               note=(note or "").strip())
            record(conn, actor=self.actor, action="set_coverage", entity="coverage",
                   key=f"{coder}:{document}",
                   detail={"status": status, "before": None if before is None else before[0],
                           "forced": bool(force), "note": (note or "").strip(),
                           "furthest_idx": furthest})
        return status

    def coverage(self, *, recorded_only: bool = False) -> pd.DataFrame:
        """Coverage of every coder and document: ``coder``, ``document``, ``status``,
        ``furthest_idx`` (furthest segment index reached, or NA), ``n_segments``, ``note``,
        ``updated_at``.

        Pairs never recorded are ``not_started`` (``recorded_only=True`` lists only stored
        rows). A stored ``not_started`` with visited segments is shown as ``in_progress``
        only once someone sets it: the status is what was set.
        """
        with self.store.reading() as conn:
            stored = cov.coverage_frame(conn)
        if recorded_only:
            return stored
        docs = self.documents()
        sizes = self.segments().groupby("document").size() if docs else pd.Series(dtype=int)
        grid = pd.MultiIndex.from_product([self.coders(), docs], names=["coder", "document"])
        frame = pd.DataFrame(index=grid).reset_index()
        frame = frame.merge(stored, on=["coder", "document"], how="left")
        frame["status"] = frame["status"].fillna("not_started")
        frame["note"] = frame["note"].fillna("")
        frame["furthest_idx"] = frame["furthest_idx"].astype("Int64")
        frame.insert(4, "n_segments",
                     frame["document"].map(sizes).fillna(0).astype("int64"))
        return frame

    def save_round(self, name: str, coders: Sequence[str], documents: Sequence[str]) -> None:
        """Store a named reliability round (replacing one of the same name): the coders and
        documents an agreement call uses with ``round=name``."""
        name = name.strip()
        if not name:
            raise CoverageError("a round needs a name, e.g. save_round('round 1', ...).")
        coder_list, doc_list = _listify(coders) or [], _listify(documents) or []
        for coder in coder_list:
            self._coder_id(coder)
        known = set(self.documents())
        for doc_name in doc_list:
            if doc_name not in known:
                raise NotFoundError(f"no document {doc_name!r}{suggest(doc_name, list(known))}.")
        if len(coder_list) < 2 or not doc_list:
            raise CoverageError("a round needs at least two coders and one document.")
        with self.store.transaction() as conn:
            replaced = cov.write_round(conn, name, coder_list, doc_list)
            record(conn, actor=self.actor, action="save_round", entity="round", key=name,
                   detail={"coders": coder_list, "documents": doc_list, "replaced": replaced})

    def round(self, name: str) -> tuple[list[str], list[str]]:
        """``(coders, documents)`` of the stored round ``name``."""
        with self.store.reading() as conn:
            found = cov.read_round(conn, name)
            names = list(cov.round_names(conn)["name"])
        if found is None:
            raise NotFoundError(f"no reliability round {name!r}{suggest(name, names)}; "
                                "store one with project.save_round(name, coders, documents).")
        return found

    def rounds(self) -> pd.DataFrame:
        """Stored reliability rounds: ``name``, ``coders``, ``documents``, ``created_at``."""
        with self.store.reading() as conn:
            return cov.round_names(conn)


def _check_role(role: str) -> None:
    if role not in CODER_ROLES:
        raise UsageError(f"unknown coder role {role!r}; use one of {', '.join(CODER_ROLES)}.")


def _as_id(value: object, what: str) -> int:
    """An integer id or offset from any integer type (numpy and pandas ones included)."""
    if isinstance(value, bool):
        raise CodingRangeError(f"{what} must be an integer, not {value!r}.")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise CodingRangeError(f"{what} must be an integer, not {value!r}.") from None


def _range_text(text: str, start: int, end: int, document: str) -> str:
    if not 0 <= start < end <= len(text):
        raise CodingRangeError(
            f"{start}..{end} is not a range of {document} (0..{len(text)}); give start < end "
            "inside the document's text."
        )
    chosen = text[start:end]
    if not chosen.strip():
        raise CodingRangeError(f"{document}[{start}:{end}] holds only white space; code a "
                               "passage with words in it.")
    return chosen



def _listify(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return list(value)
