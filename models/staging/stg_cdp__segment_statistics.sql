{{ config(alias=sa_relation_alias('stg_cdp__segment_statistics')) }}
with landed_statistics as (
    select * from {{ source('cdp_landing', 'cdp_landing__segment_statistics') }}
)

select
    cast(ps_id as {{ sa_type_string() }}) as ps_id,
    cast(segment_id as {{ sa_type_string() }}) as segment_id,
    cast(stat_date as date) as stat_date,
    cast(population as {{ sa_type_bigint() }}) as population,
    cast(measured as {{ sa_type_boolean() }}) as measured,
    cast(fetched_at as {{ sa_type_timestamp() }}) as fetched_at
from landed_statistics
