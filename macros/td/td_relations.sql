{#-
    Relation listing and the docs catalog without the system tables Treasure Data does not expose.
    dbt-trino LEFT JOINs system.metadata.materialized_views when listing relations and reads
    system.metadata.table_comments for `dbt docs generate`; in TD mode both come from the catalog's
    information_schema only (no materialized views exist there; table comments are left empty).
-#}
{% macro sa_td_sql_string(value) -%}
  {{- "'" ~ (value | string | lower | replace("'", "''")) ~ "'" -}}
{%- endmacro %}


{% macro trino__list_relations_without_caching(relation) %}
  {%- if not sa_td_mode() -%}
    {{ return(dbt.trino__list_relations_without_caching(relation)) }}
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
    where t.table_schema = {{ sa_td_sql_string(relation.schema) }}
  {%- endcall %}
  {{ return(load_result('list_relations_without_caching').table) }}
{% endmacro %}


{% macro trino__get_catalog_table_comment_schemas_sql(information_schema, schemas) -%}
  {%- if not sa_td_mode() -%}
    {{ return(dbt.trino__get_catalog_table_comment_schemas_sql(information_schema, schemas)) }}
  {%- endif -%}
    select
        table_catalog as "table_database",
        table_schema as "table_schema",
        table_name as "table_name",
        cast(null as varchar) as "table_comment"
    from {{ information_schema }}.tables
    where table_schema != 'information_schema'
      and table_schema in (
        {%- for schema in schemas -%}
          {{ sa_td_sql_string(schema) }}{%- if not loop.last %}, {% endif -%}
        {%- endfor -%})
{%- endmacro %}


{% macro trino__get_catalog_table_comment_relations_sql(information_schema, relations) -%}
  {%- if not sa_td_mode() -%}
    {{ return(dbt.trino__get_catalog_table_comment_relations_sql(information_schema, relations)) }}
  {%- endif -%}
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
          (table_schema = {{ sa_td_sql_string(relation.schema) }} and table_name = {{ sa_td_sql_string(relation.identifier) }})
          {%- elif relation.schema %}
          (table_schema = {{ sa_td_sql_string(relation.schema) }})
          {%- else -%}
            {%- do exceptions.raise_compiler_error('`get_catalog_relations` requires a list of relations, each with a schema') -%}
          {%- endif -%}
          {%- if not loop.last %} or {% endif -%}
        {%- endfor -%})
{%- endmacro %}
