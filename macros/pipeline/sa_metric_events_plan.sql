{#- How much of each behaviour table int_metric_events__profile_daily scans this run (it is
    incremental by event day: past days' per-profile events never change).
    Per scan group (source, join_key, unixtime_col):
      * first build / --full-refresh, or a metric of the group is new or its definition changed
        (metric_definition_hash): the whole time window; the group's old rows are deleted first;
      * otherwise: from the group's last event day already stored (that day is recomputed) to the
        window's end; rows of those days are deleted first.
    Rows of metrics no longer configured are deleted. Returns
    {'groups': [{'source', 'metrics', 'start_epoch', 'end_epoch', 'start_date', 'end_date',
                 'delete_from_date' (none = all days)}], 'window': ..., 'configured': [names]}. -#}

{% macro sa_metric_definition_hash(metric) -%}
  {{ return(local_md5([metric['agg'], metric['agg_col_name'], metric['source'], metric['join_key'],
                        metric['unixtime_col'], metric['filter'] or ''] | join('\x1f'))) }}
{%- endmacro %}

{% macro sa_metric_events_plan() -%}
  {%- set window = sa_event_window() -%}
  {%- set stored = {} -%}
  {%- if execute and is_incremental() -%}
    {%- set result = run_query("select metric_name, metric_definition_hash, cast(max(event_date) as "
                               ~ sa_type_string() ~ ") from " ~ this ~ " group by metric_name, metric_definition_hash") -%}
    {%- for row in result.rows -%}
      {%- do stored.update({row[0] ~ '|' ~ row[1]: row[2]}) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- set groups = [] -%}
  {%- set configured = [] -%}
  {%- for source_text, metrics in sa_metrics_by_source() -%}
    {%- set group = {'source': source_text, 'metrics': metrics, 'start_epoch': window['start_epoch'],
                     'end_epoch': window['end_epoch'], 'start_date': window['start_date'],
                     'end_date': window['end_date'], 'delete_from_date': none} -%}
    {%- set last_days = [] -%}
    {%- set known = {'all': true} -%}
    {%- for m in metrics -%}
      {%- do configured.append(m['metric']) -%}
      {%- set key = m['metric'] ~ '|' ~ sa_metric_definition_hash(m) -%}
      {%- if key in stored -%}{%- do last_days.append(stored[key]) -%}{%- else -%}{%- do known.update({'all': false}) -%}{%- endif -%}
    {%- endfor -%}
    {%- if known['all'] and last_days -%}
      {%- set resume_day = last_days | max -%}
      {%- set resume_epoch = sa_date_string_to_epoch(resume_day[:10]) | int -%}
      {%- if window['start_epoch'] is none or resume_epoch > window['start_epoch'] -%}
        {%- do group.update({'start_epoch': resume_epoch, 'start_date': resume_day[:10]}) -%}
      {%- endif -%}
      {%- do group.update({'delete_from_date': group['start_date']}) -%}
    {%- endif -%}
    {%- do groups.append(group) -%}
  {%- endfor -%}
  {{ return({'groups': groups, 'window': window, 'configured': configured}) }}
{%- endmacro %}

{#- The pre-hook of int_metric_events__profile_daily: one DELETE (with a WHERE) clearing what this
    run rewrites; nothing on a first build or full refresh. -#}
{% macro sa_metric_events_pre_delete() -%}
  {%- if not execute or not is_incremental() -%}{{ return('') }}{%- endif -%}
  {%- set plan = sa_metric_events_plan() -%}
  {%- set conditions = [] -%}
  {%- if plan['configured'] -%}
    {%- set names = [] -%}
    {%- for name in plan['configured'] -%}{%- do names.append(sa_string_literal(name)) -%}{%- endfor -%}
    {%- do conditions.append('metric_name not in (' ~ names | join(', ') ~ ')') -%}
  {%- endif -%}
  {%- for group in plan['groups'] -%}
    {%- set names = [] -%}
    {%- for m in group['metrics'] -%}{%- do names.append(sa_string_literal(m['metric'])) -%}{%- endfor -%}
    {%- if group['delete_from_date'] is none -%}
      {%- do conditions.append('metric_name in (' ~ names | join(', ') ~ ')') -%}
    {%- else -%}
      {%- do conditions.append('(metric_name in (' ~ names | join(', ') ~ ') and event_date >= ' ~ sa_date_literal(group['delete_from_date']) ~ ')') -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if not conditions -%}{{ return('') }}{%- endif -%}
  {{ return('delete from ' ~ this ~ ' where ' ~ conditions | join(' or ')) }}
{%- endmacro %}
