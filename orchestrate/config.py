"""Configuration: `vars: segment_analytics:`, every key with its default.

dbt hands a node the whole `segment_analytics` mapping of the project that sets it (orchestrate/
dbt_vars.py: `--vars`, then the root project, then this package's own dbt_project.yml), never a
key-by-key merge. So the defaults live here and in `macros/config/sa_cfg.sql` (the same values,
key by key: tests/unit/config and tests/integration/dbt check that they agree), and a host project
that sets one key gets the defaults for the rest. `metrics` has no default: none configured is an
error. The result is validated before any SQL runs; the dbt twin of this validation is
`macros/config/sa_validate_config.sql`, and both name the same field, with the same message, for
the same mistake.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from orchestrate import dbt_vars
from orchestrate.regexes import filter_regex_problem

VARS_KEY = "segment_analytics"

AGGS = ("count", "sum", "avg", "min", "max", "count_distinct")
SQL_SOURCES = ("api", "compiler", "auto")
MEMBERSHIP_BASES = ("point_in_time", "current")
V5_FLAGS = ("v5", "v4", "both")
WINDOW_TYPES = ("none", "interval", "range")
OPEN_END = "2222-02-02"

# Always used with fullmatch: `^...$` with match() lets a trailing newline through ("orders\n").
# ASCII classes only ([0-9], not \d), so no Unicode digit or letter passes for one.
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_METRIC_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_LOOKBACK = re.compile(r"-[1-9][0-9]*[smhdwMqy]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Escapes are not letters to match (\S, \p{Greek}); the upper-case check ignores them.
_REGEX_ESCAPE = re.compile(r"\\(?:x[0-9A-Fa-f]{2}|[pP](?:[A-Z]|\{[A-Za-z]+\})|.)", re.S)

# Every key of `segment_analytics:` and its default (the same as sa_config_defaults() in
# macros/config/sa_cfg.sql and as dbt_project.yml's documented block). `metrics` is required.
DEFAULTS: dict[str, Any] = {
    "project_prefix": "segment_analytics",
    "profile_id_column": "td_canonical_id",
    "segment_sql_source": "auto",
    "membership_basis": "point_in_time",
    "exact_counts": True,
    "landing_schema": None,
    "td_mode": "auto",
    "freshness": {"warn_after_hours": 24, "error_after_hours": 48},
    "filters": {"v5_flag": "both", "ps_to_include": "", "folders_to_include": "", "segments_to_include": ""},
    "time_window": {"type": "interval", "lookback": "-120d", "anchor": "now", "start_date": None,
                    "end_date": OPEN_END},
    "metrics": [],
    "insights": {
        "model_name": "segment_analytics",
        "tables": ["final_metrics_table", "ps_stats", "population_tracker", "population_daily", "rule_changes"],
        "shared_users": [],
        "change_schema_cols": {"date": ["event_date", "run_date", "date"], "text": [], "float": [], "bigint": []},
        # kept only for pairs whose two tables are both in `tables`
        "join_relations": [["population_tracker.segment_id", "final_metrics_table.segment_id"]],
    },
}
TOP_KEYS = DEFAULTS
FILTER_KEYS: dict[str, Any] = DEFAULTS["filters"]
WINDOW_KEYS: dict[str, Any] = DEFAULTS["time_window"]
INSIGHTS_DEFAULTS: dict[str, Any] = DEFAULTS["insights"]
NO_METRICS = ("no metrics configured, so every metric mart would be empty; add at least one under "
              "`vars: segment_analytics: metrics:` in your dbt_project.yml, e.g. "
              "`- {metric: orders, agg: count, source: <schema>.<table>, join_key: td_canonical_id, "
              "unixtime_col: time}` (`segment-analytics init` writes a starting block from your account)")
NESTED_SIBLING = ("is beside a nested `segment_analytics: segment_analytics:` block, and dbt reads only the "
                  "inner block, so this key would be ignored; move it into the inner block (or un-nest it)")


def default_config() -> dict[str, Any]:
    """A fresh copy of every default (metrics empty)."""
    return copy.deepcopy(DEFAULTS)


METRIC_KEYS = ("metric", "agg", "agg_col_name", "source", "join_key", "unixtime_col", "filter")
METRIC_REQUIRED = ("metric", "agg", "source", "join_key", "unixtime_col")
INSIGHTS_KEYS = tuple(INSIGHTS_DEFAULTS)
SCHEMA_TYPES = ("date", "text", "float", "bigint")


@dataclass
class ConfigProblem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{VARS_KEY}.{self.field}: {self.message}"


class ConfigError(ValueError):
    """One or more configuration mistakes; each names the field and the fix."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        self.field = problems[0].field
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid configuration ({len(problems)} problem(s)):\n{lines}")


