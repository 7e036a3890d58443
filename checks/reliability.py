"""Reliability: probes, redundancy, bounded outbound calls."""

from __future__ import annotations

import re

from checks.context import (
    Context,
    EvaluatorSpec,
    evaluator,
    listing,
    no_workloads,
    plural,
    workload_name,
)
from checks.evidence import KUBERNETES, Container, Workload
from checks.model import Finding
from checks.units import format_duration, parse_timeout


@evaluator("probes", KUBERNETES)
def probes(ctx: Context) -> Finding:
    workloads = ctx.evidence.workloads
    if not workloads:
        return no_workloads(ctx)
    missing: list[str] = []
    containers = 0
    for w in workloads:
        for c in w.containers:
            if c.init:
                continue
            containers += 1
            absent = [
                name
                for name, present in (
                    ("readiness", c.readiness_probe),
                    ("liveness", c.liveness_probe),
                )
                if not present
            ]
            if absent:
                missing.append(
                    f"{workload_name(w)} container {c.name}: no {' or '.join(absent)} probe"
                )
    if missing:
        return Finding.failed(
            f"{plural(len(missing), 'container')} of {containers} lack probes: "
            + listing(m.split(":")[0] for m in missing),
            tuple(missing),
        )
    return Finding.passed(
        f"readiness and liveness probes on all {plural(containers, 'container')}",
        tuple(workload_name(w) for w in workloads),
    )


@evaluator("replicas-and-pdb", KUBERNETES)
def replicas_and_pdb(ctx: Context) -> Finding:
    workloads = ctx.evidence.scalable
    if not workloads:
        if ctx.evidence.workloads:
            return Finding.passed("only DaemonSets, which run one pod per node")
        return no_workloads(ctx)
    minimum = ctx.policy.thresholds.min_replicas
    hpa_min = {(a.target_kind, a.target_name): a.min_replicas for a in ctx.evidence.autoscalers}
    problems: list[str] = []
    evidence: list[str] = []
    for w in workloads:
        key = (w.kind, w.ref.name)
        replicas = hpa_min.get(key, w.replicas if w.replicas is not None else 1)
        source = "HPA minReplicas" if key in hpa_min else "replicas"
        if replicas < minimum:
            problems.append(f"{workload_name(w)}: {source} {replicas} < {minimum}")
        covering = [p for p in ctx.evidence.pdbs if p.selector.matches(w.pod_labels)]
        if not covering:
            problems.append(f"{workload_name(w)}: no PodDisruptionBudget covers its pods")
        else:
            evidence.append(f"{workload_name(w)}: {source} {replicas}, PDB {covering[0].ref.name}")
    if problems:
        return Finding.failed(
            f"{plural(len(problems), 'problem')}: {listing(problems, 2)}", tuple(problems)
        )
    return Finding.passed(
        f"{plural(len(workloads), 'workload')} run at least {minimum} replicas, each under a PDB",
        tuple(evidence),
    )


_UNIT_IN_KEY = re.compile(r"(?i)(?:_|-|\b)(ms|millis|milliseconds|seconds|secs|s|sec)$")


def _timeout_of(key: str, value: str) -> str | None:
    """Render a finite timeout, honouring a unit the key names (`..._TIMEOUT_MS: 500`)."""
    bound = parse_timeout(value)
    if bound is None:
        return None
    unit = _UNIT_IN_KEY.search(key)
    if unit and unit.group(1).lower().startswith("m") and value.strip().replace(".", "").isdigit():
        bound = bound / 1000
    return format_duration(bound) if bound.total_seconds() >= 1 else f"{bound.total_seconds()}s"


def _candidate_keys(dep_name: str, explicit: tuple[str, ...]) -> tuple[str, ...]:
    if explicit:
        return explicit
    stem = re.sub(r"[^A-Za-z0-9]+", "_", dep_name).upper()
    return (
        f"{stem}_TIMEOUT",
        f"{stem}_TIMEOUT_MS",
        f"{stem}_TIMEOUT_SECONDS",
        f"{stem}_REQUEST_TIMEOUT",
        f"{stem}_CONNECT_TIMEOUT",
    )


def _settings(ctx: Context, w: Workload, c: Container) -> dict[str, tuple[str, str]]:
    """Every key the container can read, with its value and where it came from."""
    found: dict[str, tuple[str, str]] = {}
    configmaps = ctx.evidence.configmaps
    for cm_name in c.env_from_configmaps:
        cm = configmaps.get(cm_name)
        if cm is not None:
            for key, value in cm.data.items():
                found[key] = (value, f"ConfigMap {cm_name}")
    for cm_name in w.configmap_volumes:
        cm = configmaps.get(cm_name)
        if cm is not None:
            for key, value in cm.data.items():
                found.setdefault(key, (value, f"ConfigMap {cm_name} (volume)"))
    for var in c.env:
        if var.value is not None:
            found[var.name] = (var.value, f"env of {workload_name(w)}/{c.name}")
        elif var.configmap is not None:
            cm = configmaps.get(var.configmap[0])
            if cm is not None and var.configmap[1] in cm.data:
                found[var.name] = (cm.data[var.configmap[1]], f"ConfigMap {var.configmap[0]}")
    return found


@evaluator("timeout-config", KUBERNETES)
def timeout_config(ctx: Context) -> Finding:
    deps = ctx.service.dependencies
    if not deps:
        return Finding.no_evidence(
            "no dependencies declared for the service (config: services[].dependencies)"
        )
    workloads = ctx.evidence.workloads
    if not workloads:
        return no_workloads(ctx)
    unbounded: list[str] = []
    bounded: list[str] = []
    for dep in deps:
        keys = _candidate_keys(dep.name, dep.timeout_keys)
        # Every container that configures the dependency must bound it: one unbounded
        # caller is enough to hang a request, whatever the others do.
        found: list[tuple[str, str, str]] = []  # key, value, origin
        for w in workloads:
            for c in w.containers:
                if c.init:
                    continue
                settings = _settings(ctx, w, c)
                key = next((k for k in keys if k in settings), None)
                if key is not None:
                    found.append((key, *settings[key]))
        if not found:
            unbounded.append(f"{dep.name}: no timeout set (looked for {listing(keys, 2)})")
            continue
        for key, value, origin in found:
            rendered = _timeout_of(key, value)
            if rendered is None:
                unbounded.append(f"{dep.name}: {key}={value!r} in {origin} is unbounded")
            else:
                bounded.append(f"{dep.name}: {key}={value} ({rendered}) in {origin}")
    failing = list(dict.fromkeys(u.split(":")[0] for u in unbounded))
    if unbounded:
        return Finding.failed(
            f"{plural(len(failing), 'dependency', 'dependencies')} without a finite timeout: "
            + listing(failing),
            tuple(dict.fromkeys(unbounded + bounded)),
        )
    return Finding.passed(
        "finite timeouts for all "
        + plural(len(deps), "declared dependency", "declared dependencies"),
        tuple(dict.fromkeys(bounded)),
    )


EVALUATORS: tuple[EvaluatorSpec, ...] = (probes, replicas_and_pdb, timeout_config)
