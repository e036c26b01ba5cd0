"""Import parsed transcripts into a project: checks, segmentation, storage, re-anchoring.

Every transcript of a batch is checked (duplicate names, duplicate content) before anything
is stored; each document is then stored in its own transaction with its audit event
(:mod:`workbench.importing.document_writer`). An edited transcript replaces the stored one and its
codings are re-anchored on the new text (:mod:`workbench.importing.reanchor`); codings that cannot be
placed are kept aside and reported.

spaCy runs in the calling thread, a chunk of documents at a time, while the previous
chunk is stored: from a worker thread for small imports, from a child process for large
ones (:mod:`workbench.importing.storage_sink`). The import stops at the first document that fails
to store; the documents before it are stored completely. Inside
:meth:`Store.atomic() <workbench.storage.engine.Store.atomic>` (e.g. a ``.qdpx`` import) the
documents are stored in the calling thread within that one transaction, so a failure
leaves none of them.
"""

from __future__ import annotations

import gc
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

from tqdm.auto import tqdm

from workbench.errors import ConflictError, DuplicateImportError
from workbench.importing.segmentation import SentenceStarts, check_unit, sentence_starts
from workbench.importing.storage_sink import (
    StorageInline,
    StorageProcess,
    StorageSink,
    StorageThread,
    can_store_from_process,
)
from workbench.model import ImportReport, ParsedTranscript, SegmentUnit
from workbench.storage.documents_store import document_by_sha, document_fingerprint
from workbench.storage.engine import Store

__all__ = ["PROCESS_MIN_CHARACTERS", "Importer", "Progress", "StoreIn", "bulk_work"]

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


#: Documents are segmented (one spaCy pipe) and handed to storage in chunks of about this
#: many turns: enough to keep spaCy's batches full, few enough that storage starts early.
CHUNK_TURNS = 2048


def _chunks(transcripts: Sequence[ParsedTranscript]) -> list[list[ParsedTranscript]]:
    """Consecutive groups of transcripts holding at least :data:`CHUNK_TURNS` turns (the
    last may hold fewer)."""
    chunks: list[list[ParsedTranscript]] = [[]]
    count = 0
    for transcript in transcripts:
        if count >= CHUNK_TURNS:
            chunks.append([])
            count = 0
        chunks[-1].append(transcript)
        count += len(transcript.turns)
    return [chunk for chunk in chunks if chunk]


StoreIn = Literal["auto", "thread", "process"]
"""Where an import's documents are stored while the next ones are segmented."""

#: ``store_in="auto"`` stores from a child process when the turns to segment into sentences
#: hold at least this many characters (about 480,000 words): starting the child costs about
#: a second on the other core, which a smaller import would wait for.
PROCESS_MIN_CHARACTERS = 3_000_000


class Importer:
    """Stores parsed transcripts in a project's database as ``actor``.

    ``store_in`` chooses the storage sink (:mod:`workbench.importing.storage_sink`): ``"thread"``,
    ``"process"`` (a child process; needs a project file or a server URL), or ``"auto"``:
    the process for sentence imports of at least :data:`PROCESS_MIN_CHARACTERS`
    characters when the database allows it, else the thread. Inside
    :meth:`Store.atomic` every document is stored in the calling thread, in the block's
    transaction, whatever ``store_in`` says.
    """

    def __init__(self, store: Store, actor: str = "system", *, store_in: StoreIn = "auto"):
        if store_in not in ("auto", "thread", "process"):
            raise ValueError(f"store_in must be 'auto', 'thread' or 'process', not {store_in!r}")
        if store_in == "process" and not can_store_from_process(store):
            raise ValueError(
                "a storage process cannot be started here: it needs this Python's executable "
                f"({sys.executable!r}) and a project file or database server (the project is "
                f"at {store.location!r}); use store_in='thread'."
            )
        self.store = store
        self.actor = actor
        self.store_in = store_in

    def uses_process(self, todo: Sequence[ParsedTranscript], unit: SegmentUnit) -> bool:
        """Whether storing ``todo`` (the documents to store) would use a child process
        (never inside :meth:`Store.atomic`, whose transaction a child cannot join)."""
        if self.store.in_atomic:
            return False
        if self.store_in != "auto":
            return self.store_in == "process"
        if unit != "sentence" or not can_store_from_process(self.store):
            return False
        return sum(len(turn.text) for t in todo for turn in t.turns) >= PROCESS_MIN_CHARACTERS

    def _sink(self, todo: Sequence[ParsedTranscript], unit: SegmentUnit) -> StorageSink:
        if self.store.in_atomic:
            return StorageInline(self.store, self.actor)
        if self.uses_process(todo, unit):
            return StorageProcess(self.store, self.actor)
        return StorageThread(self.store, self.actor)

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
        check_unit(unit)
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
        if not todo:
            return [reports[n] for n in names]
        with self._sink(todo, unit) as sink:
            for chunk in _progress(_chunks(todo), progress, "Importing"):
                # One spaCy pipe per chunk of documents: batches stay full across files.
                starts: Sequence[SentenceStarts | None] = (
                    sentence_starts(chunk) if unit == "sentence" else [None] * len(chunk)
                )
                for transcript, transcript_starts in zip(chunk, starts, strict=True):
                    sink.put(transcript, transcript_starts, unit)
                sink.check()  # stop segmenting as soon as a document failed to store
            for report in sink.finish():
                reports[report.document] = report
                _warn_unanchored(report)
        return [reports[n] for n in names]


def _warn_unanchored(report: ImportReport) -> None:
    for item in report.unanchored:
        warnings.warn(
            f"{report.document}: {item.coder}'s coding {item.code!r} on "
            f"{item.text[:60]!r} could not be re-anchored ({item.reason}); it is kept in "
            "project.unanchored_codings().",
            stacklevel=5,
        )
    for decision_id, reason in report.stale_decisions:
        warnings.warn(
            f"{report.document}: consensus decision #{decision_id} is stale ({reason}); its "
            "item is open again: decide it anew (project.decision_history() keeps it).",
            stacklevel=5,
        )
