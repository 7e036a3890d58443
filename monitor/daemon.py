"""The long-running monitor: per-source refresh jobs, evaluation cycles, published results.

Threads, and why: APScheduler runs each source's fetch on its own interval in a worker thread
(one run at a time, missed runs coalesced), so a slow Kubernetes API never delays the rule
files. Evaluation is serialised by a lock and runs after any fetch that changed its snapshot,
plus on a timer so plans fall due on time. The HTTP server (asyncio, main thread) only reads the
last published `Publication`, an immutable bundle of pre-rendered bodies: a scrape or page load
never waits for a cycle and never sees half of one.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from checks.context import Context, EvaluatorSpec
from checks.evaluate import EVALUATORS, evaluate_fleet
from checks.evidence import ServiceEvidence, SourceStatus
from checks.model import Finding, ServiceSpec
from monitor.cycle import CycleResult, ServiceFacts, SourceHealth, service_facts
from monitor.engine import Fetched, build_fleet, configured_sources
from monitor.errors import SourceError
from monitor.exporter import Exposition, SelfMetrics
from monitor.render.data import report_dict
from monitor.render.html import render_html
from monitor.settings import Config, SourceModel
from monitor.sources.kube_objects import Collected
from monitor.sources.offline import Source
from monitor.state import StateStore, open_or_memory
from monitor.telemetry import span

log = logging.getLogger("readiness.daemon")

STALE_AFTER_INTERVALS = 3


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SourceSlot:
    """The latest we know of one source. Written by its fetch job, read by evaluation."""

    source: Source
    interval: timedelta
    collected: Collected | None = None
    last_success: datetime | None = None
    up: bool = False
    error: str = ""
    fetches: int = 0


@dataclass(frozen=True, slots=True)
class Publication:
    """What the HTTP side serves, rendered once per cycle."""

    cycle: CycleResult
    report_json: bytes
    report_json_gz: bytes
    page_html: bytes
    page_html_gz: bytes


@dataclass
class _EvaluatorTimes:
    """Accumulated time per evaluator in one cycle: one span each, not one per call."""

    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def wrap(self, specs: Mapping[str, EvaluatorSpec]) -> dict[str, EvaluatorSpec]:
        def timed(spec: EvaluatorSpec) -> EvaluatorSpec:
            def run(ctx: Context) -> Finding:
                start = time.perf_counter()
                try:
                    return spec.fn(ctx)
                finally:
                    self.seconds[spec.name] = self.seconds.get(spec.name, 0.0) + (
                        time.perf_counter() - start
                    )
                    self.calls[spec.name] = self.calls.get(spec.name, 0) + 1

            return EvaluatorSpec(spec.name, spec.sources, run)

        return {name: timed(spec) for name, spec in specs.items()}


class Daemon:
    def __init__(self, config: Config, clock: Callable[[], datetime] = utc_now) -> None:
        self.config = config
        self.clock = clock
        self.slots: dict[str, SourceSlot] = {}
        for source in configured_sources(config):
            # A source is configured only when its settings are: `sources.<name>` exists.
            settings: SourceModel = getattr(config.settings.sources, source.name)
            self.slots[source.name] = SourceSlot(source, settings.interval)
        self.state, warning = self._open_state()
        if warning:
            log.error("state unusable, remembering in memory only", extra={"reason": warning})
        self.self_metrics = SelfMetrics()
        self.exposition = Exposition()
        self.exposition.publish(None, self.self_metrics)
        self.publication: Publication | None = None
        self.ready = threading.Event()
        self._evaluate_lock = threading.Lock()
        self._stopping = threading.Event()
        self._scheduler: Any = None

    def _open_state(self) -> tuple[StateStore, str | None]:
        path = self.config.settings.state.path
        if path == ":memory:":
            return StateStore.memory(), None
        return open_or_memory(self.config.resolve(path))

    # --- fetching ---------------------------------------------------------------------------

    def fetch(self, name: str) -> bool:
        """Refresh one source; True when its evidence changed (or it went up or down)."""
        slot = self.slots[name]
        start = time.perf_counter()
        with span(f"fetch {name}", source=name) as current:
            try:
                collected = slot.source.fetch()
            except SourceError as exc:
                return self._fetch_failed(slot, str(exc), current)
            except Exception as exc:  # a client bug or an unexpected payload: same handling
                return self._fetch_failed(slot, f"{name}: {type(exc).__name__}: {exc}", current)
            finally:
                self.self_metrics.observe_fetch(name, time.perf_counter() - start)
        changed = not slot.up or collected != slot.collected
        slot.collected, slot.up, slot.error = collected, True, ""
        slot.last_success = self.clock()
        slot.fetches += 1
        log.info(
            "source fetched",
            extra={
                "source": name,
                "changed": changed,
                "problems": len(collected.problems),
                "seconds": round(time.perf_counter() - start, 4),
            },
        )
        return changed

    def _fetch_failed(self, slot: SourceSlot, error: str, current: Any) -> bool:
        was_up = slot.up
        slot.up, slot.error = False, error
        slot.fetches += 1
        if current is not None:
            current.set_attribute("error", error)
        log.warning("source fetch failed", extra={"source": slot.source.name, "reason": error})
        return was_up or slot.fetches == 1

    def _fetched(self, now: datetime) -> Fetched:
        """Evidence for this cycle: a down source's last evidence serves until it is stale."""
        fetched = Fetched()
        for name, slot in self.slots.items():
            fresh = slot.last_success is not None and (
                slot.up or now - slot.last_success <= STALE_AFTER_INTERVALS * slot.interval
            )
            if slot.collected is not None and fresh:
                fetched.collected[name] = slot.collected
                fetched.status[name] = SourceStatus(ok=True)
            else:
                reason = slot.error or f"{name} has not been fetched yet"
                if slot.last_success is not None:
                    reason += f" (stale since {slot.last_success.isoformat()})"
                fetched.status[name] = SourceStatus(ok=False, error=reason)
        return fetched

    # --- evaluating -------------------------------------------------------------------------

    def evaluate(self) -> CycleResult:
        with self._evaluate_lock, span("cycle") as current:
            started = time.perf_counter()
            now = self.clock()
            fleet = build_fleet(self._fetched(now), self.state.remembered_restores())
            times = _EvaluatorTimes()
            facts: dict[str, ServiceFacts] = {}

            def remember_facts(spec: ServiceSpec, evidence: ServiceEvidence) -> None:
                facts[spec.name] = service_facts(evidence, now)

            report, errors = evaluate_fleet(
                self.config.services,
                self.config.tiers,
                fleet,
                self.config.catalog,
                self.config.register,
                now,
                times.wrap(EVALUATORS),
                on_service=remember_facts,
            )
            results = report.services
            for name in sorted(times.seconds):
                with span(f"evaluate {name}", evaluator=name, calls=times.calls[name]) as s:
                    if s is not None:
                        s.set_attribute("seconds_total", times.seconds[name])
            since = self.state.update_statuses(
                now,
                {(r.service.name, i.item.id): i.status.value for r in results for i in r.items},
            )
            restores = self.state.remember_restores(
                {n: f.restore_last_success for n, f in facts.items() if f.restore_last_success}
            )
            backups = self.state.remember_backups(
                {n: f.backup_last_success for n, f in facts.items() if f.backup_last_success}
            )
            # Velero prunes Backups after their TTL and Restores with them: what the state
            # remembers outlives the objects, so the timestamps do not vanish or move back.
            facts = {
                n: replace(
                    f,
                    restore_last_success=restores.get(n, f.restore_last_success),
                    backup_last_success=backups.get(n, f.backup_last_success),
                )
                for n, f in facts.items()
            }
            for err in errors:
                log.error(
                    "evaluator failed",
                    extra={"service": err.service, "item": err.item, "reason": err.error},
                )
            self.self_metrics.count_evaluator_errors(len(errors))
            cycle = CycleResult(
                report=report,
                finished_at=self.clock(),
                duration_seconds=time.perf_counter() - started,
                since=since,
                facts=facts,
                sources=self._health(),
                evaluator_errors=len(errors),
            )
            self._publish(cycle)
            if current is not None:
                current.set_attribute("services", len(results))
            log.info(
                "cycle done",
                extra={
                    "services": len(results),
                    "unnamed_gaps": sum(r.unnamed_gaps for r in results),
                    "seconds": round(cycle.duration_seconds, 4),
                },
            )
            return cycle

    def _health(self) -> dict[str, SourceHealth]:
        return {
            name: SourceHealth(name, slot.up, slot.last_success, slot.error)
            for name, slot in self.slots.items()
        }

    def _publish(self, cycle: CycleResult) -> None:
        data = report_dict(cycle.report, since=cycle.since)
        body = json.dumps(data, separators=(",", ":")).encode()
        page = render_html(cycle.report, since=cycle.since).encode()
        self.exposition.publish(cycle, self.self_metrics)
        self.publication = Publication(
            cycle, body, gzip.compress(body, 6), page, gzip.compress(page, 6)
        )
        self.ready.set()

    def republish_metrics(self) -> None:
        """After a fetch that changed nothing: fresh source_up and fetch histograms anyway."""
        cycle = self.publication.cycle if self.publication else None
        if cycle is not None:
            cycle = replace(cycle, sources=self._health())
        self.exposition.publish(cycle, self.self_metrics)

    # --- scheduling -------------------------------------------------------------------------

    def _source_job(self, name: str) -> None:
        if self._stopping.is_set():
            return
        if self.fetch(name):
            self._evaluate_job()
        else:
            self.republish_metrics()

    def _evaluate_job(self) -> None:
        if not self._stopping.is_set():
            self.evaluate()

    def _first_cycle(self) -> None:
        for name in self.slots:
            if self._stopping.is_set():
                return
            self.fetch(name)
        self._evaluate_job()

    def start(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler  # noqa: PLC0415
        from apscheduler.triggers.interval import IntervalTrigger  # noqa: PLC0415

        scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        jitter = self.config.settings.schedule.jitter
        now = self.clock()
        for name, slot in self.slots.items():
            seconds = slot.interval.total_seconds()
            scheduler.add_job(
                self._source_job,
                IntervalTrigger(seconds=seconds, jitter=max(seconds * jitter, 0) or None),
                args=(name,),
                id=f"fetch-{name}",
                name=f"fetch {name}",
                next_run_time=now + slot.interval,
                misfire_grace_time=max(int(seconds), 1),
            )
        every = self.config.settings.schedule.evaluate_every
        scheduler.add_job(
            self._evaluate_job,
            IntervalTrigger(seconds=every.total_seconds()),
            id="evaluate",
            name="evaluate",
            next_run_time=now + every,
            misfire_grace_time=max(int(every.total_seconds()), 1),
        )
        scheduler.add_job(self._first_cycle, id="first-cycle", name="first cycle")
        scheduler.start()
        self._scheduler = scheduler
        log.info("scheduler started", extra={"sources": sorted(self.slots)})

    def stop(self, grace: float = 5.0) -> None:
        """Stop scheduling, let a running cycle finish (up to `grace` seconds), close state.

        A fetch may still be blocked on a slow source; it runs in a pool thread that dies with
        the process. A cycle still running after the grace period keeps the state open: its
        write is one transaction, so an abandoned one leaves the file as it was.
        """
        self._stopping.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._evaluate_lock.acquire(timeout=grace):
            try:
                self.state.close()
            finally:
                self._evaluate_lock.release()
        else:
            log.warning("a cycle is still running at shutdown; state left open")
        log.info("stopped")
