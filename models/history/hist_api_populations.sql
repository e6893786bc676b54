{#-
    The API's population of every landed segment on every run date: the landing holds only the
    latest pull, so this keeps the series. Append-only per run date (a re-run of a day replaces that
    day's rows of the segments it landed; a segment the re-run could not land keeps its row), never
    rebuilt: --full-refresh does not touch it. It also records where each segment was seen
    (ps_id, api_version): the rule history reads a segment's last sighting to tell a deletion from
    a segment the current API version does not list (macros/history/sa_known_deleted.sql).
-#}
{{ config(
    alias=sa_relation_alias('hist_api_populations'),
    materialized='incremental',
    unique_key=['segment_id', 'run_date'],
    incremental_strategy='delete+insert',
    full_refresh=false,
    on_schema_change='append_new_columns',
) }}

select
    segment_id,
    run_date,
    max(population) as api_population,
    max(ps_id) as ps_id,
    max(api_version) as api_version
from {{ ref('stg_cdp__segments') }}
where run_date is not null
group by segment_id, run_date
