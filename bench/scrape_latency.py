"""Scrape latency of the pre-rendered exposition against render-per-scrape labelled Gauges.

Both sides are served by the same `http.server.ThreadingHTTPServer` handler on loopback and
scraped sequentially with `http.client` over one keep-alive connection, asking for gzip as
Prometheus does:

- ours: the handler returns `Exposition.get()` (rendered and gzipped once, at publish);
- baseline: a plain `CollectorRegistry` whose labelled `Gauge` children hold the same series,
  rendered by `generate_latest` and gzipped (same level) on every request.

The two bodies are checked to be byte-identical before timing, so both sides serve the same
thing. Scrapes per side stop at `--scrapes` or after `--budget` seconds, whichever comes first
(render-per-scrape at 2,000 services takes seconds per scrape); the table says how many ran.

The one-off cost of a publish is measured for both renderers of the cycle, in the same run:

- direct: `Exposition.publish` as it is, rendering the cycle with `render_cycle`;
- collector: the same publish with the cycle rendered by `generate_latest(CycleCollector(cycle))`
  (what `publish` did before `render_cycle`), whose output is checked to be byte-identical.

Render times are the best of `--repeats` renders of the cycle alone (no self metrics, no gzip).

    .venv/bin/python bench/scrape_latency.py                  # 6 and 2,000 services
    .venv/bin/python bench/scrape_latency.py --services 500 --scrapes 100
"""

from __future__ import annotations

import argparse
import gc
import gzip
import http.client
import random
import statistics
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.exposition import generate_latest

from checks.model import (
    Answer,
    AnswerKind,
    Catalog,
    ItemResult,
    Report,
    Requirement,
    ServiceResult,
    ServiceSpec,
    Status,
    Thresholds,
    TierPolicy,
)
from monitor.catalog import default_tiers, load_catalog
from monitor.cycle import CycleResult, ServiceFacts, SourceHealth
from monitor.exporter import (
    CONTENT_TYPE,
    CYCLE_SPECS,
    GZIP_LEVEL,
    CycleCollector,
    Exposition,
    SelfMetrics,
    render_cycle,
)

DEMO_FLEET = 6
LARGE_FLEET = 2000
NOW = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
SOURCES = ("kubernetes", "prometheus", "alertmanager", "pagerduty", "http", "repository")

# Roughly a fleet a year into adoption: most items pass, a tail of named and unnamed gaps.
STATUS_WEIGHTS = {
    Status.PASS: 70,
    Status.PLANNED: 8,
    Status.ACCEPTED: 5,
    Status.FAIL: 7,
    Status.OVERDUE: 2,
    Status.EXPIRED: 2,
    Status.UNKNOWN: 4,
    Status.NOT_APPLICABLE: 2,
}
ANSWER_KIND = {
    Status.PLANNED: AnswerKind.PLANNED,
    Status.OVERDUE: AnswerKind.PLANNED,
    Status.ACCEPTED: AnswerKind.ACCEPTED,
    Status.EXPIRED: AnswerKind.ACCEPTED,
}
TIER_SHARE = {"critical": 2, "standard": 5, "internal": 3}


# --- synthetic fleet ---------------------------------------------------------------------------


def tier_policies() -> dict[str, TierPolicy]:
    return {
        name: TierPolicy(
            name,
            int(raw.get("weight", 1)),
            frozenset(raw.get("required", [])),
            frozenset(raw.get("exempt", [])),
            Thresholds(),
        )
        for name, raw in default_tiers().items()
    }


