{#-
    Every rule version of every segment, numbered per segment (1 = first seen), with the version
    before it and what happened after it. The one place versions are numbered and classified.
-#}
{{ config(alias=sa_relation_alias('hist_rule_versions')) }}

with snapshot_rows as (
    select
        segment_id,
        ps_id,
        ps_name,
        folder_id,
        folder_name,
        segment_name,
        api_version,
        rule_json,
        rule_conditions,
        rule_hash,
        segment_sql,
        updated_at,
        updated_by,
        population,
        dbt_valid_from as valid_from,
        dbt_valid_to as valid_to
    from {{ ref('snp_segment_rules') }}
),

numbered as (
    select
        *,
        row_number() over (
            partition by segment_id
            order by valid_from, case when valid_to is null then 1 else 0 end, valid_to
        ) as version
    from snapshot_rows
),

with_neighbours as (
    select
        *,
        lag(rule_hash) over (partition by segment_id order by version) as previous_rule_hash,
        lag(rule_conditions) over (partition by segment_id order by version) as previous_rule_conditions,
        lag(valid_to) over (partition by segment_id order by version) as previous_valid_to,
        lead(valid_from) over (partition by segment_id order by version) as next_valid_from
    from numbered
)

select
    segment_id,
    version,
    ps_id,
    ps_name,
    folder_id,
    folder_name,
    segment_name,
    api_version,
    rule_json,
    rule_conditions,
    rule_hash,
    segment_sql,
    updated_at,
    updated_by,
    population,
    valid_from,
    valid_to,
    cast(valid_from as date) as valid_from_date,
    cast(valid_to as date) as valid_to_date,
    valid_to is null as is_current,
    previous_rule_hash,
    previous_rule_conditions,
    -- an edit: a version whose rule differs from the version before it
    (previous_rule_hash is not null and previous_rule_hash <> rule_hash) as is_edit,
    -- deleted: closed, and no version starts the day it was closed
    case
        when valid_to is not null and (next_valid_from is null or next_valid_from > valid_to)
            then valid_to
    end as deleted_at,
    next_valid_from
from with_neighbours
