"""Build the synthetic sample study (16 IPR transcripts, codebook, three coders' codings).

``make lab`` calls ``workbench sample projects/sample.sqlite`` when the file is missing.
Codings are shipped as ``transcripts/sample_codings.csv`` (document, coder, code, quote,
memo): each quote is found in its document and coded on the segment that contains it,
as the whole segment when the quote is the segment, otherwise as a span. Each coder is
marked ``done`` (forced, with a note) on every document they have codings in, so agreement
on the sample counts them there.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from workbench.errors import NotFoundError
from workbench.project import Project, create_project

__all__ = ["apply_codings_csv", "apply_consensus_csv", "apply_cqr_yaml", "build_sample_project",
           "mark_coded_documents_done", "repository_root"]


def repository_root() -> Path:
    """The checkout holding ``transcripts/`` and ``codebooks/`` (for the sample)."""
    here = Path(__file__).resolve().parents[1]
    if (here / "transcripts" / "sample").is_dir():
        return here
    return Path.cwd()


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        yield from enumerate(csv.DictReader(lines), start=2)


def apply_codings_csv(project: Project, path: str | Path) -> int:
    """Apply codings from a CSV (document, coder, code, quote, memo); returns how many.

    Coders are registered as needed. A quote that is not found in its document raises
    :class:`NotFoundError` naming the CSV row; nothing is applied in that case.
    """
    path = Path(path)
    plan: list[tuple[str, int, int, str, str, str]] = []
    segments = project.segments(with_attributes=False)
    by_document = {name: frame for name, frame in segments.groupby("document")}
    texts: dict[str, str] = {}
    for row_number, row in _rows(path):
        document = row["document"]
        if document not in by_document:
            raise NotFoundError(f"{path}, row {row_number}: no document {document!r} in the project.")
        text = texts.setdefault(document, project.document_text(document))
        quote = row["quote"]
        position = text.find(quote)
        if position < 0:
            raise NotFoundError(f"{path}, row {row_number}: quote not found in {document}: {quote[:50]!r}")
        plan.append((document, position, position + len(quote), row["code"], row["coder"],
                     row.get("memo") or ""))
    for coder in sorted({p[4] for p in plan}):
        project.add_coder(coder)
    project.apply_ranges(plan)
    return len(plan)


def apply_consensus_csv(project: Project, path: str | Path) -> int:
    """Record the consensus decisions of a CSV (document, code, item_start, item_end, kind,
    start, end, reason, decided_by: written by ``tools/make_sample_consensus.py``); returns
    how many. An item is found by its document, code and span; a row whose item is not
    there (the codings changed since the file was written) raises :class:`NotFoundError`
    naming the row, and nothing is recorded."""
    from workbench.consensus import PlannedDecision, decide_many

    path = Path(path)
    items = project.consensus_items()
    by_span = {(r.document, r.code, int(r.start), int(r.end)): r.item_id
               for r in items[items["status"] == "open"].itertuples()}
    planned: dict[str, list[PlannedDecision]] = {}
    for row_number, row in _rows(path):
        key = (row["document"], row["code"], int(row["item_start"]), int(row["item_end"]))
        if key not in by_span:
            raise NotFoundError(
                f"{path}, row {row_number}: no open item of {key[1]} at {key[2]}..{key[3]} in "
                f"{key[0]}; regenerate the file with tools/make_sample_consensus.py.")
        planned.setdefault(row["decided_by"], []).append(PlannedDecision(
            by_span[key], row["kind"],  # type: ignore[arg-type]
            int(row["start"]) if row["start"] else None,
            int(row["end"]) if row["end"] else None, reason=row["reason"]))
    with project.atomic():
        for who, decisions in planned.items():
            decide_many(project, decisions, decided_by=who)
    return sum(len(d) for d in planned.values())


def apply_cqr_yaml(project: Project, path: str | Path) -> tuple[int, int]:
    """Write the core ideas and the audit round of a YAML file (``transcripts/
    sample_cqr.yaml``): each core idea rests on quotes found in its case's transcript, each
    audit comment is answered by the team (an accepted comment on a core idea may carry
    the revised text). Returns (core ideas, comments). A quote not found raises
    :class:`NotFoundError`; nothing is written then."""
    from workbench import cqr
    from workbench.parsing.yaml_loading import load_strict

    path = Path(path)
    data = load_strict(path.read_text(encoding="utf-8")) or {}
    ideas: dict[str, str] = {}
    with project.atomic():
        for idea in data.get("core_ideas", []):
            text = project.document_text(idea["case"])
            ranges = []
            for quote in idea.get("quotes", []):
                at = text.find(quote)
                if at < 0:
                    raise NotFoundError(f"{path}: core idea {idea['id']}: quote not found in "
                                        f"{idea['case']}: {quote[:50]!r}")
                ranges.append((idea["case"], at, at + len(quote)))
            ideas[idea["id"]] = cqr.add_core_idea(project, idea["case"], idea["domain"],
                                                  idea["text"], author=idea["author"],
                                                  ranges=ranges).uuid
        audit = data.get("audit", {})
        comments = audit.get("comments", [])
        for comment in comments:
            kind, key = comment["target"].split(" ", 1)
            target = ideas[key] if kind == "core_idea" else key
            made = cqr.add_audit_comment(project, kind, target, comment["text"],
                                         author=audit["auditor"])
            cqr.respond_to_audit_comment(project, made.uuid, comment["answer"],
                                         comment["reason"], by=comment["by"])
            if comment.get("revised_text") and kind == "core_idea":
                cqr.edit_core_idea(project, target, author=comment["by"],
                                   text=comment["revised_text"])
    return len(ideas), len(comments)


def mark_coded_documents_done(project: Project, note: str) -> int:
    """Mark every coder ``done`` (forced, with ``note``) on each document they coded in;
    returns how many (coder, document) pairs were marked."""
    codings = project.codings(with_attributes=False)
    pairs = codings[["coder", "document"]].drop_duplicates().sort_values(["coder", "document"])
    for coder, document in pairs.itertuples(index=False):
        project.set_coverage(coder, document, "done", force=True, note=note)
    return len(pairs)


def build_sample_project(target: str | Path, *, root: Path | None = None,
                         progress: bool = True, consensus: bool = True) -> Project:
    """Create the sample project at ``target`` from the repository's sample files; with
    ``consensus`` also the team's consensus (``transcripts/sample_consensus.csv``) and its
    CQR work (``transcripts/sample_cqr.yaml``: core ideas and an audit round)."""
    root = root or repository_root()
    files = sorted((root / "transcripts" / "sample").glob("*.ipr.txt"))
    if not files:
        raise NotFoundError(f"no sample transcripts under {root / 'transcripts' / 'sample'}.")
    project = create_project(target)
    try:
        project.import_transcripts(files, progress=progress)
        project.load_codebook(root / "codebooks" / "ipr_relational.yaml")
        apply_codings_csv(project, root / "transcripts" / "sample_codings.csv")
        mark_coded_documents_done(project, "sample study: coded from sample_codings.csv")
        if consensus:
            apply_consensus_csv(project, root / "transcripts" / "sample_consensus.csv")
            cqr_file = root / "transcripts" / "sample_cqr.yaml"
            if cqr_file.exists():
                apply_cqr_yaml(project, cqr_file)
    except BaseException:
        project.close()
        if not str(target).startswith(("postgresql", "sqlite:")):
            Path(target).unlink(missing_ok=True)
        raise
    return project
