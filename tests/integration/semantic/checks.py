"""The semantic layer's checks, shared by the DuckDB and the Trino tests: real `mf` runs, each
result compared with SQL written here over the marts (portable SQL: it runs on DuckDB and Trino)."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
MF = Path(sys.executable).with_name("mf")
PREFIX = "segment_analytics"
PROJECT_FILES = ("dbt_project.yml", "packages.yml", "dependencies.yml", "profiles.yml.example", "selectors.yml")
PROJECT_FOLDERS = ("models", "macros", "snapshots", "seeds", "tests/dbt")


def copy_project(dest: Path) -> Path:
    """The dbt project's own files (what the wheel ships) in `dest`: mf reads `<project>/target/`."""
    dest.mkdir(parents=True)
    for name in PROJECT_FILES:
        if (ROOT / name).is_file():
            shutil.copy(ROOT / name, dest / name)
    for folder in PROJECT_FOLDERS:
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, dest / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


@dataclass
class Semantic:
    """A dbt project folder whose target/ holds the semantic manifest, the profiles folder mf
    connects with, and a way to run SQL on the same warehouse."""

    project: Path
    profiles: Path
    sql: Callable[[str], list[tuple[Any, ...]]]

    def mf(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DBT_PROFILES_DIR": str(self.profiles)}
        env.pop("DBT_TARGET_PATH", None)
        return subprocess.run([str(MF), *args], cwd=self.project, env=env, capture_output=True, text=True,
                              timeout=600, check=False)

    def query(self, metrics: str, group_by: str, out: Path) -> list[dict[str, str]]:
        done = self.mf("query", "--metrics", metrics, "--group-by", group_by, "--csv", str(out))
        assert done.returncode == 0, done.stdout + done.stderr
        with out.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))


def check_validate_configs(semantic: Semantic) -> None:
    done = semantic.mf("validate-configs")
    text = done.stdout + done.stderr
    assert done.returncode == 0, text
    assert "Successfully validated the semantics of built manifest (ERRORS: 0" in text
    assert "Successfully validated metrics against data warehouse (ERRORS: 0" in text


def _num(text: str) -> float | None:
    return None if text == "" else round(float(text), 6)


def _day(text: str) -> str:
    return text[:10]


def _rounded(value: Any) -> float | None:
    return None if value is None else round(float(value), 6)


def check_revenue_by_segment_name_by_week(semantic: Semantic, tmp_path: Path) -> None:
    rows = semantic.query("revenue", "segment__name,metric_time__week", tmp_path / "q.csv")
    got = {(_day(r["metric_time__week"]), r["segment__name"] or None): _num(r["revenue"]) for r in rows}
    expected = {(str(week), name): _rounded(total) for week, name, total in semantic.sql(f"""
        select cast(date_trunc('week', d.event_date) as date), s.segment_name, sum(d.metric_value)
        from {PREFIX}_metrics_daily as d
        left join {PREFIX}_ps_stats as s on s.segment_id = d.segment_id
        where d.metric_name = 'revenue'
        group by 1, 2""")}
    assert len(expected) > 10
    assert got == expected


def check_orders_by_month(semantic: Semantic, tmp_path: Path) -> None:
    rows = semantic.query("orders", "metric_time__month", tmp_path / "q.csv")
    got = {_day(r["metric_time__month"]): _num(r["orders"]) for r in rows}
    expected = {str(month): _rounded(total) for month, total in semantic.sql(f"""
        select cast(date_trunc('month', event_date) as date), sum(metric_value)
        from {PREFIX}_metrics_daily where metric_name = 'orders' group by 1""")}
    assert len(expected) >= 3  # the demo's 90 days span at least three months
    assert got == expected


def check_population_by_week_is_each_segments_last_day_not_a_sum_of_days(semantic: Semantic, tmp_path: Path) -> None:
    rows = semantic.query("segment_population,segment_entered", "metric_time__week", tmp_path / "q.csv")
    got = {_day(r["metric_time__week"]): (_num(r["segment_population"]), _num(r["segment_entered"])) for r in rows}
    population = {str(week): _rounded(total) for week, total in semantic.sql(f"""
        with days as (
            select segment_id, "date", population, date_trunc('week', "date") as week,
                   max("date") over (partition by segment_id, date_trunc('week', "date")) as last_day
            from {PREFIX}_population_daily
        )
        select cast(week as date), sum(population) from days where "date" = last_day group by 1""")}
    entered = {str(week): _rounded(total) for week, total in semantic.sql(f"""
        select cast(date_trunc('week', "date") as date), sum(entered) from {PREFIX}_population_daily group by 1""")}
    assert set(got) == set(population) == set(entered)
    assert got == {week: (population[week], entered[week]) for week in population}
    summed = {str(week): total for week, total in semantic.sql(f"""
        select cast(date_trunc('week', "date") as date), sum(population)
        from {PREFIX}_population_daily group by 1""")}
    assert any(summed[w] is not None and population[w] != _rounded(summed[w]) for w in population), \
        "the fixture should have a week where a sum of days differs from the end-of-week population"


def check_average_per_profile_is_a_ratio_of_sums(semantic: Semantic, tmp_path: Path) -> None:
    rows = semantic.query("revenue_avg_per_profile,orders_avg_per_profile", "segment__parent_segment,metric_time__week",
                          tmp_path / "q.csv")
    got = {(_day(r["metric_time__week"]), r["segment__parent_segment"] or None):
           (_num(r["revenue_avg_per_profile"]), _num(r["orders_avg_per_profile"])) for r in rows}
    expected: dict[tuple[str, str | None], list[float | None]] = {}
    averages: dict[tuple[str, str | None], float] = {}
    for metric_name, week, ps_name, ratio, mean_of_daily in semantic.sql(f"""
            select d.metric_name, cast(date_trunc('week', d.event_date) as date), s.ps_name,
                   sum(d.metric_value) / sum(d.unique_profiles), avg(d.avg_per_profile)
            from {PREFIX}_metrics_daily as d
            left join {PREFIX}_ps_stats as s on s.segment_id = d.segment_id
            where d.metric_name in ('revenue', 'orders')
            group by 1, 2, 3"""):
        key = (str(week), ps_name)
        expected.setdefault(key, [None, None])[0 if metric_name == "revenue" else 1] = _rounded(ratio)
        if metric_name == "revenue":
            averages[key] = _rounded(mean_of_daily)
    assert got == {key: tuple(values) for key, values in expected.items()}
    assert any(averages[key] != expected[key][0] for key in averages), "never an average of daily averages"


def check_weekly_unique_profiles_are_the_last_day_with_data_per_segment(semantic: Semantic, tmp_path: Path) -> None:
    rows = semantic.query("revenue_unique_profiles,revenue_profile_days", "segment,metric_time__week",
                          tmp_path / "q.csv")
    got = {(r["segment"], _day(r["metric_time__week"])):
           (_num(r["revenue_unique_profiles"]), _num(r["revenue_profile_days"])) for r in rows}
    expected = {(segment_id, str(week)): (_rounded(last_day), _rounded(profile_days))
                for segment_id, week, last_day, profile_days in semantic.sql(f"""
        with days as (
            select segment_id, event_date, unique_profiles, date_trunc('week', event_date) as week,
                   max(event_date) over (partition by segment_id, date_trunc('week', event_date)) as last_day
            from {PREFIX}_metrics_daily where metric_name = 'revenue'
        )
        select segment_id, cast(week as date),
               sum(case when event_date = last_day then unique_profiles end), sum(unique_profiles)
        from days group by 1, 2""")}
    assert got == expected
    assert any(unique != days for unique, days in expected.values())
