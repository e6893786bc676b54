"""Summaries of measurements: medians, events per second, ratios and the issue's targets."""

from __future__ import annotations

import statistics
from dataclasses import asdict
from typing import Any

from bench.measure import Measurement

GIB = 1024 ** 3
TARGETS = {
    "original_over_project_min": 10.0,  # project at least 10x faster than the original pattern
    "project_over_floor_max": 3.0,  # within 3x of the floor
    "incremental_over_full_max": 0.1,  # a one-new-day run at most 1/10 of a full build
    "peak_rss_gib_max": 8.0,
}


def summarize_runs(runs: list[Measurement], events: int) -> dict[str, Any]:
    walls = [r.wall_s for r in runs]
    median = statistics.median(walls)
    node_seconds = [r.detail["dbt_node_seconds"] for r in runs if "dbt_node_seconds" in r.detail]
    loads = [max(r.detail.get("load_avg_1m", [0.0])) for r in runs]
    return {
        "repetitions": len(runs),
        "median_s": round(median, 3),
        "min_s": round(min(walls), 3),
        "max_s": round(max(walls), 3),
        "median_process_s": round(statistics.median(r.process_s for r in runs), 3),
        "median_cpu_s": round(statistics.median(r.cpu_s for r in runs), 3),
        "peak_rss_gib": round(max(r.peak_rss_bytes for r in runs) / GIB, 3),
        "events_per_s": round(events / median) if median > 0 else None,
        # dbt only: the summed execution time of its nodes; the rest of the wall time is dbt's own
        # start-up, parsing, compilation and scheduling.
        "median_dbt_node_s": round(statistics.median(node_seconds), 3) if node_seconds else None,
        "max_load_avg_1m": round(max(loads), 2) if loads else None,
        "wall_s": round(median, 3),
        **_statement_figures(runs),
        "runs": [asdict(r) for r in runs],
    }


def _median_of(runs: list[Measurement], key: str) -> float | int | None:
    values = [r.detail["trino"][key] for r in runs if key in r.detail.get("trino", {})]
    if not values:
        return None
    middle = statistics.median(values)
    if isinstance(middle, float) and all(isinstance(v, int) for v in values):
        return int(middle) if middle.is_integer() else round(middle, 1)  # counts stay counts
    return round(middle, 4) if isinstance(middle, float) else middle


def _statement_figures(runs: list[Measurement]) -> dict[str, Any]:
    """Statements issued (Trino: counted by the server; DuckDB: by the bench, none for dbt) and, on
    Trino, rows and bytes read, Trino CPU seconds, peak memory and the per-statement fixed cost."""
    if any("trino" in r.detail for r in runs):
        peaks = [r.detail["trino"]["peak_memory_bytes"] for r in runs if "trino" in r.detail]
        return {
            "statements": _median_of(runs, "statements"),
            "rows_read": _median_of(runs, "rows_read"),
            "bytes_read": _median_of(runs, "bytes_read"),
            "trino_cpu_s": _median_of(runs, "trino_cpu_s"),
            "statement_elapsed_s": _median_of(runs, "statement_elapsed_s"),
            "median_statement_s": _median_of(runs, "median_statement_s"),
            "median_overhead_s": _median_of(runs, "median_overhead_s"),
            "peak_memory_gib": round(max(peaks) / GIB, 3) if peaks else None,
        }
    counted = [r.detail["statements"] for r in runs if isinstance(r.detail.get("statements"), int)]
    return {"statements": statistics.median(counted) if counted else None, "rows_read": None, "bytes_read": None}


