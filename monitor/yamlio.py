"""YAML reading with line numbers, on the C loader where the platform has it.

Two modes. `load_documents` is the fast path for evidence (tens of thousands of objects): the C
loader constructs plain Python data, and a document's first line is kept for messages.
`load_located` is for the config: it keeps the node tree so a validation error at
`services[2].tier` can be reported as `demo.yaml:41`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - the C extension ships with PyYAML wheels
    from yaml import SafeLoader  # type: ignore[assignment]


__all__ = ["Document", "Located", "SafeLoader", "YamlError", "load_documents", "load_located"]


class YamlError(ValueError):
    """A file that is not YAML; the message has file and line."""


@dataclass(frozen=True, slots=True)
class Document:
    data: Any
    line: int  # 1-based line of the document's start


def _mark(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(problem)


def load_documents(path: Path) -> Iterator[Document]:
    """Every document of a multi-document YAML file, with its starting line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    loader = SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            yield Document(loader.construct_document(node), node.start_mark.line + 1)
    except yaml.YAMLError as exc:
        raise YamlError(f"{path}:{_line_of(exc)} {_mark(exc)}") from None
    except (ValueError, RecursionError) as exc:  # e.g. 2026-13-45 matches the date pattern
        raise YamlError(f"{path}: {exc}") from None
    finally:
        loader.dispose()


def _line_of(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f"{mark.line + 1}:" if mark is not None else ""


@dataclass(frozen=True, slots=True)
class Located:
    """Parsed data plus the node tree to find a field's line in."""

    data: Any
    root: yaml.Node | None
    path: Path

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """The line of the deepest node on `loc` that exists (1-based)."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if k.value == key:
                        line = k.start_mark.line + 1
                        node = v
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                if key >= len(node.value):
                    return line
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def load_located(path: Path) -> Located:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YamlError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise YamlError(f"{path}: is a directory, not a YAML file") from None
    except PermissionError:
        raise YamlError(f"{path}: permission denied") from None
    except UnicodeDecodeError as exc:
        raise YamlError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    loader = SafeLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        raise YamlError(f"{path}:{_line_of(exc)} {_mark(exc)}") from None
    except (ValueError, RecursionError) as exc:
        raise YamlError(f"{path}: {exc}") from None
    finally:
        loader.dispose()
    return Located(data, root, path)
