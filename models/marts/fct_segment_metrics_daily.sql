{{ config(
    alias=sa_mart_alias('metrics_daily'),
    materialized=('incremental' if sa_cfg()['membership_basis'] == 'point_in_time' else 'table'),
    incremental_strategy='delete+insert',
    unique_key=['segment_id', 'event_date', 'metric_name'],
    full_refresh=false,
    pre_hook="{{ sa_metrics_daily_pre_delete() }}",
    sa_metrics_hash=sa_metrics_config_hash(),
) }}
{#- Segment × event day × metric (long), selected segments only. A profile's per-day events count
    for a segment per `membership_basis` (macros/pipeline/sa_attribution_membership.sql).
      metric_value     the agg over all qualifying events of the segment's members that day
                       (count: events; sum: total; avg: total / events; min; max;
                       count_distinct: distinct values)
      unique_profiles  members with at least one qualifying event that day
      avg_per_profile  metric_value / unique_profiles for count and sum, else null
    The steps are models, all ephemeral but the watermark: int_metric_coverage__watermarks (which
    days each (segment, metric) needs, from what earlier builds computed), int_metric_membership__stays
    (one row per membership stay of a planned segment), int_metric_events__member_days (one scan
    per behaviour table grouped per (profile, day), the table's metrics as columns, joined to the
    stays), int_metric_events__segment_days (rolled up per (segment, day)), and the unpivot here.
    point_in_time is incremental by event day: per (segment, metric) only days from its last
    computed event day on are (re)computed, and each behaviour table is scanned only from the
    earliest such day (a new segment or metric gets every day of the window; then the other
    segments still join only their new days). Earlier days are history and stay, also after they
    leave the time window: --full-refresh (full_refresh=false, so dbt never drops the table)
    recomputes every selected pair over the window only, deleting its rows inside the window first
    and keeping every day outside it; switching the basis back to point_in_time recomputes the
    window the same way on the next build.
    current is a table rebuilt over the window every run; switching to it is refused while the
    table holds point_in_time history it would not recompute (sa_metrics_daily_guard_basis_switch). -#}
{%- do sa_metrics_require_watermarks() -%}
{%- do sa_metrics_daily_guard_basis_switch() -%}
{%- set watermarks = ref('int_metric_coverage__watermarks') -%}
{%- set plan = sa_metric_scan_plan(watermarks) -%}
{%- set resumes = plan['resumes'] -%}

with selected_segments as (
    select segment_id, segment_name, ps_id, ps_name, folder_id, folder_name
    from {{ ref('int_segments__selected') }}
    where is_selected
),
{%- if plan['groups'] %}

metric_days as (
    -- the unpivot: one row per (segment, day, metric) of each scan group's roll-up
    select
        segment_days.segment_id,
        segment_days.day_number,
        metric_list.metric_name,
        metric_list.metric_table,
        metric_list.agg,
        {{ sa_metric_case(plan['groups'], sa_type_bigint(), 'event_count') }} as event_count,
        {{ sa_metric_case(plan['groups'], sa_type_bigint(), 'unique_profiles') }} as unique_profiles,
        {{ sa_metric_case(plan['groups'], sa_type_double()) }} as metric_value,
        {{ sa_metric_case(plan['groups'], sa_type_boolean(), 'membership_backfilled') }} as membership_backfilled
    from {{ ref('int_metric_events__segment_days') }} as segment_days
    inner join {{ sa_metric_list_values(plan['groups']) }}
        on metric_list.scan_group = segment_days.scan_group
),
{%- if resumes %}

pair_resume_days as (
    -- the first day each resumed (segment, metric) recomputes
    select segment_id, metric_name, {{ sa_date_to_day_number('resume_from_date') }} as resume_day
    from {{ watermarks }}
    where is_planned and resume_from_date is not null
),
{%- endif %}

segment_day_metrics as (
    select
        metric_days.*,
        {{ sa_day_number_to_date('metric_days.day_number') }} as event_date
    from metric_days
    {%- if resumes %}
    left join pair_resume_days
        on pair_resume_days.segment_id = metric_days.segment_id
        and pair_resume_days.metric_name = metric_days.metric_name
    {%- endif %}
    where metric_days.event_count > 0
    {%- if resumes %}
      and (pair_resume_days.resume_day is null or metric_days.day_number >= pair_resume_days.resume_day)
    {%- endif %}
)
{%- else %}

segment_day_metrics as (
    -- no metrics configured
    select
        cast(null as {{ sa_type_string() }}) as segment_id,
        cast(null as date) as event_date,
        cast(null as {{ sa_type_string() }}) as metric_name,
        cast(null as {{ sa_type_string() }}) as metric_table,
        cast(null as {{ sa_type_string() }}) as agg,
        cast(null as {{ sa_type_double() }}) as metric_value,
        cast(null as {{ sa_type_bigint() }}) as unique_profiles,
        cast(null as {{ sa_type_boolean() }}) as membership_backfilled
    from {{ ref('int_metric_events__segment_days') }}
    where 1 = 0
)
{%- endif %}

select
    selected_segments.ps_id,
    selected_segments.ps_name,
    selected_segments.folder_id,
    selected_segments.folder_name,
    segment_day_metrics.segment_id,
    selected_segments.segment_name,
    segment_day_metrics.event_date,
    segment_day_metrics.metric_name,
    segment_day_metrics.metric_table,
    segment_day_metrics.agg,
    segment_day_metrics.metric_value,
    segment_day_metrics.unique_profiles,
    cast(case
        when segment_day_metrics.agg in ('count', 'sum')
            then segment_day_metrics.metric_value / nullif(segment_day_metrics.unique_profiles, 0)
    end as {{ sa_type_double() }}) as avg_per_profile,
    segment_day_metrics.membership_backfilled
from segment_day_metrics
inner join selected_segments
    on selected_segments.segment_id = segment_day_metrics.segment_id
