"""The bundled demo tells the story the README promises, at a fixed instant.

The demo's Velero restores are dated, so with the real clock its restore-test items age (as a
real fleet's would); these tests pin `--now` to the day the demo was written.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from monitor.cli import main

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "config" / "demo.yaml"
NOW = "2026-11-26T12:00:00Z"


def audit(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["audit", "--config", str(DEMO), "--format", "json", "--now", NOW, *extra])
    return code, json.loads(capsys.readouterr().out)


def test_the_demo_config_checks_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", str(DEMO)]) == 0
    assert "6 services, 3 tiers" in capsys.readouterr().out


def test_every_service_has_all_items_and_every_status_appears(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, report = audit(capsys)
    assert code == 1
    assert len(report["services"]) >= 6
    assert {s["tier"] for s in report["services"]} == {"critical", "standard", "internal"}
    assert all(len(s["items"]) == 32 for s in report["services"])
    statuses = Counter(i["status"] for s in report["services"] for i in s["items"])
    assert set(statuses) == {
        "pass",
        "planned",
        "accepted",
        "fail",
        "overdue",
        "expired",
        "unknown",
        "not_applicable",
    }
    assert report["summary"]["statuses"] == {
        k: statuses.get(k, 0) for k in report["summary"]["statuses"]
    }


def test_the_fully_green_critical_service_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = audit(capsys, "--service", "payments")
    assert code == 0
    [payments] = report["services"]
    assert payments["tier"] == "critical"
    assert payments["score"] == 1.0
    assert {i["status"] for i in payments["items"]} == {"pass"}
    assert report["priorities"] == []


def by_service(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {s["name"]: {i["id"]: i["status"] for i in s["items"]} for s in report["services"]}


@pytest.mark.parametrize(
    ("service", "item", "status"),
    [
        ("checkout", "security.least-privilege", "fail"),  # cluster-admin binding
        ("checkout", "capacity.autoscaling", "planned"),
        ("checkout", "reliability.no-single-instance", "accepted"),
        ("notifications", "observability.symptom-alerts", "overdue"),
        ("notifications", "data.restore-tested", "expired"),
        ("catalog", "security.dependency-scanning", "expired"),
        ("search", "reliability.health-checks", "unknown"),  # malformed Deployment
        ("search", "observability.alert-runbooks", "pass"),  # other sources still evaluate
        ("admin-dashboard", "incident.oncall-rotation", "not_applicable"),
    ],
)
def test_the_demo_story_holds(
    capsys: pytest.CaptureFixture[str], service: str, item: str, status: str
) -> None:
    _, report = audit(capsys)
    assert by_service(report)[service][item] == status


def test_the_unknown_items_name_the_malformed_file_and_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, report = audit(capsys, "--service", "search")
    unknown = [i for i in report["services"][0]["items"] if i["status"] == "unknown"]
    assert unknown
    assert all("indexer.yaml:" in i["summary"] for i in unknown)
    assert all("containers" in i["summary"] for i in unknown)


def test_priorities_put_unnamed_gaps_of_critical_services_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, report = audit(capsys)
    ranked = report["priorities"]
    assert [p["rank"] for p in ranked] == list(range(1, len(ranked) + 1))
    classes = [
        {"fail": 0, "overdue": 1, "expired": 1, "unknown": 2, "planned": 3}[p["status"]]
        for p in ranked
    ]
    assert classes == sorted(classes)
    assert ranked[0]["status"] == "fail"
    assert ranked[0]["tier"] == "critical"
    assert all(p["remediation"] for p in ranked)
