"""Decode transcript bytes: UTF-8 (with or without BOM), UTF-16, and cp1252 as a fallback.

Line ends are normalised to ``\\n`` here, once, so every later offset counts the same
characters whatever system wrote the file.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from workbench.errors import TranscriptEncodingError

__all__ = ["DecodedText", "decode_bytes", "normalise_newlines"]


@dataclass(frozen=True)
class DecodedText:
    """Text decoded from a file, the encoding used, and any warning for the user."""

    text: str
    encoding: str
    warning: str | None = None


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _looks_like_utf16(data: bytes) -> str | None:
    """Guess UTF-16 without a BOM from the pattern of zero bytes in ASCII-heavy text."""
    sample = data[:4000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_zeros > 0.4 * half and even_zeros < 0.05 * half:
        return "utf-16-le"
    if even_zeros > 0.4 * half and odd_zeros < 0.05 * half:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, *, source: str = "<bytes>") -> DecodedText:
    """Decode a transcript file's bytes and normalise its line ends.

    Raises :class:`TranscriptEncodingError` when no supported encoding fits.
    """
    warning: str | None = None
    if data.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8-sig", data[len(codecs.BOM_UTF8) :]
        text = _strict(body, "utf-8", source)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
        text = _strict(data, "utf-16", source)
    elif (guess := _looks_like_utf16(data)) is not None:
        encoding = guess
        text = _strict(data, guess, source)
    else:
        try:
            text = data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError as exc:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise TranscriptEncodingError(
                    f"the file is not UTF-8 (invalid byte at position {exc.start}) and not "
                    "Windows-1252 either. Open it in a text editor and save it as UTF-8.",
                    path=source,
                ) from None
            encoding = "cp1252"
            warning = (
                f"{source}: not valid UTF-8 (first bad byte at position {exc.start}); read as "
                "Windows-1252. Check accented letters, and save the file as UTF-8 to silence "
                "this warning."
            )
    if "\x00" in text:
        raise TranscriptEncodingError(
            "the file contains NUL characters: it is probably not a text file. Export the "
            "transcript as plain text (UTF-8).",
            path=source,
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    return DecodedText(normalise_newlines(text), encoding, warning)


def _strict(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise TranscriptEncodingError(
            f"the file starts like {encoding} but has an invalid byte at position {exc.start}. "
            "Re-export it from your word processor as UTF-8 text.",
            path=source,
        ) from None
