"""Logs as JSON lines and traces as OpenTelemetry spans, both about the monitor itself.

Logs carry the active span's trace and span ids so a slow cycle in a trace can be joined to its
log lines. Traces are exported over OTLP only when the standard OTEL_* variables ask for it;
otherwise spans are still created (so logs have ids) and dropped. Secrets are scrubbed twice:
values of secret-looking keys in structured fields, and any registered secret value anywhere
in the message.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

_SECRET_KEY = re.compile(r"(?i)(token|secret|password|passwd|authorization|api[_-]?key|cookie)")
_REDACTED = "[redacted]"
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret value (an API token read at start) so no log line can carry it."""
    if value and len(value) >= 4:
        _secrets.add(value)


def redact(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, _REDACTED)
    return text


def _scrub(key: str, value: Any) -> Any:
    if _SECRET_KEY.search(key):
        return _REDACTED
    if isinstance(value, str):
        return redact(value)
    return value


# uvicorn adds an ANSI-coloured duplicate of every message; the plain one is enough.
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, event, logger, extra fields, trace and span ids."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": redact(record.getMessage()),
            "logger": record.name,
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                out[key] = _scrub(key, value)
        trace_id, span_id = current_ids()
        if trace_id:
            out["trace_id"] = trace_id
            out["span_id"] = span_id
        if record.exc_info and record.exc_info[0] is not None:
            out["error"] = redact(f"{record.exc_info[0].__name__}: {record.exc_info[1]}")
        return json.dumps(out, default=str)


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Third-party loggers speak in their own words; keep ours and their warnings.
    for noisy in ("apscheduler", "uvicorn.access", "httpx", "kubernetes"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# --- traces ---------------------------------------------------------------------------------

_tracer: Any = None


def _exporter_requested() -> bool:
    wanted = os.environ.get("OTEL_TRACES_EXPORTER", "").lower()
    if wanted == "none":
        return False
    return bool(
        wanted == "otlp"
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def setup_tracing(service_name: str = "readiness-monitor") -> bool:
    """Install a tracer provider; returns whether spans are exported."""
    global _tracer  # noqa: PLW0603 - one provider per process, as OpenTelemetry expects
    from opentelemetry import trace  # noqa: PLC0415 - only the daemon traces
    from opentelemetry.sdk.resources import Resource  # noqa: PLC0415
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415

    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)})
    provider = TracerProvider(resource=resource)
    exporting = _exporter_requested()
    if exporting:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter,
        )
        from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: PLC0415

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _tracer = trace.get_tracer("readiness-monitor")
    return exporting


@contextmanager
def span(name: str, **attributes: str | int | float | bool) -> Iterator[Any]:
    """A span when tracing is set up; a no-op otherwise (the CLI audit)."""
    if _tracer is None:
        yield None
        return
    with _tracer.start_as_current_span(name, attributes=attributes) as current:
        yield current


def current_ids() -> tuple[str, str]:
    if _tracer is None:
        return "", ""
    from opentelemetry import trace  # noqa: PLC0415

    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return "", ""
    return f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}"


def shutdown_tracing() -> None:
    if _tracer is None:
        return
    from opentelemetry import trace  # noqa: PLC0415

    provider = trace.get_tracer_provider()
    shutdown = getattr(provider, "shutdown", None)
    if shutdown is not None:
        shutdown()
