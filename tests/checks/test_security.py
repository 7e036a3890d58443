"""Security evaluators: secret literals, RBAC and root, Ingress TLS."""

from __future__ import annotations

import pytest
from evidence_factories import (
    NOW,
    STANDARD,
    cluster_role_binding,
    configmap,
    container,
    env,
    env_from_configmap,
    env_from_secret,
    ingress,
    rbac_role,
    role_binding,
    roles,
    service,
    workload,
)

from checks.context import Context, EvaluatorSpec
from checks.evidence import EnvVar, Ingress, ServiceEvidence
from checks.model import Finding, Outcome
from checks.security import ingress_tls, rbac_and_root, secret_literals

PAYMENTS = service()
LEAKED = "hunter2-not-a-real-password"


def run(spec: EvaluatorSpec, evidence: ServiceEvidence) -> Finding:
    return spec.fn(Context(PAYMENTS, STANDARD, evidence, NOW))


def app_env(*variables: EnvVar) -> ServiceEvidence:
    return ServiceEvidence(workloads=(workload("api", container("app", env=variables)),))


# --- secret-literals -----------------------------------------------------------------------

SECRET_LITERALS = [
    pytest.param(
        app_env(env("DB_PASSWORD", LEAKED)),
        Outcome.FAIL,
        "1 secret-looking literal: env DB_PASSWORD is a literal",
        id="a-literal-password-fails",
    ),
    pytest.param(
        app_env(env("STRIPE_API_KEY", "sk_test_123"), env("GITHUB_TOKEN", "ghp_123")),
        Outcome.FAIL,
        "2 secret-looking literals: env STRIPE_API_KEY is a literal, env GITHUB_TOKEN is a literal",
        id="literal-api-key-and-token-fail",
    ),
    pytest.param(
        app_env(env_from_secret("DB_PASSWORD", "payments-db", "password")),
        Outcome.PASS,
        "no secret-looking literals in env of 1 workload or in 0 ConfigMaps they read",
        id="a-secretkeyref-passes",
    ),
    pytest.param(
        app_env(
            env("DB_PASSWORD_FILE", "/run/secrets/db"),
            env("TOKEN_URL", "https://auth.example.com/token"),
            env("SECRET_NAME", "payments-db"),
        ),
        Outcome.PASS,
        "no secret-looking literals",
        id="names-like-password-file-hold-no-secret",
    ),
    pytest.param(
        app_env(env("LOG_LEVEL", "info")),
        Outcome.PASS,
        "no secret-looking literals",
        id="ordinary-literals-pass",
    ),
    pytest.param(
        app_env(env("DB_PASSWORD", "")),
        Outcome.PASS,
        "no secret-looking literals",
        id="an-empty-literal-leaks-nothing",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api", container("app", env_from=("payments-config",))),),
            configmaps={"payments-config": configmap("payments-config", {"api_key": "abc123"})},
        ),
        Outcome.FAIL,
        "1 secret-looking literal: key api_key looks like a secret",
        id="configmap-key-api-key-read-through-envfrom-fails",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(
                workload(
                    "api",
                    container(
                        "app", env=(env_from_configmap("LOG_LEVEL", "payments-config", "level"),)
                    ),
                ),
            ),
            configmaps={
                "payments-config": configmap("payments-config", {"level": "info", "api_key": "x"})
            },
        ),
        Outcome.FAIL,
        "key api_key looks like a secret",
        id="configmap-read-through-configmapkeyref-is-scanned-whole",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api", configmap_volumes=("payments-files",)),),
            configmaps={"payments-files": configmap("payments-files", {"client_secret": "x"})},
        ),
        Outcome.FAIL,
        "key client_secret looks like a secret",
        id="configmap-mounted-as-a-volume-is-scanned",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api"),),
            configmaps={"someone-else": configmap("someone-else", {"api_key": "abc123"})},
        ),
        Outcome.PASS,
        "or in 0 ConfigMaps they read",
        id="a-configmap-the-service-does-not-read-is-not-its-problem",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api", container("app", env_from=("payments-config",))),),
            configmaps={"payments-config": configmap("payments-config", {"api_key_file": "/x"})},
        ),
        Outcome.PASS,
        "or in 1 ConfigMap they read",
        id="configmap-key-api-key-file-passes",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(
                workload(
                    "api",
                    container("app"),
                    container("seed", init=True, env=(env("ADMIN_PASSWORD", LEAKED),)),
                ),
            )
        ),
        Outcome.FAIL,
        "env ADMIN_PASSWORD is a literal",
        id="init-container-literals-count",
    ),
    pytest.param(
        ServiceEvidence(),
        Outcome.NO_EVIDENCE,
        "no workloads found",
        id="no-workloads-is-no-evidence",
    ),
]


