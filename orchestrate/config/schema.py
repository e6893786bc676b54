"""The one schema of `vars: segment_analytics:`: every key's default, the allowed values, the
patterns and the message texts.

Both validators read it: the CLI's (`orchestrate/config/validate.py`) imports it, and dbt's
(`macros/config/sa_validate_config.sql`, `sa_cfg.sql`) reads the macro generated from it,
`macros/config/sa_config_schema.sql` (`python scripts/generate_config_macro.py` after a change;
tests/unit/config/test_config_schema.py fails while the macro is stale). Plain data only: lists,
mappings, strings, numbers, booleans and None, so it renders as a Jinja literal.

Messages are %-templates (`%(value)s`), filled the same way by Python (`message()`) and Jinja
(`sa_config_message()`); a `value` is the repr of the bad value (`sa_repr` in Jinja).
Patterns are always used with a full match and ASCII classes only ([0-9], not \\d), so a trailing
newline or a Unicode digit or letter never passes.
"""

from __future__ import annotations

from typing import Any

VARS_KEY = "segment_analytics"
OPEN_END = "2222-02-02"

# Every key of `segment_analytics:` and its default. `metrics` has no default: none configured is an
# error. A project that sets some keys (nested ones too) gets these for the others.
DEFAULTS: dict[str, Any] = {
    # Output table names start with this prefix: <prefix>_ps_stats, <prefix>_final_metrics_table, ...
    "project_prefix": "segment_analytics",
    # Id column of each parent segment's `customers` table; identifies members, joins behaviour tables.
    "profile_id_column": "td_canonical_id",
    # Where each segment's member SQL comes from: api | compiler | auto (compiler, API where it cannot compile).
    "segment_sql_source": "auto",
    # How events are attributed to segments: point_in_time (member on the event's day) | current (today's members).
    "membership_basis": "point_in_time",
    # Exact distinct counts (true) or approximate ones (false) for very large data.
    "exact_counts": True,
    # Schema of the landing tables written by `segment-analytics pull` (None: the target's schema).
    "landing_schema": None,
    # The Treasure Data restrictions: auto (on a Treasure Data connection), true, false.
    "td_mode": "auto",
    # Source freshness (`dbt source freshness`, `segment-analytics doctor` and `run`): the newest
    # successful pull and each behaviour table's newest event warn after / are an error after these hours.
    "freshness": {"warn_after_hours": 24, "error_after_hours": 48},
    # v5_flag: v5 | v4 | both; the others: lower-case regexes searched in lower-cased names; '' = all.
    "filters": {"v5_flag": "both", "ps_to_include": "", "folders_to_include": "", "segments_to_include": ""},
    # type: none | interval | range, applied to every metric's time column. interval: a lookback such as
    # -20M, -30d, -2w counted back from `anchor` (now = the run date, or YYYY-MM-DD); range: start_date
    # inclusive, end_date exclusive, UTC days; 2222-02-02 = open end.
    "time_window": {"type": "interval", "lookback": "-120d", "anchor": "now", "start_date": None,
                    "end_date": OPEN_END},
    # Each metric: metric, agg, agg_col_name ('1' = count rows), source, join_key, unixtime_col, filter.
    "metrics": [],
    # Treasure Insights datamodel (`segment-analytics publish`); the default `join_relations` keeps only
    # the pairs whose two tables are both in `tables`.
    "insights": {
        "model_name": "segment_analytics",
        "tables": ["final_metrics_table", "ps_stats", "population_tracker", "population_daily", "rule_changes"],
        "shared_users": [],
        "change_schema_cols": {"date": ["event_date", "run_date", "date"], "text": [], "float": [], "bigint": []},
        "join_relations": [["population_tracker.segment_id", "final_metrics_table.segment_id"]],
    },
}

# The allowed values, by field (`metrics.agg` is every metric's `agg`).
CHOICES: dict[str, list[str]] = {
    "segment_sql_source": ["api", "compiler", "auto"],
    "membership_basis": ["point_in_time", "current"],
    "filters.v5_flag": ["v5", "v4", "both"],
    "time_window.type": ["none", "interval", "range"],
    "metrics.agg": ["count", "sum", "avg", "min", "max", "count_distinct"],
    "insights.change_schema_cols": ["date", "text", "float", "bigint"],
}

# The original package's spellings of filters.v5_flag (after removing spaces and lower-casing).
V5_FLAG_SPELLINGS: dict[str, str] = {"1": "v5", "0": "v4", "1,0": "both", "0,1": "both"}

# The keys of one metric, and those it must have.
METRIC_KEYS: list[str] = ["metric", "agg", "agg_col_name", "source", "join_key", "unixtime_col", "filter"]
METRIC_REQUIRED: list[str] = ["metric", "agg", "source", "join_key", "unixtime_col"]
# `agg_col_name` when left out: count rows.
ROW_COUNT = "1"

