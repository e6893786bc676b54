{{ config(alias=sa_relation_alias('stg_cdp__folders')) }}
with landed_pull as (
    -- the latest completed pull: rows of a pull still being written (or killed) never show
    {{ sa_landed_pull() }}
),

landed_folders as (
    select * from {{ source('cdp_landing', 'cdp_landing__folders') }}
    where cast(pull_id as {{ sa_type_string() }}) in (select pull_id from landed_pull)
)

select
    cast(folder_id as {{ sa_type_string() }}) as folder_id,
    cast(ps_id as {{ sa_type_string() }}) as ps_id,
    cast(parent_folder_id as {{ sa_type_string() }}) as parent_folder_id,
    cast(folder_name as {{ sa_type_string() }}) as folder_name,
    lower(cast(api_version as {{ sa_type_string() }})) as api_version,
    cast(payload_hash as {{ sa_type_string() }}) as payload_hash,
    cast(pull_id as {{ sa_type_string() }}) as pull_id,
    cast(run_date as date) as run_date,
    cast(fetched_at as {{ sa_type_timestamp() }}) as fetched_at
from landed_folders
