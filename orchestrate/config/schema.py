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

# The z-score rule of an anomaly kind: each detection day against the trailing training days
# (day_of_week seasonality: the same weekday of the trailing training_days weeks).
ANOMALY_ZSCORE: dict[str, Any] = {"sensitivity": 3, "training_days": 14, "detection_days": 2, "seasonality": "none"}

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
    # Segment overlap (<prefix>_segment_overlap): the pairs kept per segment, by shared members (whole number >= 1).
    "overlap": {"top_pairs_per_segment": 20},
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
    # Alerts (docs/alerts.md): what `<prefix>_alerts` flags and where `segment-analytics` delivers it.
    # An anomaly rule: pct_change = percent change against the previous day (None = off); zscore =
    # each detection day against the trailing training days (None = off); min_abs_change: smaller
    # moves never fire; direction: spike | drop | both. metrics.overrides: {<metric>: partial rule}.
    "alerts": {
        "authorized_editors": [],
        "rule_change": {"severity": "warning", "unauthorized_severity": "critical"},
        "segment_deleted": {"severity": "warning"},
        "population": {"pct_change": 30, "zscore": ANOMALY_ZSCORE, "min_abs_change": 10, "direction": "both",
                       "severity": "warning"},
        "metrics": {
            "default": {"pct_change": None, "zscore": ANOMALY_ZSCORE, "min_abs_change": 0, "direction": "both",
                        "severity": "warning"},
            "overrides": {},
        },
        "stale_data": {"max_age_hours": 36, "severity": "warning"},
        "pull_failed": {"enabled": True, "severity": "critical"},
        "mutes": [],
        "dbt_test_severity": "warn",
        "destinations": [],
    },
    # A/B tests read out in the experiments marts (docs/ab_tests.md): each {name, control, variants,
    # start_date, end_date (exclusive; left out = open, through the run date), metrics (left out = all),
    # expected_split (one weight per arm, control first; left out = equal)}; arms are segment ids or names.
    "ab_tests": [],
}

# The allowed values, by field (`metrics.agg` is every metric's `agg`).
CHOICES: dict[str, list[str]] = {
    "segment_sql_source": ["api", "compiler", "auto"],
    "membership_basis": ["point_in_time", "current"],
    "filters.v5_flag": ["v5", "v4", "both"],
    "time_window.type": ["none", "interval", "range"],
    "metrics.agg": ["count", "sum", "avg", "min", "max", "count_distinct"],
    "insights.change_schema_cols": ["date", "text", "float", "bigint"],
    "alerts.severity": ["info", "warning", "critical"],
    "alerts.direction": ["spike", "drop", "both"],
    "alerts.seasonality": ["none", "day_of_week"],
    "alerts.dbt_test_severity": ["warn", "error"],
    "alerts.kind": ["rule_change", "segment_deleted", "population_anomaly", "metric_anomaly", "stale_data",
                    "pull_failed"],
    "alerts.destinations.type": ["webhook", "slack", "email"],
}

# The original package's spellings of filters.v5_flag (after removing spaces and lower-casing).
V5_FLAG_SPELLINGS: dict[str, str] = {"1": "v5", "0": "v4", "1,0": "both", "0,1": "both"}

# The keys of one metric, and those it must have.
METRIC_KEYS: list[str] = ["metric", "agg", "agg_col_name", "source", "join_key", "unixtime_col", "filter"]
METRIC_REQUIRED: list[str] = ["metric", "agg", "source", "join_key", "unixtime_col"]
# `agg_col_name` when left out: count rows.
ROW_COUNT = "1"

# The keys of one A/B test, and those it must have.
AB_TEST_KEYS: list[str] = ["name", "control", "variants", "start_date", "end_date", "metrics", "expected_split"]
AB_TEST_REQUIRED: list[str] = ["name", "control", "variants", "start_date"]

# The keys of an alert destination, per type (`url` / `url_env`: exactly one), and of a mute.
ALERT_DESTINATION_KEYS: dict[str, list[str]] = {
    "webhook": ["type", "name", "url", "url_env", "headers"],
    "slack": ["type", "name", "url", "url_env"],
    "email": ["type", "name", "smtp_host", "smtp_port", "starttls", "username", "password_env", "from", "to"],
}
ALERT_EMAIL_DEFAULTS: dict[str, Any] = {"smtp_port": 587, "starttls": True}
ALERT_MUTE_KEYS: list[str] = ["segment", "kind", "until", "reason"]

