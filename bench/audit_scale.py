"""How `readiness audit` scales with the fleet, against YAML parsing as the floor; CLI start-up.

A synthetic fleet is generated per size by templating the demo's `payments` service
(config/demo/manifests/payments, config/demo/rules/payments.yaml) into namespaces
`svc-<i>`: one multi-document manifest file per service (every third service keeps the worker
Deployment with its Role and RoleBinding, the rest run the API alone); Velero Schedule, Backup
and Restore objects in `velero` for the stateful services, templated from payments' (hourly)
for the critical tier and from catalog's (daily) for the standard tier; one rule file per 50
services with alerts labelled `service: svc-<i>`; the demo's alertmanager.yml; and a config
spreading the services over the three tiers (20% critical, 50% standard, 30% internal) with a
register of a few hundred entries.

Per size, best of `--repeat` runs, in CPU seconds of this process (`time.process_time`: the
work is single-threaded, and other load on a shared machine does not inflate it), GC on as in
the CLI; a measurement stops repeating once its runs have taken `--budget` seconds:

- floor: `yaml.load_all` with `CSafeLoader` over every manifest and rule file (parsing only);
- read: `ManifestFiles(...).fetch()` + `RuleFiles(...).fetch()` (parsing + typed evidence);
- index: `build_fleet` over the fetched sources (the by-namespace / by-label indexes);
- evaluate: `evaluate_fleet` over the prebuilt `FleetEvidence`;
- audit: `monitor.engine.audit(config, now)`, all of the above end to end;
- json: `report_dict` + `json.dumps(indent=2)`, as `readiness audit --format json` writes it;
- peak: tracemalloc's peak over one separate `audit` run, in a forked child on the second
  core while the timings run (tracing every allocation makes that run several times slower).

Then CLI start-up: median of 10 subprocess runs of a few verbs, and `-X importtime` totals.

    .venv/bin/python bench/audit_scale.py                        # 250, 1,000, 2,000 services
    .venv/bin/python bench/audit_scale.py --sizes 5000 --repeat 1 --keep /tmp/fleet
    .venv/bin/python bench/audit_scale.py --sizes 2000 --profile # + cProfile of evaluate
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import multiprocessing
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import yaml

from checks.evaluate import evaluate_fleet
from monitor.engine import audit, build_fleet, configured_sources, fetch_all
from monitor.render.data import report_dict
from monitor.settings import Config, load_config
from monitor.sources.offline import ManifestFiles, RuleFiles

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "config" / "demo"
# The demo's reference date: its Velero timestamps and register dates are relative to it.
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
SERVICES_PER_RULE_FILE = 50
REGISTER_ENTRIES = 300
# Which demo service's Velero objects (and RTO/RPO) a stateful service of each tier copies.
VELERO_TEMPLATE = {"critical": "payments", "standard": "catalog"}
DATA = {"critical": "rto: 4h, rpo: 1h", "standard": "rto: 8h, rpo: 24h"}
CLI_RUNS = 10
IMPORTTIME_RUNS = 5
OURS = frozenset({"monitor", "checks"})

# Items no evaluator reads (payments attests them in the demo): what a register answers.
REGISTER_ITEMS = (
    "reliability.retries-backoff",
    "reliability.graceful-degradation",
    "observability.structured-logs",
    "delivery.gated-pipeline",
    "delivery.migration-compat",
    "security.dependency-scanning",
    "security.credential-rotation",
    "capacity.load-tested",
    "capacity.no-shared-bottleneck",
    "incident.oncall-rotation",
    "incident.postmortems",
)


# --- the synthetic fleet ----------------------------------------------------------------------


def _documents(path: Path) -> list[str]:
    """The documents of a multi-document YAML file, as text (comments kept)."""
    parts = re.split(r"^---[ \t]*$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return [p.strip("\n") + "\n" for p in parts if p.strip()]


def _uncommented(doc: str) -> str:
    return "".join(line for line in doc.splitlines(keepends=True) if not line.startswith("#"))


def _is_object(doc: str) -> bool:
    return re.search(r"^kind:", doc, flags=re.MULTILINE) is not None


@dataclass(frozen=True)
class Templates:
    full: str  # payments as in the demo: API + worker (Role, RoleBinding, two of everything)
    api_only: str  # the same without the worker's documents
    full_objects: int
    api_only_objects: int
    velero: dict[str, dict[str, str]]  # tier -> Velero file name -> documents, as "payments"
    velero_objects: dict[str, int]
    rule_groups: str  # payments' rule groups, indented under `groups:`
    rules_per_service: int

    @classmethod
    def from_demo(cls) -> Templates:
        docs = [
            d
            for f in sorted((DEMO / "manifests" / "payments").glob("*.yaml"))
            for d in (_documents(f))
        ]
        api = [d for d in docs if "payments-worker" not in d]
        velero = {
            tier: {
                f.name: [
                    d.replace(service, "payments")
                    for d in map(_uncommented, _documents(f))
                    if service in d and _is_object(d)
                ]
                for f in sorted((DEMO / "manifests" / "velero").glob("*.yaml"))
            }
            for tier, service in VELERO_TEMPLATE.items()
        }
        rules_text = (DEMO / "rules" / "payments.yaml").read_text(encoding="utf-8")
        groups = rules_text.split("groups:\n", 1)[1]
        rules = yaml.load(rules_text, Loader=yaml.CSafeLoader)["groups"]
        return cls(
            full="---\n".join(docs),
            api_only="---\n".join(api),
            full_objects=sum(map(_is_object, docs)),
            api_only_objects=sum(map(_is_object, api)),
            velero={
                tier: {name: "---\n".join(d) for name, d in files.items()}
                for tier, files in velero.items()
            },
            velero_objects={
                tier: sum(len(d) for d in files.values()) for tier, files in velero.items()
            },
            rule_groups=groups,
            rules_per_service=sum(len(g["rules"]) for g in rules),
        )


def _tier(i: int) -> str:
    return ("critical", "critical", *["standard"] * 5, *["internal"] * 3)[i % 10]


def _with_worker(i: int) -> bool:
    return i % 3 == 0


def _manifests_for(t: Templates, i: int) -> str:
    text = t.full if _with_worker(i) else t.api_only
    text = text.replace("pay.example.com", f"svc-{i}.example.com")
    return text.replace("payments", f"svc-{i}").replace("tier: critical", f"tier: {_tier(i)}")


def _rules_for(t: Templates, i: int) -> str:
    text = (
        t.rule_groups.replace("payments_", f"svc_{i}_")
        .replace("Payments", f"Svc{i}")
        .replace("payments", f"svc-{i}")
    )
    if i % 7 == 3:  # a tail of alerts without runbooks, so not every service passes
        text = re.sub(r"^ *runbook_url: .*\n", "", text, flags=re.MULTILINE)
    return text


def _service_entry(i: int) -> str:
    tier = _tier(i)
    lines = [
        f"  - name: svc-{i}",
        f"    tier: {tier}",
        f"    team: team-{i % 40}",
        "    dependencies:",
        "      - {name: ledger-db, timeout_key: LEDGER_DB_TIMEOUT_MS}",
        "      - {name: stripe, timeout_key: STRIPE_TIMEOUT}",
        "      - {name: fraud-scoring, timeout_key: FRAUD_SCORING_TIMEOUT}",
        '    slo: {latency_p95: 300ms, error_rate: "0.05%"}',
    ]
    if i % 4 == 1:
        lines.insert(3, f"    selector: {{app.kubernetes.io/part-of: svc-{i}}}")
    if tier == "internal":
        lines.append("    data: {stateful: false}")
    else:
        lines.append(
            f"    data: {{stateful: true, {DATA[tier]}, "
            f"dr_plan: https://wiki.example.com/svc-{i}/dr}}"
        )
    return "\n".join(lines)


def _register(n: int) -> list[str]:
    entries: list[str] = []
    seen: set[tuple[int, str]] = set()
    k = 0
    while len(entries) < REGISTER_ENTRIES and k < REGISTER_ENTRIES * 4:
        i, item = (k * 7) % n, REGISTER_ITEMS[k % len(REGISTER_ITEMS)]
        k += 1
        if (i, item) in seen:
            continue
        seen.add((i, item))
        head = f"  - {{service: svc-{i}, item: {item}, owner: owner-{i % 40}, "
        match k % 10:
            case 7:  # plans, one in three of them already overdue
                due = "2026-10-01" if k % 3 == 0 else "2027-06-30"
                entries.append(head + f'kind: planned, plan: "fix it (T-{k})", due: {due}}}')
            case 8:
                entries.append(head + 'kind: accepted, reason: "known risk", expires: 2028-03-31}')
            case _:
                entries.append(
                    head + "kind: attested, attested_on: 2026-11-02, valid_for: 400d, "
                    f"evidence: https://wiki.example.com/svc-{i}/evidence/{k}}}"
                )
    return entries


@dataclass(frozen=True)
class Fleet:
    services: int
    config: Path
    files: list[Path]  # every manifest and rule file, for the floor
    objects: int  # Kubernetes objects in the manifests (Velero included)
    velero: int
    rules: int
    rule_files: int
    register: int
    size_mb: float


def generate(t: Templates, n: int, root: Path) -> Fleet:
    manifests, rules = root / "manifests", root / "rules"
    (manifests / "velero").mkdir(parents=True)
    rules.mkdir()
    files: list[Path] = []
    objects = velero_objects = 0
    velero: dict[str, list[str]] = defaultdict(list)
    for i in range(n):
        path = manifests / f"svc-{i}.yaml"
        path.write_text(_manifests_for(t, i), encoding="utf-8")
        files.append(path)
        objects += t.full_objects if _with_worker(i) else t.api_only_objects
        tier = _tier(i)
        if tier in t.velero:
            for name, text in t.velero[tier].items():
                velero[name].append(text.replace("payments", f"svc-{i}"))
            velero_objects += t.velero_objects[tier]
    for name, docs in velero.items():
        path = manifests / "velero" / name
        path.write_text("---\n".join(docs), encoding="utf-8")
        files.append(path)
    for start in range(0, n, SERVICES_PER_RULE_FILE):
        stop = min(n, start + SERVICES_PER_RULE_FILE)
        path = rules / f"svc-{start}-{stop - 1}.yaml"
        body = "".join(_rules_for(t, i) for i in range(start, stop))
        path.write_text("groups:\n" + body, encoding="utf-8")
        files.append(path)
    shutil.copy(DEMO / "alertmanager.yml", root / "alertmanager.yml")
    register = _register(n)
    config = root / "readiness.yaml"
    config.write_text(
        "\n".join(
            [
                f"# Synthetic fleet of {n} services, generated by bench/audit_scale.py",
                "sources:",
                "  kubernetes: {manifests: [manifests]}",
                "  prometheus: {rule_files: [rules]}",
                "  alertmanager: {config_file: alertmanager.yml}",
                "state: {path: ':memory:'}",
                "services:",
                *(_service_entry(i) for i in range(n)),
                "register:",
                *register,
                "",
            ]
        ),
        encoding="utf-8",
    )
    size = sum(p.stat().st_size for p in files)
    return Fleet(
        services=n,
        config=config,
        files=files,
        objects=objects + velero_objects,
        velero=velero_objects,
        rules=n * t.rules_per_service,
        rule_files=len(range(0, n, SERVICES_PER_RULE_FILE)),
        register=len(register),
        size_mb=size / 1e6,
    )


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Timer:
    repeat: int
    budget: float
    cut: int = 0  # measurements that stopped short of `repeat` runs

    def best[T](self, fn: Callable[[], T]) -> tuple[float, T]:
        best, spent, result = float("inf"), 0.0, None
        for _ in range(self.repeat):
            if spent > self.budget:
                self.cut += 1
                break
            result = None  # let the previous run's result go before the next one is timed
            gc.collect()
            start = time.process_time()
            result = fn()
            took = time.process_time() - start
            best, spent = min(best, took), spent + took
        assert result is not None
        return best, result


def floor(files: list[Path]) -> int:
    docs = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        docs += sum(1 for _ in yaml.load_all(text, Loader=yaml.CSafeLoader))
    return docs


def read_sources(config: Config) -> tuple[int, int]:
    s = config.settings.sources
    assert s.kubernetes is not None
    assert s.prometheus is not None
    kube = ManifestFiles(s.kubernetes.manifests, config.base).fetch()
    rules = RuleFiles(s.prometheus.rule_files, config.base).fetch()
    if kube.problems or rules.problems:
        raise SystemExit(f"the synthetic fleet does not read cleanly: {kube.problems[:3]}")
    return kube.read, len(rules.rules)


def _traced_audit(config: Config, out: Connection) -> None:
    gc.collect()
    tracemalloc.start()
    audit(config, NOW)
    out.send(tracemalloc.get_traced_memory()[1])
    out.close()


@contextmanager
def peak_memory(config: Config) -> Iterator[Callable[[], int]]:
    """tracemalloc's peak over one audit, in a forked child on the other core.

    Tracing every allocation makes an audit several times slower; run alongside the (CPU-time)
    measurements it costs no wall-clock time of its own on two cores.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_traced_audit, args=(config, send), daemon=True)
    child.start()
    send.close()
    try:
        yield receive.recv
    finally:
        child.join()


