"""`readiness` on the command line: verbs, output formats and the exit codes of DESIGN section 5.

Most tests call `monitor.cli.main` in-process; one runs the installed console script, which is
the only way to see what a CI log would show (a traceback or not, the real exit status).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from monitor.cli import main
from monitor.settings import load_config

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
CONFIGS = FIXTURES / "config"
READY = FIXTURES / "ready" / "config.yaml"
GAPS = FIXTURES / "gaps" / "config.yaml"
HOSTILE = FIXTURES / "hostile_annotations" / "config.yaml"
REPO = HERE.parent.parent

# DESIGN section 1, in table order.
CATALOG_IDS = [
    "reliability.health-checks",
    "reliability.outbound-timeouts",
    "reliability.retries-backoff",
    "reliability.graceful-degradation",
    "reliability.no-single-instance",
    "observability.slo-defined",
    "observability.structured-logs",
    "observability.distributed-tracing",
    "observability.symptom-alerts",
    "observability.alert-runbooks",
    "delivery.automated-deploys",
    "delivery.gated-pipeline",
    "delivery.rollback-tested",
    "delivery.migration-compat",
    "delivery.pinned-artifacts",
    "security.secrets-manager",
    "security.least-privilege",
    "security.dependency-scanning",
    "security.encryption",
    "security.credential-rotation",
    "capacity.load-tested",
    "capacity.autoscaling",
    "capacity.limits-documented",
    "capacity.no-shared-bottleneck",
    "incident.oncall-rotation",
    "incident.runbooks-linked",
    "incident.severity-escalation",
    "incident.postmortems",
    "data.backups-scheduled",
    "data.restore-tested",
    "data.retention-policy",
    "data.dr-plan",
]

# DESIGN section 2.
STATUSES = {
    "pass",
    "planned",
    "accepted",
    "fail",
    "overdue",
    "expired",
    "unknown",
    "not_applicable",
}

BEFORE_DUE = "2026-11-30T12:00:00Z"  # the gaps/ plan is due 2026-12-01
AFTER_DUE = "2026-12-02T00:00:00Z"

GOOD_CONFIG_FIXTURES = [
    "register_plan_due_2026_12_01.yaml",
    "state_path_set_in_file.yaml",
    "wiki_explicit_namespace_and_alert_match.yaml",
    "wiki_internal_one_threshold_raised.yaml",
]
# Every other file under fixtures/config/ holds one mistake.
BAD_CONFIG_FIXTURES = sorted(
    p.name for p in CONFIGS.glob("*.yaml") if p.name not in GOOD_CONFIG_FIXTURES
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def audit_json(capsys: pytest.CaptureFixture[str], config: Path, *extra: str) -> dict[str, Any]:
    code, out, err = run(capsys, "audit", "--config", str(config), "--format", "json", *extra)
    assert code in (0, 1), err
    report: dict[str, Any] = json.loads(out)
    return report


def item(report: dict[str, Any], service: str, item_id: str) -> dict[str, Any]:
    (svc,) = [s for s in report["services"] if s["name"] == service]
    (found,) = [i for i in svc["items"] if i["id"] == item_id]
    return found  # type: ignore[no-any-return]


# --- catalog ---------------------------------------------------------------------------------


def test_catalog_as_json_lists_exactly_the_32_design_items_in_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "catalog", "--format", "json")

    assert code == 0
    assert [i["id"] for i in json.loads(out)["items"]] == CATALOG_IDS


def test_catalog_as_json_gives_each_item_its_dimension_and_remediation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "catalog", "--format", "json")

    for entry in json.loads(out)["items"]:
        assert entry["dimension"] == entry["id"].split(".")[0]
        assert entry["remediation"].strip()
        assert entry["severity"] in {"critical", "high", "medium", "low"}


def test_catalog_as_markdown_matches_the_committed_checklist_byte_for_byte(
    capsys: pytest.CaptureFixture[str],
) -> None:
    committed = REPO / "docs" / "checklist.md"
    code, out, _ = run(capsys, "catalog", "--format", "markdown")

    assert code == 0
    assert committed.is_file(), "run `readiness catalog --format markdown > docs/checklist.md`"
    assert out.encode("utf-8") == committed.read_bytes(), (
        "docs/checklist.md is stale: regenerate it with "
        "`readiness catalog --format markdown > docs/checklist.md`"
    )


# --- config check / schema -------------------------------------------------------------------


@pytest.mark.parametrize("fixture", GOOD_CONFIG_FIXTURES)
def test_config_check_accepts_a_good_config_with_exit_0_and_says_what_it_holds(
    capsys: pytest.CaptureFixture[str], fixture: str
) -> None:
    code, out, err = run(capsys, "config", "check", str(CONFIGS / fixture))

    assert code == 0
    assert f"{fixture}: ok: " in out
    assert err == ""


def test_the_bad_config_fixtures_are_all_found() -> None:
    assert len(BAD_CONFIG_FIXTURES) >= 14


@pytest.mark.parametrize("fixture", BAD_CONFIG_FIXTURES)
def test_config_check_refuses_a_bad_config_with_exit_2_and_a_message_on_stderr(
    capsys: pytest.CaptureFixture[str], fixture: str
) -> None:
    code, out, err = run(capsys, "config", "check", str(CONFIGS / fixture))

    assert code == 2
    assert out == ""
    assert err.startswith("readiness: error: ")
    assert fixture in err
    assert "Traceback" not in err
    assert "internal error" not in err


def test_config_check_of_a_missing_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "config", "check", str(tmp_path / "absent.yaml"))

    assert code == 2
    assert "absent.yaml: no such file" in err


def config_schema(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, _ = run(capsys, "config", "schema")
    assert code == 0
    schema: dict[str, Any] = json.loads(out)
    return schema


SMALL_GOOD_CONFIG: dict[str, Any] = {
    "services": [
        {
            "name": "wiki",
            "tier": "internal",
            "team": "tools",
            "dependencies": [{"name": "postgres", "timeout_key": "DB_TIMEOUT"}],
            "slo": {"latency_p95": "300ms", "error_rate": 0.001},
        }
    ],
    "tiers": {"internal": {"thresholds": {"min_replicas": 2, "restore_test_max_age": "30d"}}},
    "register": [
        {
            "service": "wiki",
            "item": "data.dr-plan",
            "kind": "planned",
            "owner": "alice",
            "plan": "write the DR plan",
            "due": "2026-12-01",
        }
    ],
    "sources": {"kubernetes": {"manifests": ["manifests/"]}},
    "state": {"path": "state.db"},
}


def test_config_schema_is_a_valid_draft_2020_12_json_schema(
    capsys: pytest.CaptureFixture[str],
) -> None:
    schema = config_schema(capsys)

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_config_schema_validates_a_small_good_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    schema = config_schema(capsys)
    path = tmp_path / "readiness.yaml"
    path.write_text(yaml.safe_dump(SMALL_GOOD_CONFIG), encoding="utf-8")
    load_config(path)  # the loader agrees that it is good

    jsonschema.Draft202012Validator(schema).validate(SMALL_GOOD_CONFIG)


def test_config_schema_rejects_an_unknown_top_level_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    validator = jsonschema.Draft202012Validator(config_schema(capsys))

    assert not validator.is_valid({**SMALL_GOOD_CONFIG, "servces": []})


def test_config_schema_accepts_an_error_rate_written_as_a_percentage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = json.loads(json.dumps(SMALL_GOOD_CONFIG))
    config["services"][0]["slo"]["error_rate"] = "0.1%"

    jsonschema.Draft202012Validator(config_schema(capsys)).validate(config)


def test_config_schema_rejects_an_error_rate_above_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = json.loads(json.dumps(SMALL_GOOD_CONFIG))
    config["services"][0]["slo"]["error_rate"] = 1.5

    assert not jsonschema.Draft202012Validator(config_schema(capsys)).is_valid(config)


# --- audit: exit codes -----------------------------------------------------------------------


def test_audit_exits_0_when_every_required_item_passes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "audit", "--config", str(READY), "--now", BEFORE_DUE)

    assert code == 0, out + err
    assert "Nothing to fix" in out


def test_audit_exits_1_when_a_required_item_is_an_unnamed_gap(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "audit", "--config", str(GAPS), "--now", BEFORE_DUE)

    assert code == 1
    assert "security.secrets-manager" in out


def test_audit_of_a_bad_config_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "audit", "--config", str(CONFIGS / "duplicate_service.yaml"))

    assert code == 2
    assert out == ""
    assert "duplicate_service.yaml:5: services[1].name: duplicate service 'wiki'" in err


def test_audit_rejects_a_now_that_is_not_a_time_with_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "audit", "--config", str(READY), "--now", "not-a-time")

    assert code == 2
    assert out == ""
    assert "'not-a-time' is not an ISO-8601 time" in err


def test_audit_rejects_an_unknown_service_with_exit_2_naming_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "audit", "--config", str(READY), "--service", "nope")

    assert code == 2
    assert out == ""
    assert "no service 'nope'" in err
    assert "known: wiki" in err


def test_audit_without_a_config_is_bad_usage_with_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["audit"])

    assert caught.value.code == 2
    assert "--config" in capsys.readouterr().err


def test_audit_of_one_service_reports_only_that_service(
    capsys: pytest.CaptureFixture[str],
) -> None:
    register = CONFIGS / "register_plan_due_2026_12_01.yaml"
    report = audit_json(capsys, register, "--service", "billing", "--now", BEFORE_DUE)

    assert [s["name"] for s in report["services"]] == ["billing"]
    assert {p["service"] for p in report["priorities"]} <= {"billing"}


# --- audit: JSON shape (DESIGN section 5) ----------------------------------------------------


def test_audit_json_has_the_keys_other_parts_rely_on(capsys: pytest.CaptureFixture[str]) -> None:
    report = audit_json(capsys, GAPS, "--now", BEFORE_DUE)

    assert {"generated_at", "services", "priorities"} <= set(report)
    assert report["services"], "the fixture has a service"
    for service in report["services"]:
        assert {"name", "tier", "score", "items"} <= set(service)
        for entry in service["items"]:
            assert {
                "id",
                "dimension",
                "status",
                "required",
                "summary",
                "evidence",
                "remediation",
            } <= set(entry)
    assert report["priorities"], "the gaps fixture has something to fix"
    for priority in report["priorities"]:
        assert {"rank", "service", "item", "status", "summary", "remediation"} <= set(priority)


def test_audit_json_lists_all_32_items_for_every_service(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = audit_json(capsys, GAPS, "--now", BEFORE_DUE)

    for service in report["services"]:
        assert [i["id"] for i in service["items"]] == CATALOG_IDS


def test_audit_json_values_have_the_documented_types(capsys: pytest.CaptureFixture[str]) -> None:
    report = audit_json(capsys, GAPS, "--now", BEFORE_DUE)

    (wiki,) = report["services"]
    assert (wiki["name"], wiki["tier"]) == ("wiki", "internal")
    assert 0.0 <= wiki["score"] <= 1.0
    for entry in wiki["items"]:
        assert entry["status"] in STATUSES
        assert isinstance(entry["required"], bool)
        assert isinstance(entry["evidence"], list)
    assert [p["rank"] for p in report["priorities"]] == list(
        range(1, len(report["priorities"]) + 1)
    )


def test_audit_json_ranks_unnamed_gaps_before_plans(capsys: pytest.CaptureFixture[str]) -> None:
    report = audit_json(capsys, GAPS, "--now", BEFORE_DUE)

    statuses = [p["status"] for p in report["priorities"]]
    assert statuses[0] == "fail"
    assert statuses[-1] == "planned"


# --- audit: --now ----------------------------------------------------------------------------


def test_audit_as_of_now_reports_that_instant_as_generated_at(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = audit_json(capsys, GAPS, "--now", BEFORE_DUE)

    assert report["generated_at"] == BEFORE_DUE


def test_audit_is_reproducible_for_the_same_now(capsys: pytest.CaptureFixture[str]) -> None:
    first = audit_json(capsys, GAPS, "--now", BEFORE_DUE)
    second = audit_json(capsys, GAPS, "--now", BEFORE_DUE)

    assert first == second


def test_a_plan_is_planned_before_its_due_date_and_overdue_after(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = audit_json(capsys, GAPS, "--now", BEFORE_DUE)
    after = audit_json(capsys, GAPS, "--now", AFTER_DUE)

    assert item(before, "wiki", "reliability.health-checks")["status"] == "planned"
    assert item(after, "wiki", "reliability.health-checks")["status"] == "overdue"


def test_a_bare_date_for_now_means_midnight_utc(capsys: pytest.CaptureFixture[str]) -> None:
    report = audit_json(capsys, GAPS, "--now", "2026-12-01")

    assert report["generated_at"] == "2026-12-01T00:00:00Z"
    assert item(report, "wiki", "reliability.health-checks")["status"] == "planned"


def test_a_planned_items_summary_quotes_the_due_date_as_written_in_the_register(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = audit_json(capsys, GAPS, "--now", BEFORE_DUE)
    after = audit_json(capsys, GAPS, "--now", AFTER_DUE)

    # The plan lapses at the end of its due day, but people wrote, and expect to read, the day.
    assert "due 2026-12-01" in item(before, "wiki", "reliability.health-checks")["summary"]
    assert "was due 2026-12-01" in item(after, "wiki", "reliability.health-checks")["summary"]


# --- audit: HTML -----------------------------------------------------------------------------


def test_markup_from_annotations_reaches_the_report_as_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Guard for the HTML test below: the hostile text must be in the report to be escaped.
    code, out, _ = run(capsys, "audit", "--config", str(HOSTILE), "--format", "json")

    assert code in (0, 1)
    assert out.count("<script>alert(1)</script>") >= 2


def test_html_report_escapes_markup_from_manifest_and_alert_annotations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, page, _ = run(capsys, "audit", "--config", str(HOSTILE), "--format", "html")
    _, clean_page, _ = run(capsys, "audit", "--config", str(READY), "--format", "html")

    assert code in (0, 1)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    # Whatever script the page ships itself, hostile evidence adds none.
    assert page.lower().count("<script") == clean_page.lower().count("<script")


def test_html_report_can_be_written_to_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "report.html"

    code, out, _ = run(
        capsys, "audit", "--config", str(READY), "--format", "html", "--output", str(target)
    )

    assert code == 0
    assert out == ""
    assert target.read_text(encoding="utf-8").startswith("<!doctype html>")


# --- the installed console script ------------------------------------------------------------


def readiness_command() -> list[str]:
    script = Path(sys.executable).parent / "readiness"
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor.cli"]


@pytest.mark.integration
def test_the_console_script_refuses_a_bad_config_with_exit_2_and_no_traceback() -> None:
    bad = CONFIGS / "service_on_unknown_tier.yaml"

    done = subprocess.run(
        [*readiness_command(), "config", "check", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert (
        "service_on_unknown_tier.yaml:6: services[1].tier: unknown tier 'gold' "
        "(known: critical, internal, standard)"
    ) in done.stderr


@pytest.mark.parametrize(
    ("args", "committed"),
    [
        (("config", "schema"), "config.schema.json"),
        (("config", "schema", "--format", "markdown"), "configuration.md"),
    ],
    ids=["json-schema", "reference"],
)
def test_the_committed_config_docs_match_the_generated_ones(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], committed: str
) -> None:
    code, out, _ = run(capsys, *args)
    assert code == 0
    assert out.encode("utf-8") == (REPO / "docs" / committed).read_bytes(), (
        f"docs/{committed} is stale: regenerate it with `make docs`"
    )
