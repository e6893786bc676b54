{#-
    Treasure Data mode: on for the `td` target, or with the var `td_mode: true` (used to run the same
    macros on a plain Trino in the tests). Only the trino__ overrides in this folder consult it, so it
    has no effect on other engines. Models never branch on it.
-#}
{% macro sa_td_mode() -%}
  {%- set flag = var('td_mode', false) -%}
  {{ return(target.name == 'td' or flag in [true, 'true', 'True', 'TRUE', 1, '1']) }}
{%- endmacro %}


{#- Raise a compiler error explaining what Treasure Data does not accept. -#}
{% macro sa_td_unsupported(what, fix) -%}
  {%- do exceptions.raise_compiler_error(
      "Treasure Data mode (target 'td' or var td_mode): " ~ what ~ " is not supported on Treasure Data's Trino. " ~ fix
  ) -%}
{%- endmacro %}
