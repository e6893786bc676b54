{#- The warehouse name of one of this project's tables: <project_prefix>_<model or snapshot name>
    (the marts use sa_mart_alias and keep the original package's names), so two installs with
    different prefixes never share a table in one schema. -#}
{% macro sa_relation_alias(name) -%}
  {{ return(segment_analytics.sa_cfg()['project_prefix'] ~ '_' ~ name) }}
{%- endmacro %}
