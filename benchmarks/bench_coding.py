"""Benchmark: coding in a project with 1M codings, kernel side, against a bare insert+commit.

Times, with the coding controller the panel uses:

* apply: ``CodingController.toggle_code`` applying a code (``Project.apply_range`` on the
  segment's range with the text and content hash the panel showed: checks, document lock,
  insert, audit event, commit), 300 times;
* move: ``CodingController.next()`` (which stores the position) plus ``view_state()`` (what
  the panel renders), 300 times; and, for information, the same move through the panel
  (``CodingPanel.press("ArrowRight")``, widgets updated, no browser);
* bare: a SQLAlchemy Core ``INSERT`` into the same ``codings`` table and ``COMMIT`` on a
  plain engine with the same SQLite settings, 300 times, in the same run.

Targets: p95 <= 20 ms to apply, p95 <= 50 ms to move.

The 1M-coding project (50 transcripts x 1,250 turns, 5 coders x 200,000 codings, with an
audit event per coding) is built once with bulk inserts through SQLAlchemy Core and cached
in ``benchmarks/out/``; each run works on a copy. ``--codings`` makes a smaller one for a
quick try.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, event, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workbench import CodingController, CodingPanel, create_project, open_project
from workbench.model import Codebook
from workbench.parsing.codebook_yaml import load_codebook_file
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.storage.audit_log import now
from workbench.storage.engine import head_revision
from workbench.storage.schema import audit, coders, codes, codings, segments
from workbench.testing import DEMO_CODEBOOK

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
TARGET_APPLY_MS = 20.0
TARGET_MOVE_MS = 50.0
DOCS = 50
CODERS = ("bench", "coder2", "coder3", "coder4", "coder5")
CODES_PER_SEGMENT = 4
CHUNK = 20_000


def _codebook() -> Codebook:
    path = ROOT / "codebooks" / "ipr_relational.yaml"
    return load_codebook_file(path) if path.exists() else DEMO_CODEBOOK


def _transcript(index: int, stops: int, answers: list[str]) -> str:
    lines = [
        "---", "synthetic: true", "note: SYNTHETIC benchmark transcript; not clinical data.",
        f"document: BENCH_{index:03d}", f"dyad: B{index // 4:03d}",
        f"session: {3 + 2 * (index % 2)}", f"perspective: {('client', 'therapist')[index % 2]}",
        "speakers:", "  R: {name: Researcher, role: interviewer}",
        "  P: {name: Participant, role: participant}", "---",
    ]
    for stop in range(stops):
        seconds = 20 + stop * 7
        lines += ["", f"[{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}]",
                  "R: What was going on for you there?",
                  f"P: {answers[(index * stops + stop) % len(answers)]}"]
    return "\n".join(lines) + "\n"


def build(path: Path, total_codings: int) -> None:
    """Create the benchmark project at ``path`` with ``total_codings`` codings."""
    from corpus import generate_turns

    per_coder = total_codings // len(CODERS)
    n_segments = per_coder * 5 // 4 // CODES_PER_SEGMENT  # each coder codes 4 of 5 segments
    stops = max(n_segments // DOCS // 2, 1)
    tmp = path.with_name(path.name + ".building")
    for leftover in tmp.parent.glob(tmp.name + "*"):
        leftover.unlink()
    started = time.perf_counter()
    answers = generate_turns(min(DOCS * stops, 40_000) * 25)
    project = create_project(tmp)
    parsed = [parse_ipr_text(_transcript(i, stops, answers)) for i in range(DOCS)]
    project.import_parsed(parsed, unit="turn", progress=False)
    project.load_codebook(_codebook())
    for name in CODERS:
        project.add_coder(name)
    version = project.codebook_version()
    with project.store.reading() as conn:
        segs = conn.execute(select(segments.c.id, segments.c.document_id, segments.c.start,
                                   segments.c.end, segments.c.text)
                            .order_by(segments.c.id)).all()
        code_ids = [row.id for row in conn.execute(
            select(codes.c.id).where(codes.c.retired_version_id.is_(None))
            .order_by(codes.c.position))]
        coder_ids = dict(conn.execute(select(coders.c.name, coders.c.id)).all())
    rows: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    made = 0

    def flush() -> None:
        with project.store.transaction() as conn:
            conn.execute(insert(codings), rows)
            conn.execute(insert(audit), events)
        rows.clear()
        events.clear()

    for c, name in enumerate(CODERS):
        coder_id = coder_ids[name]
        count = 0
        for s, seg in enumerate(segs):
            if (s + c) % 5 == 0 or count >= per_coder:
                continue  # every coder leaves a fifth of the segments uncoded
            stamp = now()
            for k in range(CODES_PER_SEGMENT):
                code_id = code_ids[(s * 7 + c * 3 + k * 2) % len(code_ids)]
                key = str(uuid.uuid4())
                rows.append({"uuid": key, "document_id": seg.document_id, "code_id": code_id,
                             "coder_id": coder_id, "codebook_version_id": version,
                             "start": seg.start, "end": seg.end, "text": seg.text,
                             "memo": "", "created_at": stamp, "updated_at": stamp})
                events.append({"at": stamp, "actor": name, "action": "apply_code",
                               "entity": "coding", "entity_key": key,
                               "detail": json.dumps({"start": seg.start, "end": seg.end})})
            count += CODES_PER_SEGMENT
            made += CODES_PER_SEGMENT
            if len(rows) >= CHUNK:
                flush()
    if rows:
        flush()
    project.close()
    tmp.rename(path)
    meta = {"codings": made, "segments": len(segs), "documents": DOCS,
            "revision": head_revision(), "seconds": round(time.perf_counter() - started, 1)}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    print(f"built {path} in {meta['seconds']} s: {made:,} codings on {len(segs):,} segments")


def _cached(total_codings: int, rebuild: bool) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"coding_{total_codings}.sqlite"
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists() and not rebuild:
        meta = json.loads(meta_path.read_text())
        if meta.get("revision") == head_revision():
            print(f"reusing {path} ({meta['codings']:,} codings, built in {meta['seconds']} s)")
            return path
    path.unlink(missing_ok=True)
    build(path, total_codings)
    return path


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": statistics.median(ordered) * 1000, "p95": p95 * 1000,
            "max": ordered[-1] * 1000}


def _timed(action: Callable[[], object], runs: int, prepare: Callable[[int], object]
           ) -> list[float]:
    out = []
    for i in range(runs):
        prepare(i)
        start = time.perf_counter()
        action()
        out.append(time.perf_counter() - start)
    return out


def run(path: Path, iterations: int) -> dict[str, dict[str, float]]:
    """Time apply, move and the bare insert on a copy of the benchmark project."""
    work = path.with_name("coding_work.sqlite")
    for old in work.parent.glob(work.name + "*"):
        old.unlink()
    shutil.copyfile(path, work)
    try:
        return _measure(work, iterations)
    finally:
        for old in work.parent.glob(work.name + "*"):
            old.unlink()


def _measure(work: Path, iterations: int) -> dict[str, dict[str, float]]:
    project = open_project(work)
    with project.store.reading() as conn:
        total = conn.execute(select(func.count()).select_from(codings)).scalar_one()
    document = project.documents()[len(project.documents()) // 2]
    start = time.perf_counter()
    controller = CodingController(project, "bench", document)
    opened = time.perf_counter() - start
    print(f"project: {total:,} codings; opening {document} for 'bench' took "
          f"{opened * 1000:.0f} ms ({controller.view_state().total} segments, "
          f"{controller.view_state().coded} coded by bench)")

    project.add_coder("bare")
    bare_engine = create_engine(f"sqlite:///{work}")

    @event.listens_for(bare_engine, "connect")
    def _pragmas(dbapi: object, _record: object) -> None:
        cursor = dbapi.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    with bare_engine.connect() as conn:
        bare_coder = conn.execute(select(coders.c.id).where(coders.c.name == "bare")).scalar_one()
        seg_rows = conn.execute(select(segments.c.id, segments.c.document_id, segments.c.start,
                                       segments.c.end, segments.c.text)
                                .limit(iterations + 20)).all()
        first_code = conn.execute(select(codes.c.id).order_by(codes.c.position)).scalars().first()
        version = conn.execute(select(func.max(codings.c.codebook_version_id))).scalar_one()

    def bare_insert(i: int) -> None:
        seg = seg_rows[i]
        stamp = now()
        with bare_engine.begin() as conn:
            conn.execute(insert(codings).values(
                uuid=str(uuid.uuid4()), document_id=seg.document_id, code_id=first_code,
                coder_id=bare_coder, codebook_version_id=version, start=seg.start,
                end=seg.end, text=seg.text, memo="", created_at=stamp,
                updated_at=stamp))

    counter = iter(range(10**9))
    for i in range(20):  # warm-up
        bare_insert(i)
    bare = _timed(lambda: bare_insert(next(counter) + 20), iterations, lambda _i: None)
    bare_engine.dispose()

    last = controller.last_segment_index
    chosen: list[str] = []

    def prepare_apply(i: int) -> None:
        for step in range(last + 1):
            controller.jump((i * 4 + 1 + step) % (last + 1))
            free = [k for k in controller.codebook.keys if k not in controller.applied()]
            if free:
                chosen.append(free[i % len(free)])
                return
        raise RuntimeError("every code is applied to every segment; use a bigger project")

    before = len(project.codings(coder="bench", document=document, with_attributes=False))
    apply = _timed(lambda: controller.toggle_code(chosen[-1]), iterations, prepare_apply)
    after = len(project.codings(coder="bench", document=document, with_attributes=False))
    if after - before != iterations:
        raise RuntimeError(f"{iterations} timed applies stored {after - before} codings")

    controller.jump(0)

    def prepare_move(_i: int) -> None:
        if controller.segment is not None and controller.segment.index >= last:
            controller.jump(0)

    def move() -> None:
        controller.next()
        controller.view_state()

    moves = _timed(move, iterations, prepare_move)
    panel = CodingPanel(controller)
    controller.jump(0)
    panel_moves = _timed(lambda: panel.press("ArrowRight"), iterations, prepare_move)
    if controller.last_error is not None:
        raise RuntimeError(f"the panel reported an error: {controller.last_error}")
    project.close()
    return {"bare insert+commit": _ms(bare), "apply (toggle_code)": _ms(apply),
            "move (next + view_state)": _ms(moves), "move via panel key": _ms(panel_moves)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codings", type=int, default=1_000_000)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    path = _cached(args.codings, args.rebuild)
    results = run(path, args.iterations)
    bare = results["bare insert+commit"]
    print(f"\n{'kernel-side time, ms':28} {'p50':>8} {'p95':>8} {'max':>8}  p50/bare")
    for name, values in results.items():
        print(f"{name:28} {values['p50']:8.2f} {values['p95']:8.2f} {values['max']:8.2f}  "
              f"{values['p50'] / bare['p50']:7.1f}x")
    apply_p95 = results["apply (toggle_code)"]["p95"]
    move_p95 = results["move (next + view_state)"]["p95"]
    print(f"apply p95 {apply_p95:.1f} ms (target <= {TARGET_APPLY_MS:.0f} ms): "
          f"{'OK' if apply_p95 <= TARGET_APPLY_MS else 'ABOVE TARGET'}")
    print(f"move  p95 {move_p95:.1f} ms (target <= {TARGET_MOVE_MS:.0f} ms): "
          f"{'OK' if move_p95 <= TARGET_MOVE_MS else 'ABOVE TARGET'}")
    (OUT / "bench_coding.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
