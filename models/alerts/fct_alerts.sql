{{ config(
    alias=sa_mart_alias('alerts'),
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='append_new_columns',
) }}
{#- <prefix>_alerts: one row per alert per run date, of every kind (models/alerts/int_alerts__*).
    Append-only and idempotent: alert_id hashes (kind, run date, segment, subject), and a build
    appends only the alert ids not recorded yet, so re-running a day adds nothing and never changes
    a row already recorded (full_refresh=false: --full-refresh keeps the recorded alerts too).
    muted: a mute of alerts.mutes covers it on the run date (its segment by id or name, its kind,
    until on or after the run date); muted alerts are recorded, not delivered and not tested. -#}
{%- set mutes = sa_cfg()['alerts']['mutes'] -%}

with found_alerts as (
    select * from {{ ref('int_alerts__rule_changes') }}
    union all
    select * from {{ ref('int_alerts__segment_deletions') }}
    union all
    select * from {{ ref('int_alerts__population_anomalies') }}
    union all
    select * from {{ ref('int_alerts__metric_anomalies') }}
    union all
    select * from {{ ref('int_alerts__stale_data') }}
    union all
    select * from {{ ref('int_alerts__pull_failures') }}
),

mutes as (
    {%- for mute in mutes if mute is mapping %}
    select
        cast({{ sa_string_literal(mute.get('segment')) }} as {{ sa_type_string() }}) as mute_segment,
        cast({{ sa_string_literal(mute.get('kind')) }} as {{ sa_type_string() }}) as mute_kind,
        cast({{ sa_string_literal(sa_date_text(mute.get('until')) | string) }} as date) as mute_until
    {{- '\n    union all' if not loop.last }}
    {%- else %}
    select
        cast(null as {{ sa_type_string() }}) as mute_segment,
        cast(null as {{ sa_type_string() }}) as mute_kind,
        cast(null as date) as mute_until
    from (values (1))
    where 1 = 0
    {%- endfor %}
),

alerts_with_mutes as (
    select
        a.kind,
        a.segment_id,
        a.subject,
        max(m.mute_until) as muted_until
    from found_alerts as a
    inner join mutes as m
        on m.mute_until >= {{ sa_alert_run_date() }}
        and (m.mute_kind is null or m.mute_kind = a.kind)
        and (m.mute_segment is null or m.mute_segment = a.segment_id or m.mute_segment = a.segment_name)
    group by a.kind, a.segment_id, a.subject
),

alerts_of_run_date as (
    select
        {{ sa_alert_id('a.kind', 'a.segment_id', 'a.subject') }} as alert_id,
        {{ sa_alert_run_date() }} as run_date,
        cast(a.kind as {{ sa_type_string() }}) as kind,
        cast(a.severity as {{ sa_type_string() }}) as severity,
        cast(a.ps_id as {{ sa_type_string() }}) as ps_id,
        cast(a.segment_id as {{ sa_type_string() }}) as segment_id,
        cast(a.segment_name as {{ sa_type_string() }}) as segment_name,
        cast(a.metric_name as {{ sa_type_string() }}) as metric_name,
        cast(a.observed_value as {{ sa_type_double() }}) as observed_value,
        cast(a.expected_value as {{ sa_type_double() }}) as expected_value,
        cast(a.threshold as {{ sa_type_double() }}) as threshold,
        cast(a.message as {{ sa_type_string() }}) as message,
        cast(a.updated_by as {{ sa_type_string() }}) as updated_by,
        cast(a.authorized as {{ sa_type_boolean() }}) as authorized,
        cast(a.rule_diff as {{ sa_type_string() }}) as rule_diff,
        cast(a.revert_command as {{ sa_type_string() }}) as revert_command,
        m.muted_until is not null as muted,
        m.muted_until,
        {{ sa_alert_detected_at() }} as detected_at
    from found_alerts as a
    left join alerts_with_mutes as m
        on m.kind = a.kind
        and coalesce(m.segment_id, '') = coalesce(a.segment_id, '')
        and m.subject = a.subject
)

select * from alerts_of_run_date
{%- if is_incremental() %}
where alert_id not in (select alert_id from {{ this }} where alert_id is not null)
{%- endif %}
