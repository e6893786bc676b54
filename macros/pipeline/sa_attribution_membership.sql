{#- Who counts as a member of a segment on an event day, per `membership_basis`. Returns a SELECT
    of one row per membership stay (segment_id, profile_id, valid_from_day, valid_to_day,
    backfilled_before_day), bounds as day numbers (sa_epoch_to_day_number): a profile's events on
    day d count for the segment when valid_from_day <= d < valid_to_day (null = open).
      point_in_time  the membership intervals of snapshots/snp_segment_membership (via
                     hist_membership_intervals). Days before a segment's membership history began
                     use its earliest known membership: each stay opened on the segment's first
                     history day is open towards the past, and an event day before that day
                     (d < backfilled_before_day) is flagged membership_backfilled. One row per stay
                     (not a second back-fill row), so the join to events is no larger than the
                     membership itself.
      current        today's members (int_segment_members) over every day: a cohort view. -#}
{% macro sa_attribution_membership() -%}
  {%- if sa_cfg()['membership_basis'] == 'current' -%}
    select
        segment_id,
        profile_id,
        cast(null as {{ sa_type_bigint() }}) as valid_from_day,
        cast(null as {{ sa_type_bigint() }}) as valid_to_day,
        cast(null as {{ sa_type_bigint() }}) as backfilled_before_day
    from {{ ref('int_segment_members') }}
  {%- else -%}
    select
        stays.segment_id,
        stays.profile_id,
        case
            when stays.valid_from_date > segment_history.history_start_date
                then {{ sa_date_to_day_number('stays.valid_from_date') }}
        end as valid_from_day,
        {{ sa_date_to_day_number('stays.valid_to_date') }} as valid_to_day,
        case
            when stays.valid_from_date = segment_history.history_start_date
                then {{ sa_date_to_day_number('stays.valid_from_date') }}
        end as backfilled_before_day
    from {{ ref('hist_membership_intervals') }} as stays
    inner join (
        select segment_id, min(valid_from_date) as history_start_date
        from {{ ref('hist_membership_intervals') }}
        group by segment_id
    ) as segment_history
        on segment_history.segment_id = stays.segment_id
  {%- endif -%}
{%- endmacro %}