def synthetic_cycle(catalog: Catalog, services: int, seed: int = 7) -> CycleResult:
    rng = random.Random(seed)
    policies = tier_policies()
    tiers = rng.choices(list(TIER_SHARE), weights=list(TIER_SHARE.values()), k=services)
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    results: list[ServiceResult] = []
    since: dict[tuple[str, str], datetime] = {}
    facts: dict[str, ServiceFacts] = {}
    for n in range(services):
        name = f"svc-{n:04d}"
        policy = policies[tiers[n]]
        items = []
        for item in catalog.items:
            requirement = policy.requirement(item)
            if requirement is Requirement.EXEMPT:
                status = Status.NOT_APPLICABLE
            else:
                status = rng.choices(statuses, weights)[0]
            kind = ANSWER_KIND.get(status)
            if kind is None and status is Status.PASS and rng.random() < 0.1:
                kind = AnswerKind.ATTESTED
            answer = None
            if kind is not None:
                lapse = timedelta(days=rng.randint(-30, 180))
                lapses_at = NOW + lapse
                answer = Answer(name, item.id, kind, "owner", "plan", lapses_at, lapses_at.date())
            items.append(ItemResult(item, status, requirement, f"{item.id}: synthetic", (), answer))
            since[(name, item.id)] = NOW - timedelta(seconds=rng.randint(60, 90 * 86400))
        spec = ServiceSpec(
            name=name,
            tier=policy.name,
            team=f"team-{n % 40:02d}",
            namespace=name,
            selector={"app": name},
            alert_match={"service": name},
        )
        results.append(ServiceResult(spec, policy, tuple(items)))
        stateful = rng.random() < 0.6
        facts[name] = ServiceFacts(
            restore_last_success=NOW - timedelta(days=rng.randint(1, 60)) if stateful else None,
            backup_last_success=NOW - timedelta(hours=rng.randint(1, 30)) if stateful else None,
            alert_rules={
                "ok": rng.randint(0, 12),
                "missing": rng.randint(0, 3),
                "broken": rng.randint(0, 1),
            },
        )
    sources = {
        s: SourceHealth(s, up=s != "pagerduty", last_success=NOW - timedelta(minutes=2))
        for s in SOURCES
    }
    report = Report(NOW, catalog, tuple(results), ())  # the exporter never reads priorities
    return CycleResult(report, NOW + timedelta(seconds=9), 9.0, since, facts, sources)


def self_metrics() -> SelfMetrics:
    metrics = SelfMetrics(sources=SOURCES)
    for source in SOURCES:
        metrics.observe_fetch(source, 0.3)
    return metrics


def baseline_registry(cycle: CycleResult) -> CollectorRegistry:
    """The naive design: one long-lived labelled Gauge child per series."""
    registry = CollectorRegistry()
    by_name = {f.name: f for f in CycleCollector(cycle).collect()}
    for spec in CYCLE_SPECS:
        gauge = Gauge(spec.name, spec.documentation, spec.labels, registry=registry)
        for sample in by_name[spec.name].samples:
            if spec.labels:
                gauge.labels(*(sample.labels[label] for label in spec.labels)).set(sample.value)
            else:
                gauge.set(sample.value)
    return registry


def publish_with_collector(cycle: CycleResult, metrics: SelfMetrics) -> tuple[bytes, bytes]:
    """`Exposition.publish` with the cycle rendered by the client over the collector."""
    body = generate_latest(CycleCollector(cycle)) + generate_latest(metrics.registry)
    return body, gzip.compress(body, GZIP_LEVEL, mtime=0)


def timed(work: Callable[[], object]) -> float:
    """Seconds of one run of `work`, after a full collection so no earlier garbage is charged."""
    gc.collect()
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def best_of(repeats: int, work: Callable[[], object]) -> float:
    return min(timed(work) for _ in range(repeats))


def traced_peak_mib(work: Callable[[], object]) -> float:
    """Peak traced allocation of `work` (tracemalloc slows allocation down: never timed)."""
    gc.collect()
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


# --- serving and scraping ----------------------------------------------------------------------

Payload = Callable[[bool], tuple[bytes, str | None]]


def handler_for(payload: Payload) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Prometheus scrapes
        # Headers and body go out in two writes; without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every small response and swamp the measurement.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            accept_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
            body, encoding = payload(accept_gzip)
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serving(payload: Payload) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(payload))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def fetch(conn: http.client.HTTPConnection, gzip_wanted: bool) -> bytes:
    headers = {"Accept-Encoding": "gzip"} if gzip_wanted else {}
    conn.request("GET", "/metrics", headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"scrape failed: HTTP {response.status}")
    if response.getheader("Content-Encoding") == "gzip":
        return gzip.decompress(body)
    return body


