"""The ``workbench`` command line.

    workbench init PROJECT
    workbench import PROJECT FILE... [--unit sentence|turn] [--attributes SHEET.csv]
                                        (FILE: transcripts, REFI-QDA .qdpx or .qdc)
                     [--detect-speakers | --preview-speakers]   (.qdpx text from other tools)
                     [--keep-code-names]   (.qdpx/.qdc: no parent::child -> parent, child)
    workbench codebook load PROJECT CODEBOOK.yaml [--retire-missing]
    workbench codebook export PROJECT OUT.yaml|OUT.qdc   (loading OUT.yaml again: a no-op)
    workbench codebook create PROJECT KEY --name N --theme T --definition D [--parent P]
                                         [--colour C] [--theme-name NAME (new theme)]
    workbench codebook rename PROJECT KEY [--key NEW_KEY] [--name NEW_NAME]
    workbench codebook merge PROJECT SOURCE TARGET
    workbench codebook split PROJECT SOURCE NEW_KEY... (new codes: --define NEW_KEY=DEFINITION)
    workbench codebook recode PROJECT CODING_UUID CODE
    workbench codebook move PROJECT KEY [--theme T] [--parent P]
    workbench codebook retire|restore PROJECT KEY
    workbench coder add PROJECT NAME... [--reviewer]
    workbench coder role PROJECT NAME coder|reviewer   (only a reviewer sees others' codings)
    workbench coder list PROJECT
    workbench blind PROJECT on|off|status   (a blind round: panels locked, no reviewer view)
    workbench info PROJECT
    workbench export codings PROJECT OUT.csv
    workbench export qdpx|qdc|xlsx|csv PROJECT OUT  (REFI-QDA project or codebook, tables)
                     [--consensus]   (qdpx: the consensus layer as user "consensus";
                     xlsx|csv: the consensus table, written anyway once decisions exist)
    workbench export PROJECT [--qdpx F] [--qdc F] [--xlsx F] [--csv DIR]   (several at once)
    workbench sample PROJECT            (build the synthetic sample study)
    workbench report PROJECT OUT.html [--tables-dir DIR] [--coders a,b] [--documents d1,d2]
                     [--round NAME]   (theme report, offline HTML)
    workbench coverage PROJECT [--coder C --document D --status S [--force --note N]]
    workbench round PROJECT [NAME --coders a,b --documents d1,d2]   (list or save a round)
    workbench agreement PROJECT [--coders a,b] [--documents d1,d2] [--round NAME]
                        [--unit segment|character] [--by code|theme|overall]
                        [--in-progress exclude|up_to_last] [--roles participant|interviewer|all]
                        [--n-boot N] [--resample document|segment|dyad] [--out T.csv|T.xlsx]
                        (prints what the numbers are above the table, and writes it into
                        the file: '# ' comment lines in CSV, an 'about' sheet in XLSX)

PROJECT is a SQLite file path or a ``postgresql+psycopg://`` URL. Every error (a
:class:`~workbench.errors.WorkbenchError`, a file the system cannot read, a database that
refuses, a bad argument) prints one line ``workbench: error: ...`` on stderr and exits with
status 2; reader warnings (``warning: FILE: ...``) and progress bars go to stderr. The
REFI-QDA files (.qdpx, .qde, .qdc) of one ``import`` are stored in one transaction, before
any transcripts: a failure leaves the project as it was and prints only the error line.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from workbench.importing.importer import Progress

from workbench.coder_identity import inert
from workbench.errors import AgreementInputError, CoverageError, UsageError, WorkbenchError
from workbench.interop.safe_csv import write_csv
from workbench.model import CaseAttributes, Code, ImportReport, shortcut_note
from workbench.project import Project, create_project, open_project

__all__ = ["main"]


_EXPORTS = {
    "qdpx": "the project as REFI-QDA .qdpx",
    "qdc": "the codebook as REFI-QDA .qdc",
    "xlsx": "codings, segments, cases and codebook as an .xlsx workbook",
    "csv": "codings, segments, cases and codebook as CSV files in a folder",
}


def _flag_exports(argv: Sequence[str]) -> list[list[str]]:
    """``export PROJECT --qdpx F --csv DIR ...`` as one ``export KIND PROJECT OUT`` each."""
    parser = _Parser(prog="workbench export",
                                     description="export a project in one or more formats")
    parser.add_argument("project")
    for kind, text in _EXPORTS.items():
        parser.add_argument(f"--{kind}", metavar="OUT", help=text)
    args = parser.parse_args(list(argv))
    runs = [["export", kind, args.project, getattr(args, kind)]
            for kind in _EXPORTS if getattr(args, kind)]
    if not runs:
        parser.error("name at least one of --qdpx, --qdc, --xlsx, --csv")
    return runs


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (``workbench: error: ...``), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"workbench: error: {message} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="workbench", description="IPR qualitative coding workbench")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create a new project")
    p.add_argument("project")

    from workbench.parsing.readers.registry import supported_formats

    p = sub.add_parser("import", help="import transcripts (any supported format), REFI-QDA "
                                      ".qdpx projects and .qdc codebooks",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="transcript formats (chosen by extension, or by content for "
                              ".txt files):\n" + supported_formats()
                              + "\n  - REFI-QDA projects (.qdpx, or a .qde beside its sources/ folder) "
                              "and codebooks (.qdc)\n"
                              "Formats other than .ipr.txt need case attributes: "
                              "--attributes SHEET.csv.")
    p.add_argument("project")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--unit", choices=["sentence", "turn"], default=None,
                   help="unit of coding (default: sentence; for .qdpx: as exported)")
    p.add_argument("--attributes", type=Path, help="CSV sheet: file name -> case attributes")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--keep-code-names", action="store_true",
                   help=".qdpx/.qdc: keep code names such as ATLAS.ti's 'parent::child' or "
                        "Taguette's 'parent\\child' as they are (by default they become a "
                        "child code under its parent)")
    speakers = p.add_mutually_exclusive_group()
    speakers.add_argument("--detect-speakers", action="store_true",
                          help=".qdpx: read text from other tools as transcripts ('Name:' at "
                               "a line start becomes the speaker and leaves the text) instead "
                               "of storing it verbatim")
    speakers.add_argument("--preview-speakers", action="store_true",
                          help=".qdpx: print what --detect-speakers would do (lines -> "
                               "speakers, text cut from codings) and import nothing")

    p = sub.add_parser("codebook", help="codebook commands")
    csub = p.add_subparsers(dest="action", required=True)
    q = csub.add_parser("load", help="load a codebook YAML (records a new version if changed)")
    q.add_argument("project")
    q.add_argument("codebook", type=Path)
    q.add_argument("--retire-missing", action="store_true",
                   help="keep codings of codes the new codebook drops, under retired codes")
    q = csub.add_parser("export", help="write the current codebook as YAML (.yaml) or "
                                       "REFI-QDA (.qdc)")
    q.add_argument("project")
    q.add_argument("out", type=Path)
    q = csub.add_parser("create", help="add a code")
    q.add_argument("project")
    q.add_argument("key")
    q.add_argument("--name", required=True)
    q.add_argument("--theme", required=True, help="theme key")
    q.add_argument("--definition", required=True)
    q.add_argument("--parent", default=None)
    q.add_argument("--colour", default=None)
    q.add_argument("--theme-name", default=None, help="create the theme with this name")
    q = csub.add_parser("rename", help="give a code a new key and/or name (codings stay)")
    q.add_argument("project")
    q.add_argument("code")
    q.add_argument("--key", dest="new_key", default=None)
    q.add_argument("--name", dest="new_name", default=None)
    q = csub.add_parser("merge", help="merge SOURCE into TARGET (SOURCE's codings become "
                                      "TARGET's)")
    q.add_argument("project")
    q.add_argument("source")
    q.add_argument("target")
    q = csub.add_parser("split", help="split SOURCE into codes; its codings wait for recoding")
    q.add_argument("project")
    q.add_argument("source")
    q.add_argument("into", nargs="+", help="keys of existing codes, or new ones (--define)")
    q.add_argument("--define", action="append", default=[], metavar="KEY=DEFINITION",
                   help="a new code to create (named after its key, in SOURCE's theme)")
    q = csub.add_parser("recode", help="give a coding of a split code one of the new codes")
    q.add_argument("project")
    q.add_argument("coding")
    q.add_argument("code")
    q = csub.add_parser("move", help="move a code to another theme or under another code")
    q.add_argument("project")
    q.add_argument("code")
    q.add_argument("--theme", default=None)
    q.add_argument("--parent", default=None)
    for verb, text in (("retire", "take a code out of the codebook (codings kept)"),
                       ("restore", "put a retired code back")):
        q = csub.add_parser(verb, help=text)
        q.add_argument("project")
        q.add_argument("code")

    p = sub.add_parser("coder", help="coder commands")
    csub = p.add_subparsers(dest="action", required=True)
    q = csub.add_parser("add", help="register coders")
    q.add_argument("project")
    q.add_argument("names", nargs="+")
    q.add_argument("--reviewer", action="store_true",
                   help="register them with the reviewer role")
    q = csub.add_parser("role", help="make a coder a reviewer, or a plain coder again")
    q.add_argument("project")
    q.add_argument("name")
    q.add_argument("role", choices=["coder", "reviewer"])
    q = csub.add_parser("list", help="coders and their roles")
    q.add_argument("project")

    p = sub.add_parser("blind", help="start, end or show a blind coding round")
    p.add_argument("project")
    p.add_argument("state", choices=["on", "off", "status"])

    p = sub.add_parser("info", help="what the project holds")
    p.add_argument("project")

    p = sub.add_parser("export", help="export tables")
    csub = p.add_subparsers(dest="what", required=True)
    q = csub.add_parser("codings", help="all codings as CSV")
    q.add_argument("project")
    q.add_argument("out", type=Path)
    for what, text in _EXPORTS.items():
        q = csub.add_parser(what, help=text)
        q.add_argument("project")
        q.add_argument("out", type=Path)
        if what == "qdpx":
            q.add_argument("--positions", choices=("codepoint", "utf16"), default="codepoint",
                           help="count selection positions in code points (default; ATLAS.ti, "
                                "QualCoder, MAXQDA) or UTF-16 code units (for NVivo)")
        if what != "qdc":
            q.add_argument("--consensus", action="store_true",
                           help="qdpx: add the consensus layer as the codings of a user "
                                "'consensus'; xlsx/csv: add the consensus table even before "
                                "any decision (it is added anyway once decisions exist)")

    p = sub.add_parser("report", help="theme report: one offline HTML file (+ CSV/XLSX tables)")
    p.add_argument("project")
    p.add_argument("out", type=Path, help="the HTML file to write")
    p.add_argument("--tables-dir", type=Path, default=None,
                   help="also write every table as CSV and all of them as tables.xlsx here")
    p.add_argument("--coders", type=_names, default=None,
                   help="agreement: comma-separated coders (default: all with codings)")
    p.add_argument("--documents", type=_names, default=None,
                   help="agreement: comma-separated documents (default: all)")
    p.add_argument("--round", default=None, help="agreement: a stored reliability round")

    p = sub.add_parser("coverage", help="list coverage, or set a coder's status on a document")
    p.add_argument("project")
    p.add_argument("--coder")
    p.add_argument("--document")
    p.add_argument("--status", choices=["not_started", "in_progress", "done"])
    p.add_argument("--force", action="store_true",
                   help="mark done although not every unit was visited (needs --note)")
    p.add_argument("--note", default=None)

    p = sub.add_parser("round", help="list reliability rounds, or save one")
    p.add_argument("project")
    p.add_argument("name", nargs="?")
    p.add_argument("--coders", type=_names, default=None, help="comma-separated coders")
    p.add_argument("--documents", type=_names, default=None, help="comma-separated documents")

    p = sub.add_parser("agreement", help="agreement table (per code, theme or overall)")
    p.add_argument("project")
    p.add_argument("--coders", type=_names, default=None, help="comma-separated coders")
    p.add_argument("--documents", type=_names, default=None, help="comma-separated documents")
    p.add_argument("--round", default=None, help="a stored reliability round")
    p.add_argument("--unit", choices=["segment", "character"], default="segment")
    p.add_argument("--by", choices=["code", "theme", "overall"], default="code")
    p.add_argument("--in-progress", choices=["exclude", "up_to_last"], default="exclude",
                   help="documents in progress: left out (default) or counted up to the "
                        "furthest segment reached")
    p.add_argument("--roles", choices=["participant", "interviewer", "all"],
                   default="participant",
                   help="whose segments are the units (default: the participant's)")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap replicates (0: none)")
    p.add_argument("--resample", choices=["document", "segment", "dyad"], default="document",
                   help="what one bootstrap draw takes (default: whole documents)")
    p.add_argument("--out", type=Path, default=None, help="write the table (.csv or .xlsx)")

    p = sub.add_parser("search", help="full-text search of the transcripts' turns (plain "
                       "text, --regex or --lemma)")
    p.add_argument("project")
    p.add_argument("pattern")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--regex", action="store_true", help="PATTERN is a regular expression")
    how.add_argument("--lemma", action="store_true",
                     help="match words by lemma (spaCy lookup lemmatizer: felt -> feel)")
    p.add_argument("--case-sensitive", action="store_true")
    p.add_argument("--whole-word", action="store_true")
    p.add_argument("--documents", type=_names, default=None, help="comma-separated names")
    p.add_argument("--roles", type=_names, default=None,
                   help="comma-separated roles (participant, interviewer); default all")
    p.add_argument("--limit", type=int, default=None, help="stop after this many hits")
    p.add_argument("--csv", type=Path, default=None, dest="csv_out",
                   help="write the hits to this CSV file")

    p = sub.add_parser("sample", help="build the synthetic sample study into a new project")
    p.add_argument("project")
    p.add_argument("--root", type=Path, default=None, help="repository root (default: auto)")
    return parser


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _coverage(project: Project, args: argparse.Namespace) -> None:
    given = [args.coder, args.document, args.status]
    if any(v is not None for v in given):
        if None in given:
            raise CoverageError("to set coverage give --coder, --document and --status.")
        status = project.set_coverage(args.coder, args.document, args.status,
                                      note=args.note, force=args.force)
        print(f"{args.coder} on {args.document}: {status}")
        return
    frame = project.coverage()
    for row in frame.itertuples():
        reached = "-" if pd.isna(row.furthest_idx) else f"{int(row.furthest_idx) + 1}"
        note = f"  ({row.note})" if row.note else ""
        print(f"{row.coder}\t{row.document}\t{row.status}\treached {reached}/"
              f"{row.n_segments}{note}")


def _round(project: Project, args: argparse.Namespace) -> None:
    if args.name is None:
        for row in project.rounds().itertuples():
            print(f"{row.name}: coders {', '.join(row.coders)}; documents "
                  f"{', '.join(row.documents)}")
        return
    if args.coders is None or args.documents is None:
        raise CoverageError("to save a round give --coders a,b and --documents d1,d2.")
    project.save_round(args.name, args.coders, args.documents)
    print(f"saved round {args.name}: {len(args.coders)} coders, {len(args.documents)} documents")


def _search_cli(project: Project, args: argparse.Namespace) -> None:
    from workbench.retrieval import search_text

    hits = search_text(project, args.pattern,
                       mode="regex" if args.regex else "lemma" if args.lemma else "plain",
                       documents=args.documents, roles=args.roles,
                       case_sensitive=args.case_sensitive, whole_word=args.whole_word,
                       limit=args.limit, progress=args.lemma)
    print(hits.attrs["caption"])
    for row in hits.itertuples():
        where = f"{row.document}[{row.start}:{row.end}] #{row.segment_index} {row.speaker}"
        lo, hi = row.start - row.context_start, row.end - row.context_start
        context = str(row.context)
        shown = f"{context[:lo]}[{context[lo:hi]}]{context[hi:]}"
        print(f"{where}: {_one_line(shown)}")
    if args.csv_out is not None:
        args.csv_out.parent.mkdir(parents=True, exist_ok=True)
        write_csv(hits, args.csv_out)
        print(f"wrote {len(hits)} hits to {args.csv_out}")


def _agreement_cli(project: Project, args: argparse.Namespace) -> None:
    from workbench import agreement as ag

    if args.out is not None and args.out.suffix.lower() not in (".csv", ".xlsx"):
        raise AgreementInputError(f"--out takes a .csv or .xlsx file, not {args.out.name!r}.")
    roles = None if args.roles == "all" else [args.roles]
    if args.by == "code":
        table = ag.code_agreement(project, coders=args.coders, documents=args.documents,
                                  round=args.round, unit=args.unit, roles=roles,
                                  in_progress=args.in_progress, n_boot=args.n_boot,
                                  resample=args.resample)
    elif args.by == "theme":
        table = ag.theme_agreement(project, coders=args.coders, documents=args.documents,
                                   round=args.round, unit=args.unit, roles=roles,
                                   in_progress=args.in_progress, n_boot=args.n_boot,
                                   resample=args.resample)
    else:
        table = ag.overall_agreement(project, coders=args.coders, documents=args.documents,
                                     round=args.round, unit=args.unit, roles=roles,
                                     in_progress=args.in_progress, n_boot=args.n_boot,
                                     resample=args.resample)
    about = ag.provenance_lines(table)
    print("\n".join(about))
    print()
    label = "scope" if args.by == "overall" else args.by
    shown = table[[label, "krippendorff_alpha", "ci_low", "ci_high", "cohen_kappa_mean",
                   "fleiss_kappa", "percent_agreement"]]
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if args.out is not None:
        from workbench.interop.tables_export import write_table

        write_table(table, args.out, sheet=f"agreement_{args.by}", about=about)
        where = ("'# ' comment lines above the table" if args.out.suffix.lower() == ".csv"
                 else "an 'about' sheet")
        print(f"wrote {len(table)} rows to {args.out} (what the numbers are: {where})")


def _info(project: Project) -> str:
    cases = project.cases()
    segments = project.segments(with_attributes=False)
    codings = project.codings(with_attributes=False)
    lines = [
        f"project:    {project.location}",
        f"documents:  {len(cases)}",
        f"segments:   {len(segments)} ({(segments.role == 'participant').sum()} participant)",
        f"coders:     {', '.join(project.coders()) or '-'}",
    ]
    try:
        codebook = project.codebook
        lines.append(f"codebook:   {codebook.name} (version {project.codebook_version()}, "
                     f"{len(codebook.codes)} codes in {len(codebook.themes)} themes)")
    except WorkbenchError:
        lines.append("codebook:   none loaded")
    lines.append(f"codings:    {len(codings)}")
    if len(codings):
        per = codings.groupby("coder").size()
        lines += [f"  {coder}: {n}" for coder, n in per.items()]
    unanchored = project.unanchored_codings()
    if len(unanchored):
        lines.append(f"unanchored: {len(unanchored)} codings need attention")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Execute a parsed command line; returns the exit status."""
    if args.command == "init":
        create_project(args.project).close()
        print(f"created {args.project}")
        return 0
    if args.command == "sample":
        from workbench.sample import build_sample_project

        project = build_sample_project(args.project, root=args.root)
        print(_info(project))
        project.close()
        return 0
    if args.command == "import" and args.preview_speakers:
        from workbench.interop import preview_speakers

        refi = [f for f in args.files if f.suffix.lower() in (".qdpx", ".qde")]
        if not refi:
            raise UsageError("--preview-speakers needs a .qdpx (or .qde) file.")
        for path in refi:
            print(preview_speakers(path).summary())
        return 0
    with open_project(args.project) as project:
        if args.command == "import":
            attributes = None
            if args.attributes is not None:
                from workbench.parsing.attribute_sheet import read_attribute_sheet

                attributes = read_attribute_sheet(args.attributes)
            refi = [f for f in args.files if f.suffix.lower() in (".qdpx", ".qde", ".qdc")]
            _import_refi(project, refi, args, attributes)
            transcripts = [f for f in args.files if f not in refi]
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                reports = project.import_transcripts(
                    transcripts, unit=args.unit or "sentence", attributes=attributes,
                    progress=_bar(args),
                ) if transcripts else []
            _print_warnings(reports, [str(w.message) for w in caught])
            for report in reports:
                extra = ""
                if report.status == "updated":
                    extra = f", {report.reanchored} codings re-anchored"
                    if report.unanchored:
                        extra += f", {len(report.unanchored)} could NOT be re-anchored (kept; see info)"
                print(f"{report.document}: {report.status} ({report.segments} segments{extra})")
        elif args.command == "codebook":
            print(_codebook_command(project, args))
        elif args.command == "coder":
            print(_coder_command(project, args))
        elif args.command == "blind":
            if args.state != "status":
                project.set_blind_coding(args.state == "on")
            print("blind round: " + ("on (panels locked to their coder, no reviewer view)"
                                     if project.blind_coding else "off"))
        elif args.command == "info":
            print(_info(project))
        elif args.command == "coverage":
            _coverage(project, args)
        elif args.command == "round":
            _round(project, args)
        elif args.command == "agreement":
            _agreement_cli(project, args)
        elif args.command == "search":
            _search_cli(project, args)
        elif args.command == "report":
            from workbench.report import write_report

            theme_report = write_report(project, args.out, tables_dir=args.tables_dir,
                                        coders=args.coders, documents=args.documents,
                                        round=args.round)
            where = (f"; {len(theme_report.tables)} tables in {args.tables_dir}"
                     if args.tables_dir else "")
            print(f"wrote {args.out} ({len(theme_report.figures)} figures{where})")
        elif args.command == "export" and args.what != "codings":
            _export(project, args.what, args.out, getattr(args, "positions", "codepoint"),
                    consensus=bool(getattr(args, "consensus", False)))
        elif args.command == "export":
            frame = project.codings()
            args.out.parent.mkdir(parents=True, exist_ok=True)
            write_csv(frame, args.out)
            print(f"wrote {len(frame)} codings to {args.out}")
    return 0


