"""Typed evidence, and the fleet-wide index evaluators read it through.

Sources parse raw payloads into these frozen records at the boundary; nothing in `checks/` sees
a raw Kubernetes dict or a rule file. The fleet snapshot is indexed once by namespace so that
slicing it for one service costs the size of that namespace, not of the fleet: evaluation of
N services over M objects stays O(N + M) instead of O(N x M).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from checks.model import ServiceSpec

KUBERNETES = "kubernetes"
PROMETHEUS = "prometheus"
ALERTMANAGER = "alertmanager"
PAGERDUTY = "pagerduty"
SOURCES = (KUBERNETES, PROMETHEUS, ALERTMANAGER, PAGERDUTY)


@dataclass(frozen=True, slots=True)
class Ref:
    """Where a piece of evidence came from: `Deployment payments/api (manifests/api.yaml:3)`."""

    kind: str
    namespace: str
    name: str
    origin: str = ""

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}" + (f" ({self.origin})" if self.origin else "")


@dataclass(frozen=True, slots=True)
class EnvVar:
    name: str
    value: str | None  # a literal value; None when it comes from elsewhere
    configmap: tuple[str, str] | None = None  # (configmap, key) of a configMapKeyRef
    secret: tuple[str, str] | None = None  # (secret, key) of a secretKeyRef


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    image: str
    init: bool = False
    env: tuple[EnvVar, ...] = ()
    env_from_configmaps: tuple[str, ...] = ()
    liveness_probe: bool = False
    readiness_probe: bool = False
    requests: Mapping[str, str] = field(default_factory=dict)
    limits: Mapping[str, str] = field(default_factory=dict)
    privileged: bool = False
    run_as_user: int | None = None
    run_as_non_root: bool | None = None


@dataclass(frozen=True, slots=True)
class Workload:
    ref: Ref
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    pod_labels: Mapping[str, str]
    pod_annotations: Mapping[str, str]
    replicas: int | None  # None for DaemonSets
    containers: tuple[Container, ...]
    service_account: str = "default"
    pod_run_as_user: int | None = None
    pod_run_as_non_root: bool | None = None
    configmap_volumes: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return self.ref.kind


@dataclass(frozen=True, slots=True)
class LabelSelector:
    match_labels: Mapping[str, str]
    # (key, operator, values) for In / NotIn / Exists / DoesNotExist
    match_expressions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if any(labels.get(k) != v for k, v in self.match_labels.items()):
            return False
        for key, op, values in self.match_expressions:
            present = key in labels
            if op == "In" and (not present or labels[key] not in values):
                return False
            if op == "NotIn" and present and labels[key] in values:
                return False
            if op == "Exists" and not present:
                return False
            if op == "DoesNotExist" and present:
                return False
        return True

    @property
    def empty(self) -> bool:
        return not self.match_labels and not self.match_expressions


@dataclass(frozen=True, slots=True)
class PodDisruptionBudget:
    ref: Ref
    selector: LabelSelector
    min_available: str | None
    max_unavailable: str | None


@dataclass(frozen=True, slots=True)
class Autoscaler:
    ref: Ref
    target_kind: str
    target_name: str
    min_replicas: int
    max_replicas: int
    metrics: int


@dataclass(frozen=True, slots=True)
class ReplicaSet:
    ref: Ref
    owner: str  # the owning Deployment's name, "" if none
    revision: str | None
    revision_history: str | None


@dataclass(frozen=True, slots=True)
class ConfigMap:
    ref: Ref
    data: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str
    name: str
    namespace: str


@dataclass(frozen=True, slots=True)
class Binding:
    ref: Ref  # namespace "" for ClusterRoleBinding
    role_kind: str  # Role or ClusterRole
    role_name: str
    subjects: tuple[Subject, ...]


@dataclass(frozen=True, slots=True)
class RbacRole:
    ref: Ref  # namespace "" for ClusterRole
    wildcard: bool  # any rule with "*" in verbs, resources or apiGroups+resources


@dataclass(frozen=True, slots=True)
class Ingress:
    ref: Ref
    hosts: tuple[str, ...]
    tls_hosts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VeleroSchedule:
    ref: Ref
    schedule: str
    paused: bool
    ttl: str | None  # as written, e.g. "720h0m0s"
    included_namespaces: tuple[str, ...]
    excluded_namespaces: tuple[str, ...]
    last_backup: datetime | None

    def covers(self, namespace: str) -> bool:
        return _covers(self.included_namespaces, self.excluded_namespaces, namespace)


@dataclass(frozen=True, slots=True)
class VeleroBackup:
    ref: Ref
    phase: str
    included_namespaces: tuple[str, ...]
    excluded_namespaces: tuple[str, ...]
    completed: datetime | None
    schedule: str = ""

    def covers(self, namespace: str) -> bool:
        return _covers(self.included_namespaces, self.excluded_namespaces, namespace)


@dataclass(frozen=True, slots=True)
class VeleroRestore:
    ref: Ref
    phase: str
    backup_name: str
    included_namespaces: tuple[str, ...]  # empty: whatever the backup holds
    excluded_namespaces: tuple[str, ...]
    namespace_mapping: Mapping[str, str]
    completed: datetime | None


def _covers(included: tuple[str, ...], excluded: tuple[str, ...], namespace: str) -> bool:
    if namespace in excluded or "*" in excluded:
        return False
    return not included or "*" in included or namespace in included


@dataclass(frozen=True, slots=True)
class Rule:
    """A Prometheus alerting or recording rule, with where it was defined."""

    kind: Literal["alert", "record"]
    name: str
    expr: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    group: str
    origin: str
    namespace: str = ""  # of the PrometheusRule object that carried it, if any

    def matches(self, match: Mapping[str, str]) -> bool:
        return all(self.labels.get(k) == v for k, v in match.items())

    @property
    def runbook_url(self) -> str:
        """The `runbook_url` annotation, blank when absent or only whitespace."""
        return self.annotations.get("runbook_url", "").strip()


@dataclass(frozen=True, slots=True)
class Route:
    """One node of the Alertmanager route tree, flattened in pre-order: a node's children are
    the nodes after it one level deeper, up to the next node at its own depth or above."""

    receiver: str
    matchers: tuple[str, ...]  # normalised "label=value", "label=~regex", "!=", "!~"
    depth: int
    continue_: bool = False  # Alertmanager's `continue`: keep matching later siblings


@dataclass(frozen=True, slots=True)
class AlertmanagerConfig:
    origin: str
    routes: tuple[Route, ...]
    receivers: Mapping[str, tuple[str, ...]]  # receiver name -> integration types


@dataclass(frozen=True, slots=True)
class Problem:
    """Evidence we could not read. It makes the items that need its source `unknown`."""

    source: str
    namespace: str | None  # None: could belong to anyone (a file that does not parse)
    message: str


@dataclass(frozen=True, slots=True)
class ServiceEvidence:
    """One service's slice of the fleet snapshot: what its evaluators may read."""

    workloads: tuple[Workload, ...] = ()
    pdbs: tuple[PodDisruptionBudget, ...] = ()
    autoscalers: tuple[Autoscaler, ...] = ()
    replicasets: tuple[ReplicaSet, ...] = ()
    configmaps: Mapping[str, ConfigMap] = field(default_factory=dict)
    bindings: tuple[Binding, ...] = ()  # bindings whose subjects include the service's accounts
    roles: Mapping[tuple[str, str, str], RbacRole] = field(default_factory=dict)
    ingresses: tuple[Ingress, ...] = ()
    schedules: tuple[VeleroSchedule, ...] = ()
    backups: tuple[VeleroBackup, ...] = ()
    restores: tuple[VeleroRestore, ...] = ()
    rules: tuple[Rule, ...] = ()
    alertmanager: AlertmanagerConfig | None = None
    # source -> why its evidence for this service cannot be trusted
    problems: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # newest successful restore remembered beyond the Restore objects' lifetime
    remembered_restore: datetime | None = None

    @property
    def alerts(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.kind == "alert")

    @property
    def scalable(self) -> tuple[Workload, ...]:
        """Workloads whose replica count is ours to choose (not DaemonSets)."""
        return tuple(w for w in self.workloads if w.replicas is not None)


