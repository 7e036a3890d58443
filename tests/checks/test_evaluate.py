"""Running the catalog: alternatives, crashes and blocked sources, tiers, ranking, fleet slicing.

Evaluators here are small real `EvaluatorSpec`s with fixed findings, not mocks: the runner only
sees names, sources and a function of `Context`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from evidence_factories import (
    NOW,
    STANDARD,
    alert,
    backup,
    cluster_role_binding,
    configmap,
    hpa,
    ingress,
    pdb,
    replicaset,
    restore,
    schedule,
    service,
    service_account,
    workload,
)

from checks.context import Context, EvaluatorSpec
from checks.evaluate import ItemError, evaluate_item, evaluate_service, prioritise
from checks.evidence import (
    ALERTMANAGER,
    KUBERNETES,
    PROMETHEUS,
    FleetEvidence,
    Problem,
    ServiceEvidence,
    SourceStatus,
    VeleroBackup,
    VeleroRestore,
)
from checks.model import (
    NO_EVIDENCE_SUMMARY,
    Answer,
    AnswerKind,
    Catalog,
    Dimension,
    Finding,
    Item,
    ItemResult,
    Outcome,
    Requirement,
    ServiceResult,
    ServiceSpec,
    Severity,
    Status,
    Thresholds,
    TierPolicy,
)

PAYMENTS = service()


def item(item_id: str, *evaluators: str, severity: Severity = Severity.HIGH) -> Item:
    dimension = item_id.split(".", 1)[0]
    return Item(item_id, dimension, item_id, "?", "why", "fix", severity, evaluators)


def fixed(name: str, finding: Finding, *sources: str) -> EvaluatorSpec:
    return EvaluatorSpec(name, frozenset(sources or {KUBERNETES}), lambda ctx: finding)


def _boom(ctx: Context) -> Finding:
    raise KeyError("spec.template")


PASSES = fixed("passes", Finding.passed("all good"))
FAILS = fixed("fails", Finding.failed("1 of 2 containers lack probes"))
FAILS_TOO = fixed("fails-too", Finding.failed("second opinion: broken"))
NO_EVIDENCE = fixed("no-evidence", Finding.no_evidence("no Ingress to check"))
UNKNOWN = fixed("unknown", Finding.unknown("cannot tell"))
NOT_APPLICABLE = fixed("not-applicable", Finding.not_applicable("stateless service"))
RAISES = EvaluatorSpec("raises", frozenset({KUBERNETES}), _boom)
READS_RULES = fixed("reads-rules", Finding.passed("rules fine"), PROMETHEUS, ALERTMANAGER)

EVALUATORS = {
    spec.name: spec
    for spec in (
        PASSES,
        FAILS,
        FAILS_TOO,
        NO_EVIDENCE,
        UNKNOWN,
        NOT_APPLICABLE,
        RAISES,
        READS_RULES,
    )
}


def context(evidence: ServiceEvidence | None = None) -> Context:
    return Context(PAYMENTS, STANDARD, evidence or ServiceEvidence(), NOW)


# --- evaluate_item -------------------------------------------------------------------------

ALTERNATIVES = [
    pytest.param(("passes",), Outcome.PASS, "all good", id="a-passing-evaluator-passes"),
    pytest.param(
        ("fails", "passes"), Outcome.PASS, "all good", id="any-alternative-that-passes-passes"
    ),
    pytest.param(
        ("passes", "raises"), Outcome.PASS, "all good", id="a-pass-stops-before-later-alternatives"
    ),
    pytest.param(
        ("unknown", "fails"), Outcome.FAIL, "1 of 2 containers lack probes", id="fail-beats-unknown"
    ),
    pytest.param(
        ("fails", "fails-too"),
        Outcome.FAIL,
        "1 of 2 containers lack probes",
        id="the-first-of-equal-failures-speaks",
    ),
    pytest.param(
        ("no-evidence", "unknown"), Outcome.UNKNOWN, "cannot tell", id="unknown-beats-no-evidence"
    ),
    pytest.param(
        ("not-applicable", "no-evidence"),
        Outcome.NO_EVIDENCE,
        "no Ingress to check",
        id="no-evidence-beats-not-applicable",
    ),
    pytest.param(
        ("not-applicable",), Outcome.NOT_APPLICABLE, "stateless service", id="not-applicable-alone"
    ),
    pytest.param(
        (),
        Outcome.NO_EVIDENCE,
        NO_EVIDENCE_SUMMARY,
        id="an-item-without-evaluators-has-no-evidence",
    ),
]


@pytest.mark.parametrize(("names", "outcome", "summary"), ALTERNATIVES)
def test_evaluate_item_treats_evaluators_as_alternatives(
    names: tuple[str, ...], outcome: Outcome, summary: str, item_errors: list[ItemError]
) -> None:
    finding = evaluate_item(
        item("reliability.health-checks", *names), context(), EVALUATORS, item_errors
    )
    assert finding.outcome is outcome
    assert finding.summary == summary
    assert item_errors == []


def test_an_evaluator_that_raises_makes_the_item_unknown_and_is_recorded(
    item_errors: list[ItemError],
) -> None:
    finding = evaluate_item(
        item("reliability.health-checks", "raises"), context(), EVALUATORS, item_errors
    )
    assert finding.outcome is Outcome.UNKNOWN
    assert finding.summary == "evaluator raises failed: KeyError: 'spec.template'"
    assert item_errors == [
        ItemError("payments", "reliability.health-checks", "raises", "KeyError: 'spec.template'")
    ]


def test_a_raising_alternative_does_not_hide_a_later_pass(item_errors: list[ItemError]) -> None:
    finding = evaluate_item(
        item("reliability.health-checks", "raises", "passes"), context(), EVALUATORS, item_errors
    )
    assert finding.outcome is Outcome.PASS
    assert [e.evaluator for e in item_errors] == ["raises"]


def test_a_source_problem_makes_the_item_unknown_naming_the_reason(
    item_errors: list[ItemError],
) -> None:
    evidence = ServiceEvidence(
        problems={KUBERNETES: ("kubernetes: 403 Forbidden listing deployments", "second", "third")}
    )
    finding = evaluate_item(
        item("reliability.health-checks", "raises"), context(evidence), EVALUATORS, item_errors
    )
    assert finding.outcome is Outcome.UNKNOWN
    assert finding.summary == "kubernetes: 403 Forbidden listing deployments"
    assert finding.evidence == ("second", "third")
    assert item_errors == [], "a blocked evaluator must not run"


def test_a_problem_on_another_source_does_not_block(item_errors: list[ItemError]) -> None:
    evidence = ServiceEvidence(problems={PROMETHEUS: ("prometheus: connection refused",)})
    finding = evaluate_item(
        item("reliability.health-checks", "passes"), context(evidence), EVALUATORS, item_errors
    )
    assert finding.outcome is Outcome.PASS


def test_any_of_an_evaluators_sources_blocks_it(item_errors: list[ItemError]) -> None:
    evidence = ServiceEvidence(problems={ALERTMANAGER: ("alertmanager.yml: no top-level route",)})
    finding = evaluate_item(
        item("incident.severity-escalation", "reads-rules"),
        context(evidence),
        EVALUATORS,
        item_errors,
    )
    assert finding.outcome is Outcome.UNKNOWN
    assert finding.summary == "alertmanager.yml: no top-level route"


def test_a_blocked_alternative_does_not_hide_a_fail(item_errors: list[ItemError]) -> None:
    evidence = ServiceEvidence(problems={PROMETHEUS: ("prometheus: connection refused",)})
    finding = evaluate_item(
        item("observability.alert-runbooks", "reads-rules", "fails"),
        context(evidence),
        EVALUATORS,
        item_errors,
    )
    assert finding.outcome is Outcome.FAIL


# --- evaluate_service ----------------------------------------------------------------------

CATALOG_ITEMS = (
    item("reliability.health-checks", "passes", severity=Severity.CRITICAL),
    item("reliability.no-single-instance", "fails", severity=Severity.CRITICAL),
    item("observability.structured-logs", severity=Severity.MEDIUM),
    item("capacity.load-tested", "fails"),
    item("data.backups-scheduled", "raises", severity=Severity.CRITICAL),
)
CATALOG = Catalog.of(
    tuple(Dimension(d, d.title(), d) for d in ("reliability", "observability", "capacity", "data")),
    CATALOG_ITEMS,
)
TIER = TierPolicy(
    "standard",
    2,
    frozenset({"reliability", "observability", "data.backups-scheduled"}),
    frozenset({"data"}),
    Thresholds(),
)
ATTESTED_LOGS = Answer(
    "payments",
    "observability.structured-logs",
    AnswerKind.ATTESTED,
    "alice",
    "https://wiki.example.com/logging",
    datetime(2026, 12, 1, tzinfo=UTC),
    date(2026, 6, 1),
)


@pytest.fixture
def payments_result(item_errors: list[ItemError]) -> ServiceResult:
    return evaluate_service(
        PAYMENTS,
        TIER,
        ServiceEvidence(),
        CATALOG,
        {"observability.structured-logs": ATTESTED_LOGS},
        NOW,
        item_errors,
        EVALUATORS,
    )


def test_evaluate_service_applies_tier_and_register_to_every_item(
    payments_result: ServiceResult, item_errors: list[ItemError]
) -> None:
    rows = {r.item.id: (r.status, r.requirement, r.summary) for r in payments_result.items}
    assert rows == {
        "reliability.health-checks": (Status.PASS, Requirement.REQUIRED, "all good"),
        "reliability.no-single-instance": (
            Status.FAIL,
            Requirement.REQUIRED,
            "1 of 2 containers lack probes",
        ),
        "observability.structured-logs": (
            Status.PASS,
            Requirement.REQUIRED,
            "attested by alice on 2026-06-01: https://wiki.example.com/logging "
            "(valid through 2026-11-30)",
        ),
        "capacity.load-tested": (
            Status.FAIL,
            Requirement.ADVISORY,
            "1 of 2 containers lack probes",
        ),
        "data.backups-scheduled": (
            Status.NOT_APPLICABLE,
            Requirement.EXEMPT,
            "not required for tier standard",
        ),
    }
    assert item_errors == [], "an exempt item's evaluator must not run"


def test_score_counts_required_applicable_items_that_pass(payments_result: ServiceResult) -> None:
    assert payments_result.score() == pytest.approx(2 / 3)
    assert payments_result.score("reliability") == pytest.approx(1 / 2)
    assert payments_result.score("observability") == 1.0
    assert payments_result.score("capacity") is None, "advisory items are not scored"
    assert payments_result.score("data") is None, "exempt items are not scored"


def test_unnamed_gaps_count_required_fail_overdue_and_expired_only(
    payments_result: ServiceResult,
) -> None:
    assert payments_result.unnamed_gaps == 1


def result_of(
    *rows: tuple[Item, Status, Requirement, str],
    name: str = "payments",
    tier: TierPolicy = STANDARD,
) -> ServiceResult:
    return ServiceResult(
        service(name),
        tier,
        tuple(ItemResult(i, status, req, summary, ()) for i, status, req, summary in rows),
    )


REQUIRED = Requirement.REQUIRED


def test_score_is_none_not_perfect_when_nothing_required_applies() -> None:
    empty = result_of((item("data.backups-scheduled"), Status.NOT_APPLICABLE, REQUIRED, "n/a"))
    assert empty.score() is None
    assert empty.score("data") is None


@pytest.mark.parametrize(
    ("status", "score", "gaps"),
    [
        (Status.PASS, 1.0, 0),
        (Status.PLANNED, 0.0, 0),
        (Status.ACCEPTED, 0.0, 0),
        (Status.UNKNOWN, 0.0, 0),
        (Status.FAIL, 0.0, 1),
        (Status.OVERDUE, 0.0, 1),
        (Status.EXPIRED, 0.0, 1),
    ],
    ids=str,
)
def test_only_pass_scores_and_only_unnamed_statuses_are_gaps(
    status: Status, score: float, gaps: int
) -> None:
    result = result_of((item("reliability.health-checks"), status, REQUIRED, "x"))
    assert result.score() == score
    assert result.unnamed_gaps == gaps


# --- prioritise ----------------------------------------------------------------------------

CRITICAL_TIER = TierPolicy("critical", 4, frozenset({"*"}), frozenset(), Thresholds())
INTERNAL_TIER = TierPolicy("internal", 1, frozenset({"*"}), frozenset(), Thresholds())

PROBES_ITEM = item("reliability.health-checks", severity=Severity.CRITICAL)
LOGS_ITEM = item("observability.structured-logs", severity=Severity.MEDIUM)
RUNBOOKS_ITEM = item("observability.alert-runbooks", severity=Severity.HIGH)
RESTORE_ITEM = item("data.restore-tested", severity=Severity.CRITICAL)
TIMEOUTS_ITEM = item("reliability.outbound-timeouts", severity=Severity.HIGH)


def ranked(*services: ServiceResult) -> list[tuple[str, str, Status, int]]:
    return [(p.service, p.item.id, p.status, p.weight) for p in prioritise(services)]


def test_prioritise_puts_fail_before_lapsed_before_unknown_before_planned() -> None:
    result = result_of(
        (PROBES_ITEM, Status.PLANNED, REQUIRED, "planned"),
        (LOGS_ITEM, Status.UNKNOWN, REQUIRED, "prometheus down"),
        (RUNBOOKS_ITEM, Status.EXPIRED, REQUIRED, "expired"),
        (RESTORE_ITEM, Status.OVERDUE, REQUIRED, "overdue"),
        (TIMEOUTS_ITEM, Status.FAIL, REQUIRED, "no timeout"),
    )
    assert [row[2] for row in ranked(result)] == [
        Status.FAIL,
        Status.OVERDUE,  # critical severity outweighs the expired high one
        Status.EXPIRED,
        Status.UNKNOWN,
        Status.PLANNED,
    ]


def test_prioritise_leaves_out_passes_accepted_not_applicable_and_advisory_items() -> None:
    result = result_of(
        (PROBES_ITEM, Status.PASS, REQUIRED, "ok"),
        (LOGS_ITEM, Status.ACCEPTED, REQUIRED, "accepted"),
        (RUNBOOKS_ITEM, Status.NOT_APPLICABLE, Requirement.EXEMPT, "exempt"),
        (RESTORE_ITEM, Status.FAIL, Requirement.ADVISORY, "advisory gap"),
        (TIMEOUTS_ITEM, Status.FAIL, REQUIRED, "no timeout"),
    )
    assert ranked(result) == [("payments", "reliability.outbound-timeouts", Status.FAIL, 8)]


def test_prioritise_ranks_tier_weight_times_severity_within_a_status_class() -> None:
    internal = result_of((PROBES_ITEM, Status.FAIL, REQUIRED, "x"), name="wiki", tier=INTERNAL_TIER)
    critical = result_of(
        (LOGS_ITEM, Status.FAIL, REQUIRED, "x"),
        (PROBES_ITEM, Status.FAIL, REQUIRED, "x"),
        name="payments",
        tier=CRITICAL_TIER,
    )
    standard = result_of((RUNBOOKS_ITEM, Status.FAIL, REQUIRED, "x"), name="catalog")
    assert ranked(internal, standard, critical) == [
        ("payments", "reliability.health-checks", Status.FAIL, 32),  # 4 x critical 8
        # equal weights fall back to service name, then item id
        ("catalog", "observability.alert-runbooks", Status.FAIL, 8),  # 2 x high 4
        ("payments", "observability.structured-logs", Status.FAIL, 8),  # 4 x medium 2
        ("wiki", "reliability.health-checks", Status.FAIL, 8),  # 1 x critical 8
    ]


def test_prioritise_puts_a_concrete_finding_before_no_evidence_at_equal_weight() -> None:
    result = result_of(
        (RUNBOOKS_ITEM, Status.FAIL, REQUIRED, NO_EVIDENCE_SUMMARY),
        (TIMEOUTS_ITEM, Status.FAIL, REQUIRED, "postgres: no timeout set"),
    )
    assert [row[1] for row in ranked(result)] == [
        "reliability.outbound-timeouts",
        "observability.alert-runbooks",
    ]


def test_prioritise_numbers_ranks_from_one() -> None:
    result = result_of(
        (PROBES_ITEM, Status.FAIL, REQUIRED, "x"), (LOGS_ITEM, Status.UNKNOWN, REQUIRED, "y")
    )
    assert [(p.rank, p.tier, p.summary) for p in prioritise([result])] == [
        (1, "standard", "x"),
        (2, "standard", "y"),
    ]


# --- FleetEvidence.for_service -------------------------------------------------------------


def slice_for(svc: ServiceSpec, fleet: FleetEvidence) -> ServiceEvidence:
    return fleet.for_service(svc)


WORKLOADS = FleetEvidence(
    workloads=[
        workload("api", labels={"app": "api", "team": "pay"}, pod_labels={"app": "api"}),
        workload("worker", labels={"app": "worker", "team": "pay"}, pod_labels={"app": "worker"}),
        workload("api", namespace="orders", labels={"app": "api", "team": "pay"}),
    ],
    pdbs=[
        pdb("api-pdb", {"app": "api"}),
        pdb("worker-pdb", {"app": "worker"}),
        pdb("everything", {}),
        pdb("orders-api", {"app": "api"}, namespace="orders"),
    ],
    autoscalers=[hpa("api"), hpa("worker"), hpa("api", namespace="orders")],
    replicasets=[replicaset("api-1", "api"), replicaset("worker-1", "worker")],
    configmaps=[
        configmap("payments-config", {"a": "1"}),
        configmap("orders-config", {}, namespace="orders"),
    ],
    ingresses=[
        ingress("api-public", ("api.example.com",)),
        ingress("worker-admin", ("w.example.com",)),
    ],
)


def names(objects: Iterable[Any]) -> list[str]:
    """Sorted names of anything with a `ref`: workloads, PDBs, bindings, schedules, ..."""
    return sorted(o.ref.name for o in objects)


def test_a_whole_namespace_service_gets_everything_in_its_namespace_only() -> None:
    evidence = slice_for(PAYMENTS, WORKLOADS)
    assert [(w.ref.namespace, w.ref.name) for w in evidence.workloads] == [
        ("payments", "api"),
        ("payments", "worker"),
    ]
    assert names(evidence.pdbs) == ["api-pdb", "worker-pdb"], "empty selectors are dropped"
    assert names(evidence.autoscalers) == ["api", "worker"]
    assert {a.ref.namespace for a in evidence.autoscalers} == {"payments"}
    assert names(evidence.replicasets) == ["api-1", "worker-1"]
    assert sorted(evidence.configmaps) == ["payments-config"]
    assert names(evidence.ingresses) == ["api-public", "worker-admin"]


def test_a_selector_slices_by_workload_labels_and_follows_them_to_related_objects() -> None:
    evidence = slice_for(service(selector={"app": "api"}), WORKLOADS)
    assert [w.ref.name for w in evidence.workloads] == ["api"]
    assert names(evidence.pdbs) == ["api-pdb"]
    assert names(evidence.autoscalers) == ["api"]
    assert names(evidence.replicasets) == ["api-1"]
    assert names(evidence.ingresses) == ["api-public"], "Ingresses are attributed by name prefix"


def test_a_selector_matching_nothing_yields_no_workloads() -> None:
    evidence = slice_for(service(selector={"team": "pay", "app": "ledger"}), WORKLOADS)
    assert evidence.workloads == ()
    assert evidence.pdbs == ()


def test_bindings_are_found_through_the_workloads_service_accounts() -> None:
    fleet = FleetEvidence(
        workloads=[workload("api", service_account="api")],
        bindings=[
            cluster_role_binding("api-admin", "cluster-admin", service_account("api")),
            cluster_role_binding("other-admin", "cluster-admin", service_account("other")),
            cluster_role_binding("orders-api", "cluster-admin", service_account("api", "orders")),
        ],
    )
    assert names(slice_for(PAYMENTS, fleet).bindings) == ["api-admin"]


RULES = [
    alert("PaymentsDown", labels={"team": "payments", "service": "payments"}),
    alert("PaymentsSlow", labels={"team": "payments", "service": "checkout"}),
    alert("OrdersDown", labels={"team": "orders", "service": "orders"}),
]


@pytest.mark.parametrize(
    ("alert_match", "expected"),
    [
        ({}, ["OrdersDown", "PaymentsDown", "PaymentsSlow"]),
        ({"team": "payments"}, ["PaymentsDown", "PaymentsSlow"]),
        ({"team": "payments", "service": "checkout"}, ["PaymentsSlow"]),
        ({"team": "payments", "service": "orders"}, []),
        ({"team": "nobody"}, []),
    ],
    ids=[
        "empty-match-takes-every-rule",
        "one-label",
        "all-labels-must-match",
        "no-rule-has-both",
        "unknown-label-value",
    ],
)
def test_rules_are_sliced_by_alert_match_labels(
    alert_match: dict[str, str], expected: list[str]
) -> None:
    evidence = slice_for(service(alert_match=alert_match), FleetEvidence(rules=RULES))
    assert sorted(r.name for r in evidence.rules) == expected


RESTORES = [
    pytest.param(
        [backup("daily-1", included=("payments",))],
        restore("drill", "daily-1"),
        True,
        id="covered-through-its-backup",
    ),
    pytest.param(
        [backup("daily-1", included=("*",), excluded=("payments",))],
        restore("drill", "daily-1"),
        False,
        id="backup-excludes-the-namespace",
    ),
    pytest.param(
        [backup("daily-1", included=("payments", "orders"))],
        restore("drill", "daily-1", excluded=("payments",)),
        False,
        id="restore-excludes-the-namespace",
    ),
    pytest.param(
        [backup("daily-1", included=("orders",))],
        restore("drill", "daily-1"),
        False,
        id="backup-of-another-namespace",
    ),
    pytest.param(
        [backup("daily-1", included=("orders",))],
        restore("drill", "daily-1", included=("payments",)),
        True,
        id="restore-include-list-decides",
    ),
    pytest.param(
        [],
        restore("drill", "gone-1", mapping={"payments": "payments-drill"}),
        True,
        id="backup-gone-namespace-mapping-names-it",
    ),
    pytest.param(
        [],
        restore("drill", "gone-1"),
        False,
        id="backup-gone-and-nothing-names-the-namespace",
    ),
]


@pytest.mark.parametrize(("backups", "drill", "covered"), RESTORES)
def test_restores_cover_a_namespace_through_their_backup(
    backups: list[VeleroBackup], drill: VeleroRestore, covered: bool
) -> None:
    fleet = FleetEvidence(backups=backups, restores=[drill])
    assert (slice_for(PAYMENTS, fleet).restores == (drill,)) is covered


def test_schedules_are_sliced_by_namespace_coverage() -> None:
    fleet = FleetEvidence(
        schedules=[
            schedule("payments-daily"),
            schedule("orders-daily", included=("orders",)),
            schedule("cluster", included=("*",), excluded=("kube-system",)),
        ]
    )
    assert names(slice_for(PAYMENTS, fleet).schedules) == ["cluster", "payments-daily"]


def test_problems_reach_their_namespace_and_failed_sources_come_first() -> None:
    fleet = FleetEvidence(
        problems=[
            Problem(
                KUBERNETES,
                "payments",
                "api.yaml:3: Deployment payments/api: spec.template is missing",
            ),
            Problem(KUBERNETES, "orders", "orders.yaml:1: not ours"),
            Problem(PROMETHEUS, None, "rules.yaml:1: groups must be a list"),
        ],
        sources={PROMETHEUS: SourceStatus(False, "prometheus: connection refused")},
    )
    assert slice_for(PAYMENTS, fleet).problems == {
        KUBERNETES: ("api.yaml:3: Deployment payments/api: spec.template is missing",),
        PROMETHEUS: ("prometheus: connection refused", "rules.yaml:1: groups must be a list"),
    }


def test_the_remembered_restore_is_looked_up_by_service_name() -> None:
    when = datetime(2026, 8, 20, tzinfo=UTC)
    fleet = FleetEvidence(remembered_restores={"payments": when, "orders": NOW})
    assert slice_for(PAYMENTS, fleet).remembered_restore == when
    assert slice_for(service("ledger"), fleet).remembered_restore is None
