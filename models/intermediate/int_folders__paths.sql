{{ config(alias=sa_relation_alias('int_folders__paths')) }}
with folders as (
    select * from {{ ref('stg_cdp__folders') }}
),

ancestors as (
    select * from {{ ref('int_folders__ancestors') }}
),

folder_paths as (
    select
        folder_id,
        ps_id,
        {{ sa_ordered_listagg('ancestor_folder_name', 'distance desc', ' / ') }} as folder_path,
        max(distance) as depth,
        bool_and(path_complete) as path_complete
    from ancestors
    group by folder_id, ps_id
)

select
    folders.folder_id,
    folders.ps_id,
    folders.folder_name,
    folders.parent_folder_id,
    folder_paths.folder_path,
    folder_paths.depth,
    folder_paths.path_complete
from folders
inner join folder_paths
    on folder_paths.folder_id = folders.folder_id
    and folder_paths.ps_id = folders.ps_id
