{#- True when the regex `pattern_sql` (a SQL string expression) matches anywhere in `expr`,
    as Trino's REGEXP_LIKE does (a search, not a full match). -#}
{% macro sa_regex_search(expr, pattern_sql) -%}
  {{ return(adapter.dispatch('sa_regex_search', 'segment_analytics')(expr, pattern_sql)) }}
{%- endmacro %}

{% macro default__sa_regex_search(expr, pattern_sql) -%}
  regexp_like({{ expr }}, {{ pattern_sql }})
{%- endmacro %}

{% macro duckdb__sa_regex_search(expr, pattern_sql) -%}
  regexp_matches({{ expr }}, {{ pattern_sql }})
{%- endmacro %}
