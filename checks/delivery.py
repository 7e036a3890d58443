"""Delivery: what shipped it, whether it can be rolled back, whether it is pinned."""

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
from checks.evidence import KUBERNETES, Workload
from checks.model import Finding


@evaluator("image-digests", KUBERNETES)
def image_digests(ctx: Context) -> Finding:
    workloads = ctx.evidence.workloads
    if not workloads:
        return no_workloads(ctx)
    floating: list[str] = []
    pinned = 0
    for w in workloads:
        for c in w.containers:
            if "@sha256:" in c.image:
                pinned += 1
            else:
                floating.append(f"{workload_name(w)}/{c.name}: {c.image}")
    if floating:
        return Finding.failed(
            f"{len(floating)} of {plural(len(floating) + pinned, 'image')} not pinned by digest: "
            + listing(f.split(": ", 1)[1] for f in floating),
            tuple(floating),
        )
    return Finding.passed(f"all {plural(pinned, 'image')} pinned by digest")


_ARGO = ("argocd.argoproj.io/", "argocd.argoproj.io/tracking-id")
_FLUX = ("kustomize.toolkit.fluxcd.io/", "helm.toolkit.fluxcd.io/")
_MANAGERS = {"helm": "Helm", "argocd": "Argo CD", "flux": "Flux", "spinnaker": "Spinnaker"}


def deploy_tool(w: Workload) -> str | None:
    """Which pipeline tool manages this workload, from the marks those tools leave."""
    marks = {**w.labels, **w.annotations}
    if any(k.startswith(_ARGO) for k in marks) or "argocd.argoproj.io/instance" in marks:
        return "Argo CD"
    if any(k.startswith(_FLUX) for k in marks):
        return "Flux"
    if "meta.helm.sh/release-name" in marks:
        return "Helm"
    managed_by = marks.get("app.kubernetes.io/managed-by", "").lower()
    for key, name in _MANAGERS.items():
        if key in managed_by:
            return name
    return None


@evaluator("managed-by", KUBERNETES)
def managed_by(ctx: Context) -> Finding:
    workloads = ctx.evidence.workloads
    if not workloads:
        return no_workloads(ctx)
    manual: list[str] = []
    tools: dict[str, list[str]] = {}
    for w in workloads:
        tool = deploy_tool(w)
        if tool is None:
            hint = (
                " (kubectl last-applied-configuration only)"
                if "kubectl.kubernetes.io/last-applied-configuration" in w.annotations
                else ""
            )
            manual.append(workload_name(w) + hint)
        else:
            tools.setdefault(tool, []).append(workload_name(w))
    evidence = tuple(f"{tool}: {', '.join(names)}" for tool, names in sorted(tools.items()))
    if manual:
        return Finding.failed(
            f"{len(manual)} of {plural(len(workloads), 'workload')} carry no deploy-tool marks: "
            + listing(manual),
            evidence,
        )
    return Finding.passed(
        f"all {plural(len(workloads), 'workload')} deployed by {', '.join(sorted(tools))}",
        evidence,
    )


@evaluator("rollback-history", KUBERNETES)
def rollback_history(ctx: Context) -> Finding:
    deployments = [w for w in ctx.evidence.workloads if w.kind == "Deployment"]
    if not deployments:
        if ctx.evidence.workloads:
            return Finding.no_evidence(
                "no Deployments, so no ReplicaSet revision history to read a rollback from"
            )
        return no_workloads(ctx)
    rolled_back = {r.owner: r for r in ctx.evidence.replicasets if r.revision_history}
    never = [w.ref.name for w in deployments if w.ref.name not in rolled_back]
    evidence = tuple(
        f"{r.ref}: revision {r.revision} reused revisions {r.revision_history}"
        for r in rolled_back.values()
    )
    if never:
        return Finding.failed(
            f"no rollback recorded for {len(never)} of {plural(len(deployments), 'Deployment')}: "
            f"{listing(never)} (no ReplicaSet carries deployment.kubernetes.io/revision-history)",
            evidence,
        )
    return Finding.passed(
        f"every Deployment has been rolled back before: {listing(sorted(rolled_back))}", evidence
    )


EVALUATORS: tuple[EvaluatorSpec, ...] = (image_digests, managed_by, rollback_history)
