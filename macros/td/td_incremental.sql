{#-
    Incremental models without MERGE or UPDATE in Treasure Data mode.
    - strategy `merge`: becomes dbt-trino's delete+insert on the same unique_key (DELETE ... WHERE key
      IN / EXISTS (temp), then INSERT), which gives the same rows as the MERGE when every column is
      updated; partial updates (merge_update_columns / merge_exclude_columns) need UPDATE and are refused.
    - column type changes under on_schema_change need UPDATE and are refused with a clear error.
    append, delete+insert and microbatch already use INSERT and DELETE ... WHERE only.
    dbt's materializations call `get_merge_sql` and `alter_column_type` by name; this project's
    models find these first, installed as a package or not; outside TD mode they hand over to dbt's.
-#}
{% macro get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates=none) -%}
  {%- set incremental_predicates = kwargs.get('predicates', incremental_predicates) -%}
  {{ return(adapter.dispatch('sa_get_merge_sql', 'segment_analytics')(target, source, unique_key, dest_columns, incremental_predicates)) }}
{%- endmacro %}

{% macro default__sa_get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {{ return(dbt.get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates)) }}
{%- endmacro %}

{% macro trino__sa_get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {%- if not segment_analytics.sa_td_mode() -%}
    {{ return(dbt.get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates)) }}
  {%- endif -%}
  {%- if config.get('merge_update_columns') or config.get('merge_exclude_columns') -%}
    {{ segment_analytics.sa_td_unsupported(
        "incremental_strategy 'merge' with merge_update_columns / merge_exclude_columns (model " ~ model.name ~ ")",
        "Use incremental_strategy 'delete+insert', which replaces whole rows.") }}
  {%- endif -%}
  {{ return(dbt.trino__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates)) }}
{%- endmacro %}


{% macro alter_column_type(relation, column_name, new_column_type) -%}
  {{ return(adapter.dispatch('sa_alter_column_type', 'segment_analytics')(relation, column_name, new_column_type)) }}
{%- endmacro %}

{% macro default__sa_alter_column_type(relation, column_name, new_column_type) -%}
  {{ return(dbt.alter_column_type(relation, column_name, new_column_type)) }}
{%- endmacro %}

{% macro trino__sa_alter_column_type(relation, column_name, new_column_type) -%}
  {%- if segment_analytics.sa_td_mode() -%}
    {{ segment_analytics.sa_td_unsupported(
        "changing the type of column " ~ column_name ~ " of " ~ relation ~ " (it needs UPDATE)",
        "Run this model with --full-refresh, or use on_schema_change 'append_new_columns'.") }}
  {%- endif -%}
  {{ return(dbt.alter_column_type(relation, column_name, new_column_type)) }}
{%- endmacro %}
