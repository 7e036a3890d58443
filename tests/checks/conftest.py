"""Shared setup for the evaluator tables.

The factories live in `evidence_factories.py` beside this file (tables are built at import
time, so they cannot be fixtures). This folder is not a package, on purpose: a package named
`tests/checks` would shadow the `checks` package under test. So the folder is put on the import
path here, whichever `--import-mode` pytest runs with.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from checks.evaluate import ItemError  # noqa: E402


@pytest.fixture
def item_errors() -> list[ItemError]:
    """The list evaluate_item/evaluate_service append evaluator crashes to; starts empty."""
    return []
