"""The register's rules: how a finding and a human answer become an item status.

Answers are built the way the config loader builds them: a plan due or a risk accepted until
2026-10-01 holds through that whole day (it lapses at 2026-10-02T00:00Z); an attestation made on
2026-07-03 with 90 days' validity lapses at 2026-10-01T00:00Z.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from checks.answers import resolve
from checks.model import Answer, AnswerKind, Finding, Status

DUE = date(2026, 10, 1)
END_OF_DUE_DAY = datetime(2026, 10, 2, tzinfo=UTC)
ATTESTED_ON = date(2026, 7, 3)
ATTESTATION_LAPSES = datetime(2026, 10, 1, tzinfo=UTC)

BEFORE = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)
ON_THE_DUE_DAY = datetime(2026, 10, 1, 23, 59, 59, 999999, tzinfo=UTC)
AT = END_OF_DUE_DAY
AFTER = END_OF_DUE_DAY + timedelta(days=1)

PASSED = Finding.passed("readiness and liveness probes on all 2 containers")
FAILED = Finding.failed("1 container of 2 lack probes: Deployment/api container app")
NO_EVIDENCE = Finding.no_evidence()
UNKNOWN = Finding.unknown("prometheus: connection refused")
NOT_APPLICABLE = Finding.not_applicable("stateless service")


def answer(kind: AnswerKind, text: str, lapses_at: datetime, dated: date) -> Answer:
    return Answer("payments", "reliability.health-checks", kind, "alice", text, lapses_at, dated)


PLANNED = answer(AnswerKind.PLANNED, "add probes in PAY-123", END_OF_DUE_DAY, DUE)
ACCEPTED = answer(AnswerKind.ACCEPTED, "batch job, restarts are harmless", END_OF_DUE_DAY, DUE)
ATTESTED = answer(
    AnswerKind.ATTESTED, "https://wiki.example.com/drill", ATTESTATION_LAPSES, ATTESTED_ON
)
JUST_BEFORE_ATTESTATION_LAPSES = ATTESTATION_LAPSES - timedelta(microseconds=1)
BEFORE_ATTESTED = datetime(2026, 7, 2, 23, 0, tzinfo=UTC)
ON_ATTESTATION_DAY = datetime(2026, 7, 3, 0, 0, tzinfo=UTC)

RULES = [
    # 1. evidence that passes wins
    pytest.param(
        PASSED, None, BEFORE, Status.PASS, "readiness and liveness", id="pass-without-answer"
    ),
    pytest.param(
        PASSED,
        PLANNED,
        AFTER,
        Status.PASS,
        "readiness and liveness",
        id="pass-beats-an-overdue-plan",
    ),
    pytest.param(
        PASSED,
        ACCEPTED,
        AFTER,
        Status.PASS,
        "readiness and liveness",
        id="pass-beats-an-expired-acceptance",
    ),
    pytest.param(
        PASSED,
        ATTESTED,
        AFTER,
        Status.PASS,
        "readiness and liveness",
        id="pass-beats-an-expired-attestation",
    ),
    pytest.param(
        NOT_APPLICABLE,
        PLANNED,
        AFTER,
        Status.NOT_APPLICABLE,
        "stateless service",
        id="not-applicable-ignores-answers",
    ),
    # 5. no answer: the finding stands
    pytest.param(
        FAILED, None, BEFORE, Status.FAIL, "1 container of 2 lack probes", id="fail-without-answer"
    ),
    pytest.param(
        NO_EVIDENCE,
        None,
        BEFORE,
        Status.FAIL,
        "no evidence and no answer recorded",
        id="no-evidence-without-answer-is-a-fail",
    ),
    pytest.param(
        UNKNOWN,
        None,
        BEFORE,
        Status.UNKNOWN,
        "prometheus: connection refused",
        id="unknown-without-answer",
    ),
    # 2. attestations answer what evidence cannot
    pytest.param(
        NO_EVIDENCE,
        ATTESTED,
        BEFORE,
        Status.PASS,
        "attested by alice on 2026-07-03: https://wiki.example.com/drill "
        "(valid through 2026-09-30)",
        id="attested-no-evidence-passes",
    ),
    pytest.param(
        UNKNOWN,
        ATTESTED,
        BEFORE,
        Status.PASS,
        "attested by alice on 2026-07-03",
        id="attested-unknown-passes",
    ),
    pytest.param(
        NO_EVIDENCE,
        ATTESTED,
        ON_ATTESTATION_DAY,
        Status.PASS,
        "attested by alice",
        id="attestation-counts-from-the-start-of-its-day",
    ),
    pytest.param(
        NO_EVIDENCE,
        ATTESTED,
        BEFORE_ATTESTED,
        Status.FAIL,
        "no evidence and no answer recorded",
        id="attestation-dated-after-now-does-not-count",
    ),
    pytest.param(
        UNKNOWN,
        ATTESTED,
        BEFORE_ATTESTED,
        Status.UNKNOWN,
        "prometheus: connection refused",
        id="future-attestation-leaves-unknown-as-is",
    ),
    pytest.param(
        NO_EVIDENCE,
        ATTESTED,
        JUST_BEFORE_ATTESTATION_LAPSES,
        Status.PASS,
        "valid through 2026-09-30",
        id="attestation-valid-until-the-instant-it-lapses",
    ),
    pytest.param(
        NO_EVIDENCE,
        ATTESTED,
        ATTESTATION_LAPSES,
        Status.EXPIRED,
        "attestation by alice of 2026-07-03, valid through 2026-09-30, has expired: "
        "https://wiki.example.com/drill",
        id="attestation-expired-at-the-lapse-instant",
    ),
    pytest.param(
        UNKNOWN,
        ATTESTED,
        AFTER,
        Status.EXPIRED,
        "valid through 2026-09-30, has expired",
        id="attestation-expired-after-lapse",
    ),
    pytest.param(
        FAILED,
        ATTESTED,
        BEFORE,
        Status.FAIL,
        "Deployment/api container app (attestation by alice is contradicted by the evidence)",
        id="attestation-does-not-override-a-concrete-fail",
    ),
    pytest.param(
        FAILED,
        ATTESTED,
        AFTER,
        Status.FAIL,
        "is contradicted by the evidence",
        id="contradicted-attestation-stays-fail-after-lapse",
    ),
    # 3. plans
    pytest.param(
        FAILED,
        PLANNED,
        BEFORE,
        Status.PLANNED,
        "planned by alice, due 2026-10-01: add probes in PAY-123",
        id="planned-before-due",
    ),
    pytest.param(
        FAILED,
        PLANNED,
        ON_THE_DUE_DAY,
        Status.PLANNED,
        "due 2026-10-01",
        id="planned-through-the-whole-due-day",
    ),
    pytest.param(
        FAILED,
        PLANNED,
        AT,
        Status.OVERDUE,
        "plan by alice was due 2026-10-01: add probes in PAY-123; 1 container of 2 lack probes",
        id="overdue-at-the-boundary-instant",
    ),
    pytest.param(
        FAILED, PLANNED, AFTER, Status.OVERDUE, "was due 2026-10-01", id="overdue-after-due"
    ),
    pytest.param(
        NO_EVIDENCE,
        PLANNED,
        BEFORE,
        Status.PLANNED,
        "planned by alice",
        id="a-plan-names-a-no-evidence-gap",
    ),
    pytest.param(
        UNKNOWN, PLANNED, BEFORE, Status.PLANNED, "planned by alice", id="a-plan-names-an-unknown"
    ),
    # 4. accepted risks
    pytest.param(
        FAILED,
        ACCEPTED,
        BEFORE,
        Status.ACCEPTED,
        "risk accepted by alice through 2026-10-01: batch job, restarts are harmless",
        id="accepted-before-expiry",
    ),
    pytest.param(
        FAILED,
        ACCEPTED,
        ON_THE_DUE_DAY,
        Status.ACCEPTED,
        "through 2026-10-01",
        id="accepted-through-the-whole-expiry-day",
    ),
    pytest.param(
        FAILED,
        ACCEPTED,
        AT,
        Status.EXPIRED,
        "risk accepted by alice through 2026-10-01 has expired: batch job",
        id="expired-at-the-boundary-instant",
    ),
    pytest.param(
        NO_EVIDENCE,
        ACCEPTED,
        AFTER,
        Status.EXPIRED,
        "risk accepted by alice through 2026-10-01 has expired",
        id="expired-acceptance-of-a-no-evidence-gap",
    ),
]


@pytest.mark.parametrize(("finding", "given", "now", "status", "summary"), RULES)
def test_register_rules_turn_findings_and_answers_into_statuses(
    finding: Finding, given: Answer | None, now: datetime, status: Status, summary: str
) -> None:
    got_status, got_summary = resolve(finding, given, now)
    assert got_status is status
    assert summary in got_summary


@pytest.mark.parametrize(
    ("status", "unnamed"),
    [
        (Status.FAIL, True),
        (Status.OVERDUE, True),
        (Status.EXPIRED, True),
        (Status.PASS, False),
        (Status.PLANNED, False),
        (Status.ACCEPTED, False),
        (Status.UNKNOWN, False),
        (Status.NOT_APPLICABLE, False),
    ],
    ids=str,
)
def test_only_fail_overdue_and_expired_are_unnamed_gaps(status: Status, unnamed: bool) -> None:
    assert status.unnamed is unnamed


def test_an_unanswered_gap_without_evidence_says_so_then_why() -> None:
    from checks.model import NO_EVIDENCE_SUMMARY, Finding

    specific = Finding.no_evidence("no workloads found in namespace 'payments'")
    assert resolve(specific, None, BEFORE) == (
        Status.FAIL,
        f"{NO_EVIDENCE_SUMMARY}: no workloads found in namespace 'payments'",
    )
    assert resolve(Finding.no_evidence(), None, BEFORE) == (Status.FAIL, NO_EVIDENCE_SUMMARY)
