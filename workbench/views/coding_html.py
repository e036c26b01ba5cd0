"""HTML fragments for the coding panel, built from a :class:`ViewState`.

ipywidgets' ``HTML`` widget sets ``innerHTML``, so every piece of project data that goes
into a fragment (transcript text, speaker names, code names, case attributes, error
messages) passes through :func:`html.escape` here: a transcript line ``<script>...`` or
``<img src=x onerror=...>`` shows as text. Colours come from the codebook and are only
used when they are ``#rrggbb``.
"""

from __future__ import annotations

import re
from html import escape

from workbench.coder_identity import inert
from workbench.model import Code, Codebook
from workbench.views.coding_state import (
    ErrorInfo,
    PaletteView,
    RecodeView,
    SaveState,
    TurnView,
    ViewState,
)

__all__ = [
    "case_html",
    "codebook_html",
    "context_html",
    "contrast_colour",
    "error_html",
    "form_note_html",
    "header_html",
    "info_html",
    "palette_html",
    "recode_html",
    "reviewer_html",
    "safe_colour",
    "save_html",
    "status_html",
    "tint",
    "tooltip",
]

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_MUTED = "color:#555"


def safe_colour(colour: str, default: str = "#777777") -> str:
    """``colour`` when it is ``#rrggbb``, else ``default`` (never raw text in a style)."""
    return colour if _HEX.match(colour or "") else default


def tint(colour: str, amount: float = 0.8) -> str:
    """``colour`` mixed with white (``amount`` 0 = colour, 1 = white)."""
    colour = safe_colour(colour)
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c + (255 - c) * amount) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def contrast_colour(colour: str) -> str:
    """Black or white, whichever reads better on ``colour``."""
    colour = safe_colour(colour)
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _name(text: object) -> str:
    """A name (coder, speaker, document, code) escaped and shown inert: bidi controls and
    other format characters as visible ``<U+XXXX>`` (transcript text keeps them)."""
    return _e(inert(str(text)))


def _turn_head(turn: TurnView) -> str:
    time = f' <span style="{_MUTED}">[{_e(turn.video_time)}]</span>' if turn.video_time else ""
    speaker = f"<b>{_name(turn.speaker)}</b> " if turn.speaker else ""  # "": verbatim text
    return f'{speaker}<span style="{_MUTED}">({_e(turn.role)})</span>{time}'


def _turn(turn: TurnView, *, faded: bool) -> str:
    opacity = "opacity:0.75;" if faded else ""
    border = "#1f77b4" if turn.role == "participant" else "#bbbbbb"
    return (
        f'<div class="wb-turn" style="{opacity}margin:4px 0;padding:4px 8px;'
        f'border-left:4px solid {border};white-space:pre-wrap">'
        f"{_turn_head(turn)}<br>{_e(turn.text)}</div>"
    )


def header_html(state: ViewState) -> str:
    """Document, segment number and position in the filtered list."""
    if state.segment is None:
        return f"<b>{_name(state.document)}</b>: no segment matches the filter."
    return (
        f"<b>{_name(state.document)}</b> · segment #{state.segment.index} "
        f'<span style="{_MUTED}">({state.position + 1} of {state.total} shown)</span>'
    )


def context_html(state: ViewState) -> str:
    """The turns before, the current turn with the segment highlighted, the turns after."""
    if state.turn is None:
        return '<div class="wb-context"><i>Nothing to show.</i></div>'
    current = (
        '<div class="wb-turn wb-current" style="margin:6px 0;padding:6px 8px;'
        'border:2px solid #1f77b4;border-radius:4px;white-space:pre-wrap">'
        f"{_turn_head(state.turn)}<br>{_e(state.before)}"
        '<mark class="wb-segment" style="background:#ffe066;padding:1px 0">'
        f"{_e(state.highlight)}</mark>{_e(state.after)}</div>"
    )
    parts = [_turn(t, faded=True) for t in state.context_before]
    parts.append(current)
    parts += [_turn(t, faded=True) for t in state.context_after]
    return '<div class="wb-context">' + "".join(parts) + "</div>"


