"""Capacity evaluators: HPA bounds and metrics, resource requests and limits."""

from __future__ import annotations

import pytest
from evidence_factories import (
    CRITICAL,
    NOW,
    STANDARD,
    container,
    daemonset,
    hpa,
    service,
    statefulset,
    workload,
)

from checks.capacity import hpa as hpa_evaluator
from checks.capacity import resource_limits
from checks.context import Context, EvaluatorSpec
from checks.evidence import ServiceEvidence
from checks.model import Finding, Outcome, TierPolicy

PAYMENTS = service()


def run(spec: EvaluatorSpec, evidence: ServiceEvidence, policy: TierPolicy = STANDARD) -> Finding:
    return spec.fn(Context(PAYMENTS, policy, evidence, NOW))


# --- hpa -----------------------------------------------------------------------------------

HPA = [
    pytest.param(
        ServiceEvidence(workloads=(workload("api"),), autoscalers=(hpa("api", 3, 10),)),
        Outcome.PASS,
        "1 workload autoscale from at least 2",
        id="an-hpa-from-3-to-10-on-a-metric-passes",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api"),)),
        Outcome.FAIL,
        "1 autoscaling problem: Deployment/api: no HorizontalPodAutoscaler",
        id="no-hpa-fails",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api"),), autoscalers=(hpa("api", 1, 10),)),
        Outcome.FAIL,
        "Deployment/api: HPA minReplicas 1 < 2",
        id="a-minimum-below-the-tier-fails",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api"),), autoscalers=(hpa("api", 3, 3),)),
        Outcome.FAIL,
        "Deployment/api: HPA maxReplicas 3 leaves no room to scale",
        id="max-equal-to-min-fails",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api"),), autoscalers=(hpa("api", 3, 10, metrics=0),)),
        Outcome.FAIL,
        "Deployment/api: HPA has no metrics to scale on",
        id="an-hpa-without-metrics-fails",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api"),),
            autoscalers=(hpa("api", 3, 10, target_kind="StatefulSet"),),
        ),
        Outcome.FAIL,
        "Deployment/api: no HorizontalPodAutoscaler",
        id="an-hpa-for-another-kind-of-the-same-name-does-not-count",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(statefulset("db"),),
            autoscalers=(hpa("db", 3, 5, target_kind="StatefulSet"),),
        ),
        Outcome.PASS,
        "1 workload autoscale from at least 2",
        id="a-statefulset-hpa-passes",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api"), daemonset("agent")), autoscalers=(hpa("api"),)),
        Outcome.PASS,
        "1 workload autoscale",
        id="daemonsets-beside-a-deployment-need-no-hpa",
    ),
    pytest.param(
        ServiceEvidence(workloads=(daemonset("agent"),)),
        Outcome.NOT_APPLICABLE,
        "only DaemonSets, which scale with the nodes",
        id="daemonsets-only-is-not-applicable",
    ),
    pytest.param(
        ServiceEvidence(),
        Outcome.NO_EVIDENCE,
        "no workloads found",
        id="no-workloads-is-no-evidence",
    ),
]


@pytest.mark.parametrize(("evidence", "outcome", "summary"), HPA)
def test_hpa_needs_a_minimum_room_to_scale_and_a_metric(
    evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(hpa_evaluator, evidence)
    assert finding.outcome is outcome
    assert summary in finding.summary


def test_hpa_minimum_comes_from_the_tier() -> None:
    evidence = ServiceEvidence(workloads=(workload("api"),), autoscalers=(hpa("api", 2, 10),))
    assert run(hpa_evaluator, evidence, STANDARD).outcome is Outcome.PASS
    finding = run(hpa_evaluator, evidence, CRITICAL)
    assert finding.outcome is Outcome.FAIL
    assert finding.summary == "1 autoscaling problem: Deployment/api: HPA minReplicas 2 < 3"


def test_hpa_reports_every_problem_of_one_autoscaler() -> None:
    evidence = ServiceEvidence(
        workloads=(workload("api"),), autoscalers=(hpa("api", 1, 1, metrics=0),)
    )
    finding = run(hpa_evaluator, evidence)
    assert finding.evidence == (
        "Deployment/api: HPA minReplicas 1 < 2",
        "Deployment/api: HPA maxReplicas 1 leaves no room to scale",
        "Deployment/api: HPA has no metrics to scale on",
        "Deployment/api: HPA api 1..1",
    )


# --- resource-limits -----------------------------------------------------------------------

RESOURCE_LIMITS = [
    pytest.param(
        ServiceEvidence(workloads=(workload("api", container("app"), container("proxy")),)),
        Outcome.PASS,
        "cpu/memory requests and memory limits on all 2 containers",
        id="requests-and-a-memory-limit-pass",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api", container("app", limits={})),)),
        Outcome.FAIL,
        "1 of 1 container lack requests or limits: Deployment/api/app",
        id="no-memory-limit-fails",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api", container("app", limits={"cpu": "1", "memory": "1Gi"})),)
        ),
        Outcome.PASS,
        "on all 1 container",
        id="a-cpu-limit-is-allowed-not-required",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api", container("app", requests={"memory": "1Gi"})),)),
        Outcome.FAIL,
        "1 of 1 container lack requests or limits",
        id="no-cpu-request-fails",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(
                workload(
                    "api", container("app"), container("migrate", init=True, requests={}, limits={})
                ),
            )
        ),
        Outcome.FAIL,
        "1 of 2 containers lack requests or limits: Deployment/api/migrate",
        id="init-containers-need-them-too",
    ),
    pytest.param(
        ServiceEvidence(),
        Outcome.NO_EVIDENCE,
        "no workloads found",
        id="no-workloads-is-no-evidence",
    ),
]


@pytest.mark.parametrize(("evidence", "outcome", "summary"), RESOURCE_LIMITS)
def test_resource_limits_need_cpu_and_memory_requests_and_a_memory_limit(
    evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(resource_limits, evidence)
    assert finding.outcome is outcome
    assert summary in finding.summary


def test_resource_limits_evidence_says_what_is_missing() -> None:
    evidence = ServiceEvidence(
        workloads=(workload("api", container("app", requests={"memory": "1Gi"}, limits={})),)
    )
    assert run(resource_limits, evidence).evidence == (
        "Deployment/api/app: no cpu request, memory limit",
    )
