-- Every folder's ancestor chain reaches the root within sa_max_folder_depth levels; a deeper
-- folder would otherwise silently miss ancestor matches for folders_to_include.
select folder_id, ps_id, depth
from {{ ref('int_folders__paths') }}
where not path_complete
