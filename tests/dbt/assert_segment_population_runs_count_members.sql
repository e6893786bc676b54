-- The run date's member_count equals the members in int_segment_members, for the segments this
-- run selected (a re-run that could not land a segment keeps the row an earlier run recorded).
with member_counts as (
    select segment_id, count(*) as members
    from {{ ref('int_segment_members') }}
    group by segment_id
)

select tracker.segment_id, tracker.member_count, member_counts.members
from {{ ref('fct_segment_population_runs') }} as tracker
left join member_counts
    on member_counts.segment_id = tracker.segment_id
where tracker.run_date = cast({{ sa_string_literal(sa_run_date()) }} as date)
  and tracker.member_count is not null
  and tracker.segment_id in (select segment_id from {{ ref('int_segments__selected') }} where is_selected)
  and tracker.member_count <> coalesce(member_counts.members, 0)
