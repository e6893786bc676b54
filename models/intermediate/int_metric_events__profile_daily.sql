{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ sa_metric_events_pre_delete() }}",
) }}
{#- Profile × UTC day × metric, from one scan per behaviour table (all metrics of that table at
    once); expanded from the `metrics` vars by macros/pipeline/sa_metric_events.sql, so adding a
    metric never needs an edit here. Event days are within time_window and before the run date.
    Incremental by event day (macros/pipeline/sa_metric_events_plan.sql): a daily run scans only
    the new days; a new or changed metric rescans the window for its table. -#}
{{ sa_metric_events_sql() }}
