{#-
    "Unknown is not deleted": the one notion of a deleted segment the history uses.

    A segment missing from the current landing is **known deleted** only when the API reported it
    gone: the pull landed its parent segment completely, under the API version the segment was
    last landed from, and the pull reported nothing about the segment itself. Everything else a
    pull did not land is unknown for that run (its rule version and membership stays stay open):
      - its parent segment was not landed (out of `filters.v5_flag`'s scope, an unusable record,
        a 403 / lost permission);
      - its parent segment was landed but the pull recorded a problem for it (kind
        `parent_segment`) or for one of its landed folders (kind `folder`): its tree may be partial;
      - its parent segment was landed under another API version than the segment was last landed
        from (the v4 and v5 listings do not carry the same segment kinds);
      - the pull recorded a problem naming the segment's id (an unusable record, a rule it could not
        read, an unknown entity type...);
      - the pull recorded an unusable segment or entity it could not identify (`"id": null`), or a
        funnel or journey it could not read (its stage segments are unknown): it may be any segment, so that
        pull declares no deletion at all;
      - no `cdp_landing__pull_runs` row of the landed pull is found (its problems are unknown).

    `cdp_landing__pull_runs.problems` is a JSON list written by `orchestrate/pull.py` with
    `json.dumps(sort_keys=True)`: objects such as `{"id": "<id>", "kind": "segment", "reason": ...}`,
    so an id reads `"id": "<id>"` and its kind follows as `, "kind": "<kind>"`.
-#}

{#- One row: the problems of every pull_runs row of the landed pull (concatenated) and how many
    such rows there are (0: the landed pull has no pull_runs row). -#}
{% macro sa_history_current_pull() %}
    select
        count(*) as pull_rows,
        coalesce({{ sa_ordered_listagg("coalesce(cast(problems as " ~ sa_type_string() ~ "), '')", 'pull_id', ' ') }}, '') as problems
    from {{ source('cdp_landing', 'cdp_landing__pull_runs') }}
    where pull_id in (
        select pull_id from {{ ref('stg_cdp__parent_segments') }} where pull_id is not null
    )
{% endmacro %}


{#- `problems` (a SQL text expression) names `id_expression`, optionally with that problem kind. -#}
{% macro sa_history_problem_names(problems, id_expression, kind=none) -%}
    strpos({{ problems }}, '"id": "' || {{ id_expression }} || '"{{ ', "kind": "' ~ kind ~ '"' if kind else '' }}') > 0
{%- endmacro %}


{#- SELECT (ps_id, api_version) of the parent segments the current pull landed completely. -#}
{% macro sa_history_completely_landed_parent_segments() %}
    select landed.ps_id, landed.api_version
    from {{ ref('stg_cdp__parent_segments') }} as landed
    cross join ({{ sa_history_current_pull() }}) as current_pull
    where landed.ps_id is not null
        and current_pull.pull_rows > 0
        and strpos(current_pull.problems, '"id": null, "kind": "segment"') = 0
        and strpos(current_pull.problems, '"id": null, "kind": "entity"') = 0
        -- a funnel the pull could not read hides which stage segments it holds
        and strpos(current_pull.problems, ', "kind": "funnel"') = 0
        -- nor a journey whose statistics it could not read (its stages are not landed)
        and strpos(current_pull.problems, ', "kind": "journey"') = 0
        and not {{ sa_history_problem_names('current_pull.problems', 'landed.ps_id', 'parent_segment') }}
        and landed.ps_id not in (
            -- parent segments with a problem on one of their landed folders
            select folders.ps_id
            from {{ ref('stg_cdp__folders') }} as folders
            cross join ({{ sa_history_current_pull() }}) as folder_pull
            where folders.ps_id is not null
                and {{ sa_history_problem_names('folder_pull.problems', 'folders.folder_id', 'folder') }}
        )
{% endmacro %}


{#-
    SELECT segment_id of the `candidates` known deleted by the current pull. `candidates` is a
    SELECT of (segment_id, ps_id, api_version) of segments open in a history table (api_version
    may be null: then only the parent segment is checked).
-#}
{% macro sa_history_known_deleted_segments(candidates) %}
    select candidates.segment_id
    from ({{ candidates }}) as candidates
    inner join ({{ sa_history_completely_landed_parent_segments() }}) as complete_parent_segments
        on complete_parent_segments.ps_id = candidates.ps_id
        and (
            candidates.api_version is null
            or complete_parent_segments.api_version is null
            or candidates.api_version = complete_parent_segments.api_version
        )
    cross join ({{ sa_history_current_pull() }}) as current_pull
    where candidates.segment_id is not null
        and candidates.segment_id not in (
            select segment_id from {{ ref('stg_cdp__segments') }} where segment_id is not null
        )
        and not {{ sa_history_problem_names('current_pull.problems', 'candidates.segment_id') }}
{% endmacro %}


{#- SELECT segment_id of every segment whose rule history (snp_segment_rules) has been closed as
    deleted: it has versions, none of them open. The membership history closes stays only for these. -#}
{% macro sa_history_deleted_segments(rules_snapshot) %}
    select segment_id
    from {{ rules_snapshot }}
    where segment_id is not null
    group by segment_id
    having count(case when dbt_valid_to is null then 1 end) = 0
{% endmacro %}
