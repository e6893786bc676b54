{{ config(alias=sa_mart_alias('kpis_period_over_period')) }}
{#- <prefix>_kpis_period_over_period: per segment, KPI and period (a day, an ISO week from Monday, a
    calendar month: period_grain), the value beside the value a week, a month and a year earlier
    and the deltas. KPIs: every metric of <prefix>_metrics_daily (kpi_kind 'metric') and the
    population, profiles entered and profiles exited of <prefix>_population_daily (kpi_kind
    'population'; days before the segment's membership history began are left out).
    Earlier periods: day d against d − 7 days, the same day last month (clamped at the month's end:
    03-31 → 02-28) and the same day last year (02-29 → 02-28); a week against the week before and
    the week 52 weeks earlier (same weekdays); a month against the month before and the same month
    last year. The earlier value is the one recorded for exactly that period: a missing row (no
    qualifying event that day, a day outside the computed window, no population row) gives null,
    never 0 and never a carried-forward value.
    Week and month roll-ups come from the daily rows' additive parts only: count and sum metrics
    add up; min and max take the min and max; population is the last day's value, entered and
    exited add up; avg and count_distinct metrics get null (neither an average of daily averages
    nor a sum of daily distinct counts is the period's figure). profile_days is the sum of the daily
    unique profiles: a profile active on three days of a week counts three times, so
    value_per_profile_day is a value per active profile-day, not per distinct profile.
    A table, rebuilt every run from the two daily marts (which keep the history). -#}

with metric_days as (
    select
        segment_id,
        segment_name,
        ps_id,
        ps_name,
        event_date as period_start,
        cast('metric' as {{ sa_type_string() }}) as kpi_kind,
        metric_name as kpi_name,
        agg,
        cast(metric_value as {{ sa_type_double() }}) as kpi_value,
        cast(unique_profiles as {{ sa_type_bigint() }}) as profile_days
    from {{ ref('fct_segment_metrics_daily') }}
),

population_days as (
    select
        segment_id,
        segment_name,
        ps_id,
        ps_name,
        {{ adapter.quote('date') }} as period_start,
        population,
        entered,
        exited
    from {{ ref('fct_segment_population_daily') }}
    where population is not null
),

segment_names as (
    -- the newest name each segment had in either mart
    select
        segment_id,
        max_by(segment_name, period_start) as segment_name,
        max_by(ps_id, period_start) as ps_id,
        max_by(ps_name, period_start) as ps_name
    from (
        select segment_id, segment_name, ps_id, ps_name, period_start from metric_days
        union all
        select segment_id, segment_name, ps_id, ps_name, period_start from population_days
    ) as named_days
    group by segment_id
),

daily_kpis as (
    select segment_id, period_start, kpi_kind, kpi_name, agg, kpi_value, profile_days
    from metric_days
    union all
    select
        segment_id, period_start, cast('population' as {{ sa_type_string() }}) as kpi_kind,
        cast('population' as {{ sa_type_string() }}) as kpi_name, cast('last' as {{ sa_type_string() }}) as agg,
        cast(population as {{ sa_type_double() }}) as kpi_value,
        cast(null as {{ sa_type_bigint() }}) as profile_days
    from population_days
    union all
    select
        segment_id, period_start, cast('population' as {{ sa_type_string() }}) as kpi_kind,
        cast('entered' as {{ sa_type_string() }}) as kpi_name, cast('sum' as {{ sa_type_string() }}) as agg,
        cast(entered as {{ sa_type_double() }}) as kpi_value,
        cast(null as {{ sa_type_bigint() }}) as profile_days
    from population_days
    union all
    select
        segment_id, period_start, cast('population' as {{ sa_type_string() }}) as kpi_kind,
        cast('exited' as {{ sa_type_string() }}) as kpi_name, cast('sum' as {{ sa_type_string() }}) as agg,
        cast(exited as {{ sa_type_double() }}) as kpi_value,
        cast(null as {{ sa_type_bigint() }}) as profile_days
    from population_days
),

daily_periods as (
    select
        segment_id,
        cast('day' as {{ sa_type_string() }}) as period_grain,
        period_start,
        period_start as period_end,
        kpi_kind,
        kpi_name,
        agg,
        kpi_value,
        profile_days,
        cast(1 as {{ sa_type_bigint() }}) as days_with_data
    from daily_kpis
),
{%- for grain in ['week', 'month'] %}

{{ grain }}_days as (
    select daily_kpis.*, {{ sa_period_start(grain, 'period_start') }} as {{ grain }}_start
    from daily_kpis
),

{{ grain }}_periods as (
    -- the {{ grain }}'s value from the days' additive parts
    select
        segment_id,
        cast('{{ grain }}' as {{ sa_type_string() }}) as period_grain,
        {{ grain }}_start as period_start,
        {%- if grain == 'week' %}
        {{ sa_date_add_days(grain ~ '_start', 6) }} as period_end,
        {%- else %}
        {{ sa_date_add_days(sa_date_add_months(grain ~ '_start', 1), -1) }} as period_end,
        {%- endif %}
        kpi_kind,
        kpi_name,
        agg,
        case
            when agg in ('count', 'sum') then sum(kpi_value)
            when agg = 'min' then min(kpi_value)
            when agg = 'max' then max(kpi_value)
            when agg = 'last' then max_by(kpi_value, period_start)
        end as kpi_value,
        sum(profile_days) as profile_days,
        cast(count(*) as {{ sa_type_bigint() }}) as days_with_data
    from {{ grain }}_days
    group by segment_id, {{ grain }}_start, kpi_kind, kpi_name, agg
),
{%- endfor %}

all_periods as (
    select * from daily_periods
    union all
    select * from week_periods
    union all
    select * from month_periods
),

periods_with_comparisons as (
    select
        all_periods.*,
        case
            when all_periods.period_grain in ('day', 'week') then {{ sa_date_add_days('all_periods.period_start', -7) }}
        end as week_ago_date,
        case
            when all_periods.period_grain in ('day', 'month') then {{ sa_date_add_months('all_periods.period_start', -1) }}
        end as month_ago_date,
        case
            when all_periods.period_grain = 'week' then {{ sa_date_add_days('all_periods.period_start', -364) }}
            else {{ sa_date_add_months('all_periods.period_start', -12) }}
        end as year_ago_date
    from all_periods
)

select
    segment_names.ps_id,
    segment_names.ps_name,
    current_period.segment_id,
    segment_names.segment_name,
    current_period.period_grain,
    current_period.period_start,
    current_period.period_end,
    current_period.days_with_data,
    current_period.kpi_kind,
    current_period.kpi_name,
    current_period.agg,
    current_period.kpi_value,
    cast(current_period.profile_days as {{ sa_type_bigint() }}) as profile_days,
    cast(case
        when current_period.agg in ('count', 'sum') and current_period.kpi_kind = 'metric'
            then current_period.kpi_value / nullif(current_period.profile_days, 0)
    end as {{ sa_type_double() }}) as value_per_profile_day
    {%- for ago in ['week', 'month', 'year'] %},
    current_period.{{ ago }}_ago_date,
    {{ ago }}_ago.kpi_value as value_{{ ago }}_ago,
    current_period.kpi_value - {{ ago }}_ago.kpi_value as delta_{{ ago }}_ago,
    (current_period.kpi_value - {{ ago }}_ago.kpi_value) / nullif(abs({{ ago }}_ago.kpi_value), 0)
        as delta_{{ ago }}_ago_relative
    {%- endfor %}
from periods_with_comparisons as current_period
inner join segment_names
    on segment_names.segment_id = current_period.segment_id
{%- for ago in ['week', 'month', 'year'] %}
left join all_periods as {{ ago }}_ago
    on {{ ago }}_ago.segment_id = current_period.segment_id
    and {{ ago }}_ago.period_grain = current_period.period_grain
    and {{ ago }}_ago.kpi_kind = current_period.kpi_kind
    and {{ ago }}_ago.kpi_name = current_period.kpi_name
    and {{ ago }}_ago.period_start = current_period.{{ ago }}_ago_date
{%- endfor %}
