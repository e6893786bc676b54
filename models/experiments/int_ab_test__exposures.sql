{{ config(alias=sa_relation_alias('int_ab_test__exposures')) }}
{#- A/B test × arm × member: a profile of the arm's segment on any day of the test window, per
    `membership_basis` (sa_attribution_membership, the metric pipeline's rule: days before a
    segment's membership history began count with its earliest known membership). exposure_day is
    the later of the test start and the profile's first day in the segment within the window;
    is_backfilled when that day is before the segment's membership history began. -#}

with test_arms as (
    select test_name, segment_id, start_day, end_day
    from {{ ref('int_ab_test__arms') }}
),

membership_stays as (
    {{ sa_attribution_membership() }}
),

arm_stays as (
    -- each stay that overlaps the window, from the day it starts counting
    select
        test_arms.test_name,
        test_arms.segment_id,
        membership_stays.profile_id,
        test_arms.end_day,
        greatest(test_arms.start_day, coalesce(membership_stays.valid_from_day, test_arms.start_day)) as stay_exposure_day,
        membership_stays.backfilled_before_day
    from test_arms
    inner join membership_stays
        on membership_stays.segment_id = test_arms.segment_id
    where test_arms.end_day > test_arms.start_day
      and (membership_stays.valid_from_day is null or membership_stays.valid_from_day < test_arms.end_day)
      and (membership_stays.valid_to_day is null or membership_stays.valid_to_day > test_arms.start_day)
)

select
    test_name,
    segment_id,
    profile_id,
    min(stay_exposure_day) as exposure_day,
    max(end_day) as end_day,
    bool_or(coalesce(stay_exposure_day < backfilled_before_day, false)) as is_backfilled
from arm_stays
group by test_name, segment_id, profile_id
