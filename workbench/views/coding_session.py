"""Where a coder is in a project: document, filter, current segment, and moving around.

:class:`CodingSession` is the navigation half of :class:`CodingController` (which adds
coding, undo and error handling). It opens a document as a :class:`CodingDocument` (read
once), keeps the segments that pass the role/speaker filter and the current position,
and stores the position through :meth:`workbench.Project.set_position` on every move, so
re-opening resumes where the coder left off.
"""

from __future__ import annotations

from workbench.errors import NotFoundError, UnknownCoderError, suggest
from workbench.model import ROLES
from workbench.project import Project
from workbench.views.coding_document import CodingDocument
from workbench.views.coding_state import SegmentRecord, case_pairs

__all__ = ["CodingSession"]


class CodingSession:
    """A coder's place in a project: a document at a time, filtered, at one segment.

    ``document=None`` resumes the document and segment where ``coder`` was last (or the
    first document). ``reviewer=True`` also loads the other coders' codings. ``context``
    is the number of speaker turns shown before and after the current one.
    """

    def __init__(
        self,
        project: Project,
        coder: str,
        document: str | None = None,
        *,
        reviewer: bool = False,
        context: int = 1,
    ) -> None:
        self.project = project
        self.codebook = project.codebook
        self.codebook_version = project.codebook_version()
        self.context = context
        self.reviewer = reviewer
        self.message = ""
        self._documents = tuple(project.documents())
        if not self._documents:
            raise NotFoundError(
                "this project has no transcripts yet; import some with "
                "project.import_transcripts(paths) before coding."
            )
        self._cases = project.cases()
        self._coders = tuple(project.coders())
        self.coder = self._checked_coder(coder)
        self._role: str | None = None
        self._speaker: str | None = None
        self.doc = CodingDocument("", (), {}, "", {})
        self.case: tuple[tuple[str, str], ...] = ()
        self._visible: list[int] = []
        self._pos = 0
        self._memo_code: str | None = None
        self._open(document)

    # -- loading -----------------------------------------------------------------------
    def _checked_coder(self, coder: str) -> str:
        if coder not in self._coders:
            self._coders = tuple(self.project.coders())
        if coder not in self._coders:
            raise UnknownCoderError(
                f"coder {coder!r} is not registered{suggest(coder, self._coders)}; add them "
                f"with project.add_coder({coder!r})."
            )
        return coder

    def _checked_document(self, document: str) -> str:
        if document not in self._documents:  # imported since: read the list again
            self._documents = tuple(self.project.documents())
            self._cases = self.project.cases()
        if document not in self._documents:
            raise NotFoundError(
                f"no document {document!r}{suggest(document, self._documents)}; the project "
                f"has {', '.join(self._documents)}."
            )
        return document

    def _open(self, document: str | None) -> None:
        start: int | None = None
        if document is None:
            last = self.project.last_position(self.coder)
            if last is not None and last[0] in self._documents:
                document, start = last
            else:
                document = self._documents[0]
        self._load(self._checked_document(document))
        if start is None:
            start = self.project.position(self.coder, self.document)
        self._pos = self._position_near(start or 0)
        self._save_position()

    def _load(self, document: str) -> None:
        self.doc = CodingDocument.load(self.project, document, self.coder,
                                       reviewer=self.reviewer)
        self.case = case_pairs(self._cases, document)
        if self._speaker is not None and self._speaker not in self.doc.speakers:
            self.message = f"{document} has no speaker {self._speaker!r}; speaker filter cleared."
            self._speaker = None
        self._visible = self.doc.filtered(self._role, self._speaker)
        self._memo_code = None

    def _position_near(self, segment_index: int) -> int:
        """Position of the first visible segment at or after ``segment_index``."""
        for pos, i in enumerate(self._visible):
            if self.doc.segments[i].index >= segment_index:
                return pos
        return max(len(self._visible) - 1, 0)

    def _save_position(self) -> None:
        segment = self.segment
        if segment is not None:
            self.project.set_position(self.coder, self.document, segment.index)

    # -- reading -----------------------------------------------------------------------
    @property
    def documents(self) -> tuple[str, ...]:
        """The project's document names, sorted."""
        return self._documents

    @property
    def document(self) -> str:
        """The name of the current document."""
        return self.doc.name

    @property
    def speakers(self) -> tuple[str, ...]:
        """Speakers of the current document, in order of first appearance."""
        return self.doc.speakers

    @property
    def segment(self) -> SegmentRecord | None:
        """The current segment (None when no segment matches the filter)."""
        if not self._visible:
            return None
        return self.doc.segments[self._visible[self._pos]]

    @property
    def last_segment_index(self) -> int:
        """The highest segment index of the current document (-1 when it has none)."""
        return self.doc.last_index

    def applied(self) -> tuple[str, ...]:
        """Code keys this coder applied to the current segment, in codebook order."""
        segment = self.segment
        mine = self.doc.mine.get(segment.id, {}) if segment else {}
        return tuple(k for k in self.codebook.keys if k in mine)

    # -- choosing what to code ---------------------------------------------------------
    def select_document(self, document: str) -> None:
        """Open another document at this coder's last position in it."""
        self.message = ""
        self._open(self._checked_document(document))

    def refresh(self) -> None:
        """Re-read the current document (e.g. to see codings made in another session)."""
        segment = self.segment
        self._load(self.document)
        self._pos = self._position_near(segment.index if segment else 0)

    def set_filter(self, role: str | None = None, speaker: str | None = None) -> None:
        """Show only segments of ``role`` and/or ``speaker`` (``None``: all)."""
        if role is not None and role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)} or None, not {role!r}.")
        if speaker is not None and speaker not in self.speakers:
            raise ValueError(
                f"{self.document} has no speaker {speaker!r}; its speakers are "
                f"{', '.join(self.speakers)}."
            )
        current = self.segment
        self._role, self._speaker = role, speaker
        self._visible = self.doc.filtered(role, speaker)
        self._pos = self._position_near(current.index if current else 0)
        self.message = "" if self._visible else "no segment matches this filter"
        if self.segment is not None and self.segment != current:
            self._save_position()

    # -- moving ------------------------------------------------------------------------
    def _go(self, pos: int) -> bool:
        if not self._visible:
            self.message = "no segment matches this filter"
            return False
        if pos < 0 or pos >= len(self._visible):
            self.message = "first segment" if pos < 0 else "last segment"
            return False
        self.project.set_position(self.coder, self.document,
                                  self.doc.segments[self._visible[pos]].index)
        self._pos = pos
        self._memo_code = None
        self.message = ""
        return True

    def next(self) -> bool:
        """Move to the next segment (False at the end)."""
        return self._go(self._pos + 1)

    def previous(self) -> bool:
        """Move to the previous segment (False at the start)."""
        return self._go(self._pos - 1)

    def next_uncoded(self) -> bool:
        """Move to the next segment this coder has not coded, wrapping around at the end."""
        count = len(self._visible)
        for step in range(1, count + 1):
            pos = (self._pos + step) % count
            if not self.doc.mine.get(self.doc.segments[self._visible[pos]].id):
                here = self._pos
                moved = self._go(pos)
                if pos == here:
                    self.message = "this is the only uncoded segment in this list"
                elif pos < here:
                    self.message = "wrapped to the start"
                return moved
        self.message = "every segment in this list is coded"
        return False

    def jump(self, segment_index: int) -> bool:
        """Move to the segment with document index ``segment_index`` (as shown: ``#12``)."""
        for pos, i in enumerate(self._visible):
            if self.doc.segments[i].index == segment_index:
                return self._go(pos)
        if self.doc.has_index(segment_index):
            raise ValueError(
                f"segment #{segment_index} is hidden by the filter; clear the filter to go there."
            )
        raise NotFoundError(f"{self.document} has no segment #{segment_index}; its segments "
                            f"are #0..#{max(self.doc.last_index, 0)}.")
