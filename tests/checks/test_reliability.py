"""Reliability evaluators: probes, replicas and PDBs, outbound timeouts."""

from __future__ import annotations

from typing import Any

import pytest
from evidence_factories import (
    CRITICAL,
    NOW,
    STANDARD,
    configmap,
    container,
    daemonset,
    dependency,
    env,
    env_from_configmap,
    hpa,
    pdb,
    service,
    statefulset,
    workload,
)

from checks.context import Context, EvaluatorSpec
from checks.evidence import EnvVar, ServiceEvidence
from checks.model import Finding, Outcome, ServiceSpec, TierPolicy
from checks.reliability import probes, replicas_and_pdb, timeout_config

PAYMENTS = service()


def run(
    spec: EvaluatorSpec,
    evidence: ServiceEvidence,
    svc: ServiceSpec = PAYMENTS,
    policy: TierPolicy = STANDARD,
) -> Finding:
    return spec.fn(Context(svc, policy, evidence, NOW))


# --- probes --------------------------------------------------------------------------------

PROBES = [
    pytest.param(
        ServiceEvidence(workloads=(workload("api", container("app"), container("proxy")),)),
        Outcome.PASS,
        "readiness and liveness probes on all 2 containers",
        id="every-container-probed-passes",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api", container("app"), container("proxy", readiness=False)),)
        ),
        Outcome.FAIL,
        "1 container of 2 lack probes: Deployment/api container proxy",
        id="missing-readiness-fails-naming-the-container",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api", container("app", liveness=False)),)),
        Outcome.FAIL,
        "1 container of 1 lack probes: Deployment/api container app",
        id="missing-liveness-fails",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(
                workload(
                    "api",
                    container("app"),
                    container("migrate", init=True, liveness=False, readiness=False),
                ),
            )
        ),
        Outcome.PASS,
        "on all 1 container",
        id="init-containers-are-ignored",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(
                workload("api"),
                daemonset("agent", container("agent", liveness=False, readiness=False)),
            )
        ),
        Outcome.FAIL,
        "1 container of 2 lack probes: DaemonSet/agent container agent",
        id="daemonset-containers-count-too",
    ),
    pytest.param(
        ServiceEvidence(),
        Outcome.NO_EVIDENCE,
        "no workloads found in namespace 'payments'",
        id="no-workloads-is-no-evidence",
    ),
]


