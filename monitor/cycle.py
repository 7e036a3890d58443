"""The immutable result of one evaluation cycle: what the exporter, API and page read.

A cycle result is built once and swapped in whole; readers never see half a cycle, and a scrape
never waits for evaluation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from checks.data import newest_restore
from checks.evidence import PROMETHEUS, ServiceEvidence
from checks.model import Report


@dataclass(frozen=True, slots=True)
class SourceHealth:
    name: str
    up: bool
    last_success: datetime | None
    error: str = ""  # never holds a secret: sources build it from status codes and reasons


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    """Per-service numbers the metrics export beyond item statuses."""

    restore_last_success: datetime | None = None
    backup_last_success: datetime | None = None
    # runbook state ("ok", "missing", "broken") -> alerting rules in that state
    alert_rules: Mapping[str, int] = field(default_factory=dict)


def service_facts(evidence: ServiceEvidence, now: datetime) -> ServiceFacts:
    restore, _ = newest_restore(evidence, now)
    backups = [b.completed for b in evidence.backups if b.phase == "Completed" and b.completed]
    if PROMETHEUS in evidence.problems:  # rules unknown: no counts rather than false zeros
        return ServiceFacts(restore, max(backups, default=None), {})
    alerts = evidence.alerts
    with_runbook = sum(1 for a in alerts if a.runbook_url)
    return ServiceFacts(
        restore_last_success=restore,
        backup_last_success=max(backups, default=None),
        alert_rules={"ok": with_runbook, "missing": len(alerts) - with_runbook, "broken": 0},
    )


@dataclass(frozen=True, slots=True)
class CycleResult:
    report: Report
    finished_at: datetime
    duration_seconds: float
    # (service, item) -> when the item entered its current status
    since: Mapping[tuple[str, str], datetime]
    facts: Mapping[str, ServiceFacts]
    sources: Mapping[str, SourceHealth]
    evaluator_errors: int = 0
