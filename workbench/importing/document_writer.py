"""Store one segmented transcript in its own transaction: add it, or replace it and re-anchor.

A new document is inserted with its case, turns and segments; a changed one has its turns
and segments replaced and its codings re-anchored on the new text
(:mod:`workbench.importing.reanchor`); codings that cannot be placed are kept in
``unanchored_codings`` and reported, and codings an earlier re-import left unanchored are
placed again when the new text holds them (a reverted edit brings them back). The ranges of the
document's consensus decisions are re-anchored in the same transaction, by the same rule
(their text and its surroundings on the old text), and the codings' offsets they rest on
follow the codings; a decision whose range cannot be placed loses its offsets and is
marked stale with the reason (``rests_on["stale"]``), never left on the wrong words.
Either way the audit event is written in the same transaction. Used by both ways of storing an
import (:mod:`workbench.importing.storage_sink`).
"""

from __future__ import annotations

from sqlalchemy import Connection

from workbench.errors import clip
from workbench.importing.reanchor import (
    Placement,
    coding_row_from_unanchored,
    context_of,
    reanchor,
    unanchored_placements,
)
from workbench.model import ImportReport, ParsedTranscript, SegmentDraft, UnanchoredCoding
from workbench.storage import codings_store as cs
from workbench.storage import consensus_store
from workbench.storage.audit_log import now, record
from workbench.storage.documents_store import (
    document_name,
    insert_document,
    lock_document_named,
    replace_document_content,
)
from workbench.storage.engine import Store

__all__ = ["DocumentWriter"]


class DocumentWriter:
    """Stores segmented transcripts in ``store`` as ``actor``, one transaction each."""

    def __init__(self, store: Store, actor: str = "system"):
        self.store = store
        self.actor = actor

    def write(
        self, transcript: ParsedTranscript, drafts: list[SegmentDraft], unit: str
    ) -> ImportReport:
        """Store ``transcript`` with its segments ``drafts``; the report says what happened.

        Re-importing locks the document for the whole transaction (see
        :func:`~workbench.storage.documents_store.lock_document`), so a coding stored at the
        same moment is either re-anchored here or refused as stale, never lost.
        """
        with self.store.transaction() as conn:
            stored = lock_document_named(conn, transcript.name, exclusive=True)
            if stored is None:
                insert_document(conn, transcript, drafts, unit)
                record(conn, actor=self.actor, action="import", entity="document",
                       key=transcript.name,
                       detail={"segments": len(drafts), "source": transcript.source})
                return ImportReport(transcript.name, "added", len(drafts),
                                    warnings=transcript.warnings)
            old = cs.take_codings_of_document(conn, stored.id)
            waiting = cs.unanchored_of_document(conn, stored.id)
            replace_document_content(conn, stored.id, transcript, drafts, unit)
            placed, lost, back, moves = self._reanchor(conn, stored.id, stored.text,
                                                       transcript.text, old, waiting)
            moved, stale = reanchor_decisions(conn, stored.id, stored.text, transcript.text,
                                              moves)
            record(conn, actor=self.actor, action="reimport", entity="document",
                   key=transcript.name,
                   detail={"segments": len(drafts), "reanchored": placed,
                           "unanchored": [u.uuid for u in lost], "placed_again": back,
                           "decisions_reanchored": moved,
                           "decisions_stale": [d for d, _ in stale]})
        return ImportReport(transcript.name, "updated", len(drafts), reanchored=placed,
                            unanchored=tuple(lost), warnings=transcript.warnings,
                            decisions_reanchored=moved, stale_decisions=tuple(stale))

    def _reanchor(
        self,
        conn: Connection,
        document_id: int,
        old_text: str,
        new_text: str,
        old: list[cs.StoredCoding],
        waiting: list[dict[str, object]],
    ) -> tuple[int, list[UnanchoredCoding], list[str], dict[str, tuple[int, int]]]:
        """Place the document's codings on its new text; also try the codings an earlier
        re-import could not place (after a reverted edit they come back). Returns how many
        codings were placed, the newly unanchored ones, the uuids placed again and where
        each placed coding now lies (uuid -> start, end)."""
        if not old and not waiting:
            return 0, [], [], {}
        code_keys = {v: k for k, v in cs.code_ids(conn, include_retired=True).items()}
        coder_names = {v: k for k, v in cs.coder_ids(conn).items()}
        placements = reanchor(old_text, new_text, [(c.start, c.end, c.text) for c in old])
        restored: list[dict[str, object]] = []
        taken: set[tuple[int, int, int, int]] = set()
        lost_rows: list[dict[str, object]] = []
        lost: list[UnanchoredCoding] = []
        for coding, place in zip(old, placements, strict=True):
            if isinstance(place, Placement):
                key = (coding.code_id, coding.coder_id, place.start, place.end)
                if key not in taken:
                    taken.add(key)
                    restored.append({**coding.row(), "document_id": document_id,
                                     "start": place.start, "end": place.end})
                    continue
                reason = ("another coding of the same code by the same coder landed on the "
                          "same text")
            else:
                reason = place
            before, after = context_of(old_text, coding.start, coding.end)
            lost_rows.append({
                "uuid": coding.uuid, "document_id": document_id, "code_id": coding.code_id,
                "coder_id": coding.coder_id, "codebook_version_id": coding.codebook_version_id,
                "old_start": coding.start, "old_end": coding.end, "text": coding.text,
                "context_before": before, "context_after": after, "memo": coding.memo,
                "reason": reason, "created_at": coding.created_at, "unanchored_at": now(),
            })
            lost.append(UnanchoredCoding(
                uuid=coding.uuid, document="", code=code_keys[coding.code_id],
                coder=coder_names[coding.coder_id], text=coding.text, memo=coding.memo,
                reason=reason,
            ))
        back = self._place_waiting(waiting, new_text, taken, restored)
        cs.drop_unanchored(conn, back)
        cs.restore_codings(conn, restored)
        cs.insert_unanchored(conn, lost_rows)
        name = document_name(conn, document_id)
        lost = [UnanchoredCoding(u.uuid, str(name), u.code, u.coder, u.text, u.memo, u.reason)
                for u in lost]
        moves = {str(r["uuid"]): (int(r["start"]), int(r["end"]))  # type: ignore[call-overload]
                 for r in restored}
        return len(restored) - len(back), lost, back, moves

    @staticmethod
    def _place_waiting(
        waiting: list[dict[str, object]],
        new_text: str,
        taken: set[tuple[int, int, int, int]],
        restored: list[dict[str, object]],
    ) -> list[str]:
        """Codings left unanchored by an earlier re-import that fit the new text again."""
        if not waiting:
            return []
        back: list[str] = []
        for row, place in zip(waiting, unanchored_placements(waiting, new_text), strict=True):
            if not isinstance(place, Placement):
                continue
            key = (int(row["code_id"]), int(row["coder_id"]), place.start, place.end)  # type: ignore[call-overload]
            if key in taken:
                continue
            taken.add(key)
            restored.append(coding_row_from_unanchored(row, place))
            back.append(str(row["uuid"]))
        return back


