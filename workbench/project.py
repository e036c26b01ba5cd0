"""The Python API: a :class:`Project` holds transcripts, a codebook, coders and codings.

Everything a notebook, widget or the CLI does goes through this class; it calls the parsing,
segmentation and storage layers and returns dataclasses or tidy DataFrames.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

import pandas as pd
from sqlalchemy import Connection

from workbench.errors import NotFoundError, UnknownCodeError, UnknownCoderError, suggest
from workbench.importing.importer import Importer, Progress, StoreIn, bulk_work
from workbench.model import (
    CaseAttributes,
    Codebook,
    ImportReport,
    ParsedTranscript,
    Segment,
    SegmentUnit,
)
from workbench.parsing.codebook_yaml import load_codebook_file
from workbench.storage import codings_store as cs
from workbench.storage import queries
from workbench.storage.audit_log import audit_events, record
from workbench.storage.codebook_store import (
    current_codebook,
    current_version,
    save_codebook_version,
)
from workbench.storage.documents_store import document_by_name, segment_bounds, segment_by_id
from workbench.storage.engine import Store, open_store

__all__ = ["Project", "create_project", "open_project"]

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
        the default picks a child process for large imports).
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
        self, source: str | Path | Codebook, *, retire_missing: bool = False
    ) -> int:
        """Load a codebook (YAML path or :class:`Codebook`); returns its version id.

        Loading an unchanged codebook returns the current version and records nothing.
        """
        codebook = source if isinstance(source, Codebook) else load_codebook_file(source)
        label = "" if isinstance(source, Codebook) else str(source)
        with self.store.transaction() as conn:
            version, _created = save_codebook_version(
                conn, codebook, source=label, actor=self.actor, retire_missing=retire_missing
            )
        self._code_ids = None
        return version

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
    def add_coder(self, name: str) -> None:
        """Register a coder (idempotent)."""
        name = name.strip()
        if not name:
            raise ValueError("a coder needs a name")
        with self.store.transaction() as conn:
            cs.add_coder(conn, name, actor=self.actor)
        self._coder_ids = None

    def coders(self) -> list[str]:
        """Registered coder names, sorted."""
        return sorted(self._coders())

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
                retired = cs.code_ids(conn, include_retired=True)
            if key not in self._code_ids:
                if key in retired:
                    raise UnknownCodeError(
                        f"code {key!r} was removed from the codebook (retired); its codings "
                        "are kept, but it cannot be applied. Add it back to the codebook to "
                        "use it again."
                    )
                raise UnknownCodeError(
                    f"code {key!r} is not in the codebook{suggest(key, list(self._code_ids))}; "
                    "check the spelling or add the code to the codebook."
                )
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

    def turns(self, document: str) -> pd.DataFrame:
        """The turns of one document."""
        with self.store.reading() as conn:
            return queries.turns_frame(conn, document)

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
        """One segment by id."""
        with self.store.reading() as conn:
            found = segment_by_id(conn, segment_id)
        if found is None:
            raise NotFoundError(f"no segment with id {segment_id}.")
        return found

    def codings(
        self,
        *,
        coder: str | Sequence[str] | None = None,
        document: str | Sequence[str] | None = None,
        perspective: str | Sequence[str] | None = None,
        with_attributes: bool = True,
    ) -> pd.DataFrame:
        """Codings as a tidy DataFrame with segment, code, theme, coder and case attributes."""
        with self.store.reading() as conn:
            return queries.codings_frame(
                conn,
                documents_=_listify(document),
                perspectives=_listify(perspective),
                coder_names=_listify(coder),
                with_attributes=with_attributes,
            )

    def unanchored_codings(self) -> pd.DataFrame:
        """Codings that re-importing an edited transcript could not place."""
        with self.store.reading() as conn:
            return queries.unanchored_frame(conn)

    def audit_log(self) -> pd.DataFrame:
        """The append-only audit trail, oldest first."""
        with self.store.reading() as conn:
            return pd.DataFrame(audit_events(conn))

    # -- coding ----------------------------------------------------------------------
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

        ``span=(start, end)`` codes only those characters of the segment text (offsets
        relative to the segment). Applying a code the coder already applied there keeps
        the existing coding (and sets the memo, if one is given).
        """
        return self.apply_codes([(segment_id, code, coder, memo, span)])[0]

    def apply_codes(
        self, items: Sequence[tuple[int, str, str, str, tuple[int, int] | None]]
    ) -> list[str]:
        """Apply many ``(segment_id, code, coder, memo, span)`` codings in one transaction.

        All or nothing: an unknown code, coder or segment stops the batch with nothing saved.
        """
        resolved = [(seg, self._code_id(code), code, self._coder_id(coder), coder, memo, span)
                    for seg, code, coder, memo, span in items]
        uuids: list[str] = []
        with self.store.transaction() as conn:
            version = current_version(conn)
            if version is None:  # pragma: no cover - a code id implies a codebook
                raise NotFoundError("load a codebook before coding.")
            live = set(cs.code_ids(conn).values())
            for _, code_id, code, *_ in resolved:
                if code_id not in live:  # retired (by another user) since the ids were cached
                    self._code_ids = None
                    self._code_id(code)  # raises UnknownCodeError saying it was retired
            for segment_id, code_id, code, coder_id, coder, memo, span in resolved:
                uuids.append(self._apply(conn, version, segment_id, code_id, code, coder_id,
                                         coder, memo, span))
        return uuids

    def _apply(
        self,
        conn: Connection,
        version: int,
        segment_id: int,
        code_id: int,
        code: str,
        coder_id: int,
        coder: str,
        memo: str,
        span: tuple[int, int] | None,
    ) -> str:
        bounds = segment_bounds(conn, segment_id)
        if bounds is None:
            raise NotFoundError(f"no segment with id {segment_id}; list them with "
                                "project.segments().")
        start, end, text = bounds
        seg_start, seg_text, is_span = start, text, False
        if span is not None:
            lo, hi = span
            if not 0 <= lo < hi <= len(seg_text):
                raise ValueError(
                    f"span {span} is not inside the segment (0..{len(seg_text)}); give "
                    "(start, end) offsets into the segment text with start < end."
                )
            start, end, text = seg_start + lo, seg_start + hi, seg_text[lo:hi]
            is_span = (lo, hi) != (0, len(seg_text))
        coding_uuid, created = cs.insert_coding(
            conn, segment_id=segment_id, code_id=code_id, coder_id=coder_id,
            version_id=version, start=start, end=end, text=text, is_span=is_span, memo=memo,
        )
        if not created and memo:
            cs.update_coding_memo(conn, coding_uuid, memo)
        if created or memo:
            record(conn, actor=coder, action="apply_code" if created else "edit_memo",
                   entity="coding", key=coding_uuid,
                   detail={"segment_id": segment_id, "code": code, "memo": memo,
                           "span": [start, end] if is_span else None})
        return coding_uuid

    def remove_code(self, segment_id: int, code: str, coder: str) -> bool:
        """Remove ``coder``'s coding of ``code`` on a segment; False if there was none.

        Codings of a retired code can be removed too.
        """
        code_id = self._code_id(code, retired_ok=True)
        coder_id = self._coder_id(coder)
        with self.store.transaction() as conn:
            removed = cs.delete_coding(conn, segment_id=segment_id, code_id=code_id,
                                       coder_id=coder_id)
            if removed is not None:
                record(conn, actor=coder, action="remove_code", entity="coding",
                       key=removed.uuid,
                       detail={"segment_id": segment_id, "code": code, "memo": removed.memo,
                               "start": removed.start, "end": removed.end})
        return removed is not None

    def set_coding_memo(self, coding_uuid: str, memo: str, *, coder: str) -> None:
        """Replace the memo of a coding."""
        self._coder_id(coder)
        with self.store.transaction() as conn:
            if not cs.update_coding_memo(conn, coding_uuid, memo):
                raise NotFoundError(f"no coding with uuid {coding_uuid}.")
            record(conn, actor=coder, action="edit_memo", entity="coding", key=coding_uuid,
                   detail={"memo": memo})

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
        coder_id = self._coder_id(coder)
        with self.store.transaction() as conn:
            doc = document_by_name(conn, document)
            if doc is None:
                raise NotFoundError(f"no document {document!r}.")
            cs.set_position(conn, coder_id=coder_id, document_id=doc.id, segment_idx=segment_index)

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


def _listify(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return list(value)
