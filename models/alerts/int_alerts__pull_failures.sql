{#- One account-level alert when pulls failed (cdp_landing__pull_runs status 'failed') for the run
    date or after the newest successful pull; off with alerts.pull_failed.enabled: false. The
    reason is the pull's own redacted problem text. -#}
{%- set alerts = sa_cfg()['alerts'] -%}

with pull_runs as (
    select
        cast(pull_id as {{ sa_type_string() }}) as pull_id,
        cast(run_date as date) as run_date,
        cast(finished_at as {{ sa_type_timestamp() }}) as finished_at,
        status,
        cast(problems as {{ sa_type_string() }}) as problems
    from {{ source('cdp_landing', 'cdp_landing__pull_runs') }}
),

last_success as (
    select max(finished_at) as last_success_at
    from pull_runs
    where status like 'success%'
),

failed_pulls as (
    select f.*
    from pull_runs as f
    cross join last_success as s
    where f.status = 'failed'
        and (f.run_date = {{ sa_alert_run_date() }} or s.last_success_at is null or f.finished_at > s.last_success_at)
),

failure_summary as (
    select
        count(*) as failures,
        max(finished_at) as last_failed_at,
        max_by(problems, finished_at) as last_problems
    from failed_pulls
)

select
    'pull_failed' as kind,
    {{ sa_string_literal(alerts['pull_failed']['severity']) }} as severity,
    cast(null as {{ sa_type_string() }}) as ps_id,
    cast(null as {{ sa_type_string() }}) as segment_id,
    cast(null as {{ sa_type_string() }}) as segment_name,
    cast(null as {{ sa_type_string() }}) as metric_name,
    cast(failures as {{ sa_type_double() }}) as observed_value,
    cast(null as {{ sa_type_double() }}) as expected_value,
    cast(null as {{ sa_type_double() }}) as threshold,
    cast(failures as {{ sa_type_string() }}) || ' pull(s) failed, the last at '
        || substr(cast(last_failed_at as {{ sa_type_string() }}), 1, 16) || ' UTC; the previous landing is kept. Problems: '
        || substr(coalesce(last_problems, ''), 1, 500) as message,
    cast(null as {{ sa_type_string() }}) as updated_by,
    cast(null as {{ sa_type_boolean() }}) as authorized,
    cast(null as {{ sa_type_string() }}) as rule_diff,
    cast(null as {{ sa_type_string() }}) as revert_command,
    '' as subject
from failure_summary
where failures > 0 and {{ 'true' if alerts['pull_failed']['enabled'] else 'false' }}
