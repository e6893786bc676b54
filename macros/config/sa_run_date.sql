{#- The run date (YYYY-MM-DD): var `run_date` when given, else the environment variable
    SEGMENT_ANALYTICS_RUN_DATE (how the CLI passes it: a changed var would make dbt re-parse the whole
    project, an environment variable read only at execution does not), else the run date of the landed
    pull (`sa_landed_pull()`: the latest completed one). At parse time (no database) a placeholder is returned. -#}
{% macro sa_run_date() -%}
  {%- set given = sa_date_text(var('run_date', none)) -%}
  {%- if given -%}{{ return(given | string) }}{%- endif -%}
  {%- if not execute -%}{{ return('1970-01-01') }}{%- endif -%}
  {%- set from_env = sa_date_text(env_var('SEGMENT_ANALYTICS_RUN_DATE', '') or none) -%}
  {%- if from_env -%}{{ return(from_env | string) }}{%- endif -%}
  {%- set relation = source('cdp_landing', 'cdp_landing__pull_runs') -%}
  {%- set result = run_query('select cast(max(run_date) as varchar) from (' ~ sa_landed_pull() ~ ') as landed_pull') -%}
  {%- set found = result.columns[0].values()[0] if result and result.rows | length > 0 else none -%}
  {%- if not found -%}
    {{ exceptions.raise_compiler_error(
        "run_date: no run date given and " ~ relation ~ " has no successful pull; run "
        ~ "`segment-analytics pull` first or pass --vars '{run_date: YYYY-MM-DD}'") }}
  {%- endif -%}
  {{ return(found | string) }}
{%- endmacro %}
