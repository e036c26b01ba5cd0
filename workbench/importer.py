"""Import parsed transcripts into a project: checks, segmentation, storage, re-anchoring.

Every transcript of a batch is checked (duplicate names, duplicate content) before anything
is stored; each document is then stored in its own transaction with its audit event. An
edited transcript replaces the stored one and its codings are re-anchored on the new text
(:mod:`workbench.reanchor`); codings that cannot be placed are kept aside and reported.
"""

from __future__ import annotations

import gc
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection
from tqdm.auto import tqdm

from workbench.errors import ConflictError, DuplicateImportError
from workbench.model import (
    ImportReport,
    ParsedTranscript,
    SegmentDraft,
    SegmentUnit,
    UnanchoredCoding,
)
from workbench.reanchor import Placement, context_of, reanchor
from workbench.segmentation import segment_transcripts
from workbench.storage import codings_store as cs
from workbench.storage.audit_log import now, record
from workbench.storage.documents_store import (
    document_by_name,
    document_by_sha,
    document_fingerprint,
    document_name,
    insert_document,
    replace_document_content,
    segment_ids_by_index,
)
from workbench.storage.engine import Store

__all__ = ["Importer", "Progress", "bulk_work"]

T = TypeVar("T")
Progress = bool | Callable[[Sequence[Any], int, str], Iterable[Any]]
"""``True``/``False`` for a tqdm bar, or ``f(items, total, label)`` returning an iterable."""


def _progress(items: Sequence[T], progress: Progress, label: str) -> Iterable[T]:
    if callable(progress):
        return progress(items, len(items), label)
    return tqdm(items, total=len(items), desc=label, disable=not progress, unit="doc")


#: The interpreter's thread switch interval during a bulk import (default 5 ms; see
#: :func:`bulk_work`).
SWITCH_INTERVAL = 0.0005


@contextmanager
def bulk_work() -> Iterator[None]:
    """Run a large import's Python work with less interpreter overhead; restores all.

    * The cyclic garbage collector is paused: an import allocates hundreds of thousands of
      small objects that live until it ends, and each full collection walks all of them
      (about a tenth of the import's time) while finding almost no cycles.
      Reference counting still frees everything as usual.
    * The thread switch interval is shortened: the storage thread gives up the GIL
      during each SQL statement and then waits for it while spaCy runs in the main thread;
      with the default 5 ms it falls behind and its work piles up at the end.

    Nested use is harmless; a collector the caller had already disabled stays disabled.
    """
    collecting = gc.isenabled()
    interval = sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        if collecting:
            gc.enable()


def _chunks(transcripts: Sequence[ParsedTranscript], turns: int = 2048) -> list[list[ParsedTranscript]]:
    """Consecutive groups of transcripts holding at least ``turns`` turns (the last may hold fewer)."""
    chunks: list[list[ParsedTranscript]] = [[]]
    count = 0
    for transcript in transcripts:
        if count >= turns:
            chunks.append([])
            count = 0
        chunks[-1].append(transcript)
        count += len(transcript.turns)
    return [chunk for chunk in chunks if chunk]


