"""Fault injection for the fake API, per route pattern and count.

Kinds:
- `429`: Too Many Requests with a `Retry-After` header (seconds);
- `5xx`: a server error with the given status (default 503);
- `slow`: wait `delay` seconds before answering normally (pair with a short client read timeout);
- `drop`: announce the full Content-Length, send half the body, close the connection;
- `malformed`: 200 with a body that is not valid JSON;
- `401`: Unauthorized, as when the key is rejected.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field

KINDS = frozenset({"429", "5xx", "slow", "drop", "malformed", "401"})


@dataclass
class Fault:
    kind: str
    pattern: re.Pattern[str]
    method: str | None = None
    remaining: int | None = 1  # None: forever
    probability: float = 1.0
    status: int = 503
    retry_after: float | None = 1.0
    delay: float = 2.0
    hits: int = 0


@dataclass
class FaultInjector:
    """Holds the active faults; `match` decides (and counts) the fault for one request."""

    seed: int = 0
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.seed)

    def add(
        self,
        kind: str,
        pattern: str = ".*",
        *,
        method: str | None = None,
        count: int | None = 1,
        probability: float = 1.0,
        status: int = 503,
        retry_after: float | None = 1.0,
        delay: float = 2.0,
    ) -> Fault:
        """Inject `kind` on requests whose path matches `pattern` (re.search), `count` times."""
        if kind not in KINDS:
            raise ValueError(f"fault kind must be one of {sorted(KINDS)}, not {kind!r}")
        fault = Fault(kind, re.compile(pattern), method.upper() if method else None, count, probability,
                      status, retry_after, delay)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def match(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.remaining is not None and fault.remaining <= 0:
                    continue
                if fault.method and fault.method != method.upper():
                    continue
                if not fault.pattern.search(path):
                    continue
                if fault.probability < 1.0 and self._rng.random() >= fault.probability:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                fault.hits += 1
                return fault
        return None