@pytest.mark.parametrize(("evidence", "outcome", "summary"), PROBES)
def test_probes_require_readiness_and_liveness_on_every_app_container(
    evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(probes, evidence)
    assert finding.outcome is outcome
    assert summary in finding.summary


def test_probes_evidence_names_which_probe_is_missing() -> None:
    evidence = ServiceEvidence(
        workloads=(workload("api", container("app", liveness=False, readiness=False)),)
    )
    finding = run(probes, evidence)
    assert finding.evidence == ("Deployment/api container app: no readiness or liveness probe",)


def test_no_workloads_names_the_selector_it_looked_for() -> None:
    svc = service(selector={"app": "api", "tier": "web"})
    finding = run(probes, ServiceEvidence(), svc)
    assert finding.outcome is Outcome.NO_EVIDENCE
    assert (
        finding.summary == "no workloads found in namespace 'payments' with labels app=api,tier=web"
    )


# --- replicas-and-pdb ----------------------------------------------------------------------

API_PDB = pdb("api-pdb", {"app": "api"})

REPLICAS_AND_PDB = [
    pytest.param(
        ServiceEvidence(workloads=(workload("api", replicas=3),), pdbs=(API_PDB,)),
        Outcome.PASS,
        "1 workload run at least 2 replicas, each under a PDB",
        id="three-replicas-under-a-pdb-passes",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api", replicas=2),), pdbs=(API_PDB,)),
        Outcome.PASS,
        "at least 2 replicas",
        id="exactly-the-minimum-passes",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api", replicas=1),), pdbs=(API_PDB,)),
        Outcome.FAIL,
        "1 problem: Deployment/api: replicas 1 < 2",
        id="a-single-replica-fails",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api", replicas=1),), pdbs=(API_PDB,), autoscalers=(hpa("api", 3),)
        ),
        Outcome.PASS,
        "1 workload run at least 2 replicas",
        id="hpa-min-overrides-a-low-replica-count",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api", replicas=5),), pdbs=(API_PDB,), autoscalers=(hpa("api", 1),)
        ),
        Outcome.FAIL,
        "Deployment/api: HPA minReplicas 1 < 2",
        id="hpa-min-overrides-a-high-replica-count",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api", replicas=1),),
            pdbs=(API_PDB,),
            autoscalers=(hpa("api", 3, target_kind="StatefulSet"),),
        ),
        Outcome.FAIL,
        "Deployment/api: replicas 1 < 2",
        id="an-hpa-for-another-kind-of-the-same-name-does-not-override",
    ),
    pytest.param(
        ServiceEvidence(workloads=(workload("api", replicas=3),)),
        Outcome.FAIL,
        "Deployment/api: no PodDisruptionBudget covers its pods",
        id="no-pdb-fails",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(
                workload("api", replicas=3, labels={"team": "pay"}, pod_labels={"app": "api-pod"}),
            ),
            pdbs=(pdb("by-workload-label", {"team": "pay"}),),
        ),
        Outcome.FAIL,
        "no PodDisruptionBudget covers its pods",
        id="pdb-selector-must-match-pod-labels-not-workload-labels",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api", replicas=3),),
            pdbs=(pdb("by-expression", {}, (("app", "In", ("api", "worker")),)),),
        ),
        Outcome.PASS,
        "each under a PDB",
        id="pdb-match-expressions-count",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(workload("api", replicas=3),),
            pdbs=(pdb("excludes-api", {}, (("app", "NotIn", ("api",)),)),),
        ),
        Outcome.FAIL,
        "no PodDisruptionBudget covers its pods",
        id="pdb-not-in-expression-excludes",
    ),
    pytest.param(
        ServiceEvidence(workloads=(daemonset("agent"),)),
        Outcome.PASS,
        "only DaemonSets, which run one pod per node",
        id="daemonset-only-passes",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(daemonset("agent"), workload("api", replicas=1)), pdbs=(API_PDB,)
        ),
        Outcome.FAIL,
        "1 problem: Deployment/api: replicas 1 < 2",
        id="daemonsets-beside-a-deployment-are-not-judged",
    ),
    pytest.param(
        ServiceEvidence(
            workloads=(statefulset("db", replicas=1, pod_labels={"app": "db"}),),
            pdbs=(pdb("db", {"app": "db"}),),
        ),
        Outcome.FAIL,
        "StatefulSet/db: replicas 1 < 2",
        id="statefulsets-are-held-to-the-minimum",
    ),
    pytest.param(
        ServiceEvidence(),
        Outcome.NO_EVIDENCE,
        "no workloads found",
        id="no-workloads-is-no-evidence",
    ),
]