class Importer:
    """Stores parsed transcripts in a project's database as ``actor``."""

    def __init__(self, store: Store, actor: str = "system"):
        self.store = store
        self.actor = actor

    def run(
        self,
        transcripts: Sequence[ParsedTranscript],
        *,
        unit: SegmentUnit = "sentence",
        progress: Progress = True,
    ) -> list[ImportReport]:
        """Check, segment and store ``transcripts``; one report per transcript, in order."""
        with bulk_work():
            return self._run(transcripts, unit, progress)

    def _run(
        self, transcripts: Sequence[ParsedTranscript], unit: SegmentUnit, progress: Progress
    ) -> list[ImportReport]:
        names = [t.name for t in transcripts]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ConflictError(
                f"document name(s) {', '.join(repeated)} occur more than once in this import; "
                "give each transcript its own `document:` name."
            )
        todo: list[ParsedTranscript] = []
        reports: dict[str, ImportReport] = {}
        first_with: dict[str, str] = {}  # sha256 -> first document name in this batch
        with self.store.reading() as conn:
            for t in transcripts:
                earlier = first_with.setdefault(t.sha256, t.name)
                if earlier != t.name:
                    raise DuplicateImportError(
                        f"{t.source or t.name}: same content as {earlier!r} in this import; "
                        "nothing was imported. Remove the duplicate file, or give it a "
                        "different case (front matter) if it really is another interview."
                    )
                if document_fingerprint(conn, t.name) == (t.sha256, unit):
                    reports[t.name] = ImportReport(t.name, "unchanged", 0, warnings=t.warnings)
                    continue
                twin = document_by_sha(conn, t.sha256)
                if twin is not None and twin != t.name:
                    raise DuplicateImportError(
                        f"{t.source or t.name}: same content as the stored document "
                        f"{twin!r}; nothing was imported. Remove the duplicate file, or "
                        "give it a different case (front matter) if it really is another "
                        "interview."
                    )
                todo.append(t)
        # Segment the next chunk while a worker thread stores the previous documents (the
        # database drivers release the GIL while they write; on SQLite a document's segments
        # are one statement). A separate storage process was measured too and was no faster
        # on two cores, so the thread stays.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbench-store") as pool:
            previous: list[Future[ImportReport]] = []
            for chunk in _progress(_chunks(todo), progress, "Importing"):
                # One spaCy pipe per chunk of documents: batches stay full across files.
                current = [
                    pool.submit(self._store_transcript, transcript, drafts, unit)
                    for transcript, drafts in zip(chunk, segment_transcripts(chunk, unit=unit),
                                                  strict=True)
                ]
                # The worker stored the previous chunk while this one was segmented.
                for future in previous:
                    self._collect(future, reports)
                previous = current
            for future in previous:
                self._collect(future, reports)
        return [reports[n] for n in names]

    @staticmethod
    def _collect(future: Future[ImportReport], reports: dict[str, ImportReport]) -> None:
        report = future.result()
        reports[report.document] = report
        for item in report.unanchored:
            warnings.warn(
                f"{report.document}: {item.coder}'s coding {item.code!r} on "
                f"{item.text[:60]!r} could not be re-anchored ({item.reason}); it is kept in "
                "project.unanchored_codings().",
                stacklevel=4,
            )

    def _store_transcript(
        self, transcript: ParsedTranscript, drafts: list[SegmentDraft], unit: str
    ) -> ImportReport:
        with self.store.transaction() as conn:
            stored = document_by_name(conn, transcript.name)
            if stored is None:
                insert_document(conn, transcript, drafts, unit)
                record(conn, actor=self.actor, action="import", entity="document",
                       key=transcript.name,
                       detail={"segments": len(drafts), "source": transcript.source})
                return ImportReport(transcript.name, "added", len(drafts),
                                    warnings=transcript.warnings)
            old = cs.take_codings_of_document(conn, stored.id)
            replace_document_content(conn, stored.id, transcript, drafts, unit)
            placed, lost = self._reanchor(conn, stored.id, stored.text, transcript.text, old, drafts)
            record(conn, actor=self.actor, action="reimport", entity="document",
                   key=transcript.name,
                   detail={"segments": len(drafts), "reanchored": placed,
                           "unanchored": [u.uuid for u in lost]})
        return ImportReport(transcript.name, "updated", len(drafts), reanchored=placed,
                            unanchored=tuple(lost), warnings=transcript.warnings)

    def _reanchor(
        self,
        conn: Connection,
        document_id: int,
        old_text: str,
        new_text: str,
        old: list[cs.StoredCoding],
        drafts: list[SegmentDraft],
    ) -> tuple[int, list[UnanchoredCoding]]:
        if not old:
            return 0, []
        segment_ids = segment_ids_by_index(conn, document_id)
        code_keys = {v: k for k, v in cs.code_ids(conn, include_retired=True).items()}
        coder_names = {v: k for k, v in cs.coder_ids(conn).items()}
        placements = reanchor(old_text, new_text, [(c.start, c.end, c.text) for c in old], drafts)
        restored: list[dict[str, object]] = []
        taken: set[tuple[int, int, int]] = set()
        lost_rows: list[dict[str, object]] = []
        lost: list[UnanchoredCoding] = []
        for coding, place in zip(old, placements, strict=True):
            if isinstance(place, Placement):
                key = (segment_ids[place.segment_index], coding.code_id, coding.coder_id)
                if key not in taken:
                    taken.add(key)
                    restored.append({
                        "uuid": coding.uuid, "segment_id": key[0], "code_id": coding.code_id,
                        "coder_id": coding.coder_id,
                        "codebook_version_id": coding.codebook_version_id,
                        "start": place.start, "end": place.end, "text": coding.text,
                        "is_span": place.is_span, "memo": coding.memo,
                        "created_at": coding.created_at, "updated_at": coding.updated_at,
                    })
                    continue
                reason = "another coding of the same code by the same coder landed on its segment"
            else:
                reason = place
            before, after = context_of(old_text, coding.start, coding.end)
            lost_rows.append({
                "uuid": coding.uuid, "document_id": document_id, "code_id": coding.code_id,
                "coder_id": coding.coder_id, "codebook_version_id": coding.codebook_version_id,
                "old_start": coding.start, "old_end": coding.end, "text": coding.text,
                "context_before": before, "context_after": after, "memo": coding.memo,
                "reason": reason, "created_at": coding.created_at, "unanchored_at": now(),
            })
            lost.append(UnanchoredCoding(
                uuid=coding.uuid, document="", code=code_keys[coding.code_id],
                coder=coder_names[coding.coder_id], text=coding.text, memo=coding.memo,
                reason=reason,
            ))
        cs.restore_codings(conn, restored)
        cs.insert_unanchored(conn, lost_rows)
        name = document_name(conn, document_id)
        lost = [UnanchoredCoding(u.uuid, str(name), u.code, u.coder, u.text, u.memo, u.reason)
                for u in lost]
        return len(restored), lost
