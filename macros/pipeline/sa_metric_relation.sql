{#- The relation a metric's `source` ("name.table") points at.
    The rule (decided at parse time, when dbt's graph is not yet available):
      * when `name` is listed in the top-level var `declared_behavior_sources` (default none;
        the demo passes [demo_behaviors]), it is the dbt source `source(name, table)` declared in
        a sources YAML (this project's or the host's), so `dbt docs` shows lineage to the marts;
      * otherwise it is the raw relation `name.table` (schema.table in the target's database),
        read as is and not shown in lineage.
    A malformed `source` does not stop parsing (on-run-start then lists every configuration
    problem at once, sa_validate_config); when executing, the whole list is raised here. -#}
{% macro sa_metric_relation(source_text) -%}
  {%- set parts = (source_text | string).split('.') -%}
  {%- if parts | length != 2 -%}
    {%- if not execute -%}
      {{ return(api.Relation.create(database=target.database, schema='sa_invalid_config', identifier='metric_source')) }}
    {%- endif -%}
    {%- do sa_validate_config() -%}
    {{ exceptions.raise_compiler_error("segment_analytics.metrics[].source: " ~ source_text ~ " is not 'name.table'") }}
  {%- endif -%}
  {%- if parts[0] in var('declared_behavior_sources', []) -%}
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

{#- The scan groups as [{'source': source_text, 'metrics': [metric, ...]}, ...] (sa_metrics_by_source),
    for steps that need their shape but not their scan range. -#}
{% macro sa_metric_scan_groups() -%}
  {%- set groups = [] -%}
  {%- for source_text, group_metrics in sa_metrics_by_source() -%}
    {%- do groups.append({'source': source_text, 'metrics': group_metrics}) -%}
  {%- endfor -%}
  {{ return(groups) }}
{%- endmacro %}
