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
{{ config(materialized='table', alias=sa_mart_alias('rule_changes')) }}

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
        with ordinality as lines(line_text, line_number)
    where lines.line_text <> ''
),

parsed_lines as (
    select
        segment_id,
        change_type,
        version,
        side,
        line_text,
        line_number,
        case when strpos(line_text, chr(9)) > 0
            then substr(line_text, 1, strpos(line_text, chr(9)) - 1) else line_text end as condition_path,
        case when strpos(line_text, chr(9)) > 0
            then substr(line_text, strpos(line_text, chr(9)) + 1) else '' end as condition_text
    from condition_lines
),

lines_before as (
    select * from parsed_lines where side = 'before'
),

lines_after as (
    select * from parsed_lines where side = 'after'
),

removed_lines as (
    select b.*
    from lines_before as b
    left join lines_after as a
        on a.segment_id = b.segment_id and a.change_type = b.change_type and a.version = b.version
        and a.line_text = b.line_text
    where a.line_text is null
),

added_lines as (
    select a.*
    from lines_after as a
    left join lines_before as b
        on b.segment_id = a.segment_id and b.change_type = a.change_type and b.version = a.version
        and b.line_text = a.line_text
    where b.line_text is null
),

-- a path with exactly one line removed and one added is a changed condition
removed_per_path as (
    select segment_id, change_type, version, condition_path, count(*) as removed_count
    from removed_lines
    group by segment_id, change_type, version, condition_path
),

added_per_path as (
    select segment_id, change_type, version, condition_path, count(*) as added_count
    from added_lines
    group by segment_id, change_type, version, condition_path
),

changed_paths as (
    select r.segment_id, r.change_type, r.version, r.condition_path
    from removed_per_path as r
    inner join added_per_path as a
        on a.segment_id = r.segment_id and a.change_type = r.change_type and a.version = r.version
        and a.condition_path = r.condition_path
    where r.removed_count = 1 and a.added_count = 1
),

diff_lines as (
    select
        a.segment_id, a.change_type, a.version,
        '~ ' || a.condition_path || ': ' || r.condition_text || ' -> ' || a.condition_text as diff_line,
        a.line_number as sort_line,
        1 as sort_kind
    from changed_paths as p
    inner join removed_lines as r
        on r.segment_id = p.segment_id and r.change_type = p.change_type and r.version = p.version
        and r.condition_path = p.condition_path
    inner join added_lines as a
        on a.segment_id = p.segment_id and a.change_type = p.change_type and a.version = p.version
        and a.condition_path = p.condition_path

    union all

    select
        r.segment_id, r.change_type, r.version,
        '- ' || r.condition_path || ': ' || r.condition_text as diff_line,
        r.line_number as sort_line,
        0 as sort_kind
    from removed_lines as r
    left join changed_paths as p
        on p.segment_id = r.segment_id and p.change_type = r.change_type and p.version = r.version
        and p.condition_path = r.condition_path
    where p.condition_path is null

    union all

    select
        a.segment_id, a.change_type, a.version,
        '+ ' || a.condition_path || ': ' || a.condition_text as diff_line,
        a.line_number as sort_line,
        2 as sort_kind
    from added_lines as a
    left join changed_paths as p
        on p.segment_id = a.segment_id and p.change_type = a.change_type and p.version = a.version
        and p.condition_path = a.condition_path
    where p.condition_path is null
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
