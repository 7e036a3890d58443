"""Prometheus rules: rule files and PrometheusRule groups to typed `Rule` evidence.

The same `groups:` shape arrives three ways (a rule file, a PrometheusRule object's spec, the
HTTP API's /api/v1/rules); all three end in `parse_groups`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from checks.evidence import Rule
from monitor.yamlio import YamlError, load_documents


class RuleFileError(ValueError):
    """A rule file or group is malformed; the message names group and rule."""


def _labels(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RuleFileError(f"{where} must be a mapping")
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def parse_groups(groups: object, origin: str, namespace: str = "") -> list[Rule]:
    if groups is None:
        return []
    if not isinstance(groups, list):
        raise RuleFileError("groups must be a list")
    rules: list[Rule] = []
    for gi, group in enumerate(groups):
        if not isinstance(group, Mapping):
            raise RuleFileError(f"groups[{gi}] must be a mapping")
        gname = str(group.get("name") or f"groups[{gi}]")
        entries = group.get("rules")
        if entries is None:  # seen in the wild: a group with `rules:` and nothing under it
            continue
        if not isinstance(entries, list):
            raise RuleFileError(f"group {gname!r}: rules must be a list")
        for ri, entry in enumerate(entries):
            where = f"group {gname!r} rules[{ri}]"
            if not isinstance(entry, Mapping):
                raise RuleFileError(f"{where} must be a mapping")
            kind: Literal["alert", "record"]
            if "alert" in entry:
                kind, name = "alert", entry["alert"]
            elif "record" in entry:
                kind, name = "record", entry["record"]
            else:
                raise RuleFileError(f"{where} has neither alert nor record")
            expr = entry.get("expr", entry.get("query"))
            if not isinstance(name, str) or not name or expr is None:
                raise RuleFileError(f"{where}: needs a name and an expr")
            rules.append(
                Rule(
                    kind=kind,
                    name=name,
                    expr=str(expr),
                    labels=_labels(entry.get("labels"), f"{where} labels"),
                    annotations=_labels(entry.get("annotations"), f"{where} annotations"),
                    group=gname,
                    origin=origin,
                    namespace=namespace,
                )
            )
    return rules


def read_rule_file(path: Path) -> list[Rule]:
    """Every rule in a file: plain rule files and PrometheusRule manifests alike."""
    rules: list[Rule] = []
    try:
        for doc in load_documents(path):
            data: Any = doc.data
            if data is None:
                continue
            if not isinstance(data, Mapping):
                raise RuleFileError(f"{path}:{doc.line}: expected a mapping with groups")
            origin = f"{path.name}:{doc.line}"
            if data.get("kind") == "PrometheusRule":
                spec = data.get("spec") if isinstance(data.get("spec"), Mapping) else {}
                meta = data.get("metadata") if isinstance(data.get("metadata"), Mapping) else {}
                assert isinstance(spec, Mapping)
                assert isinstance(meta, Mapping)
                try:
                    rules.extend(
                        parse_groups(spec.get("groups"), origin, str(meta.get("namespace") or ""))
                    )
                except RuleFileError as exc:
                    raise RuleFileError(f"{path}:{doc.line}: {exc}") from None
            elif "groups" in data:
                try:
                    rules.extend(parse_groups(data.get("groups"), origin))
                except RuleFileError as exc:
                    raise RuleFileError(f"{path}:{doc.line}: {exc}") from None
            else:
                raise RuleFileError(f"{path}:{doc.line}: no 'groups' (not a Prometheus rule file)")
    except YamlError as exc:
        raise RuleFileError(str(exc)) from None
    except OSError as exc:
        raise RuleFileError(f"{path}: {exc.strerror}") from None
    return rules
