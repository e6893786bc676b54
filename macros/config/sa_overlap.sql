{#- `overlap` of the configuration: its check (twin of orchestrate/config/validate.py
    _validate_overlap) and its value with the default (what the overlap mart reads). -#}

{#- (field, message) problems of `overlap: {top_pairs_per_segment}` appended to `problems`. -#}
{% macro sa_config_overlap(raw, problems) -%}
  {%- set value = raw.get('overlap') if raw is mapping else none -%}
  {%- if value is none -%}{{ return(problems) }}{%- endif -%}
  {%- if value is not mapping -%}
    {%- do problems.append(('overlap', sa_config_message('overlap_not_a_mapping'))) -%}
    {{ return(problems) }}
  {%- endif -%}
  {%- set defaults = sa_config_defaults()['overlap'] -%}
  {%- do sa_config_unknown_keys(value, defaults.keys() | list, 'overlap.', problems) -%}
  {%- set top = value.get('top_pairs_per_segment', defaults['top_pairs_per_segment']) -%}
  {%- if top is boolean or top is not number or top is not integer or top < 1 -%}
    {%- do problems.append(('overlap.top_pairs_per_segment', sa_config_message('top_pairs', {'value': sa_repr(top)}))) -%}
  {%- endif -%}
  {{ return(problems) }}
{%- endmacro %}

{#- `overlap` key by key over its defaults (sa_cfg; never raises). -#}
{% macro sa_overlap_with_defaults(raw, defaults) -%}
  {%- set given = raw.get('overlap') if raw is mapping else none -%}
  {%- if given is not mapping -%}{%- set given = {} -%}{%- endif -%}
  {{ return({'top_pairs_per_segment': given.get('top_pairs_per_segment', defaults['overlap']['top_pairs_per_segment'])}) }}
{%- endmacro %}
