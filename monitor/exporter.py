"""`/metrics`: the current cycle result as Prometheus text, rendered once per cycle.

The per-item metrics come from a custom collector over one immutable `CycleResult`, not from
long-lived `Gauge.labels()` children: children outlive the services and items they describe
and keep reporting a deleted service until someone remembers to remove them, while a collector
built from the snapshot exports exactly what the cycle saw and nothing else.

The trade-off is freshness for cost. A fleet of a few thousand services is a few hundred thousand
series; rendering that per scrape costs seconds of CPU per scraper (every Prometheus replica,
every federation hop) and holds the GIL while the scheduler wants it. The result only changes
once per cycle, so `Exposition.publish` renders it once (and gzips it once) and every scrape
returns the same bytes. Even once per cycle, `generate_latest` over the collector would cost
~1.7 s of CPU at 2,000 services, so `publish` renders with `render_cycle`, which writes the same
bytes directly (the collector remains the reference it is tested against). Process metrics
(`SelfMetrics`) ride along and are therefore as fresh as the last publish, which is once per cycle.
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
from prometheus_client.utils import floatToGoString

from checks.model import AnswerKind, Item, ServiceResult, Status
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


# --- the direct renderer -----------------------------------------------------------------------
#
# `generate_latest(CycleCollector(cycle))` spends its time per sample: a `Sample` tuple and a label
# dict per series, then sorting and escaping every label of every sample again (~1.7 s of CPU at
# 2,000 services, holding the GIL). `render_cycle` writes the same bytes straight from the cycle:
# each service's and catalog item's labels escaped once into fragments, samples concatenated from
# those. It must stay byte-identical to the collector's rendering (a test holds it to that), so it
# follows `generate_latest`'s choices: label pairs sorted by label name (not in `_Spec` order),
# label values escaped as the client escapes them, values through the client's `floatToGoString`.
# The collector stays the readable definition of what is exported; this is the fast copy.

_go: Callable[[float], str] = floatToGoString  # untyped in the client
_ONE = _go(1)


def _escape(value: str) -> str:
    """A label value as `generate_latest` writes it (backslash, newline, double quote)."""
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _header(spec: _Spec) -> str:
    # Our names are valid legacy metric names, which the client writes unchanged.
    documentation = spec.documentation.replace("\\", r"\\").replace("\n", r"\n")
    return f"# HELP {spec.name} {documentation}\n# TYPE {spec.name} gauge\n"


_HEADERS = {spec.name: _header(spec) for spec in CYCLE_SPECS}
_RUNBOOK_HEADS = tuple(
    (state, f'{ALERT_RULES.name}{{runbook="{_escape(state)}",') for state in RUNBOOK_STATES
)


@dataclass(frozen=True, slots=True)
class _ItemLabels:
    """One catalog item's label fragments, up to where the per-service labels go in."""

    status: tuple[str, str]  # indexed by `required`: (advisory, required)
    since: str
    expiry: str

    @classmethod
    def of(cls, item: Item) -> _ItemLabels:
        dimension, item_id = _escape(item.dimension), _escape(item.id)
        status = f'{ITEM_STATUS.name}{{dimension="{dimension}",item="{item_id}",required='
        return cls(
            (f'{status}"false",', f'{status}"true",'),
            f'{ITEM_STATUS_SINCE.name}{{dimension="{dimension}",item="{item_id}",',
            f'{REGISTER_EXPIRY.name}{{item="{item_id}",',
        )


