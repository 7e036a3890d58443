"""Shared fixtures of the integration tests: the daemon as a real process on loopback.

Every test gets its own copy of the demo environment (so it may edit the evidence), its own
state file and its own free port, so the suite runs under `pytest -n 2`. Every wait is a bounded
poll with a deadline, never a fixed long sleep. Servers listen on 127.0.0.1 only.

Helpers reach the tests as fixtures (a test never imports this module: several folders have a
`conftest.py`, and pytest keeps only one module of that name importable at a time).
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from tests.support import missing

REPO = Path(__file__).resolve().parents[2]
DEMO_CONFIG = REPO / "config" / "demo.yaml"
DEMO_DIR = REPO / "config" / "demo"

LOOPBACK = "127.0.0.1"
POLL = 0.1  # seconds between two polls of any wait loop
READY_TIMEOUT = 30.0  # process start (imports) plus the first cycle, on a loaded 2-core runner
STOP_TIMEOUT = 5.0  # the bound on a graceful SIGTERM shutdown


# --- plain helpers ----------------------------------------------------------------------------


def find_free_port() -> int:
    """A loopback port nobody listens on right now (the daemon start retries on a lost race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]  # lower-cased names
    body: bytes  # exactly as sent: not decompressed

    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


def http_get(
    port: int, path: str, headers: Mapping[str, str] | None = None, timeout: float = 5.0
) -> HttpResponse:
    """GET from 127.0.0.1:port with http.client: no proxy from the environment, no decoding."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        # skip_accept_encoding: http.client adds "Accept-Encoding: identity" otherwise.
        conn.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        return HttpResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()


def parse_metrics(text: str) -> dict[str, Metric]:
    """Families by name, parsed by prometheus_client's own text-format parser."""
    return {family.name: family for family in text_string_to_metric_families(text)}


def wait_for[T](
    probe: Callable[[], T | None], timeout: float, what: str, interval: float = POLL
) -> T:
    """Poll `probe` until it returns something other than None (or raise after `timeout`)."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = probe()
        except (OSError, http.client.HTTPException, ValueError) as exc:
            value, last_error = None, exc
        if value is not None:
            return value
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(interval)


def atomic_write(path: Path, text: str, scratch: Path) -> None:
    """Replace `path` in one rename, from a file written outside the watched manifest tree."""
    scratch.mkdir(parents=True, exist_ok=True)
    tmp = scratch / f".{path.name}.{os.getpid()}.{time.monotonic_ns()}"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --- the demo environment, copied -------------------------------------------------------------


@dataclass
class DemoCopy:
    """config/demo.yaml and config/demo/ copied under a test's tmp dir, fast to refresh."""

    root: Path  # holds demo.yaml and demo/
    scratch: Path  # outside root: temp files for atomic edits

    @property
    def config(self) -> Path:
        return self.root / "demo.yaml"

    @property
    def state(self) -> Path:
        return self.root / "state" / "readiness-state.db"

    def path(self, relative: str) -> Path:
        """A file of the copied evidence, e.g. 'manifests/payments/workloads.yaml'."""
        return self.root / "demo" / relative

    def read_docs(self, relative: str) -> list[Any]:
        return [d for d in yaml.safe_load_all(self.path(relative).read_text("utf-8")) if d]

    def write_docs(self, relative: str, docs: list[Any]) -> None:
        text = yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True)
        atomic_write(self.path(relative), text, self.scratch)

    def edit_docs(self, relative: str, edit: Callable[[list[Any]], list[Any]]) -> None:
        self.write_docs(relative, edit(self.read_docs(relative)))

    def edit_config(self, edit: Callable[[dict[str, Any]], None]) -> None:
        data = yaml.safe_load(self.config.read_text("utf-8"))
        edit(data)
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        atomic_write(self.config, text, self.scratch)


def make_demo_copy(base: Path) -> DemoCopy:
    root = base / "config"
    root.mkdir(parents=True)
    shutil.copytree(DEMO_DIR, root / "demo")
    shutil.copy2(DEMO_CONFIG, root / "demo.yaml")
    demo = DemoCopy(root, base / "scratch")

    def fast(data: dict[str, Any]) -> None:
        sources = data.get("sources") or {}
        for source in sources.values():
            source["interval"] = "1s"
        data.setdefault("schedule", {})["evaluate_every"] = "1s"
        data["state"] = {"path": str(demo.state)}
        data.pop("server", None)  # --listen decides

    demo.edit_config(fast)
    demo.state.parent.mkdir()
    return demo


@pytest.fixture
def demo(tmp_path: Path) -> DemoCopy:
    """A private copy of the demo: every source refreshed each 1 s, state under tmp_path."""
    return make_demo_copy(tmp_path / "demo-copy")


# --- the daemon as a subprocess ---------------------------------------------------------------


def _daemon_env() -> dict[str, str]:
    # The test config must mean what it says: no READINESS_* overrides from the runner, and no
    # OTLP export to wherever the runner's OTEL_* variables point.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("READINESS_", "OTEL_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env["READINESS_LOG_LEVEL"] = "INFO"
    return env


