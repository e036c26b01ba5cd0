"""Read an untrusted zip archive (a ``.qdpx`` or ``.docx``) without trusting its names or sizes.

Nothing is ever extracted to disk: members are read into memory by name. Opening the
archive checks every member *before* anything is read, and :class:`ImportFormatError` says
which member is refused:

* names: no absolute paths (``/x``, ``\\x``, ``C:x``), no ``..`` component, no NUL, no
  symbolic links, no encrypted members, no two members whose names differ only in case;
* sizes: at most ``max_members`` members, declared uncompressed total at most ``max_total``
  bytes, and no member over 1 MiB that declares a compression ratio above ``max_ratio``.

Reading then counts the bytes actually decompressed, so a member whose header lies about its
size is stopped at its declared size (and at the total cap) instead of filling memory.
A damaged archive (bad headers, a corrupt deflate stream) is an :class:`ImportFormatError`
too. Lookups ignore case and treat ``\\`` as ``/`` (``Sources/x.txt`` finds ``sources/x.txt``).
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from types import TracebackType

from workbench.errors import ImportFormatError

__all__ = ["MAX_MEMBERS", "MAX_RATIO", "MAX_TOTAL_BYTES", "SafeZip"]

MAX_TOTAL_BYTES = 200 * 1024 * 1024
"""Default cap on the uncompressed size of all members together (200 MiB)."""
MAX_RATIO = 100
"""Default cap on a member's uncompressed/compressed size ratio (members over 1 MiB)."""
MAX_MEMBERS = 10_000
"""Default cap on the number of members."""
_RATIO_FLOOR = 1024 * 1024
_CHUNK = 64 * 1024


def _normal(name: str) -> str:
    return name.replace("\\", "/").casefold()


_HINTS = {
    "qdpx": ("not a zip archive; a .qdpx file is a zip of project.qde and sources/",
             "A REFI-QDA file holds only project.qde and sources/<GUID>.<ext>; re-export it "
             "from the program that made it."),
    "docx": ("not a readable Word .docx file (not a zip archive); open it in Word and save "
             "it again as .docx",
             "Open the document in Word and save it again as .docx."),
}
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError, ValueError)
"""What the zip reader raises for a damaged archive."""


def _check_name(info: zipfile.ZipInfo, where: str, hint: str) -> None:
    name = info.filename.replace("\\", "/")
    problem = None
    if "\x00" in name:
        problem = "contains a NUL character"
    elif name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        problem = "is an absolute path"
    elif ".." in PurePosixPath(name).parts:
        problem = "climbs out of the archive with '..'"
    elif stat.S_ISLNK(info.external_attr >> 16):
        problem = "is a symbolic link"
    elif info.flag_bits & 0x1:
        problem = "is encrypted"
    if problem:
        raise ImportFormatError(
            f"{where}: refusing the archive: member {info.filename!r} {problem}. {hint}"
        )


class SafeZip:
    """An untrusted zip archive opened for reading; use as a context manager.

    ``max_total`` caps the uncompressed bytes of all members, ``max_ratio`` the compression
    ratio of members over 1 MiB, ``max_members`` their number. ``path`` may also be the
    archive's bytes, with ``name`` (used in messages) saying where they came from; ``kind``
    (``"qdpx"`` or ``"docx"``) chooses the advice in messages.
    """

    def __init__(
        self,
        path: str | Path | bytes,
        *,
        name: str | None = None,
        kind: str = "qdpx",
        max_total: int = MAX_TOTAL_BYTES,
        max_ratio: float = MAX_RATIO,
        max_members: int = MAX_MEMBERS,
    ):
        self.path = Path(name if name is not None else
                         ("<bytes>" if isinstance(path, bytes) else path))
        self.max_total = max_total
        self._read_so_far = 0
        where = str(self.path)
        not_zip, self._hint = _HINTS[kind]
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(path) if isinstance(path, bytes) else path)
        except FileNotFoundError as exc:
            raise ImportFormatError(f"{where}: cannot open the file ({exc.strerror}).") from None
        except _DAMAGED as exc:
            raise ImportFormatError(f"{where}: {not_zip} ({exc}).") from None
        try:
            self._index = self._check(where, max_ratio, max_members)
        except BaseException:
            self._zip.close()
            raise

    def _check(self, where: str, max_ratio: float, max_members: int) -> dict[str, zipfile.ZipInfo]:
        infos = self._zip.infolist()
        if len(infos) > max_members:
            raise ImportFormatError(
                f"{where}: refusing the archive: {len(infos)} members (the limit is {max_members})."
            )
        total = 0
        index: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            _check_name(info, where, self._hint)
            total += info.file_size
            if total > self.max_total:
                raise ImportFormatError(
                    f"{where}: refusing the archive: it unpacks to more than "
                    f"{self.max_total:,} bytes (a zip bomb, or far larger than any set of "
                    "transcripts)."
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > _RATIO_FLOOR and ratio > max_ratio:
                raise ImportFormatError(
                    f"{where}: refusing the archive: member {info.filename!r} expands "
                    f"{ratio:.0f}-fold (limit {max_ratio:g}), which is how zip bombs look."
                )
            if info.is_dir():
                continue
            key = _normal(info.filename)
            if key in index:
                raise ImportFormatError(
                    f"{where}: refusing the archive: members {index[key].filename!r} and "
                    f"{info.filename!r} have the same name."
                )
            index[key] = info
        return index

    # -- lookup ----------------------------------------------------------------------
    def names(self) -> list[str]:
        """Names of the file members (directories left out), as stored."""
        return [info.filename for info in self._index.values()]

    def find(self, name: str) -> str | None:
        """The stored name of the member called ``name`` ignoring case and ``\\`` vs ``/``."""
        info = self._index.get(_normal(name))
        return None if info is None else info.filename

    def read(self, name: str) -> bytes:
        """The bytes of a member (looked up as :meth:`find` does), within the size caps."""
        info = self._index.get(_normal(name))
        if info is None:
            raise ImportFormatError(f"{self.path}: the archive has no member {name!r}.")
        return b"".join(self._chunks(info))

    def check_all(self) -> None:
        """Decompress every member once, within the caps, keeping nothing.

        For archives another library then reads (python-docx reads a ``.docx``): it proves
        that each member unpacks to no more than it declares and that no stream is damaged.
        """
        for info in self._index.values():
            for _ in self._chunks(info):
                pass

    def _chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The member's bytes in chunks, stopped at its declared size and the total cap."""
        limit = min(info.file_size, self.max_total - self._read_so_far)
        size = 0
        try:
            with self._zip.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise ImportFormatError(
                            f"{self.path}: refusing member {info.filename!r}: it unpacks to "
                            "more bytes than its header declares or than the size cap allows."
                        )
                    yield chunk
        except ImportFormatError:
            raise
        except _DAMAGED as exc:
            raise ImportFormatError(
                f"{self.path}: member {info.filename!r} is damaged ({exc}). {self._hint}"
            ) from None
        finally:
            self._read_so_far += size

    # -- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        """Close the archive."""
        self._zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
