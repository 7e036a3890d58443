"""Incident response: paging alerts with runbooks, severities that route somewhere real."""

from __future__ import annotations

import re
from collections.abc import Mapping

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
    missing = [a for a in paging if not a.runbook_url]
    if missing:
        return Finding.failed(
            f"{len(missing)} of {plural(len(paging), 'paging alert')} have no runbook: "
            + listing(sorted({a.name for a in missing})),
            tuple(f"{a.name} ({a.origin})" for a in missing[:50]),
        )
    return Finding.passed(
        f"all {plural(len(paging), 'paging alert')} link a runbook",
        tuple(f"{a.name}: {a.runbook_url}" for a in paging[:50]),
    )


_NO_INTEGRATION = "no integration"


_MATCHER = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(=~|!~|!=|=)(.*)$")
_SEVERITY_MATCHER = re.compile(r"^severity\s*(=~|=|!=|!~)")


def _matches(matcher: str, labels: Mapping[str, str]) -> bool:
    parsed = _MATCHER.match(matcher)
    if parsed is None:
        return False
    name, op, value = parsed.groups()
    actual = labels.get(name, "")
    if op in ("=", "!="):
        return (actual == value) == (op == "=")
    try:
        # Alertmanager anchors regular expressions at both ends.
        found = re.fullmatch(value, actual) is not None
    except re.error:
        return False
    return found == (op == "=~")


def route_paths(config: AlertmanagerConfig, labels: Mapping[str, str]) -> list[tuple[Route, ...]]:
    """Where Alertmanager sends an alert with these labels: each path from the root to a
    route that takes it (first matching child wins unless that child says `continue`)."""
    routes = config.routes

    def children(index: int) -> list[int]:
        depth = routes[index].depth
        out: list[int] = []
        for j in range(index + 1, len(routes)):
            if routes[j].depth <= depth:
                break
            if routes[j].depth == depth + 1:
                out.append(j)
        return out

    def walk(index: int, path: tuple[Route, ...]) -> list[tuple[Route, ...]]:
        found: list[tuple[Route, ...]] = []
        for child in children(index):
            route = routes[child]
            if all(_matches(m, labels) for m in route.matchers):
                found.extend(walk(child, (*path, route)))
                if not route.continue_:
                    break
        return found or [path]

    if not routes:
        return []
    return walk(0, (routes[0],))


@evaluator("severity-routing", PROMETHEUS, ALERTMANAGER)
def severity_routing(ctx: Context) -> Finding:
    """Severity labels on every alert, and routing that sends them somewhere real by severity.

    Routing is simulated as Alertmanager does it, with each alert's own labels: a severity
    route under a parent that the service's alerts never match does not count.
    """
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
    nowhere: list[str] = []
    by_severity = False
    reached: set[str] = set()
    evidence: list[str] = []
    for alert in alerts:
        paths = route_paths(config, alert.labels)
        kinds = {k for path in paths for k in config.receivers.get(path[-1].receiver, ())}
        if not kinds:
            nowhere.append(alert.name)
        reached.update(kinds)
        if any(_SEVERITY_MATCHER.match(m) for path in paths for r in path for m in r.matchers):
            by_severity = True
        if len(evidence) < 20:
            receivers = ", ".join(sorted({p[-1].receiver for p in paths}))
            evidence.append(
                f"{alert.name} (severity {alert.labels.get('severity', '-')}) -> "
                f"{receivers} ({', '.join(sorted(kinds)) or _NO_INTEGRATION})"
            )
    if nowhere:
        gaps.append(
            f"{plural(len(nowhere), 'alert')} of {len(alerts)} route to receivers with no "
            "integration: " + listing(sorted(set(nowhere)))
        )
    if not by_severity:
        gaps.append(
            f"Alertmanager ({config.origin}) routes none of the service's alerts on severity"
        )
    if gaps:
        return Finding.failed("; ".join(gaps), tuple(evidence))
    return Finding.passed(
        f"all {plural(len(alerts), 'alert')} carry a severity and are routed by it to "
        + listing(sorted(reached)),
        tuple(evidence),
    )


EVALUATORS: tuple[EvaluatorSpec, ...] = (paging_alert_runbooks, severity_routing)
