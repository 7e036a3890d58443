"""Delivery evaluators: image digests, deploy-tool marks, rollback history."""

from __future__ import annotations

import pytest
from evidence_factories import (
    DIGEST,
    NOW,
    STANDARD,
    container,
    replicaset,
    service,
    statefulset,
    workload,
)

from checks.context import Context, EvaluatorSpec
from checks.delivery import image_digests, managed_by, rollback_history
from checks.evidence import ServiceEvidence, Workload
from checks.model import Finding, Outcome

PAYMENTS = service()
LAST_APPLIED = {"kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Deployment"}'}


def run(spec: EvaluatorSpec, evidence: ServiceEvidence) -> Finding:
    return spec.fn(Context(PAYMENTS, STANDARD, evidence, NOW))


def images(*refs: str, init: str | None = None) -> ServiceEvidence:
    """One Deployment `api` running these images (and an init container, if given)."""
    containers = [container(f"c{i}", ref) for i, ref in enumerate(refs)]
    if init is not None:
        containers.append(container("init", init, init=True))
    return ServiceEvidence(workloads=(workload("api", *containers),))


# --- image-digests -------------------------------------------------------------------------

IMAGE_DIGESTS = [
    pytest.param(
        images(f"registry.example.com/api:1.4.2@{DIGEST}"),
        Outcome.PASS,
        "all 1 image pinned by digest",
        id="tag-at-sha256-passes",
    ),
    pytest.param(
        images(f"registry.example.com/api@{DIGEST}", f"busybox@{DIGEST}"),
        Outcome.PASS,
        "all 2 images pinned by digest",
        id="bare-digest-passes",
    ),
    pytest.param(
        images("registry.example.com/api:latest"),
        Outcome.FAIL,
        "1 of 1 image not pinned by digest: registry.example.com/api:latest",
        id="latest-fails",
    ),
    pytest.param(
        images("registry.example.com/api:1.4.2"),
        Outcome.FAIL,
        "1 of 1 image not pinned by digest: registry.example.com/api:1.4.2",
        id="a-version-tag-fails",
    ),
    pytest.param(
        images("nginx"),
        Outcome.FAIL,
        "not pinned by digest: nginx",
        id="an-untagged-image-fails",
    ),
    pytest.param(
        images(f"registry.example.com/api:1.4.2@{DIGEST}", init="busybox:1.36"),
        Outcome.FAIL,
        "1 of 2 images not pinned by digest: busybox:1.36",
        id="init-containers-must-be-pinned-too",
    ),
    pytest.param(
        images("<image_url>"),
        Outcome.FAIL,
        "1 of 1 image not pinned by digest: <image_url>",
        id="a-template-placeholder-is-reported-not-crashed-on",
    ),
    pytest.param(
        ServiceEvidence(),
        Outcome.NO_EVIDENCE,
        "no workloads found",
        id="no-workloads-is-no-evidence",
    ),
]


