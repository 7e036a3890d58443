"""What the monitor remembers outlives the process and the Velero objects it learned it from."""

from __future__ import annotations

import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

pytestmark = pytest.mark.integration

RESTORES = "manifests/velero/restores.yaml"
RESTORE_METRIC = "readiness_restore_test_last_success_timestamp_seconds"
SINCE_METRIC = "readiness_item_status_since_timestamp_seconds"


def _covers_payments(doc: dict[str, Any]) -> bool:
    spec = doc.get("spec") or {}
    return "payments" in (spec.get("includedNamespaces") or []) or str(
        spec.get("backupName", "")
    ).startswith("payments-")


def _state(daemon: Any) -> tuple[dict[str, float], dict[tuple[str, str], float], dict[str, Any]]:
    families = daemon.metrics()
    restores = {s.labels["service"]: s.value for s in families[RESTORE_METRIC].samples}
    since = {
        (s.labels["service"], s.labels["item"]): s.value for s in families[SINCE_METRIC].samples
    }
    statuses = {
        (s.labels["service"], s.labels["item"]): s.labels["status"]
        for s in families["readiness_item_status"].samples
    }
    return restores, since, statuses


def test_restore_time_and_status_ages_survive_a_restart_without_the_restore_objects(
    demo: Any, start_daemon: Callable[..., Any]
) -> None:
    payments_restores = [d for d in demo.read_docs(RESTORES) if _covers_payments(d)]
    assert payments_restores, "the demo has a payments restore test to forget"
    completed = max(
        datetime.fromisoformat(d["status"]["completionTimestamp"])
        for d in payments_restores
        if d["status"]["phase"] == "Completed"
    )

    first = start_daemon(demo.config)
    restores_before, since_before, statuses_before = _state(first)
    restore_item_before = first.item("payments", "data.restore-tested")
    first.stop(signal.SIGTERM, timeout=5)  # the exit code is test_serve_process's business

    assert restores_before["payments"] == completed.timestamp()
    assert {k for k in since_before if k[0] == "payments"}, "payments' status ages are exported"

    # Velero deletes the Restore with its Backup: the restarted monitor never sees it.
    demo.edit_docs(RESTORES, lambda docs: [d for d in docs if not _covers_payments(d)])
    assert not [d for d in demo.read_docs(RESTORES) if _covers_payments(d)]

    second = start_daemon(demo.config)
    restores_after, since_after, statuses_after = _state(second)

    assert restores_after.get("payments") == restores_before["payments"], (
        "the remembered restore time is gone after the restart"
    )
    restore_item = second.item("payments", "data.restore-tested")
    assert restore_item["status"] == restore_item_before["status"]
    assert not any("payments-hourly" in e for e in restore_item["evidence"])
    # The demo's restore passes the critical tier's 30 days until 2026-12-25; after that real
    # date the item fails either way and only the remembered timestamp is left to check.
    if datetime.now(UTC) - completed < timedelta(days=29):
        assert restore_item_before["status"] == "pass"
        assert restore_item["status"] == "pass"
        assert any("remembered" in e for e in restore_item["evidence"]), restore_item

    # Nothing but a Restore object changed, so no item changed status nor restarted its age.
    assert statuses_after == statuses_before
    changed = {k: (since_before[k], v) for k, v in since_after.items() if since_before[k] != v}
    assert not changed, (
        f"{len(changed)} status ages reset by the restart (before, after), e.g. "
        f"{list(changed.items())[:3]}"
    )
    assert since_after["payments", "data.restore-tested"] == pytest.approx(
        datetime.fromisoformat(restore_item["since"]).timestamp(), abs=1e-3
    )
    assert max(since_after.values()) < _first_log_time(second), "every age predates the restart"


def _first_log_time(daemon: Any) -> float:
    return datetime.fromisoformat(daemon.log_records()[0]["ts"]).timestamp()