def recode_html(view: RecodeView | None) -> str:
    """The recode queue walk: progress, the passage in context, the code it was made as,
    and each new code with its key and definition ("" when no walk is on)."""
    if view is None:
        return ""
    progress = f'<b class="wb-recode-progress">{_e(view.progress_label)}</b>'
    item = view.item
    if item is None:
        return f'<div class="wb-recode">{progress}: the walk is over.</div>'
    head = (f"{progress} · {_e(item.document)} · coded by {_e(item.coder)} as "
            f"<b>{_e(item.from_code)}</b> (split)")
    current = (
        '<div class="wb-turn wb-current" style="margin:6px 0;padding:6px 8px;'
        'border:2px solid #9467bd;border-radius:4px;white-space:pre-wrap">'
        f"<b>{_e(item.speaker)}</b><br>{_e(item.before)}"
        '<mark class="wb-recode-passage" style="background:#ffe066;padding:1px 0">'
        f"{_e(item.highlight)}</mark>{_e(item.after)}</div>"
    )
    parts = [_turn(t, faded=True) for t in item.context_before]
    parts.append(current)
    parts += [_turn(t, faded=True) for t in item.context_after]
    memo = (f'<div style="{_MUTED}">memo: {_e(item.memo)}</div>' if item.memo else "")
    choices = "".join(
        f'<li class="wb-recode-choice"><kbd>{_e(c.shortcut)}</kbd> <b>{_e(c.name)}</b> '
        f'<span style="{_MUTED}">({_e(c.key)})</span>: {_e(c.definition)}</li>'
        for c in item.candidates)
    return (f'<div class="wb-recode" style="border:2px dashed #9467bd;padding:6px 10px;'
            f'margin:4px 0">{head}{"".join(parts)}{memo}<ul>{choices}</ul>'
            f'<div style="{_MUTED}">s skip (leave for later) · Esc stop</div></div>')


def case_html(pairs: tuple[tuple[str, str], ...]) -> str:
    """The case attributes as one line of ``name: value`` pairs."""
    items = " · ".join(f'<span style="{_MUTED}">{_e(k)}:</span> {_e(v)}' for k, v in pairs)
    return f'<div class="wb-case" style="font-size:12px">{items}</div>'


def reviewer_html(state: ViewState, codebook: Codebook) -> str:
    """A visible banner and the other coders' codings when the reviewer switch is on, with
    the legend of the transcript (this coder's codings solid, each other coder's dashed)."""
    if not state.reviewer:
        return (f'<div class="wb-blind" style="{_MUTED};font-size:12px">Blind coding: only '
                f"{_name(state.coder)}'s codings are shown.</div>")
    names = {c.key: c.name for c in codebook.codes}
    rows = "".join(
        f"<li><b>{_name(coder)}</b>: {_name(', '.join(names.get(k, k) for k in keys))}</li>"
        for coder, keys in state.others
    ) or "<li><i>no other coder has coded this segment</i></li>"
    legend = " · ".join(f"{_name(coder)}: dashed" for coder in state.other_coders)
    legend = (f"{_name(state.coder)}: solid (yours) · {legend}" if legend
              else "no other coder has coded this transcript")
    return (
        '<div class="wb-reviewer" style="background:#fff3cd;border:2px solid #d4a017;'
        'padding:4px 8px;border-radius:4px">'
        "<b>REVIEWER VIEW</b>: showing every coder's codings (not blind).<ul style="
        f'"margin:2px 0">{rows}</ul>'
        f'<div class="wb-reviewer-legend" style="font-size:12px">In the transcript: '
        f"{legend} (other coders' codings are shown, not yours to change)</div></div>"
    )


def tooltip(code: Code) -> str:
    """Plain-text tooltip for a code button (the browser shows it as text)."""
    parts = [f"{code.name}: {code.definition}"]
    if code.inclusion:
        parts.append(f"Use for: {code.inclusion}")
    if code.exclusion:
        parts.append(f"Not for: {code.exclusion}")
    if code.example:
        parts.append(f"Example: {code.example}")
    return "\n".join(parts)


def codebook_html(codebook: Codebook, theme: str) -> str:
    """Definition, inclusion, exclusion and example of each code of one theme."""
    rows = []
    for code in codebook.codes:
        if code.theme != theme:
            continue
        colour = safe_colour(code.colour)
        details = [f"<div>{_e(code.definition)}</div>"]
        for label, text in (("Use for", code.inclusion), ("Not for", code.exclusion),
                            ("Example", code.example)):
            if text:
                details.append(f'<div><span style="{_MUTED}">{label}:</span> {_e(text)}</div>')
        rows.append(
            f'<div style="margin:4px 0;padding-left:6px;border-left:6px solid {colour}">'
            f"<b>{_e(code.name)}</b> <code>{_e(code.key)}</code>{''.join(details)}</div>"
        )
    return "".join(rows)


def form_note_html(note: str) -> str:
    """What the open codebook form will do (e.g. to a retired code's codings), as a muted
    line ("" when there is nothing to say)."""
    if not note:
        return ""
    return f'<div class="wb-form-note" style="{_MUTED}">{_e(note)}</div>'


