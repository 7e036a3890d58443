"""Property tests for the input boundaries: whatever comes in, only the documented error leaves.

Each reader has one exception that means "this input is bad" (ConfigError, YamlError,
RuleFileError, AlertmanagerConfigError) or, for Kubernetes objects, a `Problem` instead of an
exception. Anything else escaping is a bug: it turns one bad file into a crashed audit.

Inputs are random documents, and real-looking objects with one to three fields replaced by random
values or deleted, which reach far deeper into the readers than random documents do.

Inputs that once broke a reader are pinned as explicit `@example`s, so they are tried on every
run whatever hypothesis draws.
"""

from __future__ import annotations

import contextlib
import copy
import string
import types
from collections.abc import Iterator, Mapping
from dataclasses import fields, is_dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from checks.evidence import AlertmanagerConfig, Rule
from monitor.catalog import load_catalog
from monitor.errors import ConfigError
from monitor.settings import load_config
from monitor.sources.alertmanager import AlertmanagerConfigError, parse_config
from monitor.sources.kube_objects import Collected, ObjectReader
from monitor.sources.rules import RuleFileError, parse_groups, read_rule_file
from monitor.yamlio import YamlError, load_documents, load_located

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Report the first failure alone: one clear exception rather than an ExceptionGroup.
FUZZ_KNOWN_BUG = settings(FUZZ, report_multiple_bugs=False)
ORIGIN = "fuzz:1"
CATALOG = load_catalog()


# --- strategies ------------------------------------------------------------------------------

no_surrogates = st.characters(codec="utf-8")
texts = st.text(no_surrogates, max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | texts
    | st.dates()
    | st.datetimes()
    | st.sampled_from(["", "*", "0", "-1", "true", "2026-13-45", "Deployment", "List"])
)
keys = texts | st.integers() | st.booleans() | st.none()
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=25,
)

# The same, for inputs with the known non-string-key and overflow triggers left out.
tame_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**9), 10**9)
    | st.floats(-1e9, 1e9, allow_nan=False)
    | texts
    | st.dates()
)
tame_documents = st.recursive(
    tame_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=25,
)


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a document a value sits, the root included."""
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from paths(value, (*prefix, index))


def mutate(doc: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


# Mostly a scalar of the wrong type, sometimes a whole random subtree.
mutations = st.one_of(scalars, scalars, scalars, documents)


def mutated(base: Any, values: st.SearchStrategy[Any] = mutations) -> st.SearchStrategy[Any]:
    """`base` with one to three fields replaced by a random value or deleted."""

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        doc = copy.deepcopy(base)
        for _ in range(draw(st.integers(1, 3))):
            path = draw(st.sampled_from(list(paths(doc))))
            delete = bool(path) and draw(st.booleans())
            doc = mutate(doc, path, None if delete else draw(values), delete)
        return doc

    return build()


WRONG_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    7,
    1.5,
    float("nan"),
    "",
    "x",
    "2026-13-45",
    [],
    [None],
    [{}],
    {},
    {"x": None},
    date(2026, 1, 1),
]


def single_mutations(base: Any) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every field of `base` in turn replaced by each wrong value, or deleted."""
    for path in list(paths(base)):
        for value in WRONG_VALUES:
            yield path, mutate(copy.deepcopy(base), path, value, delete=False)
        if path:
            yield path, mutate(copy.deepcopy(base), path, None, delete=True)


# --- real-looking inputs ---------------------------------------------------------------------

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "payments-api",
        "namespace": "payments",
        "labels": {"app": "payments-api", "app.kubernetes.io/managed-by": "Helm"},
        "annotations": {"meta.helm.sh/release-name": "payments"},
    },
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "payments-api"}},
        "template": {
            "metadata": {
                "labels": {"app": "payments-api"},
                "annotations": {"instrumentation.opentelemetry.io/inject-java": "true"},
            },
            "spec": {
                "serviceAccountName": "payments-api",
                "securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
                "initContainers": [{"name": "migrate", "image": "ghcr.io/x/migrate:1.0"}],
                "containers": [
                    {
                        "name": "api",
                        "image": "ghcr.io/x/api@sha256:" + "a" * 64,
                        "env": [
                            {"name": "LEDGER_TIMEOUT", "value": "2s"},
                            {
                                "name": "DB_PASSWORD",
                                "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}},
                            },
                            {
                                "name": "FX_TIMEOUT_MS",
                                "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "fx"}},
                            },
                        ],
                        "envFrom": [{"configMapRef": {"name": "cfg"}}],
                        "resources": {
                            "requests": {"cpu": "100m", "memory": "128Mi"},
                            "limits": {"memory": "256Mi"},
                        },
                        "securityContext": {"privileged": False, "runAsUser": 10001},
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                        "livenessProbe": {"httpGet": {"path": "/live", "port": 8080}},
                    }
                ],
                "volumes": [{"name": "cfg", "configMap": {"name": "cfg"}}],
            },
        },
    },
}

