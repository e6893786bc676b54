{#- The `segment_analytics` vars with every default filled in, key by key (nested mappings too).
    The defaults are sa_config_defaults() (macros/config/sa_config_schema.sql, generated from
    orchestrate/config/schema.py, which the CLI reads too). dbt hands a node the whole mapping of
    the project that sets it, never a key-by-key merge, so the defaults are applied here: a host
    project that sets one key gets them for the rest. Validation is separate (sa_validate_config,
    on-run-start); this never raises. -#}
{% macro sa_cfg(raw=none) -%}
  {%- if raw is none -%}{%- set raw = var('segment_analytics', {}) or {} -%}{%- endif -%}
  {%- if raw is not mapping -%}{%- set raw = {} -%}{%- endif -%}
  {%- set d = sa_config_defaults() -%}
  {%- set rules = sa_config_schema() -%}
  {%- set cfg = {} -%}
  {#- the plain keys (project_prefix ... td_mode): the value given, else the default -#}
  {%- for key, default in d.items() if default is not mapping and key != 'metrics' -%}
    {%- do cfg.update({key: raw.get(key, default)}) -%}
  {%- endfor -%}
  {%- set fresh = raw.get('freshness') or {} -%}
  {%- if fresh is not mapping -%}{%- set fresh = {} -%}{%- endif -%}
  {%- set hours = {} -%}
  {%- for key, default in d['freshness'].items() -%}{%- do hours.update({key: fresh.get(key, default)}) -%}{%- endfor -%}
  {%- do cfg.update({'freshness': hours}) -%}
  {%- do cfg.update({'overlap': sa_overlap_with_defaults(raw, d)}) -%}
  {%- set filters = raw.get('filters') or {} -%}
  {%- if filters is not mapping -%}{%- set filters = {} -%}{%- endif -%}
  {%- do cfg.update({'filters': {
      'v5_flag': sa_normalise_v5_flag(filters.get('v5_flag', d['filters']['v5_flag']), rules),
      'ps_to_include': filters.get('ps_to_include') or '',
      'folders_to_include': filters.get('folders_to_include') or '',
      'segments_to_include': filters.get('segments_to_include') or '',
  }}) -%}
  {%- set window = raw.get('time_window') or {} -%}
  {%- if window is not mapping -%}{%- set window = {} -%}{%- endif -%}
  {%- set dw = d['time_window'] -%}
  {%- do cfg.update({'time_window': {
      'type': window.get('type', dw['type']),
      'lookback': window.get('lookback', dw['lookback']),
      'anchor': sa_date_text(window.get('anchor', dw['anchor'])),
      'start_date': sa_date_text(window.get('start_date', dw['start_date'])),
      'end_date': sa_date_text(window.get('end_date', none)) or dw['end_date'],
  }}) -%}
  {%- set metrics = [] -%}
  {%- set raw_metrics = raw.get('metrics') or [] -%}
  {%- if raw_metrics is string or raw_metrics is mapping or raw_metrics is not iterable -%}{%- set raw_metrics = [] -%}{%- endif -%}
  {%- set row_count = rules['row_count'] -%}
  {%- for item in raw_metrics if item is mapping -%}
    {%- set agg_col = item.get('agg_col_name') -%}
    {%- do metrics.append({
        'metric': item.get('metric'),
        'agg': item.get('agg'),
        'agg_col_name': (row_count if agg_col is none else (agg_col | string)),
        'source': item.get('source'),
        'join_key': item.get('join_key'),
        'unixtime_col': item.get('unixtime_col'),
        'filter': item.get('filter'),
    }) -%}
  {%- endfor -%}
  {%- do cfg.update({'metrics': metrics}) -%}
  {%- set insights = raw.get('insights') or {} -%}
  {%- if insights is not mapping -%}{%- set insights = {} -%}{%- endif -%}
  {%- do cfg.update({'insights': sa_insights_with_defaults(insights, d['insights'])}) -%}
  {%- do cfg.update({'alerts': sa_alerts_with_defaults(raw.get('alerts'))}) -%}
  {%- do cfg.update({'ab_tests': sa_ab_tests_with_defaults(raw.get('ab_tests'), metrics | map(attribute='metric') | list)}) -%}
  {{ return(cfg) }}
{%- endmacro %}

{#- `insights` key by key over its defaults, `change_schema_cols` type by type; the default
    `join_relations` keeps only the pairs whose two tables are in `tables`
    (orchestrate/config/validate.py insights_with_defaults). -#}
{% macro sa_insights_with_defaults(raw, defaults) -%}
  {%- set out = {'model_name': raw.get('model_name', defaults['model_name']),
                 'tables': raw.get('tables', defaults['tables']),
                 'shared_users': raw.get('shared_users') or []} -%}
  {%- set cols = raw.get('change_schema_cols') -%}
  {%- if cols is mapping -%}
    {%- set merged = {} -%}
    {%- do merged.update(defaults['change_schema_cols']) -%}
    {%- do merged.update(cols) -%}
    {%- do out.update({'change_schema_cols': merged}) -%}
  {%- else -%}
    {%- do out.update({'change_schema_cols': defaults['change_schema_cols'] if cols is none else cols}) -%}
  {%- endif -%}
  {%- if 'join_relations' in raw -%}
    {%- do out.update({'join_relations': raw['join_relations'] or []}) -%}
  {%- else -%}
    {%- set tables = out['tables'] if (out['tables'] is iterable and out['tables'] is not string and out['tables'] is not mapping) else [] -%}
    {%- set kept = [] -%}
    {%- for pair in defaults['join_relations'] -%}
      {%- if (pair[0].split('.')[0] in tables) and (pair[1].split('.')[0] in tables) -%}{%- do kept.append(pair) -%}{%- endif -%}
    {%- endfor -%}
    {%- do out.update({'join_relations': kept}) -%}
  {%- endif -%}
  {{ return(out) }}
{%- endmacro %}

{#- The original package's v5_flag spellings (schema `v5_flag_spellings`): 1 = v5, 0 = v4, '1,0' = both. -#}
{% macro sa_normalise_v5_flag(value, schema=none) -%}
  {%- set text = ((value | string).replace(' ', '') | lower) if value is not none else '' -%}
  {%- set schema = schema or sa_config_schema() -%}
  {%- set legacy = schema['v5_flag_spellings'] -%}
  {%- if text in legacy -%}{{ return(legacy[text]) }}
  {%- elif text in schema['choices']['filters.v5_flag'] -%}{{ return(text) }}
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

{#- run-operation helpers for tests: `SA_CONFIG <i> <json>` per given mapping, sa_cfg of it
    (args: {configs: [mapping, ...]}); `SA_CONFIG_SEEN <json>`: {raw, cfg, defaults, declared} as
    this package's nodes see the vars (var('segment_analytics'), sa_cfg(), sa_config_defaults()). -#}
{% macro sa_print_config(configs) -%}
  {%- for raw in configs -%}
    {%- do print('SA_CONFIG ' ~ loop.index0 ~ ' ' ~ tojson(sa_cfg(raw))) -%}
  {%- endfor -%}
{%- endmacro %}

{% macro sa_print_config_seen() -%}
  {%- do print('SA_CONFIG_SEEN ' ~ tojson({'raw': var('segment_analytics', none), 'cfg': sa_cfg(),
                                          'defaults': sa_config_defaults(),
                                          'declared': var('declared_behavior_sources', none)})) -%}
{%- endmacro %}
