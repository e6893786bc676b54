{#-
    Segment membership as intervals: one row per (segment, profile) stay, opened on the run date a
    profile is first a member, closed (dbt_valid_to) on the run date it is no longer one. A profile
    that comes back gets a new interval. Storage grows with membership *changes*, not with days:
    rows = current memberships + every closed stay (sizing: snapshots/_snapshots.yml).

    Unknown is not empty. Membership is known this run only for the selected segments with usable
    member SQL (int_segment_members); every other segment keeps its open stays unchanged: its
    parent segment not landed (out of `filters.v5_flag`'s scope, unusable, 403), its record not
    landed, no usable member SQL, or not selected by the filters. Its stays are closed only when
    the rule history has closed the segment as deleted (snp_segment_rules: the API reported it
    gone, macros/history/sa_known_deleted.sql), so both histories share one notion of "deleted".
-#}
{% snapshot snp_segment_membership %}
{{ config(
    alias=sa_relation_alias('snp_segment_membership'),
    unique_key=['segment_id', 'profile_id'],
    check_cols=['ps_id'],
) }}
-- strategy 'versioned' and hard_deletes 'invalidate': the snapshots folder's config (dbt_project.yml)
-- depends_on: {{ ref('int_segments__selected') }}
-- depends_on: {{ ref('snp_segment_rules') }}

{% if sa_history_snapshot_is_behind(this) %}

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

{% if sa_history_snapshot_exists(this) %}
-- membership not known this run: keep the open stays, unless the segment was deleted
union all

select segment_id, profile_id, ps_id
from {{ this }}
where dbt_valid_to is null
    and segment_id not in (
        select segment_id from {{ ref('int_segments__selected') }}
        where is_selected and member_sql is not null and segment_id is not null
    )
    and segment_id not in (
        {{ sa_history_deleted_segments(ref('snp_segment_rules')) }}
    )
{% endif %}

{% endif %}

{% endsnapshot %}
