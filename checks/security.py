"""Security: secrets out of env literals, no admin or wildcard roles, no root, TLS at the edge.

Only names are inspected for secret-likeness, never values: a finding must not repeat a secret.
"""

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
from checks.evidence import KUBERNETES
from checks.model import Finding

_SECRET_NAME = re.compile(
    r"(?i)(passw(or)?d|passwd|secret|token|api[_-]?key|apikey|private[_-]?key|credential|"
    r"access[_-]?key|client[_-]?secret|auth[_-]?key|dsn|connection[_-]?string)"
)
# Names that mention a secret but hold no secret value.
_NOT_SECRET = re.compile(r"(?i)(_file|_path|_ref|_name|_id|_url|_endpoint|_timeout|_ttl|_length)$")


def looks_secret(name: str) -> bool:
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET.search(name)


@evaluator("secret-literals", KUBERNETES)
def secret_literals(ctx: Context) -> Finding:
    workloads = ctx.evidence.workloads
    if not workloads:
        return no_workloads(ctx)
    leaks: list[str] = []
    used_configmaps: set[str] = set()
    for w in workloads:
        used_configmaps.update(w.configmap_volumes)
        for c in w.containers:
            used_configmaps.update(c.env_from_configmaps)
            for var in c.env:
                if var.configmap:
                    used_configmaps.add(var.configmap[0])
                if var.value and looks_secret(var.name):
                    leaks.append(f"{workload_name(w)}/{c.name}: env {var.name} is a literal")
    for name in sorted(used_configmaps):
        cm = ctx.evidence.configmaps.get(name)
        if cm is None:
            continue
        leaks.extend(
            f"ConfigMap {name}: key {key} looks like a secret"
            for key, value in sorted(cm.data.items())
            if value and looks_secret(key)
        )
    if leaks:
        return Finding.failed(
            f"{plural(len(leaks), 'secret-looking literal')}: "
            + listing(leak.split(": ", 1)[1] for leak in leaks),
            tuple(leaks),
        )
    return Finding.passed(
        f"no secret-looking literals in env of {plural(len(workloads), 'workload')} "
        f"or in {plural(len(used_configmaps), 'ConfigMap')} they read"
    )


_ADMIN_ROLES = frozenset({"cluster-admin", "admin"})


@evaluator("rbac-and-root", KUBERNETES)
def rbac_and_root(ctx: Context) -> Finding:
    workloads = ctx.evidence.workloads
    if not workloads:
        return no_workloads(ctx)
    problems: list[str] = []
    for binding in ctx.evidence.bindings:
        role_ns = "" if binding.role_kind == "ClusterRole" else binding.ref.namespace
        role = ctx.evidence.roles.get((binding.role_kind, role_ns, binding.role_name))
        if binding.role_name in _ADMIN_ROLES and binding.role_kind == "ClusterRole":
            problems.append(f"{binding.ref}: binds {binding.role_name}")
        elif role is not None and role.wildcard:
            problems.append(
                f"{binding.ref}: binds {binding.role_kind} {role.ref.name} with wildcards"
            )
    for w in workloads:
        for c in w.containers:
            where = f"{workload_name(w)}/{c.name}"
            user = c.run_as_user if c.run_as_user is not None else w.pod_run_as_user
            non_root = c.run_as_non_root if c.run_as_non_root is not None else w.pod_run_as_non_root
            if c.privileged:
                problems.append(f"{where}: privileged")
            if user == 0:
                problems.append(f"{where}: runAsUser 0")
            elif not non_root and user is None:
                problems.append(f"{where}: may run as root (no runAsNonRoot or runAsUser)")
    if problems:
        return Finding.failed(
            f"{plural(len(problems), 'privilege problem')}: {listing(problems, 2)}",
            tuple(problems),
        )
    return Finding.passed(
        f"no admin or wildcard bindings; {plural(len(workloads), 'workload')} run as non-root, "
        "unprivileged"
    )


@evaluator("ingress-tls", KUBERNETES)
def ingress_tls(ctx: Context) -> Finding:
    ingresses = ctx.evidence.ingresses
    if not ingresses:
        return Finding.no_evidence(
            "no Ingress to check TLS on; attest in-transit and at-rest encryption"
        )
    plain: list[str] = []
    for ing in ingresses:
        covered = set(ing.tls_hosts)
        wildcard_domains = {h[2:] for h in covered if h.startswith("*.")}
        for host in ing.hosts or ("*",):
            parent = host.split(".", 1)[1] if "." in host else ""
            if (
                host not in covered
                and parent not in wildcard_domains
                and not (host == "*" and ing.tls_hosts)
            ):
                plain.append(f"{ing.ref.name}: {host}")
    if plain:
        return Finding.failed(
            f"{plural(len(plain), 'Ingress host')} served without TLS: {listing(plain)}",
            tuple(plain),
        )
    return Finding.passed(
        f"TLS on every host of {plural(len(ingresses), 'Ingress', 'Ingresses')} "
        "(at-rest encryption is not visible here)",
        tuple(str(i.ref) for i in ingresses),
    )


EVALUATORS: tuple[EvaluatorSpec, ...] = (secret_literals, rbac_and_root, ingress_tls)
