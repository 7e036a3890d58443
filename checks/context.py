"""What an evaluator is handed, and how evaluators are declared.

An evaluator is a pure function of `Context` to `Finding`. It declares the sources it reads so
that the runner, not each evaluator, turns a failed or malformed source into `unknown`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from checks.evidence import ServiceEvidence, Workload
from checks.model import Finding, ServiceSpec, TierPolicy


@dataclass(frozen=True, slots=True)
class Context:
    service: ServiceSpec
    policy: TierPolicy
    evidence: ServiceEvidence
    now: datetime


Evaluator = Callable[[Context], Finding]


@dataclass(frozen=True, slots=True)
class EvaluatorSpec:
    name: str
    sources: frozenset[str]
    fn: Evaluator


def evaluator(name: str, *sources: str) -> Callable[[Evaluator], EvaluatorSpec]:
    """Declare an evaluator; the dimension module lists the results in its EVALUATORS."""

    def wrap(fn: Evaluator) -> EvaluatorSpec:
        return EvaluatorSpec(name, frozenset(sources), fn)

    return wrap


def no_workloads(ctx: Context) -> Finding:
    where = f"namespace {ctx.service.namespace!r}"
    if ctx.service.selector:
        labels = ",".join(f"{k}={v}" for k, v in sorted(ctx.service.selector.items()))
        where += f" with labels {labels}"
    return Finding.no_evidence(f"no workloads found in {where}")


def listing(things: Iterable[str], limit: int = 3) -> str:
    """`a, b, c and 4 more`: summaries stay one line however large the fleet."""
    items = list(things)
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 container`, `3 containers`, `2 dependencies` (pass the irregular plural)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def workload_name(w: Workload) -> str:
    return f"{w.kind}/{w.ref.name}"