# Full-match patterns (Python `re.fullmatch`, Jinja `modules.re.fullmatch`).
PATTERNS: dict[str, str] = {
    "identifier": "[A-Za-z_][A-Za-z0-9_]*",
    "lower_identifier": "[a-z_][a-z0-9_]*",
    "source": "[A-Za-z_][A-Za-z0-9_]*[.][A-Za-z_][A-Za-z0-9_]*",
    "lookback": "-[1-9][0-9]*[smhdwMqy]",
    "date": "[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "email": "[^@\\s]+@[^@\\s]+\\.[^@\\s]+",
    "join_pair_end": "[^.]*[.][^.]*",
    "url": "https?://[^\\s]+",
    "env_name": "[A-Za-z_][A-Za-z0-9_]*",
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
    "alerts_list": "must be a list of %(what)s",
    "alerts_percent": "%(value)s is not a percentage > 0; give e.g. 30 (for 30 percent) or null to turn it off",
    "alerts_number": "%(value)s is not a number >= 0",
    "alerts_sensitivity": "%(value)s is not a number > 0 of standard deviations; give e.g. 3",
    "alerts_days": "%(value)s is not a whole number of days >= %(minimum)s",
    "alerts_hours": "%(value)s is not a whole number of hours >= 1",
    "alerts_rule": ("must be a mapping {pct_change, zscore, min_abs_change, direction, severity} "
                    "(or leave it out for the defaults)"),
    "alerts_zscore": ("must be a mapping {sensitivity, training_days, detection_days, seasonality}, "
                      "or null to turn the z-score off"),
    "alerts_overrides": "must map a configured metric name to a rule {pct_change, zscore, min_abs_change, direction}",
    "alerts_unknown_metric": "%(value)s is not a configured metric; use one of %(allowed)s",
    "alerts_editor": "%(value)s is not a user name or id; give a non-empty string",
    "alerts_mute": "must be a mapping {segment, kind, until: YYYY-MM-DD, reason}",
    "alerts_text": "%(value)s is not a non-empty string",
    "alerts_destination": "must be a mapping with `type: webhook | slack | email`",
    "alerts_url_one": ("give exactly one of url (the URL itself) or url_env (the name of an environment "
                       "variable holding it)"),
    "alerts_url": "is not an http(s) URL (the value is not shown: it may hold a secret)",
    "alerts_env": "%(value)s is not an environment variable name; use letters, digits and _",
    "alerts_headers": "must map header names to string values",
    "alerts_port": "%(value)s is not a port number (1-65535)",
    "alerts_to": "must be a non-empty list of e-mail addresses",
    "alerts_email": "%(value)s is not an e-mail address",
    "alerts_duplicate_name": ("duplicate destination name %(value)s (also destinations[%(first)s]); "
                              "give each a unique name"),
    "ab_tests_not_a_list": ("must be a list of {name, control, variants, start_date, end_date, metrics, "
                            "expected_split}"),
    "ab_test_not_a_mapping": "must be a mapping with name, control, variants, start_date",
    "ab_test_name": ("%(value)s is not a lower-case identifier; it names the test in the marts, "
                     "so use [a-z_][a-z0-9_]*"),
    "duplicate_ab_test": "duplicate test name %(value)s (also ab_tests[%(first)s]); give each test a unique name",
    "ab_test_arm": "%(value)s is not a segment id or name; give the segment's id or its current name",
    "ab_test_variants": "must be a non-empty list of segment ids or names",
    "ab_test_arm_repeated": ("%(value)s is already an arm of this test (%(first)s); "
                             "each arm must be a different segment"),
    "ab_test_metrics": "must be a list of configured metric names (or leave it out for all)",
    "ab_test_metric": "%(value)s is not a configured metric; use one of %(allowed)s",
    "expected_split": "must be a list of %(arms)s positive numbers, one per arm (control first)",
    "ab_test_unknown_segment": ("%(value)s is not a selected segment (by id or name); check the id, the segment's "
                                "current name and `filters`"),
    "ab_test_ambiguous_segment": "%(value)s is the name of %(count)s selected segments; give the segment id",
    "overlap_not_a_mapping": "must be a mapping {top_pairs_per_segment: 20}",
    "top_pairs": "%(value)s is not a whole number >= 1; give how many overlapping pairs to keep per segment",
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
        "ab_test_keys": AB_TEST_KEYS,
        "ab_test_required": AB_TEST_REQUIRED,
        "row_count": ROW_COUNT,
        "alert_destination_keys": ALERT_DESTINATION_KEYS,
        "alert_email_defaults": ALERT_EMAIL_DEFAULTS,
        "alert_mute_keys": ALERT_MUTE_KEYS,
        "patterns": PATTERNS,
        "messages": MESSAGES,
    }
