{#- True when the lower-cased name matches a filter regex (searched, as REGEXP_LIKE does); a blank
    filter matches everything. The regex is rendered as an escaped string literal. -#}
{% macro sa_name_matches(expr, pattern) -%}
  {%- if pattern -%}
    {{ sa_regex_search('lower(coalesce(' ~ expr ~ ", ''))", sa_string_literal(sa_regex_pattern(pattern))) }}
  {%- else -%}
    true
  {%- endif -%}
{%- endmacro %}
