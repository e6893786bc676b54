{{ config(alias=sa_relation_alias('int_ab_test__statistics')) }}
{#- A/B test × arm × metric × day: the cumulative readout through that day, from the aggregates of
    int_ab_test__arm_days only (n, Σx, Σx²), so it runs unchanged on any engine at any scale. For a
    variant against its test's control (m = mean per member, s² = sample variance with n - 1):
      lift                      m_v / m_c - 1
      lift_ci_low / _high       lift ± 1.959964 √(s_v²/(n_v m_c²) + m_v² s_c²/(n_c m_c⁴)) (delta method)
      p_value                   Welch's t-test, two-sided, Welch–Satterthwaite degrees of freedom
      chance_to_beat_control    Φ((m_v - m_c) / √(s_v²/n_v + s_c²/n_c)) (normal approximation)
    and per test and day srm_p_value: chi-square test of the arms' members against expected_split.
    Statistics are for count and sum metrics; avg, min and max get their totals (metric_total),
    count_distinct none; their statistics are null, as are the control's and those an arm with
    fewer than 2 members, a zero control mean or zero variance in both arms leaves undefined.
    Distribution functions: macros/experiments/sa_ab_distributions.sql. -#}
/* depends_on: {{ ref('int_segments__selected') }} */
{%- set plan = sa_ab_test_plan() -%}

with arm_days as (
    select
        arm_days.*,
        test_arms.segment_name,
        test_arms.is_control,
        test_arms.arm_index,
        test_arms.arm_count,
        test_arms.expected_weight,
        cast(arm_days.members as {{ sa_type_double() }}) as n,
        arm_days.agg in ('count', 'sum') as has_statistics,
        arm_days.metric_name = min(arm_days.metric_name) over (partition by arm_days.test_name) as counts_members
    from {{ ref('int_ab_test__arm_days') }} as arm_days
    inner join {{ ref('int_ab_test__arms') }} as test_arms
        on test_arms.test_name = arm_days.test_name
        and test_arms.segment_id = arm_days.segment_id
),

arm_moments as (
    select
        arm_days.*,
        case when arm_days.has_statistics and arm_days.n > 0 then arm_days.sum_x / arm_days.n end as mean_x,
        case
            when arm_days.has_statistics and arm_days.n > 1
                then greatest((arm_days.sum_x2 - arm_days.sum_x * arm_days.sum_x / arm_days.n) / (arm_days.n - 1e0), 0e0)
        end as variance_x
    from arm_days
),

srm_inputs as (
    -- per test and day: each arm's members against its expected share (one metric's rows suffice)
    select
        test_name,
        day_number,
        max(arm_count) - 1 as srm_df,
        sum(n) as total_members,
        sum(expected_weight) as total_weight
    from arm_moments
    where counts_members
    group by test_name, day_number
),

srm_statistics as (
    select
        srm_inputs.test_name,
        srm_inputs.day_number,
        srm_inputs.srm_df,
        case
            when srm_inputs.total_members > 0 then sum(
                (arm_moments.n - srm_inputs.total_members * arm_moments.expected_weight / srm_inputs.total_weight)
                * (arm_moments.n - srm_inputs.total_members * arm_moments.expected_weight / srm_inputs.total_weight)
                / (srm_inputs.total_members * arm_moments.expected_weight / srm_inputs.total_weight))
        end as srm_chi_square
    from srm_inputs
    inner join arm_moments
        on arm_moments.test_name = srm_inputs.test_name
        and arm_moments.day_number = srm_inputs.day_number
        and arm_moments.counts_members
    group by srm_inputs.test_name, srm_inputs.day_number, srm_inputs.srm_df, srm_inputs.total_members
),

versus_control as (
    select
        variant.*,
        control.n as control_n,
        control.mean_x as control_mean,
        control.variance_x as control_variance,
        variant.variance_x / variant.n + control.variance_x / control.n as diff_variance
    from arm_moments as variant
    inner join arm_moments as control
        on control.test_name = variant.test_name
        and control.metric_name = variant.metric_name
        and control.day_number = variant.day_number
        and control.is_control
),

test_inputs as (
    select
        versus_control.*,
        case
            when not versus_control.is_control and versus_control.diff_variance > 0
                then (versus_control.mean_x - versus_control.control_mean) / sqrt(versus_control.diff_variance)
        end as t_statistic,
        case
            when not versus_control.is_control and versus_control.diff_variance > 0
                then versus_control.diff_variance * versus_control.diff_variance / (
                    (versus_control.variance_x / versus_control.n) * (versus_control.variance_x / versus_control.n) / (versus_control.n - 1e0)
                    + (versus_control.control_variance / versus_control.control_n) * (versus_control.control_variance / versus_control.control_n)
                    / (versus_control.control_n - 1e0))
        end as welch_df,
        case
            when not versus_control.is_control and versus_control.control_mean <> 0
                then versus_control.mean_x / versus_control.control_mean - 1e0
        end as lift_estimate,
        case
            when not versus_control.is_control and versus_control.control_mean <> 0
                then sqrt(versus_control.variance_x / (versus_control.n * versus_control.control_mean * versus_control.control_mean)
                          + versus_control.mean_x * versus_control.mean_x * versus_control.control_variance
                          / (versus_control.control_n * versus_control.control_mean * versus_control.control_mean
                             * versus_control.control_mean * versus_control.control_mean))
        end as lift_standard_error
    from versus_control
)

select
    test_inputs.test_name,
    test_inputs.segment_id,
    test_inputs.segment_name,
    test_inputs.is_control,
    test_inputs.arm_index,
    test_inputs.metric_name,
    test_inputs.agg,
    test_inputs.day_number,
    test_inputs.event_date,
    test_inputs.members,
    test_inputs.backfilled_members,
    cast(case test_inputs.agg
        when 'count' then test_inputs.sum_x
        when 'sum' then test_inputs.sum_x
        when 'avg' then test_inputs.value_sum / nullif(test_inputs.event_count, 0)
        when 'min' then test_inputs.value_min
        when 'max' then test_inputs.value_max
    end as {{ sa_type_double() }}) as metric_total,
    test_inputs.mean_x as mean_per_member,
    test_inputs.sum_x,
    test_inputs.sum_x2,
    test_inputs.lift_estimate as lift,
    test_inputs.lift_estimate - 1.959964e0 * test_inputs.lift_standard_error as lift_ci_low,
    test_inputs.lift_estimate + 1.959964e0 * test_inputs.lift_standard_error as lift_ci_high,
    {{ sa_student_t_two_sided_p('test_inputs.t_statistic', 'test_inputs.welch_df') }} as p_value,
    case when test_inputs.t_statistic is not null then {{ sa_normal_cdf('test_inputs.t_statistic') }} end as chance_to_beat_control,
    {{ sa_chi_square_sf('srm_statistics.srm_chi_square', 'srm_statistics.srm_df', plan['max_arms'] - 1) }} as srm_p_value
from test_inputs
left join srm_statistics
    on srm_statistics.test_name = test_inputs.test_name
    and srm_statistics.day_number = test_inputs.day_number
