{#- A hash of the configured metrics' definitions (name, agg, column, source, keys, filter, in
    order), carried in the config of every model that computes or lays out the metrics
    (`config(sa_metrics_hash=sa_metrics_config_hash())`). dbt compares node configs for
    `state:modified`, so changing a metric in vars marks exactly those models modified, while a
    change elsewhere in the configuration leaves them as they were. -#}
{% macro sa_metrics_config_hash() -%}
  {%- set parts = [] -%}
  {%- for m in sa_cfg()['metrics'] -%}
    {%- do parts.append(m['metric'] ~ '=' ~ sa_metric_definition_hash(m)) -%}
  {%- endfor -%}
  {{ return(local_md5(parts | join(','))) }}
{%- endmacro %}
