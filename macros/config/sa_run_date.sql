{#- The run date (YYYY-MM-DD): var `run_date` when given, else the environment variable
    SEGMENT_ANALYTICS_RUN_DATE (how the CLI passes it: a changed var would make dbt re-parse the whole
    project, an environment variable read only at execution does not), else the latest `run_date` in
    the landing tables. At parse time (no database) a placeholder is returned. -#}
{% macro sa_run_date() -%}
  {%- set given = sa_date_text(var('run_date', none)) -%}
  {%- if given -%}{{ return(given | string) }}{%- endif -%}
  {%- if not execute -%}{{ return('1970-01-01') }}{%- endif -%}
  {%- set from_env = sa_date_text(env_var('SEGMENT_ANALYTICS_RUN_DATE', '') or none) -%}
  {%- if from_env -%}{{ return(from_env | string) }}{%- endif -%}
  {%- set relation = source('cdp_landing', 'cdp_landing__parent_segments') -%}
  {%- set result = run_query('select cast(max(run_date) as varchar) from ' ~ relation) -%}
  {%- set found = result.columns[0].values()[0] if result and result.rows | length > 0 else none -%}
  {%- if not found -%}
    {{ exceptions.raise_compiler_error(
        "run_date: no run date given and the landing table " ~ relation ~ " is empty; run "
        ~ "`segment-analytics pull` first or pass --vars '{run_date: YYYY-MM-DD}'") }}
  {%- endif -%}
  {{ return(found | string) }}
{%- endmacro %}
