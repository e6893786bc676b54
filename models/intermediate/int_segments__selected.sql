{{ config(alias=sa_relation_alias('int_segments__selected')) }}
{#- Every landed segment with its parent segment and folder, `is_selected` from the filters, and
    the member SQL chosen by `segment_sql_source`. Filter regexes are rendered as escaped string
    literals and searched in lower-cased names (as REGEXP_LIKE does).
    Landed SQL that the build-time member-SQL guard refuses (macros/pipeline/sa_member_sql_guard.sql)
    is never member SQL: the segment gets null member_sql and the refusal in member_sql_problem,
    every other segment is unaffected, and everything downstream (int_segment_members, the
    membership snapshot, the report) reads this one verdict. -#}
{%- set cfg = sa_cfg() -%}
{%- set filters = cfg['filters'] -%}
{%- set rejections = sa_member_sql_rejections(ref('stg_cdp__segment_sql'), ref('stg_cdp__segments')) -%}
{%- set rejected_prefix = sa_member_sql_rejected_prefix() -%}

with segments as (
    select * from {{ ref('stg_cdp__segments') }}
),

parent_segments as (
    select * from {{ ref('stg_cdp__parent_segments') }}
),

folder_paths as (
    select * from {{ ref('int_folders__paths') }}
),

folders_matching_filter as (
    -- a folder matches when it or any ancestor folder matches folders_to_include
    select
        folder_id,
        ps_id,
        bool_or({{ sa_name_matches('ancestor_folder_name', filters['folders_to_include']) }}) as folder_matches
    from {{ ref('int_folders__ancestors') }}
    group by folder_id, ps_id
),

member_sql_rejections as (
    -- landed SQL the build-time guard refuses (listed at compile time from the landed text)
    {{ sa_member_sql_rejections_select(rejections) }}
),

ranked_sql_per_rule as (
    -- the newest usable row per (parent segment, rule, source) written for this engine's dialect
    select
        ps_id,
        rule_hash,
        sql_source,
        segment_sql,
        sql_error,
        row_number() over (
            partition by ps_id, rule_hash, sql_source
            order by case when segment_sql is not null then 0 else 1 end, fetched_at desc
        ) as recency
    from {{ ref('stg_cdp__segment_sql') }}
    where dialect = {{ sa_string_literal(sa_sql_dialect()) }}
        -- the API's errors and refusals (no SQL) explain a segment whatever the engine's dialect
        or (sql_source = 'api' and segment_sql is null)
),

latest_sql_per_rule as (
    -- a refused SQL is no SQL: its refusal becomes the row's error
    select
        ranked.ps_id,
        ranked.rule_hash,
        ranked.sql_source,
        case when rejected.problem is null then ranked.segment_sql end as segment_sql,
        coalesce(rejected.problem, ranked.sql_error) as sql_error,
        ranked.recency
    from ranked_sql_per_rule as ranked
    left join member_sql_rejections as rejected
        on rejected.ps_id = ranked.ps_id
        and rejected.rule_hash = ranked.rule_hash
        and rejected.sql_source = ranked.sql_source
),

sql_per_rule as (
    select
        ps_id,
        rule_hash,
        max(case when sql_source = 'api' then segment_sql end) as api_sql,
        max(case when sql_source = 'api' then sql_error end) as api_error,
        max(case when sql_source = 'compiler' then segment_sql end) as compiler_sql,
        max(case when sql_source = 'compiler' then sql_error end) as compiler_error
    from latest_sql_per_rule
    where recency = 1
    group by ps_id, rule_hash
),

segments_enriched as (
    select
        segments.segment_id,
        segments.segment_name,
        segments.ps_id,
        parent_segments.ps_name,
        parent_segments.population as ps_population,
        parent_segments.api_version as ps_api_version,
        segments.folder_id,
        folder_paths.folder_name,
        folder_paths.folder_path,
        segments.segment_kind,
        segments.realtime,
        segments.population as segment_population,
        segments.rule_hash,
        segments.updated_at,
        segments.updated_by,
        segments.run_date,
        {% if filters['v5_flag'] == 'both' -%}
        true
        {%- else -%}
        coalesce(parent_segments.api_version = {{ sa_string_literal(filters['v5_flag']) }}, false)
        {%- endif %} as version_matches,
        {{ sa_name_matches('parent_segments.ps_name', filters['ps_to_include']) }} as ps_matches,
        {% if filters['folders_to_include'] -%}
        coalesce(folders_matching_filter.folder_matches, false)
        {%- else -%}
        true
        {%- endif %} as folder_matches,
        {{ sa_name_matches('segments.segment_name', filters['segments_to_include']) }} as segment_matches,
        sql_per_rule.api_sql,
        sql_per_rule.api_error,
        sql_per_rule.compiler_sql,
        sql_per_rule.compiler_error
    from segments
    left join parent_segments
        on parent_segments.ps_id = segments.ps_id
    left join folder_paths
        on folder_paths.folder_id = segments.folder_id
        and folder_paths.ps_id = segments.ps_id
    left join folders_matching_filter
        on folders_matching_filter.folder_id = segments.folder_id
        and folders_matching_filter.ps_id = segments.ps_id
    left join sql_per_rule
        on sql_per_rule.ps_id = segments.ps_id
        and sql_per_rule.rule_hash = segments.rule_hash
),

segments_with_refusals as (
    select
        *,
        coalesce(substr(api_error, 1, {{ rejected_prefix | length }}) = {{ sa_string_literal(rejected_prefix) }}, false)
            as api_refused,
        coalesce(substr(compiler_error, 1, {{ rejected_prefix | length }}) = {{ sa_string_literal(rejected_prefix) }}, false)
            as compiler_refused
    from segments_enriched
),

segments_with_sql as (
    select
        *,
        coalesce(version_matches and ps_matches and folder_matches and segment_matches, false) as is_selected,
        {% if cfg['segment_sql_source'] == 'api' -%}
        -- the compiler's SQL stands in only where the guard refused the API's SQL
        coalesce(api_sql, case when api_refused then compiler_sql end) as member_sql,
        case
            when api_sql is not null then 'api'
            when api_refused and compiler_sql is not null then 'compiler'
        end as member_sql_source,
        coalesce(api_error, compiler_error) as sql_error,
        {%- elif cfg['segment_sql_source'] == 'compiler' -%}
        compiler_sql as member_sql,
        case when compiler_sql is not null then 'compiler' end as member_sql_source,
        coalesce(compiler_error, api_error) as sql_error,
        {%- else -%}
        coalesce(compiler_sql, api_sql) as member_sql,
        case when compiler_sql is not null then 'compiler' when api_sql is not null then 'api' end as member_sql_source,
        -- the API was asked because the rule did not compile: its refusal is the news
        coalesce(case when api_refused then api_error end, compiler_error, api_error) as sql_error,
        {%- endif %}
        case
            when api_refused and compiler_refused then api_error || '; ' || compiler_error
            when api_refused then api_error
            when compiler_refused then compiler_error
        end as sql_refusal
    from segments_with_refusals
)

select
    segment_id,
    segment_name,
    ps_id,
    ps_name,
    ps_population,
    ps_api_version,
    folder_id,
    folder_name,
    folder_path,
    segment_kind,
    realtime,
    segment_population,
    rule_hash,
    updated_at,
    updated_by,
    run_date,
    is_selected,
    member_sql,
    member_sql_source,
    case
        when member_sql is not null then null
        when sql_error is not null then sql_error
        else {{ sa_string_literal('no member SQL landed for this rule, dialect ' ~ sa_sql_dialect() ~ ' and segment_sql_source ' ~ cfg['segment_sql_source']) }}
    end as member_sql_problem,
    sql_refusal as member_sql_refusal
from segments_with_sql
