{#-
    Time-window predicate for Treasure Data: td_time_range(<col>, '<start>', '<end>') with literal UTC
    bounds, so TD prunes its time partitions (a NULL bound is open). Outside TD mode the project's
    default (integer epoch literals, macros/cross_engine/sa_time_range_predicate.sql) is used.
    The epochs are authoritative (a lookback in hours can start mid-day); they are rendered as
    'YYYY-MM-DD' at midnight and 'YYYY-MM-DD HH:MM:SS' otherwise.
-#}
{% macro trino__sa_time_range_predicate(col, start_epoch, end_epoch, start_date, end_date) -%}
  {%- if not segment_analytics.sa_td_mode() -%}
    {{ return(segment_analytics.default__sa_time_range_predicate(col, start_epoch, end_epoch, start_date, end_date)) }}
  {%- endif -%}
  {%- if start_epoch is none and end_epoch is none -%}
    {{ return('true') }}
  {%- endif -%}
  {{ return('td_time_range(' ~ col ~ ', ' ~ segment_analytics.sa_td_time_literal(start_epoch) ~ ', ' ~ segment_analytics.sa_td_time_literal(end_epoch) ~ ')') }}
{%- endmacro %}


{% macro sa_td_time_literal(epoch) -%}
  {%- if epoch is none -%}
    {{ return('null') }}
  {%- endif -%}
  {%- set moment = modules.datetime.datetime.fromtimestamp(epoch | int, modules.pytz.utc) -%}
  {%- if moment.hour == 0 and moment.minute == 0 and moment.second == 0 -%}
    {{ return("'" ~ moment.strftime('%Y-%m-%d') ~ "'") }}
  {%- endif -%}
  {{ return("'" ~ moment.strftime('%Y-%m-%d %H:%M:%S') ~ "'") }}
{%- endmacro %}
