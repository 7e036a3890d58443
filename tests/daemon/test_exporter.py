"""The /metrics exposition: contract names and labels, values from the cycle, no stale series."""

from __future__ import annotations

import dataclasses
import gzip
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import prometheus_client.exposition
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

import monitor.exporter
from checks.model import (
    Answer,
    AnswerKind,
    Catalog,
    Dimension,
    ItemResult,
    Report,
    Requirement,
    ServiceResult,
    ServiceSpec,
    Status,
    Thresholds,
    TierPolicy,
)
from monitor.catalog import load_catalog
from monitor.cycle import CycleResult, ServiceFacts, SourceHealth
from monitor.exporter import (
    CONTENT_TYPE,
    CYCLE_SPECS,
    CycleCollector,
    Exposition,
    SelfMetrics,
    render_cycle,
)
from tests.contract import METRICS, SELF_METRICS

NOW = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)

CONTRACT = {**METRICS, **SELF_METRICS}


# --- factories ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def tier_policy(
    name: str = "critical", required: Iterable[str] = ("*",), exempt: Iterable[str] = ()
) -> TierPolicy:
    return TierPolicy(name, 1, frozenset(required), frozenset(exempt), Thresholds())


def answer(service: str, item: str, kind: AnswerKind, lapses_at: datetime) -> Answer:
    return Answer(
        service,
        item,
        kind,
        owner="team-lead",
        text="see ticket",
        lapses_at=lapses_at,
        dated=lapses_at.date(),
    )


def service_result(
    catalog: Catalog,
    name: str,
    *,
    policy: TierPolicy | None = None,
    team: str = "payments",
    statuses: Mapping[str, Status] | None = None,
    answers: Mapping[str, Answer] | None = None,
) -> ServiceResult:
    """Every catalog item: `pass` unless `statuses` says otherwise, `not_applicable` if exempt."""
    policy = policy or tier_policy()
    statuses = statuses or {}
    answers = answers or {}
    items = []
    for item in catalog.items:
        requirement = policy.requirement(item)
        default = Status.NOT_APPLICABLE if requirement is Requirement.EXEMPT else Status.PASS
        items.append(
            ItemResult(
                item=item,
                status=statuses.get(item.id, default),
                requirement=requirement,
                summary=f"summary of {item.id}: error text must never become a label",
                evidence=(),
                answer=answers.get(item.id),
            )
        )
    spec = ServiceSpec(
        name=name,
        tier=policy.name,
        team=team,
        namespace=name,
        selector={},
        alert_match={},
    )
    return ServiceResult(spec, policy, tuple(items))


def cycle_result(
    catalog: Catalog,
    *services: ServiceResult,
    since: Mapping[tuple[str, str], datetime] | None = None,
    facts: Mapping[str, ServiceFacts] | None = None,
    sources: Iterable[SourceHealth] = (),
) -> CycleResult:
    return CycleResult(
        report=Report(NOW, catalog, tuple(services), ()),
        finished_at=NOW + timedelta(seconds=4),
        duration_seconds=4.25,
        since=since or {},
        facts=facts or {},
        sources={s.name: s for s in sources},
    )


def published(cycle: CycleResult | None, self_metrics: SelfMetrics | None = None) -> bytes:
    exposition = Exposition()
    exposition.publish(cycle, self_metrics or SelfMetrics())
    body, encoding = exposition.get(accept_gzip=False)
    assert encoding is None
    return body


def families(body: bytes) -> dict[str, Metric]:
    return {f.name: f for f in text_string_to_metric_families(body.decode("utf-8"))}


def samples(body: bytes, name: str) -> list[dict[str, str]]:
    """The label sets of every sample named `name`."""
    return [s.labels for f in families(body).values() for s in f.samples if s.name == name]


def value(body: bytes, name: str, **labels: str) -> float:
    matches = [
        s.value
        for f in families(body).values()
        for s in f.samples
        if s.name == name and s.labels == labels
    ]
    assert len(matches) == 1, f"{name}{labels}: {len(matches)} samples"
    return matches[0]


