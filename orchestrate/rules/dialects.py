"""The few SQL spellings that differ between DuckDB and Trino."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from orchestrate.regexes import joni_problem, re2_error

DialectName = Literal["duckdb", "trino"]


@dataclass(frozen=True)
class Dialect:
    name: DialectName

    def regexp_problem(self, pattern: str) -> str | None:
        """Why this engine cannot run a rule's Regexp operand (None when it can): DuckDB asks RE2
        itself; Trino gets a structural check of what Joni rejects and a backtracking guard."""
        if self.name == "duckdb":
            error = re2_error(pattern)
            return f"DuckDB (RE2) cannot run this regex: {error}" if error else None
        return joni_problem(pattern)

    def regexp(self, expr: str, pattern_literal: str) -> str:
        """Partial-match regular expression test (RE2 on DuckDB, Joni on Trino)."""
        if self.name == "duckdb":
            return f"regexp_matches({expr}, {pattern_literal})"
        return f"regexp_like({expr}, {pattern_literal})"

    def starts_with(self, expr: str, literal: str) -> str:
        return f"starts_with({expr}, {literal})"

    def ends_with(self, expr: str, literal: str, length: int) -> str:
        if self.name == "duckdb":
            return f"ends_with({expr}, {literal})"
        if length == 0:
            return f"({expr} = {expr})"  # true, or NULL for a NULL value (so `not` stays NULL too)
        return f"(length({expr}) >= {length} and substr({expr}, length({expr}) - {length - 1}) = {literal})"

    def count_matching(self, array_expr: str, var: str, predicate: str) -> str:
        """Number of array elements for which `predicate` (over `var`) is true."""
        if self.name == "duckdb":
            return f"len(list_filter({array_expr}, lambda {var}: coalesce({predicate}, false)))"
        return f"cardinality(filter({array_expr}, {var} -> coalesce({predicate}, false)))"

    def array_length(self, array_expr: str) -> str:
        if self.name == "duckdb":
            return f"len({array_expr})"
        return f"cardinality({array_expr})"


def dialect_for(name: str) -> Dialect:
    if name not in ("duckdb", "trino"):
        raise ValueError(f"dialect must be 'duckdb' or 'trino', got {name!r}")
    return Dialect(name)  # type: ignore[arg-type]
