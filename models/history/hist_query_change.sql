{#-
    The original package's `query_change` flag: 1 for a segment on the first run date after its
    rule changed (never for a new segment). Only flagged days are listed: join on
    (segment_id, run_date) and treat a missing row as 0.
-#}
{{ config(alias=sa_relation_alias('hist_query_change')) }}

with rule_edits as (
    select segment_id, valid_from_date as run_date, version
    from {{ ref('hist_rule_versions') }}
    where is_edit
)

select
    segment_id,
    run_date,
    1 as query_change,
    max(version) as rule_version
from rule_edits
group by segment_id, run_date
