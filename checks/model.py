"""The vocabulary every other module speaks: statuses, findings, items, tiers, answers.

Evaluators return a `Finding` (what the evidence says); the register turns a finding into a
`Status` (what the checklist says). Keeping the two apart is what lets one evaluator serve every
tier and every register without knowing about either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    """The item statuses of DESIGN section 2. The strings are a contract."""

    PASS = "pass"
    PLANNED = "planned"
    ACCEPTED = "accepted"
    FAIL = "fail"
    OVERDUE = "overdue"
    EXPIRED = "expired"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"

    @property
    def unnamed(self) -> bool:
        """A gap nobody (or nobody any more) answers for: what pages people."""
        return self in _UNNAMED


_UNNAMED = frozenset({Status.FAIL, Status.OVERDUE, Status.EXPIRED})


class Outcome(StrEnum):
    """What an evaluator concluded from evidence, before the register is consulted."""

    PASS = "pass"
    FAIL = "fail"
    NO_EVIDENCE = "no_evidence"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def weight(self) -> int:
        return _SEVERITY_WEIGHT[self]


_SEVERITY_WEIGHT = {Severity.CRITICAL: 8, Severity.HIGH: 4, Severity.MEDIUM: 2, Severity.LOW: 1}


class AnswerKind(StrEnum):
    PLANNED = "planned"
    ACCEPTED = "accepted"
    ATTESTED = "attested"


class Requirement(StrEnum):
    """How a tier treats an item."""

    REQUIRED = "required"
    ADVISORY = "advisory"  # evaluated and shown, not counted in score or exit code
    EXEMPT = "exempt"  # not_applicable for this tier


NO_EVIDENCE_SUMMARY = "no evidence and no answer recorded"


@dataclass(frozen=True, slots=True)
class Finding:
    outcome: Outcome
    summary: str
    evidence: tuple[str, ...] = ()

    @classmethod
    def passed(cls, summary: str, evidence: tuple[str, ...] = ()) -> Finding:
        return cls(Outcome.PASS, summary, evidence)

    @classmethod
    def failed(cls, summary: str, evidence: tuple[str, ...] = ()) -> Finding:
        return cls(Outcome.FAIL, summary, evidence)

    @classmethod
    def no_evidence(cls, summary: str = NO_EVIDENCE_SUMMARY) -> Finding:
        return cls(Outcome.NO_EVIDENCE, summary)

    @classmethod
    def unknown(cls, reason: str, evidence: tuple[str, ...] = ()) -> Finding:
        return cls(Outcome.UNKNOWN, reason, evidence)

    @classmethod
    def not_applicable(cls, summary: str) -> Finding:
        return cls(Outcome.NOT_APPLICABLE, summary)


@dataclass(frozen=True, slots=True)
class Dimension:
    id: str
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    dimension: str
    title: str
    question: str
    why: str
    remediation: str
    severity: Severity
    evaluators: tuple[str, ...]

    @property
    def slug(self) -> str:
        return self.id.split(".", 1)[1]


@dataclass(frozen=True, slots=True)
class Catalog:
    dimensions: tuple[Dimension, ...]
    items: tuple[Item, ...]
    by_id: Mapping[str, Item] = field(repr=False)

    @classmethod
    def of(cls, dimensions: tuple[Dimension, ...], items: tuple[Item, ...]) -> Catalog:
        return cls(dimensions, items, {item.id: item for item in items})


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Per-tier numbers. Each default is what a `standard` service would be held to."""

    min_replicas: int = 2
    restore_test_max_age: timedelta = timedelta(days=30)
    backup_max_age: timedelta = timedelta(days=2)
    oncall_lookahead: timedelta = timedelta(days=14)
    cert_expiry_margin: timedelta = timedelta(days=21)


@dataclass(frozen=True, slots=True)
class TierPolicy:
    """A tier: which items it requires, which it exempts, and its thresholds.

    `required` and `exempt` hold item ids or dimension ids, or `*`. An item that is neither is
    advisory. Exempt wins over required so that `required: ["*"], exempt: [data]` reads naturally.
    """

    name: str
    weight: int
    required: frozenset[str]
    exempt: frozenset[str]
    thresholds: Thresholds

    def requirement(self, item: Item) -> Requirement:
        keys = {item.id, item.dimension, "*"}
        if keys & self.exempt:
            return Requirement.EXEMPT
        if keys & self.required:
            return Requirement.REQUIRED
        return Requirement.ADVISORY


@dataclass(frozen=True, slots=True)
class Answer:
    """A register entry: a human's named answer for one item of one service."""

    service: str
    item: str
    kind: AnswerKind
    owner: str
    text: str  # the plan, the accepted reason, or the evidence link of an attestation
    lapses_at: datetime  # the instant it stops holding
    dated: date  # as written: due (planned), expires (accepted), attested_on (attested)
    where: str = ""  # file and line of the entry, for messages


@dataclass(frozen=True, slots=True)
class Dependency:
    name: str
    timeout_keys: tuple[str, ...]  # env/ConfigMap keys that may hold its timeout


@dataclass(frozen=True, slots=True)
class Slo:
    latency_p95: timedelta | None
    error_rate: float | None  # a ratio, 0.001 for 0.1 %


@dataclass(frozen=True, slots=True)
class DataPolicy:
    stateful: bool | None  # None: decide from the evidence (StatefulSets, Velero schedules)
    rto: timedelta | None
    rpo: timedelta | None
    dr_plan: str | None


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """A service as the inventory declares it: who owns it and where its evidence lives."""

    name: str
    tier: str
    team: str
    namespace: str
    selector: Mapping[str, str]  # workload labels; empty selects the whole namespace
    alert_match: Mapping[str, str]  # rule labels; empty matches every rule
    dependencies: tuple[Dependency, ...] = ()
    slo: Slo | None = None
    data: DataPolicy = DataPolicy(None, None, None, None)


def percent(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.0%}"


@dataclass(frozen=True, slots=True)
class ItemResult:
    item: Item
    status: Status
    requirement: Requirement
    summary: str
    evidence: tuple[str, ...]
    answer: Answer | None = None

    @property
    def required(self) -> bool:
        return self.requirement is Requirement.REQUIRED


@dataclass(frozen=True, slots=True)
class ServiceResult:
    service: ServiceSpec
    policy: TierPolicy
    items: tuple[ItemResult, ...]

    def score(self, dimension: str | None = None) -> float | None:
        """Share of required, applicable items that pass; None when there are none to score
        (an internal tool's `data` dimension), which is not the same as all passing."""
        required = [
            r
            for r in self.items
            if r.required
            and r.status is not Status.NOT_APPLICABLE
            and (dimension is None or r.item.dimension == dimension)
        ]
        if not required:
            return None
        return sum(r.status is Status.PASS for r in required) / len(required)

    @property
    def unnamed_gaps(self) -> int:
        return sum(1 for r in self.items if r.required and r.status.unnamed)


@dataclass(frozen=True, slots=True)
class Priority:
    rank: int
    service: str
    tier: str
    item: Item
    status: Status
    summary: str
    weight: int


@dataclass(frozen=True, slots=True)
class Report:
    generated_at: datetime
    catalog: Catalog
    services: tuple[ServiceResult, ...]
    priorities: tuple[Priority, ...]

    @property
    def failing(self) -> bool:
        """What the audit's exit code says: a required item nobody answers for."""
        return any(s.unnamed_gaps for s in self.services)
