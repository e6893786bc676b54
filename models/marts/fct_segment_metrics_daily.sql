{{ config(
    alias=sa_mart_alias('metrics_daily'),
    materialized=('incremental' if sa_cfg()['membership_basis'] == 'point_in_time' else 'table'),
    incremental_strategy='delete+insert',
    unique_key=['segment_id', 'event_date', 'metric_name'],
    full_refresh=false,
    pre_hook="{{ sa_metrics_daily_pre_delete() }}",
) }}
{#- Segment × event day × metric (long), selected segments only. A profile's per-day events count
    for a segment per `membership_basis` (macros/pipeline/sa_attribution_membership.sql).
      metric_value     the agg over all qualifying events of the segment's members that day
                       (count: events; sum: total; avg: total / events; min; max;
                       count_distinct: distinct values)
      unique_profiles  members with at least one qualifying event that day
      avg_per_profile  metric_value / unique_profiles for count and sum, else null
    One scan per behaviour table, grouped per (profile, day), joined to the membership stays and
    rolled up per (segment, day) with all of the table's metrics as columns, then unpivoted
    (macros/pipeline/sa_metric_events.sql).
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
{%- do sa_metrics_daily_guard_basis_switch() -%}
{%- set incremental = is_incremental() -%}
{%- set plan = sa_metric_scan_plan(ref('int_segments__selected')) -%}

with selected_segments as (
    select segment_id, segment_name, ps_id, ps_name, folder_id, folder_name
    from {{ ref('int_segments__selected') }}
    where is_selected
),
{%- if incremental %}

computed_through as (
    -- the last event day already computed per (segment, metric) with the metric's current
    -- definition (the coverage table): recompute from there on
    {{ sa_metrics_computed_through_sql() }}
),

segment_compute_from as (
    -- the first day a segment still needs for any metric; null (every day) when one of its
    -- metrics was never computed
    select
        selected_segments.segment_id,
        case
            when count(computed_through.last_event_date) = {{ sa_cfg()['metrics'] | length }}
                then min({{ sa_date_to_day_number('computed_through.last_event_date') }})
        end as compute_from_day
    from selected_segments
    left join computed_through
        on computed_through.segment_id = selected_segments.segment_id
    group by selected_segments.segment_id
),
{%- endif %}

membership as (
    -- one row per membership stay of a selected segment
    select
        attribution_membership.segment_id,
        attribution_membership.profile_id,
        attribution_membership.valid_from_day,
        attribution_membership.valid_to_day,
        attribution_membership.backfilled_before_day
        {%- if incremental %},
        segment_compute_from.compute_from_day
        {%- endif %}
    from ({{ sa_attribution_membership() }}) as attribution_membership
    {%- if incremental %}
    inner join segment_compute_from
        on segment_compute_from.segment_id = attribution_membership.segment_id
    where segment_compute_from.compute_from_day is null
       or attribution_membership.valid_to_day is null
       or attribution_membership.valid_to_day > segment_compute_from.compute_from_day
    {%- else %}
    inner join selected_segments
        on selected_segments.segment_id = attribution_membership.segment_id
    {%- endif %}
),
{%- if plan['groups'] %}
{{ sa_metric_rollup_ctes(plan, incremental) }},

segment_day_metrics as (
    select
        all_metric_rows.*,
        {{ sa_day_number_to_date('all_metric_rows.day_number') }} as event_date
    from all_metric_rows
    {%- if incremental %}
    left join computed_through
        on computed_through.segment_id = all_metric_rows.segment_id
        and computed_through.metric_name = all_metric_rows.metric_name
    {%- endif %}
    where all_metric_rows.event_count > 0
    {%- if incremental %}
      and (computed_through.last_event_date is null
           or all_metric_rows.day_number >= {{ sa_date_to_day_number('computed_through.last_event_date') }})
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
    from membership
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