def _bar(args: argparse.Namespace) -> Progress:
    """The command's progress bars: on stderr, erased when done (``leave=False``), so a
    failed command leaves only its one error line on the terminal; none with
    ``--no-progress``."""
    if args.no_progress:
        return False

    def bar(items: Sequence[Any], total: int, label: str) -> Iterable[Any]:
        from tqdm import tqdm

        return tqdm(items, total=total, desc=label, unit="doc", leave=False, file=sys.stderr)

    return bar


def _coder_command(project: Project, args: argparse.Namespace) -> str:
    if args.action == "role":
        changed = project.set_coder_role(args.name, args.role)
        return f"{inert(args.name)}: {args.role}" + ("" if changed else " (unchanged)")
    if args.action == "add":
        blank = [number for number, name in enumerate(args.names, 1) if not name.strip()]
        if blank:
            raise UsageError(
                f"coder name {blank[0]} is blank; give each coder a name, e.g. "
                "`workbench coder add PROJECT maria tom`."
            )
        for name in args.names:
            project.add_coder(name)
            if args.reviewer:  # a registered coder given --reviewer becomes one
                project.set_coder_role(name.strip(), "reviewer")
    roles = project.coder_roles()
    return "coders: " + ", ".join(
        inert(name) + (" (reviewer)" if roles[name] == "reviewer" else "")
        for name in sorted(roles))


