"""What the monitor remembers that its sources forget.

Velero deletes every Restore together with its Backup, so the newest successful restore (and
backup) per service is kept here; so is the time since which each item has held its status.

Trade-off: one SQLite file (a PVC in the chart) needs no server and survives restarts, but only
one process may own it. Several replicas sharing state would need PostgreSQL; shards each keep
their own file since they own disjoint services. A file that cannot be used is not fatal:
`open_or_memory` falls back to memory and a warning, so the daemon still serves, forgetting on exit.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

from monitor.errors import ReadinessError

# Ordered; version N means the first N scripts have run. Append, never edit a released one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE item_status (
        service TEXT NOT NULL,
        item    TEXT NOT NULL,
        status  TEXT NOT NULL,
        since   REAL NOT NULL,  -- UTC epoch seconds
        PRIMARY KEY (service, item)
    ) WITHOUT ROWID;
    CREATE TABLE last_success (
        kind    TEXT NOT NULL CHECK (kind IN ('restore', 'backup')),
        service TEXT NOT NULL,
        at      REAL NOT NULL,  -- UTC epoch seconds
        PRIMARY KEY (kind, service)
    ) WITHOUT ROWID;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

# Long enough to ride out a checkpoint; short enough that a second monitor on the same file
# fails at start instead of hanging a cycle.
BUSY_TIMEOUT_SECONDS = 5.0

MEMORY = ":memory:"

_Kind = Literal["restore", "backup"]


class StateError(ReadinessError):
    """The state database cannot be used: the message names the file, the cause and the fix."""


class StateStore:
    """One SQLite connection shared by the scheduler (writes) and the HTTP thread (reads)."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        # Use `open` or `memory`; they configure the connection and migrate the schema.
        self._conn = conn
        self._lock = threading.Lock()
        self.path = path

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, migrations: Sequence[str] = MIGRATIONS) -> Self:
        """Open (creating if absent) the database file at `path`; raise `StateError` if unusable."""
        return cls._connect(os.fspath(path), migrations)

    @classmethod
    def memory(cls, *, migrations: Sequence[str] = MIGRATIONS) -> Self:
        """A store that forgets everything when the process exits."""
        return cls._connect(MEMORY, migrations)

    @classmethod
    def _connect(cls, path: str, migrations: Sequence[str]) -> Self:
        conn: sqlite3.Connection | None = None
        try:
            # autocommit=True: transactions are ours (BEGIN/COMMIT below), never implicit.
            conn = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_SECONDS, autocommit=True, check_same_thread=False
            )
            # WAL: other readers of the file (a CLI, a volume backup) never block the writer,
            # and with NORMAL a commit costs no fsync; a power cut may lose the last commit,
            # which the next cycle rewrites. Our own threads are serialised by `_lock`.
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            _migrate(conn, path, migrations)
        except sqlite3.Error as error:
            if conn is not None:
                conn.close()
            raise StateError(_explain(Path(path), _code(error), str(error))) from error
        except BaseException:
            if conn is not None:
                conn.close()
            raise
        return cls(conn, path)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def update_statuses(
        self, now: datetime, statuses: Mapping[tuple[str, str], str]
    ) -> dict[tuple[str, str], datetime]:
        """Record this cycle's status per (service, item); return since when each has held it.

        `since` is kept while the status is unchanged and becomes `now` when it changes or the
        pair is new. Pairs absent from `statuses` (a service left the inventory, an item left
        the catalog) are forgotten, so a returning service starts afresh.
        """
        now_s = _to_epoch(now)
        with self._transaction() as conn:
            stored = {
                (service, item): (status, since)
                for service, item, status, since in conn.execute(
                    "SELECT service, item, status, since FROM item_status"
                )
            }
            result: dict[tuple[str, str], float] = {}
            changed: list[tuple[str, str, str, float]] = []
            for key, status in statuses.items():
                old = stored.get(key)
                if old is not None and old[0] == status:
                    result[key] = old[1]
                else:
                    result[key] = now_s
                    changed.append((*key, status, now_s))
            conn.executemany(
                "INSERT INTO item_status (service, item, status, since) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (service, item)"
                " DO UPDATE SET status = excluded.status, since = excluded.since",
                changed,
            )
            conn.executemany(
                "DELETE FROM item_status WHERE service = ? AND item = ?",
                [key for key in stored if key not in statuses],
            )
        return {key: _from_epoch(since) for key, since in result.items()}

    def remember_restores(self, observed: Mapping[str, datetime]) -> dict[str, datetime]:
        """Keep per service the newest successful restore ever seen; return all remembered."""
        return self._remember("restore", observed)

    def remember_backups(self, observed: Mapping[str, datetime]) -> dict[str, datetime]:
        """Keep per service the newest successful backup ever seen; return all remembered."""
        return self._remember("backup", observed)

    def remembered_restores(self) -> dict[str, datetime]:
        with self._transaction() as conn:
            return _remembered(conn, "restore")

    def remembered_backups(self) -> dict[str, datetime]:
        with self._transaction() as conn:
            return _remembered(conn, "backup")

    def _remember(self, kind: _Kind, observed: Mapping[str, datetime]) -> dict[str, datetime]:
        rows = [(kind, service, _to_epoch(at)) for service, at in observed.items()]
        with self._transaction() as conn:
            # max(): an older observation (a stale cache, a restored cluster) never moves it back.
            conn.executemany(
                "INSERT INTO last_success (kind, service, at) VALUES (?, ?, ?)"
                " ON CONFLICT (kind, service) DO UPDATE SET at = max(at, excluded.at)",
                rows,
            )
            return _remembered(conn, kind)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock for one BEGIN IMMEDIATE … COMMIT; sqlite errors become `StateError`."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    # SQLite already rolled back after some errors (disk full); don't mask them.
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as error:
                raise StateError(_explain(Path(self.path), _code(error), str(error))) from error


