{#- Calendar arithmetic on dates, as a date. Months and years clamp at the month's end on both
    engines: 2026-03-31 minus one month is 2026-02-28, 2024-02-29 minus twelve months is 2023-02-28. -#}

{% macro sa_date_add_days(expr, days) -%}
  {{ return(adapter.dispatch('sa_date_add_days', 'segment_analytics')(expr, days)) }}
{%- endmacro %}

{% macro default__sa_date_add_days(expr, days) -%}
  date_add('day', {{ days }}, {{ expr }})
{%- endmacro %}

{% macro duckdb__sa_date_add_days(expr, days) -%}
  cast(({{ expr }}) + to_days(cast({{ days }} as integer)) as date)
{%- endmacro %}

{% macro sa_date_add_months(expr, months) -%}
  {{ return(adapter.dispatch('sa_date_add_months', 'segment_analytics')(expr, months)) }}
{%- endmacro %}

{% macro default__sa_date_add_months(expr, months) -%}
  date_add('month', {{ months }}, {{ expr }})
{%- endmacro %}

{% macro duckdb__sa_date_add_months(expr, months) -%}
  cast(({{ expr }}) + to_months(cast({{ months }} as integer)) as date)
{%- endmacro %}

{#- The first day of the ISO week (Monday) or of the month holding a date. -#}
{% macro sa_period_start(unit, expr) -%}
  {{ return(adapter.dispatch('sa_period_start', 'segment_analytics')(unit, expr)) }}
{%- endmacro %}

{% macro default__sa_period_start(unit, expr) -%}
  cast(date_trunc('{{ unit }}', {{ expr }}) as date)
{%- endmacro %}