@dataclass(frozen=True, slots=True)
class SourceStatus:
    ok: bool
    error: str = ""  # why it failed; names the source and the cause, never a secret


class FleetEvidence:
    """Everything every source saw this cycle, indexed once by namespace."""

    def __init__(
        self,
        *,
        workloads: Iterable[Workload] = (),
        pdbs: Iterable[PodDisruptionBudget] = (),
        autoscalers: Iterable[Autoscaler] = (),
        replicasets: Iterable[ReplicaSet] = (),
        configmaps: Iterable[ConfigMap] = (),
        bindings: Iterable[Binding] = (),
        roles: Iterable[RbacRole] = (),
        ingresses: Iterable[Ingress] = (),
        schedules: Iterable[VeleroSchedule] = (),
        backups: Iterable[VeleroBackup] = (),
        restores: Iterable[VeleroRestore] = (),
        rules: Iterable[Rule] = (),
        alertmanager: AlertmanagerConfig | None = None,
        problems: Iterable[Problem] = (),
        sources: Mapping[str, SourceStatus] | None = None,
        remembered_restores: Mapping[str, datetime] | None = None,
    ) -> None:
        self.workloads = _by_namespace(workloads)
        self.pdbs = _by_namespace(pdbs)
        self.autoscalers = _by_namespace(autoscalers)
        self.replicasets = _by_namespace(replicasets)
        self.configmaps = _by_namespace(configmaps)
        self.ingresses = _by_namespace(ingresses)
        self.roles = {(r.ref.kind, r.ref.namespace, r.ref.name): r for r in roles}
        # A binding is found through its subjects' namespace, where service accounts live.
        self.bindings: dict[str, list[Binding]] = defaultdict(list)
        for binding in bindings:
            for ns in {s.namespace or binding.ref.namespace for s in binding.subjects}:
                self.bindings[ns].append(binding)
        self.schedules = _NamespaceScope(schedules, lambda s: s.included_namespaces)
        backups = tuple(backups)
        self.backups_by_name = {b.ref.name: b for b in backups}
        self.backups = _NamespaceScope(backups, lambda b: b.included_namespaces)
        self.restores = _NamespaceScope(restores, self._restore_namespaces)
        self.rules = tuple(rules)
        self.rules_by_label: dict[tuple[str, str], list[Rule]] = defaultdict(list)
        for rule in self.rules:
            for label in rule.labels.items():
                self.rules_by_label[label].append(rule)
        self.alertmanager = alertmanager
        self.problems = tuple(problems)
        # Problems by namespace; None holds those that could belong to anyone.
        self.problems_by_namespace: dict[str | None, list[Problem]] = defaultdict(list)
        for problem in self.problems:
            self.problems_by_namespace[problem.namespace].append(problem)
        self.sources: Mapping[str, SourceStatus] = dict(sources or {})
        self.remembered_restores: Mapping[str, datetime] = dict(remembered_restores or {})

    def for_service(self, spec: ServiceSpec) -> ServiceEvidence:
        ns = spec.namespace
        workloads = tuple(
            w for w in self.workloads.get(ns, ()) if _selected(spec.selector, w.labels)
        )
        names = {w.ref.name for w in workloads}
        accounts = {w.service_account for w in workloads}
        pod_labels = [w.pod_labels for w in workloads]
        return ServiceEvidence(
            workloads=workloads,
            pdbs=tuple(
                p
                for p in self.pdbs.get(ns, ())
                if not p.selector.empty and any(p.selector.matches(lbl) for lbl in pod_labels)
            ),
            autoscalers=tuple(a for a in self.autoscalers.get(ns, ()) if a.target_name in names),
            replicasets=tuple(r for r in self.replicasets.get(ns, ()) if r.owner in names),
            configmaps={c.ref.name: c for c in self.configmaps.get(ns, ())},
            bindings=tuple(
                b
                for b in self.bindings.get(ns, ())
                if any(
                    s.kind == "ServiceAccount"
                    and (s.namespace or b.ref.namespace) == ns
                    and s.name in accounts
                    for s in b.subjects
                )
            ),
            roles=self.roles,
            ingresses=tuple(
                i for i in self.ingresses.get(ns, ()) if not spec.selector or _named_for(i, names)
            ),
            schedules=tuple(s for s in self.schedules.candidates(ns) if s.covers(ns)),
            backups=tuple(b for b in self.backups.candidates(ns) if b.covers(ns)),
            restores=tuple(r for r in self.restores.candidates(ns) if self._restore_covers(r, ns)),
            rules=self._rules_for(spec),
            alertmanager=self.alertmanager,
            problems=self._problems_for(ns),
            remembered_restore=self.remembered_restores.get(spec.name),
        )

    def _rules_for(self, spec: ServiceSpec) -> tuple[Rule, ...]:
        if not spec.alert_match:
            return self.rules
        # Start from the rarest matching label's bucket, then check the rest.
        buckets = [self.rules_by_label.get(item, []) for item in spec.alert_match.items()]
        smallest = min(buckets, key=len)
        return tuple(r for r in smallest if r.matches(spec.alert_match))

    def _restore_namespaces(self, restore: VeleroRestore) -> tuple[str, ...]:
        """Namespaces a restore names outright; empty when it may cover any."""
        if restore.included_namespaces:
            return restore.included_namespaces
        backup = self.backups_by_name.get(restore.backup_name)
        if backup is None:
            return (*restore.namespace_mapping, *restore.namespace_mapping.values()) or ("",)
        return backup.included_namespaces

    def _restore_covers(self, restore: VeleroRestore, namespace: str) -> bool:
        if restore.included_namespaces:
            return _covers(restore.included_namespaces, restore.excluded_namespaces, namespace)
        backup = self.backups_by_name.get(restore.backup_name)
        # Velero deletes a Restore with its Backup; a Restore whose backup we cannot see still
        # counts when it names the namespace through its mapping.
        if backup is None:
            return namespace in restore.namespace_mapping or namespace in (
                restore.namespace_mapping.values()
            )
        return backup.covers(namespace) and namespace not in restore.excluded_namespaces

    def _problems_for(self, namespace: str) -> Mapping[str, tuple[str, ...]]:
        found: dict[str, list[str]] = defaultdict(list)
        for key in (None, namespace):
            for problem in self.problems_by_namespace.get(key, ()):
                found[problem.source].append(problem.message)
        for source, status in self.sources.items():
            if not status.ok:
                found[source].insert(0, status.error or f"{source} is unavailable")
        return {k: tuple(v) for k, v in found.items()}


