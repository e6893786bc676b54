{#-
    Segment membership as intervals: one row per (segment, profile) stay, opened on the run date a
    profile is first a member, closed (dbt_valid_to) on the run date it is no longer one. A profile
    that comes back gets a new interval. Storage grows with membership *changes*, not with days:
    rows = current memberships + every closed stay (sizing: snapshots/_snapshots.yml).
    A selected segment whose membership is unknown this run (no usable member SQL, or its record
    could not be landed) keeps its open stays: unknown is not empty.
-#}
{% snapshot snp_segment_membership %}
{{ config(
    unique_key=['segment_id', 'profile_id'],
    strategy='versioned',
    check_cols=['ps_id'],
    hard_deletes='invalidate',
) }}
-- depends_on: {{ ref('int_segments__selected') }}
-- depends_on: {{ ref('stg_cdp__parent_segments') }}
-- depends_on: {{ source('cdp_landing', 'cdp_landing__pull_runs') }}

{% if history_snapshot_is_behind(this) %}

select segment_id, profile_id, ps_id
from {{ this }}
where dbt_valid_to is null

{% else %}

-- int_segment_members is unique per (segment, profile) (its test runs before this snapshot)
select
    cast(segment_id as {{ sa_type_string() }}) as segment_id,
    cast(profile_id as {{ sa_type_string() }}) as profile_id,
    cast(ps_id as {{ sa_type_string() }}) as ps_id
from {{ ref('int_segment_members') }}

{% if history_snapshot_exists(this) %}
-- membership unknown this run (no usable member SQL, or the record could not be landed):
-- keep the open stays rather than recording every member as having left
union all

select segment_id, profile_id, ps_id
from {{ this }}
where dbt_valid_to is null
    and (
        segment_id in (
            select segment_id from {{ ref('int_segments__selected') }}
            where is_selected and member_sql is null
        )
        or segment_id in {{ history_unusable_segment_ids(this) }}
    )
{% endif %}

{% endif %}

{% endsnapshot %}
