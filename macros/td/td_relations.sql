{#-
    Relation listing and the docs catalog without the system tables Treasure Data does not expose.
    dbt-trino LEFT JOINs system.metadata.materialized_views when listing relations and reads
    system.metadata.table_comments for `dbt docs generate`; in TD mode both come from the catalog's
    information_schema only (no materialized views exist there; table comments are left empty).

    How these take effect without a `dispatch:` block in a project that installs this one: dbt calls
    list_relations_without_caching, get_catalog and get_catalog_relations from Python by name, and
    a macro of that name in an installed package wins over dbt's own (docs/trino.md). Each one
    here hands over to dbt's own (dbt.<name>, which dispatches as usual) unless TD mode is on.
-#}
{% macro list_relations_without_caching(schema_relation) -%}
  {{ return(adapter.dispatch('sa_list_relations_without_caching', 'segment_analytics')(schema_relation)) }}
{%- endmacro %}

{% macro default__sa_list_relations_without_caching(schema_relation) -%}
  {{ return(dbt.list_relations_without_caching(schema_relation)) }}
{%- endmacro %}

{% macro trino__sa_list_relations_without_caching(relation) %}
  {%- if not segment_analytics.sa_td_mode() -%}
    {{ return(dbt.list_relations_without_caching(relation)) }}
  {%- endif -%}
  {% call statement('list_relations_without_caching', fetch_result=True) -%}
    select
      t.table_catalog as database,
      t.table_name as name,
      t.table_schema as schema,
      case when t.table_type = 'BASE TABLE' then 'table'
           when t.table_type = 'VIEW' then 'view'
           else t.table_type
      end as table_type
    from {{ relation.information_schema() }}.tables as t
    where t.table_schema = {{ segment_analytics.sa_td_sql_string(relation.schema) }}
  {%- endcall %}
  {{ return(load_result('list_relations_without_caching').table) }}
{% endmacro %}


{% macro get_catalog(information_schema, schemas) -%}
  {{ return(adapter.dispatch('sa_get_catalog', 'segment_analytics')(information_schema, schemas)) }}
{%- endmacro %}

{% macro default__sa_get_catalog(information_schema, schemas) -%}
  {{ return(dbt.get_catalog(information_schema, schemas)) }}
{%- endmacro %}

{% macro trino__sa_get_catalog(information_schema, schemas) -%}
  {%- if not segment_analytics.sa_td_mode() -%}
    {{ return(dbt.get_catalog(information_schema, schemas)) }}
  {%- endif -%}
  {%- set where_clause = dbt.trino__get_catalog_schemas_where_clause_sql(schemas) -%}
  {%- set comments = segment_analytics.sa_td_table_comment_schemas_sql(information_schema, schemas) -%}
  {{ return(run_query(segment_analytics.sa_td_catalog_sql(information_schema, where_clause, comments))) }}
{%- endmacro %}


{% macro get_catalog_relations(information_schema, relations) -%}
  {{ return(adapter.dispatch('sa_get_catalog_relations', 'segment_analytics')(information_schema, relations)) }}
{%- endmacro %}

{% macro default__sa_get_catalog_relations(information_schema, relations) -%}
  {{ return(dbt.get_catalog_relations(information_schema, relations)) }}
{%- endmacro %}

{% macro trino__sa_get_catalog_relations(information_schema, relations) -%}
  {%- if not segment_analytics.sa_td_mode() -%}
    {{ return(dbt.get_catalog_relations(information_schema, relations)) }}
  {%- endif -%}
  {%- set where_clause = dbt.trino__get_catalog_relations_where_clause_sql(relations) -%}
  {%- set comments = segment_analytics.sa_td_table_comment_relations_sql(information_schema, relations) -%}
  {{ return(run_query(segment_analytics.sa_td_catalog_sql(information_schema, where_clause, comments))) }}
{%- endmacro %}


{#- dbt-trino's catalog query (its own tables/columns/results parts) with TD's table comments. -#}
{% macro sa_td_catalog_sql(information_schema, where_clause, table_comment_sql) -%}
    with tables as (
        {{ dbt.trino__get_catalog_tables_sql(information_schema) }}
        {{ where_clause }}
    ),
    columns as (
        {{ dbt.trino__get_catalog_columns_sql(information_schema) }}
        {{ where_clause }}
    ),
    table_comment as (
        {{ table_comment_sql }}
    )
    {{ dbt.trino__get_catalog_results_sql() }}
{%- endmacro %}


{% macro sa_td_sql_string(value) -%}
  {{- "'" ~ (value | string | lower | replace("'", "''")) ~ "'" -}}
{%- endmacro %}


{% macro sa_td_table_comment_schemas_sql(information_schema, schemas) -%}
    select
        table_catalog as "table_database",
        table_schema as "table_schema",
        table_name as "table_name",
        cast(null as varchar) as "table_comment"
    from {{ information_schema }}.tables
    where table_schema != 'information_schema'
      and table_schema in (
        {%- for schema in schemas -%}
          {{ segment_analytics.sa_td_sql_string(schema) }}{%- if not loop.last %}, {% endif -%}
        {%- endfor -%})
{%- endmacro %}


{% macro sa_td_table_comment_relations_sql(information_schema, relations) -%}
    select
        table_catalog as "table_database",
        table_schema as "table_schema",
        table_name as "table_name",
        cast(null as varchar) as "table_comment"
    from {{ information_schema }}.tables
    where table_schema != 'information_schema'
      and (
        {%- for relation in relations -%}
          {%- if relation.schema and relation.identifier %}
          (table_schema = {{ segment_analytics.sa_td_sql_string(relation.schema) }} and table_name = {{ segment_analytics.sa_td_sql_string(relation.identifier) }})
          {%- elif relation.schema %}
          (table_schema = {{ segment_analytics.sa_td_sql_string(relation.schema) }})
          {%- else -%}
            {%- do exceptions.raise_compiler_error('`get_catalog_relations` requires a list of relations, each with a schema') -%}
          {%- endif -%}
          {%- if not loop.last %} or {% endif -%}
        {%- endfor -%})
{%- endmacro %}
