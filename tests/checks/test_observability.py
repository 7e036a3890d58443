"""Observability evaluators: symptom alerts, runbook links, SLO rules, tracing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from evidence_factories import (
    NOW,
    STANDARD,
    alert,
    container,
    env,
    record,
    service,
    workload,
)

from checks.context import Context, EvaluatorSpec
from checks.evidence import Rule, ServiceEvidence
from checks.model import Finding, Outcome, ServiceSpec, Slo
from checks.observability import (
    alert_runbook_annotations,
    otel_instrumentation,
    slo_rules,
    symptom_alert_rules,
)

PAYMENTS = service()
ERROR_RATE = (
    'sum(rate(http_requests_total{job="payments",code=~"5.."}[5m]))'
    ' / sum(rate(http_requests_total{job="payments"}[5m])) > 0.01'
)
P95_LATENCY = (
    "histogram_quantile(0.95, sum by (le) "
    '(rate(http_request_duration_seconds_bucket{job="payments"}[5m]))) > 0.3'
)
CPU = 'sum(rate(container_cpu_usage_seconds_total{namespace="payments"}[5m])) > 4'


def run(spec: EvaluatorSpec, evidence: ServiceEvidence, svc: ServiceSpec = PAYMENTS) -> Finding:
    return spec.fn(Context(svc, STANDARD, evidence, NOW))


def rules(*found: Rule) -> ServiceEvidence:
    return ServiceEvidence(rules=found)


# --- symptom-alert-rules -------------------------------------------------------------------

SYMPTOM_ALERTS = [
    pytest.param(
        rules(alert("PaymentsHighErrorRate", ERROR_RATE), alert("PaymentsHighCpu", CPU)),
        Outcome.PASS,
        "1 symptom alert of 2: PaymentsHighErrorRate",
        id="an-error-rate-alert-passes",
    ),
    pytest.param(
        rules(alert("PaymentsCheckoutP95", P95_LATENCY)),
        Outcome.PASS,
        "1 symptom alert of 1: PaymentsCheckoutP95",
        id="a-latency-histogram-alert-passes",
    ),
    pytest.param(
        rules(alert("PaymentsEndpointDown", 'probe_success{job="blackbox"} == 0')),
        Outcome.PASS,
        "1 symptom alert of 1",
        id="a-blackbox-probe-alert-passes",
    ),
    pytest.param(
        rules(
            alert("PaymentsHighCpu", CPU),
            alert("PaymentsMemory", "container_memory_working_set_bytes > 1e9"),
        ),
        Outcome.FAIL,
        "2 alerting rules, none on user-facing errors or latency "
        "(cause alerts: PaymentsHighCpu, PaymentsMemory)",
        id="cpu-and-memory-only-fails-naming-the-cause-alerts",
    ),
    pytest.param(
        rules(
            alert(
                "PaymentsPodRestarts", "increase(kube_pod_container_status_restarts_total[1h]) > 3"
            )
        ),
        Outcome.FAIL,
        "1 alerting rule, none on user-facing errors or latency",
        id="an-unclassified-alert-is-not-a-symptom",
    ),
    pytest.param(
        rules(record("slo:payments_errors:ratio_rate5m", ERROR_RATE)),
        Outcome.FAIL,
        "no alerting rules for the service",
        id="recording-rules-alone-fail",
    ),
    pytest.param(
        rules(),
        Outcome.FAIL,
        "no alerting rules for the service",
        id="no-rules-fails",
    ),
    pytest.param(
        rules(
            alert("AwsRdsLowFreeStorageSpace", "aws_rds_free_storage_space_average < 2000000000")
        ),
        Outcome.FAIL,
        "none on user-facing errors or latency",
        id="a-disk-space-alert-named-rds-low-is-not-a-symptom",
    ),
    pytest.param(
        rules(alert("PostgresqlUnusedReplicationSlot", "pg_replication_slots_active == 0")),
        Outcome.FAIL,
        "none on user-facing errors or latency",
        id="a-replication-slot-alert-is-not-a-symptom",
    ),
]


@pytest.mark.parametrize(("evidence", "outcome", "summary"), SYMPTOM_ALERTS)
def test_symptom_alerts_need_one_alert_on_user_facing_errors_or_latency(
    evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(symptom_alert_rules, evidence)
    assert finding.outcome is outcome
    assert summary in finding.summary


# --- alert-runbook-annotations -------------------------------------------------------------

RUNBOOK_ANNOTATIONS = [
    pytest.param(
        rules(alert("PaymentsHighErrorRate"), alert("PaymentsCheckoutP95", P95_LATENCY)),
        Outcome.PASS,
        "all 2 alerting rules link a runbook",
        id="every-alert-with-a-runbook-passes",
    ),
    pytest.param(
        rules(alert("PaymentsHighErrorRate"), alert("PaymentsHighCpu", CPU, runbook=None)),
        Outcome.FAIL,
        "1 of 2 alerting rules have no runbook_url: PaymentsHighCpu",
        id="one-alert-without-a-runbook-fails",
    ),
    pytest.param(
        rules(alert("PaymentsHighErrorRate", runbook="   ")),
        Outcome.FAIL,
        "1 of 1 alerting rule have no runbook_url: PaymentsHighErrorRate",
        id="a-blank-runbook-url-counts-as-none",
    ),
    pytest.param(
        rules(alert("PaymentsHighErrorRate"), record("payments:requests:rate5m")),
        Outcome.PASS,
        "all 1 alerting rule link a runbook",
        id="recording-rules-need-no-runbook",
    ),
    pytest.param(
        rules(),
        Outcome.FAIL,
        "no alerting rules for the service, so no runbook links",
        id="no-alerts-fails",
    ),
]


@pytest.mark.parametrize(("evidence", "outcome", "summary"), RUNBOOK_ANNOTATIONS)
def test_alert_runbooks_require_a_runbook_url_on_every_alert(
    evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(alert_runbook_annotations, evidence)
    assert finding.outcome is outcome
    assert summary in finding.summary


def test_duplicate_alert_names_are_counted_per_rule_and_listed_once() -> None:
    evidence = rules(
        alert("PaymentsHighErrorRate", severity="warning", runbook=None),
        alert("PaymentsHighErrorRate", severity="critical", runbook=None),
        alert("PaymentsCheckoutP95", P95_LATENCY),
    )
    finding = run(alert_runbook_annotations, evidence)
    assert finding.summary == "2 of 3 alerting rules have no runbook_url: PaymentsHighErrorRate"
    assert len(finding.evidence) == 2


# --- slo-rules -----------------------------------------------------------------------------

BOTH_OBJECTIVES = service(slo=Slo(timedelta(milliseconds=300), 0.001))
LATENCY_ONLY = service(slo=Slo(timedelta(milliseconds=300), None))
SLO_RECORD = record("slo:payments_errors:ratio_rate5m", ERROR_RATE)

SLO_RULES = [
    pytest.param(
        BOTH_OBJECTIVES,
        rules(SLO_RECORD),
        Outcome.PASS,
        "objectives p95 latency 300ms, error rate 0.100%; 1 SLO rule: "
        "slo:payments_errors:ratio_rate5m",
        id="objectives-and-an-slo-recording-rule-pass",
    ),
    pytest.param(
        BOTH_OBJECTIVES,
        rules(alert("PaymentsErrorBudgetBurn", "payments:burnrate5m > 14.4")),
        Outcome.PASS,
        "1 SLO rule: PaymentsErrorBudgetBurn",
        id="a-burn-rate-alert-counts",
    ),
    pytest.param(
        service(),
        rules(SLO_RECORD),
        Outcome.FAIL,
        "no p95 latency objective declared (config: services[].slo.latency_p95); "
        "no error-rate objective declared",
        id="no-declared-objectives-fails",
    ),
    pytest.param(
        LATENCY_ONLY,
        rules(SLO_RECORD),
        Outcome.FAIL,
        "no error-rate objective declared (config: services[].slo.error_rate)",
        id="a-missing-error-rate-objective-fails",
    ),
    pytest.param(
        BOTH_OBJECTIVES,
        rules(alert("PaymentsHighCpu", CPU)),
        Outcome.FAIL,
        "no SLI/SLO/burn-rate recording or alerting rules for the service",
        id="objectives-without-slo-rules-fail",
    ),
    pytest.param(
        BOTH_OBJECTIVES,
        rules(record("job:flink_task_slots_available:sum", "sum(flink_taskmanager_slots)")),
        Outcome.FAIL,
        "no SLI/SLO/burn-rate recording or alerting rules",
        id="a-task-slots-rule-is-not-an-slo-rule",
    ),
]


@pytest.mark.parametrize(("svc", "evidence", "outcome", "summary"), SLO_RULES)
def test_slo_rules_need_declared_objectives_and_sli_rules(
    svc: ServiceSpec, evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(slo_rules, evidence, svc)
    assert finding.outcome is outcome
    assert summary in finding.summary


# --- otel-instrumentation ------------------------------------------------------------------

INJECT_JAVA = {"instrumentation.opentelemetry.io/inject-java": "true"}

OTEL = [
    pytest.param(
        ServiceEvidence(workloads=(workload("api", pod_annotations=INJECT_JAVA),)),
        Outcome.PASS,
        "all 1 workload export traces",
        id="operator-injection-on-the-pod-passes",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api", annotations=INJECT_JAVA),)),
        Outcome.PASS,
        "all 1 workload export traces",
        id="operator-injection-on-the-workload-passes",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(
                workload(
                    "api",
                    container("app", env=(env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel:4318"),)),
                ),
            )
        ),
        Outcome.PASS,
        "all 1 workload export traces",
        id="otlp-endpoint-env-passes",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(
                workload(
                    "api", pod_annotations={"instrumentation.opentelemetry.io/inject-java": "false"}
                ),
            )
        ),
        Outcome.FAIL,
        "1 of 1 workload have no OpenTelemetry env or injection annotation: Deployment/api",
        id="injection-set-to-false-fails",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api", pod_annotations=INJECT_JAVA), workload("worker"))
        ),
        Outcome.FAIL,
        "1 of 2 workloads have no OpenTelemetry env or injection annotation: Deployment/worker",
        id="one-untraced-workload-fails",
    ),
    pytest.param(
        ServiceEvidence(),
        Outcome.NO_EVIDENCE,
        "no workloads found",
        id="no-workloads-is-no-evidence",
    ),
]


@pytest.mark.parametrize(("evidence", "outcome", "summary"), OTEL)
def test_otel_instrumentation_needs_env_or_injection_on_every_workload(
    evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(otel_instrumentation, evidence)
    assert finding.outcome is outcome
    assert summary in finding.summary