@dataclass
class DaemonProcess:
    """`readiness serve` in its own process; output goes to files (a full pipe would block it)."""

    config: Path
    logs: Path
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    readyz_seen: list[int] = field(default_factory=list)

    @property
    def stdout_path(self) -> Path:
        return self.logs / f"stdout-{self.starts}.txt"

    @property
    def stderr_path(self) -> Path:
        return self.logs / f"stderr-{self.starts}.txt"

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, attempts: int = 3) -> DaemonProcess:
        """Start and wait until it listens; retry on another port if ours was taken meanwhile."""
        for _ in range(attempts):
            self.starts += 1
            self.port = find_free_port()
            self.logs.mkdir(parents=True, exist_ok=True)
            cmd = [
                sys.executable,
                "-m",
                "monitor.cli",
                "serve",
                "--config",
                str(self.config),
                "--listen",
                f"{LOOPBACK}:{self.port}",
            ]
            with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
                self.proc = subprocess.Popen(
                    cmd, stdout=out, stderr=err, cwd=self.logs, env=_daemon_env()
                )
            if self._wait_listening():
                return self
            if "address already in use" not in self.stderr().lower():
                break
        raise AssertionError(
            f"readiness serve did not start (exit {self.returncode()}):\n{self.stderr()[-4000:]}"
        )

    def _wait_listening(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.returncode() is not None:
                return False
            try:
                with socket.create_connection((LOOPBACK, self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(POLL)
        raise AssertionError(f"readiness serve not listening after {READY_TIMEOUT:.0f} s")

    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> HttpResponse:
        return http_get(self.port, path, headers)

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> DaemonProcess:
        """Poll /readyz until 200, recording every status seen on the way."""

        def ready() -> bool | None:
            if self.returncode() is not None:
                raise AssertionError(
                    f"daemon exited with {self.returncode()}:\n{self.stderr()[-4000:]}"
                )
            status = self.get("/readyz").status
            self.readyz_seen.append(status)
            return True if status == 200 else None

        wait_for(ready, timeout, f"{self.url}/readyz to answer 200")
        return self

    def report(self, service: str | None = None) -> dict[str, Any]:
        resp = self.get("/api/v1/report" + (f"?service={service}" if service else ""))
        assert resp.status == 200, resp.body[:500]
        data: dict[str, Any] = resp.json()
        return data

    def item(self, service: str, item: str) -> dict[str, Any]:
        (svc,) = self.report(service)["services"]
        found: dict[str, Any] = next(i for i in svc["items"] if i["id"] == item)
        return found

    def metrics_text(self, *, gzipped: bool = False) -> str:
        headers = {"Accept-Encoding": "gzip"} if gzipped else {}
        resp = self.get("/metrics", headers)
        assert resp.status == 200, resp.body[:500]
        if gzipped:
            assert resp.headers.get("content-encoding") == "gzip", resp.headers
            return gzip.decompress(resp.body).decode("utf-8")
        assert "content-encoding" not in resp.headers, resp.headers
        return resp.text()

    def metrics(self, *, gzipped: bool = False) -> dict[str, Metric]:
        return parse_metrics(self.metrics_text(gzipped=gzipped))

    def samples(self, name: str, **match: str) -> list[tuple[dict[str, str], float]]:
        """(labels, value) of every sample of family `name` whose labels include `match`."""
        family = self.metrics().get(name)
        if family is None:
            return []
        return [
            (dict(s.labels), s.value)
            for s in family.samples
            if s.name == name and all(s.labels.get(k) == v for k, v in match.items())
        ]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int:
        """Send `sig` and wait at most `timeout` s; the exit code (negative: killed by signal)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"daemon still running {timeout:.0f} s after signal {sig}; killed it"
            ) from None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stdout(self) -> str:
        return self.stdout_path.read_text("utf-8", errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text("utf-8", errors="replace")

    def log_records(self) -> list[dict[str, Any]]:
        """stderr as JSON lines; fails on any line that is not a JSON object."""
        records = []
        for n, line in enumerate(self.stderr().splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise AssertionError(f"stderr line {n} is not JSON: {line[:300]!r}") from None
            assert isinstance(record, dict), f"stderr line {n} is not a JSON object: {line!r}"
            records.append(record)
        return records


@pytest.fixture
def start_daemon(tmp_path: Path) -> Iterator[Callable[..., DaemonProcess]]:
    """`start_daemon(config_path)` → a running, ready daemon; killed at teardown if still up."""
    started: list[DaemonProcess] = []

    def start(config: Path, *, ready: bool = True) -> DaemonProcess:
        daemon = DaemonProcess(config, tmp_path / f"daemon-{len(started) + 1}")
        started.append(daemon)
        daemon.start()
        if ready:
            daemon.wait_ready()
        return daemon

    yield start
    for daemon in started:
        daemon.kill()


@pytest.fixture
def fetch() -> Callable[..., HttpResponse]:
    """`http(port, path, headers=None)`: a raw GET on loopback."""
    return http_get


@pytest.fixture
def poll() -> Callable[..., Any]:
    """`poll(probe, timeout, what)`: bounded polling until `probe()` is not None."""
    return wait_for


@pytest.fixture
def free_port() -> Callable[[], int]:
    return find_free_port


@pytest.fixture
def metrics_parser() -> Callable[[str], dict[str, Metric]]:
    return parse_metrics


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed (scripts/system-deps installs it)")
    return path


@pytest.fixture
def binary() -> Callable[[str], str]:
    """`binary("prometheus")`: its path, or skip the test saying what is missing."""
    return require_binary
