"""Run the catalog against the fleet: evaluators, register, ranking.

Everything here is a pure function of its arguments, `now` included, so an audit is
reproducible and a daemon cycle is the same computation as a CLI run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from checks import capacity, data, delivery, incident, observability, reliability, security
from checks.answers import resolve
from checks.context import Context, EvaluatorSpec
from checks.evidence import FleetEvidence, ServiceEvidence
from checks.model import (
    NO_EVIDENCE_SUMMARY,
    Answer,
    Catalog,
    Finding,
    Item,
    ItemResult,
    Outcome,
    Priority,
    Report,
    Requirement,
    ServiceResult,
    ServiceSpec,
    Status,
    TierPolicy,
)

EVALUATORS: Mapping[str, EvaluatorSpec] = {
    spec.name: spec
    for module in (reliability, observability, delivery, security, capacity, incident, data)
    for spec in module.EVALUATORS
}


@dataclass(frozen=True, slots=True)
class ItemError:
    """An evaluator that raised: the item goes `unknown` and the daemon counts it."""

    service: str
    item: str
    evaluator: str
    error: str


# Worse findings speak for the item when no evaluator passes.
_PRECEDENCE = {
    Outcome.FAIL: 0,
    Outcome.UNKNOWN: 1,
    Outcome.NO_EVIDENCE: 2,
    Outcome.NOT_APPLICABLE: 3,
}


def evaluate_item(
    item: Item,
    ctx: Context,
    evaluators: Mapping[str, EvaluatorSpec],
    errors: list[ItemError],
) -> Finding:
    """Run an item's evaluators. Alternatives: any that passes passes the item."""
    if not item.evaluators:
        return Finding.no_evidence()
    findings: list[Finding] = []
    for name in item.evaluators:
        spec = evaluators[name]
        blocked = [
            p for source in sorted(spec.sources) for p in ctx.evidence.problems.get(source, ())
        ]
        if blocked:
            findings.append(Finding.unknown(blocked[0], tuple(blocked[1:6])))
            continue
        try:
            finding = spec.fn(ctx)
        except Exception as exc:  # an evaluator bug must cost one item, not the cycle
            errors.append(
                ItemError(ctx.service.name, item.id, name, f"{type(exc).__name__}: {exc}")
            )
            finding = Finding.unknown(f"evaluator {name} failed: {type(exc).__name__}: {exc}")
        if finding.outcome is Outcome.PASS:
            return finding
        findings.append(finding)
    return min(findings, key=lambda f: _PRECEDENCE[f.outcome])


def evaluate_service(
    spec: ServiceSpec,
    policy: TierPolicy,
    evidence: ServiceEvidence,
    catalog: Catalog,
    answers: Mapping[str, Answer],
    now: datetime,
    errors: list[ItemError],
    evaluators: Mapping[str, EvaluatorSpec] = EVALUATORS,
) -> ServiceResult:
    ctx = Context(spec, policy, evidence, now)
    results: list[ItemResult] = []
    for item in catalog.items:
        requirement = policy.requirement(item)
        answer = answers.get(item.id)
        if requirement is Requirement.EXEMPT:
            results.append(
                ItemResult(
                    item,
                    Status.NOT_APPLICABLE,
                    requirement,
                    f"not required for tier {policy.name}",
                    (),
                    answer,
                )
            )
            continue
        finding = evaluate_item(item, ctx, evaluators, errors)
        status, summary = resolve(finding, answer, now)
        results.append(ItemResult(item, status, requirement, summary, finding.evidence, answer))
    return ServiceResult(spec, policy, tuple(results))


# Lower ranks first: unnamed gaps, then lapsed answers, then unknowns, then plans.
_STATUS_CLASS = {
    Status.FAIL: 0,
    Status.OVERDUE: 1,
    Status.EXPIRED: 1,
    Status.UNKNOWN: 2,
    Status.PLANNED: 3,
}


def prioritise(services: Sequence[ServiceResult]) -> tuple[Priority, ...]:
    """What to fix first: required items by status class, then tier weight x severity.

    An item with no evidence at all ranks below one whose evidence shows the gap at the same
    weight: a concrete finding is cheaper to act on.
    """
    rows: list[tuple[tuple[int, int, int, str, str], ServiceResult, ItemResult, int]] = []
    for service in services:
        for result in service.items:
            klass = _STATUS_CLASS.get(result.status)
            if klass is None or not result.required:
                continue
            weight = service.policy.weight * result.item.severity.weight
            vague = int(result.summary.startswith(NO_EVIDENCE_SUMMARY))
            key = (klass, -weight, vague, service.service.name, result.item.id)
            rows.append((key, service, result, weight))
    rows.sort(key=lambda row: row[0])
    return tuple(
        Priority(
            rank=i,
            service=service.service.name,
            tier=service.policy.name,
            item=result.item,
            status=result.status,
            summary=result.summary,
            weight=weight,
        )
        for i, (_, service, result, weight) in enumerate(rows, start=1)
    )


def evaluate_fleet(
    services: Sequence[ServiceSpec],
    tiers: Mapping[str, TierPolicy],
    fleet: FleetEvidence,
    catalog: Catalog,
    register: Mapping[tuple[str, str], Answer],
    now: datetime,
    evaluators: Mapping[str, EvaluatorSpec] = EVALUATORS,
    on_service: Callable[[ServiceSpec, ServiceEvidence], None] | None = None,
) -> tuple[Report, list[ItemError]]:
    """Evaluate every service; `on_service` sees each service's evidence slice once, for
    callers that derive more from it (the daemon's exported facts) without slicing again."""
    errors: list[ItemError] = []
    by_service: dict[str, dict[str, Answer]] = {}
    for (service, item), answer in register.items():
        by_service.setdefault(service, {})[item] = answer
    results: list[ServiceResult] = []
    for spec in services:
        evidence = fleet.for_service(spec)
        if on_service is not None:
            on_service(spec, evidence)
        results.append(
            evaluate_service(
                spec,
                tiers[spec.tier],
                evidence,
                catalog,
                by_service.get(spec.name, {}),
                now,
                errors,
                evaluators,
            )
        )
    return Report(now, catalog, tuple(results), prioritise(results)), errors