def _codebook_command(project: Project, args: argparse.Namespace) -> str:
    """Run one ``workbench codebook`` action; returns its one line of output."""
    action = args.action
    if action == "load":
        version = project.load_codebook(args.codebook, retire_missing=args.retire_missing)
        return f"codebook version {version}: {project.codebook.name}"
    if action == "export":
        codebook = project.codebook
        if args.out.suffix.lower() == ".qdc":
            from workbench.interop import export_qdc

            export_qdc(codebook, args.out, identities=project.refi_identities())
        else:
            from workbench.parsing.codebook_yaml import write_codebook_file

            write_codebook_file(codebook, args.out)
        return (f"wrote codebook version {project.codebook_version()} "
                f"({len(codebook.codes)} codes) to {args.out}")
    if action == "merge":
        return project.merge_codes(args.source, args.target).summary()
    if action == "recode":
        kept = project.recode(args.coding, args.code)
        return (f"coding {args.coding} is now {args.code!r}" if kept else
                f"coding {args.coding} collapsed into the same coder's {args.code!r} coding")
    if action == "create":
        version = project.create_code(args.key, args.name, theme=args.theme,
                                      definition=args.definition, parent=args.parent,
                                      colour=args.colour, theme_name=args.theme_name)
        what = f"created code {args.key!r}"
    elif action == "rename":
        if args.new_key is None and args.new_name is None:
            raise WorkbenchError("give --key NEW_KEY and/or --name NEW_NAME.")
        version = project.rename_code(args.code, new_key=args.new_key, new_name=args.new_name)
        what = f"renamed {args.code!r}" + (f" to {args.new_key!r}" if args.new_key else "") + \
            (f" (name {args.new_name!r})" if args.new_name else "")
    elif action == "split":
        version = project.split_code(args.source, _split_targets(project, args))
        queued = len(project.recode_queue())
        what = (f"split {args.source!r} into {', '.join(args.into)}; {queued} codings wait "
                "for recoding")
    elif action == "move":
        version = project.move_code(args.code, theme=args.theme, parent=args.parent)
        what = f"moved {args.code!r}"
    elif action == "retire":
        version = project.retire_code(args.code)
        what = f"retired {args.code!r}"
    else:
        retired = project.retired_codes()
        had = retired.loc[retired["code"] == args.code, "shortcut"]
        version = project.restore_code(args.code)
        note = shortcut_note(str(had.iloc[0]) if len(had) else "", project.codebook,
                             args.code)
        return f"restored {args.code!r} (codebook version {version})" + (
            f"; {note}" if note else "")
    return f"{what} (codebook version {version})"


