"""The HTML status page: one self-contained document, nothing loaded from anywhere.

Every string that came from outside (names, annotations, summaries, register text) goes through
`escape`, so a `<script>` in an alert annotation can only ever be text. Drill-down uses
<details>, which works without JavaScript; the one fixed script below only opens the section a
grid link points at.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from html import escape

from checks.model import Report, ServiceResult, Status, percent
from checks.units import format_duration
from monitor.render.text import dimension_cell

# Fixed text, never formatted with data: opening the drilled-into service on navigation.
_SCRIPT = """
function openTarget(){var id=decodeURIComponent(location.hash.slice(1));
var el=id&&document.getElementById(id);if(el&&el.tagName==="DETAILS"){el.open=true;
el.scrollIntoView();}}
window.addEventListener("hashchange",openTarget);openTarget();
"""

_CSS = """
:root{--pass:#1a7f37;--named:#0969da;--gap:#cf222e;--unknown:#9a6700;--na:#8c959f;
--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;
margin:0;padding:24px 32px;color:var(--fg);background:var(--bg)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:var(--muted);margin-bottom:16px}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{font-weight:600;background:#f6f8fa}
td.cell{text-align:center;font-variant-numeric:tabular-nums;white-space:nowrap}
.s-pass{color:var(--pass)}.s-planned,.s-accepted{color:var(--named)}
.s-fail,.s-overdue,.s-expired{color:var(--gap);font-weight:600}
.s-unknown{color:var(--unknown)}.s-not_applicable{color:var(--na)}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;border:1px solid}
details{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:4px 12px}
summary{cursor:pointer;padding:6px 0;font-weight:600}
.evidence{color:var(--muted);font-size:12px;margin:2px 0 0 0;padding-left:16px}
.fix{font-size:13px;color:var(--muted)}
.counts span{margin-right:14px}
"""


def _badge(status: Status) -> str:
    return f'<span class="badge s-{status.value}">{escape(status.value)}</span>'


def _since(since: datetime | None, now: datetime) -> str:
    if since is None:
        return ""
    age = escape(format_duration(now - since))
    return f'<span class="since" title="{escape(since.isoformat())}">for {age}</span>'


def _service_section(
    s: ServiceResult, now: datetime, since: Mapping[tuple[str, str], datetime]
) -> str:
    rows = []
    for r in s.items:
        evidence = "".join(f"<li>{escape(e)}</li>" for e in r.evidence[:20])
        more = f"<li>… {len(r.evidence) - 20} more</li>" if len(r.evidence) > 20 else ""
        fix = (
            f'<div class="fix">How to fix: {escape(r.item.remediation)}</div>'
            if r.status not in (Status.PASS, Status.NOT_APPLICABLE)
            else ""
        )
        rows.append(
            f'<tr data-item="{escape(r.item.id)}" data-status="{r.status.value}">'
            f"<td><code>{escape(r.item.id)}</code><br>{escape(r.item.title)}</td>"
            f"<td>{_badge(r.status)}<br>{_since(since.get((s.service.name, r.item.id)), now)}</td>"
            f"<td>{'required' if r.required else escape(r.requirement.value)}</td>"
            f"<td>{escape(r.summary)}"
            f"{f'<ul class=evidence>{evidence}{more}</ul>' if evidence else ''}{fix}</td></tr>"
        )
    name = escape(s.service.name)
    return (
        f'<details class="service" id="svc-{name}" data-service="{name}">'
        f"<summary>{name} · {escape(s.policy.name)} · team {escape(s.service.team)} · "
        f"score {percent(s.score())} · {s.unnamed_gaps} unnamed gaps</summary>"
        "<table><thead><tr><th>item</th><th>status</th><th>tier</th><th>finding</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></details>"
    )


def render_html(
    report: Report,
    *,
    since: Mapping[tuple[str, str], datetime] | None = None,
    title: str = "Production readiness",
) -> str:
    since = since or {}
    now = report.generated_at
    dims = report.catalog.dimensions
    header = "".join(f"<th>{escape(d.title)}</th>" for d in dims)
    grid_rows = []
    for s in report.services:
        cells = []
        for d in dims:
            label, worst = dimension_cell(s, d.id)
            klass = f"s-{worst.value}" if worst else "s-not_applicable"
            cells.append(f'<td class="cell {klass}">{escape(label)}</td>')
        name = escape(s.service.name)
        grid_rows.append(
            f'<tr data-service="{name}"><td><a href="#svc-{name}" class="drill">{name}</a></td>'
            f"<td>{escape(s.policy.name)}</td><td class=cell>{percent(s.score())}</td>"
            f"<td class=cell>{s.unnamed_gaps}</td>{''.join(cells)}</tr>"
        )
    ranked = (
        "".join(
            f"<tr><td class=cell>{p.rank}</td><td>{escape(p.service)}</td>"
            f"<td><code>{escape(p.item.id)}</code></td><td>{_badge(p.status)}</td>"
            f"<td>{escape(p.summary)}<div class=fix>How to fix: {escape(p.item.remediation)}</div>"
            "</td></tr>"
            for p in report.priorities
        )
        or '<tr><td colspan="5">Nothing to fix: every required item passes or is named.</td></tr>'
    )
    counts: dict[Status, int] = {}
    for s in report.services:
        for r in s.items:
            counts[r.status] = counts.get(r.status, 0) + 1
    count_html = "".join(
        f'<span class="s-{st.value}">{escape(st.value)}: {counts.get(st, 0)}</span>'
        for st in Status
    )
    sections = "".join(_service_section(s, now, since) for s in report.services)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f'<div class="meta">Evaluated {escape(now.isoformat(timespec="seconds"))} · '
        f"{len(report.services)} services"
        f' · <span class="counts">{count_html}</span></div>'
        '<h2>Services × dimensions</h2><p class="meta">Required items passing per dimension, and '
        "the worst status among them.</p>"
        f'<table id="grid"><thead><tr><th>service</th><th>tier</th><th>score</th>'
        f"<th>unnamed gaps</th>{header}</tr></thead><tbody>{''.join(grid_rows)}</tbody></table>"
        f'<h2>Fix first</h2><table id="priorities"><thead><tr><th>#</th><th>service</th>'
        f"<th>item</th><th>status</th><th>what and how</th></tr></thead><tbody>{ranked}</tbody>"
        f'</table><h2>Services</h2><div id="services">{sections}</div>'
        f"<script>{_SCRIPT}</script></body></html>"
    )
