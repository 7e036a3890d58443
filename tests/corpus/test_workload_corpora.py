"""Real manifests through ManifestFiles, FleetEvidence and the workload evaluators.

Expected numbers are the k8s-workloads table of shared/data/SOURCES.md: 47 workload objects
(38 Deployments, 4 StatefulSets, 5 DaemonSets) with 55 containers, init containers included,
and per source the probe, resource and image-reference counts.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checks.capacity import resource_limits
from checks.context import Context, EvaluatorSpec
from checks.delivery import image_digests
from checks.evidence import FleetEvidence, Workload
from checks.model import Finding, Outcome, ServiceSpec, Thresholds, TierPolicy
from checks.reliability import probes
from checks.security import rbac_and_root
from monitor.sources.kube_objects import Collected
from monitor.sources.offline import ManifestFiles
from monitor.yamlio import load_documents

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
POLICY = TierPolicy("standard", 2, frozenset({"*"}), frozenset(), Thresholds())


def fetch(data_dir: Path, source: str) -> Collected:
    return ManifestFiles([source], data_dir / "k8s-workloads").fetch()


def whole_namespace(
    name: str, namespace: str, selector: dict[str, str] | None = None
) -> ServiceSpec:
    return ServiceSpec(name, "standard", "team", namespace, selector or {}, {})


def evaluate(spec: EvaluatorSpec, found: Collected, svc: ServiceSpec) -> Finding:
    fleet = FleetEvidence(
        workloads=found.workloads,
        pdbs=found.pdbs,
        autoscalers=found.autoscalers,
        configmaps=found.configmaps,
        bindings=found.bindings,
        roles=found.roles,
        problems=found.problems,
    )
    return spec.fn(Context(svc, POLICY, fleet.for_service(svc), NOW))


def source_of(w: Workload) -> str:
    return w.ref.origin.split("/", 1)[0]


# --- what the reader finds -----------------------------------------------------------------


def test_the_workload_corpus_holds_47_workloads_with_55_containers(
    all_workload_objects: Collected,
) -> None:
    assert all_workload_objects.problems == []
    kinds = Counter(w.kind for w in all_workload_objects.workloads)
    assert kinds == {"Deployment": 38, "StatefulSet": 4, "DaemonSet": 5}
    containers = [c for w in all_workload_objects.workloads for c in w.containers]
    assert len(containers) == 55
    assert sum(c.init for c in containers) == 2


def test_operator_resources_and_jobs_are_ignored_not_mistaken_for_workloads(
    all_workload_objects: Collected,
) -> None:
    ignored = all_workload_objects.ignored
    assert (ignored["Alertmanager"], ignored["Prometheus"], ignored["Job"]) == (1, 1, 2)


SOURCE_TABLE = [
    # source, kinds, containers, liveness, readiness, with limits, with requests
    pytest.param(
        "microservices-demo", {"Deployment": 12}, 13, 11, 11, 12, 12, id="microservices-demo"
    ),
    pytest.param(
        "kube-prometheus", {"Deployment": 5, "DaemonSet": 1}, 12, 1, 2, 12, 12, id="kube-prometheus"
    ),
    pytest.param(
        "kubernetes-examples",
        {"Deployment": 20, "StatefulSet": 4, "DaemonSet": 4},
        29,
        2,
        2,
        6,
        8,
        id="kubernetes-examples",
    ),
    pytest.param("ingress-nginx", {"Deployment": 1}, 1, 1, 1, 0, 1, id="ingress-nginx"),
]


@pytest.mark.parametrize(
    ("source", "kinds", "containers", "liveness", "readiness", "limits", "requests"), SOURCE_TABLE
)
def test_each_source_matches_the_sources_table(
    all_workload_objects: Collected,
    source: str,
    kinds: dict[str, int],
    containers: int,
    liveness: int,
    readiness: int,
    limits: int,
    requests: int,
) -> None:
    workloads = [w for w in all_workload_objects.workloads if source_of(w) == source]
    found = [c for w in workloads for c in w.containers]
    assert Counter(w.kind for w in workloads) == kinds
    assert (
        len(found),
        sum(c.liveness_probe for c in found),
        sum(c.readiness_probe for c in found),
        sum(bool(c.limits) for c in found),
        sum(bool(c.requests) for c in found),
    ) == (containers, liveness, readiness, limits, requests)


@pytest.mark.parametrize(
    ("relative", "name"),
    [
        ("kubernetes-examples/_archived/volumes/flexvolume/deploy/ds.yaml", "flex-ds"),
        (
            "kubernetes-examples/_archived/newrelic-infrastructure/newrelic-infra-daemonset.yaml",
            "newrelic-infra-agent",
        ),
    ],
    ids=["flexvolume", "newrelic-infrastructure"],
)
def test_extensions_v1beta1_daemonsets_still_parse(
    data_dir: Path, all_workload_objects: Collected, relative: str, name: str
) -> None:
    (document,) = load_documents(data_dir / "k8s-workloads" / relative)
    assert document.data["apiVersion"] == "extensions/v1beta1"
    (daemonset,) = [w for w in all_workload_objects.workloads if w.ref.name == name]
    assert daemonset.kind == "DaemonSet"
    assert daemonset.replicas is None
    assert len(daemonset.containers) == 1


# --- microservices-demo, namespace default, whole namespace --------------------------------

BOUTIQUE = whole_namespace("online-boutique", "default")


@pytest.fixture(scope="module")
def boutique(data_dir: Path) -> Collected:
    return fetch(data_dir, "microservices-demo")


def test_boutique_probes_fail_naming_the_one_deployment_without_them(boutique: Collected) -> None:
    finding = evaluate(probes, boutique, BOUTIQUE)
    assert finding.outcome is Outcome.FAIL
    assert (
        finding.summary == "1 container of 12 lack probes: Deployment/loadgenerator container main"
    )


def test_boutique_probes_ignore_the_init_container(boutique: Collected) -> None:
    finding = evaluate(probes, boutique, BOUTIQUE)
    assert "frontend-check" not in " ".join(finding.evidence)


def test_boutique_images_are_tags_except_the_pinned_init_container(boutique: Collected) -> None:
    finding = evaluate(image_digests, boutique, BOUTIQUE)
    assert finding.outcome is Outcome.FAIL
    assert finding.summary.startswith("12 of 13 images not pinned by digest: ")
    assert "Deployment/redis-cart/redis: redis:alpine" in finding.evidence
    assert not any("frontend-check" in line for line in finding.evidence)


def test_boutique_resource_limits_fail_only_on_the_init_container(boutique: Collected) -> None:
    finding = evaluate(resource_limits, boutique, BOUTIQUE)
    assert finding.outcome is Outcome.FAIL
    assert finding.summary == (
        "1 of 13 containers lack requests or limits: Deployment/loadgenerator/frontend-check"
    )


def test_a_selector_narrows_boutique_to_one_passing_deployment(boutique: Collected) -> None:
    frontend = whole_namespace("frontend", "default", {"app": "frontend"})
    finding = evaluate(probes, boutique, frontend)
    assert finding.outcome is Outcome.PASS
    assert finding.summary == "readiness and liveness probes on all 1 container"


# --- kubernetes/examples, namespace default ------------------------------------------------

EXAMPLES = whole_namespace("examples", "default")


@pytest.fixture(scope="module")
def examples(data_dir: Path) -> Collected:
    return fetch(data_dir, "kubernetes-examples")


def test_examples_probes_fail_for_25_of_27_containers(examples: Collected) -> None:
    finding = evaluate(probes, examples, EXAMPLES)
    assert finding.outcome is Outcome.FAIL
    assert finding.summary.startswith("25 containers of 27 lack probes: ")
    probed = {w.ref.name for w in examples.workloads if w.ref.namespace == "default"} - {
        line.split(" ")[0].split("/")[1] for line in finding.evidence
    }
    assert probed == {"selenium-hub", "cassandra"}


def test_examples_images_are_all_floating_including_the_placeholder(examples: Collected) -> None:
    finding = evaluate(image_digests, examples, EXAMPLES)
    assert finding.outcome is Outcome.FAIL
    assert finding.summary.startswith("28 of 28 images not pinned by digest: ")
    assert "DaemonSet/flex-ds/flex-deploy: <image_url>" in finding.evidence
    images = [line.split(": ", 1)[1] for line in finding.evidence]
    assert sum(i.endswith(":latest") for i in images) == 2
    untagged = [i for i in images if ":" not in i.rsplit("/", 1)[-1]]
    assert len(untagged) == 11
    assert {"nginx", "redis", "busybox", "<image_url>"} <= set(untagged)


def test_examples_resource_limits_pass_for_only_three_containers(examples: Collected) -> None:
    finding = evaluate(resource_limits, examples, EXAMPLES)
    assert finding.outcome is Outcome.FAIL
    assert finding.summary.startswith("25 of 28 containers lack requests or limits: ")


# --- ingress-nginx and kube-prometheus -----------------------------------------------------

CONTROLLER = whole_namespace(
    "ingress-nginx", "ingress-nginx", {"app.kubernetes.io/component": "controller"}
)


@pytest.fixture(scope="module")
def ingress_nginx(data_dir: Path) -> Collected:
    return fetch(data_dir, "ingress-nginx")


@pytest.mark.parametrize(
    ("spec", "outcome", "summary"),
    [
        pytest.param(
            image_digests, Outcome.PASS, "all 1 image pinned by digest", id="image-digests"
        ),
        pytest.param(
            probes, Outcome.PASS, "readiness and liveness probes on all 1 container", id="probes"
        ),
        pytest.param(
            resource_limits,
            Outcome.FAIL,
            "1 of 1 container lack requests or limits: "
            "Deployment/ingress-nginx-controller/controller",
            id="resource-limits",
        ),
        pytest.param(
            rbac_and_root,
            Outcome.PASS,
            "no admin or wildcard bindings; 1 workload run as non-root, unprivileged",
            id="rbac-and-root",
        ),
    ],
)
def test_the_ingress_nginx_controller(
    ingress_nginx: Collected, spec: EvaluatorSpec, outcome: Outcome, summary: str
) -> None:
    finding = evaluate(spec, ingress_nginx, CONTROLLER)
    assert finding.outcome is outcome
    assert finding.summary == summary


def test_the_ingress_nginx_controller_is_found_with_its_own_bindings_only(
    ingress_nginx: Collected,
) -> None:
    fleet = FleetEvidence(workloads=ingress_nginx.workloads, bindings=ingress_nginx.bindings)
    evidence = fleet.for_service(CONTROLLER)
    assert [w.ref.name for w in evidence.workloads] == ["ingress-nginx-controller"]
    assert sorted(str(b.ref).split(" (")[0] for b in evidence.bindings) == [
        "ClusterRoleBinding ingress-nginx",
        "RoleBinding ingress-nginx/ingress-nginx",
    ]


def test_kube_prometheus_workloads_set_resources_but_mostly_lack_probes(data_dir: Path) -> None:
    found = fetch(data_dir, "kube-prometheus")
    monitoring = whole_namespace("monitoring", "monitoring")
    limits = evaluate(resource_limits, found, monitoring)
    assert limits.outcome is Outcome.PASS
    assert limits.summary == "cpu/memory requests and memory limits on all 12 containers"
    probed = evaluate(probes, found, monitoring)
    assert probed.outcome is Outcome.FAIL
    assert probed.summary.startswith("11 containers of 12 lack probes: ")