OTHER_OBJECTS: list[dict[str, Any]] = [
    {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": "payments-api-5d8f",
            "namespace": "payments",
            "ownerReferences": [{"kind": "Deployment", "name": "payments-api"}],
            "annotations": {
                "deployment.kubernetes.io/revision": "4",
                "deployment.kubernetes.io/revision-history": "1,3",
            },
        },
    },
    {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "payments-api", "namespace": "payments"},
        "spec": {
            "minAvailable": 2,
            "selector": {
                "matchLabels": {"app": "payments-api"},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}],
            },
        },
    },
    {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "payments-api", "namespace": "payments"},
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "payments-api"},
            "minReplicas": 3,
            "maxReplicas": 10,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu"}}],
        },
    },
    {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg", "namespace": "payments"},
        "data": {"fx": "500", "LOG_FORMAT": "json"},
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "payments-api", "namespace": "payments"},
        "roleRef": {"kind": "Role", "name": "payments-api"},
        "subjects": [{"kind": "ServiceAccount", "name": "payments-api", "namespace": "payments"}],
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "reader"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
    },
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "payments-api", "namespace": "payments"},
        "spec": {
            "rules": [{"host": "pay.example.com"}],
            "tls": [{"hosts": ["pay.example.com"], "secretName": "pay-tls"}],
        },
    },
    {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "payments", "namespace": "payments"},
        "spec": {
            "groups": [
                {
                    "name": "payments",
                    "rules": [
                        {
                            "alert": "PaymentsErrors",
                            "expr": "rate(http_requests_total{code=~'5..'}[5m]) > 0.1",
                            "labels": {"service": "payments", "severity": "critical"},
                            "annotations": {"runbook_url": "https://runbooks.example/pay"},
                        }
                    ],
                }
            ]
        },
    },
    {
        "apiVersion": "velero.io/v1",
        "kind": "Schedule",
        "metadata": {"name": "daily", "namespace": "velero"},
        "spec": {
            "schedule": "0 3 * * *",
            "template": {"ttl": "720h0m0s", "includedNamespaces": ["payments"]},
        },
        "status": {"lastBackup": "2026-11-29T03:00:00Z"},
    },
    {
        "apiVersion": "velero.io/v1",
        "kind": "Backup",
        "metadata": {
            "name": "daily-20261129",
            "namespace": "velero",
            "labels": {"velero.io/schedule-name": "daily"},
        },
        "spec": {"includedNamespaces": ["payments"]},
        "status": {"phase": "Completed", "completionTimestamp": "2026-11-29T03:10:00Z"},
    },
    {
        "apiVersion": "velero.io/v1",
        "kind": "Restore",
        "metadata": {"name": "restore-test", "namespace": "velero"},
        "spec": {
            "backupName": "daily-20261129",
            "namespaceMapping": {"payments": "payments-restore-test"},
        },
        "status": {"phase": "Completed", "completionTimestamp": "2026-11-29T04:00:00Z"},
    },
]

KUBE_OBJECTS = [DEPLOYMENT, *OTHER_OBJECTS]
OBJECT_LIST = {"apiVersion": "v1", "kind": "List", "items": [DEPLOYMENT, OTHER_OBJECTS[1]]}

RULE_GROUPS: list[dict[str, Any]] = [
    {
        "name": "payments",
        "interval": "1m",
        "rules": [
            {
                "record": "slo:http_errors:ratio_rate5m",
                "expr": "sum(rate(http_requests_total{code=~'5..'}[5m]))",
                "labels": {"service": "payments"},
            },
            {
                "alert": "PaymentsBurnRate",
                "expr": "slo:http_errors:ratio_rate5m > 0.0144",
                "for": "2m",
                "labels": {"service": "payments", "severity": "critical"},
                "annotations": {"runbook_url": "https://runbooks.example/pay", "summary": "s"},
            },
        ],
    },
    {"name": "empty-rules", "rules": None},
]

