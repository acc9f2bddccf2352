"""YAML loading that remembers where each mapping started, and refuses duplicate keys.

Rule authors need errors that point at a line; PyYAML's plain loaders forget
positions and silently keep the last of two duplicate keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class LineDict(dict[str, Any]):
    """A mapping from YAML that knows its 1-based starting line."""

    line: int = 0


class DuplicateKeyError(ValueError):
    def __init__(self, key: str, line: int) -> None:
        self.line = line
        super().__init__(f"duplicate key {key!r}")


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise DuplicateKeyError(str(key), key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class YamlFileError(ValueError):
    """A file that is not valid YAML; carries the file and line."""

    def __init__(self, file: str, line: int, message: str) -> None:
        self.file, self.line = file, line
        super().__init__(f"{file}:{line}: {message}")


def load_yaml(path: Path, display: str | None = None) -> Any:
    """Load one YAML file; mappings come back as :class:`LineDict`."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise YamlFileError(name, 0, f"cannot read: {exc.strerror}") from None
    return load_yaml_text(text, name)


def load_yaml_text(text: str, name: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except DuplicateKeyError as exc:
        raise YamlFileError(name, exc.line, str(exc)) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise YamlFileError(name, line, f"invalid YAML: {exc.problem}") from None


def line_at(data: Any, loc: tuple[int | str, ...]) -> int:
    """The line of the deepest mapping found along ``loc`` inside ``data``."""
    line = getattr(data, "line", 0)
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        line = getattr(node, "line", line)
    return line


def strip_lines(data: Any) -> Any:
    """Plain dicts and lists (for hashing and JSON), positions dropped."""
    if isinstance(data, dict):
        return {k: strip_lines(v) for k, v in data.items()}
    if isinstance(data, list):
        return [strip_lines(v) for v in data]
    return data
