"""Rule compiler: Audience Studio segment rules to member SQL for DuckDB and Trino."""

from orchestrate.rules.compiler import compile_rule
from orchestrate.rules.errors import RuleCompileError

__all__ = ["RuleCompileError", "compile_rule"]
