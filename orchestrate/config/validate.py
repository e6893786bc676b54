"""Validation of `vars: segment_analytics:`: every problem at once, each naming the field and the fix.

Defaults, allowed values, patterns and message texts come from the one schema
(orchestrate/config/schema.py); dbt's twin of these checks is `macros/config/sa_validate_config.sql`,
which reads the same schema through the generated macro `sa_config_schema()`, and both name the same
field, with the same message, for the same mistake. The result is the frozen `Config`.
"""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

from orchestrate.config.ab_tests import validate_ab_tests
from orchestrate.config.alerts import validate_alerts
from orchestrate.config.errors import ConfigError, ConfigProblem
from orchestrate.config.model import Config
from orchestrate.config.schema import (
    CHOICES,
    DEFAULTS,
    METRIC_KEYS,
    METRIC_REQUIRED,
    OPEN_END,
    PATTERNS,
    ROW_COUNT,
    V5_FLAG_SPELLINGS,
    message,
)
from orchestrate.regexes import filter_regex_problem

_PATTERNS = {name: re.compile(pattern) for name, pattern in PATTERNS.items()}


def default_config() -> dict[str, Any]:
    """A fresh copy of every default (metrics empty)."""
    return copy.deepcopy(DEFAULTS)


def validate_config(raw: Any, *, ignored: list[str] | None = None) -> Config:
    """Validate the `segment_analytics` vars; return the typed, frozen configuration (every default
    filled in). `ignored`: keys dbt would not read (see load_config), each reported as a problem."""
    return Config.from_mapping(normalise_config(raw, ignored=ignored))


def normalise_config(raw: Any, *, ignored: list[str] | None = None) -> dict[str, Any]:
    """Validate the `segment_analytics` vars; return them as a plain mapping, every default filled in
    (what `Config.as_vars()` gives back). Raises ConfigError listing every problem."""
    problems: list[ConfigProblem] = [ConfigProblem(key, message("nested_sibling")) for key in ignored or []]
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError([*problems, ConfigProblem("", message("root_not_a_mapping"))])

    _unknown_keys(raw, DEFAULTS, "", problems)
    cfg: dict[str, Any] = {key: raw.get(key, copy.deepcopy(default)) for key, default in DEFAULTS.items()}

    _identifier(cfg["project_prefix"], "project_prefix", problems, lower=True)
    _identifier(cfg["profile_id_column"], "profile_id_column", problems)
    _choice(cfg["segment_sql_source"], "segment_sql_source", problems)
    _choice(cfg["membership_basis"], "membership_basis", problems)
    if not isinstance(cfg["exact_counts"], bool):
        problems.append(ConfigProblem("exact_counts", message("boolean", value=repr(cfg["exact_counts"]))))
    # td_mode: true / false / auto (orchestrate/warehouse/td_mode.py)
    if cfg["td_mode"] is not None and not isinstance(cfg["td_mode"], bool) and cfg["td_mode"] != "auto":
        problems.append(ConfigProblem("td_mode", message("td_mode", value=repr(cfg["td_mode"]))))
    if cfg["landing_schema"] is not None:
        _identifier(cfg["landing_schema"], "landing_schema", problems)

    cfg["filters"] = _validate_filters(raw.get("filters"), problems)
    cfg["time_window"] = _validate_time_window(raw.get("time_window"), problems)
    cfg["metrics"] = _validate_metrics(raw.get("metrics"), problems)
    cfg["insights"] = _validate_insights(raw.get("insights"), problems)
    cfg["freshness"] = _validate_freshness(raw.get("freshness"), problems)
    cfg["alerts"] = validate_alerts(raw.get("alerts"), [m["metric"] for m in cfg["metrics"]
                                                         if isinstance(m["metric"], str)], problems)
    cfg["overlap"] = _validate_overlap(raw.get("overlap"), problems)
    cfg["ab_tests"] = validate_ab_tests(raw.get("ab_tests"), [m["metric"] for m in cfg["metrics"]], problems)

    if problems:
        raise ConfigError(problems)
    return cfg


