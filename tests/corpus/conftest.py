"""Third-party corpora under tests/data, parsed once per session.

The files and the counts the tests expect are described in tests/data/SOURCES.md (the rule
counts) and shared/data/SOURCES.md (the per-source workload table). Parsing the 112 awesome-
prometheus-alerts files takes a moment, so every corpus is read once and shared.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.evidence import Rule
from monitor.sources.kube_objects import Collected
from monitor.sources.offline import ManifestFiles
from monitor.sources.rules import read_rule_file

DATA = Path(__file__).resolve().parents[1] / "data"
RULES = DATA / "prometheus-rules"
WORKLOADS = DATA / "k8s-workloads"
ALERTMANAGER = DATA / "alertmanager"


def rule_files(corpus: str) -> list[Path]:
    root = RULES / corpus
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def read_corpus(corpus: str) -> list[Rule]:
    return [rule for path in rule_files(corpus) for rule in read_rule_file(path)]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def kube_prometheus_rules() -> list[Rule]:
    return read_corpus("kube-prometheus")


@pytest.fixture(scope="session")
def awesome_prometheus_alerts_rules() -> list[Rule]:
    return read_corpus("awesome-prometheus-alerts/dist/rules")


@pytest.fixture(scope="session")
def openshift_rules() -> list[Rule]:
    return read_corpus("openshift-cluster-monitoring-operator")


@pytest.fixture(scope="session")
def thanos_rules() -> list[Rule]:
    return read_corpus("thanos")


@pytest.fixture(scope="session")
def all_workload_objects() -> Collected:
    """Every manifest under k8s-workloads/, read the way `readiness audit` reads a folder."""
    return ManifestFiles(["."], WORKLOADS).fetch()
