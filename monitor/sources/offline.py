"""Offline sources: manifests, rule files and alertmanager.yml read from disk.

Used for the demo, for `readiness audit` in CI on the manifests a repository is about to ship,
and by tests. A file that cannot be read becomes a `Problem` on its source, so the items that
need it say `unknown` and why; the audit never silently skips it.
"""

from __future__ import annotations

import glob
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from checks.evidence import ALERTMANAGER, KUBERNETES, PROMETHEUS, Problem
from monitor.sources.alertmanager import AlertmanagerConfigError, read_config_file
from monitor.sources.kube_objects import Collected, ObjectReader
from monitor.sources.rules import RuleFileError, read_rule_file
from monitor.yamlio import YamlError, load_documents

_YAML = (".yaml", ".yml", ".json")


class Source(Protocol):
    """A system evidence comes from. `fetch` reads the whole fleet once."""

    name: str

    def fetch(self) -> Collected: ...


def expand(patterns: Sequence[str], base: Path) -> tuple[list[Path], list[str]]:
    """Files named by paths, folders (recursively) or globs; plus patterns that matched none."""
    files: list[Path] = []
    empty: list[str] = []
    for pattern in patterns:
        full = Path(pattern) if Path(pattern).is_absolute() else base / pattern
        if full.is_dir():
            found = sorted(p for p in full.rglob("*") if p.suffix in _YAML and p.is_file())
        elif any(ch in pattern for ch in "*?["):
            found = sorted(
                Path(p) for p in glob.glob(str(full), recursive=True) if Path(p).is_file()
            )
        else:
            found = [full] if full.is_file() else []
        if not found:
            empty.append(pattern)
        files.extend(found)
    return list(dict.fromkeys(files)), empty


def _rel(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


@dataclass
class ManifestFiles:
    """Kubernetes objects from manifest files (multi-document YAML, `List` kinds)."""

    patterns: Sequence[str]
    base: Path
    name: str = KUBERNETES

    def documents(
        self, files: Sequence[Path], reader: ObjectReader
    ) -> Iterator[tuple[object, str]]:
        for path in files:
            rel = _rel(path, self.base)
            try:
                for doc in load_documents(path):
                    yield doc.data, f"{rel}:{doc.line}"
            except YamlError as exc:
                reader.out.problems.append(Problem(KUBERNETES, None, f"cannot parse {exc}"))
            except OSError as exc:
                reader.out.problems.append(Problem(KUBERNETES, None, f"{rel}: {exc.strerror}"))

    def fetch(self) -> Collected:
        files, empty = expand(self.patterns, self.base)
        reader = ObjectReader()
        reader.out.problems.extend(
            Problem(KUBERNETES, None, f"manifests {p!r} matched no files") for p in empty
        )
        for obj, origin in self.documents(files, reader):
            reader.add(obj, origin)
        return reader.out


@dataclass
class RuleFiles:
    """Prometheus rule files (plain `groups:` files or PrometheusRule manifests)."""

    patterns: Sequence[str]
    base: Path
    name: str = PROMETHEUS

    def fetch(self) -> Collected:
        files, empty = expand(self.patterns, self.base)
        out = Collected()
        out.problems.extend(
            Problem(PROMETHEUS, None, f"rule files {p!r} matched no files") for p in empty
        )
        for path in files:
            try:
                out.rules.extend(read_rule_file(path))
            except RuleFileError as exc:
                out.problems.append(
                    Problem(PROMETHEUS, None, str(exc).replace(str(self.base) + "/", ""))
                )
        return out


@dataclass
class AlertmanagerFile:
    path: Path
    base: Path
    name: str = ALERTMANAGER

    def fetch(self) -> Collected:
        out = Collected()
        try:
            out.alertmanager = read_config_file(self.path)
        except AlertmanagerConfigError as exc:
            out.problems.append(
                Problem(ALERTMANAGER, None, str(exc).replace(str(self.base) + "/", ""))
            )
        return out
