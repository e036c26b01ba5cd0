"""A YAML loader for user-written files: safe, and refusing a key written twice.

PyYAML silently keeps the last of two equal keys, so a codebook field or a transcript's
front-matter attribute written twice would lose one value without a word.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["NoDuplicateKeysLoader"]


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
