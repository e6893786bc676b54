{{ config(alias=sa_mart_alias('ab_test_daily')) }}
{#- A/B test × arm × metric × day of the window: the readout as it stood at the end of each day
    (cumulative from the test start), so the report shows the estimate settling. The columns of
    fct_ab_test_results but computed_through, per event_date. -#}

select
    test_name,
    segment_id,
    segment_name,
    is_control,
    metric_name,
    event_date,
    members,
    metric_total,
    mean_per_member,
    lift,
    lift_ci_low,
    lift_ci_high,
    p_value,
    chance_to_beat_control,
    srm_p_value,
    backfilled_members > 0 as membership_backfilled
from {{ ref('int_ab_test__statistics') }}