class _NamespaceScope[T]:
    """Velero objects indexed by the namespaces they name, so that one service's lookup reads
    its own bucket plus the few objects that cover every namespace, not the whole fleet's."""

    def __init__(self, objects: Iterable[T], namespaces: Callable[[T], tuple[str, ...]]) -> None:
        self.named: dict[str, list[T]] = defaultdict(list)
        self.everywhere: list[T] = []
        for obj in objects:
            names = namespaces(obj)
            if not names or "*" in names:
                self.everywhere.append(obj)
            for name in set(names) - {"*"}:
                self.named[name].append(obj)

    def candidates(self, namespace: str) -> list[T]:
        return self.named.get(namespace, []) + self.everywhere


class _HasRef(Protocol):
    @property
    def ref(self) -> Ref: ...


def _by_namespace[T: _HasRef](objects: Iterable[T]) -> dict[str, tuple[T, ...]]:
    index: dict[str, list[T]] = defaultdict(list)
    for obj in objects:
        index[obj.ref.namespace].append(obj)
    return {k: tuple(v) for k, v in index.items()}


def _selected(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def _named_for(ingress: Ingress, workloads: set[str]) -> bool:
    # Ingresses select Services, not pods; with a selector in play we attribute an Ingress by
    # name prefix, the common convention, rather than guessing across Service objects.
    return any(ingress.ref.name.startswith(name) for name in workloads)
