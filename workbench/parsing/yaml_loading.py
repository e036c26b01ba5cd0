"""A YAML loader for user-written files: safe, and refusing a key written twice.

PyYAML silently keeps the last of two equal keys, so a codebook field or a transcript's
front-matter attribute written twice would lose one value without a word. YAML nested
deeper than :data:`MAX_DEPTH` lists or mappings is refused as a :class:`yaml.YAMLError`
(PyYAML would otherwise recurse until Python's recursion limit).
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MAX_DEPTH", "NoDuplicateKeysLoader", "load_strict"]

MAX_DEPTH = 100
"""Deepest nesting of lists and mappings accepted in a user-written YAML file."""


class NoDuplicateKeysLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a field written twice (PyYAML keeps the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            if key_node.value in seen:
                owner = next((v.value for k, v in node.value if isinstance(k, yaml.ScalarNode)
                              and k.value == "key" and isinstance(v, yaml.ScalarNode)), None)
                where = f"the entry with key {owner!r}" if owner else "a mapping"
                raise yaml.constructor.ConstructorError(
                    None, None, f"{where} has field {key_node.value!r} twice; keep one",
                    key_node.start_mark,
                )
            seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def load_strict(text: str, loader: type[NoDuplicateKeysLoader] = NoDuplicateKeysLoader) -> Any:
    """Parse ``text`` with ``loader``, using libyaml's fast parser when PyYAML has it.

    On an error the pure-Python parser runs again, because its messages and line numbers
    point closer to the mistake than libyaml's. Nesting deeper than :data:`MAX_DEPTH` raises
    :class:`yaml.YAMLError` before anything is built.
    """
    _check_depth(text)
    fast = _FAST.get(loader)
    if fast is None and _CParser is not None:
        fast = _FAST[loader] = type(f"C{loader.__name__}", (_CParser, loader), {"__init__": _c_init})
    if fast is not None:
        try:
            return yaml.load(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.load(text, Loader=loader)


_FAST: dict[type, Any] = {}
_CParser: Any = getattr(yaml, "cyaml", None) and getattr(yaml.cyaml, "CParser", None)
"""libyaml's parser, or None when PyYAML was built without it."""


def _c_init(self: Any, stream: str) -> None:
    _CParser.__init__(self, stream)
    yaml.constructor.SafeConstructor.__init__(self)
    yaml.resolver.Resolver.__init__(self)


class _TooDeep(yaml.MarkedYAMLError):
    """YAML nested deeper than :data:`MAX_DEPTH`."""


def _check_depth(text: str) -> None:
    """Raise :class:`yaml.YAMLError` when lists/mappings nest deeper than :data:`MAX_DEPTH`.

    Counts the parser's collection start and end events, which needs no recursion. When
    libyaml stops with an error (it has its own depth limit), the pure-Python parser counts.
    """
    for parser in (_CParser, yaml.SafeLoader):
        if parser is None:
            continue
        depth = 0
        try:
            for event in yaml.parse(text, Loader=parser):
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    if depth > MAX_DEPTH:
                        raise _TooDeep(
                            problem=f"lists or mappings nested more than {MAX_DEPTH} levels "
                            "deep",
                            problem_mark=event.start_mark,  # type: ignore[arg-type]
                        )
                elif isinstance(event, yaml.CollectionEndEvent):
                    depth -= 1
            return
        except _TooDeep:
            raise
        except yaml.YAMLError:
            continue  # a syntax error: the loader reports it, with its line
