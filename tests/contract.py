"""The metric contract of DESIGN section 5, held by the tests rather than by the exporter.

Kept apart from `monitor/exporter.py` on purpose: a renamed metric or label in the code must
fail a test, not silently move the expectation with it.
"""

from __future__ import annotations

# name -> (type, label names). readiness_oncall_uncovered_seconds is in DESIGN too; it needs
# the PagerDuty source, which no cycle fills yet.
METRICS: dict[str, tuple[str, frozenset[str]]] = {
    "readiness_item_status": (
        "gauge",
        frozenset({"service", "tier", "dimension", "item", "status", "required"}),
    ),
    "readiness_item_status_since_timestamp_seconds": (
        "gauge",
        frozenset({"service", "dimension", "item"}),
    ),
    "readiness_service_info": ("gauge", frozenset({"service", "tier", "team"})),
    "readiness_score_ratio": ("gauge", frozenset({"service", "tier", "dimension"})),
    "readiness_unnamed_gaps": ("gauge", frozenset({"service", "tier"})),
    "readiness_restore_test_last_success_timestamp_seconds": ("gauge", frozenset({"service"})),
    "readiness_backup_last_success_timestamp_seconds": ("gauge", frozenset({"service"})),
    "readiness_alert_rules": ("gauge", frozenset({"service", "runbook"})),
    "readiness_register_expiry_timestamp_seconds": (
        "gauge",
        frozenset({"service", "item", "kind"}),
    ),
    "readiness_source_up": ("gauge", frozenset({"source"})),
    "readiness_source_last_success_timestamp_seconds": ("gauge", frozenset({"source"})),
    "readiness_source_fetch_duration_seconds": ("histogram", frozenset({"source"})),
    "readiness_cycle_last_success_timestamp_seconds": ("gauge", frozenset()),
}

# Self-metrics the daemon adds beyond the DESIGN table (proposed for it in the issue notes).
SELF_METRICS: dict[str, tuple[str, frozenset[str]]] = {
    "readiness_cycle_duration_seconds": ("gauge", frozenset()),
    "readiness_evaluator_errors": ("counter", frozenset()),
    "readiness_build_info": ("gauge", frozenset({"version", "python"})),
}
