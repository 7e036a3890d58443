"""The HTML status page in a real Chromium: grid, drill-down, and no script injection."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import missing

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SERVICES = ["payments", "checkout", "catalog", "search", "notifications", "admin-dashboard"]
DIMENSIONS = 7
FIXED_COLUMNS = ["service", "tier", "score", "unnamed gaps"]
PAYLOAD = "<script>window.__pwned=1</script>"
ESCAPED = "&lt;script&gt;window.__pwned=1&lt;/script&gt;"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        missing(f"{CHROMIUM} is missing (scripts/system-deps installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def test_grid_drills_down_into_a_service(
    demo: Any, start_daemon: Callable[..., Any], page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    daemon = start_daemon(demo.config)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    response = page.goto(f"{daemon.url}/", wait_until="load")

    assert response is not None
    assert response.status == 200
    grid = page.locator("table#grid")
    headers = [h.strip() for h in grid.locator("thead th").all_inner_texts()]
    assert headers[: len(FIXED_COLUMNS)] == FIXED_COLUMNS
    assert len(headers) - len(FIXED_COLUMNS) == DIMENSIONS, headers
    rows = grid.locator("tbody tr")
    expect(rows).to_have_count(len(SERVICES))
    assert [rows.nth(i).get_attribute("data-service") for i in range(len(SERVICES))] == SERVICES
    for i in range(len(SERVICES)):
        expect(rows.nth(i).locator("td")).to_have_count(len(FIXED_COLUMNS) + DIMENSIONS)

    # Nothing is open before the click; the link opens exactly its service's section.
    sections = page.locator("details.service")
    expect(sections).to_have_count(len(SERVICES))
    expect(page.locator("details.service[open]")).to_have_count(0)
    target = "catalog"
    grid.locator(f'tr[data-service="{target}"] a.drill').click()

    section = page.locator(f"details#svc-{target}")
    expect(section).to_have_attribute("open", "")
    expect(page.locator("details.service[open]")).to_have_count(1)
    assert page.url.endswith(f"#svc-{target}")
    items = section.locator("tbody tr")
    expect(items).to_have_count(32)
    for i in range(32):
        row = items.nth(i)
        expect(row).to_be_visible()
        assert row.get_attribute("data-item")
        assert row.get_attribute("data-status")
        finding = row.locator("td").nth(3).inner_text().strip()
        assert finding, f"item {row.get_attribute('data-item')} shows no summary"
    expect(page.locator("details#svc-payments tbody tr").first).to_be_hidden()
    assert not errors, errors

    artifacts = REPO / "artifacts"
    artifacts.mkdir(exist_ok=True)
    shot = tmp_path / "status-page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    shutil.copyfile(shot, artifacts / "status-page.png")


def test_untrusted_text_from_rules_and_manifests_stays_text(
    demo: Any, start_daemon: Callable[..., Any], page: Any
) -> None:
    from playwright.sync_api import expect

    # An alert rule's runbook_url and summary: echoed into payments' alert-runbook evidence.
    def poison_rule(docs: list[Any]) -> list[Any]:
        (doc,) = docs
        rules = [r for g in doc["groups"] for r in g["rules"] if r.get("alert")]
        rules[0]["annotations"]["runbook_url"] = PAYLOAD
        rules[0]["annotations"]["summary"] = PAYLOAD
        return docs

    # A Deployment's container name (echoed into checkout's pinned-artifacts evidence) and an
    # annotation and a label value on the same Deployment.
    def poison_deployment(docs: list[Any]) -> list[Any]:
        (deployment,) = [
            d
            for d in docs
            if d["kind"] == "Deployment" and d["metadata"]["name"] == "checkout-cart-reaper"
        ]
        deployment["metadata"].setdefault("annotations", {})["example.com/note"] = PAYLOAD
        deployment["metadata"]["labels"]["example.com/owner"] = PAYLOAD
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        container["name"] = PAYLOAD
        return docs

    demo.edit_docs("rules/payments.yaml", poison_rule)
    demo.edit_docs("manifests/checkout/workloads.yaml", poison_deployment)
    daemon = start_daemon(demo.config)
    # The payload reached the report as data, so the page had something to escape.
    evidence = {
        service: [e for i in s["items"] for e in i["evidence"] if PAYLOAD in e]
        for s in daemon.report()["services"]
        for service in [s["name"]]
    }
    assert evidence["payments"], "the runbook_url reaches payments' evidence"
    assert evidence["checkout"], "the container name reaches checkout's evidence"

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = page.goto(f"{daemon.url}/", wait_until="load")

    assert response is not None
    assert response.status == 200
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("script").count() == 1, "only the page's own script element"
    html = page.content()
    assert ESCAPED in html
    assert PAYLOAD not in html
    for service in ("payments", "checkout"):
        page.locator(f'table#grid tr[data-service="{service}"] a.drill').click()
        section = page.locator(f"details#svc-{service}")
        expect(section).to_have_attribute("open", "")
        shown = section.locator("ul.evidence li").filter(has_text=PAYLOAD).first
        expect(shown).to_be_visible()
        assert PAYLOAD in shown.inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert not errors, errors
