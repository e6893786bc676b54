"""`python -m bench.run [--size S|M|L]`: generate, time the three contenders alternating, report.

For each size: the base DuckDB file is generated once (deterministic by seed, reused when
unchanged); every repetition copies it afresh for each contender, in a rotating order, and runs
the contender in its own subprocess. The project's pipeline is then given one new day of events
and an unchanged pull, and its incremental `dbt build` is timed too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from bench import machine, project, report
from bench.crosscheck import crosscheck
from bench.generate import RESULTS_DIR, add_new_day, generate
from bench.measure import ContenderFailed, Measurement, run_worker
from bench.sizes import DEFAULT_SIZES, SIZES, Size, get_size
from bench.summary import ratios, summarize_runs, targets_met
from bench.trino_run import TRINO_CONTENDERS
from bench.workload import BEHAVIOR_SCHEMA, TABLES

CONTENDERS = ("project", "original", "floor")
TRINO_DEFAULT_SIZES = ("S",)


def _shape(base: Path, size: Size) -> dict[str, Any]:
    with duckdb.connect(str(base), read_only=True) as con:
        events = sum(
            con.execute(f'select count(*) from "{BEHAVIOR_SCHEMA}"."{t.name}"').fetchone()[0]  # type: ignore[index]
            for t in TABLES
        )
        memberships = con.execute("select sum(population) from main.cdp_landing__segments").fetchone()[0]  # type: ignore[index]
    return {"profiles": size.profiles, "events": events, "segments": size.segments, "days": size.days,
            "memberships": int(memberships), "metrics": sum(len(t.metrics) for t in TABLES),
            "behaviour_tables": len(TABLES), "seed": size.seed, "run_date": size.run_date.isoformat(),
            "new_day_events": sum(int(round(size.events_per_day * t.share)) for t in TABLES)}


def _fresh_copy(base: Path, target: Path) -> Path:
    for stale in (target, target.with_suffix(target.suffix + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(base, target)
    return target


def _prefer_cpu(wall: dict[str, float | None], cpu: dict[str, float | None]) -> dict[str, float | None]:
    return {k: cpu.get(k) if cpu.get(k) is not None else v for k, v in wall.items()}


def _log(message: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC).strftime('%H:%M:%S')}] {message}", flush=True)


# Contenders measured on a daily run too; the floor's is the daily floor (bench/daily_floor.py).
DAILY_CONTENDERS = ("project", "original", "floor")


def bench_size(size: Size, repetitions: int, contenders: tuple[str, ...], label: str = "") -> dict[str, Any]:
    base = generate(size)
    shape = _shape(base, size)
    work = RESULTS_DIR / (f"{size.name}-{label}" if label else size.name)
    work.mkdir(parents=True, exist_ok=True)
    runs: dict[tuple[str, str], list[Measurement]] = {}
    errors: dict[tuple[str, str], str] = {}
    project_nodes: list[dict[str, Any]] = []
    active = list(contenders)
    for rep in range(repetitions):
        order = active[rep % len(active):] + active[: rep % len(active)] if active else []
        for contender in order:
            if (contender, "full") in errors:
                continue
            db = _fresh_copy(base, work / f"{contender}.duckdb")
            try:
                m = run_worker(contender, "full", rep, db, size.run_date, work / contender)
            except ContenderFailed as exc:
                errors[(contender, "full")] = str(exc)
                _log(f"{size.name} rep {rep + 1}: {contender} FAILED\n{exc}")
                continue
            runs.setdefault((contender, "full"), []).append(m)
            _log(f"{size.name} rep {rep + 1}/{repetitions}: {contender:8s} full        "
                 f"{m.wall_s:8.2f}s  cpu {m.cpu_s:8.2f}s  peak {m.peak_rss_bytes / 1024 ** 3:.2f} GiB")
            if contender == "project":
                project_nodes = m.detail.get("nodes", [])
            if contender in DAILY_CONTENDERS and (contender, "incremental") not in errors:
                # the daily run: one new day of events, an unchanged pull, the same file
                new_run_date = add_new_day(db, size)
                try:
                    inc = run_worker(contender, "incremental", rep, db, new_run_date, work / contender)
                except ContenderFailed as exc:
                    errors[(contender, "incremental")] = str(exc)
                    _log(f"{size.name} rep {rep + 1}: {contender} incremental FAILED\n{exc}")
                    continue
                runs.setdefault((contender, "incremental"), []).append(inc)
                _log(f"{size.name} rep {rep + 1}/{repetitions}: {contender:8s} incremental "
                     f"{inc.wall_s:8.2f}s  cpu {inc.cpu_s:8.2f}s  peak {inc.peak_rss_bytes / 1024 ** 3:.2f} GiB")
    summary: dict[str, dict[str, Any]] = {}
    for (contender, phase), measured in runs.items():
        events = shape["new_day_events"] if phase == "incremental" else shape["events"]
        summary.setdefault(contender, {})[phase] = summarize_runs(measured, events)
    for (contender, phase), message in errors.items():
        lines = message.strip().splitlines()
        summary.setdefault(contender, {})[phase] = {"error": f"{lines[0]} {lines[-1]}".strip(), "detail": message}
    ratio = ratios(summary)
    check: dict[str, Any] = {}
    if ("original", "full") in runs and ("floor", "full") in runs:
        # The project's file has had its new day added; the crosscheck reads only days before it.
        project_db = work / "project.duckdb" if ("project", "full") in runs else None
        daily = ("project", "incremental") in runs and ("original", "incremental") in runs
        check = crosscheck(work / "original.duckdb", work / "floor.duckdb", project_db, size.run_date,
                           daily=daily, floor_daily=("floor", "incremental") in runs)
    return {
        "shape": shape,
        "contenders": summary,
        "ratios": ratio,
        "ratios_cpu": ratios(summary, "median_cpu_s"),
        # CPU seconds when measured: wall times depend on what else the machine runs.
        "targets": targets_met(_prefer_cpu(ratio, ratios(summary, "median_cpu_s")), summary),
        "crosscheck": check,
        "project_slowest_nodes": project_nodes[:12],
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--size", action="append", choices=sorted(SIZES) + [s.lower() for s in SIZES],
                        help="size to run (repeatable); default: S, M and L")
    parser.add_argument("--repetitions", type=int, help="override the size's number of repetitions")
    parser.add_argument("--duckdb-memory-limit", metavar="SIZE",
                        help="DuckDB memory_limit for every contender (e.g. 6GB); default: DuckDB's own")
    parser.add_argument("--label", default="",
                        help="record the results as '<size>-<label>' (a variant run), kept apart from the plain size")
    parser.add_argument("--ab-tests", type=int, default=0, metavar="N",
                        help="configure N A/B tests of three arms each for the project (with --label, what they add)")
    parser.add_argument("--contenders",
                        help="comma list among project,original,floor (Trino also project_td); default: all")
    parser.add_argument("--engine", choices=("duckdb", "trino"), default="duckdb",
                        help="trino: on a local Trino (started for the run unless --trino-port is given)")
    parser.add_argument("--trino-host", default="127.0.0.1", help="with --engine trino and --trino-port")
    parser.add_argument("--trino-port", type=int, help="a running Trino to use instead of starting one")
    args = parser.parse_args(argv)
    allowed = TRINO_CONTENDERS if args.engine == "trino" else CONTENDERS
    contenders = tuple(c.strip() for c in (args.contenders or ",".join(allowed)).split(",") if c.strip())
    unknown = [c for c in contenders if c not in allowed]
    if unknown:
        parser.error(f"--contenders: unknown {', '.join(unknown)}; choose among {', '.join(allowed)}")
    sizes = [get_size(s) for s in (args.size or (TRINO_DEFAULT_SIZES if args.engine == "trino" else DEFAULT_SIZES))]
    if args.ab_tests:
        fewest = min(sizes, key=lambda s: s.segments)
        if args.ab_tests * 3 > fewest.segments:
            parser.error(f"--ab-tests: {args.ab_tests} tests of three arms need {args.ab_tests * 3} segments; "
                         f"size {fewest.name} has {fewest.segments}")
        os.environ[project.AB_TESTS_ENV] = str(args.ab_tests)  # read by the project's workers
    if args.engine == "trino":
        return _main_trino(args, sizes, contenders)
    if args.duckdb_memory_limit:
        os.environ[project.MEMORY_LIMIT_ENV] = args.duckdb_memory_limit
    results = report.load()
    results["machine"] = machine.describe()
    started = time.perf_counter()
    for size in sizes:
        reps = args.repetitions or size.repetitions
        _log(f"size {size.name}: {size.profiles:,} profiles, {size.events:,} events, {size.segments} segments, "
             f"{reps} repetitions")
        key = f"{size.name}-{args.label}" if args.label else size.name
        results["sizes"][key] = bench_size(size, reps, contenders, args.label)
        results["sizes"][key]["duckdb_memory_limit"] = args.duckdb_memory_limit
        merged = report.save(results, [key])
        report.write_markdown(merged)
    _log(f"done in {time.perf_counter() - started:.0f}s")
    print()
    print(report.markdown(report.load()))
    failed = [
        f"{name}/{c}/{p}" for name in results["sizes"] if name.split("-")[0] in {s.name for s in sizes}
        for c, phases in results["sizes"][name]["contenders"].items()
        for p, stats in phases.items() if "error" in stats
    ]
    if failed:
        print(f"failed runs: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _main_trino(args: argparse.Namespace, sizes: list[Size], contenders: tuple[str, ...]) -> int:
    from bench import trino_server
    from bench.trino_run import bench_size_trino

    results = report.load()
    started = time.perf_counter()
    run_id = dt.datetime.now(dt.UTC).strftime("%d%H%M%S")
    with trino_server.server(args.trino_host, args.trino_port, RESULTS_DIR / "trino-server", _log) as target:
        results.setdefault("trino_server", {}).update(trino_server.describe(target))
        for size in sizes:
            reps = args.repetitions or 1
            _log(f"size {size.name} on Trino: {size.profiles:,} profiles, {size.events:,} events, "
                 f"{size.segments} segments, {reps} repetition(s)")
            key = f"{size.name}-trino" + (f"-{args.label}" if args.label else "")
            results["sizes"][key] = bench_size_trino(size, reps, contenders, target, run_id, _log, args.label)
            merged = report.save(results, [key])
            report.write_markdown(merged)
    _log(f"done in {time.perf_counter() - started:.0f}s")
    print()
    print(report.markdown(report.load()))
    failed = [
        f"{name}/{c}/{p}" for name in results["sizes"] if name.endswith("-trino") or "-trino-" in name
        for c, phases in results["sizes"][name]["contenders"].items()
        for p, stats in phases.items() if "error" in stats
    ]
    if failed:
        print(f"failed runs: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
