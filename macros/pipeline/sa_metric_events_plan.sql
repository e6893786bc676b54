{#- What fct_segment_metrics_daily computes this run, from its coverage table
    (`<prefix>_metrics_daily_coverage`: per selected segment and metric, the last event day computed
    and the metric's definition hash; written after each successful build of the daily table).

    A (segment, metric) pair is resumed from its last covered day (that day is recomputed, so
    events that arrived late for it count) when the pair is covered with the metric's current
    definition; otherwise (a new segment or metric, a changed definition, a first build or
    --full-refresh) it gets every day of the window. Coverage does not depend on activity: a
    segment with no events for a metric is not rescanned every run.

    Per scan group (source, join_key, unixtime_col, sa_metrics_by_source()) the table is scanned
    from the earliest day any selected pair of the group needs, as a literal (epoch seconds) so
    engines prune on the time column. Called from fct_segment_metrics_daily (it reads `this`). -#}

{% macro sa_metric_definition_hash(metric) -%}
  {{ return(local_md5([metric['agg'], metric['agg_col_name'], metric['source'], metric['join_key'],
                        metric['unixtime_col'], metric['filter'] or ''] | join('\x1f'))) }}
{%- endmacro %}

{#- `(values ('<metric>', '<definition hash>'), ...) as configured_metrics (metric_name, metric_definition_hash)` -#}
{% macro sa_configured_metrics_values() -%}
  {%- set rows = [] -%}
  {%- for m in sa_cfg()['metrics'] -%}
    {%- do rows.append('(' ~ sa_string_literal(m['metric']) ~ ', ' ~ sa_string_literal(sa_metric_definition_hash(m)) ~ ')') -%}
  {%- endfor -%}
  (values {{ rows | join(', ') }}) as configured_metrics (metric_name, metric_definition_hash)
{%- endmacro %}

{#- The coverage table next to `this`, or none (parse time, first build, or before it existed). -#}
{% macro sa_metrics_coverage_relation() -%}
  {%- if not execute -%}{{ return(none) }}{%- endif -%}
  {{ return(adapter.get_relation(database=this.database, schema=this.schema,
                                 identifier=sa_mart_alias('metrics_daily_coverage'))) }}
{%- endmacro %}

{#- SELECT (segment_id, metric_name, last_event_date) of the pairs already computed with the
    metrics' current definitions. Without a coverage table (a daily table built before it
    existed) the last day with a row stands in. -#}
{% macro sa_metrics_computed_through_sql() -%}
  {%- set coverage = sa_metrics_coverage_relation() -%}
  {%- if coverage is not none and sa_cfg()['metrics'] -%}
    select coverage.segment_id, coverage.metric_name, coverage.covered_through_date as last_event_date
    from {{ coverage }} as coverage
    inner join {{ sa_configured_metrics_values() }}
        on configured_metrics.metric_name = coverage.metric_name
        and configured_metrics.metric_definition_hash = coverage.metric_definition_hash
  {%- else -%}
    select daily.segment_id, daily.metric_name, max(daily.event_date) as last_event_date
    from {{ this }} as daily
    {%- if sa_cfg()['metrics'] %}
    inner join {{ sa_configured_metrics_values() }}
        on configured_metrics.metric_name = daily.metric_name
    {%- endif %}
    group by daily.segment_id, daily.metric_name
  {%- endif -%}
{%- endmacro %}

{% macro sa_metric_scan_plan(selected_relation) -%}
  {%- set window = sa_event_window() -%}
  {%- set resume = {} -%}
  {%- if execute and is_incremental() and sa_cfg()['metrics'] -%}
    {%- set query -%}
      with computed_through as (
          {{ sa_metrics_computed_through_sql() }}
      )
      select
          configured_metrics.metric_name,
          count(*) - count(computed_through.last_event_date) as pairs_not_computed,
          cast(min(computed_through.last_event_date) as {{ sa_type_string() }}) as resume_date
      from {{ selected_relation }} as selected
      cross join {{ sa_configured_metrics_values() }}
      left join computed_through
          on computed_through.segment_id = selected.segment_id
          and computed_through.metric_name = configured_metrics.metric_name
      where selected.is_selected
      group by configured_metrics.metric_name
    {%- endset -%}
    {%- for row in run_query(query).rows -%}
      {%- if row[1] == 0 and row[2] is not none -%}{%- do resume.update({row[0]: row[2][:10]}) -%}{%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- set groups = [] -%}
  {%- for source_text, group_metrics in sa_metrics_by_source() -%}
    {%- set group = {'source': source_text, 'metrics': group_metrics, 'start_epoch': window['start_epoch'],
                     'end_epoch': window['end_epoch'], 'start_date': window['start_date'],
                     'end_date': window['end_date']} -%}
    {%- set days = [] -%}
    {%- for m in group_metrics if m['metric'] in resume -%}{%- do days.append(resume[m['metric']]) -%}{%- endfor -%}
    {%- if days and days | length == group_metrics | length -%}
      {%- set resume_day = days | min -%}
      {%- set resume_epoch = sa_date_string_to_epoch(resume_day) | int -%}
      {%- if window['start_epoch'] is none or resume_epoch > window['start_epoch'] -%}
        {%- do group.update({'start_epoch': resume_epoch, 'start_date': resume_day}) -%}
      {%- endif -%}
    {%- endif -%}
    {%- do groups.append(group) -%}
  {%- endfor -%}
  {{ return({'groups': groups, 'window': window}) }}
{%- endmacro %}

{#- Pre-hook of fct_segment_metrics_daily: a metric whose definition changed is recomputed over the
    window, so its old rows (computed under the old definition) are deleted first. One DELETE with
    a WHERE; nothing on a first build or full refresh, or without a coverage table. -#}
{% macro sa_metrics_daily_pre_delete() -%}
  {%- if not execute or not is_incremental() or not sa_cfg()['metrics'] -%}{{ return('') }}{%- endif -%}
  {%- set coverage = sa_metrics_coverage_relation() -%}
  {%- if coverage is none -%}{{ return('') }}{%- endif -%}
  {%- set query -%}
    select distinct coverage.metric_name
    from {{ coverage }} as coverage
    inner join {{ sa_configured_metrics_values() }}
        on configured_metrics.metric_name = coverage.metric_name
    where configured_metrics.metric_definition_hash <> coverage.metric_definition_hash
  {%- endset -%}
  {%- set changed = [] -%}
  {%- for row in run_query(query).rows -%}{%- do changed.append(sa_string_literal(row[0])) -%}{%- endfor -%}
  {%- if not changed -%}{{ return('') }}{%- endif -%}
  {{ return('delete from ' ~ this ~ ' where metric_name in (' ~ changed | join(', ') ~ ')') }}
{%- endmacro %}