@pytest.fixture
def full_cycle(catalog: Catalog) -> CycleResult:
    """A cycle in which every contract metric has at least one series."""
    payments = service_result(
        catalog,
        "payments",
        statuses={
            "data.restore-tested": Status.PLANNED,
            "security.encryption": Status.FAIL,
            "capacity.load-tested": Status.UNKNOWN,
        },
        answers={
            "data.restore-tested": answer(
                "payments", "data.restore-tested", AnswerKind.PLANNED, NOW + timedelta(days=9)
            )
        },
    )
    return cycle_result(
        catalog,
        payments,
        facts={
            "payments": ServiceFacts(
                restore_last_success=NOW - timedelta(days=40),
                backup_last_success=NOW - timedelta(hours=3),
                alert_rules={"ok": 5, "missing": 2, "broken": 1},
            )
        },
        sources=[SourceHealth("kubernetes", up=True, last_success=NOW - timedelta(seconds=30))],
    )


# --- contract ----------------------------------------------------------------------------------


def test_every_contract_metric_is_exported_with_exactly_its_label_names(
    full_cycle: CycleResult,
) -> None:
    self_metrics = SelfMetrics()
    self_metrics.observe_fetch("kubernetes", 0.2)
    self_metrics.count_evaluator_errors(1)
    exported = families(published(full_cycle, self_metrics))

    for name, (kind, labels) in CONTRACT.items():
        assert name in exported, f"{name} missing"
        family = exported[name]
        assert family.type == kind, name
        assert family.samples, f"{name} has no samples"
        for sample in family.samples:
            assert set(sample.labels) - {"le"} == labels, (name, sample)


def test_content_type_is_the_clients_latest_text_format() -> None:
    assert CONTENT_TYPE.startswith("text/plain; version=")


def test_collector_registers_and_answers_sample_queries(full_cycle: CycleResult) -> None:
    registry = CollectorRegistry()
    registry.register(CycleCollector(full_cycle))

    assert (
        registry.get_sample_value(
            "readiness_unnamed_gaps", {"service": "payments", "tier": "critical"}
        )
        == 1
    )
    assert registry.get_sample_value("readiness_cycle_duration_seconds") == 4.25


# --- per-item state ----------------------------------------------------------------------------


def test_one_item_status_series_per_service_and_item_with_its_status(catalog: Catalog) -> None:
    internal = tier_policy("internal", required=["security.secrets-manager"], exempt=["data"])
    cycle = cycle_result(
        catalog,
        service_result(catalog, "payments", statuses={"security.encryption": Status.OVERDUE}),
        service_result(
            catalog,
            "wiki",
            policy=internal,
            statuses={"reliability.retries-backoff": Status.ACCEPTED},
        ),
    )
    body = published(cycle)
    series = samples(body, "readiness_item_status")

    assert len(catalog.items) == 32
    assert len(series) == 64
    keys = {(s["service"], s["item"]) for s in series}
    assert len(keys) == 64
    by_key = {(s["service"], s["item"]): s for s in series}
    for result in cycle.report.services:
        for item_result in result.items:
            labels = by_key[(result.service.name, item_result.item.id)]
            assert labels["status"] == item_result.status.value
            assert labels["required"] == ("true" if item_result.required else "false")
            assert labels["dimension"] == item_result.item.dimension
            assert labels["tier"] == result.policy.name
    assert by_key[("payments", "security.encryption")]["status"] == "overdue"
    assert by_key[("wiki", "reliability.retries-backoff")]["status"] == "accepted"
    assert by_key[("wiki", "data.dr-plan")]["status"] == "not_applicable"
    assert by_key[("wiki", "security.secrets-manager")]["required"] == "true"
    assert by_key[("wiki", "security.encryption")]["required"] == "false"
    assert all(value(body, "readiness_item_status", **labels) == 1 for labels in series[:5])
    assert {s["status"] for s in series} <= {status.value for status in Status}


def test_labels_never_carry_summaries(full_cycle: CycleResult) -> None:
    body = published(full_cycle)
    assert b"summary of" not in body
    assert b"error text" not in body


