{{ config(alias=sa_relation_alias('stg_cdp__parent_segments')) }}
with landed_pull as (
    -- the latest completed pull: rows of a pull still being written (or killed) never show
    {{ sa_landed_pull() }}
),

landed_parent_segments as (
    select * from {{ source('cdp_landing', 'cdp_landing__parent_segments') }}
    where cast(pull_id as {{ sa_type_string() }}) in (select pull_id from landed_pull)
)

select
    cast(ps_id as {{ sa_type_string() }}) as ps_id,
    cast(ps_name as {{ sa_type_string() }}) as ps_name,
    lower(cast(api_version as {{ sa_type_string() }})) as api_version,
    cast(root_folder_id as {{ sa_type_string() }}) as root_folder_id,
    cast(population as {{ sa_type_bigint() }}) as population,
    cast(timezone as {{ sa_type_string() }}) as timezone,
    cast(updated_at as {{ sa_type_string() }}) as updated_at,
    cast(payload_hash as {{ sa_type_string() }}) as payload_hash,
    cast(pull_id as {{ sa_type_string() }}) as pull_id,
    cast(run_date as date) as run_date,
    cast(fetched_at as {{ sa_type_timestamp() }}) as fetched_at
from landed_parent_segments
