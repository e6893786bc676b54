{#- Epoch seconds <-> dates and timestamps, always in UTC. -#}

{% macro sa_epoch_to_date(expr) -%}
  {{ return(adapter.dispatch('sa_epoch_to_date', 'segment_analytics')(expr)) }}
{%- endmacro %}

{% macro default__sa_epoch_to_date(expr) -%}
  date(from_unixtime({{ expr }}, 'UTC'))
{%- endmacro %}

{% macro duckdb__sa_epoch_to_date(expr) -%}
  cast(make_timestamp(cast(floor({{ expr }}) as bigint) * 1000000) as date)
{%- endmacro %}


{% macro sa_epoch_to_timestamp(expr) -%}
  {{ return(adapter.dispatch('sa_epoch_to_timestamp', 'segment_analytics')(expr)) }}
{%- endmacro %}

{#- Trino: a timestamp without time zone holding the UTC wall-clock time. -#}
{% macro default__sa_epoch_to_timestamp(expr) -%}
  cast(from_unixtime({{ expr }}, 'UTC') as timestamp)
{%- endmacro %}

{% macro duckdb__sa_epoch_to_timestamp(expr) -%}
  make_timestamp(cast(floor({{ expr }}) as bigint) * 1000000)
{%- endmacro %}


{#- A SQL date expression -> epoch seconds (UTC midnight). -#}
{% macro sa_date_to_epoch(expr) -%}
  {{ return(adapter.dispatch('sa_date_to_epoch', 'segment_analytics')(expr)) }}
{%- endmacro %}

{% macro default__sa_date_to_epoch(expr) -%}
  cast(to_unixtime(cast({{ expr }} as timestamp)) as bigint)
{%- endmacro %}

{% macro duckdb__sa_date_to_epoch(expr) -%}
  cast(epoch(cast({{ expr }} as timestamp)) as bigint)
{%- endmacro %}


{#- A YYYY-MM-DD string -> epoch seconds at UTC midnight, computed in Jinja (a literal for pruning). -#}
{% macro sa_date_string_to_epoch(text) -%}
  {%- set day = modules.datetime.datetime.strptime(text, '%Y-%m-%d') -%}
  {%- set origin = modules.datetime.datetime(1970, 1, 1) -%}
  {{- return(((day - origin).days * 86400) | int) -}}
{%- endmacro %}


{#- Day numbers (days since 1970-01-01, UTC): events are grouped by an integer day and turned into a
    date only after the roll-up, so the per-event work is one division. -#}
{% macro sa_epoch_to_day_number(expr) -%}
  cast(floor({{ expr }} / 86400e0) as {{ sa_type_bigint() }})
{%- endmacro %}

{% macro sa_date_to_day_number(expr) -%}
  date_diff('day', date '1970-01-01', {{ expr }})
{%- endmacro %}

{% macro sa_day_number_to_date(expr) -%}
  {{ return(adapter.dispatch('sa_day_number_to_date', 'segment_analytics')(expr)) }}
{%- endmacro %}

{% macro default__sa_day_number_to_date(expr) -%}
  date_add('day', {{ expr }}, date '1970-01-01')
{%- endmacro %}

{% macro duckdb__sa_day_number_to_date(expr) -%}
  cast(date '1970-01-01' + cast({{ expr }} as integer) as date)
{%- endmacro %}