@dataclass
class Row:
    fleet: Fleet
    config_load: float
    floor: float
    read: float
    index: float
    evaluate: float
    items: int
    audit: float
    json: float
    json_mb: float
    peak: int


def _evaluation(config: Config, timer: Timer, profile: bool) -> tuple[float, float, int, str]:
    """Index once, then evaluate the prebuilt index: (index s, evaluate s, items, profile)."""
    fetched = fetch_all(configured_sources(config))
    t_index, fleet = timer.best(lambda: build_fleet(fetched))

    def evaluate() -> Any:
        return evaluate_fleet(
            config.services, config.tiers, fleet, config.catalog, config.register, NOW
        )

    t_eval, (report, errors) = timer.best(evaluate)
    if errors:
        raise SystemExit(f"evaluators failed on the synthetic fleet: {errors[:3]}")
    items = sum(len(s.items) for s in report.services)
    profiled = profile_text(evaluate, len(config.services)) if profile else ""
    return t_index, t_eval, items, profiled


def _audit(config: Config, timer: Timer) -> tuple[float, float, float]:
    """(audit s, JSON rendering s, JSON MB)."""
    t_audit, (report, _, _) = timer.best(lambda: audit(config, NOW))
    t_json, text = timer.best(lambda: json.dumps(report_dict(report), indent=2))
    return t_audit, t_json, len(text) / 1e6


