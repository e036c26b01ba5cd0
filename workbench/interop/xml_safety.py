"""Parse untrusted XML safely and validate REFI-QDA XML against the bundled schemas.

Parsing happens twice, on purpose:

1. ``defusedxml`` (expat) screens the bytes and refuses any entity declaration and any
   external reference *before* anything is expanded (billion laughs, XXE). libxml2 expands
   entities inside attribute values even with ``resolve_entities=False``, so lxml alone is
   not enough.
2. lxml then builds the tree with ``resolve_entities=False, no_network=True,
   load_dtd=False, huge_tree=False``; nothing is fetched from disk or the network.

The XSDs in ``schemas/`` (REFI-QDA 1.0 Project and Codebook, MIT) are read from the package,
so validation needs no network either.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from typing import Literal

import defusedxml.ElementTree as defused_et
from defusedxml import DefusedXmlException
from lxml import etree

from workbench.errors import ImportFormatError

__all__ = ["SchemaKind", "parse_untrusted_xml", "safe_parser", "schema_errors"]

SchemaKind = Literal["project", "codebook"]
_SCHEMA_FILES = {"project": "Project.xsd", "codebook": "Codebook.xsd"}


def safe_parser() -> etree.XMLParser:
    """An lxml parser that resolves no entities and loads nothing from disk or network."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        dtd_validation=False,
    )


def parse_untrusted_xml(data: bytes, where: str) -> etree._Element:
    """The root element of untrusted XML ``data``; :class:`ImportFormatError` if refused."""
    try:
        defused_et.fromstring(data, forbid_dtd=False, forbid_entities=True,
                              forbid_external=True)
    except DefusedXmlException as exc:
        raise ImportFormatError(
            f"{where}: refusing the XML: it declares entities or external references "
            f"({type(exc).__name__}); REFI-QDA files never need them."
        ) from None
    except defused_et.ParseError as exc:
        raise ImportFormatError(f"{where}: not well-formed XML ({exc}).") from None
    except (LookupError, ValueError) as exc:  # e.g. <?xml encoding="U-F-8"?>
        raise ImportFormatError(
            f"{where}: the XML cannot be read ({exc}); REFI-QDA files are UTF-8: save the "
            "file again from the program that made it."
        ) from None
    try:
        return etree.fromstring(data, safe_parser())
    except (etree.XMLSyntaxError, LookupError, ValueError) as exc:
        raise ImportFormatError(f"{where}: not well-formed XML ({exc}).") from None


@lru_cache(maxsize=2)
def _schema(kind: SchemaKind) -> etree.XMLSchema:
    resource = files("workbench.interop").joinpath("schemas").joinpath(_SCHEMA_FILES[kind])
    document = etree.fromstring(resource.read_bytes(), safe_parser())
    return etree.XMLSchema(document)


def schema_errors(root: etree._Element, kind: SchemaKind) -> list[str]:
    """Messages (``line N: ...``) for every way ``root`` breaks the REFI-QDA ``kind`` schema."""
    schema = _schema(kind)
    if schema.validate(root):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]
