"""The event window dbt computes from `time_window` (macros/config/sa_event_window.sql): lookbacks
truncated to their unit like TD_INTERVAL, ranges with an exclusive end, and never past the run date
(a day counts only after it ends). Expected bounds are written out by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.fixtures.dbt_project import DbtWorkspace

RUN = "2026-03-18"  # a Wednesday

CASES: list[tuple[dict, str | None, str]] = [
    ({"type": "none"}, None, "2026-03-18"),
    ({"type": "interval", "lookback": "-30d"}, "2026-02-16", "2026-03-18"),
    ({"type": "interval", "lookback": "-2w"}, "2026-03-02", "2026-03-18"),        # Monday 2 weeks back
    ({"type": "interval", "lookback": "-1M"}, "2026-02-01", "2026-03-18"),        # start of last month
    ({"type": "interval", "lookback": "-20M"}, "2024-07-01", "2026-03-18"),
    ({"type": "interval", "lookback": "-1q"}, "2025-10-01", "2026-03-18"),        # start of last quarter
    ({"type": "interval", "lookback": "-1y"}, "2025-01-01", "2026-03-18"),
    ({"type": "interval", "lookback": "-36h"}, "2026-03-16 12:00:00", "2026-03-18"),
    ({"type": "interval", "lookback": "-7d", "anchor": "2026-03-10"}, "2026-03-03", "2026-03-10"),
    ({"type": "interval", "lookback": "-7d", "anchor": "2026-04-01"}, "2026-03-25", "2026-03-18"),
    ({"type": "range", "start_date": "2026-01-01", "end_date": "2026-02-01"}, "2026-01-01", "2026-02-01"),
    ({"type": "range", "start_date": "2026-01-01"}, "2026-01-01", "2026-03-18"),   # 2222-02-02 = open end
]


def _epoch(text: str) -> int:
    fmt = "%Y-%m-%d %H:%M:%S" if " " in text else "%Y-%m-%d"
    return int(datetime.strptime(text, fmt).replace(tzinfo=UTC).timestamp())


def test_event_windows(dbt_workspace: DbtWorkspace, capfd: pytest.CaptureFixture[str]) -> None:
    cases = [{"window": window, "run_date": RUN} for window, _start, _end in CASES]
    dbt_workspace.dbt(["run-operation", "sa_print_event_windows", "--args", json.dumps({"cases": cases})])
    lines = [line for line in capfd.readouterr().out.splitlines() if line.startswith("SA_EVENT_WINDOW ")]
    found = {int(index): json.loads(payload) for index, payload in (line.split(" ", 2)[1:] for line in lines)}
    assert len(found) == len(CASES)
    for index, (window, start, end) in enumerate(CASES):
        got = found[index]
        want_start = None if start is None else _epoch(start)
        want_end = min(_epoch(end), _epoch(RUN))
        assert (got["start_epoch"], got["end_epoch"]) == (min(want_start, want_end) if want_start else None,
                                                          want_end), window
