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
            yield Document(_construct(loader, node, path), node.start_mark.line + 1)
    except yaml.YAMLError as exc:
        raise YamlError(f"{path}:{_line_of(exc)} {_mark(exc)}") from None
    except RecursionError:
        raise YamlError(f"{path}: nested too deeply") from None
    finally:
        loader.dispose()


def _construct(loader: Any, node: yaml.Node, path: Path) -> Any:
    """Build a document's data; a value PyYAML cannot build is reported at its line.

    PyYAML's constructors raise plain ValueError, KeyError, … for values that match a tag's
    pattern but not its meaning (`2026-13-45`, `!!bool maybe`), without a position.
    """
    try:
        return loader.construct_document(node)
    except yaml.YAMLError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as exc:
        found = _first_unbuildable(node)
        if found is None:
            raise YamlError(f"{path}: cannot read a value: {exc}") from None
        bad, field = found
        value = f" {bad.value!r}" if isinstance(bad.value, str) else ""
        at = f" {field}:" if field else ""
        raise YamlError(
            f"{path}:{bad.start_mark.line + 1}:{at} cannot read value{value}: {exc}"
        ) from None


def _first_unbuildable(node: yaml.Node) -> tuple[yaml.Node, str] | None:
    """The first scalar PyYAML cannot build, with its field path (`register[0].due`)."""
    probe: Any = SafeLoader("")
    try:
        stack: list[tuple[yaml.Node, str]] = [(node, "")]
        while stack:
            current, field = stack.pop()
            if isinstance(current, yaml.ScalarNode):
                try:
                    probe.construct_object(current, deep=True)
                except Exception:
                    return current, field
            elif isinstance(current, yaml.SequenceNode):
                stack.extend(
                    (child, f"{field}[{i}]")
                    for i, child in reversed(list(enumerate(current.value)))
                )
            elif isinstance(current, yaml.MappingNode):
                for key, value in reversed(current.value):
                    name = key.value if isinstance(key, yaml.ScalarNode) else "?"
                    stack.extend(((value, f"{field}.{name}" if field else str(name)), (key, field)))
        return None
    finally:
        probe.dispose()


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
        if root is not None:
            _refuse_duplicate_keys(root, path)
        data = _construct(loader, root, path) if root is not None else None
    except yaml.YAMLError as exc:
        raise YamlError(f"{path}:{_line_of(exc)} {_mark(exc)}") from None
    except RecursionError:
        raise YamlError(f"{path}: nested too deeply") from None
    finally:
        loader.dispose()
    return Located(data, root, path)


def _refuse_duplicate_keys(root: yaml.Node, path: Path) -> None:
    """YAML lets the last of two equal keys win silently; in a config that hides a mistake."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    line = key.start_mark.line + 1
                    if key.value in seen and key.value != "<<":
                        raise YamlError(
                            f"{path}:{line}: duplicate key {key.value!r} "
                            f"(first at line {seen[key.value]})"
                        )
                    seen[key.value] = line
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
