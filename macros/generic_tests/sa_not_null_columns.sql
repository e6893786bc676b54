{#- Generic test: no row has a null in any of `columns` (a list of column names), checked in one
    statement for all of them instead of one `not_null` test per column. Each failing row is the
    row itself plus `null_columns`: the names of its null columns, comma-separated, in the order
    given. Names are quoted identifiers (adapter.quote, embedded double quotes doubled) and string
    literals, so quotes or unicode in a name never break the SQL. A `where` config applies as to
    any generic test. -#}
{% test sa_not_null_columns(model, columns) %}
{%- if columns is string or columns is mapping or not columns -%}
    {{ exceptions.raise_compiler_error(
        "sa_not_null_columns on " ~ model ~ ": `columns` must be a non-empty list of column names, got "
        ~ (columns | string)) }}
{%- endif %}
{%- set quoted = [] -%}
{%- for column in columns -%}
    {%- do quoted.append(adapter.quote((column | string).replace('"', '""'))) -%}
{%- endfor %}
select
    *,
    concat_ws(
        ', '
        {%- for column in columns %},
        case when {{ quoted[loop.index0] }} is null then {{ sa_string_literal(column) }} end
        {%- endfor %}
    ) as null_columns
from {{ model }}
where
    {%- for column in quoted %}
    {% if not loop.first %}or {% endif %}{{ column }} is null
    {%- endfor %}
{% endtest %}
