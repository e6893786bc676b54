{{ config(materialized='sa_batched_table', alias=sa_relation_alias('int_segment_members')) }}
{#- Segment × profile for the selected segments at the run date: each segment's member SQL wrapped
    as `select <profile_id_column> from (<sql>) s`, union-all'ed in as few statements as the
    engine's statement length allows (see macros/pipeline/sa_segment_members.sql). Only member SQL
    that int_segments__selected passed through the member-SQL guard is read. -#}
-- depends_on: {{ ref('int_segments__selected') }}
{{ sa_segment_members_sql(ref('int_segments__selected')) }}
