{{ config(alias=sa_mart_alias('final_metrics_table'), sa_metrics_hash=sa_metrics_config_hash()) }}
{#- Segment × event day (wide): for every configured metric <metric>_total (metric_value),
    <metric>_unique (unique_profiles) and <metric>_avg (avg_per_profile), generated from the vars;
    plus segment_population and the original's query_change flag. -#}
{%- set cfg = sa_cfg() -%}

with metrics_daily as (
    -- configured metrics only (the daily history may still hold rows of metrics removed since)
    select * from {{ ref('fct_segment_metrics_daily') }}
    {%- if cfg['metrics'] %}
    where metric_name in (
        {%- for m in cfg['metrics'] %}{{ sa_string_literal(m['metric']) }}{{ ', ' if not loop.last }}{% endfor -%}
    )
    {%- endif %}
),

segment_labels as (
    -- today's names for landed segments; for segments deleted since, the names their rows carry
    select
        history_labels.segment_id,
        coalesce(current_labels.ps_id, history_labels.ps_id) as ps_id,
        coalesce(current_labels.ps_name, history_labels.ps_name) as ps_name,
        coalesce(current_labels.folder_id, history_labels.folder_id) as folder_id,
        coalesce(current_labels.folder_name, history_labels.folder_name) as folder_name,
        coalesce(current_labels.segment_name, history_labels.segment_name) as segment_name
    from (
        select segment_id, max(ps_id) as ps_id, max(ps_name) as ps_name, max(folder_id) as folder_id,
               max(folder_name) as folder_name, max(segment_name) as segment_name
        from metrics_daily
        group by segment_id
    ) as history_labels
    left join {{ ref('int_segments__selected') }} as current_labels
        on current_labels.segment_id = history_labels.segment_id
),

segment_days as (
    select
        segment_id,
        event_date,
        bool_or(membership_backfilled) as membership_backfilled
        {%- for m in cfg['metrics'] %},
        max(case when metric_name = {{ sa_string_literal(m['metric']) }} then metric_value end) as {{ m['metric'] }}_total,
        max(case when metric_name = {{ sa_string_literal(m['metric']) }} then unique_profiles end) as {{ m['metric'] }}_unique,
        max(case when metric_name = {{ sa_string_literal(m['metric']) }} then avg_per_profile end) as {{ m['metric'] }}_avg
        {%- endfor %}
    from metrics_daily
    group by segment_id, event_date
),

{%- if cfg['membership_basis'] == 'current' %}

member_counts as (
    select segment_id, count(*) as member_count
    from {{ ref('int_segment_members') }}
    group by segment_id
),

segment_day_population as (
    -- current basis: today's member count on every day
    select
        segment_days.segment_id,
        segment_days.event_date,
        coalesce(member_counts.member_count, 0) as segment_population
    from segment_days
    left join member_counts
        on member_counts.segment_id = segment_days.segment_id
),
{%- else %}

population_changes as (
    select segment_id, {{ adapter.quote('date') }} as population_date, population
    from {{ ref('fct_segment_population_daily') }}
    where population is not null
),

population_as_of as (
    -- point in time: the population on the latest day at or before the event day; before the
    -- segment's membership history began, its earliest known population (backfilled)
    select
        segment_days.segment_id,
        segment_days.event_date,
        population_changes.population,
        row_number() over (
            partition by segment_days.segment_id, segment_days.event_date
            order by
                case when population_changes.population_date <= segment_days.event_date then 0 else 1 end,
                case when population_changes.population_date <= segment_days.event_date
                    then {{ sa_date_to_epoch('population_changes.population_date') }}
                    else -{{ sa_date_to_epoch('population_changes.population_date') }} end desc
        ) as recency
    from segment_days
    inner join population_changes
        on population_changes.segment_id = segment_days.segment_id
),

segment_day_population as (
    select segment_id, event_date, population as segment_population
    from population_as_of
    where recency = 1
),
{%- endif %}

rule_changes as (
    select segment_id, run_date, max(query_change) as query_change
    from {{ ref('hist_query_change') }}
    group by segment_id, run_date
)

select
    segment_labels.ps_id,
    segment_labels.ps_name,
    segment_labels.folder_id,
    segment_labels.folder_name,
    segment_days.segment_id,
    segment_labels.segment_name,
    segment_days.event_date,
    cast(segment_day_population.segment_population as {{ sa_type_bigint() }}) as segment_population,
    cast(coalesce(rule_changes.query_change, 0) as integer) as query_change,
    segment_days.membership_backfilled
    {%- for m in cfg['metrics'] %},
    segment_days.{{ m['metric'] }}_total,
    segment_days.{{ m['metric'] }}_unique,
    segment_days.{{ m['metric'] }}_avg
    {%- endfor %}
from segment_days
inner join segment_labels
    on segment_labels.segment_id = segment_days.segment_id
left join segment_day_population
    on segment_day_population.segment_id = segment_days.segment_id
    and segment_day_population.event_date = segment_days.event_date
left join rule_changes
    on rule_changes.segment_id = segment_days.segment_id
    and rule_changes.run_date = segment_days.event_date
