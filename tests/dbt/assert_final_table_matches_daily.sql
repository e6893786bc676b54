-- The wide table has exactly one row per (segment, event day) of the long table's configured
-- metrics, and each <metric>_total equals that metric's metric_value.
{%- set metrics = sa_cfg()['metrics'] %}
with long_days as (
    select distinct segment_id, event_date
    from {{ ref('fct_segment_metrics_daily') }}
    {%- if metrics %}
    where metric_name in ({% for m in metrics %}{{ sa_string_literal(m['metric']) }}{{ ', ' if not loop.last }}{% endfor %})
    {%- endif %}
),

missing_or_extra as (
    select coalesce(long_days.segment_id, wide.segment_id) as segment_id,
           coalesce(long_days.event_date, wide.event_date) as event_date,
           'row' as problem
    from long_days
    full outer join {{ ref('fct_segment_metrics_wide') }} as wide
        on wide.segment_id = long_days.segment_id
        and wide.event_date = long_days.event_date
    where long_days.segment_id is null or wide.segment_id is null
)
{%- for m in metrics %},

mismatch_{{ loop.index }} as (
    select daily.segment_id, daily.event_date, {{ sa_string_literal(m['metric']) }} as problem
    from {{ ref('fct_segment_metrics_daily') }} as daily
    inner join {{ ref('fct_segment_metrics_wide') }} as wide
        on wide.segment_id = daily.segment_id
        and wide.event_date = daily.event_date
    where daily.metric_name = {{ sa_string_literal(m['metric']) }}
      and (wide.{{ m['metric'] }}_total is null
           or abs(wide.{{ m['metric'] }}_total - daily.metric_value) > 1e-9)
)
{%- endfor %}

select * from missing_or_extra
{%- for m in metrics %}
union all
select * from mismatch_{{ loop.index }}
{%- endfor %}
