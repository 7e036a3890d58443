"""Small helpers shared across test folders (importable as `tests.support`)."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(reason: str) -> NoReturn:
    """Skip on a developer machine without a system package; in CI (CI=true) a missing one is
    a failure, so a green CI never means "the integration tests did not run"."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must install it (scripts/system-deps)")
    pytest.skip(reason)
