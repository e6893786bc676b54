{#- Engine facts the pipeline plans around. -#}

{#- The SQL dialect of this engine, as the `dialect` column of cdp_landing__segment_sql spells it. -#}
{% macro sa_sql_dialect() -%}{{ return(adapter.dispatch('sa_sql_dialect', 'segment_analytics')()) }}{%- endmacro %}
{% macro default__sa_sql_dialect() -%}{{ return('trino') }}{%- endmacro %}
{% macro duckdb__sa_sql_dialect() -%}{{ return('duckdb') }}{%- endmacro %}

{#- The longest statement the engine accepts, in characters. The top-level var
    `sa_max_statement_length` overrides it (tests force tiny batches with it). -#}
{% macro sa_max_statement_length() -%}
  {%- set forced = var('sa_max_statement_length', none) -%}
  {%- if forced is not none -%}{{ return(forced | int) }}{%- endif -%}
  {{ return(adapter.dispatch('sa_max_statement_length', 'segment_analytics')()) }}
{%- endmacro %}
{#- Trino's query.max-length default and Treasure Data's limit. -#}
{% macro default__sa_max_statement_length() -%}{{ return(1000000) }}{%- endmacro %}
{#- DuckDB has no statement length limit. -#}
{% macro duckdb__sa_max_statement_length() -%}{{ return(1000000000) }}{%- endmacro %}

{#- The most segments one membership statement may union. Trino plans each branch
    (`select distinct ... from (<member sql>)`) as stages of their own and refuses a query of more
    than 150 stages (query.max-stage-count; 100 simple segments already make 202), so a batch
    stays well below; DuckDB has no such limit. The top-level var `sa_max_union_branches`
    overrides it. -#}
{% macro sa_max_union_branches() -%}
  {%- set forced = var('sa_max_union_branches', none) -%}
  {%- if forced is not none -%}{{ return(forced | int) }}{%- endif -%}
  {{ return(adapter.dispatch('sa_max_union_branches', 'segment_analytics')()) }}
{%- endmacro %}
{% macro default__sa_max_union_branches() -%}{{ return(40) }}{%- endmacro %}
{% macro duckdb__sa_max_union_branches() -%}{{ return(1000000) }}{%- endmacro %}
