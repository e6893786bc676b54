{#- String split, array aggregation and unnesting. -#}

{% macro sa_string_split(expr, delimiter) -%}
  {{ return(adapter.dispatch('sa_string_split', 'segment_analytics')(expr, delimiter)) }}
{%- endmacro %}

{% macro default__sa_string_split(expr, delimiter) -%}
  split({{ expr }}, {{ sa_string_literal(delimiter) }})
{%- endmacro %}

{% macro duckdb__sa_string_split(expr, delimiter) -%}
  string_split({{ expr }}, {{ sa_string_literal(delimiter) }})
{%- endmacro %}


{#- `cross join unnest(...)` giving one row per element as alias(column). -#}
{% macro sa_cross_join_unnest(array_expr, alias, column) -%}
  {{ return(adapter.dispatch('sa_cross_join_unnest', 'segment_analytics')(array_expr, alias, column)) }}
{%- endmacro %}

{% macro default__sa_cross_join_unnest(array_expr, alias, column) -%}
  cross join unnest({{ array_expr }}) as {{ alias }}({{ column }})
{%- endmacro %}


{#- Distinct values of `expr` among rows where `condition` holds, as an array of varchar. -#}
{% macro sa_array_agg_distinct(expr, condition) -%}
  {{ return(adapter.dispatch('sa_array_agg_distinct', 'segment_analytics')(expr, condition)) }}
{%- endmacro %}

{% macro default__sa_array_agg_distinct(expr, condition) -%}
  array_agg(distinct cast({{ expr }} as {{ sa_type_string() }})) filter (where {{ condition }})
{%- endmacro %}


{#- Values joined with `delimiter`, in the order of `order_expr`. -#}
{% macro sa_ordered_listagg(expr, order_expr, delimiter) -%}
  {{ return(adapter.dispatch('sa_ordered_listagg', 'segment_analytics')(expr, order_expr, delimiter)) }}
{%- endmacro %}

{% macro default__sa_ordered_listagg(expr, order_expr, delimiter) -%}
  array_join(array_agg({{ expr }} order by {{ order_expr }}), {{ sa_string_literal(delimiter) }})
{%- endmacro %}

{% macro duckdb__sa_ordered_listagg(expr, order_expr, delimiter) -%}
  string_agg({{ expr }}, {{ sa_string_literal(delimiter) }} order by {{ order_expr }})
{%- endmacro %}
