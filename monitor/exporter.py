"""`/metrics`: the current cycle result as Prometheus text, rendered once per cycle.

The per-item metrics come from a custom collector over one immutable `CycleResult`, not from
long-lived `Gauge.labels()` children: children outlive the services and items they describe
and keep reporting a deleted service until someone remembers to remove them, while a collector
built from the snapshot exports exactly what the cycle saw and nothing else.

The trade-off is freshness for cost. A fleet of a few thousand services is a few hundred thousand
series; rendering that per scrape costs seconds of CPU per scraper (every Prometheus replica,
every federation hop) and holds the GIL while the scheduler wants it. The result only changes
once per cycle, so `Exposition.publish` renders it once (and gzips it once) and every scrape
returns the same bytes. Process metrics (`SelfMetrics`) ride along and are therefore as fresh as
the last publish, which is once per cycle.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import platform
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from checks.model import ServiceResult
from monitor.cycle import CycleResult

# `_created` samples double the self-metrics' series and no dashboard of ours reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

CONTENT_TYPE = CONTENT_TYPE_LATEST

# Runbook states of `readiness_alert_rules`: a fixed enum, so a stray key in the facts can never
# become an unbounded label value.
RUNBOOK_STATES = ("ok", "missing", "broken")

# Fetches range from a ConfigMap list on a small cluster (~10 ms) to a paginated PagerDuty
# schedule walk under 429 backoff (tens of seconds); past 60 s the fetch has timed out anyway.
FETCH_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)

# At 2,000 services (21 MB of text): level 6 gives 1.16 MB in 0.15 s, level 9 1.03 MB in 0.63 s.
GZIP_LEVEL = 6

PACKAGE = "readiness-monitor"


@dataclass(frozen=True, slots=True)
class _Spec:
    name: str
    documentation: str
    labels: tuple[str, ...]

    def family(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(self.name, self.documentation, labels=self.labels)


ITEM_STATUS = _Spec(
    "readiness_item_status",
    "1 for the item's current status; one series per service and checklist item.",
    ("service", "tier", "dimension", "item", "status", "required"),
)
ITEM_STATUS_SINCE = _Spec(
    "readiness_item_status_since_timestamp_seconds",
    "When the item entered its current status.",
    ("service", "dimension", "item"),
)
SERVICE_INFO = _Spec(
    "readiness_service_info", "Inventory facts to join on.", ("service", "tier", "team")
)
SCORE_RATIO = _Spec(
    "readiness_score_ratio",
    "Share of required, applicable items that pass (dimension 'all' for overall).",
    ("service", "tier", "dimension"),
)
UNNAMED_GAPS = _Spec(
    "readiness_unnamed_gaps",
    "Required items in fail, overdue or expired: gaps nobody answers for.",
    ("service", "tier"),
)
RESTORE_LAST_SUCCESS = _Spec(
    "readiness_restore_test_last_success_timestamp_seconds",
    "Newest successful restore test.",
    ("service",),
)
BACKUP_LAST_SUCCESS = _Spec(
    "readiness_backup_last_success_timestamp_seconds", "Newest successful backup.", ("service",)
)
ALERT_RULES = _Spec(
    "readiness_alert_rules",
    "Alerting rules of the service by runbook state (ok, missing, broken).",
    ("service", "runbook"),
)
REGISTER_EXPIRY = _Spec(
    "readiness_register_expiry_timestamp_seconds",
    "When a register entry (plan, accepted risk, attestation) lapses.",
    ("service", "item", "kind"),
)
SOURCE_UP = _Spec(
    "readiness_source_up", "1 if the source's last fetch succeeded, else 0.", ("source",)
)
SOURCE_LAST_SUCCESS = _Spec(
    "readiness_source_last_success_timestamp_seconds",
    "When the source last fetched successfully.",
    ("source",),
)
CYCLE_LAST_SUCCESS = _Spec(
    "readiness_cycle_last_success_timestamp_seconds",
    "When the last evaluation cycle finished.",
    (),
)
CYCLE_DURATION = _Spec(
    "readiness_cycle_duration_seconds", "How long the last evaluation cycle took.", ()
)

CYCLE_SPECS: tuple[_Spec, ...] = (
    ITEM_STATUS,
    ITEM_STATUS_SINCE,
    SERVICE_INFO,
    SCORE_RATIO,
    UNNAMED_GAPS,
    RESTORE_LAST_SUCCESS,
    BACKUP_LAST_SUCCESS,
    ALERT_RULES,
    REGISTER_EXPIRY,
    SOURCE_UP,
    SOURCE_LAST_SUCCESS,
    CYCLE_LAST_SUCCESS,
    CYCLE_DURATION,
)


def _ts(moment: datetime) -> float:
    # The engine hands out UTC-aware datetimes; a naive one would be read as local time here.
    return moment.timestamp()


class CycleCollector:
    """Every per-cycle metric of one cycle result. Holds nothing mutable; build one per cycle.

    `collect()` builds each family only when the renderer asks for it, so only one family's
    samples are alive at a time (at 2,000 services: render peak ~72 MiB instead of ~84 MiB; the
    rest is `generate_latest`'s own output buffers, about three times the body size).
    """

    def __init__(self, cycle: CycleResult) -> None:
        self._cycle = cycle

    def describe(self) -> Iterable[Metric]:
        # Lets a CollectorRegistry detect name clashes without walking the whole fleet.
        return [spec.family() for spec in CYCLE_SPECS]

    def collect(self) -> Iterator[Metric]:
        yield self._item_status()
        yield self._item_status_since()
        yield self._per_service(SERVICE_INFO, self._service_info)
        yield self._per_service(SCORE_RATIO, self._scores)
        yield self._per_service(UNNAMED_GAPS, self._unnamed_gaps)
        yield self._per_service(RESTORE_LAST_SUCCESS, self._restore)
        yield self._per_service(BACKUP_LAST_SUCCESS, self._backup)
        yield self._per_service(ALERT_RULES, self._alert_rules)
        yield self._register_expiry()
        yield from self._sources()
        yield from self._cycle_metrics()

    def _item_status(self) -> Metric:
        family = ITEM_STATUS.family()
        for result in self._cycle.report.services:
            name, tier = result.service.name, result.policy.name
            for r in result.items:
                required = "true" if r.required else "false"
                labels = (name, tier, r.item.dimension, r.item.id, r.status.value, required)
                family.add_metric(labels, 1)
        return family

    def _item_status_since(self) -> Metric:
        family = ITEM_STATUS_SINCE.family()
        since = self._cycle.since
        fallback = _ts(self._cycle.report.generated_at)
        for result in self._cycle.report.services:
            name = result.service.name
            for r in result.items:
                entered = since.get((name, r.item.id))
                value = fallback if entered is None else _ts(entered)
                family.add_metric((name, r.item.dimension, r.item.id), value)
        return family

    def _register_expiry(self) -> Metric:
        family = REGISTER_EXPIRY.family()
        for result in self._cycle.report.services:
            name = result.service.name
            for r in result.items:
                if r.answer is not None:
                    family.add_metric(
                        (name, r.item.id, r.answer.kind.value), _ts(r.answer.lapses_at)
                    )
        return family

    def _per_service(
        self, spec: _Spec, rows: Callable[[ServiceResult], Iterable[tuple[Sequence[str], float]]]
    ) -> Metric:
        family = spec.family()
        for result in self._cycle.report.services:
            for labels, value in rows(result):
                family.add_metric(labels, value)
        return family

    def _service_info(self, result: ServiceResult) -> Iterable[tuple[Sequence[str], float]]:
        yield (result.service.name, result.policy.name, result.service.team), 1

    def _scores(self, result: ServiceResult) -> Iterable[tuple[Sequence[str], float]]:
        # A dimension with nothing required and applicable has no ratio: no series, not 1.0.
        name, tier = result.service.name, result.policy.name
        for dimension in self._cycle.report.catalog.dimensions:
            ratio = result.score(dimension.id)
            if ratio is not None:
                yield (name, tier, dimension.id), ratio
        overall = result.score()
        if overall is not None:
            yield (name, tier, "all"), overall

    def _unnamed_gaps(self, result: ServiceResult) -> Iterable[tuple[Sequence[str], float]]:
        yield (result.service.name, result.policy.name), result.unnamed_gaps

    def _restore(self, result: ServiceResult) -> Iterable[tuple[Sequence[str], float]]:
        facts = self._cycle.facts.get(result.service.name)
        if facts is not None and facts.restore_last_success is not None:
            yield (result.service.name,), _ts(facts.restore_last_success)

    def _backup(self, result: ServiceResult) -> Iterable[tuple[Sequence[str], float]]:
        facts = self._cycle.facts.get(result.service.name)
        if facts is not None and facts.backup_last_success is not None:
            yield (result.service.name,), _ts(facts.backup_last_success)

    def _alert_rules(self, result: ServiceResult) -> Iterable[tuple[Sequence[str], float]]:
        facts = self._cycle.facts.get(result.service.name)
        # An empty mapping means "not counted" (the default); zeros would claim "no rules".
        if facts is not None and facts.alert_rules:
            for state in RUNBOOK_STATES:
                yield (result.service.name, state), facts.alert_rules.get(state, 0)

    def _sources(self) -> Iterator[Metric]:
        up = SOURCE_UP.family()
        last_success = SOURCE_LAST_SUCCESS.family()
        for health in self._cycle.sources.values():
            up.add_metric((health.name,), 1 if health.up else 0)
            if health.last_success is not None:
                last_success.add_metric((health.name,), _ts(health.last_success))
        yield up
        yield last_success

    def _cycle_metrics(self) -> Iterator[Metric]:
        finished = CYCLE_LAST_SUCCESS.family()
        finished.add_metric((), _ts(self._cycle.finished_at))
        yield finished
        duration = CYCLE_DURATION.family()
        duration.add_metric((), self._cycle.duration_seconds)
        yield duration


def package_version() -> str:
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


class SelfMetrics:
    """Process-lifetime metrics: they accumulate across cycles, so they live in a registry."""

    def __init__(self, sources: Sequence[str] = (), version: str | None = None) -> None:
        self.registry = CollectorRegistry()
        self._fetch = Histogram(
            "readiness_source_fetch_duration_seconds",
            "How long one fetch of a source took, failed fetches included.",
            ["source"],
            buckets=FETCH_BUCKETS,
            registry=self.registry,
        )
        # Children for the configured sources exist from the start, so rate() sees them go from 0.
        for source in sources:
            self._fetch.labels(source=source)
        self._errors = Counter(
            "readiness_evaluator_errors",
            "Evaluator crashes; each turned one item unknown.",
            registry=self.registry,
        )
        build = Gauge(
            "readiness_build_info",
            "The running monitor's version and Python.",
            ["version", "python"],
            registry=self.registry,
        )
        build.labels(version=version or package_version(), python=platform.python_version()).set(1)

    def observe_fetch(self, source: str, seconds: float) -> None:
        self._fetch.labels(source=source).observe(seconds)

    def count_evaluator_errors(self, n: int) -> None:
        self._errors.inc(n)  # the client refuses a negative n with ValueError


class Exposition:
    """The current `/metrics` body, plain and gzipped, swapped whole under a lock.

    Until the first `publish` the body is empty (a valid, empty exposition).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bodies: tuple[bytes, bytes] = (b"", gzip.compress(b"", GZIP_LEVEL, mtime=0))

    def publish(self, cycle: CycleResult | None, self_metrics: SelfMetrics) -> None:
        """Render once; before the first cycle (`cycle` None) only the self metrics go out."""
        body = generate_latest(CycleCollector(cycle)) if cycle is not None else b""
        body += generate_latest(self_metrics.registry)
        # mtime=0 keeps the gzip body a pure function of the text: equal cycles, equal bytes.
        compressed = gzip.compress(body, GZIP_LEVEL, mtime=0)
        with self._lock:
            self._bodies = (body, compressed)

    def get(self, accept_gzip: bool) -> tuple[bytes, str | None]:
        """The body to send and its Content-Encoding (None for identity). Never renders."""
        with self._lock:
            plain, compressed = self._bodies
        if accept_gzip:
            return compressed, "gzip"
        return plain, None
