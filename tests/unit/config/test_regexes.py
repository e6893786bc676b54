"""orchestrate.regexes: the portable filter-regex subset, RE2 asked through DuckDB, Joni's structure,
and the dbt twin of the scan (macros/cross_engine/sa_regex_search.sql) holding the same expressions."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest

from orchestrate.regexes import (
    _HINTS,
    PORTABLE_TOKEN,
    filter_regex_problem,
    joni_problem,
    nested_repetition,
    re2_error,
    repeats,
    scan_portable,
)

MACROS = Path(__file__).resolve().parents[3] / "macros" / "cross_engine" / "sa_regex_search.sql"


def _jinja_value(macro: str) -> object:
    """The value a macro of sa_regex_search.sql returns, read as dbt's Jinja reads its literal."""
    text = MACROS.read_text(encoding="utf-8")
    body = re.search(r"{% macro " + macro + r"\(\) -%}\s*{{ return\((.*?)\) }}\s*{%- endmacro %}", text, re.S)
    assert body, macro
    return jinja2.Environment().compile_expression(body.group(1))()


def test_dbt_scan_uses_the_same_token_expression():
    assert _jinja_value("sa_regex_token_re") == PORTABLE_TOKEN.pattern


def test_dbt_scan_uses_the_same_hints():
    assert _jinja_value("sa_regex_hints") == [[p.pattern, hint] for p, hint in _HINTS]


@pytest.mark.parametrize(("pattern", "error"), [
    ("(?=x)", "invalid perl operator"), ("(a)\\1", "invalid escape sequence"), ("a*+", "bad repetition operator"),
    ("a{1001}", "invalid repetition size"), ("(", "missing )"),
])
def test_re2_error_is_duckdbs_own(pattern, error):
    assert error in (re2_error(pattern) or "")


def test_re2_accepts_what_it_accepts():
    assert re2_error("(?P<n>a)|[[:alpha:]]|\\C") is None


@pytest.mark.parametrize(("quantifier", "expected"), [
    ("*", True), ("+?", True), ("?", False), ("{1}", False), ("{2}", True), ("{0,1}", False), ("{0,2}", True),
    ("{3,}", True),
])
def test_repeats(quantifier, expected):
    assert repeats(quantifier) is expected


@pytest.mark.parametrize(("pattern", "nested"), [
    ("(a+)+", True), ("(a*)*", True), ("((a+)b)+", True), ("(a+b){2,3}", True), ("(?:x+)*", True),
    ("(a+)?", False), ("(a|b)+", False), ("(a+)(b+)", False), ("(ab)+c+", False), ("(a){2}b+", False),
])
def test_nested_repetition(pattern, nested):
    tokens, problem = scan_portable(pattern)
    assert problem is None
    assert nested_repetition([(t.kind, t.text) for t in tokens]) is nested


def test_filter_problem_checks_re2_last():
    assert filter_regex_problem("[b-a]").startswith("RE2 (DuckDB) rejects it")


@pytest.mark.parametrize(("pattern", "problem"), [
    ("(unclosed", "unmatched parenthesis"), ("a)", "unmatched close parenthesis"), ("[a", "premature end"),
    ("*a", "target of repeat"), ("(?P<n>a)", "undefined group option"), ("(?U)a", "undefined group option"),
    ("a{2,1}", "upper is smaller"), ("(a+)+", "backtrack"), ("(x|y*)*z", "backtrack"),
])
def test_joni_problem(pattern, problem):
    assert problem in (joni_problem(pattern) or "")


@pytest.mark.parametrize("pattern", [
    "(?=x)", "(a)\\1", "a*+", "a**", "(?>a)", "(?<n>a)\\k<n>", "(?#note)a", "(?x) a", "\\Ga", "[[:alpha:]]",
    "[a-z&&[^aeiou]]", "[]a]", "\\Q(\\E", "a{,3}", "(?i:a)", "(?-i)a", "\\p{InGreek}", "",
])
def test_joni_accepts_what_java_syntax_reads(pattern):
    assert joni_problem(pattern) is None
