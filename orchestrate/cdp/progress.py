"""Progress while pulling: a tqdm bar on a terminal, quiet log lines otherwise."""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any, TextIO

log = logging.getLogger("orchestrate.pull")


class Progress:
    """`phase(name, total)` then `advance()` per unit of work; thread-safe."""

    def __init__(self, stream: TextIO | None = None, *, interval: float = 10.0, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self.enabled = enabled
        self._tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self._lock = threading.Lock()
        self._bar: Any = None
        self._name = ""
        self._total = 0
        self._done = 0
        self._last = 0.0

    def phase(self, name: str, total: int) -> None:
        self.close()
        with self._lock:
            self._name, self._total, self._done, self._last = name, total, 0, time.monotonic()
            if self._tty and total > 0:
                from tqdm import tqdm

                self._bar = tqdm(total=total, desc=name, file=self.stream, leave=False)
            elif self.enabled and total > 0:
                log.info("%s: 0/%d", name, total)

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self._done += n
            if self._bar is not None:
                self._bar.update(n)
            elif self.enabled and time.monotonic() - self._last >= self.interval:
                self._last = time.monotonic()
                log.info("%s: %d/%d", self._name, self._done, self._total)

    def close(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None
            elif self.enabled and self._total > 0 and self._name:
                log.info("%s: %d/%d done", self._name, self._done, self._total)
            self._name, self._total = "", 0