def reanchor_decisions(conn: Connection, document_id: int, old_text: str, new_text: str,
                       moves: dict[str, tuple[int, int]]) -> tuple[int, list[tuple[int, str]]]:
    """Re-anchor the ranges of a re-imported document's consensus decisions (every revision)
    as codings are (:func:`~workbench.importing.reanchor.reanchor` on the range's old text
    and surroundings), and move the offsets of the codings they rest on (``moves``: uuid ->
    new range). A range that cannot be placed is set to NULL and marked stale in
    ``rests_on["stale"]`` (reason, old offsets, text, when). Returns how many ranges were
    placed and (decision id, reason) of each marked stale."""
    rows = consensus_store.decisions_of_document(conn, document_id)
    if not rows:
        return 0, []
    ranged = [r for r in rows if r["start"] is not None and r["end"] is not None]
    placements = dict(zip(
        (r["id"] for r in ranged),
        reanchor(old_text, new_text, [(r["start"], r["end"], old_text[r["start"]:r["end"]])
                                      for r in ranged]), strict=True))
    moved, stale = 0, []
    for row in rows:
        rests = row["rests_on"]
        changed = False
        for coding in rests.get("codings", []):
            new = moves.get(str(coding.get("uuid")))
            if new is not None and (coding.get("start"), coding.get("end")) != new:
                coding["start"], coding["end"] = new
                changed = True
        start, end = row["start"], row["end"]
        place = placements.get(row["id"])
        if isinstance(place, Placement):
            moved += 1
            changed |= (place.start, place.end) != (start, end)
            start, end = place.start, place.end
        elif place is not None:
            text = old_text[int(start):int(end)]
            reason = (f"re-import: the decided range {start}..{end} ({clip(text)!r}) could "
                      f"not be placed on the new text: {place}")
            rests["stale"] = {"reason": reason, "start": start, "end": end, "text": text,
                              "at": now().isoformat()}
            stale.append((row["id"], reason))
            start = end = None
            changed = True
        if changed:
            consensus_store.reanchor_decision(conn, row["id"], start=start, end=end,
                                              rests_on=rests)
    return moved, stale

