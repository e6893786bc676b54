{#- Generic test: no two rows share the same values of `columns` (nulls compared as values). -#}
{% test sa_unique_combination(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
