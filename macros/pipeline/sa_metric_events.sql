{#- Per-metric SQL of the metric pipeline, looped over the `metrics` vars in its models (adding a
    metric never needs a model edit):

      int_metric_events__member_days   one scan per behaviour table, grouped per (profile, day),
                                       joined to the membership stays
      int_metric_events__segment_days  rolled up per (segment, day)
      fct_segment_metrics_daily        unpivoted to one row per (segment, day, metric)

    The metrics of one scan group (one behaviour table, sa_metrics_by_source()) sit side by side as
    columns named by their *slot*, their position in the group (m1_ = its first metric, m2_ = its
    second, ...), so the groups' rows share one set of columns and union without a column per
    metric of the whole configuration. A slot's columns (sa_metric_slots):
      m<i>_event_count       qualifying events (every slot)
      m<i>_value_sum         sum of the values (a sum or avg metric in this slot in any group)
      m<i>_value_min / _max  (a min or max metric in this slot in any group)
      m<i>_distinct_values   distinct values as varchar, member-day step only (count_distinct)
      m<i>_distinct_count    distinct values of the segment's members, roll-up step (count_distinct)
    A group without a metric of that kind in the slot has nulls there.

    A qualifying event of a metric is a source row inside the scan range whose `filter` (user SQL,
    pasted as written) holds and whose agg column is not null (sum/avg/min/max: a number;
    `agg_col_name: "1"` = the row itself). -#}

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

