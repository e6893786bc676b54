{#-
    Snapshot time = the run date (sa_run_date: var run_date, else the latest landed run date), as a timestamp at midnight UTC, instead of
    the wall clock. Overrides dbt's dispatched `snapshot_get_time` for this project, so every
    dbt_valid_from / dbt_valid_to is a run date and re-running a day is a no-op.
-#}
{% macro history_run_date_timestamp() %}
    {{ return(adapter.dispatch('history_run_date_timestamp', 'segment_analytics')(sa_run_date())) }}
{% endmacro %}

{% macro default__history_run_date_timestamp(run_date) %}
    {{ return("cast(date '" ~ run_date ~ "' as timestamp)") }}
{% endmacro %}

{% macro trino__history_run_date_timestamp(run_date) %}
    {#- Iceberg (and TD) store timestamps with microsecond precision. -#}
    {{ return("cast(date '" ~ run_date ~ "' as timestamp(6))") }}
{% endmacro %}

{% macro duckdb__snapshot_get_time() -%}
    {{ history_run_date_timestamp() }}
{%- endmacro %}

{% macro trino__snapshot_get_time() -%}
    {{ history_run_date_timestamp() }}
{%- endmacro %}