ALERTMANAGER: dict[str, Any] = {
    "global": {"resolve_timeout": "5m"},
    "route": {
        "receiver": "default",
        "group_by": ["alertname"],
        "routes": [
            {"receiver": "pager", "matchers": ['severity="critical"']},
            {
                "receiver": "chat",
                "match": {"severity": "warning"},
                "match_re": {"service": "pay.*"},
                "routes": [{"receiver": "chat", "continue": True}],
            },
        ],
    },
    "receivers": [
        {"name": "default"},
        {"name": "pager", "pagerduty_configs": [{"routing_key_file": "/etc/am/pd"}]},
        {"name": "chat", "slack_configs": [{"channel": "#pay"}]},
    ],
}

CONFIG: dict[str, Any] = {
    "services": [
        {
            "name": "payments",
            "tier": "critical",
            "team": "payments",
            "namespace": "payments",
            "selector": {"app": "payments-api"},
            "alerts": {"match": {"service": "payments"}},
            "dependencies": [{"name": "ledger", "timeout_key": "LEDGER_TIMEOUT"}],
            "slo": {"latency_p95": "300ms", "error_rate": "0.1%"},
            "data": {"stateful": True, "rto": "4h", "rpo": "15m", "dr_plan": "https://dr"},
        },
        {"name": "wiki", "tier": "internal", "team": "tools"},
    ],
    "tiers": {
        "internal": {"thresholds": {"min_replicas": 2}, "attestation_validity": "90d"},
        "gold": {"weight": 8, "required": ["*"], "exempt": ["data"]},
    },
    "register": [
        {
            "service": "wiki",
            "item": "reliability.health-checks",
            "kind": "planned",
            "owner": "alice",
            "plan": "add probes",
            "due": date(2026, 12, 1),
        },
        {
            "service": "wiki",
            "item": "security.encryption",
            "kind": "accepted",
            "owner": "alice",
            "reason": "internal only",
            "expires": date(2026, 6, 30),
        },
        {
            "service": "payments",
            "item": "reliability.retries-backoff",
            "kind": "attested",
            "owner": "bob",
            "evidence": "https://wiki/retries",
            "attested_on": date(2026, 1, 1),
            "valid_for": "30d",
        },
    ],
    "sources": {
        "kubernetes": {"manifests": ["manifests/", "more/*.yaml"]},
        "prometheus": {"rule_files": ["rules/*.yaml"]},
        "alertmanager": {"config_file": "alertmanager.yml"},
    },
    "state": {"path": "state.db"},
}


# --- typed evidence --------------------------------------------------------------------------


def conforms(value: Any, hint: Any) -> bool:
    """Does `value` have the declared type, all the way down? (No raw payload leaked through.)"""
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any:
        return True
    if origin in (Union, types.UnionType):
        return any(conforms(value, a) for a in args)
    if hint is type(None):
        return value is None
    if origin is Literal:
        return value in args
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(conforms(v, args[0]) for v in value)
        return len(value) == len(args) and all(map(conforms, value, args))
    if origin in (Mapping, dict):
        return isinstance(value, Mapping) and all(
            conforms(k, args[0]) and conforms(v, args[1]) for k, v in value.items()
        )
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, float | int) and not isinstance(value, bool)
    if isinstance(hint, type) and is_dataclass(hint):
        if not isinstance(value, hint):
            return False
        hints = get_type_hints(hint)
        return all(conforms(getattr(value, f.name), hints[f.name]) for f in fields(hint))
    return isinstance(value, hint)


def typed(value: Any) -> bool:
    return conforms(value, type(value))


EVIDENCE_LISTS = (
    "workloads",
    "pdbs",
    "autoscalers",
    "replicasets",
    "configmaps",
    "bindings",
    "roles",
    "ingresses",
    "schedules",
    "backups",
    "restores",
    "rules",
)


def evidence_of(out: Collected) -> list[Any]:
    return [e for name in EVIDENCE_LISTS for e in getattr(out, name)]


def read_one(obj: Any) -> Collected:
    reader = ObjectReader()
    reader.add(obj, ORIGIN)
    return reader.out