{#- `count(*)` of a metric's qualifying events (filtered unless every row qualifies). -#}
{% macro sa_metric_event_count(metric) -%}
  {%- set cond = sa_metric_condition(metric) -%}
  {{- 'count(*)' if cond == 'true' else 'count(*) filter (where ' ~ cond ~ ')' -}}
{%- endmacro %}

{#- The slots of the scan groups: [{'index': i, 'sum': bool, 'min_max': bool, 'distinct': bool}, ...],
    one per position up to the largest group; a kind is true when any group's metric in that slot
    needs it. -#}
{% macro sa_metric_slots(groups) -%}
  {%- set slots = [] -%}
  {%- for group in groups -%}
    {%- for m in group['metrics'] -%}
      {%- if slots | length < loop.index -%}
        {%- do slots.append({'index': loop.index, 'sum': false, 'min_max': false, 'distinct': false}) -%}
      {%- endif -%}
      {%- set slot = slots[loop.index0] -%}
      {%- if m['agg'] in ('sum', 'avg') -%}{%- do slot.update({'sum': true}) -%}{%- endif -%}
      {%- if m['agg'] in ('min', 'max') -%}{%- do slot.update({'min_max': true}) -%}{%- endif -%}
      {%- if m['agg'] == 'count_distinct' -%}{%- do slot.update({'distinct': true}) -%}{%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {{ return(slots) }}
{%- endmacro %}

{#- The per-(profile, day) aggregates of one metric in its slot's columns; `metric` none gives the
    slot's typed nulls (a group with fewer metrics than the slot's position). -#}
{% macro sa_metric_profile_day_columns(metric, slot) -%}
  {%- set i = slot['index'] -%}
  {%- set cols = [] -%}
  {%- if metric is none -%}
    {%- do cols.append('cast(null as ' ~ sa_type_bigint() ~ ') as m' ~ i ~ '_event_count') -%}
  {%- else -%}
    {%- do cols.append(sa_metric_event_count(metric) ~ ' as m' ~ i ~ '_event_count') -%}
  {%- endif -%}
  {%- set agg = metric['agg'] if metric is not none else none -%}
  {%- set cond = sa_metric_condition(metric) if metric is not none else none -%}
  {%- if slot['sum'] -%}
    {%- if agg in ('sum', 'avg') -%}
      {%- do cols.append('sum(' ~ sa_metric_value_expr(metric) ~ ') filter (where ' ~ cond ~ ') as m' ~ i ~ '_value_sum') -%}
    {%- else -%}
      {%- do cols.append('cast(null as ' ~ sa_type_double() ~ ') as m' ~ i ~ '_value_sum') -%}
    {%- endif -%}
  {%- endif -%}
  {%- if slot['min_max'] -%}
    {%- if agg in ('min', 'max') -%}
      {%- do cols.append('min(' ~ sa_metric_value_expr(metric) ~ ') filter (where ' ~ cond ~ ') as m' ~ i ~ '_value_min') -%}
      {%- do cols.append('max(' ~ sa_metric_value_expr(metric) ~ ') filter (where ' ~ cond ~ ') as m' ~ i ~ '_value_max') -%}
    {%- else -%}
      {%- do cols.append('cast(null as ' ~ sa_type_double() ~ ') as m' ~ i ~ '_value_min') -%}
      {%- do cols.append('cast(null as ' ~ sa_type_double() ~ ') as m' ~ i ~ '_value_max') -%}
    {%- endif -%}
  {%- endif -%}
  {%- if slot['distinct'] -%}
    {%- if agg == 'count_distinct' -%}
      {%- do cols.append(sa_array_agg_distinct(sa_metric_value_expr(metric), cond) ~ ' as m' ~ i ~ '_distinct_values') -%}
    {%- else -%}
      {#- an untyped null: the union takes the array type of the group that has the values -#}
      {%- do cols.append('null as m' ~ i ~ '_distinct_values') -%}
    {%- endif -%}
  {%- endif -%}
  {{- cols | join(',\n    ') -}}
{%- endmacro %}

{#- The per-(segment, day) roll-up of one slot's member rows (rows are unique per segment, profile
    and day: a profile's stays in one segment never overlap, so a row is one member). -#}
{% macro sa_metric_segment_day_columns(slot) -%}
  {%- set m = 'm' ~ slot['index'] -%}
  sum({{ m }}_event_count) as {{ m }}_event_count,
        count(*) filter (where {{ m }}_event_count > 0) as {{ m }}_unique_profiles,
        bool_or({{ m }}_event_count > 0 and is_backfilled) as {{ m }}_membership_backfilled
  {%- if slot['sum'] %},
        sum({{ m }}_value_sum) as {{ m }}_value_sum
  {%- endif %}
  {%- if slot['min_max'] %},
        min({{ m }}_value_min) as {{ m }}_value_min,
        max({{ m }}_value_max) as {{ m }}_value_max
  {%- endif %}
{%- endmacro %}

{#- The value of one metric from its slot's per-(segment, day) columns. -#}
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

{#- `case metric_list.metric_name when '<metric>' then m<slot>_<column> ... end` cast to `type`, over
    every metric of every group; without `column`, each metric's value (sa_metric_value_from_columns). -#}
{% macro sa_metric_case(groups, type, column=none) -%}
  cast(case metric_list.metric_name
    {%- for group in groups %}{% for m in group['metrics'] %} when {{ sa_string_literal(m['metric']) }} then {{ ('m' ~ loop.index ~ '_' ~ column) if column else sa_metric_value_from_columns(m, loop.index) }}{% endfor %}{% endfor %}
  end as {{ type }})
{%- endmacro %}

{#- `(values (<scan group>, '<metric>', '<source>', '<agg>'), ...) as metric_list (...)`: which
    metrics each scan group's rows carry. -#}
{% macro sa_metric_list_values(groups) -%}
  {%- set rows = [] -%}
  {%- for group in groups -%}
    {%- set t = loop.index -%}
    {%- for m in group['metrics'] -%}
      {%- do rows.append('(' ~ t ~ ', ' ~ sa_string_literal(m['metric']) ~ ', ' ~ sa_string_literal(group['source'])
                         ~ ', ' ~ sa_string_literal(m['agg']) ~ ')') -%}
    {%- endfor -%}
  {%- endfor -%}
  (values {{ rows | join(', ') }}) as metric_list (scan_group, metric_name, metric_table, agg)
{%- endmacro %}
