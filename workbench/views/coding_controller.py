"""The coding controller of one coder: plain Python, no widgets.

:class:`CodingController` extends :class:`CodingSession` (document, filter, current
segment, moves) with coding, memos, undo, keys and error recording, and with the codebook
inside the coding flow: a small form to create, rename, merge, split, move, retire or
restore codes (keys ``n``, ``r``, ``m``, ``p``, ``v``, ``d``, ``b``; Enter confirms, Esc
cancels), a keyboard walk through the recode queue of split codes (``q``), a code palette
(``/``: type to filter, Enter applies; every code is reachable by keyboard), the code whose
definition the panel shows (``i``), the coder's coverage status (``c``) and the save state
of the last action (:attr:`CodingController.save_state`). It holds what a
coding panel shows (including this coder's codings of the document and an undo stack)
and :meth:`CodingController.view_state` returns it as one frozen value. It calls
:class:`workbench.Project` for every change, so each action is stored when it happens:
JupyterLab does not reliably save widget state, and two people may code the same project
at once. A document's segments and this coder's codings are read once when the document
is opened; afterwards actions update that cache instead of querying again, so moving and
coding stay fast in projects with a million codings.

Actions raise :class:`workbench.WorkbenchError` subclasses (or ``ValueError``) on bad
input. A view calls them through :meth:`CodingController.perform`, which records the
exception in :attr:`CodingController.last_error` instead of raising, for the view to show.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from workbench.coder_identity import inert
from workbench.errors import (
    CodebookError,
    ConflictError,
    MediaError,
    NotFoundError,
    NotPermittedError,
    UnknownCodeError,
    suggest,
)
from workbench.media import PlaybackState, RecallStop, session_media
from workbench.model import Code, Codebook, MergeReport, shortcut_note
from workbench.project import Project
from workbench.views.coding_document import CodingDocument, RangeRef
from workbench.views.coding_session import CodingSession
from workbench.views.coding_state import (
    FORM_KINDS,
    CodebookForm,
    ErrorInfo,
    FormKind,
    PaletteView,
    RecodeCandidate,
    RecodeItem,
    RecodeView,
    SaveState,
    SegmentRecord,
    UndoAction,
    ViewState,
    code_states,
    palette_keys,
    palette_matches,
    shortcut_for,
    turn_records,
)
from workbench.views.transcript import Direction, Selection, extend

__all__ = ["FORM_HELP", "KEY_HELP", "PALETTE_HELP", "RECODE_HELP", "SELECT_HELP",
           "CodingController",
           "split_targets"]

log = logging.getLogger(__name__)
T = TypeVar("T")
UNDO_LIMIT = 500
KEY_HELP = ("keys: 1-9, 0 toggle codes · / any code (type to filter) · ← → move · "
            "u next uncoded · z undo · i definition of the next code (I previous) · "
            "c coverage: in progress, then done · n new code · r rename · m merge · "
            "p split · v move · d retire · b restore · q recode queue")
PALETTE_HELP = ("palette: type to filter · ↑ ↓ choose · Enter applies · "
                "Backspace deletes · Esc closes")
FORM_HELP = "form: Enter confirms (Ctrl+Enter in a text box) · Esc cancels"
FORM_FIELDS = ("code", "name", "key", "theme", "definition", "target", "apply", "into",
               "parent", "recode")
"""The values a codebook form holds (see :meth:`CodingController.set_form_value`)."""
SELECT_HELP = ("select words with the mouse (across turns too), or Shift+←/→ by word, "
               "Shift+↑/↓ by sentence; "
               "a code key codes the selection · Esc clears it")
_SHIFT_ARROWS: dict[str, Direction] = {"Shift+ArrowLeft": "left", "Shift+ArrowRight": "right",
                                       "Shift+ArrowUp": "up", "Shift+ArrowDown": "down"}
RECODE_HELP = "keys: 1-9 recode as the code shown · s skip (leave for later) · Esc stop"


@dataclass
class _RecodeWalk:
    """A walk through the recode queue: the codings still to show (uuid -> queue row), in
    order, and the counts so far."""

    rows: dict[str, dict[str, Any]]
    order: list[str]
    total: int
    done: int = 0
    skipped: int = 0
    texts: dict[str, CodingDocument] = field(default_factory=dict)


class CodingController(CodingSession):
    """One coder coding one project, a document at a time (see :class:`CodingSession`).

    ``document=None`` resumes the document and segment where ``coder`` was last (or the
    first document). ``reviewer=True`` also shows the other coders' codings; by default a
    coder sees only their own (blind coding), and only a coder with the reviewer role
    (``project.set_coder_role``) may turn the reviewer view on, never during the project's
    blind round. ``lock_coder=True`` (or the blind round) fixes the coder: no switch.
    ``context`` is the number of speaker turns shown before and after the current one.
    """

    def __init__(
        self,
        project: Project,
        coder: str,
        document: str | None = None,
        *,
        reviewer: bool = False,
        lock_coder: bool = False,
        context: int = 1,
    ) -> None:
        self.lock_coder = bool(lock_coder)
        self._blind = project.blind_coding
        self._reviewer_role = project.is_reviewer(coder)
        if reviewer:
            self._check_review(project, coder)
        self.last_error: ErrorInfo | None = None
        self._undo: list[UndoAction] = []
        self._form: CodebookForm | None = None
        self._draft: dict[str, object] = {}
        self._walk: _RecodeWalk | None = None
        self.last_merge: MergeReport | None = None
        self._selection: Selection | None = None
        self._palette: tuple[str, int] | None = None  # (query, highlighted index)
        self._info_code: str | None = None
        self._coverage = "not_started"
        self.save_state = SaveState()
        """Whether the last action run through :meth:`perform` is stored."""
        self.on_pending: Callable[[SaveState], object] | None = None
        """Called with the ``pending`` state just before an action writes (the panel
        shows "saving..." then)."""
        self._acting = False
        self._wrote = False
        super().__init__(project, coder, document, reviewer=reviewer, context=context)
        project.store.add_write_hook(self._on_write)

    # -- errors ------------------------------------------------------------------------
    def perform(self, action: Callable[..., T], *args: object, **kwargs: object) -> T | None:
        """Run an action; record an exception in :attr:`last_error` instead of raising.

        Returns the action's result, or ``None`` when it failed. A successful action
        clears the previous error. The codebook is synced first (:meth:`sync_codebook`), so
        a code renamed or merged by another user shows as it is now.

        :attr:`save_state` follows the action: ``pending`` while it writes, ``saved`` (with
        the time) once its writes are committed, ``error`` when it failed (nothing of it is
        stored); an action that writes nothing leaves it as it was.
        """
        self._acting, self._wrote = True, False
        try:
            closed = self.sync_identity()
            self.sync_codebook()
            result = action(*args, **kwargs)
        except Exception as exc:
            self.record_error(exc)
            self.save_state = SaveState("error", time.strftime("%H:%M:%S"),
                                        f"{type(exc).__name__}: {exc}")
            return None
        finally:
            self._acting = False
        if self._wrote:
            self.save_state = SaveState("saved", time.strftime("%H:%M:%S"))
        if closed and closed not in self.message:  # the action's message must not hide it
            self.message = f"{closed}; {self.message}" if self.message else closed
        self.last_error = None
        return result

    def _on_write(self, event: str) -> None:
        """The store's write hook: a write of an action run through :meth:`perform`."""
        if not self._acting:
            return
        if event == "begin" and self.save_state.kind != "pending":
            self.save_state = SaveState("pending")
            if self.on_pending is not None:
                self.on_pending(self.save_state)
        elif event == "commit":
            self._wrote = True

    def close(self) -> None:
        """Stop following the project's writes (the panel is gone)."""
        self.project.store.remove_write_hook(self._on_write)

    def record_error(self, exc: BaseException) -> ErrorInfo:
        """Keep ``exc`` as :attr:`last_error` (and log it); returns the record."""
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.last_error = ErrorInfo(type(exc).__name__, str(exc), detail)
        log.info("coding panel action failed: %s: %s", type(exc).__name__, exc)
        return self.last_error

    # -- reading -----------------------------------------------------------------------
    @property
    def undo_stack(self) -> tuple[UndoAction, ...]:
        """Actions that :meth:`undo` can invert, oldest first."""
        return tuple(self._undo)

    @property
    def memo_code(self) -> str | None:
        """The coding a memo is written to: the last code applied here, else the first."""
        applied = self.applied()
        if self._memo_code in applied:
            return self._memo_code
        return applied[0] if applied else None

    def view_state(self) -> ViewState:
        """Everything the panel renders, from the cache (no database access)."""
        doc, segment = self.doc, self.segment
        mine = doc.mine.get(segment.id, {}) if segment else {}
        others = doc.others.get(segment.id, {}) if segment else {}
        around = doc.context(segment, self.context) if segment else None
        by_coder: dict[str, list[str]] = {}
        for key in self.codebook.keys:
            for name in others.get(key, ()):
                by_coder.setdefault(name, []).append(key)
        memo_code = self.memo_code
        units = [s for s in doc.segments if s.role == "participant"]
        unit_role = "participant" if units else ""
        units = units or list(doc.segments)
        return ViewState(
            coder=self.coder, coders=self._coders, reviewer=self.reviewer,
            documents=self._documents, document=doc.name,
            case=self.case, speakers=doc.speakers,
            filter_role=self._role, filter_speaker=self._speaker, segment=segment,
            position=self._pos if segment else 0, total=len(self._visible),
            coded=sum(1 for i in self._visible if doc.mine.get(doc.segments[i].id)),
            turn=around.turn if around else None,
            before=around.before if around else "",
            highlight=around.highlight if around else "",
            after=around.after if around else "",
            context_before=around.context_before if around else (),
            context_after=around.context_after if around else (),
            codes=code_states(self.codebook, mine, others),
            others=tuple((name, tuple(keys)) for name, keys in sorted(by_coder.items())),
            memo_codes=self.applied(), memo_code=memo_code,
            memo=mine[memo_code][1] if memo_code else "",
            can_undo=bool(self._undo),
            undo_label=self._undo[-1].describe() if self._undo else "",
            message=self.message, error=self.last_error,
            codebook_version=self.codebook_version, form=self._form,
            recode=self.recode_view(), form_note=self.form_note(), locked=self.locked,
            may_review=self.may_review, palette=self.palette_view(), info=self.info_code(),
            units=len(units), units_coded=sum(1 for s in units if doc.mine.get(s.id)),
            unit_role=unit_role, coverage=self._coverage, save_state=self.save_state,
            other_coders=tuple(sorted({r.coder for r in doc.other_ranges.values()}))
            if self.reviewer else (),
        )

    @property
    def visible_segments(self) -> tuple[SegmentRecord, ...]:
        """The segments the filter shows, in order: what ``ArrowRight``/``ArrowLeft``/``u``
        move through."""
        segments = self.doc.segments
        return tuple(segments[i] for i in self._visible)

    @property
    def predictable(self) -> bool:
        """True when what a move key (arrows, ``u``) or a digit does can be told from the
        current sentence, the visible segments and this coder's codings alone: no form,
        palette, recode queue or selection is open, the reviewer view is off and there is a
        current sentence. The transcript view then draws a key's effect at once, before
        the kernel's answer (which still decides)."""
        return (self._form is None and self._palette is None and self._walk is None
                and not self.reviewer and self.segment is not None and self.selection is None)

    @property
    def locked(self) -> bool:
        """True when the coder cannot be switched (``lock_coder`` or a blind round)."""
        return self.lock_coder or self._blind

    @property
    def may_review(self) -> bool:
        """True when this coder may turn the reviewer view on."""
        return self._reviewer_role and not self._blind

    def sync_identity(self) -> str:
        """Read the blind-round setting and the coder's role again (every action does): a
        blind round started elsewhere, or a role taken away, closes the reviewer view.
        Returns what changed ("" if nothing), also shown as :attr:`message`."""
        self._blind = self.project.blind_coding
        self._reviewer_role = self.project.is_reviewer(self.coder)
        if not (self.reviewer and not self.may_review):
            return ""
        self.reviewer = False
        self.doc.clear_others()
        self.message = ("reviewer view closed: " + (
            "the project is in a blind round" if self._blind else
            f"{inert(self.coder)} is no longer a reviewer"))
        return self.message

    @staticmethod
    def _check_review(project: Project, coder: str) -> None:
        if project.blind_coding:
            raise NotPermittedError(
                "the project is in a blind round: no coder sees another coder's codings "
                "(project.set_blind_coding(False) ends it).")
        if not project.is_reviewer(coder):
            raise NotPermittedError(
                f"{inert(coder)} is not a reviewer: the reviewer view shows every coder's "
                f"codings, so it needs the role (project.set_coder_role({coder!r}, "
                "'reviewer')).")

    # -- choosing --------------------------------------------------------------------
    def set_coder(self, coder: str) -> None:
        """Code as another coder: their codings, their last position; clears undo.
        Refused (:class:`~workbench.errors.NotPermittedError`) when :attr:`locked`."""
        if coder == self.coder:
            return
        if self.locked:
            raise NotPermittedError(
                f"this panel codes as {inert(self.coder)} only"
                + (" (the project is in a blind round)" if self.project.blind_coding else "")
                + "; open a panel for another coder instead.")
        self.coder = self._checked_coder(coder)
        self._reviewer_role = self.project.is_reviewer(self.coder)
        if self.reviewer and not self.may_review:
            self.reviewer = False
        self._undo.clear()
        self.message = f"coding as {inert(coder)}"
        self._open(None)

    def set_reviewer(self, on: bool) -> None:
        """Show (``True``) or hide every coder's codings of the current document; showing
        them needs the reviewer role and no blind round."""
        if on and not self.reviewer:
            self.sync_identity()
            self._check_review(self.project, self.coder)
        self.reviewer = bool(on)
        if self.reviewer:
            self.doc.load_others(self.project, self.coder)
        else:
            self.doc.clear_others()
        self.message = "reviewer view: all coders' codings shown" if on else "blind coding"

    # -- coverage ----------------------------------------------------------------------
    def set_status(self, status: str, *, force: bool = False, note: str | None = None) -> str:
        """Record this coder's status on the current document (``not_started``,
        ``in_progress``, ``done``).

        ``done`` is refused unless the coder has reached the last unit of this view (the
        last segment the filter shows), or ``force=True`` with a note.
        """
        last = self._visible_last_index()
        status = self.project.set_coverage(self.coder, self.document, status, note=note,
                                           force=force, last_index=last)
        self._coverage = status
        self.message = f"{self.document}: {status.replace('_', ' ')}"
        return status

    @property
    def coverage_status(self) -> str:
        """This coder's coverage status on the current document, as stored."""
        return self._coverage

    def advance_status(self) -> str:
        """Key ``c``: ``not_started`` -> ``in_progress`` -> ``done`` (refused, as
        :meth:`set_status` does, until the last unit is reached); ``done`` goes back to
        ``in_progress``."""
        following = {"not_started": "in_progress", "in_progress": "done",
                     "done": "in_progress"}[self._coverage]
        return self.set_status(following)

    def _read_coverage(self) -> str:
        frame = self.project.coverage(recorded_only=True)
        rows = frame[(frame["coder"] == self.coder) & (frame["document"] == self.document)]
        return str(rows["status"].iloc[0]) if not rows.empty else "not_started"

    def _load(self, document: str) -> None:
        super()._load(document)
        self._coverage = self._read_coverage()

    def _visible_last_index(self) -> int | None:
        visible = self._visible
        return self.doc.segments[visible[-1]].index if visible else None

    # -- coding ------------------------------------------------------------------------
    def _require_segment(self) -> SegmentRecord:
        segment = self.segment
        if segment is None:
            raise NotFoundError("no segment is selected: no segment matches the filter.")
        return segment

    def sync_codebook(self) -> bool:
        """Take up a codebook another user changed (a rename, merge, split, ...): the
        codebook and this document's codings are read again, staying on the same sentence.
        True when it changed. Every code action calls this first, so the panel shows new
        names and keys on the coder's next action."""
        version = self.project.codebook_version()
        if version == self.codebook_version:
            return False
        self.codebook, self.codebook_version = self.project.codebook, version
        self._reload()
        self.message = f"the codebook changed (version {version}); codes shown as they are now"
        return True

    def code_key(self, code: str | int) -> str:
        """The code key for a key or a shortcut number (1..9, 0 for the tenth code), in the
        codebook as it is now (see :meth:`sync_codebook`)."""
        self.sync_codebook()
        keys = self.codebook.keys
        if isinstance(code, int):
            position = 9 if code == 0 else code - 1
            if not 0 <= position < min(len(keys), 10):
                raise ValueError(
                    f"no code on key {code}: the codebook has {len(keys)} codes and keys 1-9, 0 "
                    "toggle the first ten."
                )
            return keys[position]
        if code not in keys:
            raise UnknownCodeError(
                f"code {code!r} is not in the codebook{suggest(code, keys)}; its codes are "
                f"{', '.join(keys)}."
            )
        return code

    def toggle_code(self, code: str | int) -> bool:
        """Apply the code if this coder has not applied it here, else remove it.

        Returns True when the code is applied afterwards. With a :attr:`selection` the
        selected words are coded instead (:meth:`toggle_selection_code`).
        """
        if self.selection is not None:
            return self.toggle_selection_code(code)
        key = self.code_key(code)
        if key in self.applied():
            self.remove(key)
            return False
        self.apply(key)
        return True

    def apply(self, code: str | int, memo: str = "") -> str:
        """Apply a code to the current segment (kept if already applied); returns its uuid.

        The action carries the document's content hash and the segment's text: if the
        document was re-imported meanwhile, the panel reloads it and the
        :class:`~workbench.errors.StaleError` says to code again (nothing was saved).
        """
        segment = self._require_segment()
        key = self.code_key(code)
        mine = self.doc.mine.get(segment.id, {})
        if key in mine:
            self.message = f"{self.codebook.code(key).name} is already applied"
            if memo:
                self.set_memo(memo, key)
            return mine[key][0]
        return self.apply_range(segment.start, segment.end, key, memo=memo)

    def apply_range(self, start: int, end: int, code: str | int, memo: str = "") -> str:
        """Apply a code to the range ``[start, end)`` of the current document (a part of a
        sentence, or a passage across sentences and turns); returns the coding's uuid."""
        key = self.code_key(code)
        applied = self._guarded(lambda: self.project.apply_range(
            self.document, start, end, key, self.coder, memo=memo,
            expect_text=self.doc.text[start:end], document_sha256=self.doc.sha256))
        touched = self.doc.segments_touched(applied.start, applied.end)
        if applied.uuid not in self.doc.ranges:
            self.doc.add_range(applied.uuid, RangeRef(key, applied.start, applied.end,
                                                      memo, touched))
        self._memo_code = key
        self._info_code = key
        name = self.codebook.code(key).name
        if applied.created:
            first = next((s for s in self.doc.segments if touched and s.id == touched[0]), None)
            self._push(UndoAction("apply", self.document, touched[0] if touched else -1,
                                  first.index if first else -1, key, uuid=applied.uuid))
            self.message = f"applied {name}" + (f" across {len(touched)} segments"
                                                if len(touched) > 1 else "")
        else:  # e.g. applied in another tab: shown now, but this tab's undo leaves it alone
            self.message = f"{name} was already applied here (another tab or session)"
        return applied.uuid

    def _guarded(self, action: Callable[[], T]) -> T:
        """Run a coding action; on a conflict reload the document, then re-raise."""
        try:
            return action()
        except ConflictError:
            self._reload()
            raise

    def _reload(self) -> None:
        """Read the document again (after another session changed it), staying put."""
        shown = self.segment
        self._load(self._checked_document(self.document))
        index = shown.index if shown else 0
        same = [pos for pos, i in enumerate(self._visible)
                if shown is not None and self.doc.segments[i].text == shown.text]
        # the same sentence where it moved to (nearest the old place), else the old place
        self._pos = (min(same, key=lambda pos: abs(self.doc.segments[self._visible[pos]].index
                                                   - index))
                     if same else self._position_near(index))
        self.message = (f"{self.document} was changed in another session (re-imported); "
                        "reloaded it: nothing was saved, code again.")
        # undo stays valid: codings keep their uuids when a document is re-imported

    def remove(self, code: str | int) -> bool:
        """Remove this coder's coding of a code from the current segment (a coding across
        several segments is removed whole)."""
        segment = self._require_segment()
        key = self.code_key(code)
        mine = self.doc.mine.get(segment.id, {})
        if key not in mine:
            self.message = f"{self.codebook.code(key).name} is not applied here"
            return False
        uuid = mine[key][0]
        removed = self._guarded(lambda: self.project.remove_coding(uuid, self.coder))
        ref = self.doc.drop_range(uuid)
        name = self.codebook.code(key).name
        if removed is not None:
            self._push(UndoAction("remove", self.document, segment.id, segment.index, key,
                                  removed.memo, uuid=uuid, removed=removed))
            across = len(ref.segment_ids) if ref else 1
            self.message = f"removed {name}" + (f" (a coding across {across} segments)"
                                                if across > 1 else "")
        else:
            self.message = f"{name} was already removed elsewhere"
        return removed is not None

    def select_memo_code(self, code: str) -> None:
        """Choose which of this segment's codings the memo box edits."""
        key = self.code_key(code)
        if key not in self.applied():
            raise ValueError(f"{key!r} is not applied to this segment; apply it first.")
        self._memo_code = key

    def set_memo(self, text: str, code: str | int | None = None) -> None:
        """Write the memo of this coder's coding ``code`` (default :attr:`memo_code`)."""
        segment = self._require_segment()
        key = self.code_key(code) if code is not None else self.memo_code
        mine = self.doc.mine.get(segment.id, {})
        if key is None or key not in mine:
            raise ValueError(
                f"a memo belongs to a coding: apply a code to segment #{segment.index} first, "
                "then write its memo."
            )
        uuid, old = mine[key]
        if text == old:  # stored already: nothing to write, no audit row
            self.message = f"memo saved on {self.codebook.code(key).name} (already stored)"
            self.save_state = SaveState("saved", time.strftime("%H:%M:%S"))
            return
        self.project.set_coding_memo(uuid, text, coder=self.coder)
        self.doc.set_range_memo(uuid, text)
        self._memo_code = key
        self._push(UndoAction("memo", self.document, segment.id, segment.index, key, old,
                              uuid=uuid))
        self.message = f"memo saved on {self.codebook.code(key).name}"

    # -- undo --------------------------------------------------------------------------
    def _push(self, action: UndoAction) -> None:
        self._undo.append(action)
        del self._undo[:-UNDO_LIMIT]

    def undo(self) -> UndoAction | None:
        """Invert the last apply, remove or memo edit (and show its segment)."""
        if not self._undo:
            self.message = "nothing to undo"
            return None
        action = self._undo.pop()
        try:
            self._invert(action)
        except Exception:
            self._undo.append(action)
            raise
        self.message = f"undone: {action.describe()}"
        return action

    def _invert(self, action: UndoAction) -> None:
        if action.document != self.document:
            self._open(action.document)
        if action.kind == "apply":
            gone = self.project.remove_coding(action.uuid, self.coder)
            self.doc.drop_range(action.uuid)
            if gone is None:
                raise NotFoundError(f"the coding {action.code!r} this action applied was "
                                    "already removed (in another tab or session).")
        elif action.kind == "remove":
            coding = action.removed
            assert coding is not None
            if not self.project.restore_coding(coding):
                raise ConflictError(f"{action.code!r} is on that text again already; "
                                    "nothing to undo.")
            self.doc.add_range(coding.uuid, RangeRef(
                coding.code, coding.start, coding.end, coding.memo,
                self.doc.segments_touched(coding.start, coding.end)))
        else:
            if action.uuid not in self.doc.ranges:
                raise NotFoundError(f"the coding {action.code!r} of segment "
                                    f"#{action.segment_index} no longer exists.")
            self.project.set_coding_memo(action.uuid, action.memo, coder=self.coder)
            self.doc.set_range_memo(action.uuid, action.memo)
        for pos, i in enumerate(self._visible):
            if self.doc.segments[i].id == action.segment_id:
                if pos != self._pos:
                    self._go(pos)
                break

    # -- moving (synced with the codebook) -----------------------------------------------
    def _go(self, pos: int) -> bool:
        self.sync_codebook()
        return super()._go(pos)

    # -- the code palette and the definitions pane --------------------------------------
    def open_palette(self, query: str = "") -> PaletteView:
        """Open the code palette (key ``/``): typed letters filter the codes by name, key
        or theme (:func:`~workbench.views.coding_state.palette_matches`), ``ArrowUp``/
        ``ArrowDown`` move the highlight and Enter applies the highlighted code."""
        self._form = None
        self._palette = (query, 0)
        self.message = "type to find a code, Enter applies it, Esc closes"
        return self.palette_view()  # type: ignore[return-value]

    def palette_view(self) -> PaletteView | None:
        """The open palette (None when it is closed)."""
        if self._palette is None:
            return None
        query, index = self._palette
        matches = palette_matches(self.codebook, query, palette_keys(self.codebook))
        return PaletteView(query, matches, min(index, max(len(matches) - 1, 0)))

    def type_in_palette(self, text: str) -> PaletteView:
        """Add ``text`` to the palette's query (the highlight goes back to the best match)."""
        if self._palette is None:
            raise CodebookError("the code palette is closed; press / to open it.")
        self._palette = (self._palette[0] + text, 0)
        return self._palette_moved()

    def palette_backspace(self) -> PaletteView:
        """Take the last character off the palette's query."""
        if self._palette is None:
            raise CodebookError("the code palette is closed; press / to open it.")
        self._palette = (self._palette[0][:-1], 0)
        return self._palette_moved()

    def move_in_palette(self, step: int) -> PaletteView:
        """Move the highlight ``step`` matches down (negative: up), wrapping around."""
        view = self.palette_view()
        if view is None:
            raise CodebookError("the code palette is closed; press / to open it.")
        count = len(view.matches)
        self._palette = (view.query, (view.highlighted + step) % count if count else 0)
        return self._palette_moved()

    def _palette_moved(self) -> PaletteView:
        view = self.palette_view()
        assert view is not None
        current = view.current
        self.message = (f"{len(view.matches)} codes match {view.query!r}" if current
                        else f"no code matches {view.query!r}: Backspace, or Esc to close")
        return view

    def apply_palette(self) -> str:
        """Apply the highlighted code to the current selection if the panel has one
        (an attribute ``selection`` holding ``(start, end)``), else to the current segment;
        closes the palette and returns the code key."""
        view = self.palette_view()
        if view is None:
            raise CodebookError("the code palette is closed; press / to open it.")
        code = view.current
        if code is None:
            raise UnknownCodeError(f"no code matches {view.query!r}; press Backspace to widen "
                                   "the search, or Esc to close the palette.")
        selection = getattr(self, "selection", None)
        if (isinstance(selection, tuple) and len(selection) == 2
                and all(isinstance(x, int) for x in selection) and selection[0] < selection[1]):
            self.apply_range(selection[0], selection[1], code.key)
        else:
            self.apply(code.key)
        self._palette = None
        self._info_code = code.key
        return code.key

    def close_palette(self) -> None:
        """Close the palette without applying anything."""
        if self._palette is not None:
            self.message = "palette closed"
        self._palette = None

    def info_code(self) -> Code | None:
        """The code the definitions pane shows: the palette's highlighted code, else the
        one chosen with :meth:`show_info` (or last applied), else :attr:`current_code`."""
        view = self.palette_view()
        if view is not None and view.current is not None:
            return view.current
        key = self._info_code if self._info_code in self.codebook.keys else self.current_code
        return self.codebook.code(key) if key is not None else None

    def show_info(self, code: str | int | None = None, *, step: int = 0) -> Code | None:
        """Show ``code``'s definition in the definitions pane, or (``code=None``) the code
        ``step`` places after the one shown (key ``i``: next, ``I``: previous)."""
        if code is not None:
            self._info_code = self.code_key(code)
        else:
            keys = self.codebook.keys
            shown = self.info_code()
            if not keys:
                return None
            at = keys.index(shown.key) if shown is not None and shown.key in keys else -step
            self._info_code = keys[(at + step) % len(keys)]
        info = self.info_code()
        if info is not None:
            self.message = f"definition: {info.name}"
        return info

    # -- the codebook, from the panel ----------------------------------------------------
    @property
    def current_code(self) -> str | None:
        """The code a codebook form starts on: the code last applied here, else the first
        applied here, else the first code of the codebook (None when it has none)."""
        memo_code = self.memo_code
        if memo_code is not None:
            return memo_code
        return self.codebook.keys[0] if self.codebook.keys else None

    @property
    def form(self) -> CodebookForm | None:
        """The open codebook form, if any."""
        return self._form

    def open_form(self, kind: FormKind) -> CodebookForm:
        """Open the codebook form ``kind`` (one of :data:`~workbench.views.coding_state.\
FORM_KINDS`) on the current code (``restore``: on the most recently retired code); the
        coding position is kept, and :meth:`submit_form` or :meth:`close_form` returns to
        coding. The values start as the form shows them (:attr:`form_values`)."""
        if kind not in FORM_KINDS:
            raise ValueError(f"the codebook form is one of {', '.join(FORM_KINDS)}, not "
                             f"{kind!r}.")
        self.sync_codebook()
        codebook = self.codebook
        retired: tuple[tuple[str, str], ...] = ()
        if kind == "restore":
            frame = self.project.retired_codes()
            if frame.empty:
                raise CodebookError("no code is retired: there is nothing to restore.")
            retired = tuple((str(k), str(n)) for k, n in zip(frame["code"], frame["code_name"],
                                                             strict=True))
            code: str | None = retired[0][0]
            theme, parent = str(frame["theme"].iloc[0]), ""
        else:
            code = self.current_code
            if code is None and kind != "create":
                raise NotFoundError("the codebook has no code yet; create one first (key n).")
            if kind == "merge" and len(codebook.keys) < 2:
                raise CodebookError("a merge needs two codes; the codebook has one.")
            theme = codebook.code(code).theme if code else (
                codebook.themes[0].key if codebook.themes else "")
            parent = (codebook.code(code).parent or "") if code else ""
        counts: tuple[tuple[str, int], ...] = ()
        if kind in ("split", "retire", "restore"):
            counts = tuple(sorted(self.project.coding_counts().items()))
        self._form = CodebookForm(
            kind=kind, code=code or "", theme=theme,
            codes=tuple((c.key, c.name) for c in codebook.codes),
            themes=tuple((t.key, t.name) for t in codebook.themes),
            parent=parent, retired=retired, counts=counts)
        name = dict(retired).get(code or "", "") if kind == "restore" else (
            codebook.code(code).name if code else "")
        self._draft = {"code": code or "", "name": name if kind == "rename" else "",
                       "key": "", "theme": theme, "definition": "", "target": "",
                       "apply": True, "into": "", "parent": parent, "recode": True}
        self.message = {
            "create": "new code: give its name, theme and definition",
            "rename": f"rename {name}: give the new name",
            "merge": f"merge {name} into: choose the target code",
            "split": (f"split {name}: give the codes it becomes, one a line: 'Name: "
                      "definition' for a new code, or an existing code's name"),
            "move": f"move {name}: choose another theme or a parent code",
            "retire": f"retire {name}? Enter confirms, Esc cancels",
            "restore": "restore a retired code: choose it, then Enter",
        }[kind]
        return self._form

    @property
    def form_values(self) -> dict[str, object]:
        """The values of the open form as entered so far (see :data:`FORM_FIELDS`)."""
        return dict(self._draft)

    def set_form_value(self, field_name: str, value: object) -> None:
        """Enter ``value`` into the open form's field ``field_name`` (the panel forwards
        each field as it is typed); :meth:`submit_form` uses them."""
        if self._form is None:
            raise CodebookError("no codebook form is open; press n, r, m, p, v, d or b first.")
        if field_name not in FORM_FIELDS:
            raise ValueError(f"a codebook form has the fields {', '.join(FORM_FIELDS)}, not "
                             f"{field_name!r}.")
        self._draft[field_name] = value

    def form_note(self) -> str:
        """What the open form will do with the code chosen, for the panel to show (``""``
        when there is nothing to add): a split or a retirement says what happens to the
        code's codings, a restore how many come back."""
        form = self._form
        if form is None or form.kind not in ("split", "retire", "restore"):
            return ""
        key = str(self._draft.get("code") or form.code)
        n = form.n_codings(key)
        names = dict(form.retired) if form.kind == "restore" else dict(form.codes)
        name = names.get(key, key)
        if form.kind == "split":
            return (f"{name} leaves the codebook; its {n} codings (every coder) wait in the "
                    "recode queue until each is given one of the new codes (key q)."
                    if n else f"{name} leaves the codebook; it has no codings to recode.")
        if form.kind == "retire":
            return (f"{name} has {n} codings (every coder): they are kept under the retired "
                    "code and count as before; restore (key b) brings the code back."
                    if n else f"{name} has no codings; restore (key b) brings it back.")
        return f"{name} comes back into the codebook" + (
            f" with its {n} codings." if n else " (it has no codings).")

    def close_form(self) -> None:
        """Close the codebook form without changing anything."""
        if self._form is not None:
            self.message = f"{self._form.title}: cancelled"
        self._form = None
        self._draft = {}

    def submit_form(self, *, code: str | None = None, name: str | None = None,
                    key: str | None = None, theme: str | None = None,
                    definition: str | None = None, target: str | None = None,
                    apply: bool | None = None, into: str | None = None,
                    parent: str | None = None, recode: bool | None = None) -> object:
        """Do what the open form asks, then close it (on an error the form stays open with
        nothing changed and the values kept). The values are those entered
        (:meth:`set_form_value`), each replaced by the argument of the same name when given.
        ``create``: ``name``, ``theme``, ``definition`` (``key`` is made from the name when
        empty; ``apply`` codes the current segment with the new code at once); ``rename``:
        ``code`` gets ``name`` (and ``key`` when given); ``merge``: ``code`` into
        ``target``; ``split``: ``code`` into the codes ``into`` lists (see
        :func:`split_targets`; new codes in ``theme``), and with ``recode`` the walk
        through this coder's queued codings starts at once; ``move``: ``code`` under
        ``parent`` (a code), else to ``theme``; ``retire``: ``code`` is retired (the form
        is the confirmation); ``restore``: the retired ``code`` comes back."""
        form = self._form
        if form is None:
            raise CodebookError("no codebook form is open; press n, r, m, p, v, d or b first.")
        given = {"code": code, "name": name, "key": key, "theme": theme,
                 "definition": definition, "target": target, "apply": apply, "into": into,
                 "parent": parent, "recode": recode}
        self._draft.update({k: v for k, v in given.items() if v is not None})
        v = self._draft

        def text(field_name: str) -> str:
            return str(v.get(field_name) or "")

        chosen = text("code") or form.code
        result: object
        if form.kind == "create":
            result = self.create_code(text("name"), theme=text("theme") or form.theme,
                                      definition=text("definition"),
                                      key=text("key") or None, apply=bool(v.get("apply")))
        elif form.kind == "rename":
            result = self.rename_code(text("name"), code=chosen, new_key=text("key") or None)
        elif form.kind == "merge":
            if not text("target"):
                raise CodebookError("choose the code to merge into.")
            result = self.merge_codes(text("target"), code=chosen)
        elif form.kind == "split":
            result = self.split_code(text("into"), code=chosen, theme=text("theme") or None,
                                     recode=bool(v.get("recode")))
        elif form.kind == "move":
            result = self.move_code(code=chosen, theme=text("theme") or None,
                                    parent=text("parent") or None)
        elif form.kind == "retire":
            result = self.retire_code(chosen, confirm=True)
        else:
            result = self.restore_code(chosen)
        self._form = None
        self._draft = {}
        return result

    def create_code(self, name: str, *, theme: str, definition: str, key: str | None = None,
                    apply: bool = False, theme_name: str | None = None) -> str:
        """Add a code to the codebook (a new version) and show it at once; with ``apply``
        the current segment is coded with it. ``key`` defaults to the name in lower case
        with ``_`` between words. Returns the key."""
        if not name.strip():
            raise CodebookError("give the new code a name.")
        if not definition.strip():
            raise CodebookError(f"code {name.strip()!r}: give a definition (what the code "
                                "means).")
        key = (key or "").strip() or _key_from(name)
        version = self.project.create_code(key, name, theme=theme, definition=definition,
                                           theme_name=theme_name)
        if self._form is not None and self._form.kind == "create":
            self._form = None  # the code exists: an error applying it must not re-create it
        self.sync_codebook()
        message = f"created {self.codebook.code(key).name} (codebook version {version})"
        if apply and self.segment is not None:
            self.apply(key)
            message += "; applied here"
        self.message = message
        return key

    def rename_code(self, new_name: str, *, code: str | None = None,
                    new_key: str | None = None) -> str:
        """Give ``code`` (default: the current code) a new name (and key); its codings keep
        their uuids and stay with it. Returns the code's key afterwards."""
        key = self.code_key(code) if code is not None else self.current_code
        if key is None:
            raise NotFoundError("the codebook has no code to rename.")
        old = self.codebook.code(key).name
        if not new_name.strip() and not new_key:
            raise CodebookError(f"give {old!r} a new name.")
        version = self.project.rename_code(key, new_key=new_key or None,
                                           new_name=new_name.strip() or None)
        self.sync_codebook()
        after = new_key or key
        self.message = (f"renamed {old} to {self.codebook.code(after).name} (codebook "
                        f"version {version}); its codings stay with it")
        return after

    def merge_codes(self, target: str, *, code: str | None = None) -> MergeReport:
        """Merge ``code`` (default: the current code) into ``target`` for every coder; the
        message reports ``N codings moved, M identical collapsed``."""
        source = self.code_key(code) if code is not None else self.current_code
        if source is None:
            raise NotFoundError("the codebook has no code to merge.")
        target = self.code_key(target)
        names = (self.codebook.code(source).name, self.codebook.code(target).name)
        report = self.project.merge_codes(source, target)
        self.last_merge = report
        self.sync_codebook()
        self.message = (f"merged {names[0]} into {names[1]}: {report.moved} codings moved, "
                        f"{len(report.collapsed)} identical collapsed")
        return report

    def split_code(self, into: str | Sequence[Code | str], *, code: str | None = None,
                   theme: str | None = None, recode: bool = True) -> int:
        """Split ``code`` (default: the current code) into new and/or existing codes: its
        codings (every coder's) wait in the recode queue. ``into`` is a list of
        :class:`~workbench.Code` values and keys, or text with one code a line (see
        :func:`split_targets`; new codes go into ``theme``, default the code's theme).
        With ``recode`` the walk through this coder's queued codings of it (everyone's in
        the reviewer view) starts at once. Returns how many codings were queued."""
        source = self.code_key(code) if code is not None else self.current_code
        if source is None:
            raise NotFoundError("the codebook has no code to split.")
        old = self.codebook.code(source)
        targets = (split_targets(into, self.codebook, source=source, theme=theme or old.theme)
                   if isinstance(into, str) else list(into))
        version = self.project.split_code(source, targets)
        if self._form is not None and self._form.kind == "split":
            self._form = None  # split already: an error starting the walk must not redo it
            self._draft = {}
        self.sync_codebook()
        keys = [t.key if isinstance(t, Code) else t for t in targets]
        names = ", ".join(self.codebook.code(k).name for k in keys)
        queue = self.project.recode_queue()
        queued = queue[queue["from_code"] == source]
        mine = len(queued) if self.reviewer else int((queued["coder"] == self.coder).sum())
        message = (f"split {old.name} into {names} (codebook version {version}): "
                   f"{len(queued)} codings queued for recoding")
        if recode and mine:
            self.start_recode(code=source)
            message += (f"; recode {mine} of them here now: 1-9 chooses the new code, s skips, "
                        "Esc stops")
        elif mine:
            message += f"; press q to recode {mine} of them here"
        self.message = message
        return len(queued)

    def move_code(self, *, code: str | None = None, theme: str | None = None,
                  parent: str | None = None) -> int:
        """Move ``code`` (default: the current code; its child codes follow) under the code
        ``parent`` (and so into its theme), or without ``parent`` to the top level of
        ``theme``. Returns the codebook version."""
        key = self.code_key(code) if code is not None else self.current_code
        if key is None:
            raise NotFoundError("the codebook has no code to move.")
        old = self.codebook.code(key)
        if parent is not None:
            parent = self.code_key(parent)
        if parent is None and not theme:
            raise CodebookError(f"choose a theme or a parent code to move {old.name} to.")
        if (parent == old.parent) if parent is not None else (
                old.parent is None and theme == old.theme):
            raise CodebookError(f"{old.name} is already there; choose another theme or "
                                "parent code.")
        version = self.project.move_code(key, theme=None if parent else theme, parent=parent)
        self.sync_codebook()
        moved = self.codebook.code(key)
        theme_name = next((t.name for t in self.codebook.themes if t.key == moved.theme),
                          moved.theme)
        where = (f"under {self.codebook.code(parent).name} (theme {theme_name})" if parent
                 else f"to theme {theme_name}")
        self.message = f"moved {old.name} {where} (codebook version {version})"
        return version

    def retire_code(self, code: str | None = None, *, confirm: bool = False) -> int:
        """Take ``code`` (default: the current code) out of the codebook: its codings are
        kept under the retired code and count as before, and :meth:`restore_code` brings
        it back. A code with codings needs ``confirm=True`` (the panel's form is the
        confirmation). Returns the codebook version."""
        key = self.code_key(code) if code is not None else self.current_code
        if key is None:
            raise NotFoundError("the codebook has no code to retire.")
        name = self.codebook.code(key).name
        n = self.project.coding_counts().get(key, 0)
        if n and not confirm:
            raise CodebookError(
                f"{name} has {n} codings (every coder); retiring it keeps them under the "
                f"retired code. Confirm: retire_code({key!r}, confirm=True), or in the panel "
                "press d, then Enter.")
        version = self.project.retire_code(key)
        self.sync_codebook()
        self.message = (f"retired {name} (codebook version {version}): "
                        + (f"its {n} codings are kept under the retired code and count as "
                           "before" if n else "it had no codings")
                        + "; press b to restore it")
        return version

    def restore_code(self, code: str) -> int:
        """Put the retired ``code`` back into the codebook (with its codings and its palette
        shortcut; the message says if another code took the shortcut meanwhile); returns
        the codebook version."""
        frame = self.project.retired_codes()
        row = frame[frame["code"] == code]
        if row.empty:
            retired = [str(k) for k in frame["code"]]
            raise CodebookError(
                f"{code!r} is not a retired code{suggest(code, retired)}; "
                + (f"the retired codes are {', '.join(retired)}." if retired
                   else "no code is retired."))
        name, n = str(row["code_name"].iloc[0]), int(row["n_codings"].iloc[0])
        had = str(row["shortcut"].iloc[0])
        version = self.project.restore_code(code)
        self.sync_codebook()
        note = shortcut_note(had, self.codebook, code)
        self.message = (f"restored {name} (codebook version {version})"
                        + (f": its {n} codings show again" if n else "")
                        + (f"; {note}" if note else ""))
        return version

    # -- the recode queue ----------------------------------------------------------------
    def start_recode(self, code: str | None = None) -> RecodeView | None:
        """Walk this coder's codings waiting in the recode queue (everyone's in the
        reviewer view), passage by passage; only those of the split code ``code`` when
        given. :meth:`recode_as` one of the new codes (keys 1-9), :meth:`skip_recode`
        (``s``) or :meth:`stop_recode` (Esc). None (and a message) when nothing waits."""
        self.sync_codebook()
        self._form = None
        queue = self.project.recode_queue()
        if not self.reviewer:
            queue = queue[queue["coder"] == self.coder]
        if code is not None:
            queue = queue[queue["from_code"] == code]
        if queue.empty:
            self._walk = None
            self.message = "the recode queue is empty: nothing waits for a new code"
            return None
        rows = {str(r["coding_uuid"]): r for r in queue.to_dict("records")}
        self._walk = _RecodeWalk(rows=rows, order=list(rows), total=len(rows))
        self.message = f"recode queue: {len(rows)} codings wait for a new code"
        return self.recode_view()

    def recode_view(self) -> RecodeView | None:
        """Where the walk is (None when no walk is on)."""
        walk = self._walk
        if walk is None:
            return None
        item = self._recode_item(walk.order[0]) if walk.order else None
        return RecodeView(item=item, done=walk.done, total=walk.total, skipped=walk.skipped,
                          remaining=len(walk.order))

    def _recode_item(self, uuid: str) -> RecodeItem:
        walk = self._walk
        assert walk is not None
        row = walk.rows[uuid]
        document, start, end = str(row["document"]), int(row["start"]), int(row["end"])
        doc = self.doc if document == self.document else walk.texts.get(document)
        if doc is None:
            doc = CodingDocument(document, (), turn_records(self.project.turns(document)),
                                 self.project.document_text(document), {})
            walk.texts[document] = doc
        around = doc.passage(start, end, self.context)
        definitions: dict[str, str] = row["candidate_definitions"]
        known = {c.key: c for c in self.codebook.codes}
        candidates = tuple(
            RecodeCandidate(key, known[key].name if key in known else key,
                            str(definitions.get(key, "")), shortcut_for(i))
            for i, key in enumerate(row["candidates"]))
        return RecodeItem(
            coding_uuid=uuid, document=document, coder=str(row["coder"]),
            from_code=str(row["from_code"]), memo=str(row["memo"] or ""),
            speaker=around.turn.speaker if around else "",
            before=around.before if around else "",
            highlight=around.highlight if around else doc.text[start:end],
            after=around.after if around else "",
            context_before=around.context_before if around else (),
            context_after=around.context_after if around else (),
            candidates=candidates)

    def recode_as(self, code: str | int) -> bool:
        """Give the passage shown one of its candidate codes (a key, or its number 1-9):
        stored at once (the queue shrinks), then the next passage. Returns True when a
        coding was recoded (False: it collapsed into the same code already on that range,
        or was recoded elsewhere meanwhile)."""
        view = self.recode_view()
        if view is None or view.item is None:
            raise CodebookError("no recode walk is on; press q to walk the recode queue.")
        item = view.item
        if isinstance(code, int):
            chosen = next((c for c in item.candidates if c.shortcut == str(code)), None)
            if chosen is None:
                raise ValueError(f"no code on key {code}: this passage can become "
                                 + ", ".join(f"{c.shortcut} {c.name}" for c in item.candidates))
        else:
            chosen = next((c for c in item.candidates if c.key == code), None)
            if chosen is None:
                raise CodebookError(f"recode it as one of "
                                    f"{', '.join(c.key for c in item.candidates)}, not {code!r}.")
        walk = self._walk
        assert walk is not None
        try:
            changed = self.project.recode(item.coding_uuid, chosen.key)
        except NotFoundError:
            walk.order.pop(0)
            self.message = "that coding was recoded in another session meanwhile; next"
            self._after_step()
            return False
        walk.order.pop(0)
        walk.done += 1
        self.message = (f"recoded as {chosen.name}" if changed else
                        f"{chosen.name} was already on that passage: the two codings are one")
        self._after_step()
        return changed

    def skip_recode(self) -> None:
        """Leave the passage shown in the queue for later and show the next."""
        walk = self._walk
        if walk is None or not walk.order:
            raise CodebookError("no recode walk is on; press q to walk the recode queue.")
        walk.order.pop(0)
        walk.skipped += 1
        self.message = "left for later"
        self._after_step()

    def stop_recode(self) -> None:
        """End the walk (what is recoded stays recoded; the rest stays queued) and go back
        to coding, with this document's codings read again."""
        walk = self._walk
        if walk is None:
            return
        self._walk = None
        queue = self.project.recode_queue()
        left = len(queue) if self.reviewer else int((queue["coder"] == self.coder).sum())
        self.message = (f"{walk.done} of {walk.total} recoded; "
                        + (f"{left} still wait in the queue (press q)" if left
                           else "the recode queue is empty"))
        self._reload_codings()

    def _after_step(self) -> None:
        walk = self._walk
        assert walk is not None
        if not walk.order:
            step = self.message
            self.stop_recode()
            self.message = f"{step}. {self.message}"

    def _reload_codings(self) -> None:
        """Read this document's codings again, staying on the same segment."""
        shown = self.segment
        self._load(self.document)
        self._pos = self._position_near(shown.index if shown else 0)

    # -- session media (workbench.media) -----------------------------------------------
    media_root: str | Path | None = None
    """The Jupyter server root the recordings are served from (``None``:
    :func:`workbench.media.server_root`'s default)."""
    _media_loaded: tuple[str, PlaybackState | None, str] | None = None
    _media_follow = True

    def media(self) -> PlaybackState | None:
        """The playback state of this document's session recording (``None``: it has
        none), looked up once per document; a recording that cannot be played raises
        :class:`~workbench.errors.MediaError` (see :attr:`media_problem`)."""
        loaded = self._media_loaded
        if loaded is None or loaded[0] != self.document:
            state: PlaybackState | None = None
            problem = ""
            try:
                found = session_media(self.project, self.document, root=self.media_root)
            except MediaError as exc:
                problem = str(exc)
            else:
                if found is not None:
                    state = PlaybackState(found, follow=self._media_follow)
            loaded = self._media_loaded = (self.document, state, problem)
        if loaded[2]:
            raise MediaError(loaded[2])
        return loaded[1]

    @property
    def media_problem(self) -> str:
        """Why this document's recording cannot be played (``""``: it can, or it has
        none)."""
        try:
            self.media()
        except MediaError as exc:
            return str(exc)
        return ""

    def sync_media(self) -> PlaybackState | None:
        """The playback state for the segment shown now: with "follow" on, a move to a
        segment of another recall stop asks the player to seek there (see
        :meth:`PlaybackState.on_segment`). ``None`` when there is nothing to play."""
        try:
            state = self.media()
        except MediaError:
            return None
        if state is not None:
            segment = self.segment
            state.on_segment(segment.turn_index if segment is not None else None)
        return state

    def media_stop(self) -> RecallStop | None:
        """The recall stop of the current segment's turn (``None``: none, or no
        recording)."""
        try:
            state = self.media()
        except MediaError:
            return None
        segment = self.segment
        if state is None or segment is None:
            return None
        return state.stop_of_turn(segment.turn_index)

    def listen(self) -> float:
        """Play the recording from the current segment's recall stop (key ``l``); returns
        the time sought to. :class:`MediaError` when there is no recording or the segment
        lies before the first stop."""
        state = self.media()
        if state is None:
            raise MediaError(
                f"{self.document!r} has no session recording: give it a 'recording' case "
                "attribute (a local path) or put e.g. a .wav/.mp4 file named like the "
                "transcript next to it.")
        stop = self.media_stop()
        if stop is None:
            raise MediaError("this segment comes before the first recall stop, which has no "
                             "session-video time; move to a segment after a [HH:MM:SS] line.")
        seconds = state.seek(stop, play=True)
        self.message = f"listening from {stop.label}"
        return seconds

    def set_media_follow(self, on: bool) -> None:
        """Turn "follow" on or off: seek when moving to a segment of another stop."""
        self._media_follow = bool(on)
        state = self.sync_media()
        if state is not None:
            state.follow = self._media_follow

    def report_media_position(self, seconds: float) -> RecallStop | None:
        """Take the playback position the player reports; returns the stop it is in."""
        state = self.media()
        return state.report(seconds) if state is not None else None

    def report_media_position_safely(self, seconds: float) -> RecallStop | None:
        """:meth:`report_media_position` for the player's reports (several a second while
        it plays): no codebook or identity sync, and a position that cannot be used is
        recorded in :attr:`last_error` instead of raised."""
        try:
            return self.report_media_position(seconds)
        except MediaError as exc:
            self.record_error(exc)
            return None

    # -- the selection (any text, coded as one range) ----------------------------------
    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected words ``(start, end)`` (document offsets), or None: the current
        document's selection, dropped when the document changed (another document opened,
        or its text re-imported). See :mod:`workbench.views.transcript` for the rules."""
        sel = self._selection
        if sel is None or sel.document != self.document or sel.sha256 != self.doc.sha256:
            self._selection = None
            return None
        start, end = sel.range(self.doc.text)
        return (start, end) if start < end else None

    @property
    def selected_text(self) -> str:
        """The text of :attr:`selection` ("" without one)."""
        sel = self.selection
        return self.doc.text[sel[0]:sel[1]] if sel else ""

    def select(self, start: int, end: int) -> tuple[int, int] | None:
        """Select the words in ``[start, end)`` (offsets into the document text, as the
        transcript view sends them), snapped to whole words, with both ends in turn text:
        a selection may run across turns (an end in a speaker label or a stop marker moves
        to the turn text inside the selection). The current sentence becomes the one the
        selection starts in. ``start == end`` (a click) selects nothing and moves to the
        sentence clicked. Returns the selected range, or None."""
        text = self.doc.text
        if not (isinstance(start, int) and isinstance(end, int)) or not (
                0 <= start <= len(text) and 0 <= end <= len(text)):
            raise ValueError(f"a selection is two offsets in 0..{len(text)} of "
                             f"{self.document}'s text, not {start!r}..{end!r}.")
        anchor, focus = start, end
        start = min(start, end)
        self._selection = Selection(self.document, self.doc.sha256, anchor, focus,
                                    self.doc.turn_bounds)
        chosen = self.selection
        if chosen is not None:  # the words, as shown
            ends = chosen if anchor <= focus else (chosen[1], chosen[0])
            self._selection = replace(self._selection, anchor=ends[0], focus=ends[1])
        else:
            self._selection = None
        self._go_to_offset(chosen[0] if chosen else start)
        self.message = (f"selected “{_clip(self.selected_text)}”{self._across()}: a code key "
                        "codes these words · Shift+arrows extend · Esc clears" if chosen
                        else "")
        return chosen

    def _across(self) -> str:
        """`` across N turns`` for a selection in several turns, else ""."""
        sel = self._selection
        n = sel.turns(self.doc.text) if sel is not None and self.selection else 0
        return f" across {n} turns" if n > 1 else ""

    def _go_to_offset(self, offset: int) -> None:
        """Make the visible sentence holding ``offset`` (or the next one) current."""
        for pos, i in enumerate(self._visible):
            if offset < self.doc.segments[i].end:
                if pos != self._pos:
                    self._go(pos)
                return

    def extend_selection(self, direction: Direction) -> tuple[int, int] | None:
        """Extend (or shrink) the selection by a word (``"right"``, ``"left"``) or a
        sentence (``"down"``, ``"up"``), as ``Shift`` + arrow keys do, on into the next or
        previous turn at a turn's edge; without a selection, start one on the current
        sentence (its first word, last word, the whole
        sentence down, or up). Returns the selected range."""
        segment = self._require_segment()
        if self.selection is None:
            edge = segment.start if direction in ("right", "down") else segment.end
            self._selection = Selection(self.document, self.doc.sha256, edge, edge,
                                        self.doc.turn_bounds)
        assert self._selection is not None
        moved = extend(self._selection, self.doc.text, direction, self.doc.segments)
        self._selection = moved
        chosen = self.selection
        self.message = (f"selected “{_clip(self.selected_text)}”{self._across()}" if chosen
                        else "nothing selected")
        return chosen

    def clear_selection(self) -> None:
        """Drop the selection: code keys code the current sentence again."""
        self._selection = None
        self.message = "selection cleared"

    def toggle_selection_code(self, code: str | int) -> bool:
        """Code the selected words (one coding of exactly that range), or, when this
        coder already has that code on exactly that range, remove that coding. The
        selection stays, so another code key adds a second, overlapping coding. Returns
        True when the code is applied afterwards."""
        sel = self.selection
        if sel is None:
            raise NotFoundError("nothing is selected: select words in the transcript (or "
                                "Shift+arrows) first.")
        key = self.code_key(code)
        same = next((uuid for uuid, ref in self.doc.ranges.items()
                     if ref.code == key and (ref.start, ref.end) == sel), None)
        if same is not None:
            self.remove_coding(same)
            return False
        self.apply_range(sel[0], sel[1], key)
        self.message += f": “{_clip(self.selected_text)}”"
        return True

    def remove_coding(self, uuid: str) -> bool:
        """Remove this coder's coding ``uuid`` of the current document (undo puts it
        back); False when it was already gone elsewhere."""
        ref = self.doc.ranges.get(uuid)
        if ref is None:
            raise NotFoundError(f"{self.document} has no coding {uuid!r} of "
                                f"{inert(self.coder)}.")
        removed = self._guarded(lambda: self.project.remove_coding(uuid, self.coder))
        self.doc.drop_range(uuid)
        name = self.codebook.code(ref.code).name if ref.code in self.codebook.keys \
            else ref.code
        if removed is None:
            self.message = f"{name} was already removed elsewhere"
            return False
        first = next((s for s in self.doc.segments
                      if ref.segment_ids and s.id == ref.segment_ids[0]), None)
        self._push(UndoAction("remove", self.document, first.id if first else -1,
                              first.index if first else -1, ref.code, removed.memo,
                              uuid=uuid, removed=removed))
        self.message = f"removed {name}"
        return True

    def _selection_key(self, key: str) -> bool:
        """Keys of the selection: ``Shift`` + arrows extend it, ``Escape`` drops it; a plain
        move drops it too (and then moves). True when the key was used up here."""
        direction = _SHIFT_ARROWS.get(key)
        if direction is not None:
            self.extend_selection(direction)
            return True
        if self.selection is None:
            return False
        if key == "Escape":
            self.clear_selection()
            return True
        if key.startswith("Arrow") or key in ("u", "U"):
            self._selection = None
        return False

    # -- keys --------------------------------------------------------------------------
    def handle_key(self, key: str) -> bool:
        """Act on a key from the keyboard widget; False when the key means nothing here.

        Coding: digits toggle the n-th code (``0`` the tenth), ``/`` opens the code
        palette (any code: type to filter), ``ArrowRight``/``ArrowLeft`` move, ``u`` goes
        to the next uncoded segment, ``z`` undoes, ``i``/``I`` show the next/previous
        code's definition, ``c`` sets the coverage status (in progress, then done),
        ``n``/``r``/``m``/``p``/``v``/``d``/``b`` open the codebook form (new code, rename,
        merge, split, move, retire, restore), ``q`` walks the recode queue and ``l`` plays
        the session recording from the segment's recall stop (:meth:`listen`). ``Shift`` +
        arrows select words (by word, by sentence) and ``Escape`` drops the selection;
        while words are selected, digits code them (:meth:`toggle_selection_code`). While
        the form is open only ``Enter`` (do it: :meth:`submit_form`) and ``Escape`` (close
        it) act; other keys mean nothing, so typing never codes. In the palette every
        character goes into its filter, ``ArrowUp``/``ArrowDown`` move the highlight,
        ``Backspace`` deletes, ``Enter`` applies (:meth:`apply_palette`) and ``Escape``
        closes. In the recode queue digits choose the n-th new code, ``s`` (or
        ``ArrowRight``) skips and ``Escape`` stops.
        """
        self.sync_codebook()
        if self._walk is not None:
            return self._recode_key(key)
        if self._palette is not None and self._form is None:
            return self._palette_key(key)
        if self._form is not None:
            if key == "Escape":
                self.close_form()
                return True
            if key == "Enter":
                self.submit_form()
                return True
            return False
        if key in ("l", "L"):
            self.listen()
            return True
        if self._selection_key(key):
            return True
        if len(key) == 1 and key.isdigit():
            self.toggle_code(int(key))
        elif key in ("ArrowRight", "ArrowDown"):
            self.next()
        elif key in ("ArrowLeft", "ArrowUp"):
            self.previous()
        elif key in ("u", "U"):
            self.next_uncoded()
        elif key in ("z", "Z"):
            self.undo()
        elif key in ("n", "N"):
            self.open_form("create")
        elif key in ("r", "R"):
            self.open_form("rename")
        elif key in ("m", "M"):
            self.open_form("merge")
        elif key in ("p", "P"):
            self.open_form("split")
        elif key in ("v", "V"):
            self.open_form("move")
        elif key in ("d", "D"):
            self.open_form("retire")
        elif key in ("b", "B"):
            self.open_form("restore")
        elif key in ("q", "Q"):
            self.start_recode()
        elif key == "/":
            self.open_palette()
        elif key in ("i", "I"):
            self.show_info(step=1 if key == "i" else -1)
        elif key in ("c", "C"):
            self.advance_status()
        else:
            return False
        return True

    def _palette_key(self, key: str) -> bool:
        """A key while the palette is open: every character goes into the query (none
        codes, moves or opens a form)."""
        if key == "Escape":
            self.close_palette()
        elif key == "Enter":
            self.apply_palette()
        elif key == "Backspace":
            self.palette_backspace()
        elif key in ("ArrowDown", "ArrowRight"):
            self.move_in_palette(1)
        elif key in ("ArrowUp", "ArrowLeft"):
            self.move_in_palette(-1)
        elif len(key) == 1 and key.isprintable():
            self.type_in_palette(key)
        else:
            return False
        return True

    def _recode_key(self, key: str) -> bool:
        if len(key) == 1 and key.isdigit():
            self.recode_as(int(key))
        elif key in ("s", "S", "ArrowRight", "ArrowDown"):
            self.skip_recode()
        elif key in ("Escape", "q", "Q"):
            self.stop_recode()
        else:
            return False
        return True


def _clip(text: str, limit: int = 60) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


def _key_from(name: str) -> str:
    """A code key from a name: ``"Hope for change"`` -> ``hope_for_change``."""
    key = re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")
    if not key or not key[0].isalpha():
        key = f"code_{key}" if key else "code"
    return key


def split_targets(text: str, codebook: Codebook, *, source: str, theme: str,
                  colour: str | None = None) -> list[Code | str]:
    """The codes a split form's text names, one a line: ``Name: definition`` is a new code
    (its key made from the name, in ``theme``, coloured ``colour``, default the colour of
    ``source``); a line with only a name or key is an existing code of ``codebook``. Blank
    lines and leading ``-``/``*`` are ignored. At least two codes are needed."""
    existing = {c.key.casefold(): c for c in codebook.codes if c.key != source}
    existing.update({c.name.casefold(): c for c in codebook.codes if c.key != source})
    choices = [c.key for c in codebook.codes if c.key != source] + [
        c.name for c in codebook.codes if c.key != source]
    split_name = next((c.name for c in codebook.codes if c.key == source), source)
    shade = colour or next((c.colour for c in codebook.codes if c.key == source), "#777777")
    out: list[Code | str] = []
    for raw in text.splitlines():
        line = raw.strip().lstrip("-*").strip()
        if not line:
            continue
        name, colon, definition = (part.strip() for part in line.partition(":"))
        known = existing.get(name.casefold())
        if name.casefold() in {source.casefold(), split_name.casefold()}:
            raise CodebookError(f"{name!r} is the code being split; name the codes it "
                                "becomes.")
        if not colon:
            if known is None:
                raise CodebookError(
                    f"{name!r} is not a code of the codebook{suggest(name, choices)}; "
                    "write a new code as 'Name: definition'.")
            out.append(known.key)
        elif known is not None:
            raise CodebookError(f"{name!r} is already a code: write only its name to split "
                                "into it, or give the new code another name.")
        elif not name or not definition:
            raise CodebookError(f"line {line!r}: write a new code as 'Name: definition' (the "
                                "definition says what the code means).")
        else:
            out.append(Code(_key_from(name), name, theme, definition, shade))
    if len(out) < 2:
        raise CodebookError("split into at least two codes, one a line: 'Name: definition' "
                            "for a new code, or an existing code's name.")
    return out