@pytest.mark.parametrize(("evidence", "outcome", "summary"), SECRET_LITERALS)
def test_secret_literals_fail_on_secret_looking_env_and_configmap_keys(
    evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(secret_literals, evidence)
    assert finding.outcome is outcome
    assert summary in finding.summary


def test_secret_literal_findings_never_repeat_the_value() -> None:
    finding = run(secret_literals, app_env(env("DB_PASSWORD", LEAKED)))
    assert finding.evidence == ("Deployment/api/app: env DB_PASSWORD is a literal",)
    assert LEAKED not in finding.summary
    assert not any(LEAKED in line for line in finding.evidence)


# --- rbac-and-root -------------------------------------------------------------------------

ROOT_PROBLEMS = [
    pytest.param(
        ServiceEvidence(workloads=(workload("api"),)),
        Outcome.PASS,
        "no admin or wildcard bindings; 1 workload run as non-root, unprivileged",
        id="non-root-unprivileged-without-bindings-passes",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api"),),
            bindings=(cluster_role_binding("api-admin", "cluster-admin"),),
        ),
        Outcome.FAIL,
        "1 privilege problem: ClusterRoleBinding api-admin: binds cluster-admin",
        id="a-cluster-admin-binding-fails",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api"),),
            bindings=(role_binding("api-admin", "ClusterRole", "admin"),),
        ),
        Outcome.FAIL,
        "RoleBinding payments/api-admin: binds admin",
        id="a-rolebinding-to-clusterrole-admin-fails",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api"),),
            bindings=(role_binding("api", "Role", "api-all"),),
            roles=roles(rbac_role("api-all", wildcard=True)),
        ),
        Outcome.FAIL,
        "RoleBinding payments/api: binds Role api-all with wildcards",
        id="a-wildcard-role-fails",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api"),),
            bindings=(cluster_role_binding("api-everything", "everything"),),
            roles=roles(rbac_role("everything", wildcard=True, kind="ClusterRole")),
        ),
        Outcome.FAIL,
        "ClusterRoleBinding api-everything: binds ClusterRole everything with wildcards",
        id="a-wildcard-clusterrole-fails",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api"),),
            bindings=(role_binding("api", "Role", "api-reader"),),
            roles=roles(rbac_role("api-reader", wildcard=False)),
        ),
        Outcome.PASS,
        "no admin or wildcard bindings",
        id="a-narrow-role-passes",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api"),),
            bindings=(role_binding("api", "Role", "api-all", namespace="payments"),),
            roles=roles(rbac_role("api-all", wildcard=True, namespace="other")),
        ),
        Outcome.PASS,
        "no admin or wildcard bindings",
        id="a-wildcard-role-of-the-same-name-elsewhere-is-not-bound",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api", container("app", privileged=True)),)),
        Outcome.FAIL,
        "1 privilege problem: Deployment/api/app: privileged",
        id="a-privileged-container-fails",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api", container("app", run_as_user=0)),)),
        Outcome.FAIL,
        "Deployment/api/app: runAsUser 0",
        id="run-as-user-0-fails",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api", container("app", run_as_non_root=None), pod_run_as_user=0),)
        ),
        Outcome.FAIL,
        "Deployment/api/app: runAsUser 0",
        id="pod-level-run-as-user-0-is-inherited",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(
                workload(
                    "api",
                    container("app", run_as_user=1000, run_as_non_root=None),
                    pod_run_as_user=0,
                ),
            )
        ),
        Outcome.PASS,
        "run as non-root",
        id="container-run-as-user-overrides-the-pod",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api", container("app", run_as_non_root=None)),)),
        Outcome.FAIL,
        "Deployment/api/app: may run as root (no runAsNonRoot or runAsUser)",
        id="missing-run-as-non-root-fails",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api", container("app", run_as_non_root=False)),)),
        Outcome.FAIL,
        "may run as root",
        id="run-as-non-root-false-fails",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(
                workload("api", container("app", run_as_non_root=None), pod_run_as_non_root=True),
            )
        ),
        Outcome.PASS,
        "run as non-root",
        id="pod-level-run-as-non-root-passes",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api", container("app", run_as_user=1000, run_as_non_root=None)),)
        ),
        Outcome.PASS,
        "run as non-root",
        id="a-non-zero-run-as-user-passes",
    ),
    pytest.param(
        ServiceEvidence(),
        Outcome.NO_EVIDENCE,
        "no workloads found",
        id="no-workloads-is-no-evidence",
    ),
]


