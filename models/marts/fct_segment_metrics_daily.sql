{{ config(
    alias=sa_mart_alias('metrics_daily'),
    materialized=('incremental' if sa_cfg()['membership_basis'] == 'point_in_time' else 'table'),
    incremental_strategy='delete+insert',
    unique_key=['segment_id', 'event_date', 'metric_name'],
) }}
{#- Segment × event day × metric (long), selected segments only. A profile's per-day events count
    for a segment per `membership_basis` (macros/pipeline/sa_attribution_membership.sql).
      metric_value     the agg over all qualifying events of the segment's members that day
                       (count: events; sum: total; avg: total / events; min; max;
                       count_distinct: distinct values)
      unique_profiles  members with at least one qualifying event that day
      avg_per_profile  metric_value / unique_profiles for count and sum, else null
    point_in_time is incremental by event day: per (segment, metric) only days from its last
    computed event day on are (re)computed (a new segment or metric gets every day of the window);
    earlier days are history and stay, also after they leave the time window. -#}
{%- set event_window = sa_event_window() -%}
{%- set metric_names = [] -%}
{%- for m in sa_cfg()['metrics'] -%}{%- do metric_names.append(sa_string_literal(m['metric'])) -%}{%- endfor -%}
{%- set has_count_distinct = sa_cfg()['metrics'] | selectattr('agg', 'equalto', 'count_distinct') | list | length > 0 -%}

with selected_segments as (
    select segment_id, segment_name, ps_id, ps_name, folder_id, folder_name
    from {{ ref('int_segments__selected') }}
    where is_selected
),

attribution_membership as (
    {{ sa_attribution_membership() }}
),

profile_day_events as (
    -- the per-profile-day events keep every day once scanned; use the current window only
    select * from {{ ref('int_metric_events__profile_daily') }}
    where event_date < {{ sa_date_literal(event_window['end_date']) }}
    {%- if event_window['start_date'] %}
      and event_date >= {{ sa_date_literal(event_window['start_date']) }}
    {%- endif %}
    {%- if metric_names %}
      and metric_name in ({{ metric_names | join(', ') }})
    {%- endif %}
),
{%- if is_incremental() %}

computed_through as (
    -- the last event day already computed per (segment, metric): recompute from there on
    select segment_id, metric_name, max(event_date) as last_event_date
    from {{ this }}
    group by segment_id, metric_name
),

recompute_from as (
    -- the earliest day any selected (segment, metric) needs; null when one was never computed (a
    -- new segment or metric needs the whole window). Filtering both join inputs by it keeps a
    -- daily run's join to the new days instead of the whole window.
    select
        case
            when count(*) = count(computed_through.last_event_date)
                then min(computed_through.last_event_date)
        end as from_date
    from selected_segments
    cross join (select distinct metric_name from profile_day_events) as configured_metrics
    left join computed_through
        on computed_through.segment_id = selected_segments.segment_id
        and computed_through.metric_name = configured_metrics.metric_name
),

new_day_events as (
    select profile_day_events.*
    from profile_day_events
    cross join recompute_from
    where recompute_from.from_date is null or profile_day_events.event_date >= recompute_from.from_date
),

new_day_membership as (
    select attribution_membership.*
    from attribution_membership
    cross join recompute_from
    where recompute_from.from_date is null
       or attribution_membership.valid_to_date is null
       or attribution_membership.valid_to_date > recompute_from.from_date
),
{%- endif %}

member_events as (
    select
        attribution_membership.segment_id,
        profile_day_events.profile_id,
        profile_day_events.event_date,
        profile_day_events.metric_name,
        profile_day_events.metric_table,
        profile_day_events.agg,
        profile_day_events.event_count,
        profile_day_events.value_sum,
        profile_day_events.value_min,
        profile_day_events.value_max,
        profile_day_events.distinct_values,
        attribution_membership.membership_backfilled
    {%- if is_incremental() %}
    from new_day_events as profile_day_events
    inner join new_day_membership as attribution_membership
    {%- else %}
    from profile_day_events
    inner join attribution_membership
    {%- endif %}
        on attribution_membership.profile_id = profile_day_events.profile_id
        and (attribution_membership.valid_from_date is null
             or profile_day_events.event_date >= attribution_membership.valid_from_date)
        and (attribution_membership.valid_to_date is null
             or profile_day_events.event_date < attribution_membership.valid_to_date)
    inner join selected_segments
        on selected_segments.segment_id = attribution_membership.segment_id
    {%- if is_incremental() %}
    left join computed_through
        on computed_through.segment_id = attribution_membership.segment_id
        and computed_through.metric_name = profile_day_events.metric_name
    where computed_through.last_event_date is null
       or profile_day_events.event_date >= computed_through.last_event_date
    {%- endif %}
),

segment_day_totals as (
    select
        segment_id,
        event_date,
        metric_name,
        metric_table,
        agg,
        sum(event_count) as event_count,
        sum(value_sum) as value_sum,
        min(value_min) as value_min,
        max(value_max) as value_max,
        -- member_events is unique per (segment, profile, day, metric): profile-day rows are unique per
        -- (profile, day, metric) and a profile's membership intervals in one segment never overlap,
        -- so counting rows counts distinct members exactly, without per-group distinct sets (memory).
        count(*) as unique_profiles,
        bool_or(membership_backfilled) as membership_backfilled
    from member_events
    group by segment_id, event_date, metric_name, metric_table, agg
),

{%- if has_count_distinct %}

segment_day_distinct_values as (
    select
        segment_id,
        event_date,
        metric_name,
        {{ sa_count_distinct('unnested_values.distinct_value') }} as distinct_value_count
    from member_events
    {{ sa_cross_join_unnest('member_events.distinct_values', 'unnested_values', 'distinct_value') }}
    where agg = 'count_distinct'
    group by segment_id, event_date, metric_name
),
{%- endif %}

segment_day_metrics as (
    select
        segment_day_totals.*,
        cast(case agg
            when 'count' then event_count
            when 'sum' then value_sum
            when 'avg' then value_sum / nullif(event_count, 0)
            when 'min' then value_min
            when 'max' then value_max
            {%- if has_count_distinct %}
            when 'count_distinct' then segment_day_distinct_values.distinct_value_count
            {%- endif %}
        end as {{ sa_type_double() }}) as metric_value
    from segment_day_totals
    {%- if has_count_distinct %}
    left join segment_day_distinct_values
        on segment_day_distinct_values.segment_id = segment_day_totals.segment_id
        and segment_day_distinct_values.event_date = segment_day_totals.event_date
        and segment_day_distinct_values.metric_name = segment_day_totals.metric_name
    {%- endif %}
)

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
    cast(segment_day_metrics.unique_profiles as {{ sa_type_bigint() }}) as unique_profiles,
    cast(case
        when segment_day_metrics.agg in ('count', 'sum')
            then segment_day_metrics.metric_value / nullif(segment_day_metrics.unique_profiles, 0)
    end as {{ sa_type_double() }}) as avg_per_profile,
    segment_day_metrics.membership_backfilled
from segment_day_metrics
inner join selected_segments
    on selected_segments.segment_id = segment_day_metrics.segment_id
