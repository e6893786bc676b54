{#- A scalar from a JSON string column, as text (`path` is a JSONPath such as '$.name'). -#}
{% macro sa_json_extract_string(expr, path) -%}
  {{ return(adapter.dispatch('sa_json_extract_string', 'segment_analytics')(expr, path)) }}
{%- endmacro %}

{% macro default__sa_json_extract_string(expr, path) -%}
  json_extract_scalar({{ expr }}, {{ sa_string_literal(path) }})
{%- endmacro %}

{% macro duckdb__sa_json_extract_string(expr, path) -%}
  json_extract_string({{ expr }}, {{ sa_string_literal(path) }})
{%- endmacro %}