def test_status_since_comes_from_the_cycle_else_the_report_time(catalog: Catalog) -> None:
    entered = NOW - timedelta(days=12)
    cycle = cycle_result(
        catalog,
        service_result(catalog, "payments"),
        since={("payments", "data.restore-tested"): entered},
    )
    body = published(cycle)
    name = "readiness_item_status_since_timestamp_seconds"

    assert (
        value(body, name, service="payments", dimension="data", item="data.restore-tested")
        == entered.timestamp()
    )
    assert (
        value(body, name, service="payments", dimension="data", item="data.dr-plan")
        == NOW.timestamp()
    )
    assert len(samples(body, name)) == 32


def test_score_ratios_equal_the_service_results_scores(catalog: Catalog) -> None:
    result = service_result(
        catalog,
        "payments",
        statuses={
            "reliability.health-checks": Status.FAIL,
            "reliability.outbound-timeouts": Status.PLANNED,
            "data.dr-plan": Status.NOT_APPLICABLE,
            "security.encryption": Status.UNKNOWN,
        },
    )
    body = published(cycle_result(catalog, result))
    exported = {
        s["dimension"]: value(body, "readiness_score_ratio", **s)
        for s in samples(body, "readiness_score_ratio")
    }

    assert set(exported) == {d.id for d in catalog.dimensions} | {"all"}
    for dimension in catalog.dimensions:
        assert exported[dimension.id] == pytest.approx(result.score(dimension.id))
    assert exported["all"] == pytest.approx(result.score())
    assert exported["reliability"] == pytest.approx(3 / 5)
    assert exported["all"] < 1.0


def test_unnamed_gaps_count_required_fail_overdue_expired(catalog: Catalog) -> None:
    internal = tier_policy("internal", required=["security"])
    result = service_result(
        catalog,
        "wiki",
        policy=internal,
        statuses={
            "security.encryption": Status.FAIL,
            "security.least-privilege": Status.EXPIRED,
            "security.secrets-manager": Status.PLANNED,
            "data.dr-plan": Status.FAIL,  # advisory: not counted
        },
    )
    body = published(cycle_result(catalog, result))

    assert value(body, "readiness_unnamed_gaps", service="wiki", tier="internal") == 2


def test_register_expiry_timestamps_equal_answers_lapses_at(catalog: Catalog) -> None:
    answers = {
        "data.restore-tested": answer(
            "payments", "data.restore-tested", AnswerKind.PLANNED, NOW + timedelta(days=9)
        ),
        "capacity.load-tested": answer(
            "payments", "capacity.load-tested", AnswerKind.ACCEPTED, NOW + timedelta(days=90)
        ),
        "incident.postmortems": answer(
            "payments", "incident.postmortems", AnswerKind.ATTESTED, NOW + timedelta(days=170)
        ),
    }
    result = service_result(
        catalog,
        "payments",
        statuses={"data.restore-tested": Status.PLANNED, "capacity.load-tested": Status.ACCEPTED},
        answers=answers,
    )
    body = published(cycle_result(catalog, result))
    name = "readiness_register_expiry_timestamp_seconds"

    assert len(samples(body, name)) == 3
    for item_id, entry in answers.items():
        exported = value(body, name, service="payments", item=item_id, kind=entry.kind.value)
        assert exported == entry.lapses_at.timestamp()


# --- per-service facts -------------------------------------------------------------------------


def test_restore_and_backup_timestamps_only_where_known(catalog: Catalog) -> None:
    restored = NOW - timedelta(days=3)
    cycle = cycle_result(
        catalog,
        service_result(catalog, "payments"),
        service_result(catalog, "search"),
        service_result(catalog, "wiki"),
        facts={
            "payments": ServiceFacts(restore_last_success=restored),
            "search": ServiceFacts(),
        },
    )
    body = published(cycle)

    restore = "readiness_restore_test_last_success_timestamp_seconds"
    assert samples(body, restore) == [{"service": "payments"}]
    assert value(body, restore, service="payments") == restored.timestamp()
    assert samples(body, "readiness_backup_last_success_timestamp_seconds") == []


