"""Load and validate a codebook written in YAML (see ``codebooks/ipr_relational.yaml``).

Shape::

    name: IPR relational codebook
    description: ...
    themes:
      - key: relational_barriers
        name: Relational barriers
        colour: "#b2443a"
        codes:
          - key: withdrawal
            name: Withdrawal / distancing
            colour: "#d62728"
            definition: ...
            inclusion: ...
            exclusion: ...
            example: "..."
            shortcut: wd        # optional: typed in the panel's palette (/wd Enter)
            children: [ ...codes of the same shape... ]

Every error names the theme or code and the field, and says what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from workbench.errors import CodebookError, suggest
from workbench.model import Code, Codebook, Theme, check_shortcuts
from workbench.parsing.yaml_loading import load_strict

__all__ = ["codebook_from_mapping", "codebook_to_yaml", "load_codebook_file", "normalise_colour",
           "validate_key", "write_codebook_file"]

_TOP_FIELDS = ("name", "description", "themes")
_THEME_FIELDS = ("key", "name", "description", "colour", "codes")
_CODE_FIELDS = (
    "key", "name", "colour", "definition", "inclusion", "exclusion", "example", "shortcut",
    "children",
)
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,99}$")
_COLOUR = re.compile(r"^#?([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")


def normalise_colour(value: object, where: str) -> str:
    """``#RRGGBB`` (upper case) from ``#RGB``/``#RRGGBB`` with or without ``#``."""
    match = _COLOUR.match(str(value).strip())
    if not match:
        raise CodebookError(
            f"{where}: colour {value!r} is not a hex colour; write it like \"#1f77b4\" "
            "(in quotes, since # starts a YAML comment)."
        )
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return "#" + digits.upper()


