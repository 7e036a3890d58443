"""The audit JSON (DESIGN section 5): one dict shape shared by the CLI and /api/v1/report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from checks.model import ItemResult, Report, ServiceResult, Status


def _iso(value: Any) -> str:
    return str(value.isoformat().replace("+00:00", "Z"))


def _round(ratio: float | None) -> float | None:
    return None if ratio is None else round(ratio, 4)


def item_dict(r: ItemResult, since: datetime | None = None) -> dict[str, Any]:
    out = {
        "id": r.item.id,
        "dimension": r.item.dimension,
        "title": r.item.title,
        "status": r.status.value,
        "required": r.required,
        "requirement": r.requirement.value,
        "severity": r.item.severity.value,
        "summary": r.summary,
        "evidence": list(r.evidence),
        "remediation": r.item.remediation,
        "answer": None
        if r.answer is None
        else {
            "kind": r.answer.kind.value,
            "owner": r.answer.owner,
            "text": r.answer.text,
            "lapses_at": _iso(r.answer.lapses_at),
        },
    }
    if since is not None:
        out["since"] = _iso(since)
    return out


def service_dict(
    s: ServiceResult,
    dimensions: list[str],
    since: Mapping[tuple[str, str], datetime] | None = None,
) -> dict[str, Any]:
    since = since or {}
    return {
        "name": s.service.name,
        "tier": s.policy.name,
        "team": s.service.team,
        "namespace": s.service.namespace,
        "score": _round(s.score()),
        "scores": {d: _round(s.score(d)) for d in dimensions},
        "unnamed_gaps": s.unnamed_gaps,
        "items": [item_dict(r, since.get((s.service.name, r.item.id))) for r in s.items],
    }


def summary_dict(report: Report) -> dict[str, Any]:
    counts = Counter(r.status.value for s in report.services for r in s.items)
    return {
        "services": len(report.services),
        "failing": report.failing,
        "statuses": {s.value: counts.get(s.value, 0) for s in Status},
    }


def report_dict(
    report: Report,
    since: Mapping[tuple[str, str], datetime] | None = None,
    only: str | None = None,
) -> dict[str, Any]:
    """The audit JSON; with `since` (the daemon) each item also says since when it holds.

    `only` keeps one service's entries and priorities (ranks as in the whole fleet) and the
    fleet-wide summary, without building the other services' entries.
    """
    dimensions = [d.id for d in report.catalog.dimensions]
    summary = summary_dict(report)
    if only is not None:
        report = replace(
            report,
            services=tuple(s for s in report.services if s.service.name == only),
            priorities=tuple(p for p in report.priorities if p.service == only),
        )
    return {
        "generated_at": _iso(report.generated_at),
        "summary": summary,
        "services": [service_dict(s, dimensions, since) for s in report.services],
        "priorities": [
            {
                "rank": p.rank,
                "service": p.service,
                "tier": p.tier,
                "item": p.item.id,
                "title": p.item.title,
                "status": p.status.value,
                "severity": p.item.severity.value,
                "weight": p.weight,
                "summary": p.summary,
                "remediation": p.item.remediation,
            }
            for p in report.priorities
        ],
    }
