"""Incident evaluators: runbooks on paging alerts, severities routed to a real receiver."""

from __future__ import annotations

import pytest
from evidence_factories import NOW, STANDARD, alert, alertmanager, record, route, service

from checks.context import Context, EvaluatorSpec
from checks.evidence import AlertmanagerConfig, Rule, ServiceEvidence
from checks.incident import paging_alert_runbooks, severity_routing
from checks.model import Finding, Outcome

PAYMENTS = service()


def run(spec: EvaluatorSpec, evidence: ServiceEvidence) -> Finding:
    return spec.fn(Context(PAYMENTS, STANDARD, evidence, NOW))


# --- paging-alert-runbooks -----------------------------------------------------------------

PAGING = [
    pytest.param(
        (
            alert("PaymentsDown", severity="critical"),
            alert("PaymentsSlow", severity="warning", runbook=None),
        ),
        Outcome.PASS,
        "all 1 paging alert link a runbook",
        id="critical-alerts-with-runbooks-pass-warnings-need-none",
    ),
    pytest.param(
        (alert("PaymentsDown", severity="critical", runbook=None),),
        Outcome.FAIL,
        "1 of 1 paging alert have no runbook: PaymentsDown",
        id="a-critical-alert-without-a-runbook-fails",
    ),
    pytest.param(
        (
            alert("PaymentsDown", severity="page", runbook=None),
            alert("PaymentsErrors", severity="P1"),
        ),
        Outcome.FAIL,
        "1 of 2 paging alerts have no runbook: PaymentsDown",
        id="page-and-p1-severities-page-too",
    ),
    pytest.param(
        (alert("PaymentsSlow", severity="warning"),),
        Outcome.FAIL,
        "no paging alerts (severity critical/page) among 1 alert",
        id="no-paging-alert-fails",
    ),
    pytest.param(
        (record("payments:errors:rate5m"),),
        Outcome.FAIL,
        "among 0 alerts",
        id="recording-rules-are-not-alerts",
    ),
]


@pytest.mark.parametrize(("found", "outcome", "summary"), PAGING)
def test_paging_alerts_need_runbooks(
    found: tuple[Rule, ...], outcome: Outcome, summary: str
) -> None:
    finding = run(paging_alert_runbooks, ServiceEvidence(rules=found))
    assert finding.outcome is outcome
    assert summary in finding.summary


# --- severity-routing ----------------------------------------------------------------------

PAGER = {"default": ("email",), "payments-pager": ("pagerduty",), "blackhole": ()}
ROUTED = alertmanager(route("payments-pager", "severity=critical"), receivers=PAGER)
CRITICAL_ALERT = (alert("PaymentsDown", severity="critical"),)

SEVERITY_ROUTING = [
    pytest.param(
        CRITICAL_ALERT,
        ROUTED,
        Outcome.PASS,
        "all 1 alert carry a severity and are routed by it to pagerduty",
        id="severity-routed-to-pagerduty-passes",
    ),
    pytest.param(
        CRITICAL_ALERT,
        alertmanager(route("payments-pager", "severity=~critical|warning"), receivers=PAGER),
        Outcome.PASS,
        "routed by it to pagerduty",
        id="a-regex-severity-matcher-counts",
    ),
    pytest.param(
        (),
        ROUTED,
        Outcome.FAIL,
        "no alerting rules for the service, so nothing to escalate",
        id="no-alerts-fails",
    ),
    pytest.param(
        (
            *CRITICAL_ALERT,
            alert("PaymentsOdd", severity=None),
            alert("PaymentsBlank", severity=" "),
        ),
        ROUTED,
        Outcome.FAIL,
        "2 of 3 alerts have no severity label: PaymentsBlank, PaymentsOdd",
        id="alerts-without-a-severity-fail",
    ),
    pytest.param(
        CRITICAL_ALERT,
        None,
        Outcome.FAIL,
        "no Alertmanager configuration to route severities",
        id="no-alertmanager-config-fails",
    ),
    pytest.param(
        CRITICAL_ALERT,
        alertmanager(route("payments-pager", "team=payments"), receivers=PAGER),
        Outcome.FAIL,
        "Alertmanager (alertmanager.yml) routes none of the service's alerts on severity",
        id="routes-not-on-severity-fail",
    ),
    pytest.param(
        CRITICAL_ALERT,
        alertmanager(route("blackhole", "severity=critical"), receivers=PAGER),
        Outcome.FAIL,
        "1 alert of 1 route to receivers with no integration: PaymentsDown",
        id="a-severity-route-to-a-null-receiver-fails",
    ),
    pytest.param(
        CRITICAL_ALERT,
        alertmanager(route("nowhere", "severity=critical"), receivers=PAGER),
        Outcome.FAIL,
        "route to receivers with no integration: PaymentsDown",
        id="a-severity-route-to-an-undefined-receiver-fails",
    ),
    pytest.param(
        CRITICAL_ALERT,
        alertmanager(
            route("blackhole", "severity=warning"),
            route("payments-pager", "severity=critical"),
            receivers=PAGER,
        ),
        Outcome.PASS,
        "routed by it to pagerduty",
        id="one-real-severity-route-is-enough",
    ),
    pytest.param(
        CRITICAL_ALERT,
        alertmanager(
            route("team-files", "service=files"),
            route("payments-pager", "severity=critical", depth=2),
            receivers={**PAGER, "team-files": ("email",)},
        ),
        Outcome.FAIL,
        "routes none of the service's alerts on severity",
        id="a-severity-route-under-a-parent-the-alerts-never-match-does-not-count",
    ),
    pytest.param(
        (alert("PaymentsDown", severity="critical", labels={"service": "payments"}),),
        alertmanager(
            route("team-payments", "service=payments"),
            route("payments-pager", "severity=critical", depth=2),
            receivers={**PAGER, "team-payments": ("email",)},
        ),
        Outcome.PASS,
        "routed by it to pagerduty",
        id="a-nested-severity-route-the-alerts-reach-counts",
    ),
]


@pytest.mark.parametrize(("found", "config", "outcome", "summary"), SEVERITY_ROUTING)
def test_severity_routing_needs_labelled_alerts_and_a_route_to_a_real_receiver(
    found: tuple[Rule, ...], config: AlertmanagerConfig | None, outcome: Outcome, summary: str
) -> None:
    finding = run(severity_routing, ServiceEvidence(rules=found, alertmanager=config))
    assert finding.outcome is outcome
    assert summary in finding.summary


def test_severity_routing_evidence_shows_where_each_alert_lands() -> None:
    config = alertmanager(
        route("blackhole", "severity=warning"),
        route("payments-pager", "severity=critical"),
        receivers=PAGER,
    )
    finding = run(severity_routing, ServiceEvidence(rules=CRITICAL_ALERT, alertmanager=config))
    assert finding.evidence == ("PaymentsDown (severity critical) -> payments-pager (pagerduty)",)
