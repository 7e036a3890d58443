"""Small factories for typed evidence, so each table row states only what it is about.

Every factory's defaults describe a service that passes: a pinned, probed, non-root container
with requests and a memory limit, in namespace `payments`. A row that changes one argument is a
row about that one thing.

This is a plain module rather than part of `conftest.py` because the tables are built at import
time, and importing from `conftest` is ambiguous once several test folders have one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from checks.evidence import (
    AlertmanagerConfig,
    Autoscaler,
    Binding,
    ConfigMap,
    Container,
    EnvVar,
    Ingress,
    LabelSelector,
    PodDisruptionBudget,
    RbacRole,
    Ref,
    ReplicaSet,
    Route,
    Rule,
    Subject,
    VeleroBackup,
    VeleroRestore,
    VeleroSchedule,
    Workload,
)
from checks.model import DataPolicy, Dependency, ServiceSpec, Slo, Thresholds, TierPolicy

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
NAMESPACE = "payments"
DIGEST = "sha256:" + "0123456789abcdef" * 4
PINNED_IMAGE = f"registry.example.com/payments/api:1.4.2@{DIGEST}"
REQUESTS = {"cpu": "100m", "memory": "128Mi"}
MEMORY_LIMIT = {"memory": "256Mi"}
RUNBOOK = "https://runbooks.example.com/payments"

STANDARD = TierPolicy("standard", 2, frozenset({"*"}), frozenset(), Thresholds())
CRITICAL = TierPolicy(
    "critical",
    4,
    frozenset({"*"}),
    frozenset(),
    Thresholds(min_replicas=3, restore_test_max_age=timedelta(days=30)),
)

STATEFUL = DataPolicy(True, None, None, None)
STATELESS = DataPolicy(False, None, None, None)
UNDECLARED = DataPolicy(None, None, None, None)  # stateful or not is read from the evidence


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


# --- the service ---------------------------------------------------------------------------


def service(
    name: str = "payments",
    *,
    namespace: str = NAMESPACE,
    selector: Mapping[str, str] | None = None,
    alert_match: Mapping[str, str] | None = None,
    dependencies: tuple[Dependency, ...] = (),
    slo: Slo | None = None,
    data: DataPolicy = UNDECLARED,
    tier: str = "standard",
) -> ServiceSpec:
    return ServiceSpec(
        name=name,
        tier=tier,
        team="payments-team",
        namespace=namespace,
        selector=dict(selector or {}),
        alert_match=dict(alert_match or {}),
        dependencies=dependencies,
        slo=slo,
        data=data,
    )


def dependency(name: str, *timeout_keys: str) -> Dependency:
    return Dependency(name, tuple(timeout_keys))


# --- pods ----------------------------------------------------------------------------------


def env(name: str, value: str) -> EnvVar:
    return EnvVar(name, value)


def env_from_configmap(name: str, configmap: str, key: str) -> EnvVar:
    return EnvVar(name, None, configmap=(configmap, key))


def env_from_secret(name: str, secret: str, key: str) -> EnvVar:
    return EnvVar(name, None, secret=(secret, key))


def container(
    name: str = "app",
    image: str = PINNED_IMAGE,
    *,
    init: bool = False,
    liveness: bool = True,
    readiness: bool = True,
    env: tuple[EnvVar, ...] = (),
    env_from: tuple[str, ...] = (),
    requests: Mapping[str, str] = REQUESTS,
    limits: Mapping[str, str] = MEMORY_LIMIT,
    privileged: bool = False,
    run_as_user: int | None = None,
    run_as_non_root: bool | None = True,
) -> Container:
    return Container(
        name=name,
        image=image,
        init=init,
        env=env,
        env_from_configmaps=env_from,
        liveness_probe=liveness,
        readiness_probe=readiness,
        requests=dict(requests),
        limits=dict(limits),
        privileged=privileged,
        run_as_user=run_as_user,
        run_as_non_root=run_as_non_root,
    )


def workload(
    name: str = "api",
    *containers: Container,
    kind: str = "Deployment",
    namespace: str = NAMESPACE,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    pod_labels: Mapping[str, str] | None = None,
    pod_annotations: Mapping[str, str] | None = None,
    replicas: int | None = 3,
    service_account: str = "api",
    pod_run_as_user: int | None = None,
    pod_run_as_non_root: bool | None = None,
    configmap_volumes: tuple[str, ...] = (),
) -> Workload:
    return Workload(
        ref=Ref(kind, namespace, name),
        labels=dict(labels if labels is not None else {"app": name}),
        annotations=dict(annotations or {}),
        pod_labels=dict(pod_labels if pod_labels is not None else {"app": name}),
        pod_annotations=dict(pod_annotations or {}),
        replicas=None if kind == "DaemonSet" else replicas,
        containers=containers or (container(),),
        service_account=service_account,
        pod_run_as_user=pod_run_as_user,
        pod_run_as_non_root=pod_run_as_non_root,
        configmap_volumes=configmap_volumes,
    )


def daemonset(name: str = "agent", *containers: Container, **kwargs: Any) -> Workload:
    return workload(name, *containers, kind="DaemonSet", **kwargs)


def statefulset(name: str = "db", *containers: Container, **kwargs: Any) -> Workload:
    return workload(name, *containers, kind="StatefulSet", **kwargs)


# --- objects around the pods ---------------------------------------------------------------


def pdb(
    name: str,
    match_labels: Mapping[str, str],
    expressions: tuple[tuple[str, str, tuple[str, ...]], ...] = (),
    *,
    namespace: str = NAMESPACE,
) -> PodDisruptionBudget:
    return PodDisruptionBudget(
        Ref("PodDisruptionBudget", namespace, name),
        LabelSelector(dict(match_labels), expressions),
        "1",
        None,
    )


def hpa(
    target: str,
    min_replicas: int = 3,
    max_replicas: int = 10,
    *,
    metrics: int = 1,
    target_kind: str = "Deployment",
    namespace: str = NAMESPACE,
) -> Autoscaler:
    return Autoscaler(
        Ref("HorizontalPodAutoscaler", namespace, target),
        target_kind,
        target,
        min_replicas,
        max_replicas,
        metrics,
    )


def replicaset(
    name: str, owner: str, revision: str = "1", history: str | None = None
) -> ReplicaSet:
    return ReplicaSet(Ref("ReplicaSet", NAMESPACE, name), owner, revision, history)


def configmap(name: str, data: Mapping[str, str], *, namespace: str = NAMESPACE) -> ConfigMap:
    return ConfigMap(Ref("ConfigMap", namespace, name), dict(data))


def service_account(name: str = "api", namespace: str = NAMESPACE) -> Subject:
    return Subject("ServiceAccount", name, namespace)


def cluster_role_binding(name: str, role: str, *subjects: Subject) -> Binding:
    return Binding(
        Ref("ClusterRoleBinding", "", name),
        "ClusterRole",
        role,
        subjects or (service_account(),),
    )


def role_binding(
    name: str, role_kind: str, role: str, *subjects: Subject, namespace: str = NAMESPACE
) -> Binding:
    return Binding(
        Ref("RoleBinding", namespace, name), role_kind, role, subjects or (service_account(),)
    )


def rbac_role(
    name: str, *, wildcard: bool, kind: str = "Role", namespace: str = NAMESPACE
) -> RbacRole:
    return RbacRole(Ref(kind, "" if kind == "ClusterRole" else namespace, name), wildcard)


def roles(*found: RbacRole) -> dict[tuple[str, str, str], RbacRole]:
    return {(r.ref.kind, r.ref.namespace, r.ref.name): r for r in found}


def ingress(name: str, hosts: tuple[str, ...], tls_hosts: tuple[str, ...] = ()) -> Ingress:
    return Ingress(Ref("Ingress", NAMESPACE, name), hosts, tls_hosts)


# --- Velero --------------------------------------------------------------------------------


def schedule(
    name: str = "daily",
    cron: str = "0 3 * * *",
    *,
    paused: bool = False,
    ttl: str | None = "720h0m0s",
    included: tuple[str, ...] = (NAMESPACE,),
    excluded: tuple[str, ...] = (),
) -> VeleroSchedule:
    return VeleroSchedule(
        Ref("Schedule", "velero", name), cron, paused, ttl, included, excluded, None
    )


def backup(
    name: str,
    *,
    included: tuple[str, ...] = (NAMESPACE,),
    excluded: tuple[str, ...] = (),
    phase: str = "Completed",
    completed: datetime | None = None,
) -> VeleroBackup:
    return VeleroBackup(
        Ref("Backup", "velero", name), phase, included, excluded, completed or days_ago(6)
    )


def restore(
    name: str,
    backup_name: str = "daily-20260820",
    *,
    phase: str = "Completed",
    completed: datetime | None = None,
    included: tuple[str, ...] = (),
    excluded: tuple[str, ...] = (),
    mapping: Mapping[str, str] | None = None,
) -> VeleroRestore:
    return VeleroRestore(
        Ref("Restore", "velero", name),
        phase,
        backup_name,
        included,
        excluded,
        dict(mapping or {}),
        completed,
    )


# --- Prometheus and Alertmanager -----------------------------------------------------------


def alert(
    name: str,
    expr: str = 'sum(rate(http_requests_total{code=~"5.."}[5m])) > 1',
    *,
    severity: str | None = "critical",
    runbook: str | None = RUNBOOK,
    labels: Mapping[str, str] | None = None,
) -> Rule:
    all_labels = dict(labels or {})
    if severity is not None:
        all_labels["severity"] = severity
    annotations = {"runbook_url": runbook} if runbook is not None else {}
    return Rule("alert", name, expr, all_labels, annotations, "payments", "rules.yaml:1")


def record(name: str, expr: str = "sum(rate(http_requests_total[5m]))") -> Rule:
    return Rule("record", name, expr, {}, {}, "payments", "rules.yaml:1")


def route(receiver: str, *matchers: str, depth: int = 1) -> Route:
    return Route(receiver, matchers, depth)


def alertmanager(
    *routes: Route, receivers: Mapping[str, tuple[str, ...]] | None = None
) -> AlertmanagerConfig:
    root = Route("default", (), 0)
    return AlertmanagerConfig(
        "alertmanager.yml",
        (root, *routes),
        dict(receivers if receivers is not None else {"default": ("email",)}),
    )
