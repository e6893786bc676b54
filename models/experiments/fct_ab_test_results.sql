{{ config(alias=sa_mart_alias('ab_test_results')) }}
{#- A/B test × arm × metric: the readout over the whole window (through computed_through, the last
    day the test counts: the day before its end_date or before the run date), with the test's
    sample-ratio check and the profiles found in more than one of its arms. -#}

with final_days as (
    select statistics.*, test_arms.computed_through
    from {{ ref('int_ab_test__statistics') }} as statistics
    inner join {{ ref('int_ab_test__arms') }} as test_arms
        on test_arms.test_name = statistics.test_name
        and test_arms.segment_id = statistics.segment_id
    where statistics.event_date = test_arms.computed_through
),

members_in_arms as (
    select test_name, profile_id
    from {{ ref('int_ab_test__exposures') }}
    group by test_name, profile_id
    having count(*) > 1
),

multi_arm_profiles as (
    select test_name, count(*) as profiles_in_multiple_arms
    from members_in_arms
    group by test_name
)

select
    final_days.test_name,
    final_days.segment_id,
    final_days.segment_name,
    final_days.is_control,
    final_days.metric_name,
    final_days.computed_through,
    final_days.members,
    final_days.metric_total,
    final_days.mean_per_member,
    final_days.lift,
    final_days.lift_ci_low,
    final_days.lift_ci_high,
    final_days.p_value,
    final_days.chance_to_beat_control,
    final_days.srm_p_value,
    coalesce(multi_arm_profiles.profiles_in_multiple_arms, 0) as profiles_in_multiple_arms,
    final_days.backfilled_members > 0 as membership_backfilled
from final_days
left join multi_arm_profiles
    on multi_arm_profiles.test_name = final_days.test_name