@pytest.mark.parametrize(("evidence", "outcome", "summary"), REPLICAS_AND_PDB)
def test_replicas_and_pdb_need_the_tier_minimum_and_a_covering_pdb(
    evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(replicas_and_pdb, evidence)
    assert finding.outcome is outcome
    assert summary in finding.summary


def test_replicas_minimum_comes_from_the_tier() -> None:
    evidence = ServiceEvidence(workloads=(workload("api", replicas=2),), pdbs=(API_PDB,))
    assert run(replicas_and_pdb, evidence, policy=STANDARD).outcome is Outcome.PASS
    finding = run(replicas_and_pdb, evidence, policy=CRITICAL)
    assert finding.outcome is Outcome.FAIL
    assert "Deployment/api: replicas 2 < 3" in finding.summary


def test_replicas_pass_evidence_names_the_pdb_and_the_count_source() -> None:
    evidence = ServiceEvidence(
        workloads=(workload("api", replicas=1),), pdbs=(API_PDB,), autoscalers=(hpa("api", 4),)
    )
    assert run(replicas_and_pdb, evidence).evidence == (
        "Deployment/api: HPA minReplicas 4, PDB api-pdb",
    )


# --- timeout-config ------------------------------------------------------------------------

POSTGRES = service(dependencies=(dependency("postgres"),))
POSTGRES_MS = service(dependencies=(dependency("postgres", "POSTGRES_TIMEOUT_MS"),))
LEDGER_KEYED = service(dependencies=(dependency("ledger-api", "LEDGER_DEADLINE"),))


def app_env(*variables: EnvVar, **other_evidence: Any) -> ServiceEvidence:
    """One Deployment `api` whose container `app` has these env vars."""
    return ServiceEvidence(
        workloads=(workload("api", container("app", env=variables)),), **other_evidence
    )


UNBOUNDED_VALUES = ["0", "-1", "none", "", "infinite", "0s", "forever", "nan"]

TIMEOUT_CONFIG = [
    pytest.param(
        service(),
        app_env(env("POSTGRES_TIMEOUT", "5s")),
        Outcome.NO_EVIDENCE,
        "no dependencies declared for the service",
        id="no-declared-dependencies-is-no-evidence",
    ),
    pytest.param(
        POSTGRES,
        ServiceEvidence(),
        Outcome.NO_EVIDENCE,
        "no workloads found in namespace 'payments'",
        id="dependencies-but-no-workloads-is-no-evidence",
    ),
    pytest.param(
        POSTGRES,
        app_env(env("POSTGRES_TIMEOUT", "5s")),
        Outcome.PASS,
        "finite timeouts for all 1 declared dependency",
        id="duration-5s-passes",
    ),
    *[
        pytest.param(
            POSTGRES,
            app_env(env("POSTGRES_TIMEOUT", value)),
            Outcome.FAIL,
            "1 dependency without a finite timeout: postgres",
            id=f"value-{value or 'empty'}-is-unbounded",
        )
        for value in UNBOUNDED_VALUES
    ],
    pytest.param(
        POSTGRES_MS,
        app_env(env("POSTGRES_TIMEOUT_MS", "500")),
        Outcome.PASS,
        "finite timeouts for all 1 declared dependency",
        id="bare-500-with-an-ms-key-passes",
    ),
    pytest.param(
        POSTGRES,
        app_env(env("POSTGRES_TIMEOUT_MS", "250")),
        Outcome.PASS,
        "finite timeouts",
        id="derived-keys-include-the-ms-variant",
    ),
    pytest.param(
        POSTGRES,
        ServiceEvidence(
            workloads=(workload("api", container("app", env_from=("payments-config",))),),
            configmaps={
                "payments-config": configmap("payments-config", {"POSTGRES_TIMEOUT": "3s"})
            },
        ),
        Outcome.PASS,
        "finite timeouts",
        id="configmap-via-envfrom-passes",
    ),
    pytest.param(
        POSTGRES,
        app_env(
            env_from_configmap("POSTGRES_TIMEOUT", "payments-config", "db.timeout"),
            configmaps={"payments-config": configmap("payments-config", {"db.timeout": "2s"})},
        ),
        Outcome.PASS,
        "finite timeouts",
        id="configmap-via-configmapkeyref-passes",
    ),
    pytest.param(
        POSTGRES,
        app_env(
            env_from_configmap("POSTGRES_TIMEOUT", "payments-config", "db.timeout"),
            configmaps={"payments-config": configmap("payments-config", {"db.timeout": "0"})},
        ),
        Outcome.FAIL,
        "without a finite timeout: postgres",
        id="configmapkeyref-to-zero-is-unbounded",
    ),
    pytest.param(
        POSTGRES,
        app_env(env_from_configmap("POSTGRES_TIMEOUT", "missing-config", "db.timeout")),
        Outcome.FAIL,
        "without a finite timeout: postgres",
        id="configmapkeyref-to-an-absent-configmap-is-unset",
    ),
    pytest.param(
        POSTGRES,
        ServiceEvidence(
            workloads=(workload("api", configmap_volumes=("payments-files",)),),
            configmaps={"payments-files": configmap("payments-files", {"POSTGRES_TIMEOUT": "4s"})},
        ),
        Outcome.PASS,
        "finite timeouts",
        id="configmap-mounted-as-a-volume-passes",
    ),
    pytest.param(
        POSTGRES,
        ServiceEvidence(
            workloads=(
                workload(
                    "api",
                    container(
                        "app",
                        env=(env("POSTGRES_TIMEOUT", "5s"),),
                        env_from=("payments-config",),
                    ),
                ),
            ),
            configmaps={"payments-config": configmap("payments-config", {"POSTGRES_TIMEOUT": "0"})},
        ),
        Outcome.PASS,
        "finite timeouts",
        id="env-overrides-envfrom-like-kubernetes-does",
    ),
    pytest.param(
        POSTGRES,
        app_env(env("REDIS_TIMEOUT", "1s")),
        Outcome.FAIL,
        "1 dependency without a finite timeout: postgres",
        id="no-key-for-the-dependency-fails",
    ),
    pytest.param(
        POSTGRES,
        ServiceEvidence(
            workloads=(
                workload(
                    "api",
                    container("app"),
                    container("wait-for-db", init=True, env=(env("POSTGRES_TIMEOUT", "5s"),)),
                ),
            )
        ),
        Outcome.FAIL,
        "without a finite timeout: postgres",
        id="an-init-container-timeout-does-not-count",
    ),
    pytest.param(
        LEDGER_KEYED,
        app_env(env("LEDGER_DEADLINE", "800ms")),
        Outcome.PASS,
        "finite timeouts for all 1 declared dependency",
        id="explicit-timeout-key-is-used",
    ),
    pytest.param(
        LEDGER_KEYED,
        app_env(env("LEDGER_API_TIMEOUT", "1s")),
        Outcome.FAIL,
        "without a finite timeout: ledger-api",
        id="explicit-keys-replace-the-derived-ones",
    ),
    pytest.param(
        service(dependencies=(dependency("postgres"), dependency("redis"))),
        app_env(env("POSTGRES_TIMEOUT", "5s")),
        Outcome.FAIL,
        "1 dependency without a finite timeout: redis",
        id="every-declared-dependency-needs-one",
    ),
    pytest.param(
        POSTGRES,
        ServiceEvidence(
            workloads=(
                workload(
                    "api",
                    container("app", env=(env("POSTGRES_TIMEOUT", "5s"),)),
                    container("reporter", env=(env("POSTGRES_TIMEOUT", "0"),)),
                ),
            )
        ),
        Outcome.FAIL,
        "without a finite timeout: postgres",
        id="an-unbounded-container-after-a-bounded-one-fails",
    ),
    pytest.param(
        POSTGRES,
        ServiceEvidence(
            workloads=(
                workload(
                    "api",
                    container("reporter", env=(env("POSTGRES_TIMEOUT", "0"),)),
                    container("app", env=(env("POSTGRES_TIMEOUT", "5s"),)),
                ),
            )
        ),
        Outcome.FAIL,
        "without a finite timeout: postgres",
        id="an-unbounded-container-before-a-bounded-one-fails",
    ),
]


@pytest.mark.parametrize(("svc", "evidence", "outcome", "summary"), TIMEOUT_CONFIG)
def test_timeout_config_needs_a_finite_timeout_per_declared_dependency(
    svc: ServiceSpec, evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(timeout_config, evidence, svc)
    assert finding.outcome is outcome
    assert summary in finding.summary


TIMEOUT_RENDERING = [
    pytest.param(POSTGRES, env("POSTGRES_TIMEOUT", "5s"), "POSTGRES_TIMEOUT=5s (5s)", id="5s"),
    pytest.param(
        POSTGRES_MS,
        env("POSTGRES_TIMEOUT_MS", "500"),
        "POSTGRES_TIMEOUT_MS=500 (0.5s)",
        id="ms-key",
    ),
    pytest.param(
        POSTGRES_MS,
        env("POSTGRES_TIMEOUT_MS", "30000"),
        "POSTGRES_TIMEOUT_MS=30000 (30s)",
        id="ms-key-30000",
    ),
    pytest.param(
        POSTGRES, env("POSTGRES_TIMEOUT", "500"), "POSTGRES_TIMEOUT=500 (8m 20s)", id="bare-seconds"
    ),
    pytest.param(
        POSTGRES,
        env("POSTGRES_TIMEOUT_SECONDS", "30"),
        "POSTGRES_TIMEOUT_SECONDS=30 (30s)",
        id="seconds-key",
    ),
    pytest.param(
        POSTGRES_MS,
        env("POSTGRES_TIMEOUT_MS", "250ms"),
        "POSTGRES_TIMEOUT_MS=250ms (0.25s)",
        id="ms-key-with-a-unit-is-not-divided-again",
    ),
]


@pytest.mark.parametrize(("svc", "variable", "shown"), TIMEOUT_RENDERING)
def test_timeout_evidence_shows_the_key_value_and_the_bound_it_means(
    svc: ServiceSpec, variable: EnvVar, shown: str
) -> None:
    finding = run(timeout_config, app_env(variable), svc)
    assert finding.outcome is Outcome.PASS
    assert finding.evidence == (f"postgres: {shown} in env of Deployment/api/app",)


def test_timeout_evidence_names_the_configmap_it_came_from() -> None:
    evidence = ServiceEvidence(
        workloads=(workload("api", container("app", env_from=("payments-config",))),),
        configmaps={"payments-config": configmap("payments-config", {"POSTGRES_TIMEOUT": "3s"})},
    )
    finding = run(timeout_config, evidence, POSTGRES)
    assert finding.evidence == ("postgres: POSTGRES_TIMEOUT=3s (3s) in ConfigMap payments-config",)


def test_unset_timeout_evidence_lists_the_keys_looked_for() -> None:
    finding = run(timeout_config, app_env(), POSTGRES)
    assert finding.outcome is Outcome.FAIL
    assert finding.evidence == (
        "postgres: no timeout set (looked for POSTGRES_TIMEOUT, POSTGRES_TIMEOUT_MS and 3 more)",
    )


def test_unbounded_timeout_evidence_quotes_the_value() -> None:
    finding = run(timeout_config, app_env(env("POSTGRES_TIMEOUT", "-1")), POSTGRES)
    assert finding.evidence == (
        "postgres: POSTGRES_TIMEOUT='-1' in env of Deployment/api/app is unbounded",
    )
