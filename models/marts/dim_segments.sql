{{ config(alias=sa_mart_alias('ps_stats')) }}
{#- Account summary: one row per landed segment with its parent segment and folder (the original's
    column names), its folder path, realtime flag, rule hash and whether the filters select it. -#}

with segments as (
    select * from {{ ref('int_segments__selected') }}
)

select
    ps_id,
    ps_name,
    ps_population,
    case when ps_api_version = 'v5' then 1 else 0 end as v5_flag,
    folder_id,
    folder_name,
    folder_path,
    segment_id,
    segment_name,
    segment_population,
    segment_kind as segment_type,
    realtime,
    rule_hash,
    is_selected,
    -- a selected segment whose member SQL is unusable: no membership or metrics this run, and why
    case when is_selected then member_sql_problem end as member_sql_problem,
    cast({{ sa_string_literal(sa_run_date()) }} as date) as run_date
from segments
