"""The small languages evidence is written in: durations, timeouts, cron schedules."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks.units import cron_max_interval, format_duration, parse_duration, parse_timeout

# --- parse_duration / format_duration ------------------------------------------------------

DURATIONS = [
    ("30d", timedelta(days=30)),
    ("1h30m", timedelta(hours=1, minutes=30)),
    ("720h0m0s", timedelta(days=30)),
    ("250ms", timedelta(milliseconds=250)),
    ("1w", timedelta(weeks=1)),
    ("1.5h", timedelta(hours=1, minutes=30)),
    ("90s", timedelta(seconds=90)),
    ("  15m  ", timedelta(minutes=15)),
    ("500us", timedelta(microseconds=500)),
]


@pytest.mark.parametrize(("text", "expected"), DURATIONS, ids=[d[0].strip() for d in DURATIONS])
def test_parse_duration_reads_go_and_prometheus_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty duration"),
        ("   ", "empty duration"),
        ("abc", "'abc' is not a duration"),
        ("5", "'5' is not a duration"),
        ("1h 30m", "'1h 30m' is not a duration"),
        ("5m30", "'5m30' is not a duration"),
        ("-5m", "'-5m' is not a duration"),
        ("h", "'h' is not a duration"),
        ("99999999999w", "'99999999999w' is too long a duration"),
    ],
    ids=[
        "empty",
        "blank",
        "word",
        "bare-number",
        "space-inside",
        "trailing-number",
        "negative",
        "unit-only",
        "past-the-largest-timedelta",
    ],
)
def test_parse_duration_rejects_non_durations_naming_the_text(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        parse_duration(text)


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (timedelta(days=3, hours=4, minutes=5), "3d 4h"),
        (timedelta(days=30), "30d"),
        (timedelta(hours=1, minutes=30), "1h 30m"),
        (timedelta(hours=6), "6h"),
        (timedelta(minutes=15, seconds=30), "15m 30s"),
        (timedelta(minutes=15), "15m"),
        (timedelta(seconds=40), "40s"),
        (timedelta(0), "0s"),
        (timedelta(milliseconds=500), "0s"),
        (-timedelta(minutes=15), "-15m"),
    ],
    ids=[
        "days-hours",
        "days",
        "hours-minutes",
        "hours",
        "minutes-seconds",
        "minutes",
        "seconds",
        "zero",
        "sub-second",
        "negative",
    ],
)
def test_format_duration_gives_the_two_largest_units(delta: timedelta, shown: str) -> None:
    assert format_duration(delta) == shown


@given(
    hours=st.integers(min_value=0, max_value=10_000),
    minutes=st.integers(min_value=0, max_value=59),
    seconds=st.integers(min_value=0, max_value=59),
)
def test_parse_duration_round_trips_any_hours_minutes_seconds(
    hours: int, minutes: int, seconds: int
) -> None:
    text = f"{hours}h{minutes}m{seconds}s"
    assert parse_duration(text) == timedelta(hours=hours, minutes=minutes, seconds=seconds)
    # Go leaves zero units out; the parser must read the shortened form to the same value.
    short = "".join(f"{n}{u}" for n, u in ((hours, "h"), (minutes, "m"), (seconds, "s")) if n)
    if short:
        assert parse_duration(short) == parse_duration(text)


# --- parse_timeout -------------------------------------------------------------------------

TIMEOUTS = [
    ("5s", timedelta(seconds=5)),
    ("500", timedelta(seconds=500)),
    ("  30s ", timedelta(seconds=30)),
    ("1h30m", timedelta(hours=1, minutes=30)),
    ("250ms", timedelta(milliseconds=250)),
    ("1e3", timedelta(seconds=1000)),
    ("0.5", timedelta(milliseconds=500)),
    ("0", None),
    ("-1", None),
    ("-5", None),
    ("none", None),
    ("None", None),
    ("NULL", None),
    ("", None),
    ("   ", None),
    ("infinite", None),
    ("inf", None),
    ("Infinity", None),
    ("unlimited", None),
    ("never", None),
    ("Off", None),
    ("disabled", None),
    ("false", None),
    ("nan", None),
    ("0s", None),
    ("0m0s", None),
    ("PT30S", None),
    ("forever", None),
    ("1e300", None),
]


@pytest.mark.parametrize(("value", "bound"), TIMEOUTS, ids=[repr(v) for v, _ in TIMEOUTS])
def test_parse_timeout_returns_a_finite_bound_or_none_for_unbounded(
    value: str, bound: timedelta | None
) -> None:
    assert parse_timeout(value) == bound


# --- cron_max_interval ---------------------------------------------------------------------

CRON_INTERVALS = [
    ("*/15 * * * *", timedelta(minutes=15)),
    ("0 * * * *", timedelta(hours=1)),
    ("0 3 * * *", timedelta(hours=24)),
    ("0 */6 * * *", timedelta(hours=6)),
    ("0 1,13 * * *", timedelta(hours=12)),
    ("0 2,3 * * *", timedelta(hours=23)),
    ("@every 1h", timedelta(hours=1)),
    ("@every 90m", timedelta(minutes=90)),
    ("@hourly", timedelta(hours=1)),
    ("@daily", timedelta(hours=24)),
    ("@midnight", timedelta(hours=24)),
    ("@weekly", timedelta(days=7)),
    ("0 0 * * 0", timedelta(days=7)),
    ("0 0 * * SUN", timedelta(days=7)),
    ("@monthly", timedelta(days=31)),
    ("0 0 1 * *", timedelta(days=31)),
    ("0 0 31 * *", timedelta(days=61)),
    ("0 0 1 1 *", timedelta(days=366)),
    ("0 2 * * 1-5", timedelta(hours=72)),
    ("0 2 * * mon-fri", timedelta(hours=72)),
    ("0 0 * * 5-7", timedelta(days=5)),
    ("0 0 1 * 1", timedelta(days=7)),
    ("30 0 3 * * *", timedelta(hours=24)),
]

CRON = [pytest.param(e, i, id=e) for e, i in CRON_INTERVALS] + [
    pytest.param(
        "0 0 * * 7",
        timedelta(days=7),
        id="0 0 * * 7",
    ),
]


@pytest.mark.parametrize(("expression", "interval"), CRON)
def test_cron_max_interval_is_the_longest_gap_between_runs(
    expression: str, interval: timedelta
) -> None:
    assert cron_max_interval(expression) == interval


BAD_CRON = [
    "* * *",
    "61 * * * *",
    "0 24 * * *",
    "a b c d e",
    "*/0 * * * *",
    "0 0 * * 8",
    "0 0 30 2 *",
    "@reboot",
    pytest.param(
        "@every",
    ),
    pytest.param(
        "@every 1x",
    ),
]


@pytest.mark.parametrize("expression", BAD_CRON)
def test_cron_max_interval_rejects_bad_expressions_naming_them(expression: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(expression))):
        cron_max_interval(expression)
