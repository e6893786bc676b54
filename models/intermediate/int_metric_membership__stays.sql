{{ config(materialized='ephemeral') }}
{#- Selected segment × profile × membership stay: who counts as a member of a segment on an event
    day, per `membership_basis` (sa_attribution_membership: point_in_time, the membership
    snapshot's intervals, open towards the past from the segment's first history day; current,
    today's members over every day), for the segments the watermark plans
    (int_metric_coverage__watermarks), with the first day each still needs.
    A segment whose every metric resumes needs only the days from the earliest of them
    (compute_from_day), so its stays that ended before it are dropped; null compute_from_day =
    every day of the window.
    Ephemeral: read by int_metric_events__member_days, once per behaviour table. -#}

with segment_compute_from as (
    -- per planned segment, the first day it still needs for any metric; null (every day) when
    -- one of its metrics does not resume
    select
        segment_id,
        case
            when count(resume_from_date) = count(*)
                then min({{ sa_date_to_day_number('resume_from_date') }})
        end as compute_from_day
    from {{ ref('int_metric_coverage__watermarks') }}
    where is_planned
    group by segment_id
)

select
    attribution_membership.segment_id,
    attribution_membership.profile_id,
    attribution_membership.valid_from_day,
    attribution_membership.valid_to_day,
    attribution_membership.backfilled_before_day,
    segment_compute_from.compute_from_day
from ({{ sa_attribution_membership() }}) as attribution_membership
inner join segment_compute_from
    on segment_compute_from.segment_id = attribution_membership.segment_id
where segment_compute_from.compute_from_day is null
   or attribution_membership.valid_to_day is null
   or attribution_membership.valid_to_day > segment_compute_from.compute_from_day
