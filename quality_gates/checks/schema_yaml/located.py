"""YAML that remembers where each value came from, and refuses a key written twice.

``yaml.safe_load`` forgets line numbers and silently keeps the last of two equal keys, so a
column defined twice loses its first definition without a word. This loader builds the same
plain Python values (``dict``/``list`` subclasses, so everything downstream works as usual)
with the line of every mapping key and list item, and raises ``DuplicateKeyError`` with both
lines when a mapping repeats a key. Merge keys (``<<: *defaults``) keep YAML's meaning: an
explicit key overrides a merged one; only keys written twice by hand are duplicates.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml

_MERGE_TAG = "tag:yaml.org,2002:merge"


class LocatedMapping(dict):
    """A YAML mapping; ``line`` is where it starts, ``key_lines[key]`` where each key is written."""

    line: int
    key_lines: dict[Any, int]


class LocatedList(list):
    """A YAML sequence; ``line`` is where it starts, ``item_lines[i]`` where item ``i`` is."""

    line: int
    item_lines: list[int]


class DuplicateKeyError(yaml.YAMLError):
    def __init__(self, key: Any, first_line: int, second_line: int, path: tuple[Any, ...] = ()):
        super().__init__(f"duplicate key {key!r} (lines {first_line} and {second_line})")
        self.key, self.first_line, self.second_line, self.path = key, first_line, second_line, path

    @property
    def where(self) -> str:
        """Where the mapping is: ``columns.amount.in_range``, ``columns[2]`` (empty at the top)."""
        return "".join(f"[{part}]" if isinstance(part, int) and not isinstance(part, bool) else f".{part}" for part in self.path).lstrip(
            "."
        )


class UnhashableKeyError(yaml.YAMLError):
    def __init__(self, line: int):
        super().__init__("a mapping key must be a plain value, not a list or a mapping")
        self.line = line


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


# libyaml's parser when PyYAML was built with it (about 4× faster on large schemas); same marks.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LocatingLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """A safe loader whose mappings and sequences carry line numbers."""

    paths: dict[int, tuple[Any, ...]]


def _path(loader: _LocatingLoader, node: yaml.Node) -> tuple[Any, ...]:
    """The keys (and list positions) leading to ``node``, recorded as its parents were built."""
    if not hasattr(loader, "paths"):
        loader.paths = {}
    return loader.paths.get(id(node), ())


def _construct_mapping(loader: _LocatingLoader, node: yaml.MappingNode):
    mapping = LocatedMapping()
    mapping.line, mapping.key_lines = _line(node), {}
    yield mapping
    path = _path(loader, node)
    written: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise UnhashableKeyError(_line(key_node))
        if key in written:
            raise DuplicateKeyError(key, written[key], _line(key_node), path)
        written[key] = _line(key_node)
    loader.flatten_mapping(node)  # resolves merge keys: merged pairs first, explicit ones after
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        loader.paths[id(value_node)] = (*path, key)
        mapping[key] = loader.construct_object(value_node, deep=False)
        mapping.key_lines[key] = _line(key_node)


def _construct_sequence(loader: _LocatingLoader, node: yaml.SequenceNode):
    sequence = LocatedList()
    sequence.line, sequence.item_lines = _line(node), [_line(item) for item in node.value]
    yield sequence
    path = _path(loader, node)
    for index, item in enumerate(node.value):
        loader.paths[id(item)] = (*path, index)
    sequence.extend(loader.construct_object(item, deep=False) for item in node.value)


_LocatingLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LocatingLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load_located(text: str) -> Any:
    """Parse one YAML document into values that know their lines (``yaml.YAMLError`` on mistakes)."""
    return yaml.load(text, Loader=_LocatingLoader)


def line_of_key(mapping: Any, key: Any) -> int | None:
    """Where ``key`` is written in ``mapping``, when the mapping came from YAML."""
    return getattr(mapping, "key_lines", {}).get(key)


def line_of_item(sequence: Any, index: int) -> int | None:
    lines = getattr(sequence, "item_lines", ())
    return lines[index] if index < len(lines) else None


def line_of(value: Any) -> int | None:
    return getattr(value, "line", None)
