{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='run_date',
    full_refresh=false,
    alias=sa_mart_alias('population_tracker'),
) }}
{#- One row per selected segment per run date: the API's population and the computed member count.
    Incremental on run_date with delete+insert: re-running a day replaces that day's rows (all of
    them, so a segment gone since is not left behind); full_refresh=false, so --full-refresh never
    erases earlier days. -#}

with selected_segments as (
    select * from {{ ref('int_segments__selected') }}
    where is_selected
),

member_counts as (
    select segment_id, count(*) as member_count
    from {{ ref('int_segment_members') }}
    group by segment_id
)

select
    cast({{ sa_string_literal(sa_run_date()) }} as date) as run_date,
    selected_segments.ps_id,
    selected_segments.ps_name,
    selected_segments.ps_population,
    selected_segments.segment_id,
    selected_segments.segment_name,
    selected_segments.segment_population,
    cast(case
        when selected_segments.member_sql is null then null
        else coalesce(member_counts.member_count, 0)
    end as {{ sa_type_bigint() }}) as member_count
from selected_segments
left join member_counts
    on member_counts.segment_id = selected_segments.segment_id