def info_html(code: Code | None, codebook: Codebook, shortcut: str = "") -> str:
    """The definitions pane: the code's name, key, theme, definition, inclusion,
    exclusion and example (``shortcut``: how to apply it, e.g. ``3`` or ``/wi``)."""
    if code is None:
        return '<div class="wb-info"><i>The codebook has no codes yet.</i></div>'
    theme = next((t.name for t in codebook.themes if t.key == code.theme), code.theme)
    colour = safe_colour(code.colour)
    rows = [f'<div class="wb-info-definition"><span style="{_MUTED}">Definition:</span> '
            f"{_e(code.definition)}</div>"]
    for css, label, text in (("inclusion", "Use for", code.inclusion),
                             ("exclusion", "Not for", code.exclusion),
                             ("example", "Example", code.example)):
        if text:
            rows.append(f'<div class="wb-info-{css}" style="margin-top:4px">'
                        f'<span style="{_MUTED}">{label}:</span> {_e(text)}</div>')
    key = f" <kbd>{_e(shortcut)}</kbd>" if shortcut else ""
    return (
        f'<div class="wb-info" style="border-left:6px solid {colour};padding:4px 8px;'
        'overflow-wrap:anywhere;white-space:normal">'
        f'<div><b class="wb-info-name">{_e(code.name)}</b>{key} '
        f'<span style="{_MUTED}">({_e(theme)})</span></div>{"".join(rows)}'
        f'<div style="{_MUTED};font-size:11px;margin-top:4px">i / I: next / previous '
        "code's definition</div></div>"
    )


def palette_html(view: PaletteView | None, labels: dict[str, str]) -> str:
    """The open code palette: the typed query and the matching codes (``labels``: code
    key -> its button label), the highlighted one marked ("" when the palette is closed)."""
    if view is None:
        return ""
    items = []
    for i, code in enumerate(view.matches[:12]):
        on = i == view.highlighted
        style = "background:#1f77b4;color:#fff" if on else ""
        items.append(f'<li class="wb-palette-item{" wb-palette-current" if on else ""}" '
                     f'style="{style};padding:1px 4px">{_e(labels.get(code.key, code.name))}'
                     "</li>")
    more = len(view.matches) - 12
    if more > 0:
        items.append(f'<li style="{_MUTED}">... {more} more: type to narrow</li>')
    if not view.matches:
        items.append(f'<li style="{_MUTED}">no code matches; Backspace widens the search</li>')
    return (
        '<div class="wb-palette" style="border:2px solid #1f77b4;padding:4px 8px;'
        'margin:4px 0;overflow-wrap:anywhere">'
        f'<b>find a code:</b> <code class="wb-palette-query">{_e(view.query)}</code>▏'
        f'<ul style="list-style:none;margin:2px 0;padding:0">{"".join(items)}</ul>'
        f'<div style="{_MUTED};font-size:11px">↑ ↓ choose · Enter applies · Esc closes'
        "</div></div>"
    )


def save_html(save: SaveState) -> str:
    """The save state as a coloured badge."""
    colour = {"pending": "#8a6d00", "saved": "#1a7f37", "error": "#b00020"}.get(
        save.kind, "#555")
    return (f'<span class="wb-save wb-save-{save.kind}" style="color:{colour};'
            f'font-weight:bold">{_e(save.label)}</span>')


def status_html(state: ViewState) -> str:
    """Progress and status: ``coded N of M participant units`` and the coverage status
    agreement uses (the save state is :func:`save_html`, shown beside it)."""
    colour = {"done": "#1a7f37", "in_progress": "#8a6d00"}.get(state.coverage, "#555")
    return (
        '<div class="wb-status" style="font-size:13px">'
        f'<span class="wb-units">{_e(state.units_label)}</span> · coverage: '
        f'<b class="wb-coverage" style="color:{colour}">{_e(state.coverage_label)}</b> '
        f'<span style="{_MUTED}">(key c: in progress, then done)</span></div>'
    )


def error_html(error: ErrorInfo | None) -> str:
    """The last error with its traceback folded away ("" when there is none)."""
    if error is None:
        return ""
    return (
        '<div class="wb-error" style="background:#fdecea;border:1px solid #d62728;'
        'color:#611a15;padding:4px 8px;border-radius:4px">'
        f"<b>{_e(error.kind)}</b>: {_e(error.message)}"
        f'<details><summary>details</summary><pre style="white-space:pre-wrap">'
        f"{_e(error.traceback)}</pre></details></div>"
    )
