{#-
    <prefix>_population_daily: per segment per day, the member count from the membership
    intervals, the profiles that entered and exited that day, and the API's own population: from
    the pull of that run date, else from the statistics endpoint (back-filled days, with TD's
    `measured` flag; measured = false marks an imputed point).
    Days: every run date the segment was pulled, every statistics day, every day membership changed.
    population / entered / exited are null on days before the segment's membership history began.
    Computed from interval starts and ends (a running sum), never from daily copies of membership.
-#}
{{ config(alias=sa_mart_alias('population_daily')) }}

with membership_intervals as (
    select segment_id, valid_from_date, valid_to_date
    from {{ ref('hist_membership_intervals') }}
),

entries as (
    select segment_id, valid_from_date as population_date, count(*) as entered
    from membership_intervals
    group by segment_id, valid_from_date
),

exits as (
    select segment_id, valid_to_date as population_date, count(*) as exited
    from membership_intervals
    where valid_to_date is not null
    group by segment_id, valid_to_date
),

membership_start as (
    select segment_id, min(valid_from_date) as first_membership_date
    from membership_intervals
    group by segment_id
),

pulled_populations as (
    select segment_id, run_date as population_date, api_population
    from {{ ref('hist_api_populations') }}
),

statistics_ranked as (
    select
        segment_id,
        stat_date as population_date,
        population,
        measured,
        row_number() over (
            partition by segment_id, stat_date
            order by fetched_at desc
        ) as recency
    from {{ ref('stg_cdp__segment_statistics') }}
),

statistics_populations as (
    select segment_id, population_date, population as api_population, measured
    from statistics_ranked
    where recency = 1
),

segment_days as (
    select segment_id, population_date from entries
    union
    select segment_id, population_date from exits
    union
    select segment_id, population_date from pulled_populations
    union
    select segment_id, population_date from statistics_populations
),

membership_changes as (
    select
        d.segment_id,
        d.population_date,
        coalesce(e.entered, 0) as entered,
        coalesce(x.exited, 0) as exited,
        s.first_membership_date
    from segment_days as d
    left join entries as e
        on e.segment_id = d.segment_id and e.population_date = d.population_date
    left join exits as x
        on x.segment_id = d.segment_id and x.population_date = d.population_date
    left join membership_start as s
        on s.segment_id = d.segment_id
),

membership_daily as (
    select
        segment_id,
        population_date,
        first_membership_date,
        entered,
        exited,
        sum(entered - exited) over (
            partition by segment_id
            order by population_date
            rows between unbounded preceding and current row
        ) as running_population
    from membership_changes
),

latest_segment_names as (
    select segment_id, segment_name, ps_id, ps_name, folder_id, folder_name
    from (
        select
            *,
            row_number() over (partition by segment_id order by version desc) as recency
        from {{ ref('hist_rule_versions') }}
    ) as versions
    where recency = 1
)

select
    m.segment_id,
    n.segment_name,
    n.ps_id,
    n.ps_name,
    n.folder_id,
    n.folder_name,
    m.population_date as {{ adapter.quote('date') }},
    cast(case when m.population_date >= m.first_membership_date then m.running_population end as {{ sa_type_bigint() }}) as population,
    case when m.population_date >= m.first_membership_date then m.entered end as entered,
    case when m.population_date >= m.first_membership_date then m.exited end as exited,
    coalesce(p.api_population, s.api_population) as api_population,
    case
        when p.api_population is not null then 'pull'
        when s.api_population is not null then 'statistics'
    end as api_population_source,
    case
        when p.api_population is not null then true
        when s.api_population is not null then s.measured
    end as api_population_measured
from membership_daily as m
left join latest_segment_names as n
    on n.segment_id = m.segment_id
left join pulled_populations as p
    on p.segment_id = m.segment_id and p.population_date = m.population_date
left join statistics_populations as s
    on s.segment_id = m.segment_id and s.population_date = m.population_date
