{{ config(materialized='ephemeral', sa_metrics_hash=sa_metrics_config_hash()) }}
{#- Scan group × segment × event day: the member days (int_metric_events__member_days) rolled up
    per (segment, day), with the scan group's metrics as slot columns
    (macros/pipeline/sa_metric_events.sql). Unique profiles per metric count the member rows with
    a qualifying event of that metric (one row per member and day); count_distinct metrics count
    distinct values over the members' arrays.
    Ephemeral: read once, by fct_segment_metrics_daily, which unpivots it. -#}
{%- set slots = sa_metric_slots(sa_metric_scan_groups()) -%}
{%- set member_days = ref('int_metric_events__member_days') -%}

with segment_days as (
    select
        scan_group,
        segment_id,
        day_number
        {%- for slot in slots %},
        {{ sa_metric_segment_day_columns(slot) }}
        {%- endfor %}
    from {{ member_days }}
    group by scan_group, segment_id, day_number
)
{%- for slot in slots if slot['distinct'] %}
{%- set m = 'm' ~ slot['index'] %},

{{ m }}_distinct_counts as (
    -- count_distinct metrics in slot {{ slot['index'] }}: distinct values over the members' arrays
    select
        member_days.scan_group,
        member_days.segment_id,
        member_days.day_number,
        {{ sa_count_distinct('unnested_values.distinct_value') }} as distinct_count
    from {{ member_days }} as member_days
    {{ sa_cross_join_unnest('member_days.' ~ m ~ '_distinct_values', 'unnested_values', 'distinct_value') }}
    where member_days.{{ m }}_distinct_values is not null
    group by member_days.scan_group, member_days.segment_id, member_days.day_number
)
{%- endfor %}

select
    segment_days.*
    {%- for slot in slots if slot['distinct'] %}
    {%- set m = 'm' ~ slot['index'] %},
    coalesce({{ m }}_distinct_counts.distinct_count, 0) as {{ m }}_distinct_count
    {%- endfor %}
from segment_days
{%- for slot in slots if slot['distinct'] %}
{%- set m = 'm' ~ slot['index'] %}
left join {{ m }}_distinct_counts
    on {{ m }}_distinct_counts.scan_group = segment_days.scan_group
    and {{ m }}_distinct_counts.segment_id = segment_days.segment_id
    and {{ m }}_distinct_counts.day_number = segment_days.day_number
{%- endfor %}
