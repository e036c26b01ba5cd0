"""Retrieve coded passages and search the transcripts of a project: the public functions.

Each function reads what it needs from a :class:`~workbench.project.Project` and passes
plain DataFrames to :mod:`workbench.analysis.retrieval` and
:mod:`workbench.analysis.text_search` (which never see a ``Project``):

* :func:`retrieve` — the passages a query over codes finds (``Code("x")``, ``And``,
  ``Or``, ``Not``; ``&``, ``|``, ``-``), for a coder, several, everyone pooled, or the
  consensus layer, listed with their turn, speaker, recall-stop time and context.
* :func:`search_text` — plain, regular-expression or lemma search over the turns of the
  chosen documents and roles.
* :func:`code_hits` — apply a code to chosen hits (or passages) as range codings of one
  coder, one coding per hit; :func:`undo_code_hits` removes exactly the codings it created.

``source=`` names whose codings are searched: a coder's name, a list of coders,
``"pooled"`` (or ``"everyone"``: every coder's codings together; a passage lists the
coders behind it) or ``"consensus"``: the team's consensus layer
(``Project.codings(source="consensus")``, see :mod:`workbench.consensus`), which needs at
least one recorded decision; before that it raises :class:`~workbench.errors.RetrievalError`.
A coder whose name is one of these words is given as a list: ``source=["pooled"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from workbench.analysis.retrieval import (
    And,
    Code,
    Not,
    Or,
    Query,
    query_codes,
    retrieve_passages,
)
from workbench.analysis.text_search import SearchMode, search_hits
from workbench.errors import (
    NotFoundError,
    RetrievalError,
    UnknownCoderError,
    suggest,
)
from workbench.model import AppliedCoding

if TYPE_CHECKING:
    from workbench.project import Project

__all__ = [
    "POOLED",
    "And",
    "Code",
    "CodeHitsReport",
    "Not",
    "Or",
    "Query",
    "code_hits",
    "retrieve",
    "search_text",
    "source_codings",
    "undo_code_hits",
]

#: The ``source=`` words that mean every coder's codings together.
POOLED: tuple[str, ...] = ("pooled", "everyone")
Source = str | Sequence[str]


def _documents(project: Project, documents: str | Sequence[str] | None) -> list[str]:
    every = project.documents()
    if documents is None:
        return every
    chosen = [documents] if isinstance(documents, str) else list(documents)
    for name in chosen:
        if name not in every:
            raise NotFoundError(f"no document {name!r}{suggest(name, every)}; list them with "
                                "project.documents().")
    return list(dict.fromkeys(chosen))


def source_codings(project: Project, source: Source = "pooled", *,
                   documents: Sequence[str] | None = None) -> tuple[pd.DataFrame, str]:
    """The codings ``source`` names (see the module docstring) in ``documents`` (default
    all), and a description of the source for captions (``"coder 'ana'"``, ...)."""
    if isinstance(source, str) and source == "consensus":
        if not project.has_consensus():
            raise RetrievalError(
                "no consensus layer yet: the team has recorded no consensus decision "
                "(project.decide(...) or the adjudication panel). Use source='pooled' "
                "(everyone's codings), a coder's name, or a list of coders."
            )
        frame = project.codings(source="consensus", document=documents,
                                with_attributes=False)
        return frame, str(frame.attrs.get("source_caption", "consensus"))
    if isinstance(source, str) and source in POOLED:
        frame = project.codings(document=documents, with_attributes=False)
        return frame, f"everyone (pooled: {', '.join(project.coders()) or 'no coders'})"
    coders = [source] if isinstance(source, str) else list(source)
    if not coders or not all(isinstance(c, str) for c in coders):
        raise RetrievalError(f"source={source!r} is not a source of codings; give a coder's "
                             "name, a list of coders, 'pooled' or 'consensus'.")
    known = project.coders()
    for coder in coders:
        if coder not in known:
            raise UnknownCoderError(
                f"coder {coder!r} is not registered{suggest(coder, known)}; give a coder's "
                "name, a list of them, 'pooled' (everyone) or 'consensus'.")
    frame = project.codings(coder=coders, document=documents, with_attributes=False)
    label = f"coder {coders[0]!r}" if len(coders) == 1 else f"coders {', '.join(coders)}"
    return frame, label


def _texts(project: Project, documents: Sequence[str]) -> dict[str, str]:
    return {name: project.document_text(name) for name in documents}


def retrieve(
    project: Project,
    query: Query | str,
    *,
    source: Source = "pooled",
    documents: str | Sequence[str] | None = None,
    context: Literal["turn"] | int = "turn",
) -> pd.DataFrame:
    """The passages ``query`` finds in ``documents`` (default all) among ``source``'s
    codings, one row per passage (a plain string is ``Code(string)``).

    Columns and semantics: :func:`~workbench.analysis.retrieval.retrieve_passages` (codings
    whose ranges overlap are one passage; ``codes``, ``coders`` and ``coding_uuids`` say
    what is behind it). The query's codes are checked against the codebook (a retired code
    is fine: its codings are kept); a misspelt one raises
    :class:`~workbench.errors.UnknownCodeError`. ``attrs`` add ``source`` and a
    ``caption``.
    """
    if isinstance(query, str):
        query = Code(query)
    for key in query_codes(query):
        project._code_id(key, retired_ok=True)  # a misspelt, renamed or merged key
    chosen = _documents(project, documents)
    codings, label = source_codings(project, source, documents=chosen)
    segments = project.segments(document=chosen, with_attributes=False) if chosen else \
        pd.DataFrame(columns=["document", "turn_index", "segment_index", "speaker", "role",
                              "start", "end", "video_time"])
    out = retrieve_passages(codings, segments, _texts(project, chosen), query, context=context)
    n = len(out)
    out.attrs["source"] = label
    out.attrs["caption"] = (
        f"{n:,} passage{'s' if n != 1 else ''} for {out.attrs['query']} in the codings of {label} "
        f"({out.attrs['n_codings']:,} behind them) in {len(chosen)} "
        f"document{'s' if len(chosen) != 1 else ''}; context: "
        + ("the turn" if context == "turn" else f"{context} segment(s) either side"))
    return out


def search_text(
    project: Project,
    pattern: str | Sequence[str],
    *,
    mode: SearchMode = "plain",
    documents: str | Sequence[str] | None = None,
    roles: str | Sequence[str] | None = None,
    case_sensitive: bool = False,
    whole_word: bool = False,
    context: Literal["turn"] | int = "turn",
    limit: int | None = None,
    timeout: float | None = 5.0,
    progress: bool = False,
) -> pd.DataFrame:
    """Where ``pattern`` occurs in the turns of ``documents`` (default all) spoken by
    ``roles`` (default every role): one row per hit (document, start, end, matched text,
    speaker, turn, context); see :func:`~workbench.analysis.text_search.search_hits` for
    the modes, the columns and the ``attrs`` (``caption`` says what was searched)."""
    chosen = _documents(project, documents)
    role_list = [roles] if isinstance(roles, str) else (list(roles) if roles else None)
    segments = project.segments(document=chosen, with_attributes=False) if chosen else \
        pd.DataFrame(columns=["document", "turn_index", "segment_index", "speaker", "role",
                              "start", "end", "video_time"])
    return search_hits(_texts(project, chosen), segments, pattern, mode=mode, roles=role_list,
                       case_sensitive=case_sensitive, whole_word=whole_word, context=context,
                       limit=limit, timeout=timeout, progress=progress)


@dataclass(frozen=True)
class CodeHitsReport:
    """What :func:`code_hits` did: the codings it ``created`` and those the coder already
    had with this code on exactly a hit's range (``existing``, left as they were). Undo
    removes the created ones by uuid (:func:`undo_code_hits`)."""

    code: str
    coder: str
    created: tuple[AppliedCoding, ...]
    existing: tuple[AppliedCoding, ...]

    @property
    def created_uuids(self) -> tuple[str, ...]:
        """The uuids of the codings this call created."""
        return tuple(c.uuid for c in self.created)

    def __str__(self) -> str:
        return (f"{self.code!r} applied for {self.coder}: {len(self.created)} new "
                f"coding{'s' if len(self.created) != 1 else ''}, {len(self.existing)} "
                "already there")


def _hit_rows(hits: pd.DataFrame | Sequence[Any]) -> list[tuple[str, int, int, str | None]]:
    if isinstance(hits, pd.DataFrame):
        missing = [c for c in ("document", "start", "end") if c not in hits.columns]
        if missing:
            raise RetrievalError(f"the hits have no column(s) {', '.join(missing)}; pass rows "
                                 "of search_text() or retrieve().")
        texts = hits["text"].tolist() if "text" in hits.columns else [None] * len(hits)
        return [(str(d), int(a), int(b), t) for d, a, b, t in zip(
            hits["document"], hits["start"], hits["end"], texts, strict=True)]
    rows = []
    for hit in hits:
        if isinstance(hit, tuple) and len(hit) in (3, 4):
            rows.append((str(hit[0]), int(hit[1]), int(hit[2]),
                         hit[3] if len(hit) == 4 else None))
        else:
            raise RetrievalError(f"{hit!r} is not a hit; pass a DataFrame of hits or "
                                 "(document, start, end[, text]) tuples.")
    return rows


def code_hits(project: Project, hits: pd.DataFrame | Sequence[Any], code: str, coder: str, *,
              memo: str = "") -> CodeHitsReport:
    """Apply ``code`` as ``coder`` to each hit's range (rows of :func:`search_text` or
    :func:`retrieve`, e.g. the selected ones, or ``(document, start, end[, text])`` tuples).

    One range coding per distinct hit, all in one transaction
    (:meth:`~workbench.project.Project.apply_ranges`): nothing is saved if the code is
    unknown or retired (:class:`~workbench.errors.UnknownCodeError` says why), the coder
    unknown, or a hit's ``text`` is no longer what its document holds there (the document
    was re-imported since the search: :class:`~workbench.errors.StaleError`; search again).
    Running it again creates nothing: the report lists those codings as ``existing``.
    """
    rows = list({(d, a, b): (d, a, b, t) for d, a, b, t in _hit_rows(hits)}.values())
    applied = project.apply_ranges([(d, a, b, code, coder, memo) for d, a, b, _t in rows],
                                   expect_texts=[t for _d, _a, _b, t in rows])
    return CodeHitsReport(code, coder, tuple(c for c in applied if c.created),
                          tuple(c for c in applied if not c.created))


def undo_code_hits(project: Project, report: CodeHitsReport) -> int:
    """Remove the codings ``report``'s :func:`code_hits` call created (by uuid; those that
    were already there stay); returns how many were removed."""
    removed = 0
    for coding in report.created:
        if project.remove_coding(coding.uuid, report.coder) is not None:
            removed += 1
    return removed
