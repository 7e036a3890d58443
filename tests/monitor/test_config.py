"""The config loader: what a good file becomes, and how a bad one is refused.

A refused config must say where (file and the line of the offending key) and what (field path and
the problem), because the person reading the message is fixing a YAML file, not reading a
traceback. Each bad fixture under fixtures/config/ holds exactly one mistake.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checks.answers import resolve
from checks.model import AnswerKind, Finding, Status
from monitor.engine import configured_sources
from monitor.errors import ConfigError
from monitor.settings import load_config
from monitor.sources.offline import AlertmanagerFile, ManifestFiles

CONFIGS = Path(__file__).parent / "fixtures" / "config"
GOOD = CONFIGS / "wiki_internal_one_threshold_raised.yaml"


def refusal(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


def write(tmp_path: Path, text: str, name: str = "readiness.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- a good config ---------------------------------------------------------------------------


def test_a_minimal_config_loads_with_its_one_service() -> None:
    config = load_config(GOOD)

    assert [s.name for s in config.services] == ["wiki"]
    assert config.services[0].tier == "internal"
    assert config.services[0].team == "tools"


def test_the_shipped_tiers_are_there_even_when_the_config_names_only_one() -> None:
    config = load_config(GOOD)

    assert {"critical", "standard", "internal"} <= set(config.tiers)
    assert config.tiers["critical"].required == frozenset({"*"})


def test_raising_one_threshold_keeps_the_tiers_other_defaults(tmp_path: Path) -> None:
    shipped = load_config(write(tmp_path, "services: []\n")).tiers["internal"]
    overridden = load_config(GOOD).tiers["internal"]

    assert shipped.thresholds.min_replicas != 2, "the fixture must change a default to prove much"
    assert overridden.thresholds == replace(shipped.thresholds, min_replicas=2)
    assert overridden.required == shipped.required
    assert overridden.exempt == shipped.exempt
    assert overridden.weight == shipped.weight


def test_relative_source_paths_resolve_against_the_config_folder_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(GOOD)

    assert config.resolve("manifests/") == CONFIGS / "manifests"
    sources = configured_sources(config)
    (manifests,) = [s for s in sources if isinstance(s, ManifestFiles)]
    (alertmanager,) = [s for s in sources if isinstance(s, AlertmanagerFile)]
    assert manifests.base == CONFIGS
    assert alertmanager.path == CONFIGS / "alertmanager.yml"


def test_an_absolute_source_path_is_kept_as_written() -> None:
    config = load_config(GOOD)

    assert config.resolve("/etc/alertmanager/alertmanager.yml") == Path(
        "/etc/alertmanager/alertmanager.yml"
    )


def test_namespace_defaults_to_the_service_name() -> None:
    (wiki,) = load_config(GOOD).services

    assert wiki.namespace == "wiki"


def test_alert_match_defaults_to_the_service_label() -> None:
    (wiki,) = load_config(GOOD).services

    assert dict(wiki.alert_match) == {"service": "wiki"}


def test_an_explicit_namespace_and_alert_match_replace_the_defaults() -> None:
    (wiki,) = load_config(CONFIGS / "wiki_explicit_namespace_and_alert_match.yaml").services

    assert wiki.namespace == "knowledge"
    assert dict(wiki.alert_match) == {"team": "tools", "app": "wiki"}


def test_an_empty_file_is_a_config_with_no_services(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))

    assert config.services == ()
    assert "internal" in config.tiers


# --- bad configs: file, line, field, what ----------------------------------------------------


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    message = refusal(tmp_path / "no-such-readiness.yaml")

    assert "no-such-readiness.yaml" in message
    assert "no such file" in message


def test_a_directory_is_refused_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "configs.yaml"
    folder.mkdir()

    message = refusal(folder)

    assert "configs.yaml" in message
    assert "directory" in message


def test_a_file_that_is_not_yaml_is_refused_with_the_line_of_the_syntax_error() -> None:
    message = refusal(CONFIGS / "not_yaml_unclosed_bracket.yaml")

    # The bracket opens on line 4; the parser notices at the next entry, line 5.
    assert "not_yaml_unclosed_bracket.yaml:5" in message
    assert "line 5" in message


def test_a_top_level_list_is_refused_saying_a_mapping_is_expected() -> None:
    message = refusal(CONFIGS / "top_level_list.yaml")

    assert "top_level_list.yaml" in message
    assert "mapping" in message


# (fixture, line of the offending key, field path, what is wrong)
BAD_CONFIGS = [
    pytest.param(
        "unknown_top_level_key.yaml", 5, "servces", "not permitted", id="unknown-top-level-key"
    ),
    pytest.param(
        "service_on_unknown_tier.yaml",
        6,
        "services[1].tier",
        "unknown tier 'gold' (known: critical, internal, standard)",
        id="unknown-tier-lists-known-tiers",
    ),
    pytest.param(
        "duplicate_service.yaml", 5, "services[1].name", "duplicate service 'wiki'", id="duplicate"
    ),
    pytest.param(
        "register_item_in_wrong_dimension.yaml",
        7,
        "register[0].item",
        "unknown item 'data.health-checks' (did you mean 'reliability.health-checks'?)",
        id="register-unknown-item-with-hint",
    ),
    pytest.param(
        "register_unknown_service.yaml",
        6,
        "register[0].service",
        "unknown service 'blog'",
        id="register-unknown-service",
    ),
    pytest.param(
        "register_planned_without_due.yaml",
        6,
        "register[0]",
        "needs due",
        id="planned-without-due",
    ),
    pytest.param(
        "register_due_not_a_date.yaml",
        11,
        "register[0].due",
        "valid date",
        id="due-not-a-date",
    ),
    pytest.param(
        "register_due_month_13.yaml",
        11,
        "register[0].due",
        "month must be in 1..12",
        id="due-month-13",
    ),
    pytest.param(
        "register_accepted_without_reason.yaml",
        6,
        "register[0]",
        "needs reason",
        id="accepted-without-reason",
    ),
    pytest.param(
        "tier_requires_unknown_item.yaml",
        9,
        "tiers.internal.required[1]",
        "unknown item or dimension 'reliability.vibes'",
        id="tier-requires-unknown-item",
    ),
    pytest.param(
        "restore_test_max_age_in_parsecs.yaml",
        8,
        "tiers.standard.thresholds.restore_test_max_age",
        "'3 parsecs' is not a duration",
        id="duration-in-parsecs",
    ),
    pytest.param(
        "error_rate_150_percent.yaml",
        7,
        "services[0].slo.error_rate",
        "less than 1",
        id="error-rate-150-percent",
    ),
]


@pytest.mark.parametrize(("fixture", "line", "field", "what"), BAD_CONFIGS)
def test_a_bad_config_is_refused_naming_file_line_field_and_problem(
    fixture: str, line: int, field: str, what: str
) -> None:
    message = refusal(CONFIGS / fixture)

    assert f"{fixture}:{line}: {field}" in message
    assert what in message


def test_an_unknown_register_item_gets_no_hint_when_no_slug_matches() -> None:
    message = refusal(CONFIGS / "register_item_unheard_of.yaml")

    assert "register_item_unheard_of.yaml:7: register[0].item: unknown item 'data.vibes'" in message
    assert "did you mean" not in message


def test_every_problem_in_a_config_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "services:\n"
        "  - name: wiki\n"
        "    tier: gold\n"
        "    team: tools\n"
        "  - name: wiki\n"
        "    tier: internal\n"
        "    team: tools\n",
    )

    message = refusal(path)

    assert "readiness.yaml:3: services[0].tier: unknown tier 'gold'" in message
    assert "readiness.yaml:5: services[1].name: duplicate service 'wiki'" in message


def test_a_non_string_top_level_key_is_refused_as_a_config_error(tmp_path: Path) -> None:
    message = refusal(write(tmp_path, "services: []\n1: x\n"))

    assert "readiness.yaml" in message


def test_an_infinite_duration_is_refused_as_a_config_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tiers:\n  internal:\n    thresholds:\n      restore_test_max_age: .inf\n",
    )

    message = refusal(path)

    assert "readiness.yaml:4: tiers.internal.thresholds.restore_test_max_age" in message


def test_an_absurdly_long_duration_is_refused_as_a_config_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tiers:\n  internal:\n    thresholds:\n      restore_test_max_age: 99999999999999d\n",
    )

    message = refusal(path)

    assert "readiness.yaml:4: tiers.internal.thresholds.restore_test_max_age" in message


# --- environment overrides -------------------------------------------------------------------


def test_an_environment_variable_overrides_the_state_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READINESS_STATE__PATH", "/x.db")

    assert load_config(GOOD).settings.state.path == "/x.db"


def test_the_environment_wins_over_a_state_path_written_in_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_config(CONFIGS / "state_path_set_in_file.yaml").settings.state.path == (
        "from-the-file.db"
    )
    monkeypatch.setenv("READINESS_STATE__PATH", "/x.db")

    assert load_config(CONFIGS / "state_path_set_in_file.yaml").settings.state.path == "/x.db"


def test_a_malformed_environment_override_is_refused_as_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("READINESS_SERVICES", "[")

    message = refusal(GOOD)

    assert "READINESS_SERVICES" in message


# --- register semantics ----------------------------------------------------------------------

REGISTER = CONFIGS / "register_plan_due_2026_12_01.yaml"


def test_a_plan_due_on_a_date_lapses_at_the_end_of_that_day_utc() -> None:
    answer = load_config(REGISTER).register[("wiki", "reliability.health-checks")]

    assert answer.kind is AnswerKind.PLANNED
    assert answer.lapses_at == datetime(2026, 12, 2, tzinfo=UTC)


def test_a_plan_is_planned_through_its_due_date_and_overdue_the_next_instant() -> None:
    answer = load_config(REGISTER).register[("wiki", "reliability.health-checks")]
    gap = Finding.failed("no probes")

    last_moment = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)
    assert resolve(gap, answer, last_moment)[0] is Status.PLANNED
    assert resolve(gap, answer, datetime(2026, 12, 2, tzinfo=UTC))[0] is Status.OVERDUE


def test_an_accepted_risk_lapses_at_the_end_of_its_expiry_date() -> None:
    answer = load_config(REGISTER).register[("wiki", "security.secrets-manager")]

    assert answer.kind is AnswerKind.ACCEPTED
    assert answer.lapses_at == datetime(2026, 7, 1, tzinfo=UTC)


def test_an_attestation_with_valid_for_lapses_that_long_after_it_was_made() -> None:
    answer = load_config(REGISTER).register[("wiki", "reliability.retries-backoff")]

    assert answer.kind is AnswerKind.ATTESTED
    assert answer.lapses_at == datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=10)


def test_an_attestation_without_valid_for_lasts_its_tiers_attestation_validity() -> None:
    config = load_config(REGISTER)

    internal = config.register[("wiki", "reliability.graceful-degradation")]
    critical = config.register[("billing", "reliability.graceful-degradation")]

    assert internal.lapses_at == datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=365)
    assert critical.lapses_at == datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=90)


def test_a_register_entry_remembers_the_file_and_line_it_came_from() -> None:
    answer = load_config(REGISTER).register[("wiki", "reliability.health-checks")]

    assert answer.where == f"{REGISTER}:10"
