{#- Profile × UTC day × metric, from one scan per behaviour table (all metrics of that table at
    once); expanded from the `metrics` vars by macros/pipeline/sa_metric_events.sql, so adding a
    metric never needs an edit here. Event days are within time_window and before the run date. -#}
{{ sa_metric_events_sql() }}
