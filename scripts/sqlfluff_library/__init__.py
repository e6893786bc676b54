"""Stand-ins for this project's dbt macros when sqlfluff lints the SQL (its Jinja templater, not dbt's).

sqlfluff renders each model with plain Jinja: dbt's own names come from `apply_dbt_builtins`, and
this module (the `library_path` of .sqlfluff) gives every macro the models, snapshots and tests call
a stand-in that returns SQL of the same shape (a type, an expression, a SELECT, a plan), so the
rendered SQL parses like the real one. Only the layout and style of the SQL around them is linted.
"""

from __future__ import annotations

from typing import Any

_METRIC: dict[str, Any] = {"metric": "orders", "agg": "count", "agg_col_name": "1", "source": "demo.orders",
                           "join_key": "td_canonical_id", "unixtime_col": "time", "filter": None}
_GROUP: dict[str, Any] = {"source": "demo.orders", "metrics": [_METRIC], "start_epoch": 0, "end_epoch": 86400,
                          "start_date": "2026-01-01", "end_date": "2026-01-02"}


class _Config(dict):  # type: ignore[type-arg]
    """sa_cfg(): the keys the models read; any other key reads as an empty mapping."""

    def __missing__(self, key: str) -> Any:
        return _Config()


_ZSCORE: dict[str, Any] = {"sensitivity": 3, "training_days": 14, "detection_days": 1, "seasonality": "none"}
_ALERT_RULE: dict[str, Any] = {"pct_change": 30, "zscore": _ZSCORE, "min_abs_change": 10, "direction": "both",
                               "severity": "warning"}
_ALERTS: dict[str, Any] = {"authorized_editors": ["analyst"], "mutes": [], "destinations": [],
                           "dbt_test_severity": "warn",
                           "rule_change": {"severity": "warning", "unauthorized_severity": "critical"},
                           "segment_deleted": {"severity": "warning"},
                           "stale_data": {"max_age_hours": 36, "severity": "warning"},
                           "pull_failed": {"enabled": True, "severity": "critical"},
                           "population": _ALERT_RULE, "metrics": {"default": _ALERT_RULE, "overrides": {}}}


def sa_cfg() -> _Config:
    return _Config(metrics=[_METRIC], membership_basis="point_in_time", segment_sql_source="auto",
                   project_prefix="sa", filters=_Config(), exact_counts=True, alerts=_ALERTS)


class _Adapter:
    def quote(self, name: str) -> str:
        return f'"{name}"'


adapter = _Adapter()


def _text(value: Any) -> str:
    return str(value).replace("'", "''")


def sa_type_string() -> str:
    return "varchar"


def sa_type_double() -> str:
    return "double"


def sa_type_bigint() -> str:
    return "bigint"


def sa_type_boolean() -> str:
    return "boolean"


def sa_type_timestamp() -> str:
    return "timestamp"


def sa_string_literal(text: Any) -> str:
    return f"'{_text(text)}'"


def sa_date_literal(text: Any) -> str:
    return f"date '{_text(text)}'"


def sa_mart_alias(name: str) -> str:
    return f"sa_{name}"


def sa_relation_alias(name: str) -> str:
    return f"sa_{name}"


def sa_metrics_config_hash() -> str:
    return "hash"


def sa_run_date() -> str:
    return "2026-01-01"


def sa_max_folder_depth() -> int:
    return 3


def sa_date_to_day_number(expr: str) -> str:
    return f"date_diff('day', date '1970-01-01', {expr})"


def sa_day_number_to_date(expr: str) -> str:
    return f"cast(to_timestamp({expr} * 86400) as date)"


def sa_date_to_epoch(expr: str) -> str:
    return f"epoch({expr})"


def sa_epoch_to_date(expr: str) -> str:
    return f"cast(to_timestamp({expr}) as date)"


def sa_epoch_to_timestamp(expr: str) -> str:
    return f"to_timestamp({expr})"


def sa_epoch_to_day_number(expr: str) -> str:
    return f"floor({expr} / 86400)"


def sa_date_string_to_epoch(text: Any) -> str:
    return "0"


def sa_date_add_days(expr: str, days: Any) -> str:
    return f"({expr} + {days})"


def sa_date_add_months(expr: str, months: Any) -> str:
    return f"({expr} + to_months({months}))"


def sa_period_start(unit: str, expr: str) -> str:
    return f"date_trunc('{unit}', {expr})"


