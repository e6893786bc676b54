{#- The whole numbers start .. stop (both included) as an array, for sa_cross_join_unnest
    (Trino: at most 10 000 elements, some 27 years of days). -#}
{% macro sa_integer_sequence(start, stop) -%}
  {{ return(adapter.dispatch('sa_integer_sequence', 'segment_analytics')(start, stop)) }}
{%- endmacro %}

{% macro default__sa_integer_sequence(start, stop) -%}
  sequence({{ start }}, {{ stop }})
{%- endmacro %}

{% macro duckdb__sa_integer_sequence(start, stop) -%}
  generate_series({{ start }}, {{ stop }})
{%- endmacro %}