def _split_targets(project: Project, args: argparse.Namespace) -> list[Code | str]:
    defined: dict[str, str] = {}
    for item in args.define:
        key, sep, definition = item.partition("=")
        if not sep or not definition.strip():
            raise WorkbenchError(f"--define {item!r}: write it as KEY=DEFINITION.")
        defined[key.strip()] = definition.strip()
    unknown = set(defined) - set(args.into)
    if unknown:
        raise WorkbenchError(f"--define names {', '.join(sorted(unknown))}, which is not among "
                             "the codes to split into.")
    source = project.codebook.code(args.source) if args.source in project.codebook.keys \
        else None
    out: list[Code | str] = []
    for key in args.into:
        if key in defined:
            theme = source.theme if source is not None else ""
            colour = source.colour if source is not None else "#777777"
            out.append(Code(key=key, name=key.replace("_", " ").capitalize(), theme=theme,
                            definition=defined[key], colour=colour))
        else:
            out.append(key)
    return out


def _print_warnings(reports: Sequence[ImportReport], caught: Sequence[str]) -> None:
    """Each reader warning once on stderr, as ``warning: FILE[, line N]: message``.

    The readers' warnings travel in the import reports (they already name the file); a
    warning raised with :func:`warnings.warn` during the import (e.g. a file read as
    Windows-1252) is usually among them too and is printed only once.
    """
    seen: set[str] = set()
    for message in [*(w for report in reports for w in report.warnings), *caught]:
        if message not in seen:
            seen.add(message)
            print(f"warning: {message}", file=sys.stderr)


