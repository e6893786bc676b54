{#- One account-level alert when the newest successful pull (cdp_landing__pull_runs) finished more
    than alerts.stale_data.max_age_hours before this build started (or there is none). -#}
{%- set alerts = sa_cfg()['alerts'] -%}
{%- set stale = alerts['stale_data'] -%}

with successful_pulls as (
    select max(cast(finished_at as {{ sa_type_timestamp() }})) as last_success_at
    from {{ source('cdp_landing', 'cdp_landing__pull_runs') }}
    where status like 'success%'
),

landing_age as (
    select
        last_success_at,
        date_diff('minute', last_success_at, {{ sa_alert_detected_at() }}) / 60.0 as age_hours
    from successful_pulls
)

select
    'stale_data' as kind,
    {{ sa_string_literal(stale['severity']) }} as severity,
    cast(null as {{ sa_type_string() }}) as ps_id,
    cast(null as {{ sa_type_string() }}) as segment_id,
    cast(null as {{ sa_type_string() }}) as segment_name,
    cast(null as {{ sa_type_string() }}) as metric_name,
    cast(age_hours as {{ sa_type_double() }}) as observed_value,
    cast(null as {{ sa_type_double() }}) as expected_value,
    cast({{ stale['max_age_hours'] }} as {{ sa_type_double() }}) as threshold,
    case when last_success_at is null then 'No successful pull has landed'
        else 'The landed data is ' || {{ sa_alert_number('age_hours') }} || ' hours old (last successful pull finished '
            || substr(cast(last_success_at as {{ sa_type_string() }}), 1, 16) || ' UTC; limit '
            || cast({{ stale['max_age_hours'] }} as {{ sa_type_string() }}) || ' hours)'
    end || '; run `segment-analytics pull`' as message,
    cast(null as {{ sa_type_string() }}) as updated_by,
    cast(null as {{ sa_type_boolean() }}) as authorized,
    cast(null as {{ sa_type_string() }}) as rule_diff,
    cast(null as {{ sa_type_string() }}) as revert_command,
    '' as subject
from landing_age
where last_success_at is null or age_hours > {{ stale['max_age_hours'] }}
