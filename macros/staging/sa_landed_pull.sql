{#-
    The landed pull readers see: the latest pull whose cdp_landing__pull_runs row says `success…`
    (success or success_with_problems). A pull's pull_runs row is the last thing it writes, after
    every row of the replaced tables (parent segments, folders, segments) is in place, so filtering
    those tables to this pull_id shows one complete pull, never a mix: on Trino / Treasure Data a pull
    inserts its rows beside the previous pull's and deletes the older ones only after its pull_runs
    row (orchestrate/warehouse/statements.py); on DuckDB the whole write is one transaction.
    Latest = the newest finished_at (the run date, then the pull id, break ties); a back-fill with
    an older --run-date is still the latest pull. Returns a query of one row: pull_id, run_date.
-#}
{% macro sa_landed_pull() -%}
    select pull_id, run_date
    from (
        select
            cast(pull_id as {{ sa_type_string() }}) as pull_id,
            cast(run_date as date) as run_date,
            row_number() over (
                order by
                    cast(finished_at as {{ sa_type_timestamp() }}) desc nulls last,
                    cast(run_date as date) desc nulls last,
                    pull_id desc
            ) as recency
        from {{ source('cdp_landing', 'cdp_landing__pull_runs') }}
        where status like 'success%'
    ) as completed_pulls
    where recency = 1
{%- endmacro %}
