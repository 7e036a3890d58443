from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.errors import ReadinessError
from monitor.state import (
    MIGRATIONS,
    SCHEMA_VERSION,
    StateError,
    StateStore,
    _explain,
    open_or_memory,
)

MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


@pytest.fixture
def garbage_file(tmp_path: Path) -> Path:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not a sqlite database\n" * 20)
    return path


@pytest.fixture
def path_in_unwritable_dir(tmp_path: Path) -> Iterator[Path]:
    """A database path whose directory this process cannot write.

    chmod stops an ordinary user; root (as in CI) writes through it, so there the "directory"
    is a regular file, which stops everyone.
    """
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.geteuid() != 0 and not os.access(locked, os.W_OK):
        yield locked / "state.db"
        locked.chmod(0o700)  # so tmp_path can be cleaned up
    else:
        blocker = tmp_path / "file.txt"
        blocker.write_text("a regular file, not a directory\n")
        yield blocker / "state.db"


def _user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        return int(version)
    finally:
        conn.close()


# --- since: how long each item has held its status -------------------------------------------


def test_since_survives_reopen_when_status_unchanged(db_path: Path) -> None:
    with StateStore.open(db_path) as store:
        store.update_statuses(MONDAY, {("payments", "backups"): "fail"})

    with StateStore.open(db_path) as store:
        since = store.update_statuses(TUESDAY, {("payments", "backups"): "fail"})

    assert since == {("payments", "backups"): MONDAY}


def test_status_change_resets_since(db_path: Path) -> None:
    with StateStore.open(db_path) as store:
        store.update_statuses(
            MONDAY, {("payments", "backups"): "fail", ("payments", "slo"): "pass"}
        )
        since = store.update_statuses(
            TUESDAY, {("payments", "backups"): "pass", ("payments", "slo"): "pass"}
        )

    assert since == {("payments", "backups"): TUESDAY, ("payments", "slo"): MONDAY}


def test_new_item_gets_now_as_since() -> None:
    with StateStore.memory() as store:
        store.update_statuses(MONDAY, {("payments", "backups"): "fail"})
        since = store.update_statuses(
            TUESDAY, {("payments", "backups"): "fail", ("checkout", "backups"): "fail"}
        )

    assert since == {("payments", "backups"): MONDAY, ("checkout", "backups"): TUESDAY}


def test_removed_service_rows_disappear(db_path: Path) -> None:
    with StateStore.open(db_path) as store:
        store.update_statuses(
            MONDAY, {("payments", "backups"): "fail", ("legacy-billing", "backups"): "fail"}
        )
        since = store.update_statuses(TUESDAY, {("payments", "backups"): "fail"})
        # Back in the inventory later: it starts afresh instead of inheriting Monday.
        returned = store.update_statuses(
            WEDNESDAY, {("payments", "backups"): "fail", ("legacy-billing", "backups"): "fail"}
        )

    assert since == {("payments", "backups"): MONDAY}
    assert returned[("legacy-billing", "backups")] == WEDNESDAY
    conn = sqlite3.connect(db_path)
    services = {row[0] for row in conn.execute("SELECT service FROM item_status")}
    conn.close()
    assert services == {"payments", "legacy-billing"}


def test_since_comes_back_timezone_aware_utc() -> None:
    paris = datetime(2025, 3, 3, 11, 0, 0, 123456, tzinfo=ZoneInfo("Europe/Paris"))
    with StateStore.memory() as store:
        since = store.update_statuses(paris, {("payments", "backups"): "fail"})

    (value,) = since.values()
    assert value.tzinfo is UTC
    assert value == datetime(2025, 3, 3, 10, 0, 0, 123456, tzinfo=UTC)


def test_naive_datetime_is_refused() -> None:
    with StateStore.memory() as store, pytest.raises(ValueError, match="naive"):
        store.update_statuses(datetime(2025, 3, 3, 9, 0), {("payments", "backups"): "fail"})