def _fullmatch(pattern: str, value: Any) -> bool:
    return isinstance(value, str) and _PATTERNS[pattern].fullmatch(value) is not None


def _unknown_keys(mapping: dict[str, Any], known: Any, prefix: str, problems: list[ConfigProblem]) -> None:
    allowed = ", ".join(sorted(known))
    for key in mapping:
        if key not in known:
            problems.append(ConfigProblem(f"{prefix}{key}", message("unknown_key", allowed=allowed)))


def _identifier(value: Any, field: str, problems: list[ConfigProblem], *, lower: bool = False) -> None:
    kind = "lower_identifier" if lower else "identifier"
    if not _fullmatch(kind, value):
        problems.append(ConfigProblem(field, message(kind, value=repr(value))))


def _choice(value: Any, field: str, problems: list[ConfigProblem]) -> None:
    if value not in CHOICES[field]:
        problems.append(ConfigProblem(field, message("choice", value=repr(value), allowed=", ".join(CHOICES[field]))))


def _normalise_v5_flag(value: Any) -> Any:
    """Accept the original package's spellings too: 1 = V5, 0 = V4, '1,0' / '1, 0' = both."""
    text = str(value).replace(" ", "").lower() if value is not None else ""
    return V5_FLAG_SPELLINGS.get(text, text if text in CHOICES["filters.v5_flag"] else value)


