{#-
    <prefix>_rule_changes: one row per rule change of a segment.
    - edit: a version whose rule differs from the one before it (version >= 2); a new segment is
      not a change. changed_by is the API's updatedBy of the new version.
    - deletion: the segment disappeared from a pull of its parent segment; `version` is the
      version that was deleted, valid_from the run date it was found gone.
    rule_diff lists the conditions removed (-), added (+) and changed (~ old -> new), one per
    line, computed from the versions' rule_conditions lines (`<path>\t<condition>`).
    Populations are the API's: the last run before the change, and the run of the change.
-#}
{{ config(alias=sa_mart_alias('rule_changes')) }}

with rule_versions as (
    select * from {{ ref('hist_rule_versions') }}
),

api_populations as (
    select segment_id, run_date, api_population as segment_population
    from {{ ref('hist_api_populations') }}
),

edits as (
    select
        segment_id,
        segment_name,
        ps_id,
        'edit' as change_type,
        version,
        valid_from,
        valid_to,
        updated_by as changed_by,
        previous_rule_hash as rule_hash_before,
        rule_hash as rule_hash_after,
        previous_rule_conditions as conditions_before,
        rule_conditions as conditions_after,
        population as version_population
    from rule_versions
    where is_edit
),

deletions as (
    select
        segment_id,
        segment_name,
        ps_id,
        'deletion' as change_type,
        version,
        deleted_at as valid_from,
        next_valid_from as valid_to,
        cast(null as {{ sa_type_string() }}) as changed_by,
        rule_hash as rule_hash_before,
        cast(null as {{ sa_type_string() }}) as rule_hash_after,
        rule_conditions as conditions_before,
        cast(null as {{ sa_type_string() }}) as conditions_after,
        cast(null as {{ sa_type_bigint() }}) as version_population
    from rule_versions
    where deleted_at is not null
),

changes as (
    select * from edits
    union all
    select * from deletions
),

change_sides as (
    select segment_id, change_type, version, 'before' as side, conditions_before as conditions
    from changes
    union all
    select segment_id, change_type, version, 'after' as side, conditions_after as conditions
    from changes
),

condition_lines as (
    select
        s.segment_id,
        s.change_type,
        s.version,
        s.side,
        lines.line_text,
        lines.line_number
    from change_sides as s
    cross join unnest({{ sa_string_split("coalesce(s.conditions, '')", '\n') }})
        with ordinality as lines (line_text, line_number)
    where lines.line_text <> ''
),

-- a line on both sides is unchanged; the others were removed (before) or added (after)
lines_with_presence as (
    select
        *,
        max(case when side = 'before' then 1 else 0 end) over (
            partition by segment_id, change_type, version, line_text) as on_before,
        max(case when side = 'after' then 1 else 0 end) over (
            partition by segment_id, change_type, version, line_text) as on_after,
        case when strpos(line_text, chr(9)) > 0
            then substr(line_text, 1, strpos(line_text, chr(9)) - 1) else line_text end as condition_path,
        case when strpos(line_text, chr(9)) > 0
            then substr(line_text, strpos(line_text, chr(9)) + 1) else '' end as condition_text
    from condition_lines
),

differing_lines as (
    select *
    from lines_with_presence
    where on_before + on_after = 1
),

-- a path with exactly one line removed and one added is a changed condition
lines_per_path as (
    select
        *,
        sum(case when side = 'before' then 1 else 0 end) over (
            partition by segment_id, change_type, version, condition_path) as removed_on_path,
        sum(case when side = 'after' then 1 else 0 end) over (
            partition by segment_id, change_type, version, condition_path) as added_on_path,
        max(case when side = 'before' then condition_text end) over (
            partition by segment_id, change_type, version, condition_path) as removed_text
    from differing_lines
),

diff_lines as (
    select
        segment_id,
        change_type,
        version,
        case
            when removed_on_path = 1 and added_on_path = 1
                then '~ ' || condition_path || ': ' || removed_text || ' -> ' || condition_text
            when side = 'before' then '- ' || condition_path || ': ' || condition_text
            else '+ ' || condition_path || ': ' || condition_text
        end as diff_line,
        line_number as sort_line,
        case
            when removed_on_path = 1 and added_on_path = 1 then 1
            when side = 'before' then 0
            else 2
        end as sort_kind
    from lines_per_path
    -- a changed condition is listed once, at its new line
    where not (removed_on_path = 1 and added_on_path = 1 and side = 'before')
),

rule_diffs as (
    select
        segment_id,
        change_type,
        version,
        {{ sa_ordered_listagg('diff_line', 'sort_line, sort_kind, diff_line', '\n') }} as rule_diff
    from diff_lines
    group by segment_id, change_type, version
),

populations_around_changes as (
    select
        c.segment_id,
        c.change_type,
        c.version,
        max(case when p.run_date < cast(c.valid_from as date) then p.run_date end) as run_date_before,
        max(case when p.run_date = cast(c.valid_from as date) then p.segment_population end) as population_on_change
    from changes as c
    left join api_populations as p
        on p.segment_id = c.segment_id
    group by c.segment_id, c.change_type, c.version
)

select
    c.segment_id,
    c.segment_name,
    c.ps_id,
    c.change_type,
    c.version,
    c.valid_from,
    c.valid_to,
    c.changed_by,
    c.rule_hash_before,
    c.rule_hash_after,
    coalesce(
        d.rule_diff,
        case when c.change_type = 'edit'
            then '(no condition line changed; compare rule_json of the two versions)'
            else '(segment deleted; its rule had no conditions)' end
    ) as rule_diff,
    before_run.segment_population as population_before,
    case when c.change_type = 'edit'
        then coalesce(pc.population_on_change, c.version_population) end as population_after
from changes as c
left join rule_diffs as d
    on d.segment_id = c.segment_id and d.change_type = c.change_type and d.version = c.version
left join populations_around_changes as pc
    on pc.segment_id = c.segment_id and pc.change_type = c.change_type and pc.version = c.version
left join api_populations as before_run
    on before_run.segment_id = c.segment_id and before_run.run_date = pc.run_date_before