def _code(error: sqlite3.Error) -> int | None:
    """SQLite's error code; ProgrammingError (a closed connection) and friends have none."""
    code = getattr(error, "sqlite_errorcode", None)
    return code if isinstance(code, int) else None


def open_or_memory(path: str | os.PathLike[str]) -> tuple[StateStore, str | None]:
    """The store at `path`, or an in-memory one plus the warning to log when the file is unusable.

    Losing remembered facts is better than refusing to serve the rest of the report.
    """
    try:
        return StateStore.open(path), None
    except StateError as error:
        warning = (
            f"{error}. Keeping state in memory meanwhile: status ages and remembered"
            " restores and backups are lost when the monitor stops."
        )
        return StateStore.memory(), warning


def _migrate(conn: sqlite3.Connection, path: str, migrations: Sequence[str]) -> None:
    """Apply the missing migrations in one transaction; refuse a newer schema (no downgrade)."""
    conn.execute("BEGIN IMMEDIATE")  # serialises two monitors migrating the same file
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version > len(migrations):
            raise StateError(
                f"state database {path}: schema version {version} is newer than this monitor"
                f" knows ({len(migrations)}); a newer release wrote it and downgrading is"
                " refused. Run that newer release, or move the file aside (losing remembered"
                " facts), or set state.path to another file."
            )
        for script in migrations[version:]:
            conn.executescript(script)
        # Also written when nothing was missing: it proves the file is writable at start,
        # not at the first cycle.
        conn.execute(f"PRAGMA user_version = {len(migrations)}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _explain(path: Path, code: int | None, cause: str) -> str:
    """Message for a sqlite failure on `path`: which file, what went wrong, what to do."""
    where = f"state database {path}"
    if path.name == MEMORY:
        return f"in-memory state database: {cause}"
    primary = (code or 0) & 0xFF  # extended codes carry the primary code in the low byte
    if primary == sqlite3.SQLITE_NOTADB:
        return (
            f"{where} is not a SQLite database ({cause}). Move the file aside (the monitor then"
            " starts a fresh one) or set state.path to another file."
        )
    if primary == sqlite3.SQLITE_READONLY:
        return (
            f"{where} is read-only for this process ({cause}); WAL mode also writes {path}-wal"
            f" and {path}-shm next to it. Make the file and {path.parent} writable by the"
            " monitor's user (in the chart: fsGroup on the state volume) or set state.path."
        )
    if primary == sqlite3.SQLITE_BUSY:
        return (
            f"{where} is locked by another process ({cause}). Run one monitor per state file"
            " (replicas sharing state need PostgreSQL), or set state.path to another file."
        )
    parent = path.parent
    if not parent.exists():
        return (
            f"{where}: directory {parent} does not exist ({cause}). Create it (in the chart:"
            " mount the state volume there) or set state.path."
        )
    if not parent.is_dir():
        return (
            f"{where}: {parent} is not a directory ({cause}). Set state.path to a file in a"
            " writable directory."
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        return (
            f"{where}: directory {parent} is not writable by this process ({cause}). Fix its"
            " permissions (in the chart: fsGroup on the state volume) or set state.path."
        )
    return (
        f"{where} cannot be used ({cause}). Check the file, its directory and the disk, or set"
        " state.path to another file."
    )


def _remembered(conn: sqlite3.Connection, kind: _Kind) -> dict[str, datetime]:
    rows = conn.execute("SELECT service, at FROM last_success WHERE kind = ?", (kind,))
    return {service: _from_epoch(at) for service, at in rows}


def _to_epoch(moment: datetime) -> float:
    if moment.tzinfo is None:
        # A naive time would be read as local time and shift by the node's offset.
        raise ValueError(f"naive datetime {moment.isoformat()}: pass a timezone-aware one")
    return moment.timestamp()


def _from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