def _check_regex(value: Any, field: str, problems: list[ConfigProblem]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(ConfigProblem(field, message("regex_not_a_string", value=repr(value))))
        return ""
    problem = filter_regex_problem(value) if value else None
    if problem:
        problems.append(ConfigProblem(field, message("regex_invalid", value=repr(value), problem=problem)))
    unescaped = _PATTERNS["regex_escape"].sub("", value)
    if unescaped != unescaped.lower():
        problems.append(ConfigProblem(field, message("regex_upper_case", value=repr(value))))
    return value


def _validate_filters(raw: Any, problems: list[ConfigProblem]) -> dict[str, Any]:
    defaults = DEFAULTS["filters"]
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(ConfigProblem("filters", message("not_a_mapping")))
        return dict(defaults)
    _unknown_keys(raw, defaults, "filters.", problems)
    out = {key: raw.get(key, default) for key, default in defaults.items()}
    out["v5_flag"] = _normalise_v5_flag(out["v5_flag"])
    _choice(out["v5_flag"], "filters.v5_flag", problems)
    for key in ("ps_to_include", "folders_to_include", "segments_to_include"):
        out[key] = _check_regex(out[key], f"filters.{key}", problems)
    return out


def _parse_date(value: Any, field: str, problems: list[ConfigProblem]) -> date | None:
    text = value.isoformat() if isinstance(value, date) else value
    if not _fullmatch("date", text):
        problems.append(ConfigProblem(field, message("not_a_date", value=repr(value))))
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(ConfigProblem(field, message("not_a_calendar_date", value=repr(value))))
        return None


def _validate_time_window(raw: Any, problems: list[ConfigProblem]) -> dict[str, Any]:
    defaults = DEFAULTS["time_window"]
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(ConfigProblem("time_window", message("window_not_a_mapping")))
        return dict(defaults)
    _unknown_keys(raw, defaults, "time_window.", problems)
    out = {key: raw.get(key, default) for key, default in defaults.items()}
    for key in ("start_date", "end_date", "anchor"):
        if isinstance(out[key], date):
            out[key] = out[key].isoformat()
    if out["end_date"] is None:
        out["end_date"] = OPEN_END
    _choice(out["type"], "time_window.type", problems)
    if out["type"] == "interval":
        if not _fullmatch("lookback", out["lookback"]):
            problems.append(ConfigProblem("time_window.lookback", message("lookback", value=repr(out["lookback"]))))
        if out["anchor"] != "now":
            _parse_date(out["anchor"], "time_window.anchor", problems)
    if out["type"] == "range":
        start = _parse_date(out["start_date"], "time_window.start_date", problems)
        end = _parse_date(out["end_date"], "time_window.end_date", problems)
        if start and end and end <= start:
            problems.append(ConfigProblem("time_window.end_date", message(
                "end_not_after_start", end=out["end_date"], start=out["start_date"])))
    return out


def _validate_metrics(raw: Any, problems: list[ConfigProblem]) -> list[dict[str, Any]]:
    if raw is None or (isinstance(raw, list) and not raw):
        problems.append(ConfigProblem("metrics", message("no_metrics")))
        return []
    if not isinstance(raw, list):
        problems.append(ConfigProblem("metrics", message("metrics_not_a_list")))
        return []
    seen: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for index, item in enumerate(raw):
        where = f"metrics[{index}]"
        if not isinstance(item, dict):
            problems.append(ConfigProblem(where, message("metric_not_a_mapping")))
            continue
        _unknown_keys(item, METRIC_KEYS, f"{where}.", problems)
        metric = {key: item.get(key) for key in METRIC_KEYS}
        metric["agg_col_name"] = ROW_COUNT if metric["agg_col_name"] is None else str(metric["agg_col_name"])
        for key in METRIC_REQUIRED:
            if metric[key] in (None, ""):
                problems.append(ConfigProblem(f"{where}.{key}", message("required")))
        _check_metric(metric, where, index, seen, problems)
        out.append(metric)
    return out


def _check_metric(metric: dict[str, Any], where: str, index: int, seen: dict[str, int],
                  problems: list[ConfigProblem]) -> None:
    name = metric["metric"]
    if name not in (None, ""):
        if not _fullmatch("lower_identifier", name):
            problems.append(ConfigProblem(f"{where}.metric", message("metric_name", value=repr(name))))
        elif name in seen:
            problems.append(ConfigProblem(f"{where}.metric", message("duplicate_metric", value=repr(name),
                                                                     first=seen[name])))
        else:
            seen[name] = index
    aggs = CHOICES["metrics.agg"]
    if metric["agg"] not in (None, "") and metric["agg"] not in aggs:
        problems.append(ConfigProblem(f"{where}.agg", message("agg", value=repr(metric["agg"]),
                                                              allowed=", ".join(aggs))))
    if metric["agg"] == "count_distinct" and metric["agg_col_name"] == ROW_COUNT:
        problems.append(ConfigProblem(f"{where}.agg_col_name", message("count_distinct_rows")))
    if metric["agg_col_name"] != ROW_COUNT and not _fullmatch("identifier", metric["agg_col_name"]):
        problems.append(ConfigProblem(f"{where}.agg_col_name", message("agg_col_name",
                                                                       value=repr(metric["agg_col_name"]))))
    source = metric["source"]
    if source not in (None, "") and not _fullmatch("source", str(source)):
        problems.append(ConfigProblem(f"{where}.source", message("source", value=repr(source))))
    for key in ("join_key", "unixtime_col"):
        value = metric[key]
        if value not in (None, "") and not _fullmatch("identifier", value):
            problems.append(ConfigProblem(f"{where}.{key}", message("column", value=repr(value))))
    flt = metric["filter"]
    if flt is not None and (not isinstance(flt, str) or ";" in flt or not flt.strip()):
        problems.append(ConfigProblem(f"{where}.filter", message("filter")))


def _validate_insights(raw: Any, problems: list[ConfigProblem]) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(ConfigProblem("insights", message("not_a_mapping")))
        return {}
    _unknown_keys(raw, DEFAULTS["insights"], "insights.", problems)
    out = insights_with_defaults(raw)
    if not isinstance(out["model_name"], str) or not out["model_name"].strip():
        problems.append(ConfigProblem("insights.model_name", message("model_name")))
    if not _all_match(out["tables"], "identifier"):
        problems.append(ConfigProblem("insights.tables", message("tables")))
    if not _all_match(out["shared_users"], "email"):
        problems.append(ConfigProblem("insights.shared_users", message("shared_users")))
    cols = out["change_schema_cols"]
    kinds = CHOICES["insights.change_schema_cols"]
    if not isinstance(cols, dict):
        problems.append(ConfigProblem("insights.change_schema_cols", message("change_schema_cols")))
    else:
        for kind, names in cols.items():
            if kind not in kinds:
                problems.append(ConfigProblem(f"insights.change_schema_cols.{kind}",
                                              message("schema_type", allowed=", ".join(kinds))))
            elif not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                problems.append(ConfigProblem(f"insights.change_schema_cols.{kind}", message("schema_type_columns")))
    if not isinstance(out["join_relations"], list):
        problems.append(ConfigProblem("insights.join_relations", message("join_relations")))
        return out
    for index, pair in enumerate(out["join_relations"]):
        if not (isinstance(pair, list) and len(pair) == 2 and _all_match(pair, "join_pair_end")):
            problems.append(ConfigProblem(f"insights.join_relations[{index}]", message("join_pair")))
    return out


def _all_match(values: Any, pattern: str) -> bool:
    """A list of strings each fully matching `pattern`."""
    return isinstance(values, list) and all(_fullmatch(pattern, value) for value in values)


def insights_with_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    """`insights` key by key over its defaults; `change_schema_cols` type by type. The default
    `join_relations` keeps only the pairs whose two tables are in `tables`."""
    defaults = copy.deepcopy(DEFAULTS["insights"])
    out = {key: raw.get(key, defaults[key]) for key in ("model_name", "tables")}
    out["shared_users"] = raw.get("shared_users") or []
    cols = raw.get("change_schema_cols")
    out["change_schema_cols"] = {**defaults["change_schema_cols"], **cols} if isinstance(cols, dict) else (
        defaults["change_schema_cols"] if cols is None else cols)
    if "join_relations" in raw:
        out["join_relations"] = raw["join_relations"] or []
    else:
        tables = out["tables"] if isinstance(out["tables"], list) else []
        out["join_relations"] = [pair for pair in defaults["join_relations"]
                                 if all(end.split(".")[0] in tables for end in pair)]
    return out


def _validate_freshness(raw: Any, problems: list[ConfigProblem]) -> dict[str, int]:
    """`freshness: {warn_after_hours, error_after_hours}`, each key with its default."""
    defaults = DEFAULTS["freshness"]
    values = dict(defaults)
    if raw is None:
        return values
    if not isinstance(raw, dict):
        problems.append(ConfigProblem("freshness", message("freshness_not_a_mapping")))
        return values
    _unknown_keys(raw, defaults, "freshness.", problems)
    good = 0
    for key in defaults:
        if key not in raw:
            good += 1
            continue
        hours = raw[key]
        if isinstance(hours, bool) or not isinstance(hours, int) or hours < 1:
            problems.append(ConfigProblem(f"freshness.{key}", message("hours", value=repr(hours))))
        else:
            values[key] = hours
            good += 1
    if good == len(defaults) and values["error_after_hours"] < values["warn_after_hours"]:
        problems.append(ConfigProblem("freshness.error_after_hours", message("error_before_warn")))
    return values


def _validate_overlap(raw: Any, problems: list[ConfigProblem]) -> dict[str, int]:
    """`overlap: {top_pairs_per_segment}`, with its default (twin of macros/config/sa_overlap.sql)."""
    defaults = DEFAULTS["overlap"]
    values = dict(defaults)
    if raw is None:
        return values
    if not isinstance(raw, dict):
        problems.append(ConfigProblem("overlap", message("overlap_not_a_mapping")))
        return values
    _unknown_keys(raw, defaults, "overlap.", problems)
    top = raw.get("top_pairs_per_segment", defaults["top_pairs_per_segment"])
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        problems.append(ConfigProblem("overlap.top_pairs_per_segment", message("top_pairs", value=repr(top))))
    else:
        values["top_pairs_per_segment"] = top
    return values
