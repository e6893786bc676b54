{#-
    Rule versions: one row per segment per version of its meaning-bearing rule.
    - A new version only when `rule_hash` changes (key order, whitespace, descriptions are not changes).
    - A segment missing from a pull is closed (deleted) only when the API reported it gone: the
      pull landed its parent segment completely, under the API version the segment was last landed
      from (hist_api_populations), and reported no problem naming the segment
      (macros/history/sa_known_deleted.sql).
    - Every other segment the pull did not land is carried over unchanged: its parent segment out
      of the pull's scope (`filters.v5_flag`), unusable or unreadable (403), landed with problems or
      under another API version, or the segment itself unusable: unknown is not deleted.
    - dbt_valid_from / dbt_valid_to are run dates (snapshot_get_time is the run date).
-#}
{% snapshot snp_segment_rules %}
{{ config(
    alias=sa_relation_alias('snp_segment_rules'),
    unique_key='segment_id',
    check_cols=['rule_hash'],
) }}
-- strategy 'versioned' and hard_deletes 'invalidate': the snapshots folder's config (dbt_project.yml)
-- depends_on: {{ source('cdp_landing', 'cdp_landing__pull_runs') }}
-- depends_on: {{ ref('hist_api_populations') }}

{%- set columns = [
    'segment_id', 'ps_id', 'ps_name', 'folder_id', 'folder_name', 'segment_name', 'api_version',
    'rule_json', 'rule_conditions', 'rule_hash', 'segment_sql', 'updated_at', 'updated_by', 'population',
] -%}

{% if sa_history_snapshot_is_behind(this) %}

select {{ columns | join(', ') }}
from {{ this }}
where dbt_valid_to is null

{% else %}

with landed_segments as (
    select * from {{ ref('stg_cdp__segments') }}
),

landed_parent_segments as (
    select ps_id, ps_name from {{ ref('stg_cdp__parent_segments') }}
),

landed_folders as (
    select folder_id, folder_name from {{ ref('stg_cdp__folders') }}
),

segment_sql_ranked as (
    select
        ps_id,
        rule_hash,
        segment_sql,
        row_number() over (
            partition by ps_id, rule_hash
            order by
                case sql_source when 'api' then 0 else 1 end,
                case dialect when 'trino' then 0 else 1 end,
                fetched_at desc
        ) as preference
    from {{ ref('stg_cdp__segment_sql') }}
    where segment_sql is not null
),

segment_versions_now as (
    select
        cast(s.segment_id as {{ sa_type_string() }}) as segment_id,
        cast(s.ps_id as {{ sa_type_string() }}) as ps_id,
        p.ps_name,
        cast(s.folder_id as {{ sa_type_string() }}) as folder_id,
        f.folder_name,
        s.segment_name,
        s.api_version,
        s.rule_json,
        s.rule_conditions,
        s.rule_hash,
        q.segment_sql,
        cast(s.updated_at as {{ sa_type_string() }}) as updated_at,
        s.updated_by,
        cast(s.population as {{ sa_type_bigint() }}) as population
    from landed_segments as s
    left join landed_parent_segments as p
        on p.ps_id = s.ps_id
    left join landed_folders as f
        on f.folder_id = s.folder_id
    left join segment_sql_ranked as q
        on q.ps_id = s.ps_id
        and q.rule_hash = s.rule_hash
        and q.preference = 1
)

select {{ columns | join(', ') }}
from segment_versions_now

{% if sa_history_snapshot_exists(this) %}
union all

-- open versions of segments this pull did not land, unless the API reported them deleted
{%- set sightings_relation = load_relation(ref('hist_api_populations')) -%}
{%- set open_segments -%}
    select
        open_rows.segment_id,
        open_rows.ps_id,
        {% if sightings_relation is not none -%}
        coalesce(last_sightings.api_version, open_rows.api_version)
        {%- else -%}
        open_rows.api_version
        {%- endif %} as api_version
    from {{ this }} as open_rows
    {%- if sightings_relation is not none %}
    left join (
        -- the API version each segment was last landed from (hist_api_populations: every landed
        -- segment per run date; earlier runs only, as this run's rows are of landed segments)
        select segment_id, api_version
        from (
            select
                segment_id,
                api_version,
                row_number() over (partition by segment_id order by run_date desc) as recency
            from {{ ref('hist_api_populations') }}
            where api_version is not null
        ) as sightings
        where recency = 1
    ) as last_sightings
        on last_sightings.segment_id = open_rows.segment_id
    {%- endif %}
    where open_rows.dbt_valid_to is null
{%- endset %}
select {{ columns | join(', ') }}
from {{ this }}
where dbt_valid_to is null
    and segment_id not in (select segment_id from segment_versions_now where segment_id is not null)
    and segment_id not in (
        {{ sa_history_known_deleted_segments(open_segments) }}
    )
{% endif %}

{% endif %}

{% endsnapshot %}
