{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='run_date',
    full_refresh=false,
    alias=sa_mart_alias('population_tracker'),
) }}
{#- One row per selected segment per run date: the API's population and the computed member count.
    Incremental on run_date with delete+insert: re-running a day replaces that day's rows (all of
    them, so a segment deleted since is not left behind), except that a segment the re-run could
    not land (unknown, not deleted: macros/history/sa_known_deleted.sql) keeps the row the earlier run
    of that day recorded; full_refresh=false, so --full-refresh never erases earlier days. -#}
-- depends_on: {{ ref('stg_cdp__segments') }}
-- depends_on: {{ ref('snp_segment_rules') }}

with selected_segments as (
    select * from {{ ref('int_segments__selected') }}
    where is_selected
),

member_counts as (
    select segment_id, count(*) as member_count
    from {{ ref('int_segment_members') }}
    group by segment_id
),

tracked_today as (
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
)

select * from tracked_today
{#- without the rule snapshot (a plain `dbt run`) deletions are unknown: the day's rows are replaced -#}
{%- if is_incremental() and sa_history_snapshot_exists(ref('snp_segment_rules')) %}

union all

-- recorded earlier for this run date, for segments this run could not land (and not deleted)
select
    run_date, ps_id, ps_name, ps_population, segment_id, segment_name, segment_population, member_count
from {{ this }}
where run_date = cast({{ sa_string_literal(sa_run_date()) }} as date)
    and segment_id not in (select segment_id from {{ ref('stg_cdp__segments') }} where segment_id is not null)
    and segment_id not in ({{ sa_history_deleted_segments(ref('snp_segment_rules')) }})
{%- endif %}
