{{ config(alias=sa_relation_alias('int_folders__ancestors')) }}
{#- Folder × (itself and every ancestor folder), without recursive SQL (Trino caps recursion at
    depth 10): a chain of left joins up to sa_max_folder_depth levels, unpivoted by distance.
    `path_complete` is false only when a folder is nested deeper than that (tested). -#}
{%- set depth = sa_max_folder_depth() -%}

with folders as (
    select folder_id, ps_id, parent_folder_id, folder_name
    from {{ ref('stg_cdp__folders') }}
),

folder_chains as (
    select
        level_0.folder_id,
        level_0.ps_id
        {%- for k in range(depth) %},
        level_{{ k }}.folder_id as ancestor_{{ k }}_id,
        level_{{ k }}.folder_name as ancestor_{{ k }}_name
        {%- endfor %},
        level_{{ depth - 1 }}.parent_folder_id is null as path_complete
    from folders as level_0
    {%- for k in range(1, depth) %}
    left join folders as level_{{ k }}
        on level_{{ k }}.folder_id = level_{{ k - 1 }}.parent_folder_id
        and level_{{ k }}.ps_id = level_{{ k - 1 }}.ps_id
    {%- endfor %}
),

ancestor_rows as (
    select
        folder_chains.folder_id,
        folder_chains.ps_id,
        distances.distance,
        case distances.distance
            {%- for k in range(depth) %} when {{ k }} then ancestor_{{ k }}_id{% endfor %}
        end as ancestor_folder_id,
        case distances.distance
            {%- for k in range(depth) %} when {{ k }} then ancestor_{{ k }}_name{% endfor %}
        end as ancestor_folder_name,
        folder_chains.path_complete
    from folder_chains
    cross join (
        values {% for k in range(depth) %}({{ k }}){{ ', ' if not loop.last }}{% endfor %}
    ) as distances (distance)
)

select
    folder_id,
    ps_id,
    ancestor_folder_id,
    ancestor_folder_name,
    distance,
    path_complete
from ancestor_rows
where ancestor_folder_id is not null
