"""The rule that tells a speaker label (``Anna: text``) from prose that contains a colon.

A line ``LABEL: text`` starts a turn by speaker ``LABEL`` when **all** of these hold:

1. the colon is followed by white space or ends the line, so ``http://x``, ``https://x``,
   ``10:30`` and ``a:b`` are never labels;
2. the label is short: 1-40 characters and at most 4 words; it starts with a letter, holds
   only letters, digits, spaces and ``. ' ’ - ( ) #``, and does not end with ``.`` (so
   ``e.g.:``, ``i.e.:`` and ``etc.:`` are not labels, ``Dr. Lee:`` and ``Speaker 2:`` are);
3. it is not a word that introduces prose (``Note``, ``NB``, ``PS``, ``Example``, ``See``,
   ``Source``, ``Date``, ``Time``, ``Tip``, ``Warning``, ... see :data:`NOT_SPEAKERS`);
4. **and** it is confirmed: the same label (ignoring case) starts at least two lines of the
   file, or it is declared (named in ``roles``, the attribute sheet's interviewer, a bold
   run in a .docx), or it is an interviewer name (``I``, ``R``, ``Int``, ``Interviewer``,
   ``Researcher``).

A label that passes 1-3 only once (``Summary of the call: ...``) is ordinary text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from workbench.parsing.readers.common import ReaderContext, is_interviewer_name, normalise_name

__all__ = ["NOT_SPEAKERS", "confirmed_labels", "split_label"]

NOT_SPEAKERS = frozenset(
    {
        "note", "notes", "nb", "n.b", "ps", "p.s", "pps", "example", "examples", "e.g",
        "eg", "i.e", "ie", "etc", "see", "see also", "cf", "source", "sources", "re",
        "subject", "date", "time", "location", "place", "tel", "phone", "fax", "email",
        "e-mail", "url", "link", "web", "www", "http", "https", "ftp", "mailto", "file",
        "warning", "caution", "tip", "important", "update", "edit", "summary", "title",
        "transcript", "duration", "recording", "attendees", "participants", "speakers",
        "agenda", "todo", "to do", "fyi", "aka", "ref", "reference", "references",
        "comment", "comments", "memo", "quote", "definition",
    }
)
"""Labels that introduce prose, never a speaker (compared ignoring case and a final ``.``)."""

_LABEL = re.compile(
    r"^(?P<label>[^\W\d_][\w .'’()#-]{0,39}?)[ \t]*:(?:[ \t]+(?P<rest>.*)|[ \t]*)$"
)


def split_label(line: str) -> tuple[str, str] | None:
    """``(label, rest)`` when ``line`` has the shape of a speaker turn (rules 1-3), else None."""
    match = _LABEL.match(line.strip())
    if not match:
        return None
    label = match.group("label").strip()
    if label.endswith(".") or len(label.split()) > 4:
        return None
    if normalise_name(label).rstrip(".") in NOT_SPEAKERS:
        return None
    return label, (match.group("rest") or "").strip()


def confirmed_labels(labels: Iterable[str], context: ReaderContext) -> set[str]:
    """The normalised labels among ``labels`` that rule 4 confirms as speakers."""
    counts = Counter(normalise_name(label) for label in labels)
    return {
        key
        for key, count in counts.items()
        if count >= 2 or context.is_declared(key) or is_interviewer_name(key)
    }
