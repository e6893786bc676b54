{#- What fct_segment_metrics_daily computes this run, from its coverage table
    (`<prefix>_metrics_daily_coverage`: per selected segment and metric, the last event day computed
    and the metric's definition hash; written after each successful build of the daily table).

    A (segment, metric) pair is resumed from its last covered day (that day is recomputed, so
    events that arrived late for it count) when the pair is covered with the metric's current
    definition and the current `membership_basis`; otherwise (a new segment or metric, a changed
    definition, a switched basis, a first build or --full-refresh) it gets every day of the window,
    and its rows inside the window are deleted first (sa_metrics_daily_pre_delete). Rows outside
    the window are never rebuilt, so they are never deleted (except a changed definition's: below).
    Coverage does not depend on activity: a segment with no events for a metric is not rescanned
    every run.

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

{#- True when the coverage table records the membership basis (tables written before that
    column existed get it appended, null on their old rows). -#}
{% macro sa_metrics_coverage_has_basis(coverage) -%}
  {%- if coverage is none -%}{{ return(false) }}{%- endif -%}
  {%- for column in adapter.get_columns_in_relation(coverage) -%}
    {%- if column.name | lower == 'membership_basis' -%}{{ return(true) }}{%- endif -%}
  {%- endfor -%}
  {{ return(false) }}
{%- endmacro %}

{#- SELECT (segment_id, metric_name, last_event_date) of the pairs already computed with the
    metrics' current definitions and the current membership basis (a null basis, recorded before
    the basis was, counts as the current one). Without a coverage table (a daily table built
    before it existed) the last day with a row stands in. Empty under --full-refresh: every
    selected pair is recomputed over the window (days outside it are kept). -#}
{% macro sa_metrics_computed_through_sql() -%}
  {%- set coverage = sa_metrics_coverage_relation() -%}
  {%- if flags.FULL_REFRESH -%}
    select daily.segment_id, daily.metric_name, daily.event_date as last_event_date
    from {{ this }} as daily
    where 1 = 0
  {%- elif coverage is not none and sa_cfg()['metrics'] -%}
    select coverage.segment_id, coverage.metric_name, coverage.covered_through_date as last_event_date
    from {{ coverage }} as coverage
    inner join {{ sa_configured_metrics_values() }}
        on configured_metrics.metric_name = coverage.metric_name
        and configured_metrics.metric_definition_hash = coverage.metric_definition_hash
    {%- if sa_metrics_coverage_has_basis(coverage) %}
    where coalesce(coverage.membership_basis, {{ sa_string_literal(sa_cfg()['membership_basis']) }})
        = {{ sa_string_literal(sa_cfg()['membership_basis']) }}
    {%- endif %}
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

{#- `event_date` inside the time window, as a SQL predicate (`alias.event_date`). -#}
{% macro sa_metrics_window_predicate(column) -%}
  {%- set window = sa_event_window() -%}
  {%- if window['start_date'] is not none -%}{{ column }} >= {{ sa_date_literal(window['start_date']) }} and {% endif -%}
  {{ column }} < {{ sa_date_literal(window['end_date']) }}
{%- endmacro %}

{#- Pre-hook of fct_segment_metrics_daily (point_in_time), one DELETE with a WHERE:
    - a metric whose definition changed is recomputed over the window, so all its old rows
      (computed under the old definition) are deleted;
    - every selected (segment, metric) pair recomputed over the window (not covered with the
      current definition and basis, or every pair under --full-refresh) has its rows *inside the
      window* deleted, so a day that no longer has events does not keep a stale row. Rows outside
      the window, of segments not selected and of metrics no longer configured are kept.
    Nothing on a first build or when nothing is recomputed. -#}
{% macro sa_metrics_daily_pre_delete() -%}
  {%- if not execute or not is_incremental() or not sa_cfg()['metrics'] -%}{{ return('') }}{%- endif -%}
  {%- set coverage = sa_metrics_coverage_relation() -%}
  {%- set changed = [] -%}
  {%- if coverage is not none -%}
    {%- set query -%}
      select distinct coverage.metric_name
      from {{ coverage }} as coverage
      inner join {{ sa_configured_metrics_values() }}
          on configured_metrics.metric_name = coverage.metric_name
      where configured_metrics.metric_definition_hash <> coverage.metric_definition_hash
    {%- endset -%}
    {%- for row in run_query(query).rows -%}{%- do changed.append(sa_string_literal(row[0])) -%}{%- endfor -%}
  {%- endif -%}
  {%- set selected = ref('int_segments__selected') -%}
  {%- set query -%}
    with computed_through as (
        {{ sa_metrics_computed_through_sql() }}
    )
    select distinct configured_metrics.metric_name
    from {{ selected }} as selected
    cross join {{ sa_configured_metrics_values() }}
    left join computed_through
        on computed_through.segment_id = selected.segment_id
        and computed_through.metric_name = configured_metrics.metric_name
    where selected.is_selected and computed_through.segment_id is null
  {%- endset -%}
  {%- set rebuilt = run_query(query).columns[0].values() | list -%}
  {%- if not changed and not rebuilt -%}{{ return('') }}{%- endif -%}
  {%- set conditions = [] -%}
  {%- if changed -%}{%- do conditions.append('metric_name in (' ~ changed | join(', ') ~ ')') -%}{%- endif -%}
  {%- for metric_name in rebuilt -%}
    {%- set pair -%}
      ({{ sa_metrics_window_predicate('event_date') }}
       and metric_name = {{ sa_string_literal(metric_name) }}
       and segment_id in (
          select selected.segment_id
          from {{ selected }} as selected
          where selected.is_selected
            and selected.segment_id not in (
                select computed_through.segment_id
                from ({{ sa_metrics_computed_through_sql() }}) as computed_through
                where computed_through.metric_name = {{ sa_string_literal(metric_name) }}
                  and computed_through.segment_id is not null
            )
       ))
    {%- endset -%}
    {%- do conditions.append(pair) -%}
  {%- endfor -%}
  {{ return('delete from ' ~ this ~ ' where ' ~ conditions | join(' or ')) }}
{%- endmacro %}

{#- membership_basis current rebuilds the daily table over the window on every run (a table):
    refuse, before anything is written, when that would erase point_in_time history — rows the
    coverage table records as computed under point_in_time that the rebuild would not recompute
    (days outside the window, segments no longer selected, metrics no longer configured). -#}
{% macro sa_metrics_daily_guard_basis_switch() -%}
  {%- if not execute or sa_cfg()['membership_basis'] != 'current' -%}{{ return('') }}{%- endif -%}
  {%- set existing = load_relation(this) -%}
  {%- set coverage = sa_metrics_coverage_relation() -%}
  {%- if existing is none or coverage is none or not sa_metrics_coverage_has_basis(coverage) -%}
    {{ return('') }}
  {%- endif -%}
  {%- set query -%}
    select count(*), cast(min(daily.event_date) as {{ sa_type_string() }}), cast(max(daily.event_date) as {{ sa_type_string() }})
    from {{ existing }} as daily
    inner join {{ coverage }} as coverage
        on coverage.segment_id = daily.segment_id
        and coverage.metric_name = daily.metric_name
    where coverage.membership_basis = 'point_in_time'
      and not (
        {{ sa_metrics_window_predicate('daily.event_date') }}
        {%- if sa_cfg()['metrics'] %}
        and daily.metric_name in ({% for m in sa_cfg()['metrics'] %}{{ sa_string_literal(m['metric']) }}{{ ', ' if not loop.last }}{% endfor %})
        {%- else %}
        and 1 = 0
        {%- endif %}
        and daily.segment_id in (
            select segment_id from {{ ref('int_segments__selected') }} where is_selected and segment_id is not null)
      )
  {%- endset -%}
  {%- set row = run_query(query).rows[0] -%}
  {%- if row[0] > 0 -%}
    {{ exceptions.raise_compiler_error(
        "membership_basis: 'current' would erase history. " ~ existing ~ " holds " ~ row[0]
        ~ " row(s) computed under point_in_time (event days " ~ row[1][:10] ~ " to " ~ row[2][:10]
        ~ ") that 'current' does not recompute: days outside the time window, segments no longer"
        ~ " selected or metrics no longer configured. 'current' rebuilds the table over the window"
        ~ " on every run, so they would be lost. Nothing was changed. Keep membership_basis"
        ~ " point_in_time, or copy " ~ existing ~ " elsewhere (or build 'current' under another"
        ~ " project_prefix), then drop it and build again.") }}
  {%- endif -%}
  {{ return('') }}
{%- endmacro %}
