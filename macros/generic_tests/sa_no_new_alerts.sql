{#- Generic test: no unmuted alert of `kind` in the alerts mart for the run date. Applied once per
    kind to fct_alerts (models/alerts/_alerts__models.yml) with the severity of
    segment_analytics.alerts.dbt_test_severity (warn by default), so `dbt build` lists what fired.
    Each failing row is one alert: its id, severity, segment and message. -#}
{% test sa_no_new_alerts(model, kind) %}
select alert_id, severity, segment_id, segment_name, metric_name, message
from {{ model }}
where run_date = {{ sa_alert_run_date() }}
    and kind = {{ sa_string_literal(kind) }}
    and not muted
{% endtest %}
