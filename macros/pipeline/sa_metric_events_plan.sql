{#- What fct_segment_metrics_daily computes this run. The decision is one model,
    int_metric_coverage__watermarks (per segment × metric: what earlier builds computed, from this
    project's own state, and the day this run resumes from); these macros read it:

      sa_metric_scan_plan           per scan group, the first day its table is scanned from
      sa_metrics_daily_pre_delete   the daily table's rows a recomputation replaces
      sa_metrics_daily_guard_basis_switch
                                    refuse `membership_basis: current` over point_in_time history
      sa_metrics_require_watermarks the watermark must be built by the same dbt invocation

    The state (the coverage table and the daily table as the previous build left them) is the
    dbt source `segment_analytics_state` (models/intermediate/_segment_analytics_state__sources.yml),
    read through sa_metrics_previous_state(), so lineage shows where the watermark comes from. -#}

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

{#- One table of segment_analytics_state, the relation it names when it exists (none at parse time
    and before the first build). The source must name the table the model builds (it does unless
    the marts get a custom schema: then override the source, `overrides: segment_analytics`). -#}
{% macro sa_metrics_state_relation(table_name, model_name) -%}
  {%- set declared = source('segment_analytics_state', table_name) -%}
  {%- if not execute -%}{{ return(none) }}{%- endif -%}
  {%- set node = graph.nodes.get('model.segment_analytics.' ~ model_name) -%}
  {%- if node -%}
    {%- set built = [node.get('database') or '', node.get('schema') or '', node.get('alias') or ''] | join('.') -%}
    {%- set named = [declared.database or '', declared.schema or '', declared.identifier or ''] | join('.') -%}
    {%- if built | lower != named | lower -%}
      {{ exceptions.raise_compiler_error(
          "source segment_analytics_state." ~ table_name ~ " names " ~ named ~ ", but " ~ model_name
          ~ " is built as " ~ built ~ ": the metric watermark would not see what earlier builds"
          ~ " computed. Point the source at the model's table (a `sources:` entry named"
          ~ " segment_analytics_state with `overrides: segment_analytics` in your project).") }}
    {%- endif -%}
  {%- endif -%}
  {{ return(load_relation(declared)) }}
{%- endmacro %}

{#- This project's state as the previous build left it: {'coverage': relation or none,
    'coverage_has_basis': bool, 'daily': relation or none}. Coverage tables written before the
    membership_basis column existed get it appended, null on their old rows. -#}
{% macro sa_metrics_previous_state() -%}
  {%- set coverage = sa_metrics_state_relation('metrics_daily_coverage', 'fct_segment_metrics_daily_coverage') -%}
  {%- set daily = sa_metrics_state_relation('metrics_daily', 'fct_segment_metrics_daily') -%}
  {%- set has_basis = [] -%}
  {%- if coverage is not none -%}
    {%- for column in adapter.get_columns_in_relation(coverage) if column.name | lower == 'membership_basis' -%}
      {%- do has_basis.append(true) -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return({'coverage': coverage, 'coverage_has_basis': has_basis | length > 0, 'daily': daily}) }}
{%- endmacro %}

{#- Refuse to build the daily table or its coverage from a watermark another dbt invocation left
    (the coverage may have moved since): `dbt run` / `dbt build` must select the watermark too, as
    `+fct_segment_metrics_daily` or a plain `dbt build` do. `dbt retry` reruns a failed daily
    table with the watermark of the invocation it retries, which is what that one planned. -#}
{% macro sa_metrics_require_watermarks() -%}
  {%- if not execute or flags.WHICH not in ('run', 'build') -%}{{ return('') }}{%- endif -%}
  {%- set watermarks_id = 'model.segment_analytics.int_metric_coverage__watermarks' -%}
  {%- if watermarks_id not in selected_resources -%}
    {{ exceptions.raise_compiler_error(
        model.name ~ " is selected without int_metric_coverage__watermarks, the step that decides"
        ~ " which days it computes from what earlier builds computed. Select both, e.g."
        ~ " `--select +" ~ model.name ~ "` or `--select int_metric_coverage__watermarks+`.") }}
  {%- endif -%}
  {{ return('') }}
{%- endmacro %}

{#- The scan plan, from the watermark: {'groups': [{'source', 'metrics', 'start_epoch', 'end_epoch',
    'start_date', 'end_date'}, ...], 'window': ..., 'resumes': bool}. A scan group (one behaviour
    table, sa_metrics_by_source()) starts at the earliest resume day of its metrics when every
    planned pair of each of them resumes, else at the window's start; `resumes` is true when any
    planned pair resumes (the models then restrict the join and the rows to the days each needs).
    The start is a literal (epoch seconds) so engines prune on the time column. -#}
{% macro sa_metric_scan_plan(watermarks) -%}
  {%- set window = sa_event_window() -%}
  {%- set resume = {} -%}
  {%- set resumed_pairs = [] -%}
  {%- if execute and sa_cfg()['metrics'] and load_relation(watermarks) is not none -%}
    {%- set query -%}
      select
          metric_name,
          count(*) - count(resume_from_date) as pairs_not_resumed,
          count(resume_from_date) as pairs_resumed,
          cast(min(resume_from_date) as {{ sa_type_string() }}) as resume_date
      from {{ watermarks }}
      where is_planned
      group by metric_name
    {%- endset -%}
    {%- for row in run_query(query).rows -%}
      {%- if row[2] > 0 -%}{%- do resumed_pairs.append(row[0]) -%}{%- endif -%}
      {%- if row[1] == 0 and row[3] is not none -%}{%- do resume.update({row[0]: row[3][:10]}) -%}{%- endif -%}
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
  {{ return({'groups': groups, 'window': window, 'resumes': resumed_pairs | length > 0}) }}
{%- endmacro %}

