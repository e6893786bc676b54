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


def save(results: dict[str, Any], sizes: list[str], path: Path = RESULTS_JSON) -> dict[str, Any]:
    """Merge `sizes` of `results` into the file as it is now (another run may have written other
    sizes meanwhile) and return the merged whole."""
    merged = load(path)
    merged["machine"] = results.get("machine", merged.get("machine"))
    for name in sizes:
        merged["sizes"][name] = results["sizes"][name]
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(merged, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
    return merged


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}{unit}" if value >= 0.01 else f"{value:.4f}{unit}"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def _is_trino(entry: dict[str, Any]) -> bool:
    return entry.get("engine") == "trino"


def _gib(value: Any) -> str:
    return "—" if value is None else f"{value / 1024 ** 3:.2f}"


def trino_markdown(results: dict[str, Any]) -> list[str]:
    """The Trino runs: wall seconds (provisional on a busy machine), and the exact counts Trino keeps."""
    sizes = sorted((s for s, e in results["sizes"].items() if _is_trino(e)),
                   key=lambda s: (ORDER.index(s[0]) if s[0] in ORDER else 99, s))
    if not sizes:
        return []
    lines = ["", "## Trino", "",
             "Statements, rows and bytes read, Trino CPU and peak memory are Trino's own query statistics "
             "of each run; wall seconds depend on the machine.", "",
             "| size | contender | run | wall s | statements | rows read | MiB read | Trino CPU s | "
             "median fixed cost per statement s | peak memory GiB |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in sizes:
        entry = results["sizes"][name]
        for contender in ("project", "project_td", "original", "floor"):
            for phase, stats in entry["contenders"].get(contender, {}).items():
                run = {"full": "full", "incremental": "daily"}.get(phase, phase)
                label = {"project_td": "project (TD mode)", "floor": "floor" if phase == "full" else "daily floor"}
                who = label.get(contender, contender)
                if "error" in stats:
                    lines.append(f"| {name} | {who} | {run} | failed: {stats['error'][:80]} | | | | | | |")
                    continue
                read = stats.get("bytes_read")
                lines.append(
                    f"| {name} | {who} | {run} | {_fmt(stats['median_s'])} | {_fmt(stats.get('statements'))} | "
                    f"{_fmt(stats.get('rows_read'))} | {_fmt(None if read is None else read / 1024 ** 2)} | "
                    f"{_fmt(stats.get('trino_cpu_s'))} | {_fmt(stats.get('median_overhead_s'))} | "
                    f"{_fmt(stats.get('peak_memory_gib'))} |")
    lines += ["", "| size | original ÷ project, full (≥ 5) | daily (≥ 3) | daily statements project ÷ original "
              "(≤ 0.33) | project daily ÷ daily floor | targets | numbers agree |",
              "|---|---:|---:|---:|---:|---|---|"]
    for name in sizes:
        entry = results["sizes"][name]
        r, c, t = entry.get("ratios", {}), entry.get("statement_ratios", {}), entry.get("targets", {})
        agree = "; ".join(f"{k}: {'yes' if v.get('agree') else ('error' if 'error' in v else 'NO')}"
                          for k, v in entry.get("crosscheck", {}).items() if isinstance(v, dict))
        lines.append(f"| {name} | {_fmt(r.get('original_over_project'))} | "
                     f"{_fmt(r.get('original_daily_over_project_daily'))} | "
                     f"{_fmt(c.get('statements_daily_project_over_original'))} | "
                     f"{_fmt(r.get('project_daily_over_daily_floor'))} | "
                     f"{', '.join(f'{k}: {v}' for k, v in t.items())} | {agree} |")
    server = results.get("trino_server")
    if server:
        lines += ["", f"Trino {server.get('version')}, {server.get('nodes')} node(s)."]
    return lines


def markdown(results: dict[str, Any]) -> str:
    sizes = sorted((s for s, e in results["sizes"].items() if not _is_trino(e)),
                   key=lambda s: (ORDER.index(s[0]) if s[0] in ORDER else 99, s))
    lines = ["| size | profiles | events | segments | contender | run | median s | min–max s | CPU s | "
             "of which dbt nodes s | peak RSS GiB | events/s | load 1m |",
             "|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in sizes:
        entry = results["sizes"][name]
        shape = entry["shape"]
        for contender in ("project", "original", "floor"):
            for phase, stats in entry["contenders"].get(contender, {}).items():
                phase = "daily floor" if contender == "floor" and phase == "incremental" else phase
                if "error" in stats:
                    lines.append(f"| {name} | {shape['profiles']:,} | {shape['events']:,} | {shape['segments']} | "
                                 f"{contender} | {phase} | failed: {stats['error'][:80]} | | | | | | |")
                    continue
                lines.append(
                    f"| {name} | {shape['profiles']:,} | {shape['events']:,} | {shape['segments']} | {contender} "
                    f"| {phase} | {_fmt(stats['median_s'])} | {_fmt(stats['min_s'])}–{_fmt(stats['max_s'])} | "
                    f"{_fmt(stats.get('median_cpu_s'))} | "
                    f"{_fmt(stats.get('median_dbt_node_s'))} | {_fmt(stats['peak_rss_gib'])} | "
                    f"{_fmt(stats['events_per_s'])} | {_fmt(stats.get('max_load_avg_1m'))} |"
                )
    lines += ["", "Ratios of median wall times (in brackets: of median CPU seconds).", "",
              "| size | original ÷ project (≥ 10) | project ÷ floor (≤ 3) | incremental ÷ full (≤ 0.1) | "
              "daily runs: original ÷ project | project daily ÷ daily floor | targets (on CPU s where measured) "
              "| numbers agree |",
              "|---|---:|---:|---:|---:|---:|---|---|"]
    for name in sizes:
        entry = results["sizes"][name]
        r, t, c = entry.get("ratios", {}), entry.get("targets", {}), entry.get("ratios_cpu", {})
        met = ", ".join(f"{k}: {v}" for k, v in t.items())
        check = entry.get("crosscheck", {})
        agree = "; ".join(
            f"{k}: {'yes' if v.get('agree') else ('error' if 'error' in v else 'NO')}"
            for k, v in check.items() if isinstance(v, dict)
        )
        def pair(key: str, r=r, c=c) -> str:
            return f"{_fmt(r.get(key))} ({_fmt(c.get(key))})"

        lines.append(f"| {name} | {pair('original_over_project')} | {pair('project_over_floor')} | "
                     f"{pair('incremental_over_full')} | {pair('original_daily_over_project_daily')} | "
                     f"{pair('project_daily_over_daily_floor')} | {met} | {agree} |")
    machine = results.get("machine")
    if machine:
        lines += ["", f"Machine: {one_line(machine)}."]
    lines += trino_markdown(results)
    return "\n".join(lines) + "\n"


def write_markdown(results: dict[str, Any], path: Path = RESULTS_MD) -> str:
    text = "# Benchmark results\n\nWritten by `make bench` (`python -m bench.run`); see docs/benchmarks.md.\n\n"
    text += markdown(results)
    path.write_text(text, encoding="utf-8")
    return text
