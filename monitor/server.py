"""HTTP endpoints of the daemon (Starlette on uvicorn).

Handlers only hand out bytes the daemon rendered at the end of its last cycle, so they are cheap
and never block on evaluation. Untrusted strings reach the page only through the HTML renderer,
which escapes them; responses carry a CSP that forbids any script but the page's own.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from monitor.daemon import Daemon
from monitor.exporter import CONTENT_TYPE
from monitor.render.data import report_dict

_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _wants_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


def create_app(daemon: Daemon, *, manage_daemon: bool = True) -> Starlette:
    async def metrics(request: Request) -> Response:
        body, encoding = daemon.exposition.get(_wants_gzip(request))
        headers = {"Content-Encoding": encoding} if encoding else {}
        return Response(body, media_type=CONTENT_TYPE, headers=headers)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def readyz(request: Request) -> Response:
        if daemon.publication is None:
            return PlainTextResponse("waiting for the first evaluation cycle\n", status_code=503)
        return PlainTextResponse("ready\n")

    def _not_ready() -> Response:
        return JSONResponse(
            {"error": "not ready: the first evaluation cycle has not finished"}, status_code=503
        )

    async def report(request: Request) -> Response:
        pub = daemon.publication
        if pub is None:
            return _not_ready()
        service = request.query_params.get("service")
        if service:
            data = report_dict(pub.cycle.report, since=pub.cycle.since, only=service)
            if not data["services"]:
                return JSONResponse({"error": f"no service {service!r}"}, status_code=404)
            body = json.dumps(data, separators=(",", ":")).encode()
            return Response(body, media_type="application/json")
        if _wants_gzip(request):
            return Response(
                pub.report_json_gz,
                media_type="application/json",
                headers={"Content-Encoding": "gzip"},
            )
        return Response(pub.report_json, media_type="application/json")

    async def page(request: Request) -> Response:
        pub = daemon.publication
        if pub is None:
            body = (
                "<!doctype html><meta charset=utf-8><meta http-equiv=refresh content=2>"
                "<title>readiness-monitor</title><p>Waiting for the first evaluation cycle…"
            )
            return Response(body, status_code=503, media_type="text/html", headers=_PAGE_HEADERS)
        if _wants_gzip(request):
            return Response(
                pub.page_html_gz,
                media_type="text/html; charset=utf-8",
                headers={**_PAGE_HEADERS, "Content-Encoding": "gzip"},
            )
        return Response(pub.page_html, media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_daemon:
            daemon.start()
        try:
            yield
        finally:
            if manage_daemon:
                daemon.stop()

    routes: list[Any] = [
        Route("/metrics", metrics),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/api/v1/report", report),
        Route("/", page),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def parse_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def serve(daemon: Daemon, listen: str) -> None:
    """Run until SIGTERM/SIGINT, shut down gracefully, and return (exit status 0).

    uvicorn re-raises the caught signal after its graceful shutdown, which makes a clean stop
    look like a kill (exit -15) to Kubernetes and to scripts; we handle the signal and return.
    """
    import signal  # noqa: PLC0415

    import uvicorn  # noqa: PLC0415

    class _Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            handled = (signal.SIGINT, signal.SIGTERM)
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    host, port = parse_listen(listen)
    config = uvicorn.Config(
        create_app(daemon),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=3,
        server_header=False,
    )
    _Server(config).run()
