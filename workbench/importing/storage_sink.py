"""Where an import stores its documents while spaCy segments the next ones.

The importer runs spaCy in the calling thread and hands each segmented transcript, with
its sentence starts, to a *storage sink*. The sink builds the segments and stores the
document (:class:`~workbench.importing.document_writer.DocumentWriter`, one transaction each) while
the next chunk is being segmented. There are two sinks:

* :class:`StorageThread` stores from a worker thread of this process. It starts at once,
  so it serves small imports. But building segments, encoding them and SQLAlchemy all need
  the interpreter lock that spaCy holds, so on a large import storage takes time away from
  segmentation.
* :class:`StorageProcess` stores from a child process, ``python -m
  workbench.importing.storage_sink``. It is not :mod:`multiprocessing`, which would re-import the
  caller's ``__main__`` (a researcher's script or notebook). The parent pickles each
  transcript in a compact form with its sentence starts onto the child's stdin. The child
  builds the segments, stores them through its own connection to the same database, and
  answers on its stdout with the import report. Starting it costs about a second of the
  *other* core, so it serves large imports.

Inside :meth:`Store.atomic() <workbench.storage.engine.Store.atomic>` neither can take part
in the caller's open transaction, so :class:`StorageInline` stores each document in the
calling thread, through the block's connection, as it is put (the importer picks it there).

All store documents in the order given and stop at the first failure. The documents
before it are stored completely; the failing one and those after it are not stored. The
failure is raised in the caller: from the child, it is the same exception, with the
child's traceback added as a note. If the caller stops (an error, or the user interrupts),
the sink stops too: the thread finishes the document it is storing, and the child is
terminated, which rolls back its open transaction.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import queue
import subprocess
import sys
import tempfile
import threading
import traceback
from abc import ABC, abstractmethod
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from workbench.errors import StorageError
from workbench.importing.document_writer import DocumentWriter
from workbench.importing.segmentation import SentenceStarts, drafts_from_starts
from workbench.model import ImportReport, ParsedTranscript, Turn
from workbench.storage.engine import Store, is_url, open_store

__all__ = [
    "StorageInline",
    "StorageProcess",
    "StorageSink",
    "StorageThread",
    "can_store_from_process",
    "pack_transcript",
    "unpack_transcript",
]

PackedTranscript = tuple[Any, ...]
_PROTOCOL = pickle.HIGHEST_PROTOCOL


class StorageSink(ABC):
    """Stores segmented transcripts in the order they are put; see the module docstring.

    ``with sink:`` aborts the sink when the block raises.
    """

    @abstractmethod
    def put(self, transcript: ParsedTranscript, starts: SentenceStarts | None, unit: str) -> None:
        """Queue ``transcript`` for storage (``starts`` None: whole-turn segments)."""

    @abstractmethod
    def check(self) -> None:
        """Raise the failure of a document stored so far, if any; never waits."""

    @abstractmethod
    def finish(self) -> list[ImportReport]:
        """Wait until every queued document is stored; their reports, in order."""

    @abstractmethod
    def abort(self) -> None:
        """Stop storing as soon as possible (idempotent)."""

    def __enter__(self) -> StorageSink:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is not None:
            self.abort()


class StorageThread(StorageSink):
    """Stores documents from one worker thread of this process."""

    def __init__(self, store: Store, actor: str):
        self._writer = DocumentWriter(store, actor)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbench-store")
        self._futures: list[Future[ImportReport]] = []
        self._reports: list[ImportReport] = []
        self._stop = threading.Event()

    def put(self, transcript: ParsedTranscript, starts: SentenceStarts | None, unit: str) -> None:
        """Queue ``transcript`` for storage (``starts`` None: whole-turn segments)."""
        self._futures.append(self._pool.submit(self._store, transcript, starts, unit))

    def _store(self, transcript: ParsedTranscript, starts: SentenceStarts | None,
               unit: str) -> ImportReport:
        if self._stop.is_set():  # an earlier document failed, or the import was stopped
            raise StorageError(f"the import stopped before {transcript.name} was stored.")
        try:
            return self._writer.write(transcript, drafts_from_starts(transcript, starts), unit)
        except BaseException:
            self._stop.set()
            raise

    def _take(self, future: Future[ImportReport]) -> None:
        self._reports.append(future.result())  # raises the document's failure

    def check(self) -> None:
        """Raise the failure of a document stored so far, if any; never waits."""
        # One worker stores in order, so the finished futures are a prefix of the list.
        while len(self._reports) < len(self._futures):
            future = self._futures[len(self._reports)]
            if not future.done():
                return
            self._take(future)

    def finish(self) -> list[ImportReport]:
        """Wait until every queued document is stored; their reports, in order."""
        for future in self._futures[len(self._reports):]:
            self._take(future)
        self._pool.shutdown()
        return list(self._reports)

    def abort(self) -> None:
        """Skip every document not yet started; waits for the one being stored."""
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


class StorageInline(StorageSink):
    """Stores each document in the calling thread as it is put (for :meth:`Store.atomic`,
    whose transaction only the calling thread can use)."""

    def __init__(self, store: Store, actor: str):
        self._writer = DocumentWriter(store, actor)
        self._reports: list[ImportReport] = []

    def put(self, transcript: ParsedTranscript, starts: SentenceStarts | None, unit: str) -> None:
        """Store ``transcript`` now (``starts`` None: whole-turn segments)."""
        self._reports.append(
            self._writer.write(transcript, drafts_from_starts(transcript, starts), unit))

    def check(self) -> None:
        """Nothing to do: a failure was raised by :meth:`put`."""

    def finish(self) -> list[ImportReport]:
        """The reports of the documents stored, in order."""
        return list(self._reports)

    def abort(self) -> None:
        """Nothing to do: nothing is queued."""


def can_store_from_process(store: Store) -> bool:
    """True when a child process can open the same database (a server URL or a file) and
    this interpreter can start one (an embedded Python may have no executable)."""
    if not sys.executable or not Path(sys.executable).is_file():
        return False
    return is_url(store.location) or Path(store.location).is_file()


def pack_transcript(transcript: ParsedTranscript) -> PackedTranscript:
    """``transcript`` as plain tuples: about ten times cheaper to pickle than the dataclasses."""
    return (
        transcript.name, transcript.attributes, transcript.text, transcript.source,
        transcript.warnings,
        [(t.index, t.speaker, t.role, t.text, t.start, t.end, t.video_time, t.stop_index,
          t.time_marks) for t in transcript.turns],
    )


def unpack_transcript(packed: PackedTranscript) -> ParsedTranscript:
    """The transcript :func:`pack_transcript` packed, equal to the original."""
    name, attributes, text, source, warnings, rows = packed
    return ParsedTranscript(name=name, attributes=attributes, text=text,
                            turns=tuple(Turn(*row) for row in rows), source=source,
                            warnings=warnings)


class StorageProcess(StorageSink):
    """Stores documents from a child process (``python -m workbench.importing.storage_sink``)."""

    def __init__(self, store: Store, actor: str):
        self._sent = 0
        self._answers: list[tuple[Any, ...]] = []  # appended by the reader thread
        self._taken = 0
        self._reports: list[ImportReport] = []
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        # The child's stderr goes to a file (read back if it dies): a pipe could fill up.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in _close()
        package_root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        self.child = subprocess.Popen(
            [sys.executable, "-m", "workbench.importing.storage_sink"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env,
        )
        assert self.child.stdin is not None and self.child.stdout is not None
        # Writes go through a thread, so a child that is still starting or busy never
        # blocks spaCy; answers are read by another, so a full pipe never blocks the child.
        self._feeder = threading.Thread(target=self._feed, args=(self.child.stdin,),
                                        name="workbench-store-feed", daemon=True)
        self._reader = threading.Thread(target=self._read, args=(self.child.stdout,),
                                        name="workbench-store-read", daemon=True)
        self._feeder.start()
        self._reader.start()
        # The location travels in the pipe, not on the command line: a server URL may
        # hold a password, and command lines are visible to other users.
        self._outbox.put(pickle.dumps(("open", store.location, actor), _PROTOCOL))

    def _feed(self, pipe: IO[bytes]) -> None:
        broken = False
        while (data := self._outbox.get()) is not None:
            if broken:
                continue  # the child has gone; the reader reports why
            try:
                pipe.write(data)
                pipe.flush()
            except OSError:
                broken = True
        with contextlib.suppress(OSError):
            pipe.close()

    def _read(self, pipe: IO[bytes]) -> None:
        try:
            while True:
                self._answers.append(pickle.load(pipe))
        except (EOFError, OSError, pickle.UnpicklingError):
            pass
        finally:
            pipe.close()

    def put(self, transcript: ParsedTranscript, starts: SentenceStarts | None, unit: str) -> None:
        """Queue ``transcript`` for storage (``starts`` None: whole-turn segments)."""
        self._outbox.put(pickle.dumps(("store", pack_transcript(transcript), starts, unit),
                                      _PROTOCOL))
        self._sent += 1

    def _take_answers(self) -> None:
        while self._taken < len(self._answers):
            answer = self._answers[self._taken]
            self._taken += 1
            if answer[0] == "failed":
                raise _failure(*answer[1:])
            self._reports.append(answer[1])

    def check(self) -> None:
        """Raise the failure of a document stored so far, or the child's end; never waits."""
        self._take_answers()
        if not self._reader.is_alive() and len(self._reports) < self._sent:
            self._take_answers()  # answers that arrived just before the end
            raise self._ended_early()

    def finish(self) -> list[ImportReport]:
        """Wait until every queued document is stored; their reports, in order."""
        self._outbox.put(None)  # the child stores what it has, then sees the end of input
        self._reader.join()
        self.child.wait()
        self._take_answers()
        if len(self._reports) < self._sent:
            raise self._ended_early()
        self._close()
        return list(self._reports)

    def _ended_early(self) -> StorageError:
        code = self.child.wait()
        self._stderr.seek(0)
        lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        said = f" It said: {lines[-1]}" if lines else ""
        self._close()
        return StorageError(
            f"the import's storage process stopped unexpectedly (exit code {code}) after "
            f"confirming {len(self._reports)} of the {self._sent} documents sent to it (it may "
            f"have stored one more without confirming it).{said} Every stored document is "
            "complete; run the import again to store the rest (stored documents are skipped "
            "as unchanged)."
        )

    def abort(self) -> None:
        """Terminate the child (its open transaction is rolled back) and clean up."""
        if self.child.poll() is None:
            self.child.terminate()
            try:
                self.child.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - a child stuck in a syscall
                self.child.kill()
                self.child.wait()
        self._close()

    def _close(self) -> None:
        self._outbox.put(None)
        self._feeder.join(timeout=10)
        self._reader.join(timeout=10)
        self._stderr.close()


