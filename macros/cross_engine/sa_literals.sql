{#- A SQL string literal for any text: quotes doubled, so names with quotes or unicode never break
    SQL. Both engines use standard strings (a backslash is an ordinary character). -#}
{% macro sa_string_literal(text) -%}
  {%- if text is none -%}null{%- else -%}'{{ (text | string).replace("'", "''") }}'{%- endif -%}
{%- endmacro %}

{#- A DATE literal from a YYYY-MM-DD string. -#}
{% macro sa_date_literal(text) -%}
  date '{{ text }}'
{%- endmacro %}
