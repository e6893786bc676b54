"""Rule compiler: Audience Studio segment rules to member SQL for DuckDB and Trino."""

from orchestrate.rules.check import CheckReport, CountCheck, check_counts
from orchestrate.rules.compiler import compile_rule
from orchestrate.rules.errors import RuleCompileError

__all__ = ["CheckReport", "CountCheck", "RuleCompileError", "check_counts", "compile_rule"]
