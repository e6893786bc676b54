{{ config(alias=sa_relation_alias('stg_cdp__segments')) }}
with landed_pull as (
    -- the latest completed pull: rows of a pull still being written (or killed) never show
    {{ sa_landed_pull() }}
),

landed_segments as (
    select * from {{ source('cdp_landing', 'cdp_landing__segments') }}
    where cast(pull_id as {{ sa_type_string() }}) in (select pull_id from landed_pull)
)

select
    cast(segment_id as {{ sa_type_string() }}) as segment_id,
    cast(ps_id as {{ sa_type_string() }}) as ps_id,
    cast(folder_id as {{ sa_type_string() }}) as folder_id,
    cast(segment_name as {{ sa_type_string() }}) as segment_name,
    lower(cast(api_version as {{ sa_type_string() }})) as api_version,
    cast(segment_kind as {{ sa_type_string() }}) as segment_kind,
    cast(realtime as {{ sa_type_boolean() }}) as realtime,
    cast(population as {{ sa_type_bigint() }}) as population,
    cast(rule_json as {{ sa_type_string() }}) as rule_json,
    cast(rule_hash as {{ sa_type_string() }}) as rule_hash,
    cast(rule_conditions as {{ sa_type_string() }}) as rule_conditions,
    cast(created_at as {{ sa_type_string() }}) as created_at,
    cast(updated_at as {{ sa_type_string() }}) as updated_at,
    cast(updated_by as {{ sa_type_string() }}) as updated_by,
    cast(payload_hash as {{ sa_type_string() }}) as payload_hash,
    cast(pull_id as {{ sa_type_string() }}) as pull_id,
    cast(run_date as date) as run_date,
    cast(fetched_at as {{ sa_type_timestamp() }}) as fetched_at
from landed_segments