def assert_typed_evidence_or_problem(obj: Any) -> None:
    out = read_one(obj)
    produced = evidence_of(out)

    for problem in out.problems:
        assert typed(problem)
        assert ORIGIN in problem.message
    for item in produced:
        assert typed(item), item
    kind = obj.get("kind") if isinstance(obj, Mapping) else None
    if obj is None:
        assert not produced
        assert not out.problems
    elif not isinstance(obj, Mapping):
        assert not produced
        assert len(out.problems) == 1
    elif isinstance(kind, str) and kind.endswith("List") and isinstance(obj.get("items"), list):
        pass  # one result per item, checked above
    elif kind == "PrometheusRule":
        assert len(out.problems) <= 1
        assert not (out.problems and produced)
    else:
        assert len(produced) + len(out.problems) + sum(out.ignored.values()) == 1


# --- Kubernetes objects ----------------------------------------------------------------------


@pytest.mark.parametrize("obj", [*KUBE_OBJECTS, OBJECT_LIST], ids=lambda o: str(o["kind"]))
def test_every_fuzz_base_object_reads_as_typed_evidence_without_problems(obj: Any) -> None:
    # The mutation tests below only reach deep code if the unmutated objects parse.
    out = read_one(obj)

    assert out.problems == []
    assert evidence_of(out)
    assert all(typed(e) for e in evidence_of(out))


def test_a_deployments_fields_arrive_in_its_typed_evidence() -> None:
    (workload,) = read_one(DEPLOYMENT).workloads

    assert workload.replicas == 3
    assert workload.service_account == "payments-api"
    assert [c.name for c in workload.containers] == ["api", "migrate"]
    assert workload.containers[0].readiness_probe
    assert workload.configmap_volumes == ("cfg",)


def test_a_deployment_missing_its_containers_is_a_problem_naming_the_field() -> None:
    broken = copy.deepcopy(DEPLOYMENT)
    del broken["spec"]["template"]["spec"]["containers"]

    out = read_one(broken)

    assert out.workloads == []
    (problem,) = out.problems
    assert problem.namespace == "payments"
    assert "spec.template.spec.containers" in problem.message


@FUZZ
@given(documents)
def test_random_documents_become_typed_evidence_or_a_problem(obj: Any) -> None:
    assert_typed_evidence_or_problem(obj)


@FUZZ
@given(mutated(DEPLOYMENT))
def test_mutated_deployments_become_typed_evidence_or_a_problem(obj: Any) -> None:
    assert_typed_evidence_or_problem(obj)


@pytest.mark.parametrize("base", [*OTHER_OBJECTS, OBJECT_LIST], ids=lambda o: str(o["kind"]))
@FUZZ
@given(data=st.data())
def test_mutated_objects_of_every_kind_become_typed_evidence_or_a_problem(
    base: dict[str, Any], data: st.DataObject
) -> None:
    assert_typed_evidence_or_problem(data.draw(mutated(base)))


@pytest.mark.parametrize("base", KUBE_OBJECTS, ids=lambda o: str(o["kind"]))
def test_any_one_field_of_wrong_type_gives_typed_evidence_or_a_problem(base: Any) -> None:
    for path, obj in single_mutations(base):
        try:
            assert_typed_evidence_or_problem(obj)
        except BaseException as exc:
            raise AssertionError(f"{base['kind']} with {path} changed: {exc!r}") from exc


# --- rule groups -----------------------------------------------------------------------------


def assert_rules_or_rule_file_error(groups: Any) -> None:
    try:
        rules = parse_groups(groups, ORIGIN, "payments")
    except RuleFileError:
        return
    for rule in rules:
        assert isinstance(rule, Rule)
        assert typed(rule), rule
        assert rule.origin == ORIGIN


def test_the_fuzz_base_rule_groups_parse() -> None:
    rules = parse_groups(RULE_GROUPS, ORIGIN)

    assert [r.name for r in rules] == ["slo:http_errors:ratio_rate5m", "PaymentsBurnRate"]


@FUZZ
@given(documents)
def test_random_documents_as_rule_groups_give_rules_or_rule_file_error(groups: Any) -> None:
    assert_rules_or_rule_file_error(groups)


@FUZZ
@given(mutated(RULE_GROUPS))
def test_mutated_rule_groups_give_rules_or_rule_file_error(groups: Any) -> None:
    assert_rules_or_rule_file_error(groups)


@FUZZ
@given(mutated({"groups": RULE_GROUPS}, tame_documents))
def test_mutated_rule_files_give_rules_or_rule_file_error(
    tmp_path_factory: pytest.TempPathFactory, data: Any
) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz-rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    try:
        rules = read_rule_file(path)
    except RuleFileError:
        return
    assert all(typed(r) for r in rules)


