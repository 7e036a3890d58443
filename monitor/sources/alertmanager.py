"""Alertmanager configuration to a flattened route tree and receiver integration types.

Accepts alertmanager.yml as a file, or embedded in a Secret's `stringData.alertmanager.yaml`
(how kube-prometheus ships it), or the `config.original` text that /api/v2/status returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from checks.evidence import AlertmanagerConfig, Route
from monitor.yamlio import SafeLoader, YamlError, load_documents


class AlertmanagerConfigError(ValueError):
    pass


def _matchers(route: Mapping[str, Any], where: str, origin: str) -> tuple[str, ...]:
    out: list[str] = []
    for key, op in (("match", "="), ("match_re", "=~")):
        raw = route.get(key) or {}
        if not isinstance(raw, Mapping):
            raise AlertmanagerConfigError(f"{origin}: {where}.{key} must be a mapping")
        out.extend(f"{k}{op}{v}" for k, v in raw.items())
    matchers = route.get("matchers") or []
    if not isinstance(matchers, list):
        raise AlertmanagerConfigError(f"{origin}: {where}.matchers must be a list")
    # Matcher strings are `label op value` with optional quotes and spaces.
    out.extend(str(m).replace(" ", "").replace('"', "") for m in matchers)
    return tuple(out)


def parse_config(data: object, origin: str) -> AlertmanagerConfig:
    if not isinstance(data, Mapping):
        raise AlertmanagerConfigError(f"{origin}: not an Alertmanager config (expected a mapping)")
    root = data.get("route")
    if not isinstance(root, Mapping):
        raise AlertmanagerConfigError(f"{origin}: no top-level route")
    routes: list[Route] = []

    def walk(node: Mapping[str, Any], depth: int, inherited: str, where: str) -> None:
        receiver = str(node.get("receiver") or inherited)
        routes.append(
            Route(receiver, _matchers(node, where, origin), depth, node.get("continue") is True)
        )
        children = node.get("routes") or []
        if not isinstance(children, list):
            raise AlertmanagerConfigError(f"{origin}: {where}.routes must be a list")
        for i, child in enumerate(children):
            if not isinstance(child, Mapping):
                raise AlertmanagerConfigError(f"{origin}: {where}.routes[{i}] must be a mapping")
            walk(child, depth + 1, receiver, f"{where}.routes[{i}]")

    walk(root, 0, "", "route")
    receivers: dict[str, tuple[str, ...]] = {}
    raw_receivers = data.get("receivers") or []
    if not isinstance(raw_receivers, list):
        raise AlertmanagerConfigError(f"{origin}: receivers must be a list")
    for i, r in enumerate(raw_receivers):
        if not isinstance(r, Mapping) or not r.get("name"):
            raise AlertmanagerConfigError(f"{origin}: receivers[{i}] needs a name")
        receivers[str(r["name"])] = tuple(
            sorted(
                k.removesuffix("_configs")
                for k, v in r.items()
                if isinstance(k, str) and k.endswith("_configs") and v
            )
        )
    return AlertmanagerConfig(origin, tuple(routes), receivers)


def read_config_file(path: Path) -> AlertmanagerConfig:
    try:
        docs = [d for d in load_documents(path) if d.data is not None]
    except YamlError as exc:
        raise AlertmanagerConfigError(str(exc)) from None
    except OSError as exc:
        raise AlertmanagerConfigError(f"{path}: {exc.strerror}") from None
    if len(docs) != 1:
        raise AlertmanagerConfigError(f"{path}: expected one YAML document, found {len(docs)}")
    data = docs[0].data
    if isinstance(data, Mapping) and data.get("kind") == "Secret":
        string_data = data.get("stringData")
        embedded = (
            string_data.get("alertmanager.yaml") if isinstance(string_data, Mapping) else None
        )
        if not isinstance(embedded, str):
            raise AlertmanagerConfigError(f"{path}: Secret has no stringData.alertmanager.yaml")
        return parse_text(embedded, f"{path.name} (Secret)")
    return parse_config(data, path.name)


def parse_text(text: str, origin: str) -> AlertmanagerConfig:
    try:
        data = yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError as exc:
        raise AlertmanagerConfigError(f"{origin}: not YAML: {exc}") from None
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as exc:
        raise AlertmanagerConfigError(f"{origin}: cannot read a value: {exc}") from None
    return parse_config(data, origin)