def measure(fleet: Fleet, timer: Timer, profile: bool) -> tuple[Row, str]:
    start = time.process_time()
    config = load_config(fleet.config)
    config_load = time.process_time() - start
    with peak_memory(config) as peak:
        t_floor, docs = timer.best(lambda: floor(fleet.files))
        if docs != fleet.objects + fleet.rule_files:
            raise SystemExit(f"parsed {docs} documents; generated {fleet}")
        t_read, (objects, rules) = timer.best(lambda: read_sources(config))
        if objects != fleet.objects or rules != fleet.rules:
            raise SystemExit(f"read {objects} objects, {rules} rules; generated {fleet}")
        t_index, t_eval, items, profiled = _evaluation(config, timer, profile)
        t_audit, t_json, json_mb = _audit(config, timer)
        row = Row(
            fleet,
            config_load,
            t_floor,
            t_read,
            t_index,
            t_eval,
            items,
            t_audit,
            t_json,
            json_mb,
            peak(),
        )
    return row, profiled


def profile_text(fn: Callable[[], object], services: int) -> str:
    profiler = cProfile.Profile()
    gc.collect()
    profiler.runcall(fn)
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    rows = sorted(raw.items(), key=lambda kv: kv[1][3], reverse=True)[:10]
    lines = [
        f"\ncProfile of evaluate_fleet at {services:,} services (top 10 by cumulative time)",
        f"  {'calls':>10} {'tottime s':>10} {'cumtime s':>10}  function",
    ]
    for (file, line, name), (_, calls, tottime, cumtime, _) in rows:
        where = file.removeprefix(str(ROOT) + "/") if file != "~" else ""
        label = f"{where}:{line}({name})" if where else name
        lines.append(f"  {calls:>10,} {tottime:>10.3f} {cumtime:>10.3f}  {label}")
    return "\n".join(lines)


