{#-
    Treasure Data mode, decided from the connection or a setting, never from the target's name
    (the same rule as orchestrate/warehouse/td_mode.py; tests/integration/dbt/test_td_mode_rule.py
    checks both on one table of cases):
      - the setting `segment_analytics.td_mode` (or the top-level var `td_mode`, the same setting):
        true / false win, `auto` (the default) decides from the connection;
      - auto: the target is trino and its host is a Treasure Data Trino host (any host under
        treasuredata.com or treasuredata.co.jp, which includes every region's) or its catalog
        (`database`) is `td`.
    Only the TD-aware overrides in this folder consult it, so it has no effect on other engines.
    Models never branch on it. Every call here is qualified with the package name: these macros
    also run in the context of a project that installs this one as a package.
-#}
{% macro sa_td_mode() -%}
  {%- set setting = segment_analytics.sa_td_mode_setting() -%}
  {%- if setting is not none -%}{{ return(setting) }}{%- endif -%}
  {{ return(segment_analytics.sa_td_connection(target)) }}
{%- endmacro %}


{#- The effective setting: true, false, or none for auto. -#}
{% macro sa_td_mode_setting() -%}
  {%- set block = var('segment_analytics', {}) -%}
  {%- set explicit = segment_analytics.sa_td_parse_setting(block.get('td_mode') if block is mapping else none) -%}
  {%- if explicit is not none -%}{{ return(explicit) }}{%- endif -%}
  {{ return(segment_analytics.sa_td_parse_setting(var('td_mode', none))) }}
{%- endmacro %}


{#- true / false for an explicit setting, none for auto or unset (sa_validate_config reports other values). -#}
{% macro sa_td_parse_setting(value) -%}
  {%- if value is none or value is sameas true or value is sameas false -%}{{ return(value) }}{%- endif -%}
  {%- set text = (value | string | trim | lower) -%}
  {%- if text in ['true', 'yes', 'on', '1'] -%}{{ return(true) }}{%- endif -%}
  {%- if text in ['false', 'no', 'off', '0'] -%}{{ return(false) }}{%- endif -%}
  {{ return(none) }}
{%- endmacro %}


{#- The auto rule: a trino target on a Treasure Data host, or with catalog `td`. -#}
{% macro sa_td_connection(target_info) -%}
  {%- if (target_info.get('type') or '') | lower != 'trino' -%}{{ return(false) }}{%- endif -%}
  {%- set catalog = (target_info.get('database') or target_info.get('catalog') or '') | string | trim | lower -%}
  {{ return(segment_analytics.sa_td_is_host(target_info.get('host')) or catalog == 'td') }}
{%- endmacro %}


{#- A Treasure Data Trino host: the host name (no scheme, port or final dot) is, or ends with
    "." followed by, treasuredata.com or treasuredata.co.jp. Never a substring match. -#}
{% macro sa_td_is_host(host) -%}
  {%- set name = (host or '') | string | trim | lower -%}
  {%- if '://' in name -%}{%- set name = name.split('://', 1)[1] -%}{%- endif -%}
  {%- set name = name.split('/', 1)[0].split('@')[-1] -%}
  {%- if name.count(':') == 1 -%}{%- set name = name.split(':', 1)[0] -%}{%- endif -%}
  {%- set name = name.rstrip('.') -%}
  {%- if not name -%}{{ return(false) }}{%- endif -%}
  {%- for domain in ['treasuredata.com', 'treasuredata.co.jp'] -%}
    {%- if name == domain or name.endswith('.' ~ domain) -%}{{ return(true) }}{%- endif -%}
  {%- endfor -%}
  {{ return(false) }}
{%- endmacro %}


{#- Raise a compiler error explaining what Treasure Data does not accept. -#}
{% macro sa_td_unsupported(what, fix) -%}
  {%- do exceptions.raise_compiler_error(
      "Treasure Data mode (a Treasure Data connection, or segment_analytics.td_mode: true): " ~ what
      ~ " is not supported on Treasure Data's Trino. " ~ fix
  ) -%}
{%- endmacro %}
