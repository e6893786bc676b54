{#-
    Treasure Data's Trino cannot create views ("This connector does not support creating views").
    In TD mode a view materialization fails at once with a message naming the model, instead of
    failing on the server or silently writing a stale table. Set +views_enabled: false (the td and
    trino targets do) so incremental temp relations are tables, and materialize models as tables.
-#}
{% macro trino__create_view_as(relation, sql) -%}
  {%- if sa_td_mode() -%}
    {{ sa_td_unsupported(
        "CREATE VIEW (" ~ relation ~ ")",
        "Materialize it as 'table' or 'ephemeral', and keep +views_enabled: false.") }}
  {%- endif -%}
  {{ return(dbt.trino__create_view_as(relation, sql)) }}
{%- endmacro %}
