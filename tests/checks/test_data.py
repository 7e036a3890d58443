"""Data evaluators: Velero schedules, restore recency, retention, RTO/RPO against the schedule.

`NOW` is fixed (2026-09-01 12:00 UTC), so ages in these tables are exact.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from evidence_factories import (
    NOW,
    STANDARD,
    STATEFUL,
    STATELESS,
    days_ago,
    restore,
    schedule,
    service,
    statefulset,
    workload,
)

from checks.context import Context, EvaluatorSpec
from checks.data import backup_ttl, rto_rpo, velero_restores, velero_schedules
from checks.evidence import FleetEvidence, ServiceEvidence
from checks.model import DataPolicy, Finding, Outcome, ServiceSpec

PAYMENTS = service(data=STATEFUL)
UNDECLARED = service()  # stateful or not is read from the evidence
STATELESS_SERVICE = service(data=STATELESS)
WITH_STATEFULSET = ServiceEvidence(workloads=(statefulset("db"),))


def run(spec: EvaluatorSpec, evidence: ServiceEvidence, svc: ServiceSpec = PAYMENTS) -> Finding:
    return spec.fn(Context(svc, STANDARD, evidence, NOW))


def sliced(svc: ServiceSpec, **fleet: Any) -> ServiceEvidence:
    """The service's slice of a fleet, so namespace coverage is decided the real way."""
    return FleetEvidence(**fleet).for_service(svc)


# --- velero-schedules ----------------------------------------------------------------------

VELERO_SCHEDULES = [
    pytest.param(
        PAYMENTS,
        ServiceEvidence(schedules=(schedule("daily", "0 3 * * *"),)),
        Outcome.PASS,
        "backed up by daily (0 3 * * *)",
        id="an-active-schedule-passes",
    ),
    pytest.param(
        PAYMENTS,
        ServiceEvidence(),
        Outcome.FAIL,
        "no active Velero Schedule includes namespace 'payments'",
        id="declared-stateful-without-a-schedule-fails",
    ),
    pytest.param(
        UNDECLARED,
        WITH_STATEFULSET,
        Outcome.FAIL,
        "no active Velero Schedule includes namespace 'payments'",
        id="a-statefulset-makes-the-service-stateful",
    ),
    pytest.param(
        PAYMENTS,
        ServiceEvidence(schedules=(schedule("daily", paused=True),)),
        Outcome.FAIL,
        "no active Velero Schedule includes namespace 'payments' (paused: daily)",
        id="a-paused-schedule-fails-and-is-named",
    ),
    pytest.param(
        PAYMENTS,
        ServiceEvidence(
            schedules=(schedule("hourly", "0 * * * *"), schedule("daily", paused=True))
        ),
        Outcome.PASS,
        "backed up by hourly (0 * * * *)",
        id="a-paused-schedule-beside-an-active-one-passes",
    ),
    pytest.param(
        PAYMENTS,
        sliced(
            PAYMENTS,
            workloads=[workload("api")],
            schedules=[schedule("cluster", included=("*",), excluded=("payments", "kube-system"))],
        ),
        Outcome.FAIL,
        "no active Velero Schedule includes namespace 'payments'",
        id="excluded-namespaces-are-not-covered",
    ),
    pytest.param(
        PAYMENTS,
        sliced(
            PAYMENTS, schedules=[schedule("cluster", included=("*",), excluded=("kube-system",))]
        ),
        Outcome.PASS,
        "backed up by cluster",
        id="a-star-include-covers-the-namespace",
    ),
    pytest.param(
        PAYMENTS,
        sliced(PAYMENTS, schedules=[schedule("everything", included=())]),
        Outcome.PASS,
        "backed up by everything",
        id="no-include-list-means-every-namespace",
    ),
    pytest.param(
        PAYMENTS,
        sliced(PAYMENTS, schedules=[schedule("orders", included=("orders",))]),
        Outcome.FAIL,
        "no active Velero Schedule includes namespace 'payments'",
        id="another-namespaces-schedule-does-not-count",
    ),
    pytest.param(
        UNDECLARED,
        ServiceEvidence(workloads=(workload("api"),)),
        Outcome.NOT_APPLICABLE,
        "stateless service: no data to back up",
        id="deployments-only-and-no-schedule-is-stateless",
    ),
    pytest.param(
        STATELESS_SERVICE,
        WITH_STATEFULSET,
        Outcome.NOT_APPLICABLE,
        "stateless service",
        id="declared-stateless-wins-over-a-statefulset",
    ),
]


