"""orchestrate.config.Config: typed, frozen, attribute names = config keys, as_vars() round-trips."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from orchestrate.config import Config, Metric, load_config, normalise_config, validate_config

PROJECT_DIR = Path(__file__).resolve().parents[3]
METRIC = {"metric": "orders", "agg": "sum", "agg_col_name": "amount", "source": "shop.orders",
          "join_key": "td_canonical_id", "unixtime_col": "time", "filter": "amount > 0"}


def test_load_config_returns_a_typed_config() -> None:
    cfg = load_config(PROJECT_DIR, cli_vars={"segment_analytics": {"metrics": [METRIC], "project_prefix": "acme"}})
    assert isinstance(cfg, Config)
    assert cfg.project_prefix == "acme"
    assert cfg.filters.v5_flag == "both"
    assert cfg.time_window.lookback == "-120d"
    assert cfg.freshness.error_after_hours == 48
    assert cfg.metrics == (Metric(**METRIC),)
    assert cfg.insights.change_schema_cols.date == ("event_date", "run_date", "date")
    assert cfg.insights.join_relations == (("population_tracker.segment_id", "final_metrics_table.segment_id"),)


def test_config_is_frozen_all_the_way_down() -> None:
    cfg = validate_config({"metrics": [METRIC], "insights": {"shared_users": ["a@b.co"]}})
    for target, attr in ((cfg, "project_prefix"), (cfg.filters, "v5_flag"), (cfg.metrics[0], "agg"),
                         (cfg.insights, "tables"), (cfg.insights.change_schema_cols, "date")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(target, attr, "x")
    # no list anywhere to append to
    assert isinstance(cfg.metrics, tuple) and isinstance(cfg.insights.shared_users, tuple)
    assert all(isinstance(pair, tuple) for pair in cfg.insights.join_relations)
    hash(cfg)  # frozen and made of tuples: hashable


@pytest.mark.parametrize("raw", [
    {"metrics": [METRIC]},
    {"metrics": [METRIC, {**METRIC, "metric": "n", "agg": "count", "agg_col_name": None, "filter": None}],
     "td_mode": True, "landing_schema": "Landing", "exact_counts": False,
     "filters": {"v5_flag": "1,0", "segments_to_include": "^vip"},
     "time_window": {"type": "range", "start_date": "2026-01-01", "end_date": None},
     "insights": {"tables": ["ps_stats"], "change_schema_cols": {"text": ["name"]}, "shared_users": ["a@b.co"]},
     "freshness": {"warn_after_hours": 3}},
])
def test_as_vars_is_the_normalised_mapping(raw: dict) -> None:
    cfg = validate_config(raw)
    assert cfg.as_vars() == normalise_config(raw)
    assert validate_config(cfg.as_vars()) == cfg  # the plain mapping validates back to the same Config


def test_change_schema_cols_items_in_type_order() -> None:
    cols = validate_config({"metrics": [METRIC], "insights": {"change_schema_cols": {"bigint": ["n"]}}})
    assert list(cols.insights.change_schema_cols.items()) == [
        ("date", ("event_date", "run_date", "date")), ("text", ()), ("float", ()), ("bigint", ("n",))]