def _failure(document: str | None, error: BaseException | None, description: str,
             remote_traceback: str) -> BaseException:
    """The exception to raise in the parent for a failure the child reported."""
    where = f"storing {document}" if document else "opening the project"
    if error is None:
        return StorageError(
            f"{where} failed in the import's storage process: {description}. The documents "
            "before it are stored completely; fix the problem and run the import again."
        )
    error.add_note(f"(raised while {where} in the import's storage process)\n"
                   + remote_traceback.rstrip())
    return error


def _portable(error: BaseException) -> BaseException | None:
    """``error`` when it survives pickling (the parent raises the very same), else None."""
    try:
        copy = pickle.loads(pickle.dumps(error, _PROTOCOL))
    except Exception:
        return None
    return copy if isinstance(copy, BaseException) and str(copy) == str(error) else None


def _failed(document: str | None, error: BaseException) -> tuple[Any, ...]:
    return ("failed", document, _portable(error), f"{type(error).__name__}: {error}",
            traceback.format_exc())


def main() -> int:
    """The child: open the project, then store each document the parent sends, in order."""
    gc.disable()  # as in importer.bulk_work: many long-lived objects, almost no cycles
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, never into the answers
    inbox = sys.stdin.buffer

    def answer(message: tuple[Any, ...]) -> None:
        answers.write(pickle.dumps(message, _PROTOCOL))
        answers.flush()

    try:
        _, location, actor = pickle.load(inbox)
        writer = DocumentWriter(open_store(location), actor)
    except Exception as exc:
        answer(_failed(None, exc))
        return 1
    try:
        while True:
            try:
                _, packed, starts, unit = pickle.load(inbox)
            except EOFError:
                return 0
            transcript = unpack_transcript(packed)
            try:
                drafts = drafts_from_starts(transcript, starts)
                report = writer.write(transcript, drafts, unit)
            except Exception as exc:
                answer(_failed(transcript.name, exc))
                return 1  # stop at the first failure; the parent raises it
            answer(("stored", report))
    finally:
        writer.store.close()


if __name__ == "__main__":
    raise SystemExit(main())
