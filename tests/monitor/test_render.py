"""The terminal table: colour only when asked (a TTY), statuses readable either way."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from monitor.engine import audit
from monitor.render.text import render_table
from monitor.settings import load_config

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo.yaml"
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def test_the_table_is_plain_text_unless_colour_is_asked_for() -> None:
    report, _, _ = audit(load_config(DEMO), NOW)
    plain = render_table(report)
    coloured = render_table(report, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1;31m 3/5 fail " in coloured  # a dimension with an unnamed gap, bold red
    assert "\x1b[1;31mfail " in coloured  # the status column of the ranked list
    assert "observability" in plain  # full dimension names, not truncated
    assert "admin-dashboard" in plain
    assert "Fix first" in plain
