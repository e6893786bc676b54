"""`python -m bench.run --engine trino`: the contenders on a Trino server, counted by Trino.

The data are generated inside Trino (bench.trino_data) once per size. Every repetition starts from
the base data (new-day events deleted, landing re-landed, every contender's schema dropped), runs
each contender's full run in a rotating order, then adds one new day and an unchanged pull and runs
each contender's daily run. Each run is one worker subprocess connected as its own Trino user, so
its statements, rows and bytes read, CPU time and peak memory are read back from Trino afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import trino_data
from bench.crosscheck import crosscheck_trino
from bench.daily_floor import SCHEMA as DAILY_FLOOR_SCHEMA
from bench.floor import SCHEMA as FLOOR_SCHEMA
from bench.generate import RESULTS_DIR
from bench.measure import ContenderFailed, Measurement, run_worker
from bench.original import SCHEMA as ORIGINAL_SCHEMA
from bench.sizes import Size
from bench.summary import ratios, statement_ratios, summarize_runs, trino_targets_met
from bench.trino_engine import TrinoTarget, statements_of, summarize_statements, top_statements, user_for

TRINO_CONTENDERS = ("project", "project_td", "original", "floor")
PROJECT_SCHEMAS = {"project": "bench_project", "project_td": "bench_project_td"}
OUTPUT_SCHEMAS = (*PROJECT_SCHEMAS.values(), ORIGINAL_SCHEMA, FLOOR_SCHEMA, DAILY_FLOOR_SCHEMA)


def _drop_outputs(target: TrinoTarget) -> None:
    with target.session(trino_data.GENERATOR_USER) as session:
        for schema in OUTPUT_SCHEMAS:
            trino_data.drop_schema(session, schema)


def _measure(target: TrinoTarget, run_id: str, size: Size, contender: str, phase: str, rep: int,
             run_date: dt.date, work: Path) -> Measurement:
    user = user_for(run_id, size.name, contender, phase, rep)
    m = run_worker(contender, phase, rep, Path("-"), run_date, work / contender, engine="trino",
                   extra_env=target.env(user))
    stats = statements_of(target, user)
    m.detail["trino_user"] = user
    m.detail["trino"] = summarize_statements(stats)
    m.detail["trino_top_statements"] = top_statements(stats)
    return m


def bench_size_trino(size: Size, repetitions: int, contenders: tuple[str, ...], target: TrinoTarget,
                     run_id: str, log: Callable[[str], None], label: str = "") -> dict[str, Any]:
    generated = trino_data.generate(target, size)
    log(f"{size.name}: data {'generated' if generated else 'reused'} in Trino")
    shape = trino_data.shape(target, size)
    work = RESULTS_DIR / f"{size.name}-trino{'-' + label if label else ''}"
    work.mkdir(parents=True, exist_ok=True)
    runs: dict[tuple[str, str], list[Measurement]] = {}
    errors: dict[tuple[str, str], str] = {}
    active = list(contenders)
    check: dict[str, Any] = {}
    for rep in range(repetitions):
        if rep > 0:
            with target.session(trino_data.GENERATOR_USER) as session:
                trino_data.reset_new_day(target, session, size)
        _drop_outputs(target)
        order = active[rep % len(active):] + active[: rep % len(active)]
        for phase in ("full", "incremental"):
            run_date = size.run_date
            if phase == "incremental":
                run_date = trino_data.add_new_day(target, size)
            for contender in order:
                if (contender, "full") in errors or (contender, phase) in errors:
                    continue
                try:
                    m = _measure(target, run_id, size, contender, phase, rep, run_date, work)
                except ContenderFailed as exc:
                    errors[(contender, phase)] = str(exc)
                    log(f"{size.name} trino rep {rep + 1}: {contender} {phase} FAILED\n{exc}")
                    continue
                runs.setdefault((contender, phase), []).append(m)
                t = m.detail["trino"]
                log(f"{size.name} trino rep {rep + 1}/{repetitions}: {contender:10s} {phase:11s} "
                    f"{m.wall_s:8.2f}s  {t['statements']:5d} statements  {t['rows_read']:>12,} rows read  "
                    f"peak {t['peak_memory_bytes'] / 1024 ** 3:.2f} GiB")
        if rep == repetitions - 1 and ("original", "full") in runs and ("floor", "full") in runs:
            daily = ("original", "incremental") in runs
            schemas = {c: s for c, s in PROJECT_SCHEMAS.items() if (c, "full") in runs}
            with target.session(trino_data.GENERATOR_USER) as session:
                check = crosscheck_trino(session, schemas, size.run_date, daily=daily,
                                         floor_daily=("floor", "incremental") in runs,
                                         daily_projects={c for c in schemas if (c, "incremental") in runs})
    summary: dict[str, dict[str, Any]] = {}
    for (contender, phase), measured in runs.items():
        events = shape["new_day_events"] if phase == "incremental" else shape["events"]
        summary.setdefault(contender, {})[phase] = summarize_runs(measured, events)
    for (contender, phase), message in errors.items():
        lines = message.strip().splitlines()
        summary.setdefault(contender, {})[phase] = {"error": f"{lines[0]} {lines[-1]}".strip(), "detail": message}
    ratio = ratios(summary)
    counts = statement_ratios(summary)
    td = {"project": summary.get("project_td", {})}
    return {
        "engine": "trino",
        "shape": shape,
        "contenders": summary,
        "ratios": ratio,
        "ratios_td_mode": ratios({**summary, **td}) if td["project"] else {},
        "statement_ratios": counts,
        "statement_ratios_td_mode": statement_ratios(summary, "project_td") if td["project"] else {},
        "targets": trino_targets_met(ratio, counts),
        "crosscheck": check,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