# --- remembered restores and backups ----------------------------------------------------------


def test_restores_survive_reopen_after_objects_are_gone(db_path: Path) -> None:
    with StateStore.open(db_path) as store:
        store.remember_restores({"payments": MONDAY, "checkout": TUESDAY})

    # Velero deleted payments' Restore with its Backup: the observation no longer has it.
    with StateStore.open(db_path) as store:
        remembered = store.remember_restores({"checkout": TUESDAY})
        read_back = store.remembered_restores()

    assert remembered == {"payments": MONDAY, "checkout": TUESDAY}
    assert read_back == remembered


def test_newer_observed_restore_replaces_stored() -> None:
    with StateStore.memory() as store:
        store.remember_restores({"payments": MONDAY})
        remembered = store.remember_restores({"payments": WEDNESDAY})

    assert remembered == {"payments": WEDNESDAY}


def test_older_observed_restore_never_moves_it_back() -> None:
    with StateStore.memory() as store:
        store.remember_restores({"payments": WEDNESDAY})
        remembered = store.remember_restores({"payments": MONDAY})
        read_back = store.remembered_restores()

    assert remembered == {"payments": WEDNESDAY}
    assert read_back == {"payments": WEDNESDAY}


def test_backups_are_remembered_apart_from_restores() -> None:
    with StateStore.memory() as store:
        store.remember_restores({"payments": MONDAY})
        store.remember_backups({"payments": WEDNESDAY})
        backups = store.remember_backups({"payments": TUESDAY})
        restores = store.remembered_restores()

    assert backups == {"payments": WEDNESDAY}
    assert restores == {"payments": MONDAY}


# --- files that cannot be used ----------------------------------------------------------------


def test_garbage_file_raises_state_error_naming_the_path(garbage_file: Path) -> None:
    with pytest.raises(StateError) as caught:
        StateStore.open(garbage_file)

    message = str(caught.value)
    assert str(garbage_file) in message
    assert "not a database" in message
    assert "move the file aside" in message.lower()
    assert isinstance(caught.value, ReadinessError)
    # The file is evidence for whoever investigates: never overwritten.
    assert garbage_file.read_bytes() == b"this is not a sqlite database\n" * 20


def test_garbage_file_falls_back_to_memory_with_warning(garbage_file: Path) -> None:
    store, warning = open_or_memory(garbage_file)

    with store:
        assert store.path == ":memory:"
        assert store.update_statuses(MONDAY, {("payments", "backups"): "fail"}) == {
            ("payments", "backups"): MONDAY
        }
    assert warning is not None
    assert str(garbage_file) in warning
    assert "memory" in warning


def test_usable_file_opens_without_warning(db_path: Path) -> None:
    store, warning = open_or_memory(db_path)

    with store:
        assert store.path == str(db_path)
    assert warning is None


def test_unwritable_directory_raises_state_error(path_in_unwritable_dir: Path) -> None:
    with pytest.raises(StateError) as caught:
        StateStore.open(path_in_unwritable_dir)

    message = str(caught.value)
    assert str(path_in_unwritable_dir) in message
    assert "state.path" in message
    assert not path_in_unwritable_dir.exists()


def test_unwritable_directory_falls_back_to_memory(path_in_unwritable_dir: Path) -> None:
    store, warning = open_or_memory(path_in_unwritable_dir)

    store.close()
    assert store.path == ":memory:"
    assert warning is not None
    assert str(path_in_unwritable_dir) in warning


def test_missing_directory_says_it_does_not_exist(tmp_path: Path) -> None:
    path = tmp_path / "no-such-dir" / "state.db"

    with pytest.raises(StateError, match="does not exist") as caught:
        StateStore.open(path)

    assert str(path) in str(caught.value)
    assert not path.parent.exists()  # reported, not silently created


_OPEN = """
import sys
from monitor.state import StateError, StateStore
try:
    StateStore.open(sys.argv[1])
except StateError as exc:
    print(exc)
else:
    print("opened")
"""


