{#-
    Treasure Data's Trino cannot create views ("This connector does not support creating views").
    In TD mode a view materialization fails at once with a message naming the model, instead of
    failing on the server or silently writing a stale table. Set +views_enabled: false (the td and
    trino targets do) so incremental temp relations are tables, and materialize models as tables.
    dbt calls `create_view_as` by name; this project's models find this one first, installed as a
    package or not; outside TD mode it hands over to dbt's own.
-#}
{% macro create_view_as(relation, sql) -%}
  {{ return(adapter.dispatch('sa_create_view_as', 'segment_analytics')(relation, sql)) }}
{%- endmacro %}

{% macro default__sa_create_view_as(relation, sql) -%}
  {{ return(dbt.create_view_as(relation, sql)) }}
{%- endmacro %}

{% macro trino__sa_create_view_as(relation, sql) -%}
  {%- if segment_analytics.sa_td_mode() -%}
    {{ segment_analytics.sa_td_unsupported(
        "CREATE VIEW (" ~ relation ~ ")",
        "Materialize it as 'table' or 'ephemeral', and keep +views_enabled: false.") }}
  {%- endif -%}
  {{ return(dbt.create_view_as(relation, sql)) }}
{%- endmacro %}
