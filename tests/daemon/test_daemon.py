"""The daemon's cycle logic, driven by hand: a fake clock and a source that can be told to fail.

The scheduler is not started here; the jobs it would run (`fetch`, `evaluate`) are called
directly, so time only moves when the test moves it.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from monitor.daemon import STALE_AFTER_INTERVALS, Daemon
from monitor.errors import SourceUnavailable
from monitor.server import create_app
from monitor.settings import load_config
from monitor.sources.kube_objects import Collected

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class FlakySource:
    """Wraps a real source; `down` makes the next fetches fail as a network error would."""

    inner: object
    name: str
    down: bool = False

    def fetch(self) -> Collected:
        if self.down:
            raise SourceUnavailable(self.name, "connection refused (127.0.0.1:1)")
        return self.inner.fetch()  # type: ignore[attr-defined, no-any-return]


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "config", tmp_path / "config")
    config = tmp_path / "config" / "demo.yaml"
    text = config.read_text()
    config.write_text(text + "\nstate:\n  path: state.db\n")
    return config


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def daemon(demo: Path, clock: Clock) -> Iterator[Daemon]:
    d = Daemon(load_config(demo), clock=clock)
    for name, slot in d.slots.items():
        slot.source = FlakySource(slot.source, name)
    yield d
    d.state.close()


def first_cycle(d: Daemon) -> None:
    for name in d.slots:
        d.fetch(name)
    d.evaluate()


def status(d: Daemon, service: str, item: str) -> str:
    assert d.publication is not None
    report = d.publication.cycle.report
    svc = next(s for s in report.services if s.service.name == service)
    return next(r.status.value for r in svc.items if r.item.id == item)


def samples(d: Daemon, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    body, _ = d.exposition.get(accept_gzip=False)
    out = {}
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            if s.name == name:
                out[tuple(sorted(s.labels.items()))] = s.value
    return out


def test_a_failed_source_is_down_at_once_but_its_evidence_serves_until_stale(
    daemon: Daemon, clock: Clock
) -> None:
    first_cycle(daemon)
    assert status(daemon, "payments", "reliability.health-checks") == "pass"
    source = daemon.slots["kubernetes"].source
    assert isinstance(source, FlakySource)
    source.down = True
    interval = daemon.slots["kubernetes"].interval

    clock.advance(interval)
    assert daemon.fetch("kubernetes") is True  # up -> down is a change worth a cycle
    daemon.evaluate()
    assert samples(daemon, "readiness_source_up")[(("source", "kubernetes"),)] == 0
    assert status(daemon, "payments", "reliability.health-checks") == "pass"

    clock.advance(interval * STALE_AFTER_INTERVALS)
    daemon.fetch("kubernetes")
    daemon.evaluate()
    assert status(daemon, "payments", "reliability.health-checks") == "unknown"
    payments = next(
        s
        for s in daemon.publication.cycle.report.services  # type: ignore[union-attr]
        if s.service.name == "payments"
    )
    item = next(r for r in payments.items if r.item.id == "reliability.health-checks")
    assert "connection refused" in item.summary
    assert "stale since" in item.summary
    # Items that do not need the failed source still evaluate.
    assert status(daemon, "payments", "observability.alert-runbooks") == "pass"


def test_a_fetch_that_changes_nothing_reports_no_change(daemon: Daemon) -> None:
    first_cycle(daemon)
    assert daemon.fetch("prometheus") is False


def test_status_since_holds_across_cycles_and_moves_when_the_status_changes(
    daemon: Daemon, clock: Clock, demo: Path
) -> None:
    first_cycle(daemon)
    key = (
        ("dimension", "reliability"),
        ("item", "reliability.health-checks"),
        ("service", "payments"),
    )
    metric = "readiness_item_status_since_timestamp_seconds"
    assert samples(daemon, metric)[key] == T0.timestamp()

    clock.advance(timedelta(minutes=5))
    daemon.evaluate()
    assert samples(daemon, metric)[key] == T0.timestamp()

    manifest = demo.parent / "demo" / "manifests" / "payments" / "workloads.yaml"
    manifest.write_text(manifest.read_text().replace("readinessProbe:", "startupProbe:", 1))
    clock.advance(timedelta(minutes=5))
    assert daemon.fetch("kubernetes") is True
    daemon.evaluate()
    assert status(daemon, "payments", "reliability.health-checks") == "fail"
    assert samples(daemon, metric)[key] == (T0 + timedelta(minutes=10)).timestamp()


def test_plans_fall_due_on_the_timer_without_any_new_evidence(daemon: Daemon, clock: Clock) -> None:
    first_cycle(daemon)
    assert status(daemon, "checkout", "capacity.autoscaling") == "planned"
    clock.now = datetime(2028, 2, 1, 0, 0, 1, tzinfo=UTC)
    daemon.evaluate()
    assert status(daemon, "checkout", "capacity.autoscaling") == "overdue"


def test_an_evaluator_that_raises_costs_one_item_and_is_counted(
    daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    from checks import evaluate
    from checks.context import EvaluatorSpec

    def broken(ctx: object) -> object:
        raise KeyError("spec")

    original = evaluate.EVALUATORS["probes"]
    patched = dict(evaluate.EVALUATORS)
    patched["probes"] = EvaluatorSpec("probes", original.sources, broken)  # type: ignore[arg-type]
    monkeypatch.setattr("monitor.daemon.EVALUATORS", patched)
    first_cycle(daemon)
    assert status(daemon, "payments", "reliability.health-checks") == "unknown"
    assert status(daemon, "payments", "reliability.no-single-instance") == "pass"
    # One per service whose evidence let the evaluator run: search's namespace is malformed.
    assert samples(daemon, "readiness_evaluator_errors_total")[()] == 5


def test_the_server_is_not_ready_until_the_first_cycle_and_serves_gzip_after(
    daemon: Daemon,
) -> None:
    client = TestClient(create_app(daemon, manage_daemon=False))
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503
    assert client.get("/api/v1/report").status_code == 503
    assert client.get("/").status_code == 503

    first_cycle(daemon)
    assert client.get("/readyz").status_code == 200
    raw = client.get("/metrics", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert b"readiness_item_status{" in raw.content  # httpx decoded the gzip body
    plain = client.get("/metrics", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["content-type"].startswith("text/plain; version=")

    report = client.get("/api/v1/report").json()
    assert report["services"][0]["name"] == "payments"
    assert all(len(s["items"]) == 32 for s in report["services"])
    assert all("since" in i for s in report["services"] for i in s["items"])


def test_the_report_can_be_filtered_to_one_service(daemon: Daemon) -> None:
    first_cycle(daemon)
    client = TestClient(create_app(daemon, manage_daemon=False))
    one = client.get("/api/v1/report", params={"service": "checkout"}).json()
    assert [s["name"] for s in one["services"]] == ["checkout"]
    assert {p["service"] for p in one["priorities"]} == {"checkout"}
    assert one["summary"]["services"] == 6  # the summary stays fleet-wide
    assert all(len(s["items"]) == 32 for s in one["services"])
    missing = client.get("/api/v1/report", params={"service": "nope"})
    assert missing.status_code == 404
    assert "nope" in missing.json()["error"]


def test_the_page_is_compressed_once_per_cycle_and_forbids_foreign_scripts(
    daemon: Daemon,
) -> None:
    first_cycle(daemon)
    client = TestClient(create_app(daemon, manage_daemon=False))
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert daemon.publication is not None
    assert gzip.decompress(daemon.publication.page_html_gz) == daemon.publication.page_html
    assert json.loads(daemon.publication.report_json)["summary"]["services"] == 6


def test_an_unusable_state_file_still_serves_from_memory(demo: Path, clock: Clock) -> None:
    (demo.parent / "state.db").write_bytes(b"this is not a database" * 100)
    d = Daemon(load_config(demo), clock=clock)
    try:
        assert d.state.path == ":memory:"
        first_cycle(d)
        assert d.publication is not None
    finally:
        d.state.close()
