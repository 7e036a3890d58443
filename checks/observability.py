"""Observability: SLOs, tracing, symptom alerts, runbook links on alerts.

Symptom versus cause is read from the alert's expression and name. The split is a heuristic, so
the finding lists which alerts it counted as symptoms: a reader can see why, and disagree.
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
from checks.evidence import KUBERNETES, PROMETHEUS, Rule
from checks.model import Finding

# Names and expressions are split into words (camelCase, snake_case, colons) before matching,
# so that `Slot`, `slots` and `SlowQueries` do not read as "SLO".
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+[a-z]*")
# User-facing signals: errors and latency of requests, availability, SLO burn.
_SYMPTOM_WORDS = frozenset(
    {
        "error",
        "errors",
        "latency",
        "availability",
        "available",
        "slo",
        "sli",
        "burn",
        "burnrate",
        "apdex",
        "5xx",
        "success",
        "duration",
        "unavailable",
        "timeouts",
    }
)
_SYMPTOM_EXPR = re.compile(
    r"(code|status|status_code)=~?\"5|http_requests_total|grpc_server_handled_total|"
    r"probe_success|_request_duration_seconds|histogram_quantile"
)
_CAUSE_WORDS = frozenset(
    {"cpu", "memory", "disk", "filesystem", "inode", "inodes", "load1", "load5", "swap", "oom"}
)
_SLO_WORDS = frozenset({"slo", "sli", "burnrate"})


def words(text: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _WORD.findall(text))


def _is_slo_rule(rule: Rule) -> bool:
    found = words(rule.name) | words(rule.expr)
    return bool(found & _SLO_WORDS) or {"error", "budget"} <= found or {"burn", "rate"} <= found


def is_symptom_alert(rule: Rule) -> bool:
    return bool(words(f"{rule.name} {rule.expr}") & _SYMPTOM_WORDS) or bool(
        _SYMPTOM_EXPR.search(rule.expr)
    )


@evaluator("symptom-alert-rules", PROMETHEUS)
def symptom_alert_rules(ctx: Context) -> Finding:
    alerts = ctx.evidence.alerts
    if not alerts:
        return Finding.failed("no alerting rules for the service")
    symptoms = [a for a in alerts if is_symptom_alert(a)]
    if not symptoms:
        causes = [a.name for a in alerts if words(f"{a.name} {a.expr}") & _CAUSE_WORDS]
        return Finding.failed(
            f"{plural(len(alerts), 'alerting rule')}, none on user-facing errors or latency"
            + (f" (cause alerts: {listing(sorted(set(causes)))})" if causes else ""),
            tuple(f"{a.name} ({a.origin})" for a in alerts[:20]),
        )
    return Finding.passed(
        f"{plural(len(symptoms), 'symptom alert')} of {len(alerts)}: "
        + listing(sorted({a.name for a in symptoms})),
        tuple(f"{a.name} ({a.origin})" for a in symptoms[:20]),
    )


@evaluator("alert-runbook-annotations", PROMETHEUS)
def alert_runbook_annotations(ctx: Context) -> Finding:
    alerts = ctx.evidence.alerts
    if not alerts:
        return Finding.failed("no alerting rules for the service, so no runbook links")
    missing = [a for a in alerts if not a.runbook_url]
    if missing:
        return Finding.failed(
            f"{len(missing)} of {plural(len(alerts), 'alerting rule')} have no runbook_url: "
            + listing(sorted({a.name for a in missing})),
            tuple(f"{a.name} ({a.origin}): no runbook_url" for a in missing[:50]),
        )
    return Finding.passed(
        f"all {plural(len(alerts), 'alerting rule')} link a runbook",
        tuple(f"{a.name}: {a.runbook_url}" for a in alerts[:50]),
    )


@evaluator("slo-rules", PROMETHEUS)
def slo_rules(ctx: Context) -> Finding:
    slo = ctx.service.slo
    declared: list[str] = []
    if slo is not None and slo.latency_p95 is not None:
        declared.append(f"p95 latency {slo.latency_p95.total_seconds() * 1000:g}ms")
    if slo is not None and slo.error_rate is not None:
        declared.append(f"error rate {slo.error_rate:.3%}")
    rules = [r for r in ctx.evidence.rules if _is_slo_rule(r)]
    gaps: list[str] = []
    if slo is None or slo.latency_p95 is None:
        gaps.append("no p95 latency objective declared (config: services[].slo.latency_p95)")
    if slo is None or slo.error_rate is None:
        gaps.append("no error-rate objective declared (config: services[].slo.error_rate)")
    if not rules:
        gaps.append("no SLI/SLO/burn-rate recording or alerting rules for the service")
    if gaps:
        return Finding.failed("; ".join(gaps), tuple(declared))
    return Finding.passed(
        f"objectives {', '.join(declared)}; {plural(len(rules), 'SLO rule')}: "
        + listing(sorted({r.name for r in rules})),
        tuple(f"{r.kind} {r.name} ({r.origin})" for r in rules[:20]),
    )


_OTEL_ENV = frozenset(
    {
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_SERVICE_NAME",
        "OTEL_TRACES_EXPORTER",
        "OTEL_RESOURCE_ATTRIBUTES",
    }
)
_OTEL_ANNOTATION = "instrumentation.opentelemetry.io/inject-"


@evaluator("otel-instrumentation", KUBERNETES)
def otel_instrumentation(ctx: Context) -> Finding:
    workloads = ctx.evidence.workloads
    if not workloads:
        return no_workloads(ctx)
    untraced: list[str] = []
    traced: list[str] = []
    for w in workloads:
        annotations = {**w.annotations, **w.pod_annotations}
        injected = [
            k
            for k, v in annotations.items()
            if k.startswith(_OTEL_ANNOTATION) and v.strip().lower() not in ("false", "")
        ]
        env = [v.name for c in w.containers for v in c.env if v.name in _OTEL_ENV]
        if injected:
            traced.append(f"{workload_name(w)}: {injected[0]}")
        elif env:
            traced.append(f"{workload_name(w)}: {env[0]}")
        else:
            untraced.append(workload_name(w))
    if untraced:
        return Finding.failed(
            f"{len(untraced)} of {plural(len(workloads), 'workload')} have no OpenTelemetry "
            f"env or injection annotation: {listing(untraced)}",
            tuple(traced),
        )
    return Finding.passed(f"all {plural(len(workloads), 'workload')} export traces", tuple(traced))


EVALUATORS: tuple[EvaluatorSpec, ...] = (
    symptom_alert_rules,
    alert_runbook_annotations,
    slo_rules,
    otel_instrumentation,
)
