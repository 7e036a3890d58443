"""Sources: each turns one outside system into `Collected` evidence, once per cycle for the fleet.

Offline mode (files) lives in `offline`; live clients arrive module by module, each behind the
same `Source` protocol so the engine and scheduler never learn which is which.
"""
