"""results.json (merged per size, so `--size S` keeps the other sizes' latest figures) and results.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.machine import one_line

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_JSON = BENCH_DIR / "results.json"
RESULTS_MD = BENCH_DIR / "results.md"
ORDER = ("S", "M", "L", "T")


def load(path: Path = RESULTS_JSON) -> dict[str, Any]:
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"sizes": {}}


def save(results: dict[str, Any], path: Path = RESULTS_JSON) -> None:
    path.write_text(json.dumps(results, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}{unit}" if value >= 0.01 else f"{value:.4f}{unit}"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def markdown(results: dict[str, Any]) -> str:
    sizes = sorted(results["sizes"], key=lambda s: ORDER.index(s) if s in ORDER else 99)
    lines = ["| size | profiles | events | segments | contender | run | median s | min–max s | "
             "of which dbt nodes s | peak RSS GiB | events/s | load 1m |",
             "|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|"]
    for name in sizes:
        entry = results["sizes"][name]
        shape = entry["shape"]
        for contender in ("project", "original", "floor"):
            for phase, stats in entry["contenders"].get(contender, {}).items():
                if "error" in stats:
                    lines.append(f"| {name} | {shape['profiles']:,} | {shape['events']:,} | {shape['segments']} | "
                                 f"{contender} | {phase} | failed: {stats['error'][:80]} | | | | | |")
                    continue
                lines.append(
                    f"| {name} | {shape['profiles']:,} | {shape['events']:,} | {shape['segments']} | {contender} "
                    f"| {phase} | {_fmt(stats['median_s'])} | {_fmt(stats['min_s'])}–{_fmt(stats['max_s'])} | "
                    f"{_fmt(stats.get('median_dbt_node_s'))} | {_fmt(stats['peak_rss_gib'])} | "
                    f"{_fmt(stats['events_per_s'])} | {_fmt(stats.get('max_load_avg_1m'))} |"
                )
    lines += ["", "| size | original ÷ project (≥ 10) | project ÷ floor (≤ 3) | incremental ÷ full (≤ 0.1) | "
              "targets | numbers agree |", "|---|---:|---:|---:|---|---|"]
    for name in sizes:
        entry = results["sizes"][name]
        r, t = entry.get("ratios", {}), entry.get("targets", {})
        met = ", ".join(f"{k}: {v}" for k, v in t.items())
        check = entry.get("crosscheck", {})
        agree = "; ".join(
            f"{k}: {'yes' if v.get('agree') else ('error' if 'error' in v else 'NO')}"
            for k, v in check.items() if isinstance(v, dict)
        )
        lines.append(f"| {name} | {_fmt(r.get('original_over_project'))} | {_fmt(r.get('project_over_floor'))} | "
                     f"{_fmt(r.get('incremental_over_full'))} | {met} | {agree} |")
    machine = results.get("machine")
    if machine:
        lines += ["", f"Machine: {one_line(machine)}."]
    return "\n".join(lines) + "\n"


def write_markdown(results: dict[str, Any], path: Path = RESULTS_MD) -> str:
    text = "# Benchmark results\n\nWritten by `make bench` (`python -m bench.run`); see docs/benchmarks.md.\n\n"
    text += markdown(results)
    path.write_text(text, encoding="utf-8")
    return text
