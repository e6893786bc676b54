{#-
    Segment ids the current pull saw but could not land (an unusable record: missing name, bad id,
    gone when fetched alone...). `segment-analytics pull` lists them in cdp_landing__pull_runs.problems
    as JSON objects written with sorted keys: {"id": "<segment id>", "kind": "segment", ...}.
    History treats such a segment as unknown this run, never as deleted or emptied.
    Returns a parenthesised subquery of open snapshot rows' segment ids, for `segment_id in (...)`.
-#}
{% macro history_unusable_segment_ids(snapshot_relation) %}
    (
        select distinct open_rows.segment_id
        from {{ snapshot_relation }} as open_rows
        cross join (
            select problems
            from {{ source('cdp_landing', 'cdp_landing__pull_runs') }}
            where pull_id in (select pull_id from {{ ref('stg_cdp__parent_segments') }})
        ) as current_pull
        where open_rows.dbt_valid_to is null
            and strpos(
                coalesce(current_pull.problems, ''),
                '{"id": "' || open_rows.segment_id || '", "kind": "segment", '
            ) > 0
    )
{% endmacro %}
