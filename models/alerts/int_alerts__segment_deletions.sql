{#- One alert per segment found deleted on the run date (fct_segment_rule_changes, change_type
    'deletion'); the last version's rule stays in the history. -#}
{%- set alerts = sa_cfg()['alerts'] -%}

with deletions_on_run_date as (
    select *
    from {{ ref('fct_segment_rule_changes') }}
    where change_type = 'deletion'
        and cast(valid_from as date) = {{ sa_alert_run_date() }}
)

select
    'segment_deleted' as kind,
    {{ sa_string_literal(alerts['segment_deleted']['severity']) }} as severity,
    ps_id,
    segment_id,
    segment_name,
    cast(null as {{ sa_type_string() }}) as metric_name,
    cast(null as {{ sa_type_double() }}) as observed_value,
    cast(population_before as {{ sa_type_double() }}) as expected_value,
    cast(null as {{ sa_type_double() }}) as threshold,
    'Segment ' || coalesce(segment_name, segment_id) || ' (' || segment_id || ') was deleted; its last rule was version '
        || cast(version as {{ sa_type_string() }}) || ', population before '
        || coalesce(cast(population_before as {{ sa_type_string() }}), 'unknown') as message,
    cast(null as {{ sa_type_string() }}) as updated_by,
    cast(null as {{ sa_type_boolean() }}) as authorized,
    rule_diff,
    cast(null as {{ sa_type_string() }}) as revert_command,
    cast(version as {{ sa_type_string() }}) as subject
from deletions_on_run_date