# --- CLI start-up -----------------------------------------------------------------------------


def median_run(argv: list[str], runs: int = CLI_RUNS) -> float:
    subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)  # warm the caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


def importtime(code: str) -> list[tuple[str, int, int]]:
    """(module, self µs, cumulative µs) per module imported by `python -c code`."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    out = []
    for line in proc.stderr.splitlines():
        m = _IMPORTTIME.match(line)
        if m:
            out.append((m.group(4), int(m.group(1)), int(m.group(2))))
    return out


def importtime_median(code: str) -> tuple[float, dict[str, float], dict[str, tuple[str, float]]]:
    """Median total (ms), median self time per top-level package (ms), and its heaviest module."""
    importtime(code)  # warm
    totals: list[float] = []
    per_package: dict[str, list[float]] = defaultdict(list)
    per_module: dict[str, list[float]] = defaultdict(list)
    for _ in range(IMPORTTIME_RUNS):
        rows = importtime(code)
        totals.append(sum(s for _, s, _ in rows) / 1000)
        package: dict[str, float] = defaultdict(float)
        for module, self_us, _ in rows:
            package[module.split(".")[0]] += self_us / 1000
            per_module[module].append(self_us / 1000)
        for name, ms in package.items():
            per_package[name].append(ms)
    packages = {k: statistics.median(v) for k, v in per_package.items()}
    heaviest: dict[str, tuple[str, float]] = {}
    for module, values in per_module.items():
        ms = statistics.median(values)
        root = module.split(".")[0]
        if root not in heaviest or ms > heaviest[root][1]:
            heaviest[root] = (module, ms)
    return statistics.median(totals), packages, heaviest


def cli_startup() -> None:
    venv_bin = ROOT / ".venv" / "bin"
    readiness = venv_bin / "readiness"
    if not readiness.exists():
        readiness = Path(sys.executable).parent / "readiness"
    print(f"\nCLI start-up (median of {CLI_RUNS} runs, subprocess wall clock)")
    commands = [
        ("python -c pass  (interpreter floor)", [sys.executable, "-c", "pass"]),
        ("python -c 'import monitor.cli'", [sys.executable, "-c", "import monitor.cli"]),
        ("readiness --help", [str(readiness), "--help"]),
        ("readiness catalog --format json", [str(readiness), "catalog", "--format", "json"]),
        (
            "readiness config check config/demo.yaml",
            [str(readiness), "config", "check", "config/demo.yaml"],
        ),
    ]
    for label, argv in commands:
        print(f"  {label:<42} {median_run(argv) * 1000:7.0f} ms")

    print(f"\nImport time (python -X importtime, median of {IMPORTTIME_RUNS} runs)")
    for code, label, top in (
        ("import monitor.cli", "the CLI's own module", 3),
        ("import monitor.engine, monitor.settings", "the audit path", 5),
    ):
        total, packages, heaviest = importtime_median(code)
        outside = sorted(
            p
            for p in packages
            if p not in sys.stdlib_module_names | OURS
            and not p.startswith("_")
            and p != "sitecustomize"
        )
        print(f"  {code:<42} {total:7.1f} ms  ({label})")
        print(f"    non-stdlib packages imported: {', '.join(outside) or 'none'}")
        print(f"    top {top} packages by import time (self times summed):")
        for name, ms in sorted(packages.items(), key=lambda kv: kv[1], reverse=True)[:top]:
            module, module_ms = heaviest[name]
            print(
                f"      {name:<20} {ms:6.1f} ms {ms / total:4.0%}   heaviest: "
                f"{module} {module_ms:.1f} ms"
            )


# --- report -----------------------------------------------------------------------------------


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'services':>8} {'objects':>7} {'floor s':>8} {'read s':>7} {'read/fl':>7} "
        f"{'index s':>7} {'eval s':>7} {'µs/item':>7} {'audit s':>7} {'audit/fl':>8} "
        f"{'json s':>7} {'peak MB':>8}"
    )
    print("\n" + header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r.fleet.services:>8,} {r.fleet.objects:>7,} {r.floor:>8.3f} {r.read:>7.3f} "
            f"{r.read / r.floor:>6.2f}x {r.index:>7.3f} {r.evaluate:>7.3f} "
            f"{r.evaluate / r.items * 1e6:>7.1f} {r.audit:>7.3f} {r.audit / r.floor:>7.2f}x "
            f"{r.json:>7.3f} {r.peak / 1e6:>8.1f}"
        )
    print(
        "  CPU seconds, best of the runs. floor: yaml.load_all (CSafeLoader) over manifests +"
        " rule files;\n  read: ManifestFiles + RuleFiles fetch; index: build_fleet; eval:"
        " evaluate_fleet on the built index\n  (µs/item: per service x item result); audit:"
        " engine.audit end to end; json: report_dict +\n  json.dumps(indent=2); peak:"
        " tracemalloc peak of one audit (separate run)."
    )

    base = rows[0]
    print(f"\nGrowth relative to {base.fleet.services:,} services (per service; 1.00 = linear)")
    print(
        f"{'services':>8} {'eval µs/svc':>11} {'eval':>6} {'read µs/obj':>11} {'read':>6} "
        f"{'index':>6} {'audit':>6} {'peak':>6}"
    )

    def per(value: float, r: Row) -> float:
        return value / r.fleet.services

    for r in rows:
        print(
            f"{r.fleet.services:>8,} {per(r.evaluate, r) * 1e6:>11.0f} "
            f"{per(r.evaluate, r) / per(base.evaluate, base):>6.2f} "
            f"{r.read / r.fleet.objects * 1e6:>11.1f} "
            f"{(r.read / r.fleet.objects) / (base.read / base.fleet.objects):>6.2f} "
            f"{per(r.index, r) / per(base.index, base):>6.2f} "
            f"{per(r.audit, r) / per(base.audit, base):>6.2f} "
            f"{per(r.peak, r) / per(base.peak, base):>6.2f}"
        )


@contextmanager
def workspace(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    path = Path(tempfile.mkdtemp(prefix="readiness-audit-scale-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="250,1000,2000", help="fleet sizes, comma separated")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement; best is kept")
    p.add_argument(
        "--budget",
        type=float,
        default=8.0,
        metavar="SECONDS",
        help="stop repeating a measurement once its runs took this long (default 8)",
    )
    p.add_argument("--keep", type=Path, metavar="DIR", help="generate the fleets here, keep them")
    p.add_argument(
        "--profile", action="store_true", help="also cProfile evaluate_fleet at the largest size"
    )
    args = p.parse_args()
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        p.error(f"--sizes {args.sizes!r}: give whole numbers, e.g. 250,1000,2000")
    if not sizes or sizes[0] < 1 or args.repeat < 1:
        p.error("--sizes and --repeat must be positive")
    if args.keep is not None:
        taken = [n for n in sizes if (args.keep / f"fleet-{n}").exists()]
        if taken:
            p.error(f"{args.keep / f'fleet-{taken[0]}'} exists; pick another --keep DIR")

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"readiness audit at scale: Python {platform.python_version()}, PyYAML {yaml.__version__}"
        f" (libyaml {'yes' if yaml.__with_libyaml__ else 'NO'}), {os.cpu_count()} CPUs, "
        f"load average {load:.2f}\nbest of {args.repeat} runs (budget {args.budget:g} s per "
        f"measurement), evaluated as of {NOW:%Y-%m-%dT%H:%M:%SZ}\n"
    )
    templates = Templates.from_demo()
    timer = Timer(args.repeat, args.budget)
    rows: list[Row] = []
    profiled = ""
    started = time.perf_counter()
    with workspace(args.keep) as work:
        for n in sizes:
            root = work / f"fleet-{n}"
            t0 = time.perf_counter()
            fleet = generate(templates, n, root)
            generated = time.perf_counter() - t0
            row, text = measure(fleet, timer, args.profile and n == sizes[-1])
            rows.append(row)
            profiled += text
            print(
                f"fleet of {n:,} services: {fleet.objects:,} objects ({fleet.velero:,} of them "
                f"Velero), {fleet.rules:,} rules in {fleet.rule_files} rule files, "
                f"{fleet.size_mb:.1f} MB of YAML\n"
                f"    register {fleet.register} entries; generated in {generated:.2f} s, "
                f"config loaded in {row.config_load:.2f} s, JSON report {row.json_mb:.1f} MB"
                + (f"; kept in {root}" if args.keep else "")
            )
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
    print_table(rows)
    if timer.cut:
        print(f"  ({timer.cut} measurement(s) ran fewer than {args.repeat} times: --budget)")
    if profiled:
        print(profiled)
    cli_startup()
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