def test_alert_rules_one_series_per_runbook_state_when_counted(catalog: Catalog) -> None:
    cycle = cycle_result(
        catalog,
        service_result(catalog, "payments"),
        service_result(catalog, "wiki"),
        facts={
            "payments": ServiceFacts(alert_rules={"ok": 4, "missing": 1, "free text": 9}),
            "wiki": ServiceFacts(),  # nothing counted: no series rather than a false zero
        },
    )
    body = published(cycle)
    series = samples(body, "readiness_alert_rules")

    assert sorted(s["runbook"] for s in series) == ["broken", "missing", "ok"]
    assert {s["service"] for s in series} == {"payments"}
    assert value(body, "readiness_alert_rules", service="payments", runbook="ok") == 4
    assert value(body, "readiness_alert_rules", service="payments", runbook="broken") == 0


def test_service_info_carries_tier_and_team(catalog: Catalog) -> None:
    body = published(cycle_result(catalog, service_result(catalog, "payments", team="money")))

    assert samples(body, "readiness_service_info") == [
        {"service": "payments", "tier": "critical", "team": "money"}
    ]


def test_label_values_with_quotes_backslashes_newlines_round_trip(catalog: Catalog) -> None:
    team = 'pay "core"\\ops\nnight shift'
    body = published(cycle_result(catalog, service_result(catalog, "payments", team=team)))

    assert b'team="pay \\"core\\"\\\\ops\\nnight shift"' in body
    assert samples(body, "readiness_service_info")[0]["team"] == team


# --- sources and cycle -------------------------------------------------------------------------


def test_source_up_is_zero_for_a_down_source(catalog: Catalog) -> None:
    seen = NOW - timedelta(minutes=7)
    cycle = cycle_result(
        catalog,
        service_result(catalog, "payments"),
        sources=[
            SourceHealth("kubernetes", up=True, last_success=NOW),
            SourceHealth("pagerduty", up=False, last_success=seen, error="HTTP 503 from API"),
            SourceHealth("prometheus", up=False, last_success=None, error="connection refused"),
        ],
    )
    body = published(cycle)

    assert value(body, "readiness_source_up", source="kubernetes") == 1
    assert value(body, "readiness_source_up", source="pagerduty") == 0
    assert value(body, "readiness_source_up", source="prometheus") == 0
    last = "readiness_source_last_success_timestamp_seconds"
    assert value(body, last, source="pagerduty") == seen.timestamp()
    assert {s["source"] for s in samples(body, last)} == {"kubernetes", "pagerduty"}
    assert b"HTTP 503" not in body


def test_cycle_finish_time_and_duration(full_cycle: CycleResult) -> None:
    body = published(full_cycle)

    assert value(body, "readiness_cycle_last_success_timestamp_seconds") == (
        full_cycle.finished_at.timestamp()
    )
    assert value(body, "readiness_cycle_duration_seconds") == 4.25


def test_before_the_first_cycle_only_self_metrics_are_exported() -> None:
    body = published(None)
    names = set(families(body))

    assert "readiness_build_info" in names
    assert "readiness_source_up" not in names
    assert "readiness_item_status" not in names
    assert "readiness_cycle_last_success_timestamp_seconds" not in names


def test_a_service_removed_from_the_next_cycle_leaves_no_series(catalog: Catalog) -> None:
    facts = {
        name: ServiceFacts(restore_last_success=NOW, alert_rules={"ok": 1})
        for name in ("payments", "legacy")
    }
    answers = {"data.dr-plan": answer("legacy", "data.dr-plan", AnswerKind.ACCEPTED, NOW)}
    first = cycle_result(
        catalog,
        service_result(catalog, "payments"),
        service_result(catalog, "legacy", answers=answers),
        facts=facts,
    )
    second = cycle_result(catalog, service_result(catalog, "payments"), facts=facts)
    exposition = Exposition()
    self_metrics = SelfMetrics()

    exposition.publish(first, self_metrics)
    before = exposition.get(accept_gzip=False)[0]
    exposition.publish(second, self_metrics)
    after = exposition.get(accept_gzip=False)[0]

    def services(body: bytes) -> set[str]:
        return {
            s.labels["service"]
            for f in families(body).values()
            for s in f.samples
            if "service" in s.labels
        }

    assert services(before) == {"payments", "legacy"}
    assert services(after) == {"payments"}
    assert b'"legacy"' not in after


