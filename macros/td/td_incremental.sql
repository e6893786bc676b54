{#-
    Incremental models without MERGE or UPDATE in Treasure Data mode.
    - strategy `merge`: becomes dbt-trino's delete+insert on the same unique_key (DELETE ... WHERE key
      IN / EXISTS (temp), then INSERT), which gives the same rows as the MERGE when every column is
      updated; partial updates (merge_update_columns / merge_exclude_columns) need UPDATE and are refused.
    - column type changes under on_schema_change need UPDATE and are refused with a clear error.
    append, delete+insert and microbatch already use INSERT and DELETE ... WHERE only.
-#}
{% macro trino__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {%- if not sa_td_mode() -%}
    {{ return(dbt.trino__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates)) }}
  {%- endif -%}
  {%- if config.get('merge_update_columns') or config.get('merge_exclude_columns') -%}
    {{ sa_td_unsupported(
        "incremental_strategy 'merge' with merge_update_columns / merge_exclude_columns (model " ~ model.name ~ ")",
        "Use incremental_strategy 'delete+insert', which replaces whole rows.") }}
  {%- endif -%}
  {{ return(dbt.trino__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates)) }}
{%- endmacro %}


{% macro trino__alter_column_type(relation, column_name, new_column_type) -%}
  {%- if sa_td_mode() -%}
    {{ sa_td_unsupported(
        "changing the type of column " ~ column_name ~ " of " ~ relation ~ " (it needs UPDATE)",
        "Run this model with --full-refresh, or use on_schema_change 'append_new_columns'.") }}
  {%- endif -%}
  {{ return(dbt.trino__alter_column_type(relation, column_name, new_column_type)) }}
{%- endmacro %}
