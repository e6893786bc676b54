{#- int_metric_events__profile_daily: ONE scan per source table. For each table, every metric of
    that table is computed at once with conditional aggregates grouped by (profile, UTC day), then
    the per-table row is unpivoted to one row per metric with a constant VALUES list (no re-scan).

    A qualifying event of a metric is a source row inside the event window whose `filter` (user
    SQL, pasted as written) holds and whose agg column is not null (sum/avg/min/max: a number;
    `agg_col_name: "1"` = the row itself). Columns carried for the roll-up:
      event_count      qualifying events
      value_sum        sum of the agg column (sum, avg)
      value_min/max    min / max of the agg column (min, max)
      distinct_values  distinct values of the agg column as text (count_distinct)
    Rows are kept only when event_count > 0. Each group scans the range sa_metric_events_plan()
    gives it (incremental: new event days only). -#}

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

{% macro sa_empty_metric_events_select() -%}
select
    cast(null as {{ sa_type_string() }}) as profile_id,
    cast(null as date) as event_date,
    cast(null as {{ sa_type_string() }}) as metric_name,
    cast(null as {{ sa_type_string() }}) as metric_table,
    cast(null as {{ sa_type_string() }}) as agg,
    cast(null as {{ sa_type_bigint() }}) as event_count,
    cast(null as {{ sa_type_double() }}) as value_sum,
    cast(null as {{ sa_type_double() }}) as value_min,
    cast(null as {{ sa_type_double() }}) as value_max,
    cast(null as {{ sa_type_string_array() }}) as distinct_values,
    cast(null as {{ sa_type_string() }}) as metric_definition_hash
where 1 = 0
{%- endmacro %}

{% macro sa_metric_events_sql() -%}
  {%- set plan = sa_metric_events_plan() -%}
  {%- set groups = plan['groups'] -%}
  {%- if not groups -%}{{ return(sa_empty_metric_events_select()) }}{%- endif -%}
with
{%- for group in groups %}
{%- set t = loop.index %}
{%- set source_text = group['source'] %}
{%- set metrics = group['metrics'] %}
{%- set time_col = adapter.quote(metrics[0]['unixtime_col']) %}
{%- set key_col = adapter.quote(metrics[0]['join_key']) %}
source_{{ t }}_profile_days as (
    -- one scan of {{ source_text }}
    select
        cast({{ key_col }} as {{ sa_type_string() }}) as profile_id,
        {{ sa_epoch_to_date(time_col) }} as event_date
        {%- for m in metrics %}
        {%- set i = loop.index %}
        {%- set cond = sa_metric_condition(m) %},
        sum(case when {{ cond }} then 1 else 0 end) as m{{ i }}_event_count
        {%- if m['agg'] in ('sum', 'avg') %},
        sum(case when {{ cond }} then {{ sa_metric_value_expr(m) }} end) as m{{ i }}_value_sum
        {%- elif m['agg'] in ('min', 'max') %},
        min(case when {{ cond }} then {{ sa_metric_value_expr(m) }} end) as m{{ i }}_value_min,
        max(case when {{ cond }} then {{ sa_metric_value_expr(m) }} end) as m{{ i }}_value_max
        {%- elif m['agg'] == 'count_distinct' %},
        {{ sa_array_agg_distinct(sa_metric_value_expr(m), cond) }} as m{{ i }}_distinct_values
        {%- endif %}
        {%- endfor %}
    from {{ sa_metric_relation(source_text) }}
    where {{ key_col }} is not null
      and {{ sa_time_range_predicate(time_col, group['start_epoch'], group['end_epoch'], group['start_date'], group['end_date']) }}
    group by 1, 2
),

source_{{ t }}_metric_rows as (
    select
        d.profile_id,
        d.event_date,
        metric_list.metric_name,
        metric_list.metric_table,
        metric_list.agg,
        metric_list.metric_definition_hash,
        cast(case metric_list.metric_name
            {%- for m in metrics %} when {{ sa_string_literal(m['metric']) }} then m{{ loop.index }}_event_count{% endfor %}
        end as {{ sa_type_bigint() }}) as event_count,
        cast(case metric_list.metric_name
            when '' then null
            {%- for m in metrics %}{% if m['agg'] in ('sum', 'avg') %} when {{ sa_string_literal(m['metric']) }} then m{{ loop.index }}_value_sum{% endif %}{% endfor %}
        end as {{ sa_type_double() }}) as value_sum,
        cast(case metric_list.metric_name
            when '' then null
            {%- for m in metrics %}{% if m['agg'] in ('min', 'max') %} when {{ sa_string_literal(m['metric']) }} then m{{ loop.index }}_value_min{% endif %}{% endfor %}
        end as {{ sa_type_double() }}) as value_min,
        cast(case metric_list.metric_name
            when '' then null
            {%- for m in metrics %}{% if m['agg'] in ('min', 'max') %} when {{ sa_string_literal(m['metric']) }} then m{{ loop.index }}_value_max{% endif %}{% endfor %}
        end as {{ sa_type_double() }}) as value_max,
        cast(case metric_list.metric_name
            when '' then null
            {%- for m in metrics %}{% if m['agg'] == 'count_distinct' %} when {{ sa_string_literal(m['metric']) }} then m{{ loop.index }}_distinct_values{% endif %}{% endfor %}
        end as {{ sa_type_string_array() }}) as distinct_values
    from source_{{ t }}_profile_days as d
    cross join (
        values
        {%- for m in metrics %}
        ({{ sa_string_literal(m['metric']) }}, {{ sa_string_literal(source_text) }}, {{ sa_string_literal(m['agg']) }}, {{ sa_string_literal(sa_metric_definition_hash(m)) }}){{ ',' if not loop.last }}
        {%- endfor %}
    ) as metric_list (metric_name, metric_table, agg, metric_definition_hash)
){{ ',' }}
{%- endfor %}

all_metric_rows as (
{%- for group in groups %}
    select * from source_{{ loop.index }}_metric_rows
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
)

select
    profile_id,
    event_date,
    metric_name,
    metric_table,
    agg,
    event_count,
    value_sum,
    value_min,
    value_max,
    distinct_values,
    metric_definition_hash
from all_metric_rows
where event_count > 0
{%- endmacro %}
