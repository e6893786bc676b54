{#- The relation a metric's `source` ("name.table") points at.
    The rule (decided at parse time, when dbt's graph is not yet available):
      * when `name` is listed in the top-level var `declared_behavior_sources` (default
        [demo_behaviors]), it is the dbt source `source(name, table)` declared in
        models/staging/_behavior__sources.yml, so `dbt docs` shows lineage to the marts;
      * otherwise it is the raw relation `name.table` (schema.table in the target's database),
        read as is and not shown in lineage. -#}
{% macro sa_metric_relation(source_text) -%}
  {%- set parts = (source_text | string).split('.') -%}
  {%- if parts | length != 2 -%}
    {{ exceptions.raise_compiler_error("metrics[].source: " ~ source_text ~ " is not 'name.table'") }}
  {%- endif -%}
  {%- if parts[0] in var('declared_behavior_sources', ['demo_behaviors']) -%}
    {{ return(source(parts[0], parts[1])) }}
  {%- endif -%}
  {{ return(api.Relation.create(database=target.database, schema=parts[0], identifier=parts[1])) }}
{%- endmacro %}

{#- Metrics grouped by (source, join_key, unixtime_col), first-seen order: [(source_text, [metric, ...]), ...].
    Each group is one scan of its table. -#}
{% macro sa_metrics_by_source() -%}
  {%- set order = [] -%}
  {%- set groups = {} -%}
  {%- for m in sa_cfg()['metrics'] -%}
    {%- set key = m['source'] ~ '|' ~ m['join_key'] ~ '|' ~ m['unixtime_col'] -%}
    {%- if key not in groups -%}
      {%- do order.append(key) -%}
      {%- do groups.update({key: []}) -%}
    {%- endif -%}
    {%- do groups[key].append(m) -%}
  {%- endfor -%}
  {%- set out = [] -%}
  {%- for key in order -%}{%- do out.append((groups[key][0]['source'], groups[key])) -%}{%- endfor -%}
  {{ return(out) }}
{%- endmacro %}
