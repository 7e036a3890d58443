"""The bundled checklist and default tiers, read without pydantic so `readiness catalog` starts
fast: the CLI's catalog verb needs neither the config models nor their validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from checks.catalog import CatalogError, parse_catalog
from checks.evaluate import EVALUATORS
from checks.model import Catalog
from monitor.errors import ConfigError
from monitor.yamlio import YamlError, load_located


def bundled_config_dir() -> Path:
    """`config/` of a source checkout, or its copy inside an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_bundled" / "config", here.parent / "config"):
        if (candidate / "checklist.yaml").is_file():
            return candidate
    raise ConfigError("cannot find the bundled checklist (config/checklist.yaml)")


def load_catalog() -> Catalog:
    path = bundled_config_dir() / "checklist.yaml"
    try:
        return parse_catalog(load_located(path).data, EVALUATORS)
    except (YamlError, CatalogError) as exc:
        raise ConfigError(str(exc), where=str(path)) from None


def default_tiers() -> dict[str, Any]:
    path = bundled_config_dir() / "tiers.yaml"
    try:
        data = load_located(path).data
    except YamlError as exc:
        raise ConfigError(str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("tiers"), dict):
        raise ConfigError("must hold a 'tiers' mapping", where=str(path))
    return dict(data["tiers"])
