{#-
    Segment membership as intervals: one row per (segment, profile) stay, opened on the run date a
    profile is first a member, closed (dbt_valid_to) on the run date it is no longer one. A profile
    that comes back gets a new interval. Storage grows with membership *changes*, not with days:
    rows = current memberships + every closed stay (sizing: snapshots/_snapshots.yml).
-#}
{% snapshot snp_segment_membership %}
{{ config(
    unique_key=['segment_id', 'profile_id'],
    strategy='versioned',
    check_cols=['ps_id'],
    hard_deletes='invalidate',
) }}

{% if history_snapshot_is_behind(this) %}

select segment_id, profile_id, ps_id
from {{ this }}
where dbt_valid_to is null

{% else %}

select distinct
    cast(segment_id as {{ sa_type_string() }}) as segment_id,
    cast(profile_id as {{ sa_type_string() }}) as profile_id,
    cast(ps_id as {{ sa_type_string() }}) as ps_id
from {{ ref('int_segment_members') }}

{% endif %}

{% endsnapshot %}
