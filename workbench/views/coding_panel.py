"""The coding panel: a thin ipywidgets view over :class:`CodingController`.

Every callback runs the controller action through :meth:`CodingPanel.run`, which shows
any exception in the panel's error area instead of letting ipywidgets swallow it, then
re-renders the widgets from ``controller.view_state()``. The panel keeps no state of its
own; what is stored is stored by the controller through :class:`workbench.Project` at
the moment of each click or key press.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from workbench.coder_identity import CoderChoice, CoderPrompt, inert, resolve_coder
from workbench.model import Codebook
from workbench.project import Project
from workbench.views.coding_controller import (
    FORM_HELP,
    KEY_HELP,
    PALETTE_HELP,
    RECODE_HELP,
    SELECT_HELP,
    CodingController,
)
from workbench.views.coding_html import (
    case_html,
    codebook_html,
    context_html,
    contrast_colour,
    error_html,
    form_note_html,
    header_html,
    info_html,
    palette_html,
    recode_html,
    reviewer_html,
    safe_colour,
    save_html,
    status_html,
    tint,
    tooltip,
)
from workbench.views.coding_state import (
    CodebookForm,
    CodeState,
    RecodeView,
    SaveState,
    ViewState,
)
from workbench.views.keys import KeyCatcher
from workbench.views.session_player import SessionPlayer
from workbench.views.transcript_widget import TranscriptView

__all__ = ["CoderPromptPanel", "CodingPanel", "coding_panel"]

_ALL = ""
_ROLE_OPTIONS = [("all turns", _ALL), ("participant turns", "participant"),
                 ("interviewer turns", "interviewer")]


def _auto(**kwargs: Any) -> widgets.Layout:
    return widgets.Layout(width="auto", **kwargs)


def _row(children: list[widgets.Widget]) -> widgets.HBox:
    """A row that wraps instead of scrolling sideways in a narrow notebook."""
    return widgets.HBox(children, layout=widgets.Layout(flex_flow="row wrap", min_width="0"))


_STYLE = """<style>
.wb-coding-panel { max-width: 100%; box-sizing: border-box; }
.wb-coding-panel .widget-hbox, .wb-coding-panel .widget-vbox,
.wb-coding-panel .widget-html, .wb-coding-panel .widget-html-content { min-width: 0; }
.wb-coding-panel .wb-code-button { white-space: normal; height: auto; max-width: 100%;
  min-height: var(--jp-widgets-inline-height, 28px); line-height: 1.3; text-align: left;
  overflow-wrap: anywhere; padding-top: 3px; padding-bottom: 3px; }
.wb-coding-panel .wb-text-pane .widget-html-content,
.wb-coding-panel .wb-info-pane .widget-html-content { white-space: normal;
  line-height: 1.4; }
