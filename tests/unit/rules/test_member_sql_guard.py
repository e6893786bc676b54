"""orchestrate.rules.member_sql_guard: one SELECT over the parent segment's own tables, or refused.

Both layers (the literal-aware lexical check, which dbt repeats, and the sqlglot parse) are tested
on their own, so each one can fail; `member_sql_problem` needs both to pass."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrate.rules import compile_rule
from orchestrate.rules.member_sql_guard import lexical_problem, member_sql_problem, parse_problem
from tests.unit.rules.strategies import NOWS, ZONES, rules

PS = "1"
HEAD = 'select a.* from "cdp_audience_1"."customers" a'
TD_EXAMPLE = ('select\n  a.*\nfrom "cdp_audience_287197"."customers" a\nwhere (\n'
              "  (position('Male' in a.\"gender\") > 0)\n)")
HOSTILE_VALUES = ["https://x.example/?a=1;b=2", "a;b", "\n/* sa_batch_boundary */\n", "-- not a comment",
                  "/* nor this", "*/", "$$ x $$", "E'\\'", "'); drop table x; --", "\r\nunion all select 1",
                  "\\", "\"cdp_audience_2\".\"customers\"", "read_text('/etc/passwd')"]


def _hostile_rule() -> dict:
    leaves = [{"type": "Value", "leftValue": {"name": "url"}, "operator": {"type": op, **value}}
              for op, value in (("Equal", {"rightValue": HOSTILE_VALUES[0]}),
                                ("Contain", {"rightValues": HOSTILE_VALUES}),
                                ("StartWith", {"rightValues": HOSTILE_VALUES}),
                                ("EndWith", {"rightValues": HOSTILE_VALUES}),
                                ("Regexp", {"rightValue": "^a;b.*--/*$"}),
                                ("In", {"rightValues": HOSTILE_VALUES}))]
    return {"type": "And", "conditions": [{"type": "And", "conditions": leaves}]}


@pytest.mark.parametrize("dialect", ["duckdb", "trino"])
def test_compiled_sql_with_hostile_values_is_accepted(dialect):
    sql = compile_rule(_hostile_rule(), audience_id=PS, dialect=dialect)  # type: ignore[arg-type]
    assert ";" in sql and "sa_batch_boundary" in sql and "--" in sql  # the values are in the SQL...
    assert lexical_problem(sql, PS) is None  # ...as data
    assert parse_problem(sql, PS, dialect) is None


def test_td_answer_shape_is_accepted():
    assert member_sql_problem(TD_EXAMPLE, "287197", "trino") is None
    assert member_sql_problem('select a.* from "cdp_audience_287197"."customers" a', "287197", "trino") is None
    trailing = HEAD + ' where (a."x" = 1)\n-- generated'
    assert member_sql_problem(trailing, PS, "trino") is None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_rules_compile_to_accepted_sql_in_both_dialects(data):
    now = data.draw(st.sampled_from(NOWS), label="now")
    zone = data.draw(st.sampled_from(ZONES), label="timezone")
    references = {f"ref{i}": data.draw(rules(now), label=f"ref{i}") for i in range(2)}
    rule = data.draw(rules(now, list(references)), label="rule")
    for dialect in ("duckdb", "trino"):
        sql = compile_rule(rule, audience_id="9", dialect=dialect, now=now, timezone=zone,  # type: ignore[arg-type]
                           resolve_reference=references.__getitem__)
        assert member_sql_problem(sql, "9", dialect) is None, sql


# (name, SQL, expected lexical reason fragment or None, expected parse reason fragment or None)
HOSTILE = [
    ("union by name read_text", HEAD + " where (1 = 1) union all by name select content as td_canonical_id "
     "from read_text('/etc/passwd')", "FROM reads", "UNION"),
    ("other schema", HEAD + ' where (a."k" in (select b."k" from "cdp_audience_2"."customers" b))',
     "FROM reads", "outside schema"),
    ("other catalog", HEAD + ' where (a."k" in (select b."k" from "other"."cdp_audience_1"."customers" b))',
     "FROM reads", "outside schema"),
    ("own schema as catalog", HEAD + ' where (a."k" in (select b."k" from "cdp_audience_1"."x"."y" b))',
     "FROM reads", "outside schema"),
    ("second statement", HEAD + " where (1 = 1); drop table x", "';'", "2 statements"),
    ("block comment", HEAD + " where (1 = 1 /* x */)", "block comment", None),
    ("line comment ended by CR", HEAD + " where (1 = 1) --x\r union all select * from read_text('f')",
     "FROM reads", None),
    ("unterminated literal", HEAD + " where (a.\"x\" = 'abc)", "unterminated string", "parse"),
    ("unterminated identifier", HEAD + ' where (a."x = 1)', "unterminated quoted identifier", "parse"),
    ("file scan", HEAD + " where (a.\"x\" in (select * from 'secret.csv'))", "FROM reads", "outside schema"),
    ("comma table function", HEAD + " where (a.\"x\" in (select b.\"x\" from \"cdp_audience_1\".\"customers\" b, "
     "read_text('/etc/passwd') t))", "comma", "table function"),
    ("comma after sub-select", HEAD + " where (a.\"x\" in (select b.x from (select 1 as x) b, "
     "read_text('/etc/passwd') t))", "comma", "table function"),
    ("join table function", HEAD + " where (a.\"x\" in (select b.x from \"cdp_audience_1\".\"customers\" b "
     "join read_text('x') t on true))", "JOIN reads", "table function"),
    ("lateral", HEAD + " where (a.\"x\" in (select b.\"x\" from \"cdp_audience_1\".\"customers\" b "
     "cross join lateral (select 1) t))", "LATERAL", "LATERAL"),
    ("cte", HEAD + " where (a.\"x\" in (with t as (select 1 as x) select x from t))", "WITH", "WITH"),
    ("trino table function", HEAD + " where (a.\"x\" in (select * from TABLE(system.query(query => 'select 1'))))",
     "TABLE", "table function"),
    ("dollar quoting", HEAD + " where (a.\"x\" = $$ x $$)", "'$'", None),
    ("escape string", HEAD + " where (a.\"x\" = E'\\' ) union select 1 --')", "prefixed string", None),
    ("closes the wrapper", HEAD + " where (1 = 1)) s union all select * from read_text('x') t (",
     "FROM reads", "parse"),
    ("top-level order and limit", HEAD + " where (1 = 1) order by 1 limit 5", "top level", "top-level"),
    ("exists over read_csv", HEAD + " where (exists (select 1 from read_csv('/etc/passwd')))", "FROM reads",
     "table function"),
    ("from-first", HEAD + " where (a.\"x\" in (from read_text('x')))", "FROM reads", "table function"),
    ("parenthesised table function", HEAD + " where (a.\"x\" in (select 1 from (read_text('x'))))",
     "FROM reads", "table function"),
    ("getenv", HEAD + " where (a.\"x\" = getenv('HOME'))", None, "getenv"),
    ("current_setting", HEAD + " where (a.\"x\" = current_setting('home_directory'))", None, "current_setting"),
    ("another parent segment", 'select a.* from "cdp_audience_2"."customers" a', "does not start with",
     "outside schema"),
    ("pragma", HEAD + " where (a.\"x\" in (pragma database_list))", "PRAGMA", "parse"),
    ("values", HEAD + " where (a.\"x\" in (values (1)))", "VALUES", "VALUES"),
    ("identifier hiding the schema", HEAD + ' where (a."x" in (select b."x" from "cdp_audience_1""x"."t" b))',
     "FROM reads", "outside schema"),
    ("unbalanced", HEAD + " where ((1 = 1)", "unbalanced", "parse"),
]


@pytest.mark.parametrize(("name", "sql", "lexical", "parsed"), HOSTILE, ids=[h[0] for h in HOSTILE])
@pytest.mark.parametrize("dialect", ["duckdb", "trino"])
def test_hostile_sql_is_refused(name, sql, lexical, parsed, dialect):
    assert member_sql_problem(sql, PS, dialect) is not None
    lex = lexical_problem(sql, PS)
    if lexical is None:
        assert lex is None
    else:
        assert lex is not None and lexical in lex, lex
    got = parse_problem(sql, PS, dialect)
    if parsed == "parse":
        assert got is not None
    elif parsed is not None:
        assert got is not None and parsed in got, got


def test_not_text_and_odd_parent_segment_ids_are_refused():
    assert member_sql_problem(None, PS, "trino") == "is empty or not text"
    assert member_sql_problem("   ", PS, "trino") == "is empty or not text"
    assert "NUL" in member_sql_problem(HEAD + " where (a.\"x\" = '\x00')", PS, "trino")
    assert "not a plain id" in member_sql_problem('select a.* from "cdp_audience_x""y"."customers" a', 'x"y', "trino")
