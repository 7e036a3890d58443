"""Capacity: autoscaling with sane bounds, resource requests and limits."""

from __future__ import annotations

from checks.context import (
    Context,
    EvaluatorSpec,
    evaluator,
    listing,
    no_workloads,
    plural,
    workload_name,
)
from checks.evidence import KUBERNETES
from checks.model import Finding


@evaluator("hpa", KUBERNETES)
def hpa(ctx: Context) -> Finding:
    workloads = ctx.evidence.scalable
    if not workloads:
        if ctx.evidence.workloads:
            return Finding.not_applicable("only DaemonSets, which scale with the nodes")
        return no_workloads(ctx)
    minimum = ctx.policy.thresholds.min_replicas
    by_target = {(a.target_kind, a.target_name): a for a in ctx.evidence.autoscalers}
    problems: list[str] = []
    evidence: list[str] = []
    for w in workloads:
        a = by_target.get((w.kind, w.ref.name))
        if a is None:
            problems.append(f"{workload_name(w)}: no HorizontalPodAutoscaler")
            continue
        if a.min_replicas < minimum:
            problems.append(f"{workload_name(w)}: HPA minReplicas {a.min_replicas} < {minimum}")
        if a.max_replicas <= a.min_replicas:
            problems.append(
                f"{workload_name(w)}: HPA maxReplicas {a.max_replicas} leaves no room to scale"
            )
        if a.metrics == 0:
            problems.append(f"{workload_name(w)}: HPA has no metrics to scale on")
        evidence.append(f"{workload_name(w)}: HPA {a.ref.name} {a.min_replicas}..{a.max_replicas}")
    if problems:
        return Finding.failed(
            f"{plural(len(problems), 'autoscaling problem')}: {listing(problems, 2)}",
            tuple(problems + evidence),
        )
    return Finding.passed(
        f"{plural(len(workloads), 'workload')} autoscale from at least {minimum}", tuple(evidence)
    )


@evaluator("resource-limits", KUBERNETES)
def resource_limits(ctx: Context) -> Finding:
    workloads = ctx.evidence.workloads
    if not workloads:
        return no_workloads(ctx)
    missing: list[str] = []
    count = 0
    for w in workloads:
        for c in w.containers:
            count += 1
            absent = [
                label
                for label, present in (
                    ("cpu request", "cpu" in c.requests),
                    ("memory request", "memory" in c.requests),
                    ("memory limit", "memory" in c.limits),
                )
                if not present
            ]
            if absent:
                missing.append(f"{workload_name(w)}/{c.name}: no {', '.join(absent)}")
    if missing:
        return Finding.failed(
            f"{len(missing)} of {plural(count, 'container')} lack requests or limits: "
            + listing(m.split(":")[0] for m in missing),
            tuple(missing),
        )
    return Finding.passed(
        f"cpu/memory requests and memory limits on all {plural(count, 'container')}"
    )


EVALUATORS: tuple[EvaluatorSpec, ...] = (hpa, resource_limits)