def sa_ordered_listagg(expr: str, order_expr: str, delimiter: str) -> str:
    return f"string_agg({expr}, '{_text(delimiter)}' order by {order_expr})"


def sa_string_split(expr: str, delimiter: str) -> str:
    return f"string_split({expr}, '{_text(delimiter)}')"


def sa_cross_join_unnest(array_expr: str, alias: str, column: str) -> str:
    return f"cross join unnest({array_expr}) as {alias} ({column})"


def sa_array_agg_distinct(expr: str, condition: str) -> str:
    return f"array_agg(distinct {expr}) filter (where {condition})"


def sa_count_distinct(expr: str) -> str:
    return f"count(distinct {expr})"


def sa_approx_distinct(expr: str) -> str:
    return f"approx_count_distinct({expr})"


def sa_regex_search(expr: str, pattern_sql: str) -> str:
    return f"regexp_matches({expr}, {pattern_sql})"


def sa_name_matches(expr: str, pattern: Any) -> str:
    return f"regexp_matches({expr}, 'x')"


def sa_json_extract_string(column: str, path: str) -> str:
    return f"json_extract_string({column}, '{_text(path)}')"


def sa_time_range_predicate(col: str, *bounds: Any) -> str:
    return f"{col} >= 0"


def sa_landed_pull() -> str:
    return "select 'p' as pull_id"


def sa_attribution_membership() -> str:
    return ("select 's' as segment_id, 'p' as profile_id, 0 as valid_from_day, 1 as valid_to_day, "
            "0 as backfilled_before_day")


def sa_segment_members_sql(selected_relation: Any = None) -> str:
    return "select 's' as segment_id, 'p' as profile_id"


def sa_history_deleted_segments(relation: Any = None) -> str:
    return "select 's' as segment_id"


def sa_history_known_deleted_segments(candidates: Any = None) -> str:
    return "select 's' as segment_id"


def sa_history_snapshot_exists(relation: Any = None) -> bool:
    return True


def sa_history_snapshot_is_behind(relation: Any = None) -> bool:
    return False


def sa_member_sql_rejections(*args: Any) -> list[Any]:
    return []


def sa_member_sql_rejections_select(rejections: Any = None) -> str:
    return "select 'ps' as ps_id, 'h' as rule_hash, 'api' as sql_source, 'x' as problem"


def sa_member_sql_rejected_prefix() -> str:
    return "rejected by the member-SQL guard:"


def sa_metrics_previous_state() -> dict[str, Any]:
    return {"daily": None, "coverage": None, "coverage_has_basis": False}


def sa_configured_metrics_values() -> str:
    return "(values ('orders', 'hash')) as configured_metrics (metric_name, metric_definition_hash)"


def sa_metrics_require_watermarks() -> str:
    return ""


def sa_metrics_daily_guard_basis_switch() -> str:
    return ""


def sa_metrics_daily_pre_delete() -> str:
    return ""


def sa_metric_scan_plan(watermarks: Any = None) -> dict[str, Any]:
    return {"groups": [_GROUP], "resumes": False, "window": _GROUP}


def sa_metric_scan_groups() -> list[dict[str, Any]]:
    return [_GROUP]


def sa_metrics_by_source() -> list[tuple[str, list[dict[str, Any]]]]:
    # Two sources, so loops joining the per-source selects (`union all` unless loop.last) render their
    # separator for real rather than through a forced template variant of a single source.
    return [("demo.orders", [_METRIC]),
            ("demo.page_views", [{**_METRIC, "metric": "page_views", "source": "demo.page_views"}])]


def sa_metric_slots(groups: Any = None) -> list[dict[str, Any]]:
    return [{"index": 1, "sum": True, "min_max": True, "distinct": True}]


def sa_metric_relation(metric: Any = None) -> str:
    return "demo.orders"


def sa_metric_event_count(metric: Any = None) -> str:
    return "count(*)"


def sa_metric_profile_day_columns(metric: Any = None, slot: Any = None) -> str:
    return "count(*) as m1_event_count"


def sa_metric_segment_day_columns(slot: Any = None) -> str:
    return "sum(m1_event_count) as m1_event_count"


def sa_metric_case(groups: Any, type_name: str, column: Any = None) -> str:
    return f"cast(metric_list.metric_value as {type_name})"


