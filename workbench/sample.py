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

__all__ = ["apply_codings_csv", "build_sample_project", "mark_coded_documents_done",
           "repository_root"]


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


def mark_coded_documents_done(project: Project, note: str) -> int:
    """Mark every coder ``done`` (forced, with ``note``) on each document they coded in;
    returns how many (coder, document) pairs were marked."""
    codings = project.codings(with_attributes=False)
    pairs = codings[["coder", "document"]].drop_duplicates().sort_values(["coder", "document"])
    for coder, document in pairs.itertuples(index=False):
        project.set_coverage(coder, document, "done", force=True, note=note)
    return len(pairs)


def build_sample_project(target: str | Path, *, root: Path | None = None,
                         progress: bool = True) -> Project:
    """Create the sample project at ``target`` from the repository's sample files."""
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
    except BaseException:
        project.close()
        if not str(target).startswith(("postgresql", "sqlite:")):
            Path(target).unlink(missing_ok=True)
        raise
    return project
