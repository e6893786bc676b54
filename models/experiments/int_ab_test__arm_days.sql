{{ config(alias=sa_relation_alias('int_ab_test__arm_days')) }}
{#- A/B test × arm × metric × day of the window: the cumulative aggregates from the test start
    through that day, everything the statistics need and nothing per member:
      members         profiles exposed by that day (exposure_day <= day)
      sum_x, sum_x2   Σx and Σx² of the members' values, x = the metric over the member's
                      qualifying events from its exposure through that day (count: events; sum:
                      the values' total; 0 for a member without events); for other aggs 0
      event_count, value_sum, value_min, value_max
                      the arm's qualifying events, their values' total, smallest and largest value
                      (what avg, min and max report)
      backfilled_members  members whose exposure began before their segment's membership history
    Σx² comes from each member's changes: on a day its value grows by i to a running total r, Σx²
    grows by r² - (r - i)², so only member days with events are touched, never members × days. -#}
/* depends_on: {{ ref('int_segments__selected') }} */

with test_metrics as (
    select test_name, metric_name, agg
    from {{ sa_ab_test_metric_values(sa_ab_test_plan()) }}
    where metric_name <> ''
),

test_arms as (
    select test_name, segment_id, start_day, end_day
    from {{ ref('int_ab_test__arms') }}
    where end_day > start_day
),

window_days as (
    -- every day of each test's window
    select test_arms.test_name, test_arms.segment_id, window_day.day_number
    from test_arms
    {{ sa_cross_join_unnest(sa_integer_sequence('test_arms.start_day', 'test_arms.end_day - 1'), 'window_day', 'day_number') }}
),

member_increments as (
    select
        test_name,
        segment_id,
        profile_id,
        metric_name,
        day_number,
        event_count,
        value_sum,
        value_min,
        value_max,
        case agg
            when 'count' then cast(event_count as {{ sa_type_double() }})
            when 'sum' then coalesce(value_sum, 0e0)
            else 0e0
        end as increment
    from {{ ref('int_ab_test__member_days') }}
),

member_running_values as (
    select
        member_increments.*,
        sum(member_increments.increment) over (
            partition by member_increments.test_name, member_increments.segment_id, member_increments.profile_id, member_increments.metric_name
            order by member_increments.day_number
            rows between unbounded preceding and current row
        ) as running_value
    from member_increments
),

metric_day_changes as (
    select
        test_name,
        segment_id,
        metric_name,
        day_number,
        sum(increment) as sum_x_change,
        sum(increment * (2e0 * running_value - increment)) as sum_x2_change,
        sum(event_count) as event_count_change,
        sum(value_sum) as value_sum_change,
        min(value_min) as day_value_min,
        max(value_max) as day_value_max
    from member_running_values
    group by test_name, segment_id, metric_name, day_number
),

member_entries as (
    select
        test_name,
        segment_id,
        exposure_day as day_number,
        count(*) as members_change,
        count(*) filter (where is_backfilled) as backfilled_change
    from {{ ref('int_ab_test__exposures') }}
    group by test_name, segment_id, exposure_day
),

arm_metric_days as (
    select
        window_days.test_name,
        window_days.segment_id,
        test_metrics.metric_name,
        test_metrics.agg,
        window_days.day_number,
        coalesce(member_entries.members_change, 0) as members_change,
        coalesce(member_entries.backfilled_change, 0) as backfilled_change,
        coalesce(metric_day_changes.sum_x_change, 0e0) as sum_x_change,
        coalesce(metric_day_changes.sum_x2_change, 0e0) as sum_x2_change,
        coalesce(metric_day_changes.event_count_change, 0) as event_count_change,
        metric_day_changes.value_sum_change,
        metric_day_changes.day_value_min,
        metric_day_changes.day_value_max
    from window_days
    inner join test_metrics
        on test_metrics.test_name = window_days.test_name
    left join member_entries
        on member_entries.test_name = window_days.test_name
        and member_entries.segment_id = window_days.segment_id
        and member_entries.day_number = window_days.day_number
    left join metric_day_changes
        on metric_day_changes.test_name = window_days.test_name
        and metric_day_changes.segment_id = window_days.segment_id
        and metric_day_changes.metric_name = test_metrics.metric_name
        and metric_day_changes.day_number = window_days.day_number
)

select
    test_name,
    segment_id,
    metric_name,
    agg,
    day_number,
    {{ sa_day_number_to_date('day_number') }} as event_date,
    {%- for column, change in [('members', 'members_change'), ('backfilled_members', 'backfilled_change'),
                               ('sum_x', 'sum_x_change'), ('sum_x2', 'sum_x2_change'),
                               ('event_count', 'event_count_change'), ('value_sum', 'value_sum_change')] %}
    sum({{ change }}) over (
        partition by test_name, segment_id, metric_name order by day_number
        rows between unbounded preceding and current row
    ) as {{ column }},
    {%- endfor %}
    min(day_value_min) over (
        partition by test_name, segment_id, metric_name order by day_number
        rows between unbounded preceding and current row
    ) as value_min,
    max(day_value_max) over (
        partition by test_name, segment_id, metric_name order by day_number
        rows between unbounded preceding and current row
    ) as value_max
from arm_metric_days
