{#- SQL pieces shared by the alert models (models/alerts/). -#}

{#- The run date as a DATE expression. -#}
{% macro sa_alert_run_date() -%}
  cast({{ sa_string_literal(sa_run_date()) }} as date)
{%- endmacro %}

{#- When this build started (UTC, dbt's run_started_at): every alert of one build has the same
    detected_at, and stale_data measures the landing's age against it. -#}
{% macro sa_alert_detected_at() -%}
  cast({{ sa_string_literal(run_started_at.strftime('%Y-%m-%d %H:%M:%S')) }} as {{ sa_type_timestamp() }})
{%- endmacro %}

{#- The alert id: the same hash on every engine of (kind, run date, segment id, subject), so a
    re-run of a day finds the alerts it already recorded. -#}
{% macro sa_alert_id(kind, segment_id, subject) -%}
  {{ dbt.hash("cast(" ~ kind ~ " as " ~ sa_type_string() ~ ") || '|' || cast(" ~ sa_alert_run_date()
              ~ " as " ~ sa_type_string() ~ ") || '|' || coalesce(cast(" ~ segment_id ~ " as " ~ sa_type_string()
              ~ "), '') || '|' || coalesce(cast(" ~ subject ~ " as " ~ sa_type_string() ~ "), '')") }}
{%- endmacro %}

{#- A number as readable text, the same on every engine (Trino writes doubles as 5.0E1). -#}
{% macro sa_alert_number(expr, digits=1) -%}
  cast(cast(round({{ expr }}, {{ digits }}) as decimal(38, {{ digits }})) as {{ sa_type_string() }})
{%- endmacro %}

{#- The anomaly rules as rows, one per subject ('' for population, else the metric name):
    subject, pct_change, zscore_on, sensitivity, training_span (days read back), day_of_week,
    detection_days, min_abs_change, direction, severity. -#}
{% macro sa_alert_rules_sql(rules) -%}
  {%- set selects = [] -%}
  {%- for subject, r in rules -%}
    {%- set z = r['zscore'] -%}
    {%- set seasonal = z is not none and z['seasonality'] == 'day_of_week' -%}
    {%- do selects.append('select ' ~ sa_string_literal(subject) ~ ' as subject, '
        ~ 'cast(' ~ ('null' if r['pct_change'] is none else r['pct_change']) ~ ' as ' ~ sa_type_double() ~ ') as pct_change, '
        ~ ('true' if z is not none else 'false') ~ ' as zscore_on, '
        ~ 'cast(' ~ (z['sensitivity'] if z is not none else 'null') ~ ' as ' ~ sa_type_double() ~ ') as sensitivity, '
        ~ 'cast(' ~ ((z['training_days'] * (7 if seasonal else 1)) if z is not none else 'null') ~ ' as ' ~ sa_type_bigint() ~ ') as training_span, '
        ~ ('true' if seasonal else 'false') ~ ' as day_of_week, '
        ~ 'cast(' ~ (z['detection_days'] if z is not none else 1) ~ ' as ' ~ sa_type_bigint() ~ ') as detection_days, '
        ~ 'cast(' ~ (r['min_abs_change'] or 0) ~ ' as ' ~ sa_type_double() ~ ') as min_abs_change, '
        ~ sa_string_literal(r['direction']) ~ ' as direction, '
        ~ sa_string_literal(r['severity']) ~ ' as severity') -%}
  {%- endfor -%}
  {{ return(selects | join('\n    union all\n    ')) }}
{%- endmacro %}

{#- The anomaly checks over `series` (segment_id, subject, series_date, series_value) and `rules`
    (sa_alert_rules_sql), as CTEs ending in `flagged_points`: at most one row per (segment, subject),
    the latest flagged detection day (pct_change first on the same day), with method, observed,
    expected, threshold and deviation (percent for pct_change, z for zscore).
    pct_change: the run date against the day before (a previous value of 0 gives no percentage).
    zscore: each of the last detection_days days against the training days before them (the
    trailing training_days days, or with day_of_week the same weekday of as many weeks), sample
    standard deviation, at least 3 training points (fewer: no alert). A flat training series
    (deviation 0) flags any other value. min_abs_change and direction apply to both. -#}
{% macro sa_alert_anomaly_ctes() -%}
pct_change_points as (
    select
        cur.segment_id,
        cur.subject,
        cur.series_date,
        'pct_change' as method,
        cur.series_value as observed,
        prev.series_value as expected,
        r.pct_change as threshold,
        100.0 * (cur.series_value - prev.series_value) / prev.series_value as deviation,
        r.min_abs_change,
        r.direction,
        r.severity
    from series as cur
    inner join rules as r
        on r.subject = cur.subject and r.pct_change is not null
    inner join series as prev
        on prev.segment_id = cur.segment_id
        and prev.subject = cur.subject
        and date_diff('day', prev.series_date, cur.series_date) = 1
    where cur.series_date = {{ sa_alert_run_date() }}
        and prev.series_value <> 0
        and abs(100.0 * (cur.series_value - prev.series_value) / prev.series_value) >= r.pct_change
),

detection_points as (
    select
        s.segment_id, s.subject, s.series_date, s.series_value, r.sensitivity, r.training_span,
        r.day_of_week, r.detection_days, r.min_abs_change, r.direction, r.severity
    from series as s
    inner join rules as r
        on r.subject = s.subject and r.zscore_on
    where date_diff('day', s.series_date, {{ sa_alert_run_date() }}) between 0 and r.detection_days - 1
),

training_stats as (
    select
        d.segment_id,
        d.subject,
        d.series_date,
        d.series_value,
        d.sensitivity,
        d.min_abs_change,
        d.direction,
        d.severity,
        avg(t.series_value) as training_mean,
        stddev_samp(t.series_value) as training_stddev,
        count(*) as training_points
    from detection_points as d
    inner join series as t
        on t.segment_id = d.segment_id
        and t.subject = d.subject
        and date_diff('day', t.series_date, {{ sa_alert_run_date() }}) >= d.detection_days
        and date_diff('day', t.series_date, d.series_date) between 1 and d.training_span
        and (not d.day_of_week or date_diff('day', t.series_date, d.series_date) % 7 = 0)
    group by
        d.segment_id, d.subject, d.series_date, d.series_value, d.sensitivity, d.min_abs_change,
        d.direction, d.severity
),

zscore_points as (
    select
        segment_id,
        subject,
        series_date,
        'zscore' as method,
        series_value as observed,
        training_mean as expected,
        sensitivity as threshold,
        case when training_stddev > 0 then (series_value - training_mean) / training_stddev end as deviation,
        min_abs_change,
        direction,
        severity
    from training_stats
    where training_points >= 3
        and (
            (training_stddev > 0 and abs(series_value - training_mean) >= sensitivity * training_stddev)
            or (training_stddev = 0 and series_value <> training_mean)
        )
),

candidate_points as (
    select * from pct_change_points
    union all
    select * from zscore_points
),

qualifying_points as (
    select
        *,
        row_number() over (
            partition by segment_id, subject
            order by series_date desc, case when method = 'pct_change' then 0 else 1 end
        ) as recency
    from candidate_points
    where abs(observed - expected) >= min_abs_change
        and (
            direction = 'both'
            or (direction = 'spike' and observed > expected)
            or (direction = 'drop' and observed < expected)
        )
),

flagged_points as (
    select * from qualifying_points
    where recency = 1
)
{%- endmacro %}

{#- The readable tail of an anomaly message: what moved, by how much, against what. -#}
{% macro sa_alert_anomaly_text(digits=0) -%}
    case when p.observed < p.expected then 'dropped' else 'rose' end
    || ' to ' || {{ sa_alert_number('p.observed', digits) }}
    || case when p.method = 'pct_change'
        then ' from ' || {{ sa_alert_number('p.expected', digits) }} || ' the day before ('
            || {{ sa_alert_number('p.deviation') }} || ' %, limit ' || {{ sa_alert_number('p.threshold') }} || ' %)'
        else ' against a trailing mean of ' || {{ sa_alert_number('p.expected', digits) }} || ' ('
            || coalesce('z = ' || {{ sa_alert_number('p.deviation', 2) }}, 'flat history') || ', limit '
            || {{ sa_alert_number('p.threshold') }} || ' standard deviations)'
        end
    || ' on ' || cast(p.series_date as {{ sa_type_string() }})
{%- endmacro %}
