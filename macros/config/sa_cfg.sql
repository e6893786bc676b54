{#- The `segment_analytics` vars with defaults filled in (the same defaults as orchestrate/config.py).
    Validation is separate (sa_validate_config, on-run-start); this never raises. -#}
{% macro sa_cfg(raw=none) -%}
  {%- if raw is none -%}{%- set raw = var('segment_analytics', {}) or {} -%}{%- endif -%}
  {%- if raw is not mapping -%}{%- set raw = {} -%}{%- endif -%}
  {%- set cfg = {
      'project_prefix': raw.get('project_prefix', 'segment_analytics'),
      'profile_id_column': raw.get('profile_id_column', 'td_canonical_id'),
      'segment_sql_source': raw.get('segment_sql_source', 'auto'),
      'membership_basis': raw.get('membership_basis', 'point_in_time'),
      'exact_counts': raw.get('exact_counts', true),
      'landing_schema': raw.get('landing_schema', none),
      'td_mode': raw.get('td_mode', false),
  } -%}
  {%- set filters = raw.get('filters') or {} -%}
  {%- if filters is not mapping -%}{%- set filters = {} -%}{%- endif -%}
  {%- do cfg.update({'filters': {
      'v5_flag': sa_normalise_v5_flag(filters.get('v5_flag', 'both')),
      'ps_to_include': filters.get('ps_to_include') or '',
      'folders_to_include': filters.get('folders_to_include') or '',
      'segments_to_include': filters.get('segments_to_include') or '',
  }}) -%}
  {%- set window = raw.get('time_window') or {} -%}
  {%- if window is not mapping -%}{%- set window = {} -%}{%- endif -%}
  {%- do cfg.update({'time_window': {
      'type': window.get('type', 'none'),
      'lookback': window.get('lookback', none),
      'anchor': sa_date_text(window.get('anchor', 'now')),
      'start_date': sa_date_text(window.get('start_date', none)),
      'end_date': sa_date_text(window.get('end_date', none)) or '2222-02-02',
  }}) -%}
  {%- set metrics = [] -%}
  {%- set raw_metrics = raw.get('metrics') or [] -%}
  {%- if raw_metrics is string or raw_metrics is mapping -%}{%- set raw_metrics = [] -%}{%- endif -%}
  {%- for item in raw_metrics if item is mapping -%}
    {%- set agg_col = item.get('agg_col_name') -%}
    {%- do metrics.append({
        'metric': item.get('metric'),
        'agg': item.get('agg'),
        'agg_col_name': ('1' if agg_col is none else (agg_col | string)),
        'source': item.get('source'),
        'join_key': item.get('join_key'),
        'unixtime_col': item.get('unixtime_col'),
        'filter': item.get('filter'),
    }) -%}
  {%- endfor -%}
  {%- do cfg.update({'metrics': metrics}) -%}
  {{ return(cfg) }}
{%- endmacro %}

{#- The original package's v5_flag spellings: 1 = v5, 0 = v4, '1,0' = both. -#}
{% macro sa_normalise_v5_flag(value) -%}
  {%- set text = ((value | string).replace(' ', '') | lower) if value is not none else '' -%}
  {%- set legacy = {'1': 'v5', '0': 'v4', '1,0': 'both', '0,1': 'both'} -%}
  {%- if text in legacy -%}{{ return(legacy[text]) }}
  {%- elif text in ['v5', 'v4', 'both'] -%}{{ return(text) }}
  {%- else -%}{{ return(value) }}{%- endif -%}
{%- endmacro %}

{#- YAML may hand a date object for an unquoted date; normalise to YYYY-MM-DD text. -#}
{% macro sa_date_text(value) -%}
  {%- if value is not none and value is not string and value.isoformat is defined -%}
    {{ return(value.isoformat()[:10]) }}
  {%- endif -%}
  {{ return(value) }}
{%- endmacro %}

{% macro sa_prefix() -%}{{ return(sa_cfg()['project_prefix']) }}{%- endmacro %}

{#- The alias of a mart: <project_prefix>_<name>. -#}
{% macro sa_mart_alias(name) -%}{{ return(sa_cfg()['project_prefix'] ~ '_' ~ name) }}{%- endmacro %}

{% macro sa_landing_schema() -%}
  {{ return(sa_cfg()['landing_schema'] or target.schema) }}
{%- endmacro %}
