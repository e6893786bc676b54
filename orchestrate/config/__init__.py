"""Configuration: `vars: segment_analytics:`, validated into a typed, frozen `Config`.

`schema` is the one definition of every key (defaults, allowed values, patterns, messages) that the
CLI's validator and dbt's (through the generated `macros/config/sa_config_schema.sql`) both read;
`model` the `Config` type; `validate` the checks; `load` how dbt's vars are found; `errors` the
`ConfigError` that lists every problem.
"""

from orchestrate.config.errors import ConfigError, ConfigProblem
from orchestrate.config.load import dumps_vars, load_config, load_project_vars, merge_vars, parse_cli_vars
from orchestrate.config.model import ChangeSchemaCols, Config, Filters, Freshness, Insights, Metric, TimeWindow
from orchestrate.config.schema import DEFAULTS, MESSAGES, VARS_KEY
from orchestrate.config.validate import default_config, insights_with_defaults, normalise_config, validate_config

NO_METRICS = MESSAGES["no_metrics"]
NESTED_SIBLING = MESSAGES["nested_sibling"]

__all__ = [
    "DEFAULTS", "MESSAGES", "NESTED_SIBLING", "NO_METRICS", "VARS_KEY", "ChangeSchemaCols", "Config", "ConfigError",
    "ConfigProblem", "Filters", "Freshness", "Insights", "Metric", "TimeWindow", "default_config", "dumps_vars",
    "insights_with_defaults", "load_config", "load_project_vars", "merge_vars", "normalise_config",
    "parse_cli_vars", "validate_config",
]
