{#- Events whose epoch-seconds column `col` lies in [start_epoch, end_epoch) (either bound may be
    none = open). The default compares with integer literals so engines can prune on the column;
    Treasure Data mode supplies a td_time_range version (macros/td/). Arguments:
    start_date / end_date: YYYY-MM-DD strings or none; start_epoch / end_epoch: the same as ints
    (lookbacks in hours can start mid-day, so the epochs are authoritative). -#}
{% macro sa_time_range_predicate(col, start_epoch, end_epoch, start_date=none, end_date=none) -%}
  {{ return(adapter.dispatch('sa_time_range_predicate', 'segment_analytics')(col, start_epoch, end_epoch, start_date, end_date)) }}
{%- endmacro %}

{% macro default__sa_time_range_predicate(col, start_epoch, end_epoch, start_date, end_date) -%}
  {%- set parts = [] -%}
  {%- if start_epoch is not none -%}{%- do parts.append(col ~ ' >= ' ~ start_epoch) -%}{%- endif -%}
  {%- if end_epoch is not none -%}{%- do parts.append(col ~ ' < ' ~ end_epoch) -%}{%- endif -%}
  {%- if parts | length == 0 -%}true{%- else -%}({{ parts | join(' and ') }}){%- endif -%}
{%- endmacro %}
