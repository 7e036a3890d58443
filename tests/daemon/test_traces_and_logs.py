"""Traces leave over OTLP only when OTEL_* asks, and log lines carry their trace ids.

The daemon runs as a real process; a plain HTTP server on loopback stands in for the OTLP
collector and decodes what it receives with the OpenTelemetry protobuf classes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from monitor.telemetry import JsonFormatter, redact, register_secret

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Collector(ThreadingHTTPServer):
    spans: list[tuple[str, str]]  # (span name, trace id)


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        server = self.server
        assert isinstance(server, Collector)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                server.spans.extend((s.name, s.trace_id.hex()) for s in scope.spans)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector(("127.0.0.1", 0), _Handler)
    server.spans = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run_daemon(
    tmp_path: Path, env: dict[str, str]
) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    """Start the daemon on the demo, wait until ready, scrape once, stop it with SIGTERM."""
    shutil.copytree(REPO / "config", tmp_path / "config")
    config = tmp_path / "config" / "demo.yaml"
    config.write_text(config.read_text() + "\nstate:\n  path: ':memory:'\n")
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "monitor.cli",
            "serve",
            "--config",
            str(config),
            "--listen",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail("daemon did not become ready in 20 s")
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    done = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return err.splitlines(), done


@pytest.mark.integration
def test_spans_are_exported_over_otlp_and_logs_carry_their_trace_ids(
    tmp_path: Path, collector: Collector
) -> None:
    endpoint = f"http://127.0.0.1:{collector.server_address[1]}"
    lines, done = run_daemon(
        tmp_path,
        {"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "exported over OTLP" in done.stdout
    names = {name for name, _ in collector.spans}
    assert {"cycle", "fetch kubernetes", "fetch prometheus", "fetch alertmanager"} <= names
    assert {"evaluate probes", "evaluate velero-restores"} <= names
    cycle_traces = {trace for name, trace in collector.spans if name == "cycle"}
    records = [json.loads(line) for line in lines]
    done_logs = [r for r in records if r["event"] == "cycle done"]
    assert done_logs
    assert {r["trace_id"] for r in done_logs} <= cycle_traces


@pytest.mark.integration
def test_without_otel_variables_nothing_is_exported_and_logs_are_json_lines(
    tmp_path: Path, collector: Collector
) -> None:
    lines, done = run_daemon(tmp_path, {"OTEL_EXPORTER_OTLP_ENDPOINT": ""})
    assert done.returncode == 0
    assert "not exported" in done.stdout
    assert collector.spans == []
    records = [json.loads(line) for line in lines]
    assert all({"ts", "level", "event", "logger"} <= set(r) for r in records)
    assert any(r["event"] == "cycle done" and len(r["trace_id"]) == 32 for r in records)
    assert not any("Traceback" in line for line in lines)


def test_secrets_are_redacted_from_messages_and_secret_named_fields() -> None:
    import logging

    register_secret("s3cr3t-token-value")
    record = logging.LogRecord(
        "t", logging.INFO, "", 0, "calling with s3cr3t-token-value", None, None
    )
    record.api_token = "anything"
    record.source = "pagerduty"
    line = json.loads(JsonFormatter().format(record))
    assert "s3cr3t-token-value" not in json.dumps(line)
    assert line["event"] == "calling with [redacted]"
    assert line["api_token"] == "[redacted]"
    assert line["source"] == "pagerduty"
    assert redact("plain text") == "plain text"