# --- the direct renderer -----------------------------------------------------------------------
#
# `Exposition.publish` renders the cycle with `render_cycle`, not with `generate_latest` over the
# collector; the collector's rendering by the client is the contract, to the byte.

AWKWARD = 'pay "core"\\ops\nnight shift ☂ Zürich'


def reference(cycle: CycleResult) -> bytes:
    """The client's rendering of the cycle, through a registry as the tests register it."""
    registry = CollectorRegistry()
    registry.register(CycleCollector(cycle))
    return prometheus_client.exposition.generate_latest(registry)


def awkward_catalog(catalog: Catalog) -> Catalog:
    """The real catalog plus a dimension and an item whose ids need escaping."""
    dimension = Dimension('ops "night"\\shift\nünï', "Awkward", "ids that need escaping")
    item = dataclasses.replace(
        catalog.items[0], id=f'{dimension.id}.quote"back\\slash\n☂', dimension=dimension.id
    )
    return Catalog.of((*catalog.dimensions, dimension), (*catalog.items, item))


def realistic_cycle(catalog: Catalog) -> CycleResult:
    """Every family populated; label values needing escapes; scores and facts partly missing."""
    catalog = awkward_catalog(catalog)
    awkward_item = catalog.items[-1].id
    mixed = dict(zip((item.id for item in catalog.items), Status, strict=False))  # all statuses
    answers = {
        item_id: answer("payments", item_id, kind, NOW + timedelta(days=days))
        for item_id, kind, days in (
            ("data.restore-tested", AnswerKind.PLANNED, 9),
            ("capacity.load-tested", AnswerKind.ACCEPTED, 9),  # the same lapse, formatted once
            (awkward_item, AnswerKind.ATTESTED, -400),
        )
    }
    payments = service_result(catalog, "payments", team=AWKWARD, statuses=mixed, answers=answers)
    # Exempt from `data`: that dimension has no score, so no series rather than 1.0.
    internal = tier_policy('internal "tools"', required=["security", awkward_item], exempt=["data"])
    wiki = service_result(
        catalog,
        'wiki\\"ünï\ncode',
        policy=internal,
        team="docs ☂",
        statuses={"security.encryption": Status.EXPIRED, awkward_item: Status.FAIL},
    )
    sandbox = service_result(catalog, "sandbox", policy=tier_policy("sandbox", required=()))
    search = service_result(catalog, "search", team="")
    cycle_time = NOW - timedelta(days=2)
    since = {
        ("payments", "data.dr-plan"): cycle_time,
        ("payments", "data.restore-tested"): cycle_time,
        ("payments", awkward_item): datetime(1970, 1, 1, tzinfo=UTC),
        (wiki.service.name, "security.encryption"): datetime(1969, 7, 20, 20, 17, tzinfo=UTC),
        (wiki.service.name, awkward_item): NOW - timedelta(microseconds=1_234_567),
        ("search", "reliability.health-checks"): cycle_time,
    }
    facts = {
        "payments": ServiceFacts(
            restore_last_success=NOW - timedelta(days=40),
            backup_last_success=NOW - timedelta(hours=3, microseconds=5),
            alert_rules={"ok": 5, "missing": 2},  # `broken` not counted: exported as 0
        ),
        wiki.service.name: ServiceFacts(restore_last_success=cycle_time),  # rules not counted
        "sandbox": ServiceFacts(),
        # search: no facts at all
    }
    sources = [
        SourceHealth("kubernetes", up=True, last_success=NOW - timedelta(seconds=30)),
        SourceHealth('page"duty\\\n☂', up=False, last_success=cycle_time, error="HTTP 503"),
        SourceHealth("prometheus", up=False, last_success=None),
    ]
    cycle = cycle_result(
        catalog, payments, wiki, sandbox, search, since=since, facts=facts, sources=sources
    )
    return dataclasses.replace(cycle, duration_seconds=12_345_678.25)  # Go-style exponent


