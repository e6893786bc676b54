{#- Who counts as a member of a segment on an event day, per `membership_basis`. Returns a SELECT
    of (segment_id, profile_id, valid_from_date, valid_to_date, membership_backfilled): a profile's
    events on day d count for the segment when valid_from_date <= d < valid_to_date (null = open).
      point_in_time  the membership intervals of snapshots/snp_segment_membership (via
                     hist_membership_intervals); days before a segment's membership history began
                     use its earliest known membership, flagged membership_backfilled.
      current        today's members (int_segment_members) over every day: a cohort view. -#}
{% macro sa_attribution_membership() -%}
  {%- if sa_cfg()['membership_basis'] == 'current' -%}
    select
        segment_id,
        profile_id,
        cast(null as date) as valid_from_date,
        cast(null as date) as valid_to_date,
        false as membership_backfilled
    from {{ ref('int_segment_members') }}
  {%- else -%}
    select
        segment_id,
        profile_id,
        valid_from_date,
        valid_to_date,
        false as membership_backfilled
    from {{ ref('hist_membership_intervals') }}
    union all
    select
        earliest_stays.segment_id,
        earliest_stays.profile_id,
        cast(null as date) as valid_from_date,
        earliest_stays.valid_from_date as valid_to_date,
        true as membership_backfilled
    from {{ ref('hist_membership_intervals') }} as earliest_stays
    inner join (
        select segment_id, min(valid_from_date) as history_start_date
        from {{ ref('hist_membership_intervals') }}
        group by segment_id
    ) as segment_history
        on segment_history.segment_id = earliest_stays.segment_id
        and segment_history.history_start_date = earliest_stays.valid_from_date
  {%- endif -%}
{%- endmacro %}
