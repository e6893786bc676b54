{#-
    Snapshots without MERGE or UPDATE. dbt-trino's trino__snapshot_merge_sql issues a MERGE that sets
    dbt_valid_to on the open version of every changed or hard-deleted row and inserts new versions.
    In Treasure Data mode the same effect is reached with CREATE TABLE AS, INSERT and DELETE ... WHERE:
      1. copy the open versions being closed, with their new dbt_valid_to, into a work table;
      2. insert those closed copies into the snapshot;
      3. delete the still-open originals (same dbt_scd_id, dbt_valid_to still current);
      4. drop the work table;
      5. insert the new versions (dbt_change_type = 'insert', scd id not yet in the snapshot).
    Inserting the closed copies before deleting the originals means a failure part-way never loses a
    version. dbt snapshots stay the mechanism: only this step is replaced.

    dbt's snapshot materialization calls `snapshot_merge_sql` by name, and a snapshot of this project
    finds this project's macro of that name first, installed as a package or not (no `dispatch:`
    block needed); outside TD mode it hands over to dbt's own (dbt.snapshot_merge_sql).
-#}
{% macro snapshot_merge_sql(target, source, insert_cols) -%}
  {{ return(adapter.dispatch('sa_snapshot_merge_sql', 'segment_analytics')(target, source, insert_cols)) }}
{%- endmacro %}

{% macro default__sa_snapshot_merge_sql(target, source, insert_cols) -%}
  {{ return(dbt.snapshot_merge_sql(target, source, insert_cols)) }}
{%- endmacro %}

{% macro trino__sa_snapshot_merge_sql(target, source, insert_cols) -%}
  {%- if not segment_analytics.sa_td_mode() -%}
    {{ return(dbt.snapshot_merge_sql(target, source, insert_cols)) }}
  {%- endif -%}
  {{ return(segment_analytics.sa_td_snapshot_delete_insert_sql(target, source, insert_cols)) }}
{%- endmacro %}


{#- The predicate "this snapshot row is still the current version". -#}
{% macro sa_td_snapshot_is_current(alias, columns) -%}
  {%- set valid_to = alias ~ '.' ~ columns.dbt_valid_to -%}
  {%- if config.get('dbt_valid_to_current') -%}
    ({{ valid_to }} is null or {{ valid_to }} = {{ config.get('dbt_valid_to_current') }})
  {%- else -%}
    {{ valid_to }} is null
  {%- endif -%}
{%- endmacro %}


{% macro sa_td_snapshot_delete_insert_sql(target, source, insert_cols) -%}
  {%- set columns = config.get("snapshot_table_column_names") or get_snapshot_table_column_names() -%}
  {%- set target_columns = adapter.get_columns_in_relation(target) -%}
  {%- set closed = api.Relation.create(
        database=target.database, schema=target.schema,
        identifier=target.identifier ~ '__td_closed', type='table') -%}
  {%- set column_names = [] -%}
  {%- set closed_select = [] -%}
  {%- for column in target_columns -%}
    {%- set quoted = adapter.quote(column.name) -%}
    {%- do column_names.append(quoted) -%}
    {%- if column.name | lower == columns.dbt_valid_to | lower -%}
      {%- do closed_select.append('src.' ~ columns.dbt_valid_to ~ ' as ' ~ quoted) -%}
    {%- else -%}
      {%- do closed_select.append('dest.' ~ quoted) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set column_csv = column_names | join(', ') -%}
  {%- set insert_cols_csv = insert_cols | join(', ') -%}

  {%- do drop_relation_if_exists(closed) -%}
  {%- call statement('td_snapshot_closed_versions') -%}
    create table {{ closed.render() }} as
    select distinct {{ closed_select | join(', ') }}
    from {{ target.render() }} as dest
    join {{ source }} as src
      on src.{{ columns.dbt_scd_id }} = dest.{{ columns.dbt_scd_id }}
    where {{ segment_analytics.sa_td_snapshot_is_current('dest', columns) }}
      and src.dbt_change_type in ('update', 'delete')
  {%- endcall -%}
  {%- call statement('td_snapshot_insert_closed') -%}
    insert into {{ target.render() }} ({{ column_csv }})
    select {{ column_csv }} from {{ closed.render() }}
  {%- endcall -%}
  {%- call statement('td_snapshot_delete_open') -%}
    delete from {{ target.render() }}
    where {{ columns.dbt_scd_id }} in (select {{ columns.dbt_scd_id }} from {{ closed.render() }})
      and {{ segment_analytics.sa_td_snapshot_is_current(target.render(), columns) }}
  {%- endcall -%}
  {%- do adapter.drop_relation(closed) -%}

  insert into {{ target.render() }} ({{ insert_cols_csv }})
  select {% for col in insert_cols -%}
    src.{{ col }}{%- if not loop.last %}, {% endif -%}
  {%- endfor %}
  from {{ source }} as src
  where src.dbt_change_type = 'insert'
    and not exists (
      select 1 from {{ target.render() }} as dest
      where dest.{{ columns.dbt_scd_id }} = src.{{ columns.dbt_scd_id }}
    )
{%- endmacro %}
