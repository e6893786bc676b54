{{ config(alias=sa_mart_alias('time_spine_day')) }}
{#- The semantic layer's daily time spine: one row per day from 2010-01-01 through 2039-12-31
    (10957 days), built from digits (no engine-specific series function); day numbers become dates
    through sa_day_number_to_date (macros/cross_engine/). MetricFlow joins to it for time grains. -#}

with digits as (
    select digit_values.digit from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as digit_values (digit)
),

day_offsets as (
    select
        ones.digit + 10 * tens.digit + 100 * hundreds.digit + 1000 * thousands.digit
        + 10000 * ten_thousands.digit as day_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    cross join digits as ten_thousands
)

select cast({{ sa_day_number_to_date('14610 + day_offset') }} as date) as date_day
from day_offsets
where day_offset < 10957