# Full-match patterns (Python `re.fullmatch`, Jinja `modules.re.fullmatch`).
PATTERNS: dict[str, str] = {
    "identifier": "[A-Za-z_][A-Za-z0-9_]*",
    "lower_identifier": "[a-z_][a-z0-9_]*",
    "source": "[A-Za-z_][A-Za-z0-9_]*[.][A-Za-z_][A-Za-z0-9_]*",
    "lookback": "-[1-9][0-9]*[smhdwMqy]",
    "date": "[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "email": "[^@\\s]+@[^@\\s]+\\.[^@\\s]+",
    "join_pair_end": "[^.]*[.][^.]*",
    # An escape of a filter regex (\S, \p{Greek}, \x41): not letters to match, removed (re.sub, DOTALL)
    # before the upper-case check.
    "regex_escape": "(?s)\\\\(?:x[0-9A-Fa-f]{2}|[pP](?:[A-Z]|\\{[A-Za-z]+\\})|.)",
}

# Every message, by name: the same text from the CLI and from dbt for the same mistake.
MESSAGES: dict[str, str] = {
    "not_a_mapping": "must be a mapping",
    "root_not_a_mapping": "must be a mapping under `vars: segment_analytics:`",
    "unknown_key": "unknown key; remove it or use one of: %(allowed)s",
    "nested_sibling": ("is beside a nested `segment_analytics: segment_analytics:` block, and dbt reads only the "
                       "inner block, so this key would be ignored; move it into the inner block (or un-nest it)"),
    "identifier": "%(value)s is not a SQL identifier; use letters, digits and _",
    "lower_identifier": ("%(value)s is not a lower-case SQL identifier ([a-z_][a-z0-9_]*); "
                         "use letters, digits and _"),
    "choice": "%(value)s is not allowed; use one of %(allowed)s",
    "boolean": "%(value)s is not a boolean; use true or false",
    "td_mode": "%(value)s is not true, false or auto",
    "regex_not_a_string": "%(value)s is not a string; give a lower-case regex or '' for all",
    "regex_invalid": "invalid regex %(value)s (%(problem)s); fix the pattern or use '' for all",
    "regex_upper_case": ("%(value)s has upper-case letters; names are lower-cased before matching, so write the "
                         "regex in lower case"),
    "window_not_a_mapping": "must be a mapping with `type: none | interval | range`",
    "lookback": ("%(value)s is not a lookback; use a negative count and a unit (s m h d w M q y), "
                 "e.g. -30d, -2w, -20M"),
    "not_a_date": "%(value)s is not a date; use YYYY-MM-DD",
    "not_a_calendar_date": "%(value)s is not a real calendar date; use YYYY-MM-DD",
    "end_not_after_start": ("%(end)s is not after start_date %(start)s; end_date is exclusive "
                            "(2222-02-02 = open end)"),
    "no_metrics": ("no metrics configured, so every metric mart would be empty; add at least one under "
                   "`vars: segment_analytics: metrics:` in your dbt_project.yml, e.g. "
                   "`- {metric: orders, agg: count, source: <schema>.<table>, join_key: td_canonical_id, "
                   "unixtime_col: time}` (`segment-analytics init` writes a starting block from your account)"),
    "metrics_not_a_list": "must be a list of {metric, agg, agg_col_name, source, join_key, unixtime_col, filter}",
    "metric_not_a_mapping": "must be a mapping with metric, agg, source, join_key, unixtime_col",
    "required": "is required",
    "metric_name": ("%(value)s is not a lower-case identifier; it becomes column names (<metric>_total ...), "
                    "so use [a-z_][a-z0-9_]*"),
    "duplicate_metric": ("duplicate metric name %(value)s (also metrics[%(first)s]); "
                         "give each metric a unique name"),
    "agg": "%(value)s is not supported; use one of %(allowed)s",
    "count_distinct_rows": "count_distinct needs a column to count distinct values of, not '1'",
    "agg_col_name": "%(value)s is not a column name; use '1' for row counts or a column of the source table",
    "source": ("%(value)s is not 'name.table'; give a declared dbt source (source_name.table_name) "
               "or a db.table relation"),
    "column": "%(value)s is not a column name",
    "filter": "must be one SQL boolean expression without ';' (or leave it out)",
    "model_name": "must be a non-empty name",
    "tables": "must be a list of mart names without the prefix, e.g. [final_metrics_table, ps_stats]",
    "shared_users": "must be a list of e-mail addresses",
    "change_schema_cols": "must map a type (date, text, float, bigint) to a list of columns",
    "schema_type": "unknown type; use one of %(allowed)s",
    "schema_type_columns": "must be a list of column names",
    "join_relations": "must be a list of pairs [table.column, table.column]",
    "join_pair": "must be a pair [table.column, table.column]",
    "freshness_not_a_mapping": "must be a mapping {warn_after_hours: 24, error_after_hours: 48}",
    "hours": "%(value)s is not a whole number of hours >= 1",
    "error_before_warn": "is less than warn_after_hours; error after the warning, not before",
}


def message(name: str, **values: Any) -> str:
    """The text of message `name` with its `%(...)s` fields filled in."""
    return MESSAGES[name] % values


def schema() -> dict[str, Any]:
    """The whole schema as one plain mapping (what the generated macro returns)."""
    return {
        "vars_key": VARS_KEY,
        "open_end": OPEN_END,
        "choices": CHOICES,
        "v5_flag_spellings": V5_FLAG_SPELLINGS,
        "metric_keys": METRIC_KEYS,
        "metric_required": METRIC_REQUIRED,
        "row_count": ROW_COUNT,
        "patterns": PATTERNS,
        "messages": MESSAGES,
    }
