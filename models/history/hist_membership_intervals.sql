{#- Membership stays with day bounds: member on day d when valid_from_date <= d < valid_to_date (or open). -#}
{{ config(materialized='ephemeral') }}

select
    segment_id,
    profile_id,
    ps_id,
    cast(dbt_valid_from as date) as valid_from_date,
    cast(dbt_valid_to as date) as valid_to_date
from {{ ref('snp_segment_membership') }}
