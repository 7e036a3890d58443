"""Incident response: paging alerts with runbooks, severities that route somewhere real."""

from __future__ import annotations

import re

from checks.context import Context, EvaluatorSpec, evaluator, listing, plural
from checks.evidence import ALERTMANAGER, PROMETHEUS, AlertmanagerConfig, Route
from checks.model import Finding

PAGING_SEVERITIES = frozenset({"critical", "page", "p1", "sev1", "emergency"})


@evaluator("paging-alert-runbooks", PROMETHEUS)
def paging_alert_runbooks(ctx: Context) -> Finding:
    alerts = ctx.evidence.alerts
    paging = [a for a in alerts if a.labels.get("severity", "").lower() in PAGING_SEVERITIES]
    if not paging:
        return Finding.failed(
            f"no paging alerts (severity critical/page) among {plural(len(alerts), 'alert')}"
        )
    missing = [a for a in paging if not a.annotations.get("runbook_url", "").strip()]
    if missing:
        return Finding.failed(
            f"{len(missing)} of {plural(len(paging), 'paging alert')} have no runbook: "
            + listing(sorted({a.name for a in missing})),
            tuple(f"{a.name} ({a.origin})" for a in missing[:50]),
        )
    return Finding.passed(
        f"all {plural(len(paging), 'paging alert')} link a runbook",
        tuple(f"{a.name}: {a.annotations['runbook_url']}" for a in paging[:50]),
    )


_SEVERITY_MATCHER = re.compile(r"^severity\s*(=~|=|!=|!~)")
_NO_INTEGRATION = "no integration"


def severity_routes(config: AlertmanagerConfig) -> list[tuple[Route, tuple[str, ...]]]:
    """Routes that select on `severity`, with their receiver's integration types."""
    return [
        (route, config.receivers.get(route.receiver, ()))
        for route in config.routes
        if any(_SEVERITY_MATCHER.match(m) for m in route.matchers)
    ]


@evaluator("severity-routing", PROMETHEUS, ALERTMANAGER)
def severity_routing(ctx: Context) -> Finding:
    alerts = ctx.evidence.alerts
    if not alerts:
        return Finding.failed("no alerting rules for the service, so nothing to escalate")
    unlabelled = sorted({a.name for a in alerts if not a.labels.get("severity", "").strip()})
    config = ctx.evidence.alertmanager
    gaps: list[str] = []
    if unlabelled:
        gaps.append(
            f"{len(unlabelled)} of {plural(len(alerts), 'alert')} have no severity label: "
            + listing(unlabelled)
        )
    if config is None:
        gaps.append("no Alertmanager configuration to route severities")
        return Finding.failed("; ".join(gaps))
    routes = severity_routes(config)
    real = [(r, kinds) for r, kinds in routes if kinds]
    if not routes:
        gaps.append(f"Alertmanager ({config.origin}) has no route on the severity label")
    elif not real:
        gaps.append(
            "severity routes lead only to receivers with no integration: "
            + listing(sorted({r.receiver for r, _ in routes}))
        )
    evidence = tuple(
        f"route {' '.join(r.matchers)} -> {r.receiver} ({', '.join(kinds) or _NO_INTEGRATION})"
        for r, kinds in routes
    )
    if gaps:
        return Finding.failed("; ".join(gaps), evidence)
    return Finding.passed(
        f"all {plural(len(alerts), 'alert')} carry a severity; "
        f"{plural(len(real), 'severity route')} reach "
        + listing(sorted({k for _, kinds in real for k in kinds})),
        evidence,
    )


EVALUATORS: tuple[EvaluatorSpec, ...] = (paging_alert_runbooks, severity_routing)
