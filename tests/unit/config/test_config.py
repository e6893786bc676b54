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


METRICS = [good_metric()]


def with_metrics(raw: dict) -> dict:
    return {"metrics": METRICS, **raw}


def test_project_defaults_need_only_metrics():
    cfg = load_config(PROJECT_DIR, cli_vars={"segment_analytics": {"metrics": METRICS}})
    assert cfg.project_prefix == "segment_analytics"
    assert cfg.filters.v5_flag == "both"
    assert cfg.time_window.type == "interval"


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
    assert validate_config(with_metrics({"filters": {"v5_flag": given}})).filters.v5_flag == expected


def test_range_window_defaults_to_open_end():
    cfg = validate_config(with_metrics({"time_window": {"type": "range", "start_date": "2026-01-01",
                                                        "end_date": None}}))
    assert cfg.time_window.end_date == "2222-02-02"


# ------------------------------------------------------------------ hostile identifiers (H9)
# `^...$` with match() accepts "orders\n"; every identifier check is a full match over ASCII.
TRICKY_NAMES = [
    "orders\n", "orders\r\n", "orders ", " orders", "orders\t", "ord\u200bers", "orders\u00a0",
    "\uff4frders", "ord\u00e9rs", "orders\x00", "1orders", "orders;", 'orders"',
]


def _config_with(field: str, value: str) -> dict:
    if field.startswith("metrics[0]."):
        key = field.split(".", 1)[1]
        if key == "source":
            value = "demo_behaviors." + value
        return {"metrics": [good_metric(**{key: value})]}
    if field == "insights.tables":
        return {"insights": {"tables": [value]}}
    return {field: value}


IDENTIFIER_FIELDS = ["project_prefix", "profile_id_column", "landing_schema", "metrics[0].metric",
                     "metrics[0].agg_col_name", "metrics[0].source", "metrics[0].join_key",
                     "metrics[0].unixtime_col", "insights.tables"]


@pytest.mark.parametrize("field", IDENTIFIER_FIELDS)
@pytest.mark.parametrize("value", TRICKY_NAMES, ids=[repr(v) for v in TRICKY_NAMES])
def test_identifier_with_whitespace_or_unicode_trick_is_rejected(field, value):
    with pytest.raises(ConfigError) as info:
        validate_config(_config_with(field, value))
    assert field in [p.field for p in info.value.problems]


def test_trailing_newline_shows_in_the_message():
    with pytest.raises(ConfigError) as info:
        validate_config({"metrics": [good_metric(metric="orders\n")]})
    assert "segment_analytics.metrics[0].metric: 'orders\\n' is not a lower-case identifier" in str(info.value)


@pytest.mark.parametrize(("raw", "field"), [
    ({"time_window": {"type": "interval", "lookback": "-30d\n"}}, "time_window.lookback"),
    ({"time_window": {"type": "interval", "lookback": "-30d", "anchor": "2026-01-01\n"}}, "time_window.anchor"),
    ({"time_window": {"type": "range", "start_date": "2026-01-01\n"}}, "time_window.start_date"),
    ({"time_window": {"type": "range", "start_date": "\uff12\uff10\uff12\uff16-01-01"}}, "time_window.start_date"),
    ({"insights": {"shared_users": ["a@b.co\n"]}}, "insights.shared_users"),
])
def test_dates_lookbacks_and_emails_are_full_matches(raw, field):
    assert field in fields_of(raw)


def test_plain_identifiers_still_pass():
    cfg = validate_config({"project_prefix": "sa_2", "profile_id_column": "Td_Id", "landing_schema": "Landing_1",
                           "metrics": [good_metric(metric="_orders2", agg="sum", agg_col_name="Amount")]})
    assert cfg.metrics[0].metric == "_orders2"


# ------------------------------------------------------------------ filter regexes (H10)

@pytest.mark.parametrize(("pattern", "says"), [
    ("(?=x)", "lookahead"),
    ("(?<!x)y", "lookahead/lookbehind"),
    ("(a)\\1", "backreferences"),
    ("a*+", "possessive"),
    ("a++", "possessive"),
    ("a{2}+", "possessive"),
    ("(?>a)", "atomic"),
    ("(?<n>a)", "named groups"),
    ("(?P<n>a)", "named groups"),
    ("(?m)^a", "flags i and s"),
    ("(?U)a+", "flags i and s"),
    ("\\Z", "escape is not portable"),
    ("\\C", "escape is not portable"),
    ("\\h", "escape is not portable"),
    ("[[:alpha:]]", "character class"),
    ("[a&&b]", "character class"),
    ("[\\S]", "character class"),
    ("a{,3}", "literal brace"),
    ("a{1001}", "literal brace"),
    ("]", "literal ]"),
    ("(unclosed", "missing )"),
    ("a)", "unmatched )"),
    ("*a", "nothing to repeat"),
    ("[z-a]", "RE2 (DuckDB) rejects it: invalid character class range"),
    ("a{2,1}", "RE2 (DuckDB) rejects it"),
    ("\\p{Foo}", "RE2 (DuckDB) rejects it"),
    ("(a+)+", "backtrack"),
    ("((x*)y){2,}", "backtrack"),
    ("v" * 501, "limited to 500"),
])
def test_filter_regex_outside_the_portable_subset_is_rejected(pattern, says):
    with pytest.raises(ConfigError) as info:
        validate_config({"filters": {"segments_to_include": pattern}})
    problem = info.value.problems[0]
    assert problem.field == "filters.segments_to_include"
    assert "invalid regex" in problem.message and says in problem.message


@pytest.mark.parametrize("pattern", [
    "vip", "^vip$", "^(vip|gold)_", "a{2,5}?", "q[1-4]\\b", "\\d+", "\\s*sale", "[^\\s\\d]", "\\S+",
    "\\p{Greek}", "\\pL", "\\x41", "(?i)vip", "(?s:a.b)", "\\.\\$\\[\\]\\{\\}", "\u540d\u524d", "a||b",
    "\\Avip\\z", "(a|b)+", "v" * 500,
])
def test_portable_filter_regex_is_accepted(pattern):
    assert validate_config(with_metrics({"filters": {"ps_to_include": pattern}})).filters.ps_to_include == pattern


def test_escapes_are_not_upper_case_letters_but_letters_are():
    assert validate_config(with_metrics({"filters": {"folders_to_include": "\\S\\P{Lu}\\D"}}))
    assert fields_of(with_metrics({"filters": {"folders_to_include": "\\SVip"}})) == ["filters.folders_to_include"]
