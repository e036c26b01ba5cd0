"""Codes of a REFI-QDA file that are codes of this project under another name.

A code exported from here (or imported earlier, its GUID kept as a
:class:`~workbench.model.RefiIdentity`) and renamed in another program comes back with our
GUID and a new name. Matching by name would add it as a new code and put its codings under
it; :func:`match_known_codes` gives such a code our key instead, so its codings land on our
code, and says so ("kept our name").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from workbench.coder_identity import inert
from workbench.interop._refi import normalise_guid
from workbench.interop.refi_codebook import CodesImport, code_guid
from workbench.model import Code, Codebook, RefiIdentity

__all__ = ["match_known_codes"]


def match_known_codes(codes: CodesImport, codebook: Codebook | None,
                      identities: Mapping[tuple[str, str], RefiIdentity], where: str, *,
                      loads: bool = False) -> tuple[CodesImport, list[str]]:
    """``codes`` with each code whose GUID is one of ``codebook``'s given that code's key
    (in ``keys``, the codebook, parents, code identities and set members), and one warning
    per such code whose name differs. Codes without a known GUID are left as they are.
    ``loads``: the file is loaded as the codebook (a ``.qdc``), so a differing name renames
    our code; otherwise (a ``.qdpx``) our code keeps its name."""
    if codebook is None or not codes.keys:
        return codes, []
    ours: dict[str, str] = {}
    for code in codebook.codes:
        ours[normalise_guid(code_guid(code.key))] = code.key
        identity = identities.get(("code", code.key))
        if identity is not None and identity.guid:
            ours[normalise_guid(identity.guid)] = code.key
    matched = {key: ours[guid] for guid, key in codes.keys.items() if guid in ours}
    remap = {old: new for old, new in matched.items() if old != new}
    names = {c.key: c.name for c in codebook.codes}
    theirs = {c.key: c.name for c in codes.codebook.codes}
    then = ("it is loaded as a new name of that code, which keeps its key and codings"
            if loads else
            "its codings go to that code, which keeps its name here (rename it with "
            "wb.rename_code if the new name should stay)")
    warnings = [f"{where}: code {inert(theirs.get(old, old))!r} has the GUID of this "
                f"project's code {inert(names[new])!r} ({new}): {then}."
                for old, new in matched.items() if theirs.get(old, names[new]) != names[new]]
    if not remap:
        return codes, warnings
    book = codes.codebook
    moved = tuple(replace(c, key=remap.get(c.key, c.key),
                          parent=remap.get(c.parent, c.parent) if c.parent else c.parent)
                  for c in book.codes)
    first: dict[str, Code] = {}
    for code in moved:
        first.setdefault(code.key, code)
    unique = tuple(first.values())
    out = replace(codes, codebook=replace(book, codes=unique),
                  keys={g: remap.get(k, k) for g, k in codes.keys.items()},
                  identities=[_moved(i, remap) for i in codes.identities])
    return out, warnings


def _moved(identity: RefiIdentity, remap: Mapping[str, str]) -> RefiIdentity:
    """``identity`` following the code keys ``remap`` gives (a code's key, a set's members)."""
    if identity.kind == "code" and identity.key in remap:
        return replace(identity, key=remap[identity.key])
    members = identity.detail.get("codes") if identity.kind == "set" else None
    if isinstance(members, list) and any(m in remap for m in members):
        detail = {**identity.detail, "codes": [remap.get(m, m) for m in members]}
        return replace(identity, detail=detail)
    return identity