def test_render_cycle_is_byte_identical_to_the_client_for_a_realistic_cycle(
    catalog: Catalog,
) -> None:
    cycle = realistic_cycle(catalog)
    expected = reference(cycle)

    assert render_cycle(cycle) == expected
    # The cycle exercises what it claims to.
    exported = families(expected)
    assert list(exported) == [spec.name for spec in CYCLE_SPECS]
    assert all(family.samples for family in exported.values())
    scored = {(s["service"], s["dimension"]) for s in samples(expected, "readiness_score_ratio")}
    wiki = cycle.report.services[1].service.name
    assert (wiki, "data") not in scored
    assert (wiki, "security") in scored
    assert not {dimension for service, dimension in scored if service == "sandbox"}
    assert {s["service"] for s in samples(expected, "readiness_alert_rules")} == {"payments"}
    restored = {
        s["service"]
        for s in samples(expected, "readiness_restore_test_last_success_timestamp_seconds")
    }
    assert restored == {"payments", wiki}
    assert "☂".encode() in expected
    assert b'team="pay \\"core\\"\\\\ops\\nnight shift' in expected


def test_render_cycle_is_byte_identical_to_the_client_for_an_empty_cycle(
    catalog: Catalog,
) -> None:
    cycle = cycle_result(catalog)  # no services, no sources: headers and the cycle's own series
    body = render_cycle(cycle)

    assert body == reference(cycle)
    assert body.count(b"# TYPE ") == len(CYCLE_SPECS)


def test_publish_is_the_cycle_then_the_self_metrics(catalog: Catalog) -> None:
    cycle = realistic_cycle(catalog)
    self_metrics = SelfMetrics(sources=["kubernetes"], version="1.2.3")
    self_metrics.observe_fetch("kubernetes", 0.3)

    expected = reference(cycle) + prometheus_client.exposition.generate_latest(
        self_metrics.registry
    )
    assert published(cycle, self_metrics) == expected


label_values = st.text(max_size=10)  # any code point but surrogates, which UTF-8 cannot carry


# Derandomized and without a database, as tests/monitor/test_fuzz.py: the same draws every run.
@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    names=st.lists(label_values, max_size=3, unique=True),
    tier=label_values,
    team=label_values,
    source=label_values,
    statuses=st.lists(st.sampled_from(Status), min_size=32, max_size=32),
    moments=st.lists(st.datetimes(timezones=st.just(UTC)), min_size=1, max_size=6),
    duration=st.floats(),
    rules=st.dictionaries(st.sampled_from(["ok", "missing", "broken"]), st.integers(0, 10**6)),
)
def test_render_cycle_matches_the_client_for_any_label_text_and_values(
    catalog: Catalog,
    names: list[str],
    tier: str,
    team: str,
    source: str,
    statuses: list[Status],
    moments: list[datetime],
    duration: float,
    rules: dict[str, int],
) -> None:
    ids = [item.id for item in catalog.items]
    services = [
        service_result(
            catalog,
            name,
            policy=tier_policy(tier, required=["*"] if n % 2 else ["security"]),
            team=team,
            statuses=dict(zip(ids, statuses[n:] + statuses[:n], strict=True)),
            answers={ids[n]: answer(name, ids[n], AnswerKind.PLANNED, moments[-1])},
        )
        for n, name in enumerate(names)
    ]
    since = {(name, ids[k]): moment for name in names for k, moment in enumerate(moments)}
    facts = {name: ServiceFacts(moments[0], moments[-1], rules) for name in names[:2]}
    sources = [SourceHealth(source, up=bool(rules), last_success=moments[0])]
    cycle = dataclasses.replace(
        cycle_result(catalog, *services, since=since, facts=facts, sources=sources),
        duration_seconds=duration,
        finished_at=moments[-1],
    )

    assert render_cycle(cycle) == reference(cycle)


# --- exposition mechanics ----------------------------------------------------------------------


