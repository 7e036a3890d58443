"""The exception tree, drawn once here (after httpx's habit).

    ReadinessError                 base; never escapes `main()` as a traceback
    ├── ConfigError                the config (or a file it names) is wrong → exit 2, refused start
    │                              carries where (file:line, field) and what
    ├── StateError                 the state database (monitor/state.py) cannot be used: names the
    │                              file, the cause and the fix; the daemon falls back to memory
    └── SourceError                a source could not produce evidence this cycle
        ├── SourceUnavailable      temporary: network, timeout, 5xx → retry next round, items
        │                          that need it go `unknown` after the staleness window
        └── SourceRejected         permanent until a human acts: 401/403, bad kubeconfig

Evaluator crashes are not exceptions past `checks.evaluate`: they become an `unknown` item and
a counted `ItemError`. Malformed evidence (one bad manifest) is not an exception either: it is a
`Problem` that makes only the affected items `unknown`.
"""

from __future__ import annotations


class ReadinessError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(ReadinessError):
    """Bad configuration: the message names file, line or field, and what is wrong."""

    def __init__(self, message: str, *, where: str = "") -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class SourceError(ReadinessError):
    def __init__(self, source: str, message: str) -> None:
        self.source = source
        super().__init__(f"{source}: {message}")


class SourceUnavailable(SourceError):
    """Temporary: retrying later may work."""


class SourceRejected(SourceError):
    """Permanent until someone fixes credentials or permissions."""
