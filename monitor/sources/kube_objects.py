"""Kubernetes objects (as plain dicts, from files or the API) to typed evidence.

The boundary where raw payloads stop. Live and offline modes both end here, so a field is read
one way whichever way it arrived. An object whose shape is wrong becomes a `Problem` that names
the object, the field and the file, and taints only its namespace; it never raises.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from checks.evidence import (
    KUBERNETES,
    PROMETHEUS,
    AlertmanagerConfig,
    Autoscaler,
    Binding,
    ConfigMap,
    Container,
    EnvVar,
    Ingress,
    LabelSelector,
    PodDisruptionBudget,
    Problem,
    RbacRole,
    Ref,
    ReplicaSet,
    Rule,
    Subject,
    VeleroBackup,
    VeleroRestore,
    VeleroSchedule,
    Workload,
)
from monitor.sources.rules import RuleFileError, parse_groups


class Malformed(ValueError):
    """A field has the wrong shape. Caught per object, turned into a Problem."""


@dataclass
class Collected:
    """What a source yields in one fetch, by kind. Every source fills the parts it knows."""

    workloads: list[Workload] = field(default_factory=list)
    pdbs: list[PodDisruptionBudget] = field(default_factory=list)
    autoscalers: list[Autoscaler] = field(default_factory=list)
    replicasets: list[ReplicaSet] = field(default_factory=list)
    configmaps: list[ConfigMap] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)
    roles: list[RbacRole] = field(default_factory=list)
    ingresses: list[Ingress] = field(default_factory=list)
    schedules: list[VeleroSchedule] = field(default_factory=list)
    backups: list[VeleroBackup] = field(default_factory=list)
    restores: list[VeleroRestore] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    alertmanager: AlertmanagerConfig | None = None
    problems: list[Problem] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)
    read: int = 0


# --- field access that names the path on failure ---------------------------------------------


def _map(value: object, path: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise Malformed(f"{path} must be a mapping, not {type(value).__name__}")
    return value


def _list(value: object, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Malformed(f"{path} must be a list, not {type(value).__name__}")
    return value


def _str(value: object, path: str, default: str = "") -> str:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Malformed(f"{path} must be a string, not {type(value).__name__}")
    return str(value)


def _int(value: object, path: str, default: int | None = None) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed(f"{path} must be an integer, not {value!r}")
    return value


def _labels(value: object, path: str) -> dict[str, str]:
    return {str(k): _str(v, f"{path}.{k}") for k, v in _map(value, path).items()}


def _time(value: object, path: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise Malformed(f"{path} is not a timestamp: {value!r}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise Malformed(f"{path} is not a timestamp: {value!r}")


def _selector(value: object, path: str) -> LabelSelector:
    raw = _map(value, path)
    expressions = []
    for i, expr in enumerate(_list(raw.get("matchExpressions"), f"{path}.matchExpressions")):
        e = _map(expr, f"{path}.matchExpressions[{i}]")
        expressions.append(
            (
                _str(e.get("key"), f"{path}.matchExpressions[{i}].key"),
                _str(e.get("operator"), f"{path}.matchExpressions[{i}].operator"),
                tuple(_str(v, "values") for v in _list(e.get("values"), "values")),
            )
        )
    return LabelSelector(_labels(raw.get("matchLabels"), f"{path}.matchLabels"), tuple(expressions))


# --- kinds ------------------------------------------------------------------------------------


def _container(raw: object, path: str, init: bool) -> Container:
    c = _map(raw, path)
    env: list[EnvVar] = []
    for i, e in enumerate(_list(c.get("env"), f"{path}.env")):
        var = _map(e, f"{path}.env[{i}]")
        name = _str(var.get("name"), f"{path}.env[{i}].name")
        source = _map(var.get("valueFrom"), f"{path}.env[{i}].valueFrom")
        cm = _map(source.get("configMapKeyRef"), "configMapKeyRef")
        secret = _map(source.get("secretKeyRef"), "secretKeyRef")
        env.append(
            EnvVar(
                name,
                _str(var["value"], f"{path}.env[{i}].value") if "value" in var else None,
                (_str(cm.get("name"), "name"), _str(cm.get("key"), "key")) if cm else None,
                (_str(secret.get("name"), "name"), _str(secret.get("key"), "key"))
                if secret
                else None,
            )
        )
    env_from = []
    for i, e in enumerate(_list(c.get("envFrom"), f"{path}.envFrom")):
        ref = _map(_map(e, f"{path}.envFrom[{i}]").get("configMapRef"), "configMapRef")
        if ref:
            env_from.append(_str(ref.get("name"), f"{path}.envFrom[{i}].configMapRef.name"))
    resources = _map(c.get("resources"), f"{path}.resources")
    security = _map(c.get("securityContext"), f"{path}.securityContext")
    image = c.get("image")
    if not isinstance(image, str) or not image:
        raise Malformed(f"{path}.image is missing")
    return Container(
        name=_str(c.get("name"), f"{path}.name", "?"),
        image=image,
        init=init,
        env=tuple(env),
        env_from_configmaps=tuple(env_from),
        liveness_probe=bool(c.get("livenessProbe")),
        readiness_probe=bool(c.get("readinessProbe")),
        requests=_labels(resources.get("requests"), f"{path}.resources.requests"),
        limits=_labels(resources.get("limits"), f"{path}.resources.limits"),
        privileged=security.get("privileged") is True,
        run_as_user=_int(security.get("runAsUser"), f"{path}.securityContext.runAsUser"),
        run_as_non_root=security.get("runAsNonRoot")
        if isinstance(security.get("runAsNonRoot"), bool)
        else None,
    )


def _workload(obj: Mapping[str, Any], ref: Ref, meta: Mapping[str, Any]) -> Workload:
    spec = _map(obj.get("spec"), "spec")
    template = _map(spec.get("template"), "spec.template")
    if not template:
        raise Malformed("spec.template is missing")
    pod_meta = _map(template.get("metadata"), "spec.template.metadata")
    pod = _map(template.get("spec"), "spec.template.spec")
    containers_raw = _list(pod.get("containers"), "spec.template.spec.containers")
    if not containers_raw:
        raise Malformed("spec.template.spec.containers is missing or empty")
    containers = [
        _container(c, f"spec.template.spec.containers[{i}]", False)
        for i, c in enumerate(containers_raw)
    ] + [
        _container(c, f"spec.template.spec.initContainers[{i}]", True)
        for i, c in enumerate(_list(pod.get("initContainers"), "spec.template.spec.initContainers"))
    ]
    security = _map(pod.get("securityContext"), "spec.template.spec.securityContext")
    volumes = []
    for i, v in enumerate(_list(pod.get("volumes"), "spec.template.spec.volumes")):
        cm = _map(_map(v, f"volumes[{i}]").get("configMap"), f"volumes[{i}].configMap")
        if cm.get("name"):
            volumes.append(_str(cm["name"], f"volumes[{i}].configMap.name"))
    replicas: int | None = None
    if ref.kind != "DaemonSet":
        replicas = _int(spec.get("replicas"), "spec.replicas", 1)
    return Workload(
        ref=ref,
        labels=_labels(meta.get("labels"), "metadata.labels"),
        annotations=_labels(meta.get("annotations"), "metadata.annotations"),
        pod_labels=_labels(pod_meta.get("labels"), "spec.template.metadata.labels"),
        pod_annotations=_labels(pod_meta.get("annotations"), "spec.template.metadata.annotations"),
        replicas=replicas,
        containers=tuple(containers),
        service_account=_str(
            pod.get("serviceAccountName") or pod.get("serviceAccount"),
            "spec.template.spec.serviceAccountName",
            "default",
        ),
        pod_run_as_user=_int(security.get("runAsUser"), "securityContext.runAsUser"),
        pod_run_as_non_root=security.get("runAsNonRoot")
        if isinstance(security.get("runAsNonRoot"), bool)
        else None,
        configmap_volumes=tuple(volumes),
    )


def _rbac_wildcard(obj: Mapping[str, Any]) -> bool:
    for i, rule in enumerate(_list(obj.get("rules"), "rules")):
        r = _map(rule, f"rules[{i}]")
        verbs = _list(r.get("verbs"), f"rules[{i}].verbs")
        resources = _list(r.get("resources"), f"rules[{i}].resources")
        if "*" in verbs or "*" in resources:
            return True
    return False


def _strings(value: object, path: str) -> tuple[str, ...]:
    return tuple(_str(v, path) for v in _list(value, path))


class ObjectReader:
    """Turns raw objects into `Collected`, one call per object."""

    def __init__(self) -> None:
        self.out = Collected()

    def add(self, obj: object, origin: str) -> None:
        self.out.read += 1
        if obj is None:
            return
        if not isinstance(obj, Mapping):
            self._problem(
                None, f"{origin}: a document must be a Kubernetes object, not {type(obj).__name__}"
            )
            return
        kind = obj.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(obj.get("items"), list):
            for i, item in enumerate(obj["items"]):
                self.add(item, f"{origin} items[{i}]")
            return
        if not isinstance(kind, str) or not kind:
            self._problem(None, f"{origin}: no kind")
            return
        meta_raw = obj.get("metadata")
        namespace: str | None = None
        try:
            meta = _map(meta_raw, "metadata")
            namespace = _str(meta.get("namespace"), "metadata.namespace", "default")
            name = _str(meta.get("name"), "metadata.name")
            if not name:
                raise Malformed("metadata.name is missing")
            api = _str(obj.get("apiVersion"), "apiVersion")
            self._dispatch(kind, api, obj, meta, Ref(kind, namespace, name, origin))
        except Malformed as exc:
            label = f"{kind} {namespace}/{_safe_name(meta_raw)}" if namespace else kind
            self._problem(namespace, f"{origin}: {label}: {exc}")

    def _problem(self, namespace: str | None, message: str) -> None:
        source = KUBERNETES
        self.out.problems.append(Problem(source, namespace, message))

    def _dispatch(
        self, kind: str, api: str, obj: Mapping[str, Any], meta: Mapping[str, Any], ref: Ref
    ) -> None:
        out = self.out
        spec = _map(obj.get("spec"), "spec")
        status = _map(obj.get("status"), "status")
        velero = api.startswith("velero.io/")
        if kind in ("Deployment", "StatefulSet", "DaemonSet"):
            out.workloads.append(_workload(obj, ref, meta))
        elif kind == "ReplicaSet":
            owners = [
                _map(o, "metadata.ownerReferences[]")
                for o in _list(meta.get("ownerReferences"), "metadata.ownerReferences")
            ]
            owner = next(
                (_str(o.get("name"), "name") for o in owners if o.get("kind") == "Deployment"), ""
            )
            annotations = _labels(meta.get("annotations"), "metadata.annotations")
            out.replicasets.append(
                ReplicaSet(
                    ref,
                    owner,
                    annotations.get("deployment.kubernetes.io/revision"),
                    annotations.get("deployment.kubernetes.io/revision-history"),
                )
            )
        elif kind == "PodDisruptionBudget":
            out.pdbs.append(
                PodDisruptionBudget(
                    ref,
                    _selector(spec.get("selector"), "spec.selector"),
                    _str(spec.get("minAvailable"), "spec.minAvailable") or None,
                    _str(spec.get("maxUnavailable"), "spec.maxUnavailable") or None,
                )
            )
        elif kind == "HorizontalPodAutoscaler":
            target = _map(spec.get("scaleTargetRef"), "spec.scaleTargetRef")
            metrics = _list(spec.get("metrics"), "spec.metrics")
            # autoscaling/v1 scales on CPU through targetCPUUtilizationPercentage
            if not metrics and spec.get("targetCPUUtilizationPercentage") is not None:
                metrics = [{"cpu": spec["targetCPUUtilizationPercentage"]}]
            max_replicas = _int(spec.get("maxReplicas"), "spec.maxReplicas")
            if max_replicas is None:
                raise Malformed("spec.maxReplicas is missing")
            out.autoscalers.append(
                Autoscaler(
                    ref,
                    _str(target.get("kind"), "spec.scaleTargetRef.kind"),
                    _str(target.get("name"), "spec.scaleTargetRef.name"),
                    _int(spec.get("minReplicas"), "spec.minReplicas", 1) or 1,
                    max_replicas,
                    len(metrics),
                )
            )
        elif kind == "ConfigMap":
            out.configmaps.append(ConfigMap(ref, _labels(obj.get("data"), "data")))
        elif kind in ("RoleBinding", "ClusterRoleBinding"):
            role = _map(obj.get("roleRef"), "roleRef")
            subjects = []
            for i, s in enumerate(_list(obj.get("subjects"), "subjects")):
                sub = _map(s, f"subjects[{i}]")
                subjects.append(
                    Subject(
                        _str(sub.get("kind"), f"subjects[{i}].kind"),
                        _str(sub.get("name"), f"subjects[{i}].name"),
                        _str(sub.get("namespace"), f"subjects[{i}].namespace"),
                    )
                )
            cluster = kind == "ClusterRoleBinding"
            out.bindings.append(
                Binding(
                    Ref(kind, "" if cluster else ref.namespace, ref.name, ref.origin),
                    _str(role.get("kind"), "roleRef.kind"),
                    _str(role.get("name"), "roleRef.name"),
                    tuple(subjects),
                )
            )
        elif kind in ("Role", "ClusterRole"):
            cluster = kind == "ClusterRole"
            out.roles.append(
                RbacRole(
                    Ref(kind, "" if cluster else ref.namespace, ref.name, ref.origin),
                    _rbac_wildcard(obj),
                )
            )
        elif kind == "Ingress":
            hosts = [
                _str(_map(r, "spec.rules[]").get("host"), "spec.rules[].host", "*")
                for r in _list(spec.get("rules"), "spec.rules")
            ]
            tls_hosts = [
                h
                for t in _list(spec.get("tls"), "spec.tls")
                for h in _strings(_map(t, "spec.tls[]").get("hosts"), "spec.tls[].hosts")
            ]
            out.ingresses.append(Ingress(ref, tuple(hosts), tuple(tls_hosts)))
        elif kind == "PrometheusRule":
            try:
                rules = parse_groups(spec.get("groups"), str(ref), ref.namespace)
            except RuleFileError as exc:
                out.problems.append(Problem(PROMETHEUS, ref.namespace, f"{ref}: {exc}"))
            else:
                out.rules.extend(rules)
        elif velero and kind == "Schedule":
            template = _map(spec.get("template"), "spec.template")
            cron = _str(spec.get("schedule"), "spec.schedule")
            if not cron:
                raise Malformed("spec.schedule is missing")
            out.schedules.append(
                VeleroSchedule(
                    ref,
                    cron,
                    spec.get("paused") is True,
                    _str(template.get("ttl"), "spec.template.ttl") or None,
                    _strings(
                        template.get("includedNamespaces"), "spec.template.includedNamespaces"
                    ),
                    _strings(
                        template.get("excludedNamespaces"), "spec.template.excludedNamespaces"
                    ),
                    _time(status.get("lastBackup"), "status.lastBackup"),
                )
            )
        elif velero and kind == "Backup":
            labels = _labels(meta.get("labels"), "metadata.labels")
            out.backups.append(
                VeleroBackup(
                    ref,
                    _str(status.get("phase"), "status.phase"),
                    _strings(spec.get("includedNamespaces"), "spec.includedNamespaces"),
                    _strings(spec.get("excludedNamespaces"), "spec.excludedNamespaces"),
                    _time(status.get("completionTimestamp"), "status.completionTimestamp"),
                    labels.get("velero.io/schedule-name", ""),
                )
            )
        elif velero and kind == "Restore":
            mapping = _labels(spec.get("namespaceMapping"), "spec.namespaceMapping")
            out.restores.append(
                VeleroRestore(
                    ref,
                    _str(status.get("phase"), "status.phase"),
                    _str(spec.get("backupName"), "spec.backupName"),
                    _strings(spec.get("includedNamespaces"), "spec.includedNamespaces"),
                    _strings(spec.get("excludedNamespaces"), "spec.excludedNamespaces"),
                    mapping,
                    _time(status.get("completionTimestamp"), "status.completionTimestamp"),
                )
            )
        else:
            out.ignored[kind] += 1


def _safe_name(meta: object) -> str:
    if isinstance(meta, Mapping) and isinstance(meta.get("name"), str):
        return str(meta["name"])
    return "?"


def read_objects(objects: Iterable[tuple[object, str]]) -> Collected:
    reader = ObjectReader()
    for obj, origin in objects:
        reader.add(obj, origin)
    return reader.out
