{#- One alert per segment whose population moved abnormally on the run date or the detection days
    before it (alerts.population: pct_change against the previous day, zscore against the trailing
    training days; macros/alerts/sa_alerts_sql.sql). The series is the API's population of each
    day, else the member count computed from the membership history. A day without a value is
    skipped; too little history gives no alert. A segment deleted by the run date is not watched
    (its deletion is its own alert). -#}
{%- set alerts = sa_cfg()['alerts'] -%}

with deleted_segments as (
    select segment_id
    from {{ ref('fct_segment_rule_changes') }}
    where change_type = 'deletion'
        and cast(valid_from as date) <= {{ sa_alert_run_date() }}
),

series as (
    select
        segment_id,
        '' as subject,
        {{ adapter.quote('date') }} as series_date,
        cast(coalesce(api_population, population) as {{ sa_type_double() }}) as series_value
    from {{ ref('fct_segment_population_daily') }}
    where coalesce(api_population, population) is not null
        and {{ adapter.quote('date') }} <= {{ sa_alert_run_date() }}
        and segment_id not in (select segment_id from deleted_segments)
),

rules as (
    {{ sa_alert_rules_sql([('', alerts['population'])]) }}
),

{{ sa_alert_anomaly_ctes() }},

segment_names as (
    select segment_id, max(segment_name) as segment_name, max(ps_id) as ps_id
    from {{ ref('fct_segment_population_daily') }}
    where {{ adapter.quote('date') }} = {{ sa_alert_run_date() }}
    group by segment_id
)

select
    'population_anomaly' as kind,
    p.severity,
    n.ps_id,
    p.segment_id,
    n.segment_name,
    cast(null as {{ sa_type_string() }}) as metric_name,
    p.observed as observed_value,
    p.expected as expected_value,
    p.threshold,
    'Population of ' || coalesce(n.segment_name, p.segment_id) || ' (' || p.segment_id || ') '
        || {{ sa_alert_anomaly_text(0) }} as message,
    cast(null as {{ sa_type_string() }}) as updated_by,
    cast(null as {{ sa_type_boolean() }}) as authorized,
    cast(null as {{ sa_type_string() }}) as rule_diff,
    cast(null as {{ sa_type_string() }}) as revert_command,
    '' as subject
from flagged_points as p
left join segment_names as n
    on n.segment_id = p.segment_id