def test_read_only_file_raises_state_error(tmp_path: Path) -> None:
    db_path = tmp_path / "state.db"
    StateStore.open(db_path).close()
    db_path.chmod(0o400)
    if os.geteuid() != 0:
        with pytest.raises(StateError, match="read-only") as caught:
            StateStore.open(db_path)
        message = str(caught.value)
    else:
        # Root writes through file modes; open the file from a root process that has given up
        # the capabilities which override them, as the chart's non-root container would be.
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("setpriv (util-linux) is needed to drop root's file-mode override")
        done = subprocess.run(
            [
                setpriv,
                "--bounding-set=-dac_override,-dac_read_search,-fowner",
                sys.executable,
                "-c",
                _OPEN,
                str(db_path),
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        message = done.stdout.strip()
    assert "read-only" in message
    assert str(db_path) in message


@pytest.mark.parametrize(
    ("code", "cause", "expected"),
    [
        (sqlite3.SQLITE_NOTADB, "file is not a database", "move the file aside"),
        (sqlite3.SQLITE_READONLY, "attempt to write a readonly database", "writable"),
        (sqlite3.SQLITE_READONLY | (1 << 8), "attempt to write a readonly database", "read-only"),
        (sqlite3.SQLITE_BUSY, "database is locked", "one monitor per state file"),
        (sqlite3.SQLITE_FULL, "database or disk is full", "disk"),
    ],
)
def test_explanation_names_path_cause_and_fix(
    db_path: Path, code: int, cause: str, expected: str
) -> None:
    message = _explain(db_path, code, cause)

    assert str(db_path) in message
    assert cause in message
    assert expected in message.lower()


# --- schema migrations ------------------------------------------------------------------------


def test_open_sets_schema_version(db_path: Path) -> None:
    StateStore.open(db_path).close()

    assert _user_version(db_path) == SCHEMA_VERSION == len(MIGRATIONS)


def test_migrations_run_once_across_reopens(db_path: Path) -> None:
    counting = "CREATE TABLE runs (n INTEGER); INSERT INTO runs VALUES (1);"
    StateStore.open(db_path, migrations=(*MIGRATIONS,)).close()
    StateStore.open(db_path, migrations=(*MIGRATIONS, counting)).close()
    StateStore.open(db_path, migrations=(*MIGRATIONS, counting)).close()

    conn = sqlite3.connect(db_path)
    (runs,) = conn.execute("SELECT count(*) FROM runs").fetchone()
    conn.close()
    assert runs == 1
    assert _user_version(db_path) == len(MIGRATIONS) + 1


def test_reopen_keeps_data_and_version(db_path: Path) -> None:
    with StateStore.open(db_path) as store:
        store.remember_restores({"payments": MONDAY})

    with StateStore.open(db_path) as store:
        assert store.remembered_restores() == {"payments": MONDAY}
    assert _user_version(db_path) == SCHEMA_VERSION


def test_failed_migration_leaves_nothing_half_applied(db_path: Path) -> None:
    broken = "CREATE TABLE half (n INTEGER); THIS IS NOT SQL;"

    with pytest.raises(StateError):
        StateStore.open(db_path, migrations=(*MIGRATIONS, broken))

    assert _user_version(db_path) == 0
    conn = sqlite3.connect(db_path)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert tables == set()


def test_future_schema_version_is_refused(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()

    with pytest.raises(StateError, match="newer") as caught:
        StateStore.open(db_path)

    message = str(caught.value)
    assert str(db_path) in message
    assert "downgrad" in message
    assert _user_version(db_path) == SCHEMA_VERSION + 1  # left as the newer release wrote it


def test_open_uses_wal_journal(db_path: Path) -> None:
    StateStore.open(db_path).close()

    conn = sqlite3.connect(db_path)
    (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
    conn.close()
    assert mode == "wal"
