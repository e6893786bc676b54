{#- Distinct counts: exact by default, approximate (HyperLogLog) when exact_counts is false. -#}
{% macro sa_count_distinct(expr) -%}
  {%- if sa_cfg()['exact_counts'] -%}
    count(distinct {{ expr }})
  {%- else -%}
    {{ sa_approx_distinct(expr) }}
  {%- endif -%}
{%- endmacro %}

{% macro sa_approx_distinct(expr) -%}
  {{ return(adapter.dispatch('sa_approx_distinct', 'segment_analytics')(expr)) }}
{%- endmacro %}

{% macro default__sa_approx_distinct(expr) -%}
  approx_distinct({{ expr }})
{%- endmacro %}

{% macro duckdb__sa_approx_distinct(expr) -%}
  approx_count_distinct({{ expr }})
{%- endmacro %}