@pytest.mark.parametrize(("svc", "evidence", "outcome", "summary"), VELERO_SCHEDULES)
def test_velero_schedules_need_an_active_schedule_covering_the_namespace(
    svc: ServiceSpec, evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(velero_schedules, evidence, svc)
    assert finding.outcome is outcome
    assert summary in finding.summary


# --- velero-restores -----------------------------------------------------------------------

VELERO_RESTORES = [
    pytest.param(
        ServiceEvidence(restores=(restore("drill-aug", completed=days_ago(5)),)),
        Outcome.PASS,
        "restore tested 5d ago (limit 30d)",
        id="a-recent-completed-restore-passes",
    ),
    pytest.param(
        ServiceEvidence(restores=(restore("drill-jul", completed=days_ago(40)),)),
        Outcome.FAIL,
        "newest restore test is 40d old, over the tier's 30d",
        id="an-old-restore-fails",
    ),
    pytest.param(
        ServiceEvidence(restores=(restore("drill", completed=NOW - timedelta(days=30)),)),
        Outcome.PASS,
        "restore tested 30d ago (limit 30d)",
        id="exactly-the-max-age-passes",
    ),
    pytest.param(
        ServiceEvidence(
            restores=(restore("drill", completed=NOW - timedelta(days=30, seconds=1)),)
        ),
        Outcome.FAIL,
        "newest restore test is 30d old, over the tier's 30d",
        id="one-second-over-the-max-age-fails",
    ),
    pytest.param(
        ServiceEvidence(
            restores=(
                restore("drill-jun", completed=days_ago(80)),
                restore("drill-aug", completed=days_ago(3)),
                restore("drill-jul", completed=days_ago(45)),
            )
        ),
        Outcome.PASS,
        "restore tested 3d ago",
        id="the-newest-completed-restore-counts",
    ),
    pytest.param(
        ServiceEvidence(
            restores=(
                restore("drill-aug", completed=days_ago(10)),
                restore("drill-sep", phase="Failed", completed=days_ago(1)),
            )
        ),
        Outcome.PASS,
        "restore tested 10d ago (limit 30d); 1 failed restore: drill-sep",
        id="a-newer-failed-restore-is-mentioned-but-not-counted",
    ),
    pytest.param(
        ServiceEvidence(
            restores=(
                restore("drill-a", phase="Failed", completed=days_ago(1)),
                restore("drill-b", phase="PartiallyFailed", completed=days_ago(2)),
            )
        ),
        Outcome.FAIL,
        "no completed restore of namespace 'payments' on record; "
        "2 failed restores: drill-a, drill-b",
        id="only-failed-restores-fail-and-are-named",
    ),
    pytest.param(
        ServiceEvidence(restores=(restore("drill", phase="InProgress", completed=None),)),
        Outcome.FAIL,
        "no completed restore of namespace 'payments' on record",
        id="an-unfinished-restore-does-not-count",
    ),
    pytest.param(
        ServiceEvidence(remembered_restore=days_ago(10)),
        Outcome.PASS,
        "restore tested 10d ago (limit 30d)",
        id="a-remembered-restore-counts-when-the-objects-are-gone",
    ),
    pytest.param(
        ServiceEvidence(
            restores=(restore("drill-jul", completed=days_ago(45)),),
            remembered_restore=days_ago(4),
        ),
        Outcome.PASS,
        "restore tested 4d ago",
        id="a-newer-remembered-restore-wins-over-an-old-object",
    ),
    pytest.param(
        ServiceEvidence(
            restores=(restore("drill-aug", completed=days_ago(2)),),
            remembered_restore=days_ago(50),
        ),
        Outcome.PASS,
        "restore tested 2d ago",
        id="a-newer-object-wins-over-an-old-memory",
    ),
    pytest.param(
        ServiceEvidence(remembered_restore=days_ago(31)),
        Outcome.FAIL,
        "newest restore test is 31d old",
        id="an-old-remembered-restore-fails",
    ),
    pytest.param(
        ServiceEvidence(),
        Outcome.FAIL,
        "no completed restore of namespace 'payments' on record",
        id="no-restore-ever-fails",
    ),
    pytest.param(
        ServiceEvidence(restores=(restore("drill-next-week", completed=NOW + timedelta(days=7)),)),
        Outcome.FAIL,
        "no completed restore of namespace 'payments' on record",
        id="a-restore-completed-after-now-does-not-count",
    ),
    pytest.param(
        ServiceEvidence(remembered_restore=NOW + timedelta(days=7)),
        Outcome.FAIL,
        "no completed restore of namespace 'payments' on record",
        id="a-restore-remembered-after-now-does-not-count",
    ),
    pytest.param(
        ServiceEvidence(
            restores=(restore("drill-aug", completed=days_ago(5)),),
            remembered_restore=NOW + timedelta(days=7),
        ),
        Outcome.PASS,
        "restore tested 5d ago",
        id="a-restore-remembered-after-now-does-not-hide-an-object-restore",
    ),
]


@pytest.mark.parametrize(("evidence", "outcome", "summary"), VELERO_RESTORES)
def test_velero_restores_need_a_completed_restore_within_the_tier_max_age(
    evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(velero_restores, evidence)
    assert finding.outcome is outcome
    assert summary in finding.summary


def test_restore_evidence_says_where_the_date_came_from() -> None:
    drill = restore("drill-aug", "daily-1", completed=days_ago(5))
    from_object = run(velero_restores, ServiceEvidence(restores=(drill,)))
    assert from_object.evidence == (
        "Restore drill-aug from backup daily-1, completed 2026-08-27T12:00:00+00:00",
    )
    from_memory = run(velero_restores, ServiceEvidence(remembered_restore=days_ago(5)))
    assert from_memory.evidence == (
        "remembered from an earlier cycle (the Restore object is gone), "
        "completed 2026-08-27T12:00:00+00:00",
    )


def test_restores_of_a_stateless_service_are_not_applicable() -> None:
    finding = run(velero_restores, ServiceEvidence(workloads=(workload("api"),)), UNDECLARED)
    assert finding.outcome is Outcome.NOT_APPLICABLE


# --- backup-ttl ----------------------------------------------------------------------------

BACKUP_TTL = [
    pytest.param(
        ServiceEvidence(schedules=(schedule("daily", ttl="720h0m0s"),)),
        Outcome.PASS,
        "daily: keeps backups 30d",
        id="an-explicit-ttl-passes",
    ),
    pytest.param(
        ServiceEvidence(schedules=(schedule("daily", ttl=None),)),
        Outcome.FAIL,
        "no explicit ttl on daily (Velero's default applies)",
        id="no-ttl-fails",
    ),
    pytest.param(
        ServiceEvidence(schedules=(schedule("daily", ttl="0s"),)),
        Outcome.FAIL,
        "daily: ttl 0s keeps nothing",
        id="a-zero-ttl-fails",
    ),
    pytest.param(
        ServiceEvidence(schedules=(schedule("daily", ttl="forever"),)),
        Outcome.FAIL,
        "daily: ttl 'forever' is not a duration",
        id="an-unreadable-ttl-fails",
    ),
    pytest.param(
        ServiceEvidence(
            schedules=(schedule("daily", ttl="720h0m0s"), schedule("legacy", paused=True, ttl=None))
        ),
        Outcome.PASS,
        "daily: keeps backups 30d",
        id="paused-schedules-are-not-judged",
    ),
    pytest.param(
        ServiceEvidence(schedules=(schedule("daily", paused=True),)),
        Outcome.FAIL,
        "no active backup schedule, so no retention to read",
        id="only-paused-schedules-fail",
    ),
    pytest.param(
        ServiceEvidence(),
        Outcome.FAIL,
        "no active backup schedule",
        id="no-schedule-fails",
    ),
]


@pytest.mark.parametrize(("evidence", "outcome", "summary"), BACKUP_TTL)
def test_backup_ttl_needs_an_explicit_positive_ttl_on_every_active_schedule(
    evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(backup_ttl, evidence)
    assert finding.outcome is outcome
    assert summary in finding.summary


def test_backup_ttl_of_a_stateless_service_is_not_applicable() -> None:
    assert run(backup_ttl, ServiceEvidence(), STATELESS_SERVICE).outcome is Outcome.NOT_APPLICABLE


# --- rto-rpo -------------------------------------------------------------------------------

DR_PLAN = "https://wiki.example.com/payments/dr"


HOUR = timedelta(hours=1)


def declared(
    rto: timedelta | None = 4 * HOUR, rpo: timedelta | None = 24 * HOUR, plan: str | None = DR_PLAN
) -> ServiceSpec:
    """A stateful service with these recovery objectives and DR plan link."""
    return service(data=DataPolicy(True, rto, rpo, plan))


def crons(*expressions: str, paused: bool = False) -> ServiceEvidence:
    return ServiceEvidence(
        schedules=tuple(schedule(f"s{i}", e, paused=paused) for i, e in enumerate(expressions))
    )


RTO_RPO = [
    pytest.param(
        declared(rpo=24 * HOUR),
        crons("0 3 * * *"),
        Outcome.PASS,
        f"RTO 4h, RPO 1d; backups every 1d; plan: {DR_PLAN}",
        id="daily-backups-meet-a-24h-rpo",
    ),
    pytest.param(
        declared(rpo=6 * HOUR),
        crons("0 3 * * *"),
        Outcome.FAIL,
        "RTO 4h, RPO 6h, but backups run only every 1d",
        id="daily-backups-miss-a-6h-rpo",
    ),
    pytest.param(
        declared(rpo=6 * HOUR),
        crons("0 */6 * * *"),
        Outcome.PASS,
        "backups every 6h",
        id="six-hourly-backups-meet-a-6h-rpo",
    ),
    pytest.param(
        declared(rpo=HOUR),
        crons("*/15 * * * *"),
        Outcome.PASS,
        "backups every 15m",
        id="quarter-hourly-backups-meet-a-1h-rpo",
    ),
    pytest.param(
        declared(rpo=6 * HOUR),
        crons("0 3 * * *", "0 */4 * * *"),
        Outcome.PASS,
        "backups every 4h",
        id="the-most-frequent-schedule-counts",
    ),
    pytest.param(
        declared(rpo=24 * HOUR),
        crons("0 2 * * 1-5"),
        Outcome.FAIL,
        "but backups run only every 3d",
        id="weekday-backups-leave-a-weekend-gap",
    ),
    pytest.param(
        declared(rpo=72 * HOUR),
        crons("0 2 * * 1-5"),
        Outcome.PASS,
        "backups every 3d",
        id="weekday-backups-meet-a-72h-rpo",
    ),
    pytest.param(
        declared(rpo=HOUR),
        crons("@every 1h"),
        Outcome.PASS,
        "backups every 1h",
        id="every-1h-meets-a-1h-rpo",
    ),
    pytest.param(
        declared(rpo=24 * HOUR),
        crons("0 0 1 * *"),
        Outcome.FAIL,
        "but backups run only every 31d",
        id="monthly-backups-miss-a-daily-rpo",
    ),
    pytest.param(
        declared(rpo=24 * HOUR),
        crons("not a cron"),
        Outcome.UNKNOWN,
        "no readable backup schedule: s0: 'not a cron' is not a cron schedule",
        id="an-unreadable-schedule-is-unknown",
    ),
    pytest.param(
        declared(rpo=24 * HOUR),
        crons("0 3 * * *", paused=True),
        Outcome.FAIL,
        "RPO 1d declared, but no active backup schedule meets it",
        id="paused-schedules-do-not-meet-an-rpo",
    ),
    pytest.param(
        declared(rto=None),
        crons("0 3 * * *"),
        Outcome.FAIL,
        "no RTO declared (config: services[].data.rto)",
        id="no-rto-fails",
    ),
    pytest.param(
        declared(rpo=None),
        crons("0 3 * * *"),
        Outcome.FAIL,
        "no RPO declared (config: services[].data.rpo)",
        id="no-rpo-fails",
    ),
    pytest.param(
        declared(plan=None),
        crons("0 3 * * *"),
        Outcome.FAIL,
        "no written DR plan linked (config: services[].data.dr_plan)",
        id="no-dr-plan-fails",
    ),
    pytest.param(
        service(data=DataPolicy(False, timedelta(hours=4), timedelta(hours=24), DR_PLAN)),
        crons("0 3 * * *"),
        Outcome.NOT_APPLICABLE,
        "stateless service",
        id="a-stateless-service-is-not-applicable",
    ),
]


@pytest.mark.parametrize(("svc", "evidence", "outcome", "summary"), RTO_RPO)
def test_rto_rpo_need_declared_objectives_and_a_schedule_within_the_rpo(
    svc: ServiceSpec, evidence: ServiceEvidence, outcome: Outcome, summary: str
) -> None:
    finding = run(rto_rpo, evidence, svc)
    assert finding.outcome is outcome
    assert summary in finding.summary


def test_rto_rpo_evidence_lists_each_schedule_interval() -> None:
    finding = run(rto_rpo, crons("0 3 * * *", "bogus"), declared(rpo=24 * HOUR))
    assert finding.outcome is Outcome.PASS
    assert finding.evidence == (
        "s0: every 1d at most",
        "s1: 'bogus' is not a cron schedule (want 5 fields)",
    )
