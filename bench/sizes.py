"""Benchmark sizes: deterministic by seed, chosen to fit a 2-core, 24 GiB machine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    profiles: int
    events: int
    segments: int
    days: int = 90
    seed: int = 20261128
    # The run date of the "full" build; events cover the `days` days before it (the original
    # package excludes the run date itself: event_date < CURRENT_DATE).
    run_date: dt.date = dt.date(2026, 11, 1)
    repetitions: int = 3

    @property
    def first_day(self) -> dt.date:
        return self.run_date - dt.timedelta(days=self.days)

    @property
    def events_per_day(self) -> int:
        return self.events // self.days


SIZES: dict[str, Size] = {
    # T is the tiny size used by the unit tests; it is not part of a default `make bench`.
    "T": Size("T", profiles=500, events=20_000, segments=6, days=10, repetitions=1),
    "S": Size("S", profiles=10_000, events=1_000_000, segments=20, repetitions=5),
    "M": Size("M", profiles=100_000, events=10_000_000, segments=100, repetitions=3),
    "L": Size("L", profiles=1_000_000, events=50_000_000, segments=200, repetitions=3),
}

DEFAULT_SIZES: tuple[str, ...] = ("S", "M", "L")


def get_size(name: str) -> Size:
    try:
        return SIZES[name.upper()]
    except KeyError:
        raise ValueError(f"--size: unknown size {name!r}; choose one of {', '.join(SIZES)}") from None
