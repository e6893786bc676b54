{#- One alert per (segment, metric) whose daily value moved abnormally on the run date or the
    detection days before it (alerts.metrics: metrics.default, or the metric's override), over
    fct_segment_metrics_daily's metric_value by event day. A day without events has no row and is
    skipped; too little history gives no alert. -#}
{%- set alerts = sa_cfg()['alerts'] -%}
{%- set rules = [] -%}
{%- for m in sa_cfg()['metrics'] -%}
  {%- do rules.append((m['metric'], sa_alert_metric_rule(alerts, m['metric']))) -%}
{%- endfor -%}

with series as (
    select
        segment_id,
        metric_name as subject,
        event_date as series_date,
        cast(metric_value as {{ sa_type_double() }}) as series_value
    from {{ ref('fct_segment_metrics_daily') }}
    where metric_value is not null
        and event_date <= {{ sa_alert_run_date() }}
),

rules as (
    {%- if rules %}
    {{ sa_alert_rules_sql(rules) }}
    {%- else %}
    {{ sa_alert_rules_sql([('', alerts['metrics']['default'])]) }}
    {%- endif %}
),

{{ sa_alert_anomaly_ctes() }},

segment_names as (
    select segment_id, max(segment_name) as segment_name, max(ps_id) as ps_id
    from {{ ref('fct_segment_metrics_daily') }}
    where event_date <= {{ sa_alert_run_date() }}
    group by segment_id
)

select
    'metric_anomaly' as kind,
    p.severity,
    n.ps_id,
    p.segment_id,
    n.segment_name,
    p.subject as metric_name,
    p.observed as observed_value,
    p.expected as expected_value,
    p.threshold,
    p.subject || ' of ' || coalesce(n.segment_name, p.segment_id) || ' (' || p.segment_id || ') '
        || {{ sa_alert_anomaly_text(2) }} as message,
    cast(null as {{ sa_type_string() }}) as updated_by,
    cast(null as {{ sa_type_boolean() }}) as authorized,
    cast(null as {{ sa_type_string() }}) as rule_diff,
    cast(null as {{ sa_type_string() }}) as revert_command,
    p.subject
from flagged_points as p
left join segment_names as n
    on n.segment_id = p.segment_id
