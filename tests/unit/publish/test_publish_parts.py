"""The pure parts of publish: type mapping, config checks, size estimate and the 4 GB warning."""

from __future__ import annotations

import duckdb
import pytest

from orchestrate.publish import (
    INSIGHTS_GUIDANCE_BYTES,
    PublishError,
    TableSize,
    insights_type,
    parse_insights_config,
    size_warnings,
    table_size,
    warehouse_columns,
)


@pytest.mark.parametrize(
    ("warehouse", "insights"),
    [
        ("BIGINT", "bigint"), ("integer", "bigint"), ("SMALLINT", "bigint"), ("DOUBLE", "float"),
        ("decimal(18,3)", "float"), ("real", "float"), ("DATE", "timestamp"), ("timestamp(6)", "timestamp"),
        ("TIMESTAMP WITH TIME ZONE", "timestamp"), ("VARCHAR", "text"), ("varchar(20)", "text"),
        ("BOOLEAN", "text"), ("array(varchar)", "text"), ("VARCHAR[]", "text"), ("json", "text"),
    ],
)
def test_types_map_to_insights_types(warehouse, insights):
    assert insights_type(warehouse) == insights


def test_config_resolves_prefix_and_overrides():
    config = parse_insights_config({
        "model_name": " sa ", "tables": ["ps_stats", "sa_final_metrics_table"], "shared_users": [],
        "change_schema_cols": {"date": ["event_date"], "bigint": ["n"]},
        "join_relations": [["ps_stats.segment_id", "final_metrics_table.segment_id"]],
    }, "sa")
    assert config.model_name == "sa"
    assert config.tables == ("sa_ps_stats", "sa_final_metrics_table")
    assert config.overrides == {"event_date": "timestamp", "n": "bigint"}
    assert config.relations == ((("sa_ps_stats", "segment_id"), ("sa_final_metrics_table", "segment_id")),)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"model_name": "", "tables": ["a"]}, "insights.model_name"),
        ({"model_name": "m", "tables": []}, "insights.tables"),
        ({"model_name": "m", "tables": ["a b"]}, r"insights.tables\[0\]"),
        ({"model_name": "m", "tables": ["a"], "shared_users": ["nobody"]}, "insights.shared_users"),
        ({"model_name": "m", "tables": ["a"], "change_schema_cols": {"money": ["x"]}},
         "insights.change_schema_cols.money"),
        ({"model_name": "m", "tables": ["a"], "join_relations": [["a.x", "b.y"]]}, r"insights.join_relations\[0\]"),
        ({"model_name": "m", "tables": ["a"], "join_relations": [["a.x"]]}, r"insights.join_relations\[0\]"),
    ],
)
def test_bad_config_names_the_field(raw, field):
    with pytest.raises(PublishError, match=field):
        parse_insights_config(raw, "p")


def test_table_size_counts_rows_and_estimates_bytes():
    conn = duckdb.connect()
    conn.execute('create table "t ü" (id bigint, name varchar, price double, day date)')
    conn.execute("""insert into "t ü" values (1, 'abc', 1.5, date '2026-01-01'), (2, 'O''Brien', null, null),
                    (3, null, 2.0, date '2026-01-02')""")
    columns = warehouse_columns(conn, "main", "t ü")
    assert columns == [("id", "BIGINT"), ("name", "VARCHAR"), ("price", "DOUBLE"), ("day", "DATE")]
    size = table_size(conn, "main", "t ü", columns)
    # 3 rows x 3 fixed-width columns x 8 bytes + 'abc' (3) + "O'Brien" (7)
    assert size == TableSize("t ü", 3, 3 * 3 * 8 + 10)


def test_size_warning_thresholds():
    gib = 1024**3
    assert size_warnings([TableSize("a", 10, gib)]) == []
    approaching = size_warnings([TableSize("a", 10, 2 * gib), TableSize("b", 1, int(1.5 * gib))])
    assert len(approaching) == 1 and "approaching" in approaching[0] and "3.5 GB" in approaching[0]
    over = size_warnings([TableSize("a", 10, INSIGHTS_GUIDANCE_BYTES + 1)])
    assert len(over) == 1 and "over Treasure Insights' 4.0 GB guidance" in over[0]
