"""Helpers shared by the REFI-QDA reader and writer: names, GUIDs, descriptions, keys."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version

from lxml import etree

__all__ = [
    "CODEBOOK_NS",
    "FIELD_LABELS",
    "ORIGIN",
    "PROJECT_NS",
    "child",
    "child_text",
    "children",
    "format_footer",
    "make_guid",
    "normalise_guid",
    "parse_footer",
    "slug_key",
    "xml_text",
]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
try:
    _VERSION = version("ipr-workbench")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    _VERSION = "0"
ORIGIN = f"IPR workbench {_VERSION}"
"""The ``origin`` the workbench writes; files starting with "IPR workbench" are its own."""

_GUID_NAMESPACE = uuid.UUID("5b0c1f7e-3d0a-4c55-9a47-2f1d6c8e9b30")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_KEY_LINE = re.compile(r"^Workbench (code|theme): ([A-Za-z][A-Za-z0-9_\-]{0,99})$")
FIELD_LABELS = ("Inclusion", "Exclusion", "Example")


def make_guid(kind: str, *parts: str) -> str:
    """A stable GUID for a workbench object (same object, same GUID in every export)."""
    return str(uuid.uuid5(_GUID_NAMESPACE, "\x1f".join((kind, *parts))))


def normalise_guid(value: str | None) -> str:
    """A GUID for matching: braces and white space stripped, lower case (``""`` for none)."""
    return (value or "").strip().strip("{}").strip().lower()


def xml_text(value: str) -> str:
    """``value`` with the characters XML 1.0 cannot hold replaced by U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", value)


# -- element access, namespace-agnostic ----------------------------------------------------
def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    """Child elements called ``name`` in any (or no) namespace; comments are skipped."""
    for item in element:
        if isinstance(item.tag, str) and _local(item) == name:
            yield item


def child(element: etree._Element, name: str) -> etree._Element | None:
    """The first child element called ``name``, or None."""
    return next(children(element, name), None)


def child_text(element: etree._Element, name: str) -> str:
    """The text of the first child called ``name`` (``""`` when absent or empty)."""
    found = child(element, name)
    return "" if found is None else "".join(found.itertext())


# -- descriptions that carry workbench fields ----------------------------------------------
def format_footer(body: str, fields: dict[str, str], kind: str, key: str) -> str:
    """A REFI ``Description``: ``body``, a blank line, then labelled lines ending with the key.

    Multi-line values continue on lines indented by two spaces, so the footer holds no blank
    line and starts after the last blank line of the description.
    """
    lines = []
    for label in FIELD_LABELS:
        value = fields.get(label, "")
        if value:
            lines.append(f"{label}: " + value.replace("\n", "\n  "))
    lines.append(f"Workbench {kind}: {key}")
    footer = "\n".join(lines)
    return f"{body}\n\n{footer}" if body else footer


def parse_footer(description: str) -> tuple[str, dict[str, str], str, str] | None:
    """``(body, fields, kind, key)`` of a description written by :func:`format_footer`."""
    cut = description.rfind("\n\n")
    body, footer = (description[:cut], description[cut + 2:]) if cut >= 0 else ("", description)
    lines = footer.split("\n")
    match = _KEY_LINE.match(lines[-1])
    if match is None:
        return None
    fields: dict[str, str] = {}
    label = None
    for line in lines[:-1]:
        head, sep, value = line.partition(": ")
        if sep and head in FIELD_LABELS and head not in fields:
            label = head
            fields[label] = value
        elif label is not None and line.startswith("  "):
            fields[label] += "\n" + line[2:]
        else:
            return None
    return body, fields, match.group(1), match.group(2)


def slug_key(name: str, taken: set[str], *, prefix: str = "c") -> str:
    """A codebook key for ``name`` (``[A-Za-z][A-Za-z0-9_-]*``), unique against ``taken``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:60] or prefix
    if not slug[0].isalpha():
        slug = f"{prefix}_{slug}"
    key, number = slug, 2
    while key in taken:
        key = f"{slug}_{number}"
        number += 1
    taken.add(key)
    return key
