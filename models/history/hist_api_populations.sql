{#-
    The API's population of every landed segment on every run date: the landing holds only the
    latest pull, so this keeps the series. Append-only per run date (a re-run of a day replaces that
    day), never rebuilt: --full-refresh does not touch it.
-#}
{{ config(
    materialized='incremental',
    unique_key=['segment_id', 'run_date'],
    incremental_strategy='delete+insert',
    full_refresh=false,
) }}

select
    segment_id,
    run_date,
    max(population) as api_population
from {{ ref('stg_cdp__segments') }}
where run_date is not null
group by segment_id, run_date
