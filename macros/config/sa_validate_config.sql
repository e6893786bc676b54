{#- Validate the `segment_analytics` vars before any model runs (on-run-start). The rules mirror
    orchestrate/config/validate.py; the defaults, allowed values, patterns and message texts are
    both validators' one schema (orchestrate/config/schema.py, read here through the generated
    macros/config/sa_config_schema.sql), so the same mistake names the same field with the same
    message. One compiler error lists every problem, each naming the field and the fix. Returns no SQL. -#}
{% macro sa_validate_config() -%}
  {%- set problems = sa_config_problems(var('segment_analytics', {}), var('run_date', none)) -%}
  {%- if problems -%}{%- do sa_config_fail(problems) -%}{%- endif -%}
  {{ return('') }}
{%- endmacro %}


{#- Every problem of a `segment_analytics` mapping as (field, message) pairs, in the order
    orchestrate/config/validate.py reports them. Filter regexes are also tried by the target's engine
    (one query, when executing). -#}
{% macro sa_config_problems(raw, run_date=none) -%}
  {%- set problems = [] -%}
  {%- if raw is none -%}{%- set raw = {} -%}{%- endif -%}
  {%- if raw is not mapping -%}
    {{ return([('', sa_config_message('root_not_a_mapping'))]) }}
  {%- endif -%}
  {%- set defaults = sa_config_defaults() -%}
  {%- set schema = sa_config_schema() -%}
  {%- set choices = schema['choices'] -%}
  {#- full matches: `^...$` with re.match would let a trailing newline through -#}
  {%- set p = sa_config_patterns() -%}
  {%- do sa_config_unknown_keys(raw, defaults.keys() | list, '', problems) -%}
  {%- set cfg = sa_cfg(raw) -%}
  {%- if not sa_config_matches(cfg['project_prefix'], p['lower_identifier']) -%}
    {%- do problems.append(('project_prefix', sa_config_message('lower_identifier', {'value': sa_repr(cfg['project_prefix'])}))) -%}
  {%- endif -%}
  {%- if not sa_config_matches(cfg['profile_id_column'], p['identifier']) -%}
    {%- do problems.append(('profile_id_column', sa_config_message('identifier', {'value': sa_repr(cfg['profile_id_column'])}))) -%}
  {%- endif -%}
  {%- do sa_config_choice(cfg['segment_sql_source'], choices['segment_sql_source'], 'segment_sql_source', problems) -%}
  {%- do sa_config_choice(cfg['membership_basis'], choices['membership_basis'], 'membership_basis', problems) -%}
  {%- if cfg['exact_counts'] is not boolean -%}
    {%- do problems.append(('exact_counts', sa_config_message('boolean', {'value': sa_repr(cfg['exact_counts'])}))) -%}
  {%- endif -%}
  {%- if cfg['td_mode'] is not none and cfg['td_mode'] is not boolean and cfg['td_mode'] != 'auto' -%}
    {%- do problems.append(('td_mode', sa_config_message('td_mode', {'value': sa_repr(cfg['td_mode'])}))) -%}
  {%- endif -%}
  {%- if cfg['landing_schema'] is not none and not sa_config_matches(cfg['landing_schema'], p['identifier']) -%}
    {%- do problems.append(('landing_schema', sa_config_message('identifier', {'value': sa_repr(cfg['landing_schema'])}))) -%}
  {%- endif -%}

  {#- filters -#}
  {%- set filters = raw.get('filters') -%}
  {%- if filters is not none and filters is not mapping -%}
    {%- do problems.append(('filters', sa_config_message('not_a_mapping'))) -%}
  {%- else -%}
    {%- do sa_config_unknown_keys(filters or {}, defaults['filters'].keys() | list, 'filters.', problems) -%}
    {%- do sa_config_choice(cfg['filters']['v5_flag'], choices['filters.v5_flag'], 'filters.v5_flag', problems) -%}
    {%- do sa_config_regexes(filters or {}, ['ps_to_include', 'folders_to_include', 'segments_to_include'], problems) -%}
  {%- endif -%}

  {#- time_window -#}
  {%- set window = raw.get('time_window') -%}
  {%- if window is not none and window is not mapping -%}
    {%- do problems.append(('time_window', sa_config_message('window_not_a_mapping'))) -%}
  {%- else -%}
    {%- do sa_config_unknown_keys(window or {}, defaults['time_window'].keys() | list, 'time_window.', problems) -%}
    {%- set w = cfg['time_window'] -%}
    {%- do sa_config_choice(w['type'], choices['time_window.type'], 'time_window.type', problems) -%}
    {%- if w['type'] == 'interval' -%}
      {%- if not sa_config_matches(w['lookback'], p['lookback']) -%}
        {%- do problems.append(('time_window.lookback', sa_config_message('lookback', {'value': sa_repr(w['lookback'])}))) -%}
      {%- endif -%}
      {%- if w['anchor'] != 'now' -%}{%- do sa_config_date(w['anchor'], 'time_window.anchor', problems) -%}{%- endif -%}
    {%- elif w['type'] == 'range' -%}
      {%- set start_ok = sa_config_date(w['start_date'], 'time_window.start_date', problems) -%}
      {%- set end_ok = sa_config_date(w['end_date'], 'time_window.end_date', problems) -%}
      {%- if start_ok and end_ok and w['end_date'] <= w['start_date'] -%}
        {%- do problems.append(('time_window.end_date', sa_config_message('end_not_after_start', {'end': w['end_date'], 'start': w['start_date']}))) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endif -%}

  {#- metrics: required, at least one -#}
  {%- set metrics = raw.get('metrics') -%}
  {%- if metrics is none or (sa_is_list(metrics) and metrics | length == 0) -%}
    {%- do problems.append(('metrics', sa_config_message('no_metrics'))) -%}
  {%- elif not sa_is_list(metrics) -%}
    {%- do problems.append(('metrics', sa_config_message('metrics_not_a_list'))) -%}
  {%- else -%}
    {%- set seen = {} -%}
    {%- for item in metrics -%}
      {%- set where = 'metrics[' ~ loop.index0 ~ ']' -%}
      {%- if item is not mapping -%}
        {%- do problems.append((where, sa_config_message('metric_not_a_mapping'))) -%}
      {%- else -%}
        {%- do sa_config_metric(item, where, loop.index0, seen, schema, problems) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}

  {#- insights -#}
  {%- set insights = raw.get('insights') -%}
  {%- if insights is not none and insights is not mapping -%}
    {%- do problems.append(('insights', sa_config_message('not_a_mapping'))) -%}
  {%- else -%}
    {%- do sa_config_unknown_keys(insights or {}, defaults['insights'].keys() | list, 'insights.', problems) -%}
    {%- do sa_config_insights(cfg['insights'], schema, problems) -%}
  {%- endif -%}
  {%- do sa_config_freshness(raw, problems) -%}
  {%- set alert_metric_names = [] -%}
  {%- for m in (metrics if sa_is_list(metrics) else []) if m is mapping and m.get('metric') is string -%}{%- do alert_metric_names.append(m['metric']) -%}{%- endfor -%}
  {%- do sa_config_alerts(raw, alert_metric_names, problems) -%}
  {%- do sa_config_overlap(raw, problems) -%}
  {%- do sa_config_ab_tests(raw.get('ab_tests'), cfg['metrics'] | map(attribute='metric') | list, problems) -%}

  {%- if run_date is not none -%}
    {%- do sa_config_date(sa_date_text(run_date) | string, 'run_date', problems) -%}
  {%- endif -%}
  {{ return(problems) }}
{%- endmacro %}


{#- The checks of one metric mapping (orchestrate/config/validate.py _validate_metrics, _check_metric);
    `seen` maps each good metric name to its index, for duplicates. -#}
{% macro sa_config_metric(item, where, index, seen, schema, problems) -%}
  {%- set p = sa_config_patterns() -%}
  {%- set row_count = schema['row_count'] -%}
  {%- do sa_config_unknown_keys(item, schema['metric_keys'], where ~ '.', problems) -%}
  {%- set agg_col = row_count if item.get('agg_col_name') is none else (item.get('agg_col_name') | string) -%}
  {%- for key in schema['metric_required'] -%}
    {%- if item.get(key) is none or item.get(key) == '' -%}
      {%- do problems.append((where ~ '.' ~ key, sa_config_message('required'))) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set name = item.get('metric') -%}
  {%- if name is not none and name != '' -%}
    {%- if not sa_config_matches(name, p['lower_identifier']) -%}
      {%- do problems.append((where ~ '.metric', sa_config_message('metric_name', {'value': sa_repr(name)}))) -%}
    {%- elif name in seen -%}
      {%- do problems.append((where ~ '.metric', sa_config_message('duplicate_metric', {'value': sa_repr(name), 'first': seen[name]}))) -%}
    {%- else -%}
      {%- do seen.update({name: index}) -%}
    {%- endif -%}
  {%- endif -%}
  {%- set agg = item.get('agg') -%}
  {%- set aggs = schema['choices']['metrics.agg'] -%}
  {%- if agg is not none and agg != '' and agg not in aggs -%}
    {%- do problems.append((where ~ '.agg', sa_config_message('agg', {'value': sa_repr(agg), 'allowed': aggs | join(', ')}))) -%}
  {%- endif -%}
  {%- if agg == 'count_distinct' and agg_col == row_count -%}
    {%- do problems.append((where ~ '.agg_col_name', sa_config_message('count_distinct_rows'))) -%}
  {%- endif -%}
  {%- if agg_col != row_count and not sa_config_matches(agg_col, p['identifier']) -%}
    {%- do problems.append((where ~ '.agg_col_name', sa_config_message('agg_col_name', {'value': sa_repr(agg_col)}))) -%}
  {%- endif -%}
  {%- set src = item.get('source') -%}
  {%- if src is not none and src != '' and not sa_config_matches(src | string, p['source']) -%}
    {%- do problems.append((where ~ '.source', sa_config_message('source', {'value': sa_repr(src)}))) -%}
  {%- endif -%}
  {%- for key in ['join_key', 'unixtime_col'] -%}
    {%- set value = item.get(key) -%}
    {%- if value is not none and value != '' and not sa_config_matches(value, p['identifier']) -%}
      {%- do problems.append((where ~ '.' ~ key, sa_config_message('column', {'value': sa_repr(value)}))) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set flt = item.get('filter') -%}
  {%- if flt is not none and (flt is not string or ';' in flt or not flt.strip()) -%}
    {%- do problems.append((where ~ '.filter', sa_config_message('filter'))) -%}
  {%- endif -%}
{%- endmacro %}


{#- A message of the schema (sa_config_messages) with its %(name)s fields filled from `values`. -#}
{% macro sa_config_message(name, values={}) -%}
  {{ return(sa_config_messages()[name] % values) }}
{%- endmacro %}

{#- True when `value` is a string that fully matches `pattern` (a schema pattern). -#}
{% macro sa_config_matches(value, pattern) -%}
  {{ return(value is string and modules.re.fullmatch(pattern, value) is not none) }}
{%- endmacro %}


{#- run-operation helper for tests: prints one line per config, `SA_CONFIG_PROBLEMS <i> <json>`,
    with the list of [field, message] problems found (args: {configs: [mapping, ...]}). -#}
{% macro sa_print_config_problems(configs) -%}
  {%- for raw in configs -%}
    {%- set problems = sa_config_problems(raw) -%}
    {%- set pairs = [] -%}
    {%- for field, message in problems -%}{%- do pairs.append([field, message]) -%}{%- endfor -%}
    {%- do print('SA_CONFIG_PROBLEMS ' ~ loop.index0 ~ ' ' ~ tojson(pairs)) -%}
  {%- endfor -%}
{%- endmacro %}


{#- `insights` with its defaults (sa_cfg): the checks of orchestrate/config/validate.py _validate_insights. -#}
{% macro sa_config_insights(out, schema, problems) -%}
  {%- set p = sa_config_patterns() -%}
  {%- set kinds = schema['choices']['insights.change_schema_cols'] -%}
  {%- if out['model_name'] is not string or not out['model_name'].strip() -%}
    {%- do problems.append(('insights.model_name', sa_config_message('model_name'))) -%}
  {%- endif -%}
  {%- if not sa_all_match(out['tables'], p['identifier']) -%}
    {%- do problems.append(('insights.tables', sa_config_message('tables'))) -%}
  {%- endif -%}
  {%- if not sa_all_match(out['shared_users'], p['email']) -%}
    {%- do problems.append(('insights.shared_users', sa_config_message('shared_users'))) -%}
  {%- endif -%}
  {%- set cols = out['change_schema_cols'] -%}
  {%- if cols is not mapping -%}
    {%- do problems.append(('insights.change_schema_cols', sa_config_message('change_schema_cols'))) -%}
  {%- else -%}
    {%- for kind, names in cols.items() -%}
      {%- if kind not in kinds -%}
        {%- do problems.append(('insights.change_schema_cols.' ~ kind, sa_config_message('schema_type', {'allowed': kinds | join(', ')}))) -%}
      {%- elif not sa_all_match(names, '(?s:.*)') -%}
        {%- do problems.append(('insights.change_schema_cols.' ~ kind, sa_config_message('schema_type_columns'))) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- set pairs = out['join_relations'] -%}
  {%- if not sa_is_list(pairs) -%}
    {%- do problems.append(('insights.join_relations', sa_config_message('join_relations'))) -%}
  {%- else -%}
    {%- for pair in pairs -%}
      {%- if not (sa_is_list(pair) and pair | length == 2 and sa_all_match(pair, p['join_pair_end'])) -%}
        {%- do problems.append(('insights.join_relations[' ~ loop.index0 ~ ']', sa_config_message('join_pair'))) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
{%- endmacro %}

{#- True when `values` is a list of strings each fully matching `pattern`. -#}
{% macro sa_all_match(values, pattern) -%}
  {%- if not sa_is_list(values) -%}{{ return(false) }}{%- endif -%}
  {%- set bad = [] -%}
  {%- for v in values if v is not string or not modules.re.fullmatch(pattern, v) -%}{%- do bad.append(v) -%}{%- endfor -%}
  {{ return(bad | length == 0) }}
{%- endmacro %}

{% macro sa_is_list(value) -%}
  {{ return(value is iterable and value is not string and value is not mapping) }}
{%- endmacro %}

{% macro sa_config_fail(problems) -%}
  {%- set lines = [] -%}
  {%- for field, message in problems -%}
    {%- do lines.append('  - ' ~ (field if field.startswith('run_date') else 'segment_analytics.' ~ field) ~ ': ' ~ message) -%}
  {%- endfor -%}
  {{ exceptions.raise_compiler_error('invalid configuration (' ~ problems | length ~ ' problem(s)):\n' ~ lines | join('\n')) }}
{%- endmacro %}

{#- Python's repr() of a string (quotes, escapes of newlines, tabs and other non-printable
    characters), so a trailing newline or a zero-width space shows in the message. -#}
{% macro sa_repr(value) -%}
  {%- if value is string -%}
    {%- set quote = '"' if ("'" in value and '"' not in value) else "'" -%}
    {%- set chars = [] -%}
    {%- for c in value -%}
      {%- if c == quote -%}{%- do chars.append('\\' ~ c) -%}
      {%- elif c.isprintable() and c != '\\' -%}{%- do chars.append(c) -%}
      {%- else -%}{%- do chars.append(c.encode('unicode_escape').decode('ascii')) -%}
      {%- endif -%}
    {%- endfor -%}
    {{ return(quote ~ chars | join('') ~ quote) }}
  {%- elif value is none -%}{{ return('None') }}{%- else -%}{{ return(value | string) }}{%- endif -%}
{%- endmacro %}

{% macro sa_config_unknown_keys(mapping, known, prefix, problems) -%}
  {%- for key in mapping if key not in known -%}
    {%- do problems.append((prefix ~ key, sa_config_message('unknown_key', {'allowed': known | sort | join(', ')}))) -%}
  {%- endfor -%}
{%- endmacro %}

{% macro sa_config_choice(value, choices, field, problems) -%}
  {%- if value not in choices -%}
    {%- do problems.append((field, sa_config_message('choice', {'value': sa_repr(value), 'allowed': choices | join(', ')}))) -%}
  {%- endif -%}
{%- endmacro %}

{#- The filter regexes of `filters` (keys in `keys`): a string in the portable subset
    (sa_regex_problem: the syntax RE2 and Joni both read, no repeated group that repeats, at most
    500 characters) that the target's own regex library accepts (sa_regex_probe, one query for all,
    on the pattern as it will run: sa_regex_pattern), and no upper-case letter outside escapes.
    Problems are appended in key order, as orchestrate/config/validate.py reports them. -#}
{% macro sa_config_regexes(filters, keys, problems) -%}
  {%- set checks = [] -%}
  {%- for key in keys -%}
    {%- set value = filters.get(key) -%}
    {%- set field = 'filters.' ~ key -%}
    {%- if value is none or value == '' -%}
      {%- do checks.append({'field': field, 'value': value, 'problems': [], 'probe': false}) -%}
    {%- elif value is not string -%}
      {%- do checks.append({'field': field, 'value': value, 'problems': [sa_config_message('regex_not_a_string', {'value': sa_repr(value)})], 'probe': false}) -%}
    {%- else -%}
      {%- set found = sa_regex_problem(value) -%}
      {%- set check = {'field': field, 'value': value, 'problems': [], 'probe': found is none} -%}
      {%- if found is not none -%}
        {%- do check['problems'].append(sa_config_message('regex_invalid', {'value': sa_repr(value), 'problem': found})) -%}
      {%- endif -%}
      {%- do checks.append(check) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set probed = checks | selectattr('probe') | list -%}
  {%- if probed and execute -%}
    {%- set columns = [] -%}
    {%- for check in probed -%}
      {%- do columns.append(sa_regex_probe(sa_string_literal(sa_regex_pattern(check['value'])))) -%}
    {%- endfor -%}
    {%- set row = run_query('select ' ~ columns | join(', ')).rows[0] -%}
    {%- for check in probed -%}
      {%- if not row[loop.index0] -%}
        {%- do check['problems'].append(sa_config_message('regex_invalid', {'value': sa_repr(check['value']), 'problem': sa_regex_engine() ~ ' rejects it'})) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- for check in checks -%}
    {%- for message in check['problems'] -%}{%- do problems.append((check['field'], message)) -%}{%- endfor -%}
    {%- if check['value'] is string and sa_regex_unescaped(check['value']) != sa_regex_unescaped(check['value']) | lower -%}
      {%- do problems.append((check['field'], sa_config_message('regex_upper_case', {'value': sa_repr(check['value'])}))) -%}
    {%- endif -%}
  {%- endfor -%}
{%- endmacro %}

{#- The pattern without its escapes (\S, \p{Greek} ... are not upper-case letters to match; schema
    pattern `regex_escape`). -#}
{% macro sa_regex_unescaped(pattern) -%}
  {{ return(modules.re.sub(sa_config_patterns()['regex_escape'], '', pattern)) }}
{%- endmacro %}

{% macro sa_regex_engine() -%}
  {{ return(adapter.dispatch('sa_regex_engine', 'segment_analytics')()) }}
{%- endmacro %}
{% macro default__sa_regex_engine() -%}{{ return('Trino (Joni)') }}{%- endmacro %}
{% macro duckdb__sa_regex_engine() -%}{{ return('RE2 (DuckDB)') }}{%- endmacro %}

{#- Appends a problem and returns false when `value` is not a real YYYY-MM-DD date. -#}
{% macro sa_config_date(value, field, problems) -%}
  {%- if not sa_config_matches(value, sa_config_patterns()['date']) -%}
    {%- do problems.append((field, sa_config_message('not_a_date', {'value': sa_repr(value)}))) -%}
    {{ return(false) }}
  {%- endif -%}
  {%- set y, m, d = value.split('-') | map('int') -%}
  {%- set month_days = [31, 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
  {%- if m < 1 or m > 12 or d < 1 or d > month_days[m - 1] -%}
    {%- do problems.append((field, sa_config_message('not_a_calendar_date', {'value': sa_repr(value)}))) -%}
    {{ return(false) }}
  {%- endif -%}
  {{ return(true) }}
{%- endmacro %}