def sa_metric_list_values(groups: Any = None) -> str:
    return "(values (1, 'orders', 'demo.orders', 'count')) as metric_list (scan_group, metric_name, metric_table, agg)"


def sa_event_window() -> dict[str, Any]:
    return {"start_epoch": 0, "end_epoch": 86400, "start_date": "2026-01-01", "end_date": "2026-01-02"}


class _Namespace:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


flags = _Namespace(FULL_REFRESH=False)
modules = _Namespace(datetime=__import__("datetime"), re=__import__("re"))


def sa_sql_dialect() -> str:
    return "duckdb"


def sa_date_text(value: Any) -> Any:
    return value


def sa_alert_run_date() -> str:
    return "cast('2026-01-01' as date)"


def sa_alert_detected_at() -> str:
    return "cast('2026-01-01 00:00:00' as timestamp)"


def sa_alert_id(kind: str, segment_id: str, subject: str) -> str:
    return (f"md5(cast({kind} as varchar) || '|' || coalesce(cast({segment_id} as varchar), '') || '|' "
            f"|| coalesce(cast({subject} as varchar), ''))")


def sa_alert_number(expr: str, digits: int = 1) -> str:
    return f"cast(cast(round({expr}, {digits}) as decimal(38, {digits})) as varchar)"


def sa_alert_metric_rule(alerts: Any, name: str) -> dict[str, Any]:
    return _ALERT_RULE


def sa_alert_rules_sql(rules: Any) -> str:
    return "\n    union all\n    ".join(
        f"select '{_text(subject)}' as subject, cast(30 as double) as pct_change, true as zscore_on, "
        "cast(3 as double) as sensitivity, cast(14 as bigint) as training_span, false as day_of_week, "
        "cast(1 as bigint) as detection_days, cast(10 as double) as min_abs_change, 'both' as direction, "
        "'warning' as severity"
        for subject, _rule in rules)


def sa_alert_anomaly_ctes() -> str:
    return ("flagged_points as (\n"
            "    select s.segment_id, s.subject, s.series_date, 'pct_change' as method, s.series_value as observed, "
            "s.series_value as expected, r.pct_change as threshold, 0.0 as deviation, r.min_abs_change, "
            "r.direction, r.severity\n"
            "    from series as s\n"
            "    inner join rules as r\n"
            "        on r.subject = s.subject\n"
            ")")


def sa_alert_anomaly_text(digits: int = 0) -> str:
    return (f"case when p.observed < p.expected then 'dropped' else 'rose' end || ' to ' || "
            f"{sa_alert_number('p.observed', digits)} || ' on ' || cast(p.series_date as varchar)")


_AB_TEST: dict[str, Any] = {"name": "t", "metrics": ["orders"], "start_day": 20454, "end_day": 20454 + 14,
                            "arms": [{"segment_id": "s1", "is_control": True, "weight": 1.0},
                                     {"segment_id": "s2", "is_control": False, "weight": 1.0}]}


def sa_ab_test_plan() -> dict[str, Any]:
    return {"tests": [_AB_TEST], "scan_start_epoch": 20454 * 86400, "scan_end_epoch": (20454 + 14) * 86400,
            "max_arms": 2}


def sa_ab_test_arm_values(plan: Any = None) -> str:
    return ("(values ('t', 0, 's1', true, 1.0e0, 2, 20454, 20468), ('t', 1, 's2', false, 1.0e0, 2, 20454, 20468)) "
            "as ab_test_arms (test_name, arm_index, segment_id, is_control, expected_weight, arm_count, start_day, "
            "end_day)")


def sa_ab_test_metric_values(plan: Any = None) -> str:
    return "(values ('t', 'orders', 'count')) as ab_test_metrics (test_name, metric_name, agg)"


def sa_integer_sequence(start: str, stop: str) -> str:
    return f"generate_series({start}, {stop})"


def sa_normal_cdf(z: str) -> str:
    return f"cast(case when {z} is null then null else 0.5 end as double)"


def sa_student_t_two_sided_p(t: str, df: str) -> str:
    return f"cast(case when {t} is null or {df} is null or not ({df} > 0) then null else 1.0 end as double)"


def sa_chi_square_sf(x: str, df: str, max_df: int) -> str:
    return f"cast(case when {x} is null or {df} is null or {df} < 1 then null else exp(-({x} / 2.0)) end as double)"
