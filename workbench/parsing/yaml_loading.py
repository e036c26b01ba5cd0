"""A YAML loader for user-written files: safe, and refusing a key written twice.

PyYAML silently keeps the last of two equal keys, so a codebook field or a transcript's
front-matter attribute written twice would lose one value without a word.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["NoDuplicateKeysLoader", "load_strict"]


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
    point closer to the mistake than libyaml's.
    """
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