# --- alertmanager ----------------------------------------------------------------------------


def assert_config_or_alertmanager_error(data: Any) -> None:
    try:
        config = parse_config(data, "alertmanager.yml")
    except AlertmanagerConfigError:
        return
    assert isinstance(config, AlertmanagerConfig)
    assert typed(config)


def test_the_fuzz_base_alertmanager_config_parses() -> None:
    config = parse_config(ALERTMANAGER, "alertmanager.yml")

    assert [r.receiver for r in config.routes] == ["default", "pager", "chat", "chat"]
    assert config.receivers["pager"] == ("pagerduty",)


@FUZZ_KNOWN_BUG
@given(st.one_of(documents, mutated(ALERTMANAGER)))
@example({"route": {"receiver": "a"}, "receivers": 5})
@example({"route": {"receiver": "a"}, "receivers": [{"name": "a", 1: "x"}]})
def test_any_alertmanager_document_parses_or_raises_alertmanager_config_error(data: Any) -> None:
    assert_config_or_alertmanager_error(data)


@FUZZ
@given(st.one_of(documents, mutated(ALERTMANAGER["route"], tame_documents)))
def test_any_route_tree_parses_or_raises_alertmanager_config_error(route: Any) -> None:
    assert_config_or_alertmanager_error({"route": route, "receivers": ALERTMANAGER["receivers"]})


# --- the config file -------------------------------------------------------------------------


def test_the_fuzz_base_config_loads(tmp_path: Path) -> None:
    path = tmp_path / "readiness.yaml"
    path.write_text(yaml.safe_dump(CONFIG), encoding="utf-8")

    config = load_config(path, CATALOG)

    assert [s.name for s in config.services] == ["payments", "wiki"]
    assert len(config.register) == 3


def load_or_refuse(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    try:
        load_config(path, CATALOG)
    except ConfigError as exc:
        refusal = str(exc)
    else:
        return
    assert refusal.strip(), "a refusal must say why"


KNOWN_CONFIG_CRASHES = (TypeError, OverflowError, KeyError, AttributeError, IndexError)


@FUZZ_KNOWN_BUG
@given(
    st.one_of(
        texts.map(str),
        documents.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
        mutated(CONFIG).map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    )
)
@example("services: []\n1: x\n")
@example("tiers:\n  internal:\n    thresholds:\n      backup_max_age: .inf\n")
@example("tiers:\n  internal:\n    thresholds:\n      backup_max_age: 99999999999999d\n")
@example("services: !!bool maybe\n")
def test_any_yaml_text_loads_or_is_refused_with_a_config_error(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    load_or_refuse(tmp_path_factory.getbasetemp() / "fuzz-readiness.yaml", text)


@FUZZ
@given(
    st.one_of(
        st.text(string.printable, max_size=200),
        tame_documents.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
        mutated(CONFIG, tame_documents).map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    )
)
def test_config_yaml_without_the_known_crash_triggers_loads_or_is_refused_with_a_config_error(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    load_or_refuse(tmp_path_factory.getbasetemp() / "fuzz-readiness.yaml", text)


# --- raw YAML --------------------------------------------------------------------------------


def read_all(path: Path) -> None:
    message = path.name
    try:
        list(load_documents(path))
    except YamlError as exc:
        message = str(exc)
    assert path.name in message, "a YamlError must name the file"


@FUZZ
@given(st.binary(max_size=300))
@example(b"\xff\xfe not utf-8")
@example(b"[" * 2000)
@example(b"a: \x00")
@example(b"due: 2026-13-45\n")
def test_random_bytes_load_as_documents_or_raise_yaml_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz-doc.yaml"
    path.write_bytes(data)

    read_all(path)


TAGS = ["bool", "int", "float", "timestamp", "binary", "null", "str", "set", "omap", "map"]


@FUZZ_KNOWN_BUG
@given(st.sampled_from(TAGS), st.text(string.ascii_letters + string.digits + "-:. ", max_size=12))
@example("bool", "maybe")
@example("timestamp", "abc")
@example("int", "")
def test_explicitly_tagged_scalars_load_or_raise_yaml_error(
    tmp_path_factory: pytest.TempPathFactory, tag: str, value: str
) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz-tagged.yaml"
    path.write_text(f"key: !!{tag} {value}\n", encoding="utf-8")

    read_all(path)
    with contextlib.suppress(YamlError):
        load_located(path)
