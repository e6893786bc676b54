{#- on-run-end: after an invocation that loaded the demo seeds, each `demo__<schema>__<table>` seed
    it loaded is also written as <schema>.<table>, the name the demo's member SQL and metrics read
    (the parent segment's `cdp_audience_<id>` tables, the `demo_behaviors` events), whatever the
    target's schema is. One statement at a time, after every seed (the seeds load in parallel, and
    two threads creating one schema conflict). The landing seeds keep their own names (the
    cdp_landing source reads them). Nothing when no demo seed was loaded. -#}
{% macro sa_demo_seed_copies(results) -%}
  {%- if execute -%}
    {%- for result in results
          if result.node.resource_type == 'seed' and result.node.package_name == 'segment_analytics'
             and result.status == 'success' and result.node.alias.startswith('demo__') -%}
      {%- set parts = result.node.alias.split('__') -%}
      {%- if parts | length == 3 -%}
        {%- set seeded = api.Relation.create(database=result.node.database, schema=result.node.schema,
                                             identifier=result.node.alias, type='table') -%}
        {%- set copy = api.Relation.create(database=result.node.database, schema=parts[1],
                                           identifier=parts[2], type='table') -%}
        {%- do adapter.create_schema(copy) -%}
        {%- do run_query('create or replace table ' ~ copy ~ ' as select * from ' ~ seeded) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
{%- endmacro %}
