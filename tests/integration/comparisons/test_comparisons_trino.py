"""The comparison marts on the local Trino (iceberg), plain and in Treasure Data mode: the same
hand-built inputs as the DuckDB test, and the very same rows from the same Python oracle."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from orchestrate.dbt_runner import run_dbt
from tests.fixtures.dbt_project import PROJECT_DIR, fixture_config
from tests.integration.comparisons.cases import (
    MEMBERS,
    OVERLAP_COLUMNS,
    expected_overlap,
    expected_pop,
    keyed_pop_rows,
    overlap_tables,
    pop_tables,
    row_differences,
    table_statements,
)

pytestmark = pytest.mark.trino

RUN_1, RUN_2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)
MODES = {"plain": {}, "td": {"td_mode": True}}


def _execute(server: Any, statements: list[str]) -> None:
    conn = server.connect()
    try:
        cur = conn.cursor()
        for statement in statements:
            cur.execute(statement)
            cur.fetchall()
    finally:
        conn.close()


def _rows(server: Any, sql: str) -> list[dict[str, Any]]:
    conn = server.connect()
    try:
        cur = conn.cursor()
        cur.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        conn.close()


@pytest.mark.parametrize("mode", sorted(MODES))
def test_comparison_marts_on_trino(trino_server: Any, tmp_path: Path, mode: str) -> None:
    schema = f"sa_comparisons_{mode}"
    catalog = trino_server.catalog
    _execute(trino_server, [f"create schema if not exists {catalog}.{schema}"])
    profiles = trino_server.write_profiles(tmp_path / "profiles", schema, user="sa_comparisons")

    def load(tables: list) -> None:
        _execute(trino_server, [s for t in tables for s in table_statements(t, f'{catalog}.{schema}."{t.name}"')])

    def build(model: str, run_date: dt.date, **config: Any) -> None:
        run_dbt(["build", "--select", model, "--target-path", str(tmp_path / "target"),
                 "--log-path", str(tmp_path / "logs")],
                project_dir=PROJECT_DIR, profiles_dir=profiles, target="trino",
                vars={"segment_analytics": fixture_config(**MODES[mode], **config), "run_date": run_date.isoformat()})

    def overlap_rows() -> list[tuple[Any, ...]]:
        rows = _rows(trino_server, f"select {', '.join(OVERLAP_COLUMNS)} from {catalog}.{schema}.sa_segment_overlap "
                                   "order by run_date, segment_a, segment_b")
        return [tuple(row[c] for c in OVERLAP_COLUMNS) for row in rows]

    load(overlap_tables())
    build("fct_segment_overlap", RUN_1)
    assert overlap_rows() == expected_overlap(RUN_1, 20)
    changed = {**MEMBERS, "s4": ("p1", {"f"})}
    load(overlap_tables(changed))
    build("fct_segment_overlap", RUN_2, overlap={"top_pairs_per_segment": 1})
    assert overlap_rows() == expected_overlap(RUN_1, 20) + expected_overlap(RUN_2, 1, changed)

    load(pop_tables())
    build("fct_segment_kpis_period_over_period", RUN_1)
    got = keyed_pop_rows(_rows(trino_server, f"select * from {catalog}.{schema}.sa_kpis_period_over_period"))
    assert row_differences(got, expected_pop()) == []
