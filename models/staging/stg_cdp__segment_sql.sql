{{ config(alias=sa_relation_alias('stg_cdp__segment_sql')) }}
with landed_segment_sql as (
    select * from {{ source('cdp_landing', 'cdp_landing__segment_sql') }}
)

select
    cast(ps_id as {{ sa_type_string() }}) as ps_id,
    cast(rule_hash as {{ sa_type_string() }}) as rule_hash,
    lower(cast(sql_source as {{ sa_type_string() }})) as sql_source,
    lower(cast(dialect as {{ sa_type_string() }})) as dialect,
    cast(segment_sql as {{ sa_type_string() }}) as segment_sql,
    cast(error as {{ sa_type_string() }}) as sql_error,
    cast(fetched_at as {{ sa_type_timestamp() }}) as fetched_at
from landed_segment_sql