def ratios(contenders: dict[str, dict[str, Any]], key: str = "median_s") -> dict[str, float | None]:
    """Ratios of medians; `key` is median_s (wall) or median_cpu_s (CPU seconds)."""
    def median(name: str, phase: str = "full") -> float | None:
        entry = contenders.get(name, {}).get(phase)
        return entry.get(key) if entry else None

    project, original, floor_s = median("project"), median("original"), median("floor")
    incremental = median("project", "incremental")
    original_daily = median("original", "incremental")
    daily_floor = median("floor", "incremental")
    return {
        "project_daily_over_daily_floor": (round(incremental / daily_floor, 2)
                                           if incremental and daily_floor else None),
        # the daily runs side by side (information: the targets compare full builds)
        "original_daily_over_project_daily": (round(original_daily / incremental, 2)
                                              if original_daily and incremental else None),
        "project_over_original": round(project / original, 4) if project and original else None,
        "original_over_project": round(original / project, 2) if project and original else None,
        "project_over_floor": round(project / floor_s, 2) if project and floor_s else None,
        "incremental_over_full": round(incremental / project, 4) if incremental and project else None,
    }


def targets_met(ratio: dict[str, float | None], contenders: dict[str, dict[str, Any]]) -> dict[str, Any]:
    project = contenders.get("project", {})
    peaks = [p["peak_rss_gib"] for p in project.values() if isinstance(p, dict) and "peak_rss_gib" in p]

    def check(value: float | None, ok: bool) -> str:
        return "n/a" if value is None else ("met" if ok else "missed")

    o = ratio.get("original_over_project")
    f = ratio.get("project_over_floor")
    i = ratio.get("incremental_over_full")
    peak = max(peaks) if peaks else None
    return {
        "10x_faster_than_original": check(o, o is not None and o >= TARGETS["original_over_project_min"]),
        "within_3x_of_floor": check(f, f is not None and f <= TARGETS["project_over_floor_max"]),
        "incremental_le_tenth_of_full": check(i, i is not None and i <= TARGETS["incremental_over_full_max"]),
        "peak_under_8_gib": check(peak, peak is not None and peak < TARGETS["peak_rss_gib_max"]),
    }


TRINO_TARGETS = {
    "original_over_project_full_min": 5.0,  # wall, size M
    "original_over_project_daily_min": 3.0,  # wall, size M
    "daily_statements_fraction_max": 1 / 3,  # project's statements per daily run <= 1/3 of the original's
}


def statement_ratios(contenders: dict[str, dict[str, Any]], project: str = "project") -> dict[str, float | None]:
    """Statements and rows read of the project's runs against the original's and the floors'."""
    def figure(name: str, phase: str, key: str) -> float | None:
        entry = contenders.get(name, {}).get(phase) or {}
        value = entry.get(key)
        return float(value) if isinstance(value, int | float) and value else None

    def ratio(a: float | None, b: float | None) -> float | None:
        return round(a / b, 4) if a is not None and b else None

    return {
        "statements_daily_project_over_original": ratio(figure(project, "incremental", "statements"),
                                                        figure("original", "incremental", "statements")),
        "statements_full_project_over_original": ratio(figure(project, "full", "statements"),
                                                       figure("original", "full", "statements")),
        "rows_read_full_project_over_floor": ratio(figure(project, "full", "rows_read"),
                                                   figure("floor", "full", "rows_read")),
        "rows_read_daily_project_over_daily_floor": ratio(figure(project, "incremental", "rows_read"),
                                                          figure("floor", "incremental", "rows_read")),
        "rows_read_daily_original_over_project": ratio(figure("original", "incremental", "rows_read"),
                                                       figure(project, "incremental", "rows_read")),
    }


def trino_targets_met(ratio: dict[str, float | None], counts: dict[str, float | None]) -> dict[str, str]:
    def check(value: float | None, ok: bool) -> str:
        return "n/a" if value is None else ("met" if ok else "missed")

    full, daily = ratio.get("original_over_project"), ratio.get("original_daily_over_project_daily")
    share = counts.get("statements_daily_project_over_original")
    return {
        "full_5x_faster_than_original": check(full, full is not None
                                              and full >= TRINO_TARGETS["original_over_project_full_min"]),
        "daily_3x_faster_than_original": check(daily, daily is not None
                                               and daily >= TRINO_TARGETS["original_over_project_daily_min"]),
        "daily_statements_le_third_of_original": check(share, share is not None
                                                       and share <= TRINO_TARGETS["daily_statements_fraction_max"]),
    }