{#- `event_date` inside the time window, as a SQL predicate (`alias.event_date`). -#}
{% macro sa_metrics_window_predicate(column) -%}
  {%- set window = sa_event_window() -%}
  {%- if window['start_date'] is not none -%}{{ column }} >= {{ sa_date_literal(window['start_date']) }} and {% endif -%}
  {{ column }} < {{ sa_date_literal(window['end_date']) }}
{%- endmacro %}

{#- Pre-hook of fct_segment_metrics_daily (point_in_time), one DELETE with a WHERE, from the watermark:
    - a metric whose definition changed (definition_changed) is recomputed over the window, so all
      its old rows (computed under the old definition) are deleted;
    - every planned (segment, metric) pair that does not resume (recomputed over the window: not
      covered with the current definition and basis, or every pair under --full-refresh) has its
      rows *inside the window* deleted, so a day that no longer has events does not keep a stale
      row. Rows outside the window, of segments not selected and of metrics no longer configured
      are kept.
    Nothing on a first build or when nothing is recomputed. -#}
{% macro sa_metrics_daily_pre_delete() -%}
  {%- if not execute or not is_incremental() or not sa_cfg()['metrics'] -%}{{ return('') }}{%- endif -%}
  {%- set watermarks = ref('int_metric_coverage__watermarks') -%}
  {%- set query -%}
    select
        metric_name,
        max(case when definition_changed then 1 else 0 end) as definition_changed,
        max(case when is_planned and resume_from_date is null then 1 else 0 end) as recomputed
    from {{ watermarks }}
    group by metric_name
  {%- endset -%}
  {%- set changed = [] -%}
  {%- set rebuilt = [] -%}
  {%- for row in run_query(query).rows -%}
    {%- if row[1] == 1 -%}{%- do changed.append(sa_string_literal(row[0])) -%}{%- endif -%}
    {%- if row[2] == 1 -%}{%- do rebuilt.append(row[0]) -%}{%- endif -%}
  {%- endfor -%}
  {%- if not changed and not rebuilt -%}{{ return('') }}{%- endif -%}
  {%- set conditions = [] -%}
  {%- if changed -%}{%- do conditions.append('metric_name in (' ~ changed | join(', ') ~ ')') -%}{%- endif -%}
  {%- for metric_name in rebuilt -%}
    {%- set pair -%}
      ({{ sa_metrics_window_predicate('event_date') }}
       and metric_name = {{ sa_string_literal(metric_name) }}
       and segment_id in (
          select watermarks.segment_id
          from {{ watermarks }} as watermarks
          where watermarks.metric_name = {{ sa_string_literal(metric_name) }}
            and watermarks.is_planned
            and watermarks.resume_from_date is null
       ))
    {%- endset -%}
    {%- do conditions.append(pair) -%}
  {%- endfor -%}
  {{ return('delete from ' ~ this ~ ' where ' ~ conditions | join(' or ')) }}
{%- endmacro %}

{#- membership_basis current rebuilds the daily table over the window on every run (a table):
    refuse, before anything is written, when that would erase point_in_time history — rows the
    previous coverage records as computed under point_in_time that the rebuild would not recompute
    (days outside the window, segments no longer selected, metrics no longer configured: pairs
    the watermark does not plan). -#}
{% macro sa_metrics_daily_guard_basis_switch() -%}
  {%- if not execute or sa_cfg()['membership_basis'] != 'current' -%}{{ return('') }}{%- endif -%}
  {%- set existing = load_relation(this) -%}
  {%- set watermarks = load_relation(ref('int_metric_coverage__watermarks')) -%}
  {%- if existing is none or watermarks is none -%}{{ return('') }}{%- endif -%}
  {%- set query -%}
    select count(*), cast(min(daily.event_date) as {{ sa_type_string() }}), cast(max(daily.event_date) as {{ sa_type_string() }})
    from {{ existing }} as daily
    inner join {{ watermarks }} as watermarks
        on watermarks.segment_id = daily.segment_id
        and watermarks.metric_name = daily.metric_name
    where watermarks.previous_membership_basis = 'point_in_time'
      and not ({{ sa_metrics_window_predicate('daily.event_date') }} and watermarks.is_planned)
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
