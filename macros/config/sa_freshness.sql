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
  {%- set hours = {} -%}
  {%- for key, default in segment_analytics.sa_config_defaults()['freshness'].items() -%}
    {%- do hours.update({key: raw.get(key, default)}) -%}
  {%- endfor -%}
  {{ return(hours) }}
{%- endmacro %}

{#- Validation of segment_analytics.freshness, for sa_validate_config: appends (field, message)
    pairs to `problems`, the same fields and messages as orchestrate/config/validate.py. -#}
{% macro sa_config_freshness(raw, problems) -%}
  {%- set value = raw.get('freshness') if raw is mapping else none -%}
  {%- if value is none -%}{{ return(problems) }}{%- endif -%}
  {%- if value is not mapping -%}
    {%- do problems.append(('freshness', sa_config_message('freshness_not_a_mapping'))) -%}
    {{ return(problems) }}
  {%- endif -%}
  {%- set defaults = sa_config_defaults()['freshness'] -%}
  {%- do sa_config_unknown_keys(value, defaults.keys() | list, 'freshness.', problems) -%}
  {#- each key given or defaulted; the order check only when both are whole hours -#}
  {%- set hours = {} -%}
  {%- for key, default in defaults.items() -%}
    {%- set given = value.get(key, default) -%}
    {%- if given is boolean or given is not number or given is not integer or given < 1 -%}
      {%- do problems.append(('freshness.' ~ key, sa_config_message('hours', {'value': sa_repr(given)}))) -%}
    {%- else -%}
      {%- do hours.update({key: given}) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if hours | length == defaults | length and hours['error_after_hours'] < hours['warn_after_hours'] -%}
    {%- do problems.append(('freshness.error_after_hours', sa_config_message('error_before_warn'))) -%}
  {%- endif -%}
  {{ return(problems) }}
{%- endmacro %}