# --------------------------------------------------------------------------- loading and merging


def load_project_vars(project_dir: Path) -> dict[str, Any]:
    """All vars of dbt_project.yml (the whole `vars:` mapping)."""
    try:
        return dbt_vars.project_vars(dbt_vars.read_project(Path(project_dir)), Path(project_dir))
    except dbt_vars.VarsFileError as exc:
        raise ConfigError([ConfigProblem("vars", str(exc))]) from exc


def parse_cli_vars(text: str | None) -> dict[str, Any]:
    """Parse `--vars` text (YAML or JSON, as dbt accepts it)."""
    if not text:
        return {}
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError([ConfigProblem("--vars", f"is not valid YAML/JSON ({exc.__class__.__name__})")]) from exc
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise ConfigError([ConfigProblem("--vars", "must be a mapping such as '{run_date: 2026-01-31}'")])
    return parsed


def merge_vars(project_vars: dict[str, Any], cli_vars: dict[str, Any]) -> dict[str, Any]:
    """dbt's rule: a top-level key given with --vars replaces the project's value for that key."""
    merged = dict(project_vars)
    merged.update(cli_vars)
    return merged


def load_config(project_dir: Path, cli_vars_text: str | None = None, *,
                cli_vars: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `segment_analytics` mapping this package's models see for the project in `project_dir`
    (this project, or a host that installed it) with `--vars` (text or parsed), validated and with
    every default filled in."""
    given = parse_cli_vars(cli_vars_text) if cli_vars is None else cli_vars
    try:
        layers = dbt_vars.var_layers(Path(project_dir), given)
    except dbt_vars.VarsFileError as exc:
        raise ConfigError([ConfigProblem("vars", str(exc))]) from exc
    raw = dbt_vars.lookup(layers, VARS_KEY, None)
    return validate_config(raw, ignored=_nested_siblings(layers))


def _nested_siblings(layers: list[Any]) -> list[str]:
    """Config keys a project set beside the nested form `segment_analytics: {segment_analytics: ...}`
    when that nested block is what dbt reads (dbt ignores them)."""
    cli, scoped = layers[0], layers[1]
    if VARS_KEY in cli or VARS_KEY not in scoped:
        return []
    return [key for key in scoped if key in DEFAULTS]


# --------------------------------------------------------------------------- validation


def validate_config(raw: Any, *, ignored: list[str] | None = None) -> dict[str, Any]:
    """Validate the `segment_analytics` vars; return them normalised (every default filled in).
    `ignored`: keys dbt would not read (see load_config), each reported as a problem."""
    problems: list[ConfigProblem] = [ConfigProblem(key, NESTED_SIBLING) for key in ignored or []]
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError([*problems, ConfigProblem("", "must be a mapping under `vars: segment_analytics:`")])

    _unknown_keys(raw, TOP_KEYS, "", problems)
    cfg: dict[str, Any] = {key: raw.get(key, copy.deepcopy(default)) for key, default in TOP_KEYS.items()}

    _identifier(cfg, "project_prefix", problems, lower=True)
    _identifier(cfg, "profile_id_column", problems)
    _choice(cfg, "segment_sql_source", SQL_SOURCES, problems)
    _choice(cfg, "membership_basis", MEMBERSHIP_BASES, problems)
    _boolean(cfg, "exact_counts", problems)
    # td_mode: true / false / auto (orchestrate/warehouse/td_mode.py)
    if cfg["td_mode"] is not None and not isinstance(cfg["td_mode"], bool) and cfg["td_mode"] != "auto":
        problems.append(ConfigProblem("td_mode", f"{cfg['td_mode']!r} is not true, false or auto"))
    if cfg["landing_schema"] is not None:
        _identifier(cfg, "landing_schema", problems)

    cfg["filters"] = _validate_filters(raw.get("filters"), problems)
    cfg["time_window"] = _validate_time_window(raw.get("time_window"), problems)
    cfg["metrics"] = _validate_metrics(raw.get("metrics"), problems)
    cfg["insights"] = _validate_insights(raw.get("insights"), problems)
    cfg["freshness"] = _validate_freshness(raw.get("freshness"), problems)

    if problems:
        raise ConfigError(problems)
    return cfg


def _unknown_keys(mapping: dict[str, Any], known: Any, prefix: str, problems: list[ConfigProblem]) -> None:
    for key in mapping:
        if key not in known:
            where = f"{prefix}{key}"
            allowed = ", ".join(sorted(known))
            problems.append(ConfigProblem(where, f"unknown key; remove it or use one of: {allowed}"))


def _identifier(cfg: dict[str, Any], key: str, problems: list[ConfigProblem], *, lower: bool = False,
                field: str | None = None) -> None:
    value = cfg.get(key)
    pattern = _METRIC_NAME if lower else _IDENT
    if not isinstance(value, str) or not pattern.fullmatch(value):
        kind = "a lower-case SQL identifier ([a-z_][a-z0-9_]*)" if lower else "a SQL identifier"
        problems.append(ConfigProblem(field or key, f"{value!r} is not {kind}; use letters, digits and _"))


def _choice(cfg: dict[str, Any], key: str, choices: tuple[str, ...], problems: list[ConfigProblem],
            field: str | None = None) -> None:
    if cfg.get(key) not in choices:
        allowed = ", ".join(choices)
        problems.append(ConfigProblem(field or key, f"{cfg.get(key)!r} is not allowed; use one of {allowed}"))


def _boolean(cfg: dict[str, Any], key: str, problems: list[ConfigProblem]) -> None:
    if not isinstance(cfg.get(key), bool):
        problems.append(ConfigProblem(key, f"{cfg.get(key)!r} is not a boolean; use true or false"))


def _normalise_v5_flag(value: Any) -> Any:
    """Accept the original package's spellings too: 1 = V5, 0 = V4, '1,0' / '1, 0' = both."""
    text = str(value).replace(" ", "").lower() if value is not None else ""
    legacy = {"1": "v5", "0": "v4", "1,0": "both", "0,1": "both"}
    return legacy.get(text, text if text in V5_FLAGS else value)


def _check_regex(value: Any, field: str, problems: list[ConfigProblem]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(ConfigProblem(field, f"{value!r} is not a string; give a lower-case regex or '' for all"))
        return ""
    problem = filter_regex_problem(value) if value else None
    if problem:
        problems.append(ConfigProblem(field, f"invalid regex {value!r} ({problem}); fix the pattern or use '' for all"))
    unescaped = _REGEX_ESCAPE.sub("", value)
    if unescaped != unescaped.lower():
        problems.append(ConfigProblem(field, f"{value!r} has upper-case letters; names are lower-cased before "
                                             "matching, so write the regex in lower case"))
    return value


def _validate_filters(raw: Any, problems: list[ConfigProblem]) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(ConfigProblem("filters", "must be a mapping"))
        return dict(FILTER_KEYS)
    _unknown_keys(raw, FILTER_KEYS, "filters.", problems)
    out = {key: raw.get(key, default) for key, default in FILTER_KEYS.items()}
    out["v5_flag"] = _normalise_v5_flag(out["v5_flag"])
    _choice(out, "v5_flag", V5_FLAGS, problems, field="filters.v5_flag")
    for key in ("ps_to_include", "folders_to_include", "segments_to_include"):
        out[key] = _check_regex(out[key], f"filters.{key}", problems)
    return out


def _parse_date(value: Any, field: str, problems: list[ConfigProblem]) -> date | None:
    text = value.isoformat() if isinstance(value, date) else value
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        problems.append(ConfigProblem(field, f"{value!r} is not a date; use YYYY-MM-DD"))
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(ConfigProblem(field, f"{value!r} is not a real calendar date; use YYYY-MM-DD"))
        return None


def _validate_time_window(raw: Any, problems: list[ConfigProblem]) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(ConfigProblem("time_window", "must be a mapping with `type: none | interval | range`"))
        return dict(WINDOW_KEYS)
    _unknown_keys(raw, WINDOW_KEYS, "time_window.", problems)
    out = {key: raw.get(key, default) for key, default in WINDOW_KEYS.items()}
    for key in ("start_date", "end_date", "anchor"):
        if isinstance(out[key], date):
            out[key] = out[key].isoformat()
    if out["end_date"] is None:
        out["end_date"] = OPEN_END
    _choice(out, "type", WINDOW_TYPES, problems, field="time_window.type")
    if out["type"] == "interval":
        lookback = out["lookback"]
        if not isinstance(lookback, str) or not _LOOKBACK.fullmatch(lookback):
            problems.append(ConfigProblem(
                "time_window.lookback",
                f"{lookback!r} is not a lookback; use a negative count and a unit (s m h d w M q y), "
                "e.g. -30d, -2w, -20M"))
        if out["anchor"] != "now":
            _parse_date(out["anchor"], "time_window.anchor", problems)
    if out["type"] == "range":
        start = _parse_date(out["start_date"], "time_window.start_date", problems)
        end = _parse_date(out["end_date"], "time_window.end_date", problems)
        if start and end and end <= start:
            problems.append(ConfigProblem("time_window.end_date",
                                          f"{out['end_date']} is not after start_date {out['start_date']}; "
                                          "end_date is exclusive (2222-02-02 = open end)"))
    return out


def _validate_metrics(raw: Any, problems: list[ConfigProblem]) -> list[dict[str, Any]]:
    if raw is None or (isinstance(raw, list) and not raw):
        problems.append(ConfigProblem("metrics", NO_METRICS))
        return []
    if not isinstance(raw, list):
        problems.append(ConfigProblem("metrics", "must be a list of {metric, agg, agg_col_name, source, join_key, "
                                                 "unixtime_col, filter}"))
        return []
    seen: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for index, item in enumerate(raw):
        where = f"metrics[{index}]"
        if not isinstance(item, dict):
            problems.append(ConfigProblem(where, "must be a mapping with metric, agg, source, join_key, unixtime_col"))
            continue
        _unknown_keys(item, METRIC_KEYS, f"{where}.", problems)
        metric = {key: item.get(key) for key in METRIC_KEYS}
        if metric["agg_col_name"] is None:
            metric["agg_col_name"] = "1"
        metric["agg_col_name"] = str(metric["agg_col_name"])
        for key in METRIC_REQUIRED:
            if metric[key] in (None, ""):
                problems.append(ConfigProblem(f"{where}.{key}", "is required"))
        name = metric["metric"]
        if name not in (None, ""):
            if not isinstance(name, str) or not _METRIC_NAME.fullmatch(name):
                problems.append(ConfigProblem(f"{where}.metric",
                                              f"{name!r} is not a lower-case identifier; it becomes column names "
                                              "(<metric>_total ...), so use [a-z_][a-z0-9_]*"))
            elif name in seen:
                problems.append(ConfigProblem(f"{where}.metric",
                                              f"duplicate metric name {name!r} (also metrics[{seen[name]}]); "
                                              "give each metric a unique name"))
            else:
                seen[name] = index
        if metric["agg"] not in (None, "") and metric["agg"] not in AGGS:
            problems.append(ConfigProblem(f"{where}.agg", f"{metric['agg']!r} is not supported; use one of "
                                                          f"{', '.join(AGGS)}"))
        if metric["agg"] == "count_distinct" and metric["agg_col_name"] == "1":
            problems.append(ConfigProblem(f"{where}.agg_col_name", "count_distinct needs a column to count "
                                                                   "distinct values of, not '1'"))
        if metric["agg_col_name"] != "1" and not _IDENT.fullmatch(metric["agg_col_name"]):
            problems.append(ConfigProblem(f"{where}.agg_col_name",
                                          f"{metric['agg_col_name']!r} is not a column name; use '1' for row "
                                          "counts or a column of the source table"))
        source = metric["source"]
        if source not in (None, ""):
            parts = str(source).split(".")
            if len(parts) != 2 or not all(_IDENT.fullmatch(part) for part in parts):
                problems.append(ConfigProblem(f"{where}.source",
                                              f"{source!r} is not 'name.table'; give a declared dbt source "
                                              "(source_name.table_name) or a db.table relation"))
        for key in ("join_key", "unixtime_col"):
            value = metric[key]
            if value not in (None, "") and (not isinstance(value, str) or not _IDENT.fullmatch(value)):
                problems.append(ConfigProblem(f"{where}.{key}", f"{value!r} is not a column name"))
        flt = metric["filter"]
        if flt is not None and (not isinstance(flt, str) or ";" in flt or not flt.strip()):
            problems.append(ConfigProblem(f"{where}.filter",
                                          "must be one SQL boolean expression without ';' (or leave it out)"))
        out.append(metric)
    return out


def _validate_insights(raw: Any, problems: list[ConfigProblem]) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(ConfigProblem("insights", "must be a mapping"))
        return {}
    _unknown_keys(raw, INSIGHTS_KEYS, "insights.", problems)
    out = insights_with_defaults(raw)
    if not isinstance(out["model_name"], str) or not out["model_name"].strip():
        problems.append(ConfigProblem("insights.model_name", "must be a non-empty name"))
    if not isinstance(out["tables"], list) or not all(
            isinstance(t, str) and _IDENT.fullmatch(t) for t in out["tables"]):
        problems.append(ConfigProblem("insights.tables", "must be a list of mart names without the prefix, "
                                                         "e.g. [final_metrics_table, ps_stats]"))
    if not isinstance(out["shared_users"], list) or not all(
            isinstance(e, str) and _EMAIL.fullmatch(e) for e in out["shared_users"]):
        problems.append(ConfigProblem("insights.shared_users", "must be a list of e-mail addresses"))
    cols = out["change_schema_cols"]
    if not isinstance(cols, dict):
        problems.append(ConfigProblem("insights.change_schema_cols", "must map a type (date, text, float, bigint) "
                                                                     "to a list of columns"))
    else:
        for kind, names in cols.items():
            if kind not in SCHEMA_TYPES:
                problems.append(ConfigProblem(f"insights.change_schema_cols.{kind}",
                                              f"unknown type; use one of {', '.join(SCHEMA_TYPES)}"))
            elif not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                problems.append(ConfigProblem(f"insights.change_schema_cols.{kind}", "must be a list of column names"))
    if not isinstance(out["join_relations"], list):
        problems.append(ConfigProblem("insights.join_relations",
                                      "must be a list of pairs [table.column, table.column]"))
        return out
    for index, pair in enumerate(out["join_relations"]):
        ok = (isinstance(pair, list) and len(pair) == 2
              and all(isinstance(p, str) and len(p.split(".")) == 2 for p in pair))
        if not ok:
            problems.append(ConfigProblem(f"insights.join_relations[{index}]",
                                          "must be a pair [table.column, table.column]"))
    return out


def insights_with_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    """`insights` key by key over its defaults; `change_schema_cols` type by type. The default
    `join_relations` keeps only the pairs whose two tables are in `tables`."""
    defaults = copy.deepcopy(INSIGHTS_DEFAULTS)
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
    """`freshness: {warn_after_hours, error_after_hours}` (orchestrate/setup/freshness.py)."""
    from orchestrate.setup.freshness import freshness_problems

    values, found = freshness_problems(raw)
    problems.extend(ConfigProblem(where, message) for where, message in found)
    return values


def dumps_vars(vars_: dict[str, Any]) -> str:
    """Render vars for dbt's --vars (JSON is valid YAML)."""
    return json.dumps(vars_, default=str, sort_keys=True)
