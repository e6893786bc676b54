{{ config(severity='warn') }}
-- Selected segments without member SQL get no members and no metrics; warn with the reason.
select segment_id, segment_name, member_sql_problem
from {{ ref('int_segments__selected') }}
where is_selected and member_sql is null
