"""Data: Velero backups on a schedule, restores actually performed, retention, RTO/RPO.

A service is stateful when its config says so, or, when the config is silent, when it runs a
StatefulSet or a Velero schedule covers its namespace. Stateless services get `not_applicable`
for every data item instead of a wall of red.
"""

from __future__ import annotations

from datetime import datetime

from checks.context import Context, EvaluatorSpec, evaluator, listing, plural
from checks.evidence import KUBERNETES, ServiceEvidence, VeleroRestore
from checks.model import Finding
from checks.units import cron_max_interval, format_duration, parse_duration


def stateful(ctx: Context) -> bool:
    declared = ctx.service.data.stateful
    if declared is not None:
        return declared
    return bool(ctx.evidence.schedules) or any(
        w.kind == "StatefulSet" for w in ctx.evidence.workloads
    )


_STATELESS = "stateless service: no data to back up (config: services[].data.stateful)"


@evaluator("velero-schedules", KUBERNETES)
def velero_schedules(ctx: Context) -> Finding:
    if not stateful(ctx):
        return Finding.not_applicable(_STATELESS)
    active = [s for s in ctx.evidence.schedules if not s.paused]
    paused = [s for s in ctx.evidence.schedules if s.paused]
    if not active:
        return Finding.failed(
            f"no active Velero Schedule includes namespace {ctx.service.namespace!r}"
            + (f" (paused: {listing(s.ref.name for s in paused)})" if paused else ""),
            tuple(str(s.ref) for s in paused),
        )
    return Finding.passed(
        "backed up by " + listing(f"{s.ref.name} ({s.schedule})" for s in active),
        tuple(str(s.ref) for s in active),
    )


def newest_restore(evidence: ServiceEvidence, now: datetime) -> tuple[datetime | None, str]:
    """The newest completed restore as of `now`: from the objects, or remembered from earlier
    cycles. The evaluator judges it; the daemon exports it."""
    completed: list[VeleroRestore] = [
        r
        for r in evidence.restores
        if r.phase == "Completed" and r.completed is not None and r.completed <= now
    ]
    newest = max(completed, key=lambda r: r.completed or now, default=None)
    remembered = evidence.remembered_restore
    if remembered is not None and remembered > now:  # an audit with an earlier --now
        remembered = None
    if (
        newest is not None
        and newest.completed is not None
        and (remembered is None or newest.completed >= remembered)
    ):
        return newest.completed, f"Restore {newest.ref.name} from backup {newest.backup_name}"
    if remembered is not None:
        return remembered, "remembered from an earlier cycle (the Restore object is gone)"
    return None, ""


@evaluator("velero-restores", KUBERNETES)
def velero_restores(ctx: Context) -> Finding:
    if not stateful(ctx):
        return Finding.not_applicable(_STATELESS)
    max_age = ctx.policy.thresholds.restore_test_max_age
    when, what = newest_restore(ctx.evidence, ctx.now)
    failed = [r for r in ctx.evidence.restores if r.phase in ("Failed", "PartiallyFailed")]
    failed_note = (
        f"; {plural(len(failed), 'failed restore')}: {listing(r.ref.name for r in failed)}"
        if failed
        else ""
    )
    if when is None:
        return Finding.failed(
            f"no completed restore of namespace {ctx.service.namespace!r} on record" + failed_note,
            tuple(str(r.ref) for r in failed),
        )
    age = ctx.now - when
    evidence = (f"{what}, completed {when.isoformat()}",)
    if age > max_age:
        return Finding.failed(
            f"newest restore test is {format_duration(age)} old, over the tier's "
            f"{format_duration(max_age)}" + failed_note,
            evidence,
        )
    return Finding.passed(
        f"restore tested {format_duration(age)} ago (limit {format_duration(max_age)})"
        + failed_note,
        evidence,
    )


@evaluator("backup-ttl", KUBERNETES)
def backup_ttl(ctx: Context) -> Finding:
    if not stateful(ctx):
        return Finding.not_applicable(_STATELESS)
    schedules = [s for s in ctx.evidence.schedules if not s.paused]
    if not schedules:
        return Finding.failed("no active backup schedule, so no retention to read")
    unset = [s.ref.name for s in schedules if not s.ttl]
    bad: list[str] = []
    ttls: list[str] = []
    for s in schedules:
        if not s.ttl:
            continue
        try:
            ttl = parse_duration(s.ttl)
        except ValueError:
            bad.append(f"{s.ref.name}: ttl {s.ttl!r} is not a duration")
            continue
        if ttl.total_seconds() <= 0:
            bad.append(f"{s.ref.name}: ttl {s.ttl} keeps nothing")
        else:
            ttls.append(f"{s.ref.name}: keeps backups {format_duration(ttl)}")
    if unset or bad:
        parts = bad + (
            [f"no explicit ttl on {listing(unset)} (Velero's default applies)"] if unset else []
        )
        return Finding.failed("; ".join(parts), tuple(ttls))
    return Finding.passed("; ".join(ttls))


@evaluator("rto-rpo", KUBERNETES)
def rto_rpo(ctx: Context) -> Finding:
    if not stateful(ctx):
        return Finding.not_applicable(_STATELESS)
    data = ctx.service.data
    rto, rpo = data.rto, data.rpo
    gaps: list[str] = []
    if rto is None:
        gaps.append("no RTO declared (config: services[].data.rto)")
    if rpo is None:
        gaps.append("no RPO declared (config: services[].data.rpo)")
    if not data.dr_plan:
        gaps.append("no written DR plan linked (config: services[].data.dr_plan)")
    if rto is None or rpo is None or gaps:
        return Finding.failed("; ".join(gaps))
    schedules = [s for s in ctx.evidence.schedules if not s.paused]
    if not schedules:
        return Finding.failed(
            f"RPO {format_duration(rpo)} declared, but no active backup schedule meets it"
        )
    intervals: list[str] = []
    best = None
    for s in schedules:
        try:
            interval = cron_max_interval(s.schedule)
        except ValueError as exc:
            intervals.append(f"{s.ref.name}: {exc}")
            continue
        intervals.append(f"{s.ref.name}: every {format_duration(interval)} at most")
        best = interval if best is None else min(best, interval)
    if best is None:
        return Finding.unknown("no readable backup schedule: " + "; ".join(intervals))
    declared = f"RTO {format_duration(rto)}, RPO {format_duration(rpo)}"
    if best > rpo:
        return Finding.failed(
            f"{declared}, but backups run only every {format_duration(best)}",
            tuple(intervals),
        )
    return Finding.passed(
        f"{declared}; backups every {format_duration(best)}; plan: {data.dr_plan}",
        tuple(intervals),
    )


EVALUATORS: tuple[EvaluatorSpec, ...] = (velero_schedules, velero_restores, backup_ttl, rto_rpo)