@pytest.mark.parametrize(("evidence", "outcome", "summary"), IMAGE_DIGESTS)
def test_image_digests_require_every_image_pinned_by_sha256(
    evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(image_digests, evidence)
    assert finding.outcome is outcome
    assert summary in finding.summary


def test_image_digest_evidence_names_workload_and_container() -> None:
    finding = run(image_digests, images("registry.example.com/api:latest"))
    assert finding.evidence == ("Deployment/api/c0: registry.example.com/api:latest",)


# --- managed-by ----------------------------------------------------------------------------

MANAGED_BY = [
    pytest.param(
        workload("api", labels={"app.kubernetes.io/managed-by": "Helm"}),
        Outcome.PASS,
        "all 1 workload deployed by Helm",
        id="helm-managed-by-label-passes",
    ),
    pytest.param(
        workload("api", annotations={"meta.helm.sh/release-name": "payments"}),
        Outcome.PASS,
        "deployed by Helm",
        id="helm-release-annotation-passes",
    ),
    pytest.param(
        workload(
            "api",
            annotations={"argocd.argoproj.io/tracking-id": "payments:apps/Deployment:payments/api"},
        ),
        Outcome.PASS,
        "deployed by Argo CD",
        id="argo-tracking-annotation-passes",
    ),
    pytest.param(
        workload("api", labels={"argocd.argoproj.io/instance": "payments"}),
        Outcome.PASS,
        "deployed by Argo CD",
        id="argo-instance-label-passes",
    ),
    pytest.param(
        workload("api", labels={"kustomize.toolkit.fluxcd.io/name": "payments"}),
        Outcome.PASS,
        "deployed by Flux",
        id="flux-kustomize-label-passes",
    ),
    pytest.param(
        workload("api", labels={"helm.toolkit.fluxcd.io/name": "payments"}),
        Outcome.PASS,
        "deployed by Flux",
        id="flux-helm-controller-label-is-flux-not-helm",
    ),
    pytest.param(
        workload("api", annotations=LAST_APPLIED),
        Outcome.FAIL,
        "1 of 1 workload carry no deploy-tool marks: "
        "Deployment/api (kubectl last-applied-configuration only)",
        id="only-kubectl-last-applied-fails",
    ),
    pytest.param(
        workload("api", labels={"app": "api"}),
        Outcome.FAIL,
        "1 of 1 workload carry no deploy-tool marks: Deployment/api",
        id="no-marks-fails",
    ),
    pytest.param(
        workload("api", labels={"app.kubernetes.io/managed-by": "kubectl"}),
        Outcome.FAIL,
        "carry no deploy-tool marks",
        id="managed-by-kubectl-is-not-a-pipeline",
    ),
]


@pytest.mark.parametrize(("subject", "outcome", "summary"), MANAGED_BY)
def test_managed_by_needs_the_marks_a_deploy_tool_leaves(
    subject: Workload, outcome: Outcome, summary: str
) -> None:
    finding = run(managed_by, ServiceEvidence(workloads=(subject,)))
    assert finding.outcome is outcome
    assert summary in finding.summary


def test_managed_by_fails_when_one_workload_of_several_is_manual() -> None:
    evidence = ServiceEvidence(
        workloads=(
            workload("api", labels={"app.kubernetes.io/managed-by": "Helm"}),
            workload("worker", annotations=LAST_APPLIED),
        )
    )
    finding = run(managed_by, evidence)
    assert finding.outcome is Outcome.FAIL
    assert finding.summary == (
        "1 of 2 workloads carry no deploy-tool marks: "
        "Deployment/worker (kubectl last-applied-configuration only)"
    )
    assert finding.evidence == ("Helm: Deployment/api",)


def test_managed_by_without_workloads_is_no_evidence() -> None:
    assert run(managed_by, ServiceEvidence()).outcome is Outcome.NO_EVIDENCE


# --- rollback-history ----------------------------------------------------------------------

ROLLBACK_HISTORY = [
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api"),),
            replicasets=(
                replicaset("api-7d4f", "api", "4", history="1,3"),
                replicaset("api-5c9b", "api", "2"),
            ),
        ),
        Outcome.PASS,
        "every Deployment has been rolled back before: api",
        id="a-revision-history-annotation-passes",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api"),),
            replicasets=(replicaset("api-7d4f", "api", "2"), replicaset("api-5c9b", "api", "1")),
        ),
        Outcome.FAIL,
        "no rollback recorded for 1 of 1 Deployment: api "
        "(no ReplicaSet carries deployment.kubernetes.io/revision-history)",
        id="revisions-without-history-fail",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api"),)),
        Outcome.FAIL,
        "no rollback recorded for 1 of 1 Deployment: api",
        id="no-replicasets-fail",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api"), workload("worker")),
            replicasets=(replicaset("api-7d4f", "api", "4", history="1,3"),),
        ),
        Outcome.FAIL,
        "no rollback recorded for 1 of 2 Deployments: worker",
        id="every-deployment-needs-its-own-rollback",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api"), workload("worker")),
            replicasets=(
                replicaset("api-7d4f", "api", "4", history="1,3"),
                replicaset("worker-1a2b", "worker", "7", history="5"),
            ),
        ),
        Outcome.PASS,
        "every Deployment has been rolled back before: api, worker",
        id="a-rollback-for-each-deployment-passes",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api"), statefulset("db")),
            replicasets=(replicaset("api-7d4f", "api", "4", history="1,3"),),
        ),
        Outcome.PASS,
        "every Deployment has been rolled back before: api",
        id="statefulsets-beside-deployments-are-not-judged",
    ),
    pytest.param(
        ServiceEvidence(workloads=(statefulset("db"),)),
        Outcome.NO_EVIDENCE,
        "no Deployments, so no ReplicaSet revision history",
        id="statefulsets-only-is-no-evidence",
    ),
    pytest.param(
        ServiceEvidence(),
        Outcome.NO_EVIDENCE,
        "no workloads found",
        id="no-workloads-is-no-evidence",
    ),
]


@pytest.mark.parametrize(("evidence", "outcome", "summary"), ROLLBACK_HISTORY)
def test_rollback_history_needs_a_rolled_back_replicaset_per_deployment(
    evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(rollback_history, evidence)
    assert finding.outcome is outcome
    assert summary in finding.summary


def test_rollback_evidence_names_the_replicaset_and_the_reused_revisions() -> None:
    evidence = ServiceEvidence(
        workloads=(workload("api"),),
        replicasets=(replicaset("api-7d4f", "api", "4", history="1,3"),),
    )
    assert run(rollback_history, evidence).evidence == (
        "ReplicaSet payments/api-7d4f: revision 4 reused revisions 1,3",
    )
