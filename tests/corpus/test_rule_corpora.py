"""Real rule and Alertmanager corpora through the readers and the observability/incident evaluators.

Expected counts are the ones tests/data/SOURCES.md records ("Alerting-rule counts"), so a reader
that drops, duplicates or misreads rules shows up as a number that moved.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checks.context import Context, EvaluatorSpec
from checks.evidence import AlertmanagerConfig, FleetEvidence, Rule
from checks.incident import severity_routing
from checks.model import Finding, Outcome, ServiceSpec, Thresholds, TierPolicy
from checks.observability import alert_runbook_annotations
from monitor.sources.alertmanager import read_config_file
from monitor.sources.rules import RuleFileError, read_rule_file

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
POLICY = TierPolicy("standard", 2, frozenset({"*"}), frozenset(), Thresholds())
# A service that owns every rule it can see: alert_match {} matches all of them.
EVERYTHING = ServiceSpec("platform", "standard", "sre", "monitoring", {}, {})


def alerts_of(rules: list[Rule]) -> list[Rule]:
    return [r for r in rules if r.kind == "alert"]


def with_runbook(rules: list[Rule]) -> list[Rule]:
    return [r for r in alerts_of(rules) if r.annotations.get("runbook_url", "").strip()]


def evaluate(
    spec: EvaluatorSpec, rules: list[Rule], config: AlertmanagerConfig | None = None
) -> Finding:
    evidence = FleetEvidence(rules=rules, alertmanager=config).for_service(EVERYTHING)
    return spec.fn(Context(EVERYTHING, POLICY, evidence, NOW))


# --- kube-prometheus -----------------------------------------------------------------------


def test_kube_prometheus_has_139_alerts_all_with_a_runbook_and_95_recording_rules(
    kube_prometheus_rules: list[Rule],
) -> None:
    assert len(alerts_of(kube_prometheus_rules)) == 139
    assert len(with_runbook(kube_prometheus_rules)) == 139
    assert sum(r.kind == "record" for r in kube_prometheus_rules) == 95


def test_kube_prometheus_rules_keep_the_namespace_of_their_prometheusrule(
    kube_prometheus_rules: list[Rule],
) -> None:
    assert {r.namespace for r in kube_prometheus_rules} == {"monitoring"}


def test_kube_prometheus_duplicate_alert_names_are_all_kept(
    kube_prometheus_rules: list[Rule],
) -> None:
    by_name = Counter(r.name for r in alerts_of(kube_prometheus_rules))
    assert by_name["KubeAPIErrorBudgetBurn"] == 4
    assert by_name["NodeFilesystemSpaceFillingUp"] == 2
    burns = [r for r in kube_prometheus_rules if r.name == "KubeAPIErrorBudgetBurn"]
    assert Counter(r.labels["severity"] for r in burns) == {"critical": 2, "warning": 2}


def test_alert_runbooks_pass_over_kube_prometheus(kube_prometheus_rules: list[Rule]) -> None:
    finding = evaluate(alert_runbook_annotations, kube_prometheus_rules)
    assert finding.outcome is Outcome.PASS
    assert finding.summary == "all 139 alerting rules link a runbook"


# --- awesome-prometheus-alerts -------------------------------------------------------------


def test_awesome_prometheus_alerts_has_954_alerts_in_111_of_112_files_none_with_a_runbook(
    data_dir: Path, awesome_prometheus_alerts_rules: list[Rule]
) -> None:
    files = sorted(
        (data_dir / "prometheus-rules/awesome-prometheus-alerts/dist/rules").rglob("*.yml")
    )
    assert len(files) == 112
    assert sum(1 for f in files if read_rule_file(f)) == 111
    assert len(alerts_of(awesome_prometheus_alerts_rules)) == 954
    assert with_runbook(awesome_prometheus_alerts_rules) == []
    assert all(r.kind == "alert" for r in awesome_prometheus_alerts_rules)


def test_alert_runbooks_fail_over_awesome_prometheus_alerts_counting_all_954(
    awesome_prometheus_alerts_rules: list[Rule],
) -> None:
    finding = evaluate(alert_runbook_annotations, awesome_prometheus_alerts_rules)
    assert finding.outcome is Outcome.FAIL
    assert finding.summary.startswith("954 of 954 alerting rules have no runbook_url: ")
    assert finding.summary.endswith(" more")
    assert len(finding.evidence) == 50, "evidence is capped, the count is not"


def test_a_group_whose_rules_are_null_parses_to_no_rules(data_dir: Path) -> None:
    path = data_dir / (
        "prometheus-rules/awesome-prometheus-alerts/dist/rules/zookeeper/"
        "cloudflare-kafka-zookeeper-exporter.yml"
    )
    assert read_rule_file(path) == []


def test_a_runbook_link_in_a_yaml_comment_is_not_an_annotation(data_dir: Path) -> None:
    path = (
        data_dir
        / "prometheus-rules/awesome-prometheus-alerts/dist/rules/spinnaker/embedded-exporter.yml"
    )
    assert "runbooks" in path.read_text(encoding="utf-8")
    rules = read_rule_file(path)
    assert len(rules) == 12
    assert with_runbook(rules) == []


# --- openshift -----------------------------------------------------------------------------


def test_openshift_has_124_alerts_33_with_a_runbook_and_140_recording_rules(
    openshift_rules: list[Rule],
) -> None:
    assert len(alerts_of(openshift_rules)) == 124
    assert len(with_runbook(openshift_rules)) == 33
    assert sum(r.kind == "record" for r in openshift_rules) == 140


OPENSHIFT_FILES = [
    ("assets/cluster-monitoring-operator/prometheus-rule.yaml", 9, 4),
    ("assets/control-plane/prometheus-rule.yaml", 34, 4),
    ("assets/node-exporter/prometheus-rule.yaml", 22, 12),
    ("assets/prometheus-k8s/prometheus-rule.yaml", 22, 6),
    ("assets/prometheus-k8s/prometheus-rule-thanos-sidecar.yaml", 2, 0),
    ("assets/prometheus-operator/prometheus-rule.yaml", 9, 1),
    ("assets/alertmanager/prometheus-rule.yaml", 6, 3),
    ("assets/thanos-ruler/thanos-ruler-prometheus-rule.yaml", 11, 2),
    ("assets/thanos-querier/prometheus-rule.yaml", 6, 0),
    ("assets/kube-state-metrics/prometheus-rule.yaml", 2, 0),
    ("assets/telemeter-client/prometheus-rule.yaml", 1, 1),
]


@pytest.mark.parametrize(
    ("relative", "alerts", "runbooks"),
    OPENSHIFT_FILES,
    ids=[
        path.split("/")[1] + ("-thanos-sidecar" if "sidecar" in path else "")
        for path, _, _ in OPENSHIFT_FILES
    ],
)
def test_openshift_runbook_coverage_per_file(
    data_dir: Path, relative: str, alerts: int, runbooks: int
) -> None:
    rules = read_rule_file(
        data_dir / "prometheus-rules/openshift-cluster-monitoring-operator" / relative
    )
    assert (len(alerts_of(rules)), len(with_runbook(rules))) == (alerts, runbooks)


def test_alert_runbooks_fail_over_openshift_with_91_of_124_missing(
    openshift_rules: list[Rule],
) -> None:
    finding = evaluate(alert_runbook_annotations, openshift_rules)
    assert finding.outcome is Outcome.FAIL
    assert finding.summary.startswith("91 of 124 alerting rules have no runbook_url: ")


def test_alert_match_slices_the_openshift_rules_by_label(
    openshift_rules: list[Rule],
) -> None:
    by_severity = Counter(r.labels.get("severity") for r in alerts_of(openshift_rules))
    critical_only = ServiceSpec(
        "platform", "critical", "sre", "monitoring", {}, {"severity": "critical"}
    )
    evidence = FleetEvidence(rules=openshift_rules).for_service(critical_only)
    assert len(evidence.alerts) == by_severity["critical"] == 11


# --- thanos --------------------------------------------------------------------------------


def test_thanos_has_48_alerts_all_with_a_runbook_and_16_recording_rules(
    thanos_rules: list[Rule],
) -> None:
    assert len(alerts_of(thanos_rules)) == 48
    assert len(with_runbook(thanos_rules)) == 48
    assert sum(r.kind == "record" for r in thanos_rules) == 16


def test_alert_runbooks_pass_over_thanos(thanos_rules: list[Rule]) -> None:
    finding = evaluate(alert_runbook_annotations, thanos_rules)
    assert finding.outcome is Outcome.PASS
    assert finding.summary == "all 48 alerting rules link a runbook"


def test_the_prometheusrule_crd_is_rejected_as_not_a_rule_file(data_dir: Path) -> None:
    with pytest.raises(RuleFileError, match=r"no 'groups' \(not a Prometheus rule file\)"):
        read_rule_file(data_dir / "prometheus-rules/crd/monitoring.coreos.com_prometheusrules.yaml")


# --- Alertmanager configs and severity routing ---------------------------------------------


def alertmanager_config(data_dir: Path, relative: str) -> AlertmanagerConfig:
    return read_config_file(data_dir / "alertmanager" / relative)


CONFIGS = [
    pytest.param("prometheus-alertmanager/doc_examples_simple.yml", 5, 8, id="doc-simple"),
    pytest.param(
        "prometheus-alertmanager/doc_examples_route_labels.yml", 3, 3, id="doc-route-labels"
    ),
    pytest.param("prometheus-alertmanager/config_testdata_conf.good.yml", 9, 8, id="conf-good"),
    pytest.param("prometheus-alertmanager/cli_testdata_conf.routing.yml", 3, 3, id="cli-routing"),
    pytest.param("kube-prometheus/alertmanager-secret.yaml", 4, 4, id="kube-prometheus-secret"),
]


@pytest.mark.parametrize(("relative", "receivers", "routes"), CONFIGS)
def test_alertmanager_configs_flatten_to_their_receivers_and_route_nodes(
    data_dir: Path, relative: str, receivers: int, routes: int
) -> None:
    config = alertmanager_config(data_dir, relative)
    assert (len(config.receivers), len(config.routes)) == (receivers, routes)


def test_doc_examples_simple_routes_critical_severity_to_pagers_only_under_service_routes(
    data_dir: Path,
) -> None:
    config = alertmanager_config(data_dir, "prometheus-alertmanager/doc_examples_simple.yml")
    nested = [
        (parent.matchers, child.receiver)
        for parent, child in zip(config.routes, config.routes[1:], strict=False)
        if child.matchers == ("severity=critical",)
    ]
    assert nested == [
        (("service=~foo1|foo2|baz",), "team-X-pager"),
        (("service=files",), "team-Y-pager"),
    ]
    assert all(r.depth == 2 for r in config.routes if r.matchers == ("severity=critical",))
    assert config.receivers["team-X-pager"] == ("email", "pagerduty")
    assert config.receivers["team-Y-pager"] == ("pagerduty",)
    assert config.routes[0].receiver == "team-X-mails"
    assert config.receivers["team-X-mails"] == ("email",)


def test_kube_prometheus_alerts_carry_no_service_label(kube_prometheus_rules: list[Rule]) -> None:
    assert [r.name for r in kube_prometheus_rules if "service" in r.labels] == []


def test_severity_routes_the_service_alerts_cannot_reach_do_not_count(
    data_dir: Path, kube_prometheus_rules: list[Rule]
) -> None:
    config = alertmanager_config(data_dir, "prometheus-alertmanager/doc_examples_simple.yml")
    finding = evaluate(severity_routing, kube_prometheus_rules, config)
    assert finding.outcome is Outcome.FAIL
    # Its severity routes sit under service=~foo1|foo2|baz and service=files, which
    # kube-prometheus alerts never carry: they land on the root's email receiver.
    assert "routes none of the service's alerts on severity" in finding.summary
    assert (
        "AlertmanagerFailedReload (severity critical) -> team-X-mails (email)" in finding.evidence
    )


def test_severity_routing_fails_for_the_kube_prometheus_secret_whose_receivers_do_nothing(
    data_dir: Path, kube_prometheus_rules: list[Rule]
) -> None:
    config = alertmanager_config(data_dir, "kube-prometheus/alertmanager-secret.yaml")
    assert config.origin == "alertmanager-secret.yaml (Secret)"
    assert dict(config.receivers) == {"Default": (), "Watchdog": (), "Critical": (), "null": ()}
    finding = evaluate(severity_routing, kube_prometheus_rules, config)
    assert finding.outcome is Outcome.FAIL
    # Severity does route (critical -> Critical), but every receiver is an empty stub.
    assert finding.summary.startswith(
        "139 alerts of 139 route to receivers with no integration: AlertmanagerClusterCrashlooping"
    )
    assert "routes none of the service's alerts on severity" not in finding.summary
    assert (
        "AlertmanagerClusterCrashlooping (severity critical) -> Critical (no integration)"
        in finding.evidence
    )


@pytest.mark.parametrize(
    "relative",
    [
        "prometheus-alertmanager/doc_examples_route_labels.yml",
        "prometheus-alertmanager/cli_testdata_conf.routing.yml",
    ],
    ids=["doc-route-labels", "cli-routing"],
)
def test_severity_routing_fails_for_configs_that_never_route_on_severity(
    data_dir: Path, relative: str, thanos_rules: list[Rule]
) -> None:
    config = alertmanager_config(data_dir, relative)
    finding = evaluate(severity_routing, thanos_rules, config)
    assert finding.outcome is Outcome.FAIL
    assert (
        f"Alertmanager ({Path(relative).name}) routes none of the service's alerts on severity"
        in finding.summary
    )
