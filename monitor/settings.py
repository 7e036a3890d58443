"""The config file: one YAML document, validated up front, with READINESS_ env overrides.

Validation happens in two passes. Pydantic checks shapes and types (every error reported with
its file line); then cross-references are checked against the catalog and the tiers (a register
entry for an unknown item, a service on an unknown tier). Either pass refuses the start with
exit 2 rather than running on a config that means something other than what it says.

Relative paths in the config resolve against the config file's folder, so a config can be
checked in next to its manifests and run from anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from checks.model import (
    Answer,
    AnswerKind,
    Catalog,
    DataPolicy,
    Dependency,
    ServiceSpec,
    Slo,
    Thresholds,
    TierPolicy,
)
from checks.units import parse_duration
from monitor.catalog import default_tiers, load_catalog
from monitor.errors import ConfigError
from monitor.yamlio import Located, YamlError, load_located


def _duration(value: object) -> object:
    if isinstance(value, str):
        if value.strip().upper().startswith("P"):  # ISO 8601 (as the JSON Schema shows defaults)
            return value
        return parse_duration(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return timedelta(seconds=value)
        except (OverflowError, ValueError):
            raise ValueError(f"{value!r} seconds is not a usable duration") from None
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


def _ratio(value: object) -> object:
    if isinstance(value, str) and value.strip().endswith("%"):
        return float(value.strip()[:-1]) / 100
    return value


Ratio = Annotated[
    float,
    BeforeValidator(_ratio),
    Field(gt=0, lt=1),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                {"type": "string", "pattern": r"^\s*(0|[1-9]\d?)(\.\d+)?\s*%\s*$"},
            ]
        }
    ),
]
Name = Annotated[str, Field(pattern=r"^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThresholdsModel(_Strict):
    min_replicas: int = Field(2, ge=1, description="Fewest replicas (or HPA minimum) allowed.")
    restore_test_max_age: Duration = Field(
        timedelta(days=30), description="Oldest acceptable successful restore test."
    )
    backup_max_age: Duration = Field(timedelta(days=2), description="Oldest acceptable backup.")
    oncall_lookahead: Duration = Field(
        timedelta(days=14), description="How far ahead on-call coverage must be complete."
    )
    cert_expiry_margin: Duration = Field(
        timedelta(days=21), description="Least time left on a TLS certificate."
    )


class TierModel(_Strict):
    description: str = ""
    weight: int = Field(1, ge=1, le=100, description="How much its gaps weigh in priorities.")
    required: list[str] = Field(
        default_factory=list, description="Item ids, dimension ids or '*' the tier requires."
    )
    exempt: list[str] = Field(
        default_factory=list, description="Item ids or dimension ids not applicable to the tier."
    )
    attestation_validity: Duration = Field(
        timedelta(days=180), description="How long an attestation holds without valid_for."
    )
    thresholds: ThresholdsModel = ThresholdsModel()


class DependencyModel(_Strict):
    name: str = Field(min_length=1)
    timeout_key: str | None = Field(
        None, description="Env or ConfigMap key holding the timeout; default <NAME>_TIMEOUT…"
    )
    timeout_keys: list[str] = Field(default_factory=list)


class SloModel(_Strict):
    latency_p95: Duration | None = None
    error_rate: Ratio | None = Field(None, description="Allowed error ratio: 0.001 or '0.1%'.")


class DataModel(_Strict):
    stateful: bool | None = Field(
        None, description="Holds data worth backing up; unset: inferred from the evidence."
    )
    rto: Duration | None = None
    rpo: Duration | None = None
    dr_plan: str | None = Field(None, description="Link to the written DR plan.")


class AlertsModel(_Strict):
    match: dict[str, str] | None = Field(
        None, description="Rule labels that mark the service's rules; default {service: <name>}."
    )


class ServiceModel(_Strict):
    name: Name
    tier: str
    team: str = Field(min_length=1)
    namespace: str | None = Field(None, description="Default: the service name.")
    selector: dict[str, str] = Field(
        default_factory=dict, description="Workload labels; empty takes the whole namespace."
    )
    alerts: AlertsModel = AlertsModel()
    dependencies: list[DependencyModel] = Field(default_factory=list)
    slo: SloModel | None = None
    data: DataModel = DataModel()


class RegisterEntryModel(_Strict):
    service: str
    item: str
    kind: Literal["planned", "accepted", "attested"]
    owner: str = Field(min_length=1)
    plan: str | None = None
    reason: str | None = None
    evidence: str | None = None
    due: date | None = None
    expires: date | None = None
    attested_on: date | None = None
    valid_for: Duration | None = None

    @model_validator(mode="after")
    def _fields_for_kind(self) -> RegisterEntryModel:
        need = {
            "planned": ("plan", "due"),
            "accepted": ("reason", "expires"),
            "attested": ("evidence", "attested_on"),
        }[self.kind]
        missing = [f for f in need if not getattr(self, f)]
        if missing:
            article = "an" if self.kind[0] in "aeiou" else "a"
            raise ValueError(f"{article} {self.kind} entry needs {' and '.join(missing)}")
        return self


class SourceModel(_Strict):
    interval: Duration = Field(
        timedelta(seconds=60),
        description="How often the daemon refetches; items keep a failed source's last "
        "evidence for 3 intervals before they turn unknown.",
    )
    timeout: Duration = Field(
        timedelta(seconds=10), description="Bound on one call to the source (live mode)."
    )


class KubernetesSourceModel(SourceModel):
    manifests: list[str] = Field(
        default_factory=list, description="Files, folders or globs of manifests (offline mode)."
    )


class PrometheusSourceModel(SourceModel):
    rule_files: list[str] = Field(
        default_factory=list, description="Prometheus rule files or globs (offline mode)."
    )


class AlertmanagerSourceModel(SourceModel):
    config_file: str | None = Field(None, description="alertmanager.yml (offline mode).")


class SourcesModel(_Strict):
    kubernetes: KubernetesSourceModel | None = None
    prometheus: PrometheusSourceModel | None = None
    alertmanager: AlertmanagerSourceModel | None = None


class StateModel(_Strict):
    path: str = Field(
        "readiness-state.db",
        description="SQLite file for remembered facts (status since, newest restore); "
        "relative to the config file. ':memory:' keeps nothing across restarts.",
    )


class ServerModel(_Strict):
    listen: str = Field(
        "127.0.0.1:9560",
        pattern=r"^\[?[0-9A-Za-z.:-]*\]?:\d{1,5}$",
        description="HOST:PORT for /metrics, /api/v1/report and the status page.",
    )


class ScheduleModel(_Strict):
    evaluate_every: Duration = Field(
        timedelta(seconds=60),
        description="Re-evaluate at least this often even when no snapshot changed, so that "
        "plans fall due and attestations expire on time.",
    )
    jitter: float = Field(
        0.1, ge=0, le=0.5, description="Fraction of each source interval to jitter by."
    )


class Settings(BaseSettings):
    """The whole config file. Environment variables READINESS_<FIELD>[__<SUB>] override it."""

    model_config = SettingsConfigDict(
        env_prefix="READINESS_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        populate_by_name=True,
    )

    services: list[ServiceModel] = Field(
        default_factory=list, description="The inventory: every service to evaluate."
    )
    tiers: dict[str, TierModel] = Field(
        default_factory=dict,
        description="Merged key by key over the shipped critical/standard/internal tiers.",
    )
    # `register` would shadow a pydantic method; the YAML key stays `register`.
    register_: list[RegisterEntryModel] = Field(
        default_factory=list,
        alias="register",
        description="Named answers: planned (plan, due), accepted (reason, expires), "
        "attested (evidence, attested_on, valid_for).",
    )
    sources: SourcesModel = Field(
        SourcesModel(),
        description="Where evidence comes from; an unconfigured source makes "
        "the items that need it unknown.",
    )
    state: StateModel = Field(StateModel(), description="The daemon's memory.")
    server: ServerModel = Field(ServerModel(), description="The daemon's HTTP listener.")
    schedule: ScheduleModel = Field(ScheduleModel(), description="The daemon's cadence.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file is passed as init kwargs; the environment wins over it.
        return (env_settings, init_settings)


@dataclass(frozen=True, slots=True)
class Config:
    """A validated config, ready for the engine: pure `checks` types plus resolved paths."""

    path: Path
    settings: Settings
    catalog: Catalog
    tiers: Mapping[str, TierPolicy]
    services: tuple[ServiceSpec, ...]
    register: Mapping[tuple[str, str], Answer]

    @property
    def base(self) -> Path:
        return self.path.parent

    def resolve(self, path: str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.base / p


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _loc(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _validation_message(exc: ValidationError, located: Located) -> str:
    lines = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if isinstance(p, str | int)]
        # Drop pydantic's union/validator tags so the path reads as the YAML does.
        loc = [p for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
        line = located.line_of(loc)
        where = f"{located.path}:{line}" if line else str(located.path)
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {_loc(loc) or '(top level)'}: {message}")
    return "\n".join(lines)


def load_config(path: Path, catalog: Catalog | None = None) -> Config:
    """Read, validate and cross-check a config file. Raises ConfigError naming file and line."""
    try:
        located = load_located(path)
    except YamlError as exc:
        raise ConfigError(str(exc)) from None
    raw = located.data if located.data is not None else {}
    if not isinstance(raw, dict):
        raise ConfigError(
            "the config must be a YAML mapping (services:, tiers:, …)", where=str(path)
        )
    odd = [k for k in raw if not isinstance(k, str)]
    if odd:
        line = located.line_of([])
        raise ConfigError(f"top-level key {odd[0]!r} is not a name", where=f"{path}:{line}")
    catalog = catalog or load_catalog()
    user_tiers = raw.get("tiers") or {}
    if not isinstance(user_tiers, dict):
        raise ConfigError("tiers: must be a mapping of tier name to settings", where=f"{path}")
    merged = {**raw, "tiers": _merge(default_tiers(), user_tiers)}
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        raise ConfigError(_validation_message(exc, located)) from None
    except SettingsError as exc:  # a READINESS_* variable that does not parse
        field = re.search(r'field "(\w+)"', str(exc))
        name = f"READINESS_{field.group(1).upper()}" if field else "a READINESS_* variable"
        raise ConfigError(f"environment override {name} does not parse: {exc}") from None
    return _cross_check(path, located, settings, catalog)


def _tier_policy(name: str, tier: TierModel) -> TierPolicy:
    t = tier.thresholds
    return TierPolicy(
        name=name,
        weight=tier.weight,
        required=frozenset(tier.required),
        exempt=frozenset(tier.exempt),
        thresholds=Thresholds(
            min_replicas=t.min_replicas,
            restore_test_max_age=t.restore_test_max_age,
            backup_max_age=t.backup_max_age,
            oncall_lookahead=t.oncall_lookahead,
            cert_expiry_margin=t.cert_expiry_margin,
        ),
    )


def _end_of_day(day: date) -> datetime:
    """A date in the register holds through that whole day (UTC)."""
    return datetime.combine(day, time(), tzinfo=UTC) + timedelta(days=1)


def _cross_check(path: Path, located: Located, settings: Settings, catalog: Catalog) -> Config:
    problems: list[str] = []

    def complain(loc: Sequence[str | int], message: str) -> None:
        line = located.line_of(loc)
        problems.append(f"{path}:{line}: {_loc(loc)}: {message}" if line else f"{path}: {message}")

    item_ids = set(catalog.by_id)
    selectors = item_ids | {d.id for d in catalog.dimensions} | {"*"}
    for name, tier in settings.tiers.items():
        for field in ("required", "exempt"):
            for i, key in enumerate(getattr(tier, field)):
                if key not in selectors:
                    complain(["tiers", name, field, i], f"unknown item or dimension {key!r}")
    tiers = {name: _tier_policy(name, tier) for name, tier in settings.tiers.items()}

    services: list[ServiceSpec] = []
    seen: set[str] = set()
    for i, svc in enumerate(settings.services):
        if svc.name in seen:
            complain(["services", i, "name"], f"duplicate service {svc.name!r}")
        seen.add(svc.name)
        if svc.tier not in tiers:
            complain(
                ["services", i, "tier"],
                f"unknown tier {svc.tier!r} (known: {', '.join(sorted(tiers))})",
            )
        services.append(
            ServiceSpec(
                name=svc.name,
                tier=svc.tier,
                team=svc.team,
                namespace=svc.namespace or svc.name,
                selector=dict(svc.selector),
                alert_match=dict(
                    svc.alerts.match if svc.alerts.match is not None else {"service": svc.name}
                ),
                dependencies=tuple(
                    Dependency(
                        d.name,
                        tuple(d.timeout_keys) + ((d.timeout_key,) if d.timeout_key else ()),
                    )
                    for d in svc.dependencies
                ),
                slo=Slo(svc.slo.latency_p95, svc.slo.error_rate) if svc.slo else None,
                data=DataPolicy(svc.data.stateful, svc.data.rto, svc.data.rpo, svc.data.dr_plan),
            )
        )

    register: dict[tuple[str, str], Answer] = {}
    tier_of = {s.name: s.tier for s in settings.services}
    for i, entry in enumerate(settings.register_):
        loc: list[str | int] = ["register", i]
        if entry.service not in seen:
            complain([*loc, "service"], f"unknown service {entry.service!r}")
            continue
        if entry.item not in item_ids:
            near = [x for x in sorted(item_ids) if x.split(".")[-1] == entry.item.split(".")[-1]]
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            complain([*loc, "item"], f"unknown item {entry.item!r}{hint}")
            continue
        key = (entry.service, entry.item)
        if key in register:
            complain(loc, f"second register entry for {entry.service} {entry.item}")
            continue
        kind = AnswerKind(entry.kind)
        if kind is AnswerKind.PLANNED:
            assert entry.due is not None
            assert entry.plan is not None
            lapses, text, dated = _end_of_day(entry.due), entry.plan, entry.due
        elif kind is AnswerKind.ACCEPTED:
            assert entry.expires is not None
            assert entry.reason is not None
            lapses, text, dated = _end_of_day(entry.expires), entry.reason, entry.expires
        else:
            assert entry.attested_on is not None
            assert entry.evidence is not None
            tier_model = settings.tiers.get(tier_of[entry.service])
            validity = entry.valid_for or (
                tier_model.attestation_validity if tier_model else timedelta(days=180)
            )
            lapses = datetime.combine(entry.attested_on, time(), tzinfo=UTC) + validity
            text, dated = entry.evidence, entry.attested_on
        line = located.line_of(loc)
        register[key] = Answer(
            entry.service, entry.item, kind, entry.owner, text, lapses, dated, f"{path}:{line}"
        )
    if problems:
        raise ConfigError("\n".join(problems))
    return Config(path, settings, catalog, tiers, tuple(services), register)


def config_reference() -> str:
    """docs/configuration.md: every field with its type, default and why, from the models."""
    schema = config_schema()
    defs = schema.get("$defs", {})
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated by `readiness config schema --format markdown`; do not edit by hand. -->",
        "",
        "One YAML file. Relative paths resolve against the file's folder. Durations are written",
        "`30s`, `15m`, `4h`, `30d`, `1h30m`. Environment variables `READINESS_<FIELD>` override",
        "the file, nested with `__` (`READINESS_STATE__PATH`). Register dates hold through their",
        "whole day (UTC).",
        "",
    ]

    def type_of(prop: dict[str, Any]) -> str:
        if "$ref" in prop:
            return str(prop["$ref"]).rsplit("/", 1)[-1].removesuffix("Model")
        if "anyOf" in prop:
            return " or ".join(type_of(p) for p in prop["anyOf"] if p.get("type") != "null")
        if prop.get("type") == "array":
            return f"list of {type_of(prop.get('items', {}))}"
        if prop.get("type") == "object" and "additionalProperties" in prop:
            return f"map of {type_of(prop['additionalProperties'])}"
        if "enum" in prop:
            return " \\| ".join(f"`{v}`" for v in prop["enum"])
        if "const" in prop:
            return f"`{prop['const']}`"
        return str(prop.get("format") or prop.get("type") or "any")

    def section(title: str, model: dict[str, Any]) -> None:
        lines.extend(
            [f"## {title}", "", "| field | type | default | meaning |", "|---|---|---|---|"]
        )
        required = set(model.get("required", []))
        for name, prop in model.get("properties", {}).items():
            default = "required" if name in required else f"`{prop.get('default')}`"
            if "default" not in prop and name not in required:
                default = "—"
            text = str(prop.get("description", "")).replace("|", "\\|").replace("\n", " ")
            lines.append(f"| `{name}` | {type_of(prop)} | {default} | {text} |")
        lines.append("")

    section("Top level", schema)
    for name in sorted(defs):
        section(name.removesuffix("Model"), defs[name])
    return "\n".join(lines)


def config_schema() -> dict[str, Any]:
    """JSON Schema of the config file, for editors (yaml-language-server)."""
    schema = Settings.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "readiness-monitor configuration"
    return schema
