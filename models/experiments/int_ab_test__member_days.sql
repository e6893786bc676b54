{{ config(materialized='ephemeral') }}
{#- A/B test × arm × member × event day × metric: the member's qualifying events of that day from its
    exposure day to the window's end. ONE scan per behaviour table (scan group, sa_metrics_by_source())
    for every test together, over the days from the earliest test start to the latest window end,
    grouped per (profile, day) with the table's metrics side by side in slot columns (the metric
    pipeline's own definitions, macros/pipeline/sa_metric_events.sql: qualifying events, values),
    then joined to the tests' members and unpivoted to the metrics each test reads. Days without a
    qualifying event of the metric are dropped (a member without events has no row here and counts
    with 0). Ephemeral: read once, by int_ab_test__arm_days. -#}
/* depends_on: {{ ref('int_segments__selected') }} */
{%- set plan = sa_ab_test_plan() -%}
{%- set groups = sa_metrics_by_source() -%}
{%- set exposures = ref('int_ab_test__exposures') -%}

with test_metrics as (
    select test_name, metric_name, agg
    from {{ sa_ab_test_metric_values(plan) }}
    where metric_name <> ''
)
{%- if plan['tests'] and groups %}
{%- for source_text, metrics in groups %}
{%- set slots = sa_metric_slots([{'metrics': metrics}]) %}
{%- for slot in slots %}{% do slot.update({'distinct': false}) %}{% endfor %}
{%- set time_col = adapter.quote(metrics[0]['unixtime_col']) %}
{%- set key_col = adapter.quote(metrics[0]['join_key']) %},

profile_days_{{ loop.index }} as (
    -- one scan of {{ source_text }}
    select
        cast({{ key_col }} as {{ sa_type_string() }}) as profile_id,
        {{ sa_epoch_to_day_number(time_col) }} as day_number
        {%- for slot in slots %},
        {{ sa_metric_profile_day_columns(metrics[loop.index0], slot) }}
        {%- endfor %}
    from {{ sa_metric_relation(source_text) }}
    where {{ key_col }} is not null
      and {{ sa_time_range_predicate(time_col, plan['scan_start_epoch'], plan['scan_end_epoch']) }}
    group by 1, 2
    having {% for m in metrics %}{{ sa_metric_event_count(m) }} > 0{{ ' or ' if not loop.last }}{% endfor %}
),

member_days_{{ loop.index }} as (
    select
        exposures.test_name,
        exposures.segment_id,
        exposures.profile_id,
        profile_days.day_number,
        test_metrics.metric_name,
        test_metrics.agg,
        {%- for column, kinds, type in [('event_count', ('count', 'sum', 'avg', 'min', 'max', 'count_distinct'), sa_type_bigint()),
                                        ('value_sum', ('sum', 'avg'), sa_type_double()),
                                        ('value_min', ('min', 'max'), sa_type_double()),
                                        ('value_max', ('min', 'max'), sa_type_double())] %}
        {%- set branches = [] %}
        {%- for m in metrics %}{% if m['agg'] in kinds %}
        {%- do branches.append('when ' ~ sa_string_literal(m['metric']) ~ ' then m' ~ loop.index ~ '_' ~ column) %}
        {%- endif %}{% endfor %}
        {%- if branches %}
        cast(case test_metrics.metric_name {{ branches | join(' ') }} end as {{ type }}) as {{ column }}{{ ',' if not loop.last }}
        {%- else %}
        cast(null as {{ type }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endif %}
        {%- endfor %}
    from profile_days_{{ loop.index }} as profile_days
    inner join {{ exposures }} as exposures
        on exposures.profile_id = profile_days.profile_id
        and profile_days.day_number >= exposures.exposure_day
        and profile_days.day_number < exposures.end_day
    inner join test_metrics
        on test_metrics.test_name = exposures.test_name
        and test_metrics.metric_name in ({% for m in metrics %}{{ sa_string_literal(m['metric']) }}{{ ', ' if not loop.last }}{% endfor %})
)
{%- endfor %}

select * from (
{%- for _ in groups %}
    select * from member_days_{{ loop.index }} where event_count > 0
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
) as member_days
{%- else %}

select
    test_metrics.test_name,
    cast(null as {{ sa_type_string() }}) as segment_id,
    cast(null as {{ sa_type_string() }}) as profile_id,
    cast(null as {{ sa_type_bigint() }}) as day_number,
    test_metrics.metric_name,
    test_metrics.agg,
    cast(null as {{ sa_type_bigint() }}) as event_count,
    cast(null as {{ sa_type_double() }}) as value_sum,
    cast(null as {{ sa_type_double() }}) as value_min,
    cast(null as {{ sa_type_double() }}) as value_max
from test_metrics
where 1 = 0
{%- endif %}
