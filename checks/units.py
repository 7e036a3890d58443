"""Parsing the small languages evidence is written in: durations, timeouts, cron schedules.

Each parser returns None (or raises ValueError with a sentence) instead of guessing: a timeout we
cannot read must not count as a finite one.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cache
from itertools import pairwise

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|us|µs|ns|w|d|h|m|s)")
_UNIT_SECONDS = {
    "w": 604800.0,
    "d": 86400.0,
    "h": 3600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 1e-3,
    "us": 1e-6,
    "µs": 1e-6,
    "ns": 1e-9,
}


def parse_duration(text: str) -> timedelta:
    """Parse Go/Prometheus-style durations: `30d`, `1h30m`, `720h0m0s`, `250ms`.

    Raises ValueError naming the text when it is not one.
    """
    s = text.strip()
    if not s:
        raise ValueError("empty duration")
    pos = 0
    total = 0.0
    for match in _DURATION.finditer(s):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(s) or pos == 0:
        raise ValueError(f"{text!r} is not a duration (use e.g. 30s, 15m, 4h, 30d, 1h30m)")
    try:
        return timedelta(seconds=total)
    except OverflowError:
        raise ValueError(f"{text!r} is too long a duration") from None


def format_duration(delta: timedelta) -> str:
    """The shortest honest rendering: `3d 4h`, `15m`, `40s`."""
    seconds = int(delta.total_seconds())
    if seconds < 0:
        return "-" + format_duration(-delta)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else ""]
    if not days:
        parts.append(f"{minutes}m" if minutes else "")
        if not hours:
            parts.append(f"{secs}s" if secs or not minutes else "")
    return " ".join(p for p in parts if p)


UNBOUNDED_WORDS = frozenset(
    {
        "",
        "0",
        "-1",
        "none",
        "null",
        "nil",
        "infinite",
        "inf",
        "infinity",
        "unlimited",
        "never",
        "false",
        "off",
        "disabled",
    }
)


def parse_timeout(value: str) -> timedelta | None:
    """A configured timeout as a finite positive duration, or None when it is unbounded.

    Bare numbers are taken as the unit the key names when it names one (handled by the caller)
    or as seconds here; anything unreadable is treated as unbounded, because it does not prove
    a bound.
    """
    s = value.strip().lower()
    if s in UNBOUNDED_WORDS:
        return None
    try:
        number = float(s)
    except ValueError:
        try:
            parsed = parse_duration(s)
        except ValueError:
            return None
        return parsed if parsed > timedelta(0) else None
    if not (0 < number < float("inf")):
        return None
    try:
        return timedelta(seconds=number)
    except OverflowError:  # a bound past the year 9999 bounds nothing
        return None


# --- cron -----------------------------------------------------------------------------------

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
_NAMES = {
    3: {
        m: i
        for i, m in enumerate(
            ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
        )
    },
    4: {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])},
}


def _field(text: str, index: int) -> frozenset[int]:
    low, high = _RANGES[index]
    names = _NAMES.get(index, {})
    values: set[int] = set()
    for chunk in text.split(","):
        step = 1
        part = chunk
        if "/" in chunk:
            part, step_text = chunk.split("/", 1)
            step = int(step_text)
            if step <= 0:
                raise ValueError(f"step {step_text!r} must be positive")
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = high if step != 1 else start
        if index == 4 and end == 7:  # 7 is Sunday too
            values.add(0)
            end = 6
            if start == 7:  # `7` alone: Sunday, already added
                continue
        if not (low <= start <= high and low <= end <= high + (index == 4)):
            raise ValueError(f"{part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, names: dict[str, int]) -> int:
    lowered = text.lower()
    return names[lowered] if lowered in names else int(text)


@cache
def cron_max_interval(expression: str) -> timedelta:
    """The longest gap between two runs of a cron schedule (Velero's dialect, UTC).

    Supports five-field cron, `@every <duration>` and the @daily-style macros. Walks two years
    day by day, so short months and weekday restrictions are honoured: within a day the runs
    are the same, so the longest gap is either inside a day or from one matching day's last
    run to the next matching day's first. Cached: a fleet shares a handful of schedules.
    Raises ValueError naming the problem.
    """
    expr = expression.strip()
    if expr.startswith("@every"):
        try:
            return parse_duration(expr.removeprefix("@every").strip())
        except ValueError as exc:
            raise ValueError(f"{expression!r} is not a schedule: {exc}") from None
    expr = _MACROS.get(expr, expr)
    fields = expr.split()
    if len(fields) == 6:  # a leading seconds field, as robfig/cron allows
        fields = fields[1:]
    if len(fields) != 5:
        raise ValueError(f"{expression!r} is not a cron schedule (want 5 fields)")
    try:
        minutes, hours, days, months, weekdays = (_field(f, i) for i, f in enumerate(fields))
    except (ValueError, KeyError) as exc:
        raise ValueError(f"{expression!r} is not a cron schedule: {exc}") from exc
    day_any, weekday_any = fields[2] in ("*", "?"), fields[4] in ("*", "?")
    times = sorted(h * 60 + m for h in hours for m in minutes)  # minutes into a matching day
    matching: list[int] = []  # day offsets from 2024-01-01, a leap year and the one after
    start = date(2024, 1, 1)
    for offset in range(731):
        current = start + timedelta(days=offset)
        if current.month not in months:
            continue
        in_days = current.day in days
        in_weekdays = (current.isoweekday() % 7) in weekdays
        # Standard cron: when both fields are restricted, either may match.
        if day_any and weekday_any:
            matches = True
        elif day_any:
            matches = in_weekdays
        elif weekday_any:
            matches = in_days
        else:
            matches = in_days or in_weekdays
        if matches:
            matching.append(offset)
    if not times or len(times) * len(matching) < 2:
        raise ValueError(f"{expression!r} runs less than twice in two years")
    within = max((b - a for a, b in pairwise(times)), default=0)
    across = max(
        ((d2 - d1) * 1440 - times[-1] + times[0] for d1, d2 in pairwise(matching)), default=0
    )
    return timedelta(minutes=max(within, across))


# --- Kubernetes quantities ------------------------------------------------------------------

_QUANTITY = re.compile(r"^\+?(\d+(?:\.\d+)?|\.\d+)(?:e\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")


def is_quantity(value: str) -> bool:
    return bool(_QUANTITY.match(value.strip()))