def load_codebook_file(path: str | Path) -> Codebook:
    """Read a codebook YAML file; :class:`CodebookError` says what to fix."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CodebookError(f"{path}: cannot read the codebook ({exc.strerror}).") from None
    except UnicodeDecodeError:
        raise CodebookError(f"{path}: the codebook is not UTF-8 text; save it as UTF-8.") from None
    try:
        data = load_strict(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise CodebookError(
            f"{path}{line}: not valid YAML ({problem}); check indentation and quotes."
        ) from None
    if not isinstance(data, Mapping):
        raise CodebookError(f"{path}: a codebook is a mapping with 'name' and 'themes'.")
    return codebook_from_mapping(data, source=str(path))


def _text(spec: Mapping[str, Any], field: str, where: str, *, required: bool = False) -> str:
    value = spec.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise CodebookError(f"{where}: field {field!r} is missing or empty; write the {field}.")
        return ""
    if not isinstance(value, str | int | float):
        raise CodebookError(f"{where}: field {field!r} must be text.")
    return str(value).strip()


def _check_fields(spec: object, allowed: tuple[str, ...], where: str) -> Mapping[str, Any]:
    if not isinstance(spec, Mapping):
        raise CodebookError(f"{where}: expected a mapping of fields ({', '.join(allowed)}).")
    for field in spec:
        if field not in allowed:
            raise CodebookError(
                f"{where}: unknown field {field!r}{suggest(str(field), allowed)}; allowed fields "
                f"are {', '.join(allowed)}."
            )
    return spec


def _key(spec: Mapping[str, Any], where: str) -> str:
    key = str(spec.get("key") or "").strip()
    if not key:
        raise CodebookError(f"{where}: field 'key' is missing; give a short id like 'withdrawal'.")
    return validate_key(key, where)


def validate_key(key: str, where: str) -> str:
    """``key`` if it is a valid code or theme key, else :class:`CodebookError`."""
    if not _KEY.match(key):
        raise CodebookError(
            f"{where}: key {key!r} must start with a letter and use only letters, digits, "
            "'_' or '-'."
        )
    return key


def codebook_from_mapping(data: Mapping[str, Any], *, source: str = "codebook") -> Codebook:
    """Validate a parsed YAML mapping and build a :class:`Codebook`."""
    _check_fields(data, _TOP_FIELDS, source)
    name = _text(data, "name", source, required=True)
    raw_themes = data.get("themes")
    if not isinstance(raw_themes, list) or not raw_themes:
        raise CodebookError(f"{source}: 'themes' must be a non-empty list of themes.")
    themes: list[Theme] = []
    codes: list[Code] = []
    seen: dict[str, str] = {}

    def add_code(spec: object, theme: str, parent: str | None, position: str) -> None:
        label = spec.get("key") if isinstance(spec, Mapping) else None
        where = f"{source}: code {label!r}" if label else f"{source}: {position}"
        spec = _check_fields(spec, _CODE_FIELDS, where)
        key = _key(spec, where)
        where = f"{source}: code {key!r}"
        if key in seen:
            raise CodebookError(f"{where}: the key is used twice ({seen[key]}); keys must be unique.")
        seen[key] = f"code in theme {theme!r}"
        codes.append(
            Code(
                key=key,
                name=_text(spec, "name", where, required=True),
                theme=theme,
                definition=_text(spec, "definition", where, required=True),
                colour=normalise_colour(spec.get("colour") or "", where)
                if spec.get("colour") is not None
                else _missing_colour(where),
                inclusion=_text(spec, "inclusion", where),
                exclusion=_text(spec, "exclusion", where),
                example=_text(spec, "example", where),
                parent=parent,
                shortcut=_text(spec, "shortcut", where).lower(),
            )
        )
        children = spec.get("children") or []
        if not isinstance(children, list):
            raise CodebookError(f"{where}: 'children' must be a list of codes.")
        for number, child in enumerate(children, 1):
            add_code(child, theme, key, f"child {number} of code {key!r}")

    for number, raw_theme in enumerate(raw_themes, 1):
        where = f"{source}: theme {number}"
        raw_theme = _check_fields(raw_theme, _THEME_FIELDS, where)
        key = _key(raw_theme, where)
        where = f"{source}: theme {key!r}"
        if key in seen:
            raise CodebookError(f"{where}: the key is used twice; keys must be unique.")
        seen[key] = "theme"
        colour = raw_theme.get("colour")
        themes.append(
            Theme(
                key=key,
                name=_text(raw_theme, "name", where, required=True),
                description=_text(raw_theme, "description", where),
                colour=normalise_colour(colour, where) if colour is not None else "#777777",
            )
        )
        raw_codes = raw_theme.get("codes")
        if not isinstance(raw_codes, list) or not raw_codes:
            raise CodebookError(f"{where}: 'codes' must be a non-empty list of codes.")
        for position, spec in enumerate(raw_codes, 1):
            add_code(spec, key, None, f"code {position} of theme {key!r}")
    codebook = Codebook(
        name=name,
        description=_text(data, "description", source),
        themes=tuple(themes),
        codes=tuple(codes),
    )
    try:
        check_shortcuts(codebook)
    except CodebookError as exc:
        raise CodebookError(f"{source}: {exc}") from None
    return codebook


def _missing_colour(where: str) -> str:
    raise CodebookError(f"{where}: field 'colour' is missing; give a hex colour like \"#1f77b4\".")


def codebook_to_yaml(codebook: Codebook) -> str:
    """The codebook as YAML in the shape :func:`load_codebook_file` reads (children nested
    under their parents): loading the text back gives an equal codebook."""
    def code_spec(code: Code) -> dict[str, Any]:
        spec: dict[str, Any] = {"key": code.key, "name": code.name, "colour": code.colour,
                                "definition": code.definition}
        for field in ("inclusion", "exclusion", "example", "shortcut"):
            if getattr(code, field):
                spec[field] = getattr(code, field)
        kids = [code_spec(c) for c in codebook.codes if c.parent == code.key]
        if kids:
            spec["children"] = kids
        return spec

    data: dict[str, Any] = {"name": codebook.name}
    if codebook.description:
        data["description"] = codebook.description
    data["themes"] = [
        {"key": t.key, "name": t.name, **({"description": t.description} if t.description
                                          else {}),
         "colour": t.colour,
         "codes": [code_spec(c) for c in codebook.codes if c.theme == t.key and c.parent is None]}
        for t in codebook.themes
    ]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88)


def write_codebook_file(codebook: Codebook, path: str | Path) -> Path:
    """Write the codebook as YAML (see :func:`codebook_to_yaml`); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(codebook_to_yaml(codebook), encoding="utf-8")
    return path
