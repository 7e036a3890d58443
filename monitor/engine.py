"""One evaluation cycle: fetch every configured source, merge, evaluate, rank.

Sources are fetched once for the whole fleet; a source that raises is recorded as down and only
the items that need it turn `unknown`. The daemon calls the same pieces on its own schedule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from checks.evaluate import ItemError, evaluate_fleet
from checks.evidence import ALERTMANAGER, KUBERNETES, PROMETHEUS, FleetEvidence, SourceStatus
from checks.model import Report
from monitor.errors import SourceError
from monitor.settings import Config
from monitor.sources.kube_objects import Collected
from monitor.sources.offline import AlertmanagerFile, ManifestFiles, RuleFiles, Source


def configured_sources(config: Config) -> list[Source]:
    sources: list[Source] = []
    s = config.settings.sources
    if s.kubernetes is not None and s.kubernetes.manifests:
        sources.append(ManifestFiles(s.kubernetes.manifests, config.base))
    if s.prometheus is not None and s.prometheus.rule_files:
        sources.append(RuleFiles(s.prometheus.rule_files, config.base))
    if s.alertmanager is not None and s.alertmanager.config_file:
        sources.append(AlertmanagerFile(config.resolve(s.alertmanager.config_file), config.base))
    return sources


NOT_CONFIGURED = {
    KUBERNETES: "no kubernetes source configured (sources.kubernetes)",
    PROMETHEUS: "no prometheus source configured (sources.prometheus)",
    ALERTMANAGER: "no alertmanager source configured (sources.alertmanager)",
}


@dataclass
class Fetched:
    """The latest result of each source: its evidence, or why there is none."""

    collected: dict[str, Collected] = field(default_factory=dict)
    status: dict[str, SourceStatus] = field(default_factory=dict)


def fetch_all(sources: Iterable[Source]) -> Fetched:
    fetched = Fetched()
    for source in sources:
        try:
            fetched.collected[source.name] = source.fetch()
            fetched.status[source.name] = SourceStatus(ok=True)
        except SourceError as exc:
            fetched.status[source.name] = SourceStatus(ok=False, error=str(exc))
        except Exception as exc:  # a reader bug on odd input: that source is unknown, not fatal
            fetched.status[source.name] = SourceStatus(
                ok=False, error=f"{source.name}: could not read: {type(exc).__name__}: {exc}"
            )
    return fetched


def build_fleet(
    fetched: Fetched, remembered_restores: Mapping[str, datetime] | None = None
) -> FleetEvidence:
    parts = list(fetched.collected.values())
    status = dict(fetched.status)
    for name, reason in NOT_CONFIGURED.items():
        status.setdefault(name, SourceStatus(ok=False, error=reason))
    alertmanager = next((p.alertmanager for p in parts if p.alertmanager is not None), None)
    return FleetEvidence(
        workloads=(x for p in parts for x in p.workloads),
        pdbs=(x for p in parts for x in p.pdbs),
        autoscalers=(x for p in parts for x in p.autoscalers),
        replicasets=(x for p in parts for x in p.replicasets),
        configmaps=(x for p in parts for x in p.configmaps),
        bindings=(x for p in parts for x in p.bindings),
        roles=(x for p in parts for x in p.roles),
        ingresses=(x for p in parts for x in p.ingresses),
        schedules=(x for p in parts for x in p.schedules),
        backups=(x for p in parts for x in p.backups),
        restores=(x for p in parts for x in p.restores),
        rules=(x for p in parts for x in p.rules),
        alertmanager=alertmanager,
        problems=(x for p in parts for x in p.problems),
        sources=status,
        remembered_restores=remembered_restores,
    )


def audit(
    config: Config, now: datetime, only: str | None = None
) -> tuple[Report, list[ItemError], FleetEvidence]:
    fleet = build_fleet(fetch_all(configured_sources(config)))
    services = [s for s in config.services if only is None or s.name == only]
    report, errors = evaluate_fleet(
        services, config.tiers, fleet, config.catalog, config.register, now
    )
    return report, errors, fleet
