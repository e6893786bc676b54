"""Accept member SQL only when it is one SELECT over its own parent segment's tables.

Member SQL comes from TD's rule-to-SQL endpoint (or the project's compiler) and is run with the
workflow owner's rights, so the pull refuses any text that is not TD's skeleton
`select a.* from "cdp_audience_<ps>"."customers" a [where (...)]` with every table it reads in
schema `cdp_audience_<ps>`. Two independent checks, both must pass:

1. `lexical_problem`: a literal-aware scan, the twin of the dbt macro `sa_member_sql_problem`
   (macros/pipeline/sa_member_sql_guard.sql) that re-checks landed SQL at build time: line
   comments ignored, no block comment (DuckDB nests them, Trino does not), no `;`, no
   dollar-quoted or prefixed string, no unterminated literal, balanced parentheses, the skeleton
   at the top level, every FROM/JOIN on the own schema, a sub-select or unnest, no comma joins,
   no statement keywords.
2. `parse_problem`: the SQL parsed by sqlglot in its dialect: exactly one statement, a SELECT whose
   only top-level parts are `a.*`, the customers table and a WHERE, and whose every table
   reference anywhere is a plain table of the own schema (no table functions, files, other schemas
   or catalogs, CTEs, LATERAL, VALUES), and no file-reading or catalog-reading function.

`member_sql_problem` returns None for acceptable SQL, else a short reason naming what is wrong.
"""

from __future__ import annotations

import re
from typing import Any

# string literal -> '', line comment -> nothing (its line break stays), block comment -> its '/*'
_LEXEMES = re.compile(r"(\"(?:[^\"]|\"\")*\")|(')(?:[^']|'')*'|--[^\r\n]*|(/\*)")
_IDENTIFIER = re.compile(r"\"(?:[^\"]|\"\")*\"")
_PUNCTUATION = re.compile(r"\s*([(),.])\s*")
_SPACES = re.compile(r"\s+")
_PREFIXED_STRING = re.compile(r"[A-Za-z0-9_&\"]''")
_FORBIDDEN_WORDS = re.compile(
    r"\b(table|summarize|describe|show|pivot|unpivot|copy|attach|detach|install|load|pragma|call|set|execute|"
    r"prepare|export|import|create|insert|update|delete|drop|alter|merge|grant|revoke|use|with|lateral|values|"
    r"recursive)\b")
_GROUP = re.compile(r"\(([^()]*)\)")
_EXTRACT_FROM = re.compile(r"\bextract \( (\w+) from\b")
_DISTINCT_FROM = re.compile(r"\bis (not )?distinct from\b")
_COMMA_JOIN = re.compile(
    r"\b(?:from|join)\b(?:(?!\b(?:where|group|having|qualify|window|order|limit|union|intersect|except)\b)[^()])*,")
MAX_DEPTH = 200
# Every refusal landed in cdp_landing__segment_sql.error starts so; dbt (int_segments__selected) reads
# it to fall back to the compiler's SQL in `segment_sql_source: api` (sa_member_sql_rejected_prefix).
REJECTED_PREFIX = "rejected by the member-SQL guard:"
_MAX_REASON_SQL = 60

# Functions that read files, other relations or the engine's catalog/settings (lower-case names).
_FORBIDDEN_FUNCTION = re.compile(
    r"^(read_\w+|glob|query|query_table|getenv|current_setting|sniff_csv|parquet_\w+|iceberg_\w+|delta_scan|"
    r"sqlite_\w+|postgres_\w+|mysql_\w+|duckdb_\w+|pragma_\w+|which_secret|load_\w+|table)$")


def own_schema(ps_id: str) -> str:
    return f"cdp_audience_{ps_id}"


def _snippet(text: str) -> str:
    flat = _SPACES.sub(" ", text).strip()
    return flat if len(flat) <= _MAX_REASON_SQL else flat[:_MAX_REASON_SQL] + "..."


