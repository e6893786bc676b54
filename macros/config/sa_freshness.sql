{#- Source freshness of a behaviour table from an integer unix-seconds column: the query dbt's
    `loaded_at_query` runs (one value, the newest event as a UTC timestamp). Only the last
    2 x error_after_hours are read, so a large, time-partitioned table (Treasure Data) is not scanned
    whole; a table with no event in that span answers null, which dbt reports as stale.
    Called from a host project's sources too, so the macros it uses are named with their package. -#}
{% macro sa_behavior_loaded_at(relation, time_column) -%}
  {%- set hours = segment_analytics.sa_freshness_hours()['error_after_hours'] -%}
  {%- set since = (modules.datetime.datetime.utcnow() - modules.datetime.datetime(1970, 1, 1)).total_seconds() | int
                  - 2 * hours * 3600 -%}
  select {{ segment_analytics.sa_epoch_to_timestamp('max(' ~ adapter.quote(time_column) ~ ')') }}
  from {{ relation }}
  where {{ adapter.quote(time_column) }} >= {{ since }}
{%- endmacro %}

{#- The freshness thresholds, in hours, with their defaults (segment_analytics.freshness). -#}
{% macro sa_freshness_hours() -%}
  {%- set raw = (var('segment_analytics', {}) or {}) -%}
  {%- set raw = (raw.get('freshness') if raw is mapping else none) or {} -%}
  {%- set raw = raw if raw is mapping else {} -%}
  {{ return({'warn_after_hours': raw.get('warn_after_hours', 24),
             'error_after_hours': raw.get('error_after_hours', 48)}) }}
{%- endmacro %}

{#- Validation of segment_analytics.freshness, for sa_validate_config: appends (field, message)
    pairs to `problems`, the same fields and wording as orchestrate/setup/freshness.py. -#}
{% macro sa_config_freshness(raw, problems) -%}
  {%- set value = raw.get('freshness') if raw is mapping else none -%}
  {%- if value is none -%}{{ return(problems) }}{%- endif -%}
  {%- if value is not mapping -%}
    {%- do problems.append(('freshness', 'must be a mapping {warn_after_hours: 24, error_after_hours: 48}')) -%}
    {{ return(problems) }}
  {%- endif -%}
  {%- do sa_config_unknown_keys(value, ['warn_after_hours', 'error_after_hours'], 'freshness.', problems) -%}
  {%- set good = [] -%}
  {%- for key in ['warn_after_hours', 'error_after_hours'] if key in value -%}
    {%- set hours = value[key] -%}
    {%- if hours is boolean or hours is not number or hours is not integer or hours < 1 -%}
      {%- do problems.append(('freshness.' ~ key, (hours | string) ~ ' is not a whole number of hours >= 1')) -%}
    {%- else -%}
      {%- do good.append(key) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set hours = sa_freshness_hours() -%}
  {%- if good | length == 2 and hours['error_after_hours'] < hours['warn_after_hours'] -%}
    {%- do problems.append(('freshness.error_after_hours', 'is less than warn_after_hours; error after the warning, not before')) -%}
  {%- endif -%}
  {{ return(problems) }}
{%- endmacro %}