def test_gzip_body_decompresses_to_the_plain_body(full_cycle: CycleResult) -> None:
    exposition = Exposition()
    exposition.publish(full_cycle, SelfMetrics())

    plain, plain_encoding = exposition.get(accept_gzip=False)
    compressed, encoding = exposition.get(accept_gzip=True)

    assert plain_encoding is None
    assert encoding == "gzip"
    assert compressed != plain
    assert gzip.decompress(compressed) == plain
    assert b"readiness_item_status{" in plain


def test_get_returns_the_same_bytes_until_the_next_publish(
    full_cycle: CycleResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    exposition = Exposition()
    self_metrics = SelfMetrics()
    exposition.publish(full_cycle, self_metrics)
    renders: list[Any] = []

    def counting(real: Callable[..., bytes]) -> Callable[..., bytes]:
        def render(*args: Any, **kwargs: Any) -> bytes:
            renders.append(args)
            return real(*args, **kwargs)

        return render

    # The cycle goes through render_cycle, the self metrics through generate_latest.
    for renderer in ("generate_latest", "render_cycle"):
        monkeypatch.setattr(
            monitor.exporter, renderer, counting(getattr(monitor.exporter, renderer))
        )

    first = exposition.get(accept_gzip=False)[0]
    first_gz = exposition.get(accept_gzip=True)[0]
    for _ in range(5):
        assert exposition.get(accept_gzip=False)[0] is first
        assert exposition.get(accept_gzip=True)[0] is first_gz
    assert renders == []

    self_metrics.count_evaluator_errors(2)
    exposition.publish(full_cycle, self_metrics)

    assert len(renders) == 2  # the cycle and the self metrics, once each
    assert exposition.get(accept_gzip=False)[0] is not first
    assert b"readiness_evaluator_errors_total 2.0" in exposition.get(accept_gzip=False)[0]


def test_self_metrics_appear_only_as_of_the_last_publish() -> None:
    exposition = Exposition()
    self_metrics = SelfMetrics()
    exposition.publish(None, self_metrics)
    self_metrics.count_evaluator_errors(3)

    assert b"readiness_evaluator_errors_total 0.0" in exposition.get(accept_gzip=False)[0]
    exposition.publish(None, self_metrics)
    assert b"readiness_evaluator_errors_total 3.0" in exposition.get(accept_gzip=False)[0]


# --- self metrics ------------------------------------------------------------------------------


def test_fetch_duration_histogram_counts_observations() -> None:
    self_metrics = SelfMetrics(sources=["kubernetes", "pagerduty"])
    for seconds in (0.012, 0.4, 38.0):
        self_metrics.observe_fetch("kubernetes", seconds)
    body = published(None, self_metrics)
    name = "readiness_source_fetch_duration_seconds"

    assert value(body, f"{name}_count", source="kubernetes") == 3
    assert value(body, f"{name}_sum", source="kubernetes") == pytest.approx(38.412)
    assert value(body, f"{name}_bucket", source="kubernetes", le="0.025") == 1
    assert value(body, f"{name}_bucket", source="kubernetes", le="0.5") == 2
    assert value(body, f"{name}_bucket", source="kubernetes", le="60.0") == 3
    assert value(body, f"{name}_count", source="pagerduty") == 0  # pre-created child
    buckets = {s["le"] for s in samples(body, f"{name}_bucket") if s["source"] == "pagerduty"}
    assert {"0.01", "60.0", "+Inf"} <= buckets


def test_evaluator_errors_accumulate_and_refuse_negative_counts() -> None:
    self_metrics = SelfMetrics()
    self_metrics.count_evaluator_errors(2)
    self_metrics.count_evaluator_errors(0)
    self_metrics.count_evaluator_errors(5)

    assert self_metrics.registry.get_sample_value("readiness_evaluator_errors_total") == 7
    with pytest.raises(ValueError, match="negative"):
        self_metrics.count_evaluator_errors(-1)


def test_build_info_names_version_and_python(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata
    import platform

    installed = SelfMetrics().registry
    labels = {"version": monitor.exporter.package_version(), "python": platform.python_version()}
    assert installed.get_sample_value("readiness_build_info", labels) == 1

    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    fallback = SelfMetrics().registry
    labels["version"] = "0+unknown"
    assert fallback.get_sample_value("readiness_build_info", labels) == 1