</style>"""
"""Code button labels wrap (the full text stays in the tooltip), panes shrink: no
horizontal scrollbar at 1400 px."""


class CodingPanel(widgets.VBox):
    """The coding panel for one :class:`CodingController` (display it, or ``.widget``)."""

    def __init__(self, controller: CodingController, **kwargs: Any) -> None:
        self.controller = controller
        self._rendering = False
        codebook = controller.codebook
        self.coder_dropdown = widgets.Dropdown(description="Coder", layout=_auto())
        self.document_dropdown = widgets.Dropdown(description="Transcript", layout=_auto())
        self.reviewer_toggle = widgets.ToggleButton(
            description="Reviewer view", icon="eye",
            tooltip="Show every coder's codings (turn off for blind coding)")
        self.role_filter = widgets.Dropdown(options=_ROLE_OPTIONS, description="Show",
                                            layout=_auto())
        self.speaker_filter = widgets.Dropdown(description="Speaker", layout=_auto())
        self.case_html = widgets.HTML()
        self.reviewer_html = widgets.HTML()
        self.header_html = widgets.HTML()
        self.context_html = widgets.HTML()  # the sentence in its turn; the transcript shows it
        self.info_html = widgets.HTML(layout=widgets.Layout(width="38%", min_width="0",
                                                            margin="0 0 0 8px"))
        self.info_html.add_class("wb-info-pane")  # the definitions pane, beside the text
        self.status_html = widgets.HTML()
        self.save_html = widgets.HTML()
        self.in_progress_button = widgets.Button(
            description="In progress", icon="hourglass-half", layout=_auto(),
            tooltip="Mark this transcript as in progress for you (c)")
        self.done_button = widgets.Button(
            description="Done", icon="check-circle", layout=_auto(),
            tooltip="Mark this transcript as done for you (c again); needs every unit "
                    "reached")
        self.palette_html = widgets.HTML()
        self.style_html = widgets.HTML(_STYLE)
        self.previous_button = widgets.Button(description="Previous", icon="arrow-left",
                                              tooltip="Previous segment (←)", layout=_auto())
        self.next_button = widgets.Button(description="Next", icon="arrow-right",
                                          tooltip="Next segment (→)", layout=_auto())
        self.uncoded_button = widgets.Button(description="Next uncoded", icon="forward",
                                             tooltip="Next segment you have not coded (u)",
                                             layout=_auto())
        self.jump_input = widgets.BoundedIntText(
            description="Segment #", min=0, style={"description_width": "initial"},
            layout=widgets.Layout(width="150px"))
        self.jump_button = widgets.Button(description="Go", layout=_auto(min_width="44px"))
        self.undo_button = widgets.Button(description="Undo", icon="undo", tooltip="Undo (z)",
                                          layout=_auto())
        self.refresh_button = widgets.Button(
            description="Reload", icon="refresh", layout=_auto(),
            tooltip="Re-read this transcript's codings from the project")
        self.code_buttons: dict[str, widgets.Button] = {}
        self._theme_rows: list[widgets.Widget] = []
        self.codebook_accordion = widgets.Accordion()
        self._built_version: int | None = None
        self._build_codes(codebook, controller.codebook_version)
        self.new_code_button = widgets.Button(description="New code", icon="plus",
                                              tooltip="Create a code (n)", layout=_auto())
        self.rename_button = widgets.Button(description="Rename", icon="pencil",
                                            tooltip="Rename the current code (r)",
                                            layout=_auto())
        self.merge_button = widgets.Button(description="Merge", icon="compress",
                                           tooltip="Merge the current code into another (m)",
                                           layout=_auto())
        self.split_button = widgets.Button(description="Split", icon="code-fork",
                                           tooltip="Split the current code into new codes (p)",
                                           layout=_auto())
        self.move_button = widgets.Button(description="Move", icon="arrows",
                                          tooltip="Move the current code to another theme or "
                                                  "parent (v)", layout=_auto())
        self.retire_button = widgets.Button(description="Retire", icon="archive",
                                            tooltip="Take the current code out of the "
                                                    "codebook (d)", layout=_auto())
        self.restore_button = widgets.Button(description="Restore", icon="history",
                                             tooltip="Put a retired code back (b)",
                                             layout=_auto())
        self.recode_button = widgets.Button(description="Recode queue", icon="random",
                                            tooltip="Walk the codings of split codes (q)",
                                            layout=_auto())
        self.form_title = widgets.HTML()
        self.form_code = widgets.Dropdown(description="Code", layout=_auto())
        self.form_target = widgets.Dropdown(description="Into", layout=_auto())
        self.form_name = widgets.Text(description="Name", layout=_auto())
        self.form_key = widgets.Text(description="Key", placeholder="made from the name",
                                     layout=_auto())
        self.form_theme = widgets.Dropdown(description="Theme", layout=_auto())
        self.form_definition = widgets.Textarea(
            description="Definition", layout=widgets.Layout(width="calc(100% - 6px)", height="48px"))
        self.form_apply = widgets.Checkbox(value=True, description="apply to this segment",
                                           indent=False)
        self.form_parent = widgets.Dropdown(description="Under", layout=_auto())
        self.form_into = widgets.Textarea(
            description="Into", placeholder="one code a line: Name: definition (a new code), "
                                            "or an existing code's name",
            layout=widgets.Layout(width="calc(100% - 6px)", height="72px"))
        self.form_recode = widgets.Checkbox(value=True, indent=False,
                                            description="recode my codings of it now")
        self.form_note = widgets.HTML()
        self.form_ok = widgets.Button(description="OK", icon="check", button_style="primary")
        self.form_cancel = widgets.Button(description="Cancel", tooltip="Close (Esc)")
        self.form_box = widgets.VBox([
            self.form_title,
            widgets.HBox([self.form_code, self.form_target, self.form_theme, self.form_parent]),
            widgets.HBox([self.form_name, self.form_key, self.form_apply]),
            self.form_definition,
            self.form_into,
            self.form_recode,
            self.form_note,
            widgets.HBox([self.form_ok, self.form_cancel]),
        ], layout=widgets.Layout(display="none", border="1px solid #bbb", padding="4px"))
        self.form_box.add_class("wb-codebook-form")  # Enter / Esc typed in it: see keys.py
        self._form_fields: dict[str, widgets.ValueWidget] = {
            "code": self.form_code, "target": self.form_target, "theme": self.form_theme,
            "parent": self.form_parent, "name": self.form_name, "key": self.form_key,
            "definition": self.form_definition, "apply": self.form_apply,
            "into": self.form_into, "recode": self.form_recode}
        for name, field in self._form_fields.items():
            field.add_class(f"wb-field-{name}")  # the key box reads them on Enter
        self._form_shown: CodebookForm | None = None
        self.recode_html = widgets.HTML()
        self.recode_buttons = widgets.HBox()
        self.recode_skip = widgets.Button(description="Skip", tooltip="Leave for later (s)",
                                          layout=_auto())
        self.recode_stop = widgets.Button(description="Stop", tooltip="Back to coding (Esc)",
                                          layout=_auto())
        self.recode_box = widgets.VBox([self.recode_html, self.recode_buttons],
                                       layout=widgets.Layout(display="none"))
        self._recode_keys: tuple[str, ...] = ()
        self.memo_code = widgets.Dropdown(description="Memo on", layout=_auto())
        self.memo_text = widgets.Textarea(
            continuous_update=False, layout=widgets.Layout(width="calc(100% - 6px)", height="60px"))
        self.memo_button = widgets.Button(description="Save memo", icon="save")
        self.progress = widgets.IntProgress(min=0, max=1, description="Progress")
        self.progress_label = widgets.Label()
        self.key_catcher = KeyCatcher(hint=f"⌨ click here, then {KEY_HELP}")
        self.player = SessionPlayer(layout=widgets.Layout(display="none"))
        controller.on_pending = self._show_pending
        self.message_label = widgets.Label()
        self.error_html = widgets.HTML()
        self.transcript = TranscriptView(layout=widgets.Layout(width="60%", min_width="0"))
        self.transcript.add_class("wb-text-pane")  # the text, left of the definitions pane
        self.transcript_help = widgets.HTML(f'<span style="color:#666;font-size:12px">'
                                            f"{html.escape(SELECT_HELP)}</span>")
        self._wire()
        super().__init__(children=self._layout(), **kwargs)
        self.add_class("wb-coding-panel")
        self.render()

    def _layout(self) -> list[widgets.Widget]:
        """The panel's children: the containers are built once, so that re-laying out after
        a codebook change (new code rows) keeps the widgets above them (and the keyboard
        box's focus) in place in the browser."""
        if not hasattr(self, "_top"):
            self._top: list[widgets.Widget] = [
                self.style_html,
                _row([self.coder_dropdown, self.document_dropdown, self.reviewer_toggle]),
                self.case_html,
                _row([self.role_filter, self.speaker_filter]),
                self.reviewer_html,
                self.header_html,
                _row([self.status_html, self.save_html, self.in_progress_button,
                      self.done_button]),
                widgets.HBox([self.transcript, self.info_html],
                             layout=widgets.Layout(width="100%", min_width="0")),
                self.transcript_help,
                _row([self.previous_button, self.next_button, self.uncoded_button,
                      self.jump_input, self.jump_button, self.undo_button,
                      self.refresh_button]),
                self.key_catcher,
                self.player,
                self.palette_html,
                self.recode_box,
            ]
            self._bottom: list[widgets.Widget] = [
                _row([self.new_code_button, self.rename_button, self.merge_button,
                      self.split_button, self.move_button, self.retire_button,
                      self.restore_button, self.recode_button]),
                self.form_box,
                _row([self.memo_code, self.memo_button]),
                self.memo_text,
                _row([self.progress, self.progress_label]),
                self.message_label,
                self.error_html,
                self.codebook_accordion,
            ]
        return [*self._top, *self._theme_rows, *self._bottom]

    def _build_codes(self, codebook: Codebook, version: int | None) -> None:
        """(Re)build the code buttons, theme rows and codebook accordion for ``codebook``."""
        self.code_buttons = {}
        self._theme_rows = []
        for theme in codebook.themes:
            buttons = []
            for code in codebook.codes:
                if code.theme != theme.key:
                    continue
                button = widgets.Button(tooltip=tooltip(code), layout=_auto(max_width="100%"))
                button.add_class("wb-code-button")
                button.on_click(self._code_clicked(code.key))
                self.code_buttons[code.key] = button
                buttons.append(button)
            if buttons:
                title = widgets.Label(theme.name, layout=widgets.Layout(width="190px"),
                                      style={"text_color": safe_colour(theme.colour),
                                             "font_weight": "bold"})
                self._theme_rows.append(widgets.HBox(
                    [title, widgets.HBox(buttons, layout=widgets.Layout(
                        flex_flow="row wrap", flex="1 1 0%", min_width="0"))],
                    layout=widgets.Layout(min_width="0")))
        self.codebook_accordion.children = [widgets.HTML(codebook_html(codebook, t.key))
                                            for t in codebook.themes]
        self.codebook_accordion.titles = tuple(f"Codebook: {t.name}" for t in codebook.themes)
        self.codebook_accordion.selected_index = None
        self._built_version = version

    @property
    def widget(self) -> CodingPanel:
        """The panel itself (it is a ``VBox``), for ``display(panel.widget)``."""
        return self

    # -- callbacks ---------------------------------------------------------------------
    def run(self, action: Callable[[], object]) -> None:
        """Run a controller action, then re-render; errors land in the error area."""
        self.controller.perform(action)
        try:
            self.render()
        except Exception as exc:  # a rendering bug must be visible too
            self.controller.record_error(exc)
            self.error_html.value = error_html(self.controller.last_error)
            self.transcript.acknowledge(self.key_catcher.seq)  # the browser stops waiting

    def _code_clicked(self, key: str) -> Callable[[widgets.Button], None]:
        def clicked(_button: widgets.Button) -> None:
            self.run(lambda: self.controller.toggle_code(key))
        return clicked

    def _on_value(self, widget: widgets.Widget, action: Callable[[Any], object]) -> None:
        def changed(change: dict[str, Any]) -> None:
            if not self._rendering:
                self.run(lambda: action(change["new"]))
        widget.observe(changed, names="value")

    def _on_click(self, button: widgets.Button, action: Callable[[], object]) -> None:
        button.on_click(lambda _b: self.run(action))

    def _wire(self) -> None:
        c = self.controller
        self._on_value(self.coder_dropdown, c.set_coder)
        self._on_value(self.document_dropdown, c.select_document)
        self._on_value(self.reviewer_toggle, c.set_reviewer)
        self._on_value(self.role_filter, lambda role: c.set_filter(
            role or None, self.speaker_filter.value or None))
        self._on_value(self.speaker_filter, lambda speaker: c.set_filter(
            self.role_filter.value or None, speaker or None))
        self._on_value(self.memo_code, self._memo_code_chosen)
        self._on_value(self.memo_text, lambda text: c.set_memo(text))
        self._on_click(self.previous_button, c.previous)
        self._on_click(self.next_button, c.next)
        self._on_click(self.uncoded_button, c.next_uncoded)
        self._on_click(self.jump_button, lambda: c.jump(self.jump_input.value))
        self._on_click(self.undo_button, c.undo)
        self._on_click(self.refresh_button, c.refresh)
        self._on_click(self.memo_button, lambda: c.set_memo(self.memo_text.value))
        self._on_click(self.new_code_button, lambda: c.open_form("create"))
        self._on_click(self.rename_button, lambda: c.open_form("rename"))
        self._on_click(self.merge_button, lambda: c.open_form("merge"))
        self._on_click(self.split_button, lambda: c.open_form("split"))
        self._on_click(self.move_button, lambda: c.open_form("move"))
        self._on_click(self.retire_button, lambda: c.open_form("retire"))
        self._on_click(self.restore_button, lambda: c.open_form("restore"))
        self._on_click(self.recode_button, c.start_recode)
        self._on_click(self.in_progress_button, lambda: c.set_status("in_progress"))
        self._on_click(self.done_button, lambda: c.set_status("done"))
        self._on_click(self.form_cancel, c.close_form)
        self._on_click(self.recode_skip, c.skip_recode)
        self._on_click(self.recode_stop, c.stop_recode)
        self._on_click(self.form_ok, c.submit_form)
        for name, field in self._form_fields.items():
            field.observe(self._form_field_changed(name), names="value")
        self.key_catcher.on_key(self.press)
        self.player.on_position(self._media_position)
        self.player.on_follow(self._media_follow)
        self.transcript.on_select(lambda start, end: self.run(lambda: c.select(start, end)))
        self.key_catcher.on_form_key(self.press_in_form)

    def _form_field_changed(self, name: str) -> Callable[[dict[str, Any]], None]:
        """Forward a form field's value to the controller as it is typed (no re-render:
        only the note under the form can change)."""
        def changed(change: dict[str, Any]) -> None:
            if self._rendering or self.controller.form is None:
                return
            self.controller.set_form_value(name, change["new"])
            self.form_note.value = form_note_html(self.controller.form_note())
        return changed

    def press_in_form(self, key: str, values: dict[str, object]) -> None:
        """``Enter``/``Escape`` typed in the codebook form, with the values its fields show
        in the browser (which may not have reached their widgets yet): the fields take
        them (and forward them to the controller), then the key acts."""
        def act() -> object:
            if key == "Enter" and self.controller.form is not None:
                self._take_form_values(values)
            return self.controller.handle_key(key)
        self.run(act)

    def _take_form_values(self, values: dict[str, object]) -> None:
        for name, value in values.items():
            field = self._form_fields.get(name)
            if field is None or field.layout.display == "none":
                continue
            if isinstance(field, widgets.Dropdown):
                by_label = {label: k for label, k in field.options}
                if value in by_label:
                    field.value = by_label[str(value)]
            elif isinstance(field, widgets.Checkbox):
                field.value = bool(value)
            else:
                field.value = str(value)

    def _media_position(self, seconds: float) -> None:
        if not self._rendering:
            # not through perform(): the browser reports a few times a second while playing
            self.controller.report_media_position_safely(seconds)
            self._rendering = True
            try:
                self._render_media()
            finally:
                self._rendering = False

    def _media_follow(self, on: bool) -> None:
        if not self._rendering:
            self.run(lambda: self.controller.set_media_follow(on))

    def _render_media(self) -> None:
        """Show the session recording's player (only when the document has a recording,
        or a recording that cannot be played: then why)."""
        state = self.controller.sync_media()
        problem = self.controller.media_problem
        self.player.layout.display = "none" if state is None and not problem else ""
        self.player.show(state, problem)

    def _memo_code_chosen(self, code: str | None) -> None:
        if code:
            self.controller.select_memo_code(code)

    def _show_pending(self, save: SaveState) -> None:
        """Show "saving..." before an action writes (the widget message goes out at once)."""
        self.save_html.value = save_html(save)

    def press(self, key: str) -> None:
        """Handle a key as the keyboard widget does (``"1"``, ``"ArrowRight"``, ``"u"``...)."""
        self.run(lambda: self.controller.handle_key(key))

    # -- rendering ---------------------------------------------------------------------
    def render(self) -> None:
        """Set every widget from ``controller.view_state()``."""
        state = self.controller.view_state()
        self._rendering = True
        try:
            if state.codebook_version != self._built_version:
                self._build_codes(self.controller.codebook, state.codebook_version)
                self.children = self._layout()
            # the transcript first: its update (with the key's number) confirms what the
            # browser drew at keydown, so it goes out before the other widgets' updates
            self.transcript.show(self.controller, ack=self.key_catcher.seq)
            self._render_choices(state)
            self.case_html.value = case_html(state.case)
            self.reviewer_html.value = reviewer_html(state, self.controller.codebook)
            self.header_html.value = header_html(state)
            self.context_html.value = context_html(state)
            labels = {c.code.key: c.label for c in state.codes}
            info = state.info
            shortcut = next((c.shortcut or f"/{c.palette}" for c in state.codes
                             if info is not None and c.code.key == info.key), "")
            self.info_html.value = info_html(info, self.controller.codebook, shortcut)
            self.palette_html.value = palette_html(state.palette, labels)
            self.status_html.value = status_html(state)
            self.save_html.value = save_html(state.save_state)
            self.in_progress_button.disabled = state.coverage == "in_progress"
            self.done_button.disabled = state.coverage == "done"
            for code_state in state.codes:
                self._style_button(self.code_buttons[code_state.code.key], code_state, state)
            self._render_memo(state)
            self.progress.max = max(state.total, 1)
            self.progress.value = state.coded
            self.progress_label.value = state.progress_label
            segment = state.segment
            self.jump_input.max = max(self.controller.last_segment_index, 0)
            if segment is not None:
                self.jump_input.value = segment.index
            for button in (self.previous_button, self.next_button, self.uncoded_button):
                button.disabled = segment is None
            self.undo_button.disabled = not state.can_undo
            self.undo_button.tooltip = (f"Undo {state.undo_label} (z)" if state.can_undo
                                        else "Nothing to undo")
            self.message_label.value = state.message
            self.error_html.value = error_html(state.error)
            self._render_form(state.form, state.form_note)
            self._render_recode(state.recode)
            self._render_media()
            self.key_catcher.hint = (f"⌨ recode queue: {RECODE_HELP}" if state.recode
                                     else f"⌨ codebook form: {FORM_HELP}" if state.form
                                     else f"⌨ {PALETTE_HELP}" if state.palette
                                     else f"⌨ click here, then {KEY_HELP}")
        finally:
            self._rendering = False

    def _render_form(self, form: CodebookForm | None, note: str) -> None:
        self.form_box.layout.display = "none" if form is None else "flex"
        for button in (self.new_code_button, self.rename_button, self.merge_button,
                       self.split_button, self.move_button, self.retire_button,
                       self.restore_button):
            button.disabled = form is not None
        self.form_note.value = form_note_html(note)
        if form is None or form is self._form_shown:
            self._form_shown = form
            return
        self._form_shown = form
        values = self.controller.form_values
        codes = [(n, k) for k, n in form.codes]
        self.form_title.value = f"<b>{form.title}</b>"
        self.form_code.options = ([(n, k) for k, n in form.retired] if form.kind == "restore"
                                  else codes)
        self.form_target.options = [(n, k) for k, n in form.codes if k != form.code]
        self.form_theme.options = [(n, k) for k, n in form.themes]
        self.form_parent.options = [("(none: top level of the theme)", ""),
                                    *((n, k) for k, n in form.codes if k != form.code)]
        for name, field in self._form_fields.items():
            value = values.get(name)
            if isinstance(field, widgets.Dropdown):
                keys = {k for _label, k in field.options}
                field.value = value if value in keys else None
            elif isinstance(field, widgets.Checkbox):
                field.value = bool(value)
            else:
                field.value = str(value or "")
        shown = {"create": (self.form_theme, self.form_name, self.form_key,
                            self.form_definition, self.form_apply),
                 "rename": (self.form_code, self.form_name, self.form_key),
                 "merge": (self.form_code, self.form_target),
                 "split": (self.form_code, self.form_theme, self.form_into, self.form_recode),
                 "move": (self.form_code, self.form_theme, self.form_parent),
                 "retire": (self.form_code,),
                 "restore": (self.form_code,)}[form.kind]
        for field in self._form_fields.values():
            field.layout.display = "" if field in shown else "none"
        self.form_theme.description = "New codes in" if form.kind == "split" else "Theme"
        self.form_ok.description = {"create": "Create", "rename": "Rename",
                                    "merge": "Merge", "split": "Split", "move": "Move",
                                    "retire": "Retire", "restore": "Restore"}[form.kind]

    def _render_recode(self, view: RecodeView | None) -> None:
        self.recode_box.layout.display = "none" if view is None else "flex"
        self.recode_html.value = recode_html(view)
        self.recode_button.disabled = view is not None
        item = view.item if view is not None else None
        keys = tuple(c.key for c in item.candidates) if item else ()
        if keys != self._recode_keys or (item is None) != (not self.recode_buttons.children):
            self._recode_keys = keys
            buttons: list[widgets.Widget] = []
            for candidate in item.candidates if item else ():
                button = widgets.Button(description=f"{candidate.shortcut} {candidate.name}",
                                        tooltip=candidate.definition, layout=_auto())
                button.on_click(self._recode_clicked(candidate.key))
                buttons.append(button)
            if item is not None:
                buttons += [self.recode_skip, self.recode_stop]
            self.recode_buttons.children = buttons

    def _recode_clicked(self, key: str) -> Callable[[widgets.Button], None]:
        def clicked(_button: widgets.Button) -> None:
            self.run(lambda: self.controller.recode_as(key))
        return clicked

    def _render_choices(self, state: ViewState) -> None:
        # names shown inert (bidi controls visible); a locked panel offers only its coder
        names = (state.coder,) if state.locked else state.coders
        options = [(inert(name), name) for name in names]
        if list(self.coder_dropdown.options) != options:
            self.coder_dropdown.options = options
        self.coder_dropdown.value = state.coder
        self.coder_dropdown.disabled = state.locked
        self.reviewer_toggle.disabled = not (state.may_review or state.reviewer)
        self.reviewer_toggle.tooltip = (
            "Show every coder's codings (turn off for blind coding)" if state.may_review
            else "The reviewer view needs the reviewer role, outside a blind round")
        if tuple(self.document_dropdown.options) != state.documents:
            self.document_dropdown.options = state.documents
        self.document_dropdown.value = state.document
        self.reviewer_toggle.value = state.reviewer
        self.reviewer_toggle.button_style = "warning" if state.reviewer else ""
        self.reviewer_toggle.description = "Reviewer view: ON" if state.reviewer else \
            "Reviewer view"
        # a verbatim source's turns have no speaker (""), which is no filter choice
        speakers = [("all speakers", _ALL), *((s, s) for s in state.speakers if s)]
        if list(self.speaker_filter.options) != speakers:
            self.speaker_filter.options = speakers
        self.speaker_filter.value = state.filter_speaker or _ALL
        self.role_filter.value = state.filter_role or _ALL

    def _style_button(self, button: widgets.Button, code: CodeState, state: ViewState) -> None:
        colour = safe_colour(code.code.colour)
        label = code.label
        if state.reviewer and code.others:
            label += f" · {', '.join(code.others)}"
        button.description = label
        button.icon = "check" if code.applied else ""
        button.disabled = state.segment is None
        if code.applied:
            button.style.button_color = colour
            button.style.text_color = contrast_colour(colour)
            button.style.font_weight = "bold"
        else:
            button.style.button_color = tint(colour, 0.8)
            button.style.text_color = "#222222"
            button.style.font_weight = "normal"

    def _render_memo(self, state: ViewState) -> None:
        names = {c.code.key: c.code.name for c in state.codes}
        options = [(names.get(k, k), k) for k in state.memo_codes]
        if list(self.memo_code.options) != options:
            self.memo_code.options = options
        self.memo_code.value = state.memo_code
        self.memo_code.disabled = not options
        self.memo_button.disabled = not options
        self.memo_text.disabled = not options
        self.memo_text.placeholder = ("memo on this coding" if options
                                      else "apply a code to write a memo on it")
        self.memo_text.value = state.memo


def coding_panel(
    project: Project,
    coder: str | None = None,
    document: str | None = None,
    *,
    reviewer: bool = False,
    lock_coder: bool = False,
) -> CodingPanel | CoderPromptPanel:
    """A :class:`CodingPanel` resuming where the coder left off; show it as the last
    expression of a notebook cell.

    The coder is ``coder``, else ``WORKBENCH_CODER``, else ``JUPYTERHUB_USER``
    (:func:`workbench.coder_identity.resolve_coder`); when none is set, a
    :class:`CoderPromptPanel` asks who is coding and opens the panel once answered.
    ``lock_coder=True`` (or the project's blind round) allows no coder switch;
    ``reviewer=True`` needs the reviewer role.
    """
    choice = resolve_coder(project, coder)

    def open_panel(name: str, message: str) -> CodingPanel:
        controller = CodingController(project, name, document, reviewer=reviewer,
                                      lock_coder=lock_coder)
        controller.message = message
        panel = CodingPanel(controller)
        panel.render()
        return panel

    if choice.coder is None:
        return CoderPromptPanel(CoderPrompt(project), open_panel)
    return open_panel(choice.coder, choice.message)


class CoderPromptPanel(widgets.VBox):
    """"Who is coding?": a name field and the registered names; once answered (through
    :class:`~workbench.coder_identity.CoderPrompt`), the coding panel takes its place
    (:attr:`panel`)."""

    def __init__(self, prompt: CoderPrompt,
                 open_panel: Callable[[str, str], CodingPanel], **kwargs: Any) -> None:
        self.prompt = prompt
        self.panel: CodingPanel | None = None
        self._open_panel = open_panel
        self.name_input = widgets.Combobox(
            options=prompt.known, placeholder="your coder name", description="Coder",
            ensure_option=False, layout=_auto())
        self.start_button = widgets.Button(description="Start coding", icon="play")
        self.message_html = widgets.HTML()
        self.message_html.value = html.escape(CoderChoice(None, "none").message)
        self.start_button.on_click(lambda _b: self.answer(self.name_input.value))
        super().__init__([widgets.HBox([self.name_input, self.start_button]),
                          self.message_html], **kwargs)

    def answer(self, name: str) -> CodingPanel | None:
        """Take the typed name: open the coding panel, or show why the name cannot be used."""
        choice = self.prompt.answer(name)
        if choice is None or choice.coder is None:
            self.message_html.value = (f'<span style="color:#b00020">'
                                       f"{html.escape(self.prompt.error)}</span>")
            return None
        self.panel = self._open_panel(choice.coder, choice.message)
        self.children = (self.panel,)
        return self.panel
