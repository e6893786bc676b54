{#-
    Snapshot time = the run date (sa_run_date: var run_date, else the latest landed run date), as a timestamp at midnight UTC, instead of
    the wall clock, so every dbt_valid_from / dbt_valid_to is a run date and re-running a day is a
    no-op. dbt's snapshot macros call `snapshot_get_time` by name and this project's snapshots find
    this macro first, also when the project is installed as a package; a project that installs it
    keeps dbt's own for its snapshots (a `dispatch:` block changes neither).
-#}
{% macro sa_history_run_date_timestamp() %}
    {{ return(adapter.dispatch('sa_history_run_date_timestamp', 'segment_analytics')(segment_analytics.sa_run_date())) }}
{% endmacro %}

{% macro default__sa_history_run_date_timestamp(run_date) %}
    {{ return("cast(date '" ~ run_date ~ "' as timestamp)") }}
{% endmacro %}

{% macro trino__sa_history_run_date_timestamp(run_date) %}
    {#- Iceberg (and TD) store timestamps with microsecond precision. -#}
    {{ return("cast(date '" ~ run_date ~ "' as timestamp(6))") }}
{% endmacro %}

{#- dbt's own macro name, overridden on purpose: dbt's snapshot materialization calls
    `snapshot_get_time` by that name, so it keeps it (only the file is prefixed). -#}
{% macro snapshot_get_time() -%}
    {{ segment_analytics.sa_history_run_date_timestamp() }}
{%- endmacro %}