def render_cycle(cycle: CycleResult) -> bytes:
    """Byte for byte `generate_latest(CycleCollector(cycle))`, several times faster."""
    go = _go
    report = cycle.report
    since, facts = cycle.since, cycle.facts
    # Timestamps repeat (every item whose status changed in one cycle shares that cycle's time;
    # lapses fall on whole days), so each distinct one is formatted once. Keyed by the float,
    # which is exact: the only floats that compare equal yet format apart are 0.0 and -0.0, and
    # `datetime.timestamp()` never returns -0.0.
    stamps: dict[float, str] = {}

    def stamp(moment: datetime) -> str:
        seconds = _ts(moment)
        text = stamps.get(seconds)
        if text is None:
            text = stamps[seconds] = go(seconds)
        return text

    fallback = stamp(report.generated_at)
    # (dimension, line up to the service label); None is the overall score, dimension "all".
    dimensions: list[tuple[str | None, str]] = [(d.id, d.id) for d in report.catalog.dimensions]
    score_heads = [
        (dimension, f'{SCORE_RATIO.name}{{dimension="{_escape(label)}",')
        for dimension, label in [*dimensions, (None, "all")]
    ]
    # By object id: the cycle holds every Item for the whole render, so no id is reused, and
    # hashing the id is far cheaper than hashing the Item (all its fields, on every lookup).
    items: dict[int, _ItemLabels] = {}
    kinds: dict[AnswerKind, str] = {}
    # Per service: `service="…"` and `tier="…"`, escaped once, for the per-service families.
    labelled: list[tuple[ServiceResult, str, str]] = []

    status_lines = [_HEADERS[ITEM_STATUS.name]]
    since_lines = [_HEADERS[ITEM_STATUS_SINCE.name]]
    expiry_lines = [_HEADERS[REGISTER_EXPIRY.name]]
    add_status, add_since, add_expiry = status_lines.append, since_lines.append, expiry_lines.append
    for result in report.services:
        name = result.service.name
        service = f'service="{_escape(name)}"'
        tier = f'tier="{_escape(result.policy.name)}"'
        labelled.append((result, service, tier))
        # The rest of an item_status line after `required`, by status: built on first use.
        tails: dict[Status, str] = {}
        for r in result.items:
            item = r.item
            fragments = items.get(id(item))
            if fragments is None:
                fragments = items[id(item)] = _ItemLabels.of(item)
            status = r.status
            tail = tails.get(status)
            if tail is None:
                tail = tails[status] = (
                    f'{service},status="{_escape(status.value)}",{tier}}} {_ONE}\n'
                )
            add_status(fragments.status[r.required] + tail)
            entered = since.get((name, item.id))
            value = fallback if entered is None else stamp(entered)
            add_since(f"{fragments.since}{service}}} {value}\n")
            answer = r.answer
            if answer is not None:
                kind = kinds.get(answer.kind)
                if kind is None:
                    kind = kinds[answer.kind] = f'kind="{_escape(answer.kind.value)}",'
                add_expiry(f"{fragments.expiry}{kind}{service}}} {stamp(answer.lapses_at)}\n")

    info = [_HEADERS[SERVICE_INFO.name]]
    scores = [_HEADERS[SCORE_RATIO.name]]
    gaps = [_HEADERS[UNNAMED_GAPS.name]]
    restores = [_HEADERS[RESTORE_LAST_SUCCESS.name]]
    backups = [_HEADERS[BACKUP_LAST_SUCCESS.name]]
    alerts = [_HEADERS[ALERT_RULES.name]]
    for result, service, tier in labelled:
        team = _escape(result.service.team)
        info.append(f'{SERVICE_INFO.name}{{{service},team="{team}",{tier}}} {_ONE}\n')
        # A dimension with nothing required and applicable has no ratio: no series, not 1.0.
        for dimension, head in score_heads:
            ratio = result.score(dimension)
            if ratio is not None:
                scores.append(f"{head}{service},{tier}}} {go(ratio)}\n")
        gaps.append(f"{UNNAMED_GAPS.name}{{{service},{tier}}} {go(result.unnamed_gaps)}\n")
        fact = facts.get(result.service.name)
        if fact is None:
            continue
        if fact.restore_last_success is not None:
            value = stamp(fact.restore_last_success)
            restores.append(f"{RESTORE_LAST_SUCCESS.name}{{{service}}} {value}\n")
        if fact.backup_last_success is not None:
            value = stamp(fact.backup_last_success)
            backups.append(f"{BACKUP_LAST_SUCCESS.name}{{{service}}} {value}\n")
        # An empty mapping means "not counted" (the default); zeros would claim "no rules".
        if fact.alert_rules:
            for state, head in _RUNBOOK_HEADS:
                alerts.append(f"{head}{service}}} {go(fact.alert_rules.get(state, 0))}\n")

    up = [_HEADERS[SOURCE_UP.name]]
    last_success = [_HEADERS[SOURCE_LAST_SUCCESS.name]]
    for health in cycle.sources.values():
        source = f'source="{_escape(health.name)}"'
        up.append(f"{SOURCE_UP.name}{{{source}}} {go(1 if health.up else 0)}\n")
        if health.last_success is not None:
            value = stamp(health.last_success)
            last_success.append(f"{SOURCE_LAST_SUCCESS.name}{{{source}}} {value}\n")

    finished = stamp(cycle.finished_at)
    cycle_lines = (
        f"{_HEADERS[CYCLE_LAST_SUCCESS.name]}{CYCLE_LAST_SUCCESS.name} {finished}\n"
        f"{_HEADERS[CYCLE_DURATION.name]}{CYCLE_DURATION.name} {go(cycle.duration_seconds)}\n"
    )
    # Family order as `CycleCollector.collect` yields them.
    families = (
        status_lines,
        since_lines,
        info,
        scores,
        gaps,
        restores,
        backups,
        alerts,
        expiry_lines,
        up,
        last_success,
        [cycle_lines],
    )
    # Encoded family by family, each family's lines dropped once encoded: at 2,000 services the
    # lines are ~29 MiB of small strings, which would otherwise live on beside the whole text.
    chunks: list[bytes] = []
    for lines in families:
        chunks.append("".join(lines).encode("utf-8"))
        lines.clear()
    return b"".join(chunks)


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
        body = render_cycle(cycle) if cycle is not None else b""
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