def lexical_problem(sql: str, ps_id: str) -> str | None:
    """The literal-aware structural check (also done by dbt); None when the SQL passes."""
    schema = own_schema(ps_id)
    if not re.match(r'^\s*select\s+a\.\*\s+from\s+"' + re.escape(schema) + r'"\."customers"\s+a(\s|$)', sql,
                    re.IGNORECASE):
        return f'does not start with select a.* from "{schema}"."customers" a (starts with: {_snippet(sql)})'
    lexed = _LEXEMES.sub(r"\1\2\2\3", sql)
    if '"' in _IDENTIFIER.sub("", lexed):
        return "has an unterminated quoted identifier"
    own = re.compile(r"\"(" + re.escape(schema) + r")\"(?!\")|(\")(?:[^\"]|\"\")*\"", re.IGNORECASE)
    code = own.sub(r"\1\2", lexed)
    if "/*" in code:
        return "has a block comment outside string literals"
    if "'" in code.replace("''", ""):
        return "has an unterminated string literal"
    if _PREFIXED_STRING.search(code):
        return "has a prefixed string literal (E'', U&'', X'' ...)"
    if "$" in code:
        return "has a '$' outside string literals (dollar quoting)"
    if ";" in code:
        return "has a ';' outside string literals (more than one statement)"
    text = _SPACES.sub(" ", _PUNCTUATION.sub(r" \1 ", code.lower())).strip()
    word = _FORBIDDEN_WORDS.search(text)
    if word:
        return f"uses {word.group(1).upper()} outside string literals"
    text = _DISTINCT_FROM.sub(r"is \1distinct_from", _EXTRACT_FROM.sub(r"extract ( \1 ,", text))
    source = re.compile(r"\b(from|join) (?!" + re.escape(schema.lower()) + r" \. \" (?!\.)|\( select\b|unnest \()")
    bad = source.search(text)
    if bad:
        return f"{bad.group(1).upper()} reads something other than a table of {schema} or a sub-select " \
               f"({_snippet(text[bad.start():])})"
    for _ in range(MAX_DEPTH):
        if _COMMA_JOIN.search(text):
            return "joins tables with a comma"
        if "(" not in text and ")" not in text:
            break
        collapsed = _GROUP.sub(" _g_ ", text)
        if collapsed == text:
            return "has unbalanced parentheses"
        text = collapsed
    else:
        return f"nests parentheses deeper than {MAX_DEPTH}"
    top = _SPACES.sub(" ", text).strip()
    if not re.fullmatch(r"select a \. \* from " + re.escape(schema.lower()) + r" \. \" a( where _g_)?", top):
        return "is not one select of a.* from the customers table with one where (...) at the top level"
    return None


def _function_name(node: Any) -> str:
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return str(node.sql_name()).lower()


def _table_text(node: Any) -> str:
    return ".".join(part for part in (node.catalog, node.db, str(node.this.sql() if node.this else "")) if part)


def parse_problem(sql: str, ps_id: str, dialect: str) -> str | None:
    """The parser check (sqlglot, `dialect` duckdb or trino); None when the SQL passes."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    schema = own_schema(ps_id).lower()
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as exc:
        return f"does not parse as {dialect} SQL: {_snippet(str(exc))}"
    except RecursionError:
        return "is nested too deeply to parse"
    if len(statements) != 1:
        return f"holds {len(statements)} statements, not one"
    root = statements[0]
    if not isinstance(root, exp.Select):
        return f"is a {root.key.upper()}, not one SELECT"
    extra = sorted(key for key, value in root.args.items()
                   if value not in (None, [], False) and key not in ("expressions", "from", "from_", "where"))
    if extra:
        return f"has top-level {', '.join(extra)} beside select a.* ... where"
    columns = root.expressions
    if not (len(columns) == 1 and isinstance(columns[0], exp.Column) and isinstance(columns[0].this, exp.Star)
            and columns[0].table == "a"):
        return "does not select a.* at the top level"
    head = root.args.get("from") or root.args.get("from_")
    table = head.this if head is not None else None
    if not (isinstance(table, exp.Table) and isinstance(table.this, exp.Identifier)
            and table.name.lower() == "customers" and table.alias == "a"):
        return f'does not read "{schema}"."customers" a at the top level'
    for node in root.walk():
        if isinstance(node, exp.Table):
            if not isinstance(node.this, exp.Identifier):
                return f"reads a table function or expression ({_snippet(node.sql(dialect=dialect))})"
            if node.catalog or node.db.lower() != schema:
                return f"reads {_table_text(node)}, outside schema {schema}"
        elif isinstance(node, exp.With | exp.CTE | exp.Lateral | exp.Values | exp.Command | exp.Pragma | exp.Set):
            return f"uses {node.key.upper()}"
        elif isinstance(node, exp.Func) and _FORBIDDEN_FUNCTION.match(_function_name(node)):
            return f"calls {_function_name(node)}()"
        elif isinstance(node, exp.Insert | exp.Update | exp.Delete | exp.Merge | exp.Create | exp.Drop | exp.Alter):
            return f"holds a {node.key.upper()}"
    return None


def member_sql_problem(sql: object, ps_id: str, dialect: str) -> str | None:
    """Why `sql` is not acceptable member SQL of parent segment `ps_id`, or None when it is."""
    if not isinstance(sql, str) or not sql.strip():
        return "is empty or not text"
    if "\x00" in sql:
        return "contains a NUL character"
    if not re.fullmatch(r"[A-Za-z0-9_-]+", str(ps_id)):
        return f"belongs to parent segment id {str(ps_id)[:40]!r}, which is not a plain id"
    return lexical_problem(sql, ps_id) or parse_problem(sql, ps_id, dialect)
