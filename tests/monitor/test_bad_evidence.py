"""Bad evidence files: only the items that need the bad source go `unknown`, saying why.

DESIGN section 3: "A source that fails makes only the items that need it `unknown`, with the
reason; everything else still evaluates." Section 7: bad manifests, rule files and Alertmanager
configs give a clear message and an `unknown`, never a traceback or a silent pass.

Every case swaps one good file of the alpha/beta fleet for a bad one; the first test shows the
good fleet has no `unknown` at all, so each `unknown` below is caused by the swapped file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml

from checks.evaluate import EVALUATORS
from checks.evidence import ALERTMANAGER, KUBERNETES, PROMETHEUS
from checks.model import ItemResult, Report, Status
from monitor.catalog import load_catalog
from monitor.engine import audit
from monitor.settings import load_config

EVIDENCE = Path(__file__).parent / "fixtures" / "evidence"
GOOD_MANIFESTS = str(EVIDENCE / "manifests_alpha_beta")
GOOD_RULES = str(EVIDENCE / "rules_alpha_beta.yaml")
GOOD_ALERTMANAGER = str(EVIDENCE / "alertmanager_routes_by_severity.yml")
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def items_needing(source: str) -> set[str]:
    return {
        item.id
        for item in load_catalog().items
        if any(source in EVALUATORS[name].sources for name in item.evaluators)
    }


KUBE_ITEMS = items_needing(KUBERNETES)
PROMETHEUS_ITEMS = items_needing(PROMETHEUS)
ALERTMANAGER_ITEMS = items_needing(ALERTMANAGER)
PROMETHEUS_ONLY_ITEMS = PROMETHEUS_ITEMS - KUBE_ITEMS - ALERTMANAGER_ITEMS


def audit_fleet(
    tmp_path: Path,
    manifests: list[str] | None = None,
    rule_files: list[str] | None = None,
    alertmanager: str = GOOD_ALERTMANAGER,
) -> Report:
    """Two critical-tier services, alpha and beta, each in its own namespace."""
    slo = {"latency_p95": "300ms", "error_rate": "0.1%"}
    config = {
        "services": [
            {"name": "alpha", "tier": "critical", "team": "payments", "slo": slo},
            {"name": "beta", "tier": "critical", "team": "payments", "slo": slo},
        ],
        "sources": {
            "kubernetes": {"manifests": manifests or [GOOD_MANIFESTS]},
            "prometheus": {"rule_files": rule_files or [GOOD_RULES]},
            "alertmanager": {"config_file": alertmanager},
        },
    }
    path = tmp_path / "readiness.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    report, errors, _ = audit(load_config(path), NOW)
    assert errors == [], "no evaluator may crash on bad evidence"
    return report


def results(report: Report, service: str) -> dict[str, ItemResult]:
    (svc,) = [s for s in report.services if s.service.name == service]
    return {r.item.id: r for r in svc.items}


def unknown(report: Report, service: str) -> dict[str, str]:
    return {i: r.summary for i, r in results(report, service).items() if r.status is Status.UNKNOWN}


def test_the_item_sets_by_source_are_what_the_catalog_says() -> None:
    assert "reliability.health-checks" in KUBE_ITEMS
    assert "observability.alert-runbooks" in PROMETHEUS_ONLY_ITEMS
    assert "incident.severity-escalation" in ALERTMANAGER_ITEMS
    assert not KUBE_ITEMS & PROMETHEUS_ONLY_ITEMS


def test_the_good_fleet_has_no_unknown_items(tmp_path: Path) -> None:
    report = audit_fleet(tmp_path)

    assert unknown(report, "alpha") == {}
    assert unknown(report, "beta") == {}
    for item_id in PROMETHEUS_ONLY_ITEMS | ALERTMANAGER_ITEMS:
        assert results(report, "alpha")[item_id].status is Status.PASS, item_id


# --- manifests -------------------------------------------------------------------------------


def test_an_unparseable_manifest_makes_only_kubernetes_items_unknown_naming_file_and_line(
    tmp_path: Path,
) -> None:
    report = audit_fleet(
        tmp_path, manifests=[GOOD_MANIFESTS, str(EVIDENCE / "manifest_unparseable.yaml")]
    )

    for service in ("alpha", "beta"):
        found = unknown(report, service)
        assert set(found) == KUBE_ITEMS
        for summary in found.values():
            assert "manifest_unparseable.yaml:8" in summary


def test_an_unparseable_manifest_leaves_prometheus_items_evaluated(tmp_path: Path) -> None:
    report = audit_fleet(
        tmp_path, manifests=[GOOD_MANIFESTS, str(EVIDENCE / "manifest_unparseable.yaml")]
    )

    for item_id in PROMETHEUS_ONLY_ITEMS | ALERTMANAGER_ITEMS:
        assert results(report, "alpha")[item_id].status is Status.PASS, item_id


def test_a_deployment_without_containers_makes_its_namespaces_kubernetes_items_unknown(
    tmp_path: Path,
) -> None:
    report = audit_fleet(
        tmp_path,
        manifests=[GOOD_MANIFESTS, str(EVIDENCE / "deployment_alpha_without_containers.yaml")],
    )

    found = unknown(report, "alpha")
    assert set(found) == KUBE_ITEMS
    for summary in found.values():
        assert "deployment_alpha_without_containers.yaml:1" in summary
        assert "Deployment alpha/alpha-worker" in summary
        assert "spec.template.spec.containers" in summary


def test_a_deployment_without_containers_leaves_other_namespaces_alone(tmp_path: Path) -> None:
    report = audit_fleet(
        tmp_path,
        manifests=[GOOD_MANIFESTS, str(EVIDENCE / "deployment_alpha_without_containers.yaml")],
    )

    assert unknown(report, "beta") == {}
    assert results(report, "beta")["reliability.health-checks"].status is Status.PASS
    assert results(report, "beta")["delivery.pinned-artifacts"].status is Status.PASS


def test_a_manifests_glob_matching_nothing_makes_kubernetes_items_unknown_saying_so(
    tmp_path: Path,
) -> None:
    report = audit_fleet(tmp_path, manifests=[str(tmp_path / "nothing-here" / "*.yaml")])

    found = unknown(report, "alpha")
    assert set(found) == KUBE_ITEMS
    for summary in found.values():
        assert "nothing-here/*.yaml" in summary
        assert "matched no files" in summary


# --- rule files ------------------------------------------------------------------------------


def test_a_rule_file_whose_groups_is_a_number_makes_prometheus_items_unknown_naming_it(
    tmp_path: Path,
) -> None:
    report = audit_fleet(tmp_path, rule_files=[str(EVIDENCE / "rules_groups_is_a_number.yaml")])

    found = unknown(report, "alpha")
    assert set(found) == PROMETHEUS_ITEMS
    for summary in found.values():
        assert "rules_groups_is_a_number.yaml" in summary
    assert "groups must be a list" in found["observability.alert-runbooks"]


def test_a_bad_rule_file_leaves_kubernetes_items_evaluated(tmp_path: Path) -> None:
    report = audit_fleet(tmp_path, rule_files=[str(EVIDENCE / "rules_groups_is_a_number.yaml")])

    assert results(report, "alpha")["reliability.health-checks"].status is Status.PASS
    assert not KUBE_ITEMS & set(unknown(report, "alpha"))


# --- alertmanager ----------------------------------------------------------------------------


def test_an_alertmanager_config_without_route_makes_its_items_unknown_naming_it(
    tmp_path: Path,
) -> None:
    report = audit_fleet(tmp_path, alertmanager=str(EVIDENCE / "alertmanager_without_route.yml"))

    found = unknown(report, "alpha")
    assert set(found) == ALERTMANAGER_ITEMS
    for summary in found.values():
        assert "alertmanager_without_route.yml" in summary
        assert "no top-level route" in summary


def test_a_bad_alertmanager_config_leaves_prometheus_only_items_evaluated(
    tmp_path: Path,
) -> None:
    report = audit_fleet(tmp_path, alertmanager=str(EVIDENCE / "alertmanager_without_route.yml"))

    for item_id in PROMETHEUS_ONLY_ITEMS:
        assert results(report, "alpha")[item_id].status is Status.PASS, item_id


def test_an_alertmanager_config_with_bad_child_routes_names_the_file_once(
    tmp_path: Path,
) -> None:
    report = audit_fleet(
        tmp_path, alertmanager=str(EVIDENCE / "alertmanager_child_routes_is_a_number.yml")
    )

    summary = unknown(report, "alpha")["incident.severity-escalation"]
    assert "route.routes must be a list" in summary
    assert summary.count("alertmanager_child_routes_is_a_number.yml") == 1


def test_an_alertmanager_config_whose_receivers_is_a_number_is_unknown_not_a_crash(
    tmp_path: Path,
) -> None:
    report = audit_fleet(
        tmp_path, alertmanager=str(EVIDENCE / "alertmanager_receivers_is_a_number.yml")
    )

    assert (
        "alertmanager_receivers_is_a_number.yml"
        in (unknown(report, "alpha")["incident.severity-escalation"])
    )


def test_an_alertmanager_receiver_with_a_numeric_key_is_unknown_not_a_crash(
    tmp_path: Path,
) -> None:
    report = audit_fleet(
        tmp_path, alertmanager=str(EVIDENCE / "alertmanager_receiver_with_numeric_key.yml")
    )

    assert results(report, "alpha")["incident.severity-escalation"].status in (
        Status.UNKNOWN,
        Status.FAIL,
    )


def test_an_alertmanager_secret_whose_string_data_is_a_list_is_unknown_not_a_crash(
    tmp_path: Path,
) -> None:
    report = audit_fleet(
        tmp_path, alertmanager=str(EVIDENCE / "alertmanager_secret_string_data_is_a_list.yml")
    )

    assert (
        "alertmanager_secret_string_data_is_a_list.yml"
        in (unknown(report, "alpha")["incident.severity-escalation"])
    )


def test_a_manifest_with_a_tag_yaml_cannot_construct_is_unknown_not_a_crash(
    tmp_path: Path,
) -> None:
    report = audit_fleet(
        tmp_path,
        manifests=[GOOD_MANIFESTS, str(EVIDENCE / "manifest_with_unconstructible_tag.yaml")],
    )

    assert (
        "manifest_with_unconstructible_tag.yaml"
        in (unknown(report, "alpha")["reliability.health-checks"])
    )
