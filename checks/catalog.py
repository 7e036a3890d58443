"""The catalog loader: checklist data (already parsed from YAML) to `Catalog`.

Validation is strict because ids are a contract: dashboards and alert rules name them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from checks.model import Catalog, Dimension, Item, Severity


class CatalogError(ValueError):
    """The checklist data is malformed; the message names the item and field."""


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where}: field {key!r} must be a non-empty string")
    return value.strip()


def parse_catalog(raw: object, known_evaluators: Iterable[str]) -> Catalog:
    if not isinstance(raw, Mapping):
        raise CatalogError("checklist: top level must be a mapping with dimensions and items")
    evaluators = set(known_evaluators)
    dimensions: list[Dimension] = []
    for i, d in enumerate(raw.get("dimensions") or ()):
        where = f"dimensions[{i}]"
        if not isinstance(d, Mapping):
            raise CatalogError(f"{where}: must be a mapping")
        dimensions.append(
            Dimension(
                _text(d, "id", where), _text(d, "title", where), _text(d, "description", where)
            )
        )
    dimension_ids = {d.id for d in dimensions}
    items: list[Item] = []
    seen: set[str] = set()
    for i, it in enumerate(raw.get("items") or ()):
        where = f"items[{i}]"
        if not isinstance(it, Mapping):
            raise CatalogError(f"{where}: must be a mapping")
        item_id = _text(it, "id", where)
        where = f"item {item_id}"
        dimension, _, slug = item_id.partition(".")
        if dimension not in dimension_ids or not slug:
            raise CatalogError(f"{where}: id must be <dimension>.<slug> with a known dimension")
        if item_id in seen:
            raise CatalogError(f"{where}: duplicate id")
        seen.add(item_id)
        severity_text = _text(it, "severity", where)
        try:
            severity = Severity(severity_text)
        except ValueError:
            allowed = ", ".join(s.value for s in Severity)
            raise CatalogError(
                f"{where}: severity {severity_text!r} is not one of {allowed}"
            ) from None
        names = it.get("evaluators") or []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise CatalogError(f"{where}: evaluators must be a list of names")
        unknown = [n for n in names if n not in evaluators]
        if unknown:
            raise CatalogError(f"{where}: unknown evaluator(s) {', '.join(unknown)}")
        items.append(
            Item(
                id=item_id,
                dimension=dimension,
                title=_text(it, "title", where),
                question=_text(it, "question", where),
                why=_text(it, "why", where),
                remediation=_text(it, "remediation", where),
                severity=severity,
                evaluators=tuple(names),
            )
        )
    return Catalog.of(tuple(dimensions), tuple(items))
