{#- One alert per rule edit found on the run date (fct_segment_rule_changes, change_type 'edit'):
    who edited, whether that editor is in alerts.authorized_editors (an empty list: every edit is
    reported and none is called unauthorised, authorized = true), the readable diff, the
    population before and after, and the command that puts the previous version back. -#}
{%- set alerts = sa_cfg()['alerts'] -%}
{%- set editors = alerts['authorized_editors'] -%}

with edits_on_run_date as (
    select *
    from {{ ref('fct_segment_rule_changes') }}
    where change_type = 'edit'
        and cast(valid_from as date) = {{ sa_alert_run_date() }}
),

edits_with_authorization as (
    select
        *,
        {%- if editors %}
        coalesce(lower(trim(changed_by)) in (
            {%- for editor in editors %}{{ sa_string_literal(editor | string | trim | lower) }}{{ ', ' if not loop.last }}{% endfor -%}
        ), false) as authorized
        {%- else %}
        true as authorized
        {%- endif %},
        'segment-analytics rules revert ' || segment_id || ' --to-version '
            || cast(version - 1 as {{ sa_type_string() }}) as revert_command
    from edits_on_run_date
)

select
    'rule_change' as kind,
    case when authorized
        then {{ sa_string_literal(alerts['rule_change']['severity']) }}
        else {{ sa_string_literal(alerts['rule_change']['unauthorized_severity']) }}
    end as severity,
    ps_id,
    segment_id,
    segment_name,
    cast(null as {{ sa_type_string() }}) as metric_name,
    cast(population_after as {{ sa_type_double() }}) as observed_value,
    cast(population_before as {{ sa_type_double() }}) as expected_value,
    cast(null as {{ sa_type_double() }}) as threshold,
    case when authorized then 'Rule of ' else 'UNAUTHORISED edit: rule of ' end
        || coalesce(segment_name, segment_id) || ' (' || segment_id || ') changed to version '
        || cast(version as {{ sa_type_string() }}) || ' by ' || coalesce(changed_by, 'an unknown user')
        || '; population ' || coalesce(cast(population_before as {{ sa_type_string() }}), 'unknown')
        || ' -> ' || coalesce(cast(population_after as {{ sa_type_string() }}), 'unknown')
        || chr(10) || rule_diff
        || chr(10) || 'Undo: ' || revert_command as message,
    changed_by as updated_by,
    authorized,
    rule_diff,
    revert_command,
    cast(version as {{ sa_type_string() }}) as subject
from edits_with_authorization
