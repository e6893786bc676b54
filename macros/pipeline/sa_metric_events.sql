{#- The metric CTEs of fct_segment_metrics_daily, expanded from the `metrics` vars (adding a metric
    never needs a model edit). Per scan group t (one behaviour table, sa_metrics_by_source()):

      source_t_profile_days  ONE scan of the table: every metric of the table at once, as
                             conditional aggregates grouped by (profile, day number); profile-days
                             with no qualifying event of any metric are dropped. Not persisted: a
                             profile-day table is about as large as the events themselves, so
                             writing it would cost more than it saves.
      source_t_member_days   joined to the membership stays (`membership` CTE of the model): one
                             row per (segment, member, day), wide (all of the table's metrics).
      source_t_segment_days  rolled up per (segment, day); unique profiles per metric count the
                             member rows with a qualifying event of that metric (rows are unique
                             per segment, profile and day: a profile's stays in one segment never
                             overlap).
      source_t_m<i>_distinct count_distinct metrics only: distinct values over the members' arrays.
      source_t_metric_rows   unpivoted to one row per (segment, day, metric) by a constant list.

    A qualifying event of a metric is a source row inside the scan range whose `filter` (user SQL,
    pasted as written) holds and whose agg column is not null (sum/avg/min/max: a number;
    `agg_col_name: "1"` = the row itself). Each group scans the range sa_metric_scan_plan() gives
    it. `incremental` adds the join restriction to days a segment still needs (compute_from_day). -#}

{% macro sa_metric_value_expr(metric) -%}
  {%- if metric['agg_col_name'] == '1' -%}1
  {%- elif metric['agg'] == 'count_distinct' -%}{{ adapter.quote(metric['agg_col_name']) }}
  {%- else -%}try_cast({{ adapter.quote(metric['agg_col_name']) }} as {{ sa_type_double() }})
  {%- endif -%}
{%- endmacro %}

{% macro sa_metric_condition(metric) -%}
  {%- set parts = [] -%}
  {%- if metric['filter'] -%}{%- do parts.append('(' ~ metric['filter'] ~ ')') -%}{%- endif -%}
  {%- if metric['agg_col_name'] != '1' -%}{%- do parts.append(sa_metric_value_expr(metric) ~ ' is not null') -%}{%- endif -%}
  {{- parts | join(' and ') if parts else 'true' -}}
{%- endmacro %}

{#- The value of one metric from its group's per-(segment, day) columns (prefix `m<i>_`). -#}
{% macro sa_metric_value_from_columns(metric, i) -%}
  {%- set agg = metric['agg'] -%}
  {%- if agg == 'count' -%}m{{ i }}_event_count
  {%- elif agg == 'sum' -%}m{{ i }}_value_sum
  {%- elif agg == 'avg' -%}m{{ i }}_value_sum / nullif(m{{ i }}_event_count, 0)
  {%- elif agg == 'min' -%}m{{ i }}_value_min
  {%- elif agg == 'max' -%}m{{ i }}_value_max
  {%- else -%}m{{ i }}_distinct_count
  {%- endif -%}
{%- endmacro %}

{#- `case metric_name when '<m1>' then m1_<column> ... end` cast to `type`; without `column`, each
    metric's value (sa_metric_value_from_columns). -#}
{% macro sa_metric_case(metrics, type, column=none) -%}
  cast(case metric_list.metric_name
    {%- for m in metrics %} when {{ sa_string_literal(m['metric']) }} then {{ ('m' ~ loop.index ~ '_' ~ column) if column else sa_metric_value_from_columns(m, loop.index) }}{% endfor %}
  end as {{ type }})
{%- endmacro %}

{% macro sa_metric_rollup_ctes(plan, incremental) -%}
{%- for group in plan['groups'] %}
{%- set t = loop.index %}
{%- set source_text = group['source'] %}
{%- set metrics = group['metrics'] %}
{%- set time_col = adapter.quote(metrics[0]['unixtime_col']) %}
{%- set key_col = adapter.quote(metrics[0]['join_key']) %}
{%- set any_event = [] %}
source_{{ t }}_profile_days as (
    -- one scan of {{ source_text }}
    select
        cast({{ key_col }} as {{ sa_type_string() }}) as profile_id,
        {{ sa_epoch_to_day_number(time_col) }} as day_number
        {%- for m in metrics %}
        {%- set i = loop.index %}
        {%- set cond = sa_metric_condition(m) %}
        {%- set count_expr = 'count(*)' if cond == 'true' else 'count(*) filter (where ' ~ cond ~ ')' %}
        {%- do any_event.append(count_expr ~ ' > 0') %},
        {{ count_expr }} as m{{ i }}_event_count
        {%- if m['agg'] in ('sum', 'avg') %},
        sum({{ sa_metric_value_expr(m) }}) filter (where {{ cond }}) as m{{ i }}_value_sum
        {%- elif m['agg'] in ('min', 'max') %},
        min({{ sa_metric_value_expr(m) }}) filter (where {{ cond }}) as m{{ i }}_value_min,
        max({{ sa_metric_value_expr(m) }}) filter (where {{ cond }}) as m{{ i }}_value_max
        {%- elif m['agg'] == 'count_distinct' %},
        {{ sa_array_agg_distinct(sa_metric_value_expr(m), cond) }} as m{{ i }}_distinct_values
        {%- endif %}
        {%- endfor %}
    from {{ sa_metric_relation(source_text) }}
    where {{ key_col }} is not null
      and {{ sa_time_range_predicate(time_col, group['start_epoch'], group['end_epoch'], group['start_date'], group['end_date']) }}
    group by 1, 2
    having {{ any_event | join(' or ') }}
),

source_{{ t }}_member_days as (
    select
        membership.segment_id,
        profile_days.*,
        coalesce(profile_days.day_number < membership.backfilled_before_day, false) as is_backfilled
    from source_{{ t }}_profile_days as profile_days
    inner join membership
        on membership.profile_id = profile_days.profile_id
        and (membership.valid_from_day is null or profile_days.day_number >= membership.valid_from_day)
        and (membership.valid_to_day is null or profile_days.day_number < membership.valid_to_day)
        {%- if incremental %}
        and (membership.compute_from_day is null or profile_days.day_number >= membership.compute_from_day)
        {%- endif %}
),

source_{{ t }}_segment_days as (
    select
        segment_id,
        day_number
        {%- for m in metrics %}
        {%- set i = loop.index %},
        sum(m{{ i }}_event_count) as m{{ i }}_event_count,
        count(*) filter (where m{{ i }}_event_count > 0) as m{{ i }}_unique_profiles,
        bool_or(m{{ i }}_event_count > 0 and is_backfilled) as m{{ i }}_membership_backfilled
        {%- if m['agg'] in ('sum', 'avg') %},
        sum(m{{ i }}_value_sum) as m{{ i }}_value_sum
        {%- elif m['agg'] in ('min', 'max') %},
        min(m{{ i }}_value_min) as m{{ i }}_value_min,
        max(m{{ i }}_value_max) as m{{ i }}_value_max
        {%- endif %}
        {%- endfor %}
    from source_{{ t }}_member_days
    group by segment_id, day_number
),
{%- for m in metrics if m['agg'] == 'count_distinct' %}
{%- set i = metrics.index(m) + 1 %}

source_{{ t }}_m{{ i }}_distinct as (
    select
        member_days.segment_id,
        member_days.day_number,
        {{ sa_count_distinct('unnested_values.distinct_value') }} as distinct_count
    from source_{{ t }}_member_days as member_days
    {{ sa_cross_join_unnest('member_days.m' ~ i ~ '_distinct_values', 'unnested_values', 'distinct_value') }}
    group by member_days.segment_id, member_days.day_number
),
{%- endfor %}

source_{{ t }}_metric_rows as (
    select
        segment_days.segment_id,
        segment_days.day_number,
        metric_list.metric_name,
        metric_list.metric_table,
        metric_list.agg,
        {{ sa_metric_case(metrics, sa_type_bigint(), 'event_count') }} as event_count,
        {{ sa_metric_case(metrics, sa_type_bigint(), 'unique_profiles') }} as unique_profiles,
        {{ sa_metric_case(metrics, sa_type_double()) }} as metric_value,
        {{ sa_metric_case(metrics, sa_type_boolean(), 'membership_backfilled') }} as membership_backfilled
    from (
        select
            source_{{ t }}_segment_days.*
            {%- for m in metrics if m['agg'] == 'count_distinct' %},
            coalesce(source_{{ t }}_m{{ metrics.index(m) + 1 }}_distinct.distinct_count, 0) as m{{ metrics.index(m) + 1 }}_distinct_count
            {%- endfor %}
        from source_{{ t }}_segment_days
        {%- for m in metrics if m['agg'] == 'count_distinct' %}
        {%- set i = metrics.index(m) + 1 %}
        left join source_{{ t }}_m{{ i }}_distinct
            on source_{{ t }}_m{{ i }}_distinct.segment_id = source_{{ t }}_segment_days.segment_id
            and source_{{ t }}_m{{ i }}_distinct.day_number = source_{{ t }}_segment_days.day_number
        {%- endfor %}
    ) as segment_days
    cross join (
        values
        {%- for m in metrics %}
        ({{ sa_string_literal(m['metric']) }}, {{ sa_string_literal(source_text) }}, {{ sa_string_literal(m['agg']) }}){{ ',' if not loop.last }}
        {%- endfor %}
    ) as metric_list (metric_name, metric_table, agg)
),
{%- endfor %}

all_metric_rows as (
{%- for group in plan['groups'] %}
    select * from source_{{ loop.index }}_metric_rows
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
)
{%- endmacro %}
