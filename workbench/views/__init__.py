"""Views for JupyterLab: plain-Python controllers and thin ipywidgets over them.

* :mod:`workbench.views.coding_state` — frozen view-state dataclasses and the pure helpers
  that build them (no widgets, no database).
* :mod:`workbench.views.coding_document` — :class:`CodingDocument`: one transcript and a
  coder's codings of it, read once and kept up to date (the cache behind fast moves).
* :mod:`workbench.views.coding_session` — :class:`CodingSession`: document, filters,
  current segment, moves; every move stored with ``Project.set_position``.
* :mod:`workbench.views.coding_controller` — :class:`CodingController`: a session plus
  coding, memos, undo, keys, the codebook form (create, rename, merge, split, move,
  retire, restore), the walk through the recode queue and error recording, every change
  stored through :class:`workbench.Project` at once. Imports no ipywidgets, so tests drive it directly.
* :mod:`workbench.views.coding_html` — HTML fragments for the panel, every text escaped.
* :mod:`workbench.views.keys` — :class:`KeyCatcher`, a tiny anywidget that forwards key
  presses typed anywhere in the coding panel to Python (none reaches JupyterLab).
* :mod:`workbench.views.transcript` — the coder's text selection (snapped to whole words,
  extended by word or sentence, across turns with its ends in turn text) and the rows the
  transcript view shows (the other coders' codings too in the reviewer view).
* :mod:`workbench.views.transcript_widget` — :class:`TranscriptView`, the anywidget that
  shows the whole transcript with this coder's codings in colour (and, dashed, the other
  coders' in the reviewer view) and sends selections.
* :mod:`workbench.views.coding_panel` — :class:`CodingPanel`, the ipywidgets view.
* :mod:`workbench.views.coverage_overview` — :func:`coverage_overview`: who has covered
  which transcript (coders x documents statuses, DataFrame and HTML).

The other modules here (theme and agreement figures and browsers) follow the same split.

A view never talks to the database and never holds state of its own: it renders
``controller.view_state()`` and calls controller actions from its callbacks.
"""

from __future__ import annotations

__all__: list[str] = []
