{{ config(alias=sa_relation_alias('int_ab_test__arms')) }}
{#- A/B test × arm (macros/experiments/sa_ab_tests.sql): the configured tests with each arm resolved
    to a selected segment (control first), its expected weight, and the test window as day numbers
    (start_day inclusive, end_day exclusive: never past the run date). -#}
{%- set plan = sa_ab_test_plan() -%}

with configured_arms as (
    select *
    from {{ sa_ab_test_arm_values(plan) }}
    where arm_count > 0
)

select
    configured_arms.test_name,
    configured_arms.arm_index,
    configured_arms.segment_id,
    selected_segments.segment_name,
    configured_arms.is_control,
    cast(configured_arms.expected_weight as {{ sa_type_double() }}) as expected_weight,
    configured_arms.arm_count,
    cast(configured_arms.start_day as {{ sa_type_bigint() }}) as start_day,
    cast(configured_arms.end_day as {{ sa_type_bigint() }}) as end_day,
    {{ sa_day_number_to_date('configured_arms.start_day') }} as start_date,
    case
        when configured_arms.end_day > configured_arms.start_day
            then {{ sa_day_number_to_date('configured_arms.end_day - 1') }}
    end as computed_through
from configured_arms
inner join {{ ref('int_segments__selected') }} as selected_segments
    on selected_segments.segment_id = configured_arms.segment_id
    and selected_segments.is_selected