def scrape(port: int, scrapes: int, budget: float, gzip_wanted: bool) -> list[float]:
    """Wall time of each scrape (request to last body byte, before decompression), in ms."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Accept-Encoding": "gzip"} if gzip_wanted else {}
    try:
        fetch(conn, gzip_wanted)  # opens the connection; not timed
        timings: list[float] = []
        deadline = time.perf_counter() + budget
        for _ in range(scrapes):
            start = time.perf_counter()
            conn.request("GET", "/metrics", headers=headers)
            response = conn.getresponse()
            response.read()
            timings.append((time.perf_counter() - start) * 1000)
            if time.perf_counter() > deadline:
                break
        return timings
    finally:
        conn.close()


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[98]


# --- one fleet size ----------------------------------------------------------------------------


@dataclass
class Row:
    services: int
    series: int
    body_bytes: int
    gzip_bytes: int
    ours: list[float]
    baseline: list[float]
    build_s: float
    publish_s: float  # direct: Exposition.publish
    collector_publish_s: float
    render_s: float  # direct: render_cycle, best of --repeats
    collector_render_s: float
    gzip_s: float
    peak_mib: float
    collector_peak_mib: float
    baseline_render_s: float


def measure(
    catalog: Catalog, services: int, scrapes: int, budget: float, use_gzip: bool, repeats: int
) -> Row:
    # One-off costs, untraced: building the cycle result and publishing it (render + gzip), with
    # each renderer of the cycle; then the renders alone, best of `repeats`.
    gc.collect()
    t0 = time.perf_counter()
    cycle = synthetic_cycle(catalog, services)
    build_s = time.perf_counter() - t0
    metrics = self_metrics()
    exposition = Exposition()
    publish_s = timed(lambda: exposition.publish(cycle, metrics))
    gc.collect()
    t1 = time.perf_counter()
    collector_body, _ = publish_with_collector(cycle, metrics)
    collector_publish_s = time.perf_counter() - t1
    plain = exposition.get(accept_gzip=False)[0]
    if collector_body != plain:
        raise SystemExit("render_cycle and generate_latest over the collector differ")
    del collector_body
    render_s = best_of(repeats, lambda: render_cycle(cycle))
    collector_render_s = best_of(repeats, lambda: generate_latest(CycleCollector(cycle)))
    gzip_s = best_of(repeats, lambda: gzip.compress(plain, GZIP_LEVEL, mtime=0))

    # Peak memory of building a cycle and publishing it, per renderer, traced separately.
    peak_mib = traced_peak_mib(
        lambda: Exposition().publish(synthetic_cycle(catalog, services), metrics)
    )
    collector_peak_mib = traced_peak_mib(
        lambda: publish_with_collector(synthetic_cycle(catalog, services), metrics)
    )

    registry = baseline_registry(cycle)

    def baseline(accept_gzip: bool) -> tuple[bytes, str | None]:
        body = generate_latest(registry) + generate_latest(metrics.registry)
        if accept_gzip:
            return gzip.compress(body, GZIP_LEVEL), "gzip"
        return body, None

    t3 = time.perf_counter()
    baseline(False)
    baseline_render_s = time.perf_counter() - t3

    with serving(exposition.get) as ours_port, serving(baseline) as base_port:
        for port in (ours_port, base_port):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                served = fetch(conn, use_gzip)
            finally:
                conn.close()
            if served != plain:
                raise SystemExit("ours and baseline serve different bodies: not comparable")
        ours = scrape(ours_port, scrapes, budget, use_gzip)
        base = scrape(base_port, scrapes, budget, use_gzip)

    series = sum(1 for line in plain.splitlines() if line and not line.startswith(b"#"))
    return Row(
        services=services,
        series=series,
        body_bytes=len(plain),
        gzip_bytes=len(exposition.get(accept_gzip=True)[0]),
        ours=ours,
        baseline=base,
        build_s=build_s,
        publish_s=publish_s,
        collector_publish_s=collector_publish_s,
        render_s=render_s,
        collector_render_s=collector_render_s,
        gzip_s=gzip_s,
        peak_mib=peak_mib,
        collector_peak_mib=collector_peak_mib,
        baseline_render_s=baseline_render_s,
    )


def _count(values: list[float]) -> str:
    return f"{len(values)}{'*' if len(values) < 100 else ' '}"


def print_table(rows: list[Row], scrapes: int, use_gzip: bool, repeats: int) -> None:
    encoding = "gzip" if use_gzip else "identity"
    print(f"\nscrape latency over loopback, Accept-Encoding: {encoding}, up to {scrapes} scrapes")
    print("(n = scrapes that ran; * = fewer than 100, so p99 is close to the maximum)\n")
    header = (
        f"{'services':>8} {'series':>8} {'body B':>11} {'gzip B':>10} | "
        f"{'ours n':>6} {'med ms':>8} {'p99 ms':>8} | "
        f"{'base n':>6} {'med ms':>8} {'p99 ms':>8} | {'ratio med':>9} {'ratio p99':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        ours_med, base_med = statistics.median(r.ours), statistics.median(r.baseline)
        ours_p99, base_p99 = p99(r.ours), p99(r.baseline)
        print(
            f"{r.services:>8} {r.series:>8} {r.body_bytes:>11,} {r.gzip_bytes:>10,} | "
            f"{_count(r.ours):>6} {ours_med:>8.2f} {ours_p99:>8.2f} | "
            f"{_count(r.baseline):>6} {base_med:>8.2f} {base_p99:>8.2f} | "
            f"{base_med / ours_med:>8.1f}x {base_p99 / ours_p99:>8.1f}x"
        )
    print("\none-off costs (ours), untraced, by renderer of the cycle:")
    print("collector = generate_latest(CycleCollector(cycle)), direct = render_cycle(cycle)\n")
    header = (
        f"{'services':>8} {'build s':>8} | {'publish s':>9}: {'collector':>9} {'direct':>7} "
        f"{'ratio':>6} | {'render s':>8}: {'collector':>9} {'direct':>7} {'ratio':>6} | "
        f"{'gzip s':>6} | {'baseline: one render s':>22}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r.services:>8} {r.build_s:>8.3f} | {'':>9}  {r.collector_publish_s:>9.3f} "
            f"{r.publish_s:>7.3f} {r.collector_publish_s / r.publish_s:>5.1f}x | "
            f"{'':>8}  {r.collector_render_s:>9.3f} {r.render_s:>7.3f} "
            f"{r.collector_render_s / r.render_s:>5.1f}x | {r.gzip_s:>6.3f} | "
            f"{r.baseline_render_s:>22.3f}"
        )
    print("(publish = render the cycle, render the self metrics with generate_latest, gzip: once;")
    print(f" render = the cycle alone, gzip = level {GZIP_LEVEL}: each the best of {repeats};")
    print(" the two renderers' bodies are checked byte-identical)")
    print("\npeak memory, traced separately with tracemalloc: building the synthetic CycleResult")
    print("plus publishing it")
    print(f"{'services':>8} {'collector MiB':>14} {'direct MiB':>11}")
    for r in rows:
        print(f"{r.services:>8} {r.collector_peak_mib:>14.1f} {r.peak_mib:>11.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--services",
        type=int,
        action="append",
        help=f"fleet size; repeatable (default: {DEMO_FLEET} and {LARGE_FLEET})",
    )
    parser.add_argument("--scrapes", type=int, default=300, help="scrapes per side (default 300)")
    parser.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="seconds of scraping per side and fleet size before stopping early (default 20)",
    )
    parser.add_argument(
        "--identity", action="store_true", help="scrape without Accept-Encoding: gzip"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="renders per renderer, best taken (default 3)"
    )
    args = parser.parse_args()
    sizes = args.services or [DEMO_FLEET, LARGE_FLEET]
    if any(n < 1 for n in sizes) or args.scrapes < 1 or args.budget <= 0 or args.repeats < 1:
        parser.error("--services, --scrapes, --budget and --repeats must be positive")

    started = time.perf_counter()
    catalog = load_catalog()
    use_gzip = not args.identity
    rows = [measure(catalog, n, args.scrapes, args.budget, use_gzip, args.repeats) for n in sizes]
    print_table(rows, args.scrapes, use_gzip, args.repeats)
    print(f"\ntotal run {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