def _import_refi(project: Project, files: list[Path], args: argparse.Namespace,
                 attributes: Mapping[str, CaseAttributes] | None) -> None:
    """Import the REFI-QDA files of one command all or nothing: one transaction for all of
    them, and their summaries printed only once it is committed (a failure prints just the
    error line, and the project is as it was)."""
    from workbench.interop import import_qdc, import_qdpx

    if not files:
        return
    lines: list[str] = []
    with project.atomic():
        for path in files:
            if path.suffix.lower() == ".qdc":
                read = import_qdc(project, path, split_hierarchy=not args.keep_code_names)
                lines.append(f"{path}: codebook version {read.version} "
                             f"({len(read.codebook.codes)} codes)")
                lines += [f"  split: {line}" for line in read.split]
                lines += [f"  set: {line}" for line in read.sets]
                lines += [f"  warning: {note}" for note in read.warnings]
            else:
                report = import_qdpx(project, path, unit=args.unit,
                                     attributes=attributes, progress=_bar(args),
                                     detect_speakers=args.detect_speakers,
                                     split_hierarchy=not args.keep_code_names)
                lines.append(report.summary())
    for line in lines:
        print(line)


def _export(project: Project, what: str, out: Path, positions: str = "codepoint", *,
            consensus: bool = False) -> None:
    from workbench.interop import export_csv_tables, export_qdc, export_qdpx, export_xlsx

    if what == "qdpx":
        export_qdpx(project, out, positions="utf16" if positions == "utf16" else "codepoint",
                    consensus=consensus)
        extra = ""
        if consensus:
            from workbench.consensus import consensus_codings

            extra = (f" and {len(consensus_codings(project, with_attributes=False))} "
                     "consensus codings (user 'consensus')")
        print(f"wrote {len(project.documents())} documents and "
              f"{len(project.codings(with_attributes=False))} codings{extra} to {out} "
              f"(positions in {'UTF-16 code units' if positions == 'utf16' else 'code points'})")
    elif what == "qdc":
        codebook = project.codebook
        export_qdc(codebook, out, identities=project.refi_identities())
        print(f"wrote {len(codebook.codes)} codes to {out}")
    elif what == "csv":
        written = export_csv_tables(project, out, consensus=consensus or None)
        print(f"wrote {', '.join(p.name for p in written)} to {out}")
    else:
        from workbench.consensus import has_decisions

        with_consensus = consensus or has_decisions(project)
        export_xlsx(project, out, consensus=with_consensus)
        print(f"wrote the codings, segments, cases, codebook"
              f"{' and consensus' if with_consensus else ''} tables to {out}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``workbench`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) > 1 and argv[0] == "export" and argv[1] not in (*_EXPORTS, "codings", "-h",
                                                                   "--help"):
        status = 0
        for run_argv in _flag_exports(argv[1:]):
            status = max(status, main(run_argv))
        return status
    args = _parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = _show_warning
        try:
            return run(args)
        except WorkbenchError as exc:
            print(f"workbench: error: {_one_line(str(exc))}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"workbench: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
                  file=sys.stderr)
            return 2
        except SQLAlchemyError as exc:
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            print(f"workbench: error: the database refused the operation ({detail}); check "
                  "that PROJECT is a workbench project and the server is running.",
                  file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("workbench: interrupted; the steps completed before are saved, the one that "
                  "was running is not (a REFI-QDA import is saved whole or not at all).",
                  file=sys.stderr)
            return 130


def _one_line(message: str) -> str:
    """``message`` on one line (a list of supported formats is joined with spaces)."""
    return " ".join(line.strip() for line in message.splitlines() if line.strip())


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: object = None, line: str | None = None) -> None:
    print(f"workbench: warning: {message}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
