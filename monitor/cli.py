"""`readiness`: the command line.

argparse rather than a framework: the CLI runs in CI on every push, so start-up time matters,
and every heavy module (rich, pydantic, the daemon) is imported only by the verb that needs it.
Exit codes: 0 ready, 1 a required item is an unnamed gap, 2 bad usage or bad config.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

EXIT_OK, EXIT_GAPS, EXIT_CONFIG = 0, 1, 2


def _now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--now {text!r} is not an ISO-8601 time (e.g. 2026-12-01 or 2026-12-01T09:00:00Z)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def cmd_audit(args: argparse.Namespace) -> int:
    from monitor.engine import audit  # noqa: PLC0415
    from monitor.settings import load_config  # noqa: PLC0415

    config = load_config(Path(args.config))
    if args.service and args.service not in {s.name for s in config.services}:
        known = ", ".join(s.name for s in config.services)
        print(
            f"readiness: error: no service {args.service!r} in {args.config} (known: {known})",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    report, errors, _ = audit(config, _now(args.now), args.service)
    for err in errors:
        print(
            f"readiness: warning: {err.service} {err.item}: evaluator {err.evaluator} failed: "
            f"{err.error}",
            file=sys.stderr,
        )
    if args.format == "json":
        from monitor.render.data import report_dict  # noqa: PLC0415

        _write(json.dumps(report_dict(report), indent=2), args.output)
    elif args.format == "markdown":
        from monitor.render.text import render_markdown  # noqa: PLC0415

        _write(render_markdown(report), args.output)
    elif args.format == "html":
        from monitor.render.html import render_html  # noqa: PLC0415

        _write(render_html(report), args.output)
    else:
        from monitor.render.text import render_table  # noqa: PLC0415

        _write(render_table(report, color=not args.output and sys.stdout.isatty()), args.output)
    return EXIT_GAPS if report.failing else EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from monitor.settings import load_config  # noqa: PLC0415
    from monitor.telemetry import setup_logging, setup_tracing, shutdown_tracing  # noqa: PLC0415

    config = load_config(Path(args.config))
    listen = args.listen or config.settings.server.listen
    setup_logging(os.environ.get("READINESS_LOG_LEVEL", "INFO"))
    exporting = setup_tracing()
    from monitor.daemon import Daemon  # noqa: PLC0415
    from monitor.server import parse_listen, serve  # noqa: PLC0415

    try:
        host, port = parse_listen(listen)
    except ValueError:
        print(f"readiness: error: --listen {listen!r} is not HOST:PORT", file=sys.stderr)
        return EXIT_CONFIG
    shown = f"[{host}]" if ":" in host else host
    print(
        f"readiness-monitor: {len(config.services)} services from {args.config}\n"
        f"  status page  http://{shown}:{port}/\n"
        f"  metrics      http://{shown}:{port}/metrics\n"
        f"  report       http://{shown}:{port}/api/v1/report\n"
        f"  traces       {'exported over OTLP' if exporting else 'not exported (no OTEL_* set)'}",
        flush=True,
    )
    try:
        serve(Daemon(config), f"{host}:{port}")
    finally:
        shutdown_tracing()
    return EXIT_OK


def cmd_catalog(args: argparse.Namespace) -> int:
    from monitor.catalog import load_catalog  # noqa: PLC0415

    catalog = load_catalog()
    if args.format == "json":
        items = [
            {
                "id": i.id,
                "dimension": i.dimension,
                "title": i.title,
                "question": i.question,
                "why": i.why,
                "remediation": i.remediation,
                "severity": i.severity.value,
                "evaluators": list(i.evaluators),
            }
            for i in catalog.items
        ]
        _write(json.dumps({"items": items}, indent=2), None)
    elif args.format == "markdown":
        from monitor.render.text import catalog_markdown  # noqa: PLC0415

        _write(catalog_markdown(catalog), None)
    else:
        from monitor.render.text import catalog_table  # noqa: PLC0415

        _write(catalog_table(catalog), None)
    return EXIT_OK


def cmd_config_check(args: argparse.Namespace) -> int:
    from monitor.settings import load_config  # noqa: PLC0415

    config = load_config(Path(args.file))
    print(
        f"{args.file}: ok: {len(config.services)} services, {len(config.tiers)} tiers, "
        f"{len(config.register)} register entries"
    )
    return EXIT_OK


def cmd_config_schema(args: argparse.Namespace) -> int:
    from monitor.settings import config_reference, config_schema  # noqa: PLC0415

    if args.format == "markdown":
        _write(config_reference(), None)
    else:
        _write(json.dumps(config_schema(), indent=2), None)
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="readiness",
        description="Walk the production-readiness checklist against real infrastructure.",
    )
    verbs = p.add_subparsers(dest="verb", required=True, metavar="COMMAND")

    a = verbs.add_parser("audit", help="evaluate once and rank what to fix first")
    a.add_argument("--config", required=True, help="config file (YAML)")
    a.add_argument("--format", choices=("table", "json", "markdown", "html"), default="table")
    a.add_argument("--service", help="audit one service only")
    a.add_argument("--now", help="evaluate as of this ISO-8601 instant (default: now)")
    a.add_argument("--output", "-o", help="write the report to this file instead of stdout")
    a.set_defaults(fn=cmd_audit)

    s = verbs.add_parser("serve", help="run the daemon: evaluate continuously, serve results")
    s.add_argument("--config", required=True, help="config file (YAML)")
    s.add_argument("--listen", help="HOST:PORT (default: server.listen, 127.0.0.1:9560)")
    s.set_defaults(fn=cmd_serve)

    c = verbs.add_parser("catalog", help="list the checklist items")
    c.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    c.set_defaults(fn=cmd_catalog)

    cfg = verbs.add_parser("config", help="check a config file, or print its JSON Schema")
    cfg_verbs = cfg.add_subparsers(dest="config_verb", required=True, metavar="COMMAND")
    check = cfg_verbs.add_parser("check", help="validate a config file")
    check.add_argument("file")
    check.set_defaults(fn=cmd_config_check)
    schema = cfg_verbs.add_parser("schema", help="print the config's JSON Schema")
    schema.add_argument("--format", choices=("json", "markdown"), default="json")
    schema.set_defaults(fn=cmd_config_schema)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from monitor.errors import ReadinessError  # noqa: PLC0415

    args = parser().parse_args(argv)
    try:
        if getattr(args, "now", None) is not None:
            _now(args.now)
        code: int = args.fn(args)
    except argparse.ArgumentTypeError as exc:
        print(f"readiness: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except ReadinessError as exc:
        print(f"readiness: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: say so in one line, keep the traceback for who asks
        if os.environ.get("READINESS_DEBUG"):
            raise
        print(
            f"readiness: internal error: {type(exc).__name__}: {exc} "
            "(set READINESS_DEBUG=1 for the traceback and please report it)",
            file=sys.stderr,
        )
        return 70
    return code


if __name__ == "__main__":
    raise SystemExit(main())
