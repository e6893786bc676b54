{{ config(materialized='ephemeral', sa_metrics_hash=sa_metrics_config_hash()) }}
{#- Scan group × segment × member × event day: ONE scan per behaviour table (scan group,
    sa_metrics_by_source(): the metrics sharing a source, join key and time column), every metric
    of the table at once as conditional aggregates grouped by (profile, day number), in slot
    columns (macros/pipeline/sa_metric_events.sql: m1_ = the group's first metric, ...);
    profile-days with no qualifying event of any metric are dropped. Each table's profile-days
    are joined to the membership stays (int_metric_membership__stays) on their own, then the
    groups are union-all'ed: one join per table keeps each join's hash table the size of one
    table's profile-days (one join over the union of all tables builds one table as large as all
    of them, measurably slower). A row is one member's day: a profile's stays in one segment never
    overlap.
    Each table is scanned from the day the watermark gives it (sa_metric_scan_plan), as a literal
    so engines prune on the time column; when a pair resumes, a segment's stays join only the days
    from the first day it still needs (compute_from_day).
    Ephemeral: the profile-day rows are about as many as the events and the member-day rows more,
    so writing them would cost more than it saves; read by int_metric_events__segment_days. -#}
{%- set plan = sa_metric_scan_plan(ref('int_metric_coverage__watermarks')) -%}
{%- set slots = sa_metric_slots(plan['groups']) -%}
{%- set stays = ref('int_metric_membership__stays') -%}

{%- if plan['groups'] %}
with
{%- for group in plan['groups'] %}
{%- set metrics = group['metrics'] %}
{%- set time_col = adapter.quote(metrics[0]['unixtime_col']) %}
{%- set key_col = adapter.quote(metrics[0]['join_key']) %}
profile_days_{{ loop.index }} as (
    -- one scan of {{ group['source'] }}
    select
        cast({{ key_col }} as {{ sa_type_string() }}) as profile_id,
        {{ sa_epoch_to_day_number(time_col) }} as day_number
        {%- for slot in slots %},
        {{ sa_metric_profile_day_columns(metrics[loop.index0] if loop.index0 < metrics | length else none, slot) }}
        {%- endfor %}
    from {{ sa_metric_relation(group['source']) }}
    where {{ key_col }} is not null
      and {{ sa_time_range_predicate(time_col, group['start_epoch'], group['end_epoch'], group['start_date'], group['end_date']) }}
    group by 1, 2
    having {% for m in metrics %}{{ sa_metric_event_count(m) }} > 0{{ ' or ' if not loop.last }}{% endfor %}
){{ ',' if not loop.last }}
{%- endfor %}
{%- for group in plan['groups'] %}

select
    {{ loop.index }} as scan_group,
    membership_stays.segment_id,
    profile_days.*,
    coalesce(profile_days.day_number < membership_stays.backfilled_before_day, false) as is_backfilled
from profile_days_{{ loop.index }} as profile_days
inner join {{ stays }} as membership_stays
    on membership_stays.profile_id = profile_days.profile_id
    and (membership_stays.valid_from_day is null or profile_days.day_number >= membership_stays.valid_from_day)
    and (membership_stays.valid_to_day is null or profile_days.day_number < membership_stays.valid_to_day)
    {%- if plan['resumes'] %}
    and (membership_stays.compute_from_day is null or profile_days.day_number >= membership_stays.compute_from_day)
    {%- endif %}
{%- if not loop.last %}

union all
{%- endif %}
{%- endfor %}
{%- else %}
-- no metrics configured
select
    cast(null as integer) as scan_group,
    membership_stays.segment_id,
    membership_stays.profile_id,
    cast(null as {{ sa_type_bigint() }}) as day_number,
    cast(null as {{ sa_type_boolean() }}) as is_backfilled
from {{ stays }} as membership_stays
where 1 = 0
{%- endif %}