@pytest.mark.parametrize(("evidence", "outcome", "summary"), ROOT_PROBLEMS)
def test_rbac_and_root_fail_on_admin_bindings_wildcards_and_root(
    evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(rbac_and_root, evidence)
    assert finding.outcome is outcome
    assert summary in finding.summary


def test_rbac_and_root_lists_every_problem_in_the_evidence() -> None:
    evidence = ServiceEvidence(
        workloads=(workload("api", container("app", privileged=True, run_as_user=0)),),
        bindings=(cluster_role_binding("api-admin", "cluster-admin"),),
    )
    finding = run(rbac_and_root, evidence)
    assert finding.evidence == (
        "ClusterRoleBinding api-admin: binds cluster-admin",
        "Deployment/api/app: privileged",
        "Deployment/api/app: runAsUser 0",
    )
    assert finding.summary.startswith("3 privilege problems: ")


# --- ingress-tls ---------------------------------------------------------------------------

INGRESS_TLS = [
    pytest.param(
        (ingress("api", ("api.example.com",), ("api.example.com",)),),
        Outcome.PASS,
        "TLS on every host of 1 Ingress (at-rest encryption is not visible here)",
        id="a-host-listed-under-tls-passes",
    ),
    pytest.param(
        (ingress("api", ("api.example.com",)),),
        Outcome.FAIL,
        "1 Ingress host served without TLS: api: api.example.com",
        id="a-host-without-tls-fails",
    ),
    pytest.param(
        (ingress("api", ("api.example.com", "admin.example.com"), ("api.example.com",)),),
        Outcome.FAIL,
        "1 Ingress host served without TLS: api: admin.example.com",
        id="one-host-of-two-without-tls-fails",
    ),
    pytest.param(
        (ingress("api", ("api.example.com", "pay.example.com"), ("*.example.com",)),),
        Outcome.PASS,
        "TLS on every host",
        id="a-wildcard-tls-host-covers-subdomains",
    ),
    pytest.param(
        (ingress("api", ("example.com",), ("*.example.com",)),),
        Outcome.FAIL,
        "api: example.com",
        id="a-wildcard-tls-host-does-not-cover-the-apex",
    ),
    pytest.param(
        (ingress("api", ("eu.api.example.com",), ("*.example.com",)),),
        Outcome.FAIL,
        "api: eu.api.example.com",
        id="a-wildcard-covers-one-label-only",
    ),
    pytest.param(
        (ingress("api", (), ("api.example.com",)),),
        Outcome.PASS,
        "TLS on every host",
        id="a-hostless-rule-with-tls-passes",
    ),
    pytest.param(
        (ingress("api", ("*",)),),
        Outcome.FAIL,
        "api: *",
        id="a-hostless-rule-without-tls-fails",
    ),
    pytest.param(
        (
            ingress("api", ("api.example.com",), ("api.example.com",)),
            ingress("admin", ("admin.example.com",), ("admin.example.com",)),
        ),
        Outcome.PASS,
        "TLS on every host of 2 Ingresses",
        id="two-tls-ingresses-pass",
    ),
    pytest.param(
        (),
        Outcome.NO_EVIDENCE,
        "no Ingress to check TLS on; attest in-transit and at-rest encryption",
        id="no-ingress-is-no-evidence",
    ),
]


@pytest.mark.parametrize(("ingresses", "outcome", "summary"), INGRESS_TLS)
def test_ingress_tls_needs_tls_on_every_host(
    ingresses: tuple[Ingress, ...], outcome: Outcome, summary: str
) -> None:
    finding = run(ingress_tls, ServiceEvidence(ingresses=ingresses))
    assert finding.outcome is outcome
    assert summary in finding.summary
