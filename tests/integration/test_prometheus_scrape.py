"""A real Prometheus scrapes the daemon; promtool lints the exposition."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

ITEM_LABELS = {"service", "tier", "dimension", "item", "status", "required"}
SERIES = 6 * 32
# promtool lint findings accepted as known (substring of its output line); none so far.
KNOWN_LINT_FINDINGS: tuple[str, ...] = ()
SCRAPE_TIMEOUT = 30.0  # Prometheus start (TSDB, rule manager) plus one 1 s scrape, loaded runner


class Prometheus:
    def __init__(self, binary: str, workdir: Path, port: int, target_port: int) -> None:
        self.port = port
        self.workdir = workdir
        workdir.mkdir(parents=True)
        config = workdir / "prometheus.yml"
        config.write_text(
            "global:\n"
            "  scrape_interval: 1s\n"
            "  scrape_timeout: 1s\n"
            "  evaluation_interval: 1s\n"
            "scrape_configs:\n"
            "  - job_name: readiness\n"
            "    metrics_path: /metrics\n"
            "    static_configs:\n"
            f"      - targets: ['127.0.0.1:{target_port}']\n",
            encoding="utf-8",
        )
        self.log = workdir / "prometheus.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    binary,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={workdir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--log.level=warn",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=workdir,
            )

    def query(self, fetch: Callable[..., Any], promql: str) -> list[dict[str, Any]] | None:
        if self.proc.poll() is not None:
            raise AssertionError(
                f"prometheus exited with {self.proc.returncode}:\n"
                + self.log.read_text("utf-8", errors="replace")[-3000:]
            )
        path = "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        resp = fetch(self.port, path)
        if resp.status != 200:
            return None
        data = json.loads(resp.body)
        assert data["status"] == "success", data
        result: list[dict[str, Any]] = data["data"]["result"]
        return result

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def prometheus_for(
    tmp_path: Path, binary: Callable[[str], str], free_port: Callable[[], int]
) -> Iterator[Callable[[int], Prometheus]]:
    path = binary("prometheus")
    started: list[Prometheus] = []

    def start(target_port: int) -> Prometheus:
        prom = Prometheus(path, tmp_path / f"prometheus-{len(started)}", free_port(), target_port)
        started.append(prom)
        return prom

    yield start
    for prom in started:
        prom.stop()


def test_prometheus_scrapes_every_item_status_series_with_contract_labels(
    demo: Any,
    start_daemon: Callable[..., Any],
    prometheus_for: Callable[[int], Prometheus],
    fetch: Callable[..., Any],
    poll: Callable[..., Any],
) -> None:
    daemon = start_daemon(demo.config)
    prom = prometheus_for(daemon.port)

    def target_up() -> list[dict[str, Any]] | None:
        result = prom.query(fetch, 'up{job="readiness"} == 1')
        return result or None

    poll(target_up, SCRAPE_TIMEOUT, "Prometheus to scrape the daemon (up == 1)", 0.25)

    def all_series() -> list[dict[str, Any]] | None:
        result = prom.query(fetch, "readiness_item_status")
        return result if result and len(result) >= SERIES else None

    series = poll(all_series, SCRAPE_TIMEOUT, f"{SERIES} readiness_item_status series", 0.25)

    assert len(series) == SERIES
    for s in series:
        labels = s["metric"]
        assert set(labels) - {"__name__", "job", "instance"} == ITEM_LABELS, labels
        assert labels["__name__"] == "readiness_item_status"
        assert labels["instance"] == f"127.0.0.1:{daemon.port}"
        assert s["value"][1] == "1"
    pairs = {(s["metric"]["service"], s["metric"]["item"]) for s in series}
    assert len(pairs) == SERIES, "one series per service and item"

    # The rest of the exposition made it in too (a parse error would have dropped the scrape).
    for name in (
        "readiness_cycle_last_success_timestamp_seconds",
        "readiness_source_fetch_duration_seconds_bucket",
        "readiness_restore_test_last_success_timestamp_seconds",
    ):
        assert prom.query(fetch, name), f"{name} not in Prometheus"
    (samples,) = prom.query(fetch, 'scrape_samples_scraped{job="readiness"}') or [None]
    assert float(samples["value"][1]) > SERIES


def test_promtool_check_metrics_accepts_the_exposition(
    demo: Any, start_daemon: Callable[..., Any], binary: Callable[[str], str]
) -> None:
    promtool = binary("promtool")
    daemon = start_daemon(demo.config)
    body = daemon.metrics_text()

    done = subprocess.run(
        [promtool, "check", "metrics"],
        input=body.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )

    output = (done.stdout + done.stderr).decode("utf-8", errors="replace")
    if output.strip():
        print(f"promtool check metrics (exit {done.returncode}):\n{output}")
    # 0: clean. 3: lint findings only (naming advice), one per line; 1: the text does not parse.
    assert done.returncode in {0, 3}, output
    assert "error while linting" not in output
    unknown = [
        line
        for line in output.splitlines()
        if line.strip() and not any(known in line for known in KNOWN_LINT_FINDINGS)
    ]
    assert not unknown, f"promtool lint findings:\n{output}"
