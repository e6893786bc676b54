"""orchestrate.config: merge like dbt, validate with errors that name the field and the fix."""

from pathlib import Path

import pytest

from orchestrate.config import ConfigError, load_config, merge_vars, parse_cli_vars, validate_config

PROJECT_DIR = Path(__file__).resolve().parents[3]


def good_metric(**over):
    metric = {"metric": "orders", "agg": "count", "agg_col_name": "1", "source": "demo_behaviors.orders",
              "join_key": "td_canonical_id", "unixtime_col": "time"}
    metric.update(over)
    return metric


def fields_of(raw) -> list[str]:
    with pytest.raises(ConfigError) as info:
        validate_config(raw)
    return [p.field for p in info.value.problems]


def test_project_defaults_are_valid():
    cfg = load_config(PROJECT_DIR)
    assert cfg["project_prefix"] == "segment_analytics"
    assert cfg["filters"]["v5_flag"] == "both"
    assert [m["metric"] for m in cfg["metrics"]][:3] == ["orders", "revenue", "items"]
    assert cfg["time_window"]["type"] == "interval"


def test_cli_vars_replace_top_level_keys_like_dbt():
    merged = merge_vars({"segment_analytics": {"project_prefix": "a", "metrics": []}, "run_date": None},
                        parse_cli_vars("{segment_analytics: {project_prefix: b}, run_date: 2026-01-02}"))
    assert merged["segment_analytics"] == {"project_prefix": "b"}
    assert str(merged["run_date"]) == "2026-01-02"


def test_json_cli_vars_are_accepted():
    assert parse_cli_vars('{"run_date": "2026-01-02"}') == {"run_date": "2026-01-02"}


def test_cli_vars_must_be_a_mapping():
    with pytest.raises(ConfigError) as info:
        parse_cli_vars("[1, 2]")
    assert info.value.field == "--vars"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"projectprefix": "x"}, "projectprefix"),
        ({"project_prefix": "Bad-Prefix"}, "project_prefix"),
        ({"segment_sql_source": "magic"}, "segment_sql_source"),
        ({"membership_basis": "yesterday"}, "membership_basis"),
        ({"filters": {"v5_flag": "v6"}}, "filters.v5_flag"),
        ({"filters": {"segments_to_include": "vip("}}, "filters.segments_to_include"),
        ({"filters": {"ps_to_include": "VIP"}}, "filters.ps_to_include"),
        ({"filters": {"folder_to_include": "x"}}, "filters.folder_to_include"),
        ({"time_window": {"type": "interval", "lookback": "30d"}}, "time_window.lookback"),
        ({"time_window": {"type": "interval", "lookback": "-30x"}}, "time_window.lookback"),
        ({"time_window": {"type": "range", "start_date": "2026-02-30"}}, "time_window.start_date"),
        ({"time_window": {"type": "range", "start_date": "2026-03-01", "end_date": "2026-02-01"}},
         "time_window.end_date"),
        ({"time_window": {"type": "sometimes"}}, "time_window.type"),
        ({"metrics": [good_metric(agg="median")]}, "metrics[0].agg"),
        ({"metrics": [good_metric(), good_metric()]}, "metrics[1].metric"),
        ({"metrics": [good_metric(metric="Total Spend")]}, "metrics[0].metric"),
        ({"metrics": [good_metric(source="orders")]}, "metrics[0].source"),
        ({"metrics": [good_metric(filter="1=1; drop table x")]}, "metrics[0].filter"),
        ({"metrics": [good_metric(agg="count_distinct")]}, "metrics[0].agg_col_name"),
        ({"metrics": [good_metric(colour="red")]}, "metrics[0].colour"),
        ({"metrics": [{"metric": "x"}]}, "metrics[0].agg"),
        ({"insights": {"shared_users": ["not-an-email"]}}, "insights.shared_users"),
    ],
)
def test_each_mistake_names_its_field(raw, field):
    assert field in fields_of(raw)


def test_error_text_names_the_fix():
    with pytest.raises(ConfigError) as info:
        validate_config({"metrics": [good_metric(agg="median")]})
    text = str(info.value)
    assert "segment_analytics.metrics[0].agg" in text
    assert "count_distinct" in text  # lists what is allowed


@pytest.mark.parametrize(("given", "expected"), [(1, "v5"), (0, "v4"), ("1, 0", "both"), ("V4", "v4")])
def test_original_v5_flag_spellings_are_accepted(given, expected):
    assert validate_config({"filters": {"v5_flag": given}})["filters"]["v5_flag"] == expected


def test_range_window_defaults_to_open_end():
    cfg = validate_config({"time_window": {"type": "range", "start_date": "2026-01-01", "end_date": None}})
    assert cfg["time_window"]["end_date"] == "2222-02-02"
