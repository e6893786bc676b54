{#- Validate the `segment_analytics` vars before any model runs (on-run-start). The rules, field
    names and messages mirror orchestrate/config.py `validate_config`; one compiler error lists every
    problem, each naming the field and the fix. Returns no SQL. -#}
{% macro sa_validate_config() -%}
  {%- set problems = sa_config_problems(var('segment_analytics', {}), var('run_date', none)) -%}
  {%- if problems -%}{%- do sa_config_fail(problems) -%}{%- endif -%}
  {{ return('') }}
{%- endmacro %}


{#- Every problem of a `segment_analytics` mapping as (field, message) pairs, in the order
    orchestrate/config.py reports them. Filter regexes are also tried by the target's engine
    (one query, when executing). -#}
{% macro sa_config_problems(raw, run_date=none) -%}
  {%- set problems = [] -%}
  {%- if raw is none -%}{%- set raw = {} -%}{%- endif -%}
  {%- if raw is not mapping -%}
    {{ return([('', 'must be a mapping under `vars: segment_analytics:`')]) }}
  {%- endif -%}
  {%- set top_keys = ['project_prefix', 'profile_id_column', 'segment_sql_source', 'membership_basis',
                      'exact_counts', 'landing_schema', 'td_mode', 'filters', 'time_window', 'metrics',
                      'insights', 'freshness'] -%}
  {%- do sa_config_unknown_keys(raw, top_keys, '', problems) -%}
  {%- set cfg = sa_cfg(raw) -%}
  {#- full matches: `^...$` with re.match would let a trailing newline through -#}
  {%- set ident = '[A-Za-z_][A-Za-z0-9_]*' -%}
  {%- set lower_ident = '[a-z_][a-z0-9_]*' -%}
  {%- if cfg['project_prefix'] is not string or not modules.re.fullmatch(lower_ident, cfg['project_prefix']) -%}
    {%- do problems.append(('project_prefix', sa_repr(cfg['project_prefix']) ~ ' is not a lower-case SQL identifier ([a-z_][a-z0-9_]*); use letters, digits and _')) -%}
  {%- endif -%}
  {%- if cfg['profile_id_column'] is not string or not modules.re.fullmatch(ident, cfg['profile_id_column']) -%}
    {%- do problems.append(('profile_id_column', sa_repr(cfg['profile_id_column']) ~ ' is not a SQL identifier; use letters, digits and _')) -%}
  {%- endif -%}
  {%- do sa_config_choice(cfg['segment_sql_source'], ['api', 'compiler', 'auto'], 'segment_sql_source', problems) -%}
  {%- do sa_config_choice(cfg['membership_basis'], ['point_in_time', 'current'], 'membership_basis', problems) -%}
  {%- if cfg['exact_counts'] is not boolean -%}
    {%- do problems.append(('exact_counts', sa_repr(cfg['exact_counts']) ~ ' is not a boolean; use true or false')) -%}
  {%- endif -%}
  {%- if cfg['td_mode'] is not none and cfg['td_mode'] is not boolean and cfg['td_mode'] != 'auto' -%}
    {%- do problems.append(('td_mode', sa_repr(cfg['td_mode']) ~ ' is not true, false or auto')) -%}
  {%- endif -%}
  {%- if cfg['landing_schema'] is not none and (cfg['landing_schema'] is not string or not modules.re.fullmatch(ident, cfg['landing_schema'])) -%}
    {%- do problems.append(('landing_schema', sa_repr(cfg['landing_schema']) ~ ' is not a SQL identifier; use letters, digits and _')) -%}
  {%- endif -%}

  {#- filters -#}
  {%- set filters = raw.get('filters') -%}
  {%- if filters is not none and filters is not mapping -%}
    {%- do problems.append(('filters', 'must be a mapping')) -%}
  {%- else -%}
    {%- do sa_config_unknown_keys(filters or {}, ['v5_flag', 'ps_to_include', 'folders_to_include', 'segments_to_include'], 'filters.', problems) -%}
    {%- do sa_config_choice(cfg['filters']['v5_flag'], ['v5', 'v4', 'both'], 'filters.v5_flag', problems) -%}
    {%- do sa_config_regexes(filters or {}, ['ps_to_include', 'folders_to_include', 'segments_to_include'], problems) -%}
  {%- endif -%}

  {#- time_window -#}
  {%- set window = raw.get('time_window') -%}
  {%- if window is not none and window is not mapping -%}
    {%- do problems.append(('time_window', 'must be a mapping with `type: none | interval | range`')) -%}
  {%- else -%}
    {%- do sa_config_unknown_keys(window or {}, ['type', 'lookback', 'anchor', 'start_date', 'end_date'], 'time_window.', problems) -%}
    {%- set w = cfg['time_window'] -%}
    {%- do sa_config_choice(w['type'], ['none', 'interval', 'range'], 'time_window.type', problems) -%}
    {%- if w['type'] == 'interval' -%}
      {%- if w['lookback'] is not string or not modules.re.fullmatch('-[1-9][0-9]*[smhdwMqy]', w['lookback']) -%}
        {%- do problems.append(('time_window.lookback', sa_repr(w['lookback']) ~ ' is not a lookback; use a negative count and a unit (s m h d w M q y), e.g. -30d, -2w, -20M')) -%}
      {%- endif -%}
      {%- if w['anchor'] != 'now' -%}{%- do sa_config_date(w['anchor'], 'time_window.anchor', problems) -%}{%- endif -%}
    {%- elif w['type'] == 'range' -%}
      {%- set start_ok = sa_config_date(w['start_date'], 'time_window.start_date', problems) -%}
      {%- set end_ok = sa_config_date(w['end_date'], 'time_window.end_date', problems) -%}
      {%- if start_ok and end_ok and w['end_date'] <= w['start_date'] -%}
        {%- do problems.append(('time_window.end_date', w['end_date'] ~ ' is not after start_date ' ~ w['start_date'] ~ '; end_date is exclusive (2222-02-02 = open end)')) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endif -%}

  {#- metrics: required, at least one -#}
  {%- set metrics = raw.get('metrics') -%}
  {%- if metrics is none or (metrics is iterable and metrics is not string and metrics is not mapping and metrics | length == 0) -%}
    {%- do problems.append(('metrics', sa_config_no_metrics())) -%}
  {%- elif metrics is string or metrics is mapping or metrics is not iterable -%}
    {%- do problems.append(('metrics', 'must be a list of {metric, agg, agg_col_name, source, join_key, unixtime_col, filter}')) -%}
  {%- elif metrics is not none -%}
    {%- set seen = {} -%}
    {%- for item in metrics -%}
      {%- set where = 'metrics[' ~ loop.index0 ~ ']' -%}
      {%- if item is not mapping -%}
        {%- do problems.append((where, 'must be a mapping with metric, agg, source, join_key, unixtime_col')) -%}
      {%- else -%}
        {%- do sa_config_unknown_keys(item, ['metric', 'agg', 'agg_col_name', 'source', 'join_key', 'unixtime_col', 'filter'], where ~ '.', problems) -%}
        {%- set agg_col = '1' if item.get('agg_col_name') is none else (item.get('agg_col_name') | string) -%}
        {%- for key in ['metric', 'agg', 'source', 'join_key', 'unixtime_col'] -%}
          {%- if item.get(key) is none or item.get(key) == '' -%}
            {%- do problems.append((where ~ '.' ~ key, 'is required')) -%}
          {%- endif -%}
        {%- endfor -%}
        {%- set name = item.get('metric') -%}
        {%- if name is not none and name != '' -%}
          {%- if name is not string or not modules.re.fullmatch(lower_ident, name) -%}
            {%- do problems.append((where ~ '.metric', sa_repr(name) ~ ' is not a lower-case identifier; it becomes column names (<metric>_total ...), so use [a-z_][a-z0-9_]*')) -%}
          {%- elif name in seen -%}
            {%- do problems.append((where ~ '.metric', 'duplicate metric name ' ~ sa_repr(name) ~ ' (also metrics[' ~ seen[name] ~ ']); give each metric a unique name')) -%}
          {%- else -%}
            {%- do seen.update({name: loop.index0}) -%}
          {%- endif -%}
        {%- endif -%}
        {%- set agg = item.get('agg') -%}
        {%- if agg is not none and agg != '' and agg not in ['count', 'sum', 'avg', 'min', 'max', 'count_distinct'] -%}
          {%- do problems.append((where ~ '.agg', sa_repr(agg) ~ ' is not supported; use one of count, sum, avg, min, max, count_distinct')) -%}
        {%- endif -%}
        {%- if agg == 'count_distinct' and agg_col == '1' -%}
          {%- do problems.append((where ~ '.agg_col_name', "count_distinct needs a column to count distinct values of, not '1'")) -%}
        {%- endif -%}
        {%- if agg_col != '1' and not modules.re.fullmatch(ident, agg_col) -%}
          {%- do problems.append((where ~ '.agg_col_name', sa_repr(agg_col) ~ " is not a column name; use '1' for row counts or a column of the source table")) -%}
        {%- endif -%}
        {%- set src = item.get('source') -%}
        {%- if src is not none and src != '' -%}
          {%- set parts = (src | string).split('.') -%}
          {%- if parts | length != 2 or not modules.re.fullmatch(ident ~ '[.]' ~ ident, src | string) -%}
            {%- do problems.append((where ~ '.source', sa_repr(src) ~ " is not 'name.table'; give a declared dbt source (source_name.table_name) or a db.table relation")) -%}
          {%- endif -%}
        {%- endif -%}
        {%- for key in ['join_key', 'unixtime_col'] -%}
          {%- set value = item.get(key) -%}
          {%- if value is not none and value != '' and (value is not string or not modules.re.fullmatch(ident, value)) -%}
            {%- do problems.append((where ~ '.' ~ key, sa_repr(value) ~ ' is not a column name')) -%}
          {%- endif -%}
        {%- endfor -%}
        {%- set flt = item.get('filter') -%}
        {%- if flt is not none and (flt is not string or ';' in flt or not flt.strip()) -%}
          {%- do problems.append((where ~ '.filter', "must be one SQL boolean expression without ';' (or leave it out)")) -%}
        {%- endif -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}

  {#- insights -#}
  {%- set insights = raw.get('insights') -%}
  {%- if insights is not none and insights is not mapping -%}
    {%- do problems.append(('insights', 'must be a mapping')) -%}
  {%- else -%}
    {%- do sa_config_unknown_keys(insights or {}, ['model_name', 'tables', 'shared_users', 'change_schema_cols', 'join_relations'], 'insights.', problems) -%}
    {%- do sa_config_insights(cfg['insights'], problems) -%}
  {%- endif -%}
  {%- do sa_config_freshness(raw, problems) -%}

  {%- if run_date is not none -%}
    {%- do sa_config_date(sa_date_text(run_date) | string, 'run_date', problems) -%}
  {%- endif -%}
  {{ return(problems) }}
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


{#- The message for a configuration without metrics (orchestrate/config.py NO_METRICS). -#}
{% macro sa_config_no_metrics() -%}
  {{ return("no metrics configured, so every metric mart would be empty; add at least one under "
            ~ "`vars: segment_analytics: metrics:` in your dbt_project.yml, e.g. "
            ~ "`- {metric: orders, agg: count, source: <schema>.<table>, join_key: td_canonical_id, "
            ~ "unixtime_col: time}` (`segment-analytics init` writes a starting block from your account)") }}
{%- endmacro %}

{#- `insights` with its defaults (sa_cfg): the checks of orchestrate/config.py _validate_insights. -#}
{% macro sa_config_insights(out, problems) -%}
  {%- set ident = '[A-Za-z_][A-Za-z0-9_]*' -%}
  {%- set email = '[^@\\s]+@[^@\\s]+\\.[^@\\s]+' -%}
  {%- if out['model_name'] is not string or not out['model_name'].strip() -%}
    {%- do problems.append(('insights.model_name', 'must be a non-empty name')) -%}
  {%- endif -%}
  {%- if not sa_all_match(out['tables'], ident) -%}
    {%- do problems.append(('insights.tables', 'must be a list of mart names without the prefix, e.g. [final_metrics_table, ps_stats]')) -%}
  {%- endif -%}
  {%- if not sa_all_match(out['shared_users'], email) -%}
    {%- do problems.append(('insights.shared_users', 'must be a list of e-mail addresses')) -%}
  {%- endif -%}
  {%- set cols = out['change_schema_cols'] -%}
  {%- if cols is not mapping -%}
    {%- do problems.append(('insights.change_schema_cols', 'must map a type (date, text, float, bigint) to a list of columns')) -%}
  {%- else -%}
    {%- for kind, names in cols.items() -%}
      {%- if kind not in ['date', 'text', 'float', 'bigint'] -%}
        {%- do problems.append(('insights.change_schema_cols.' ~ kind, 'unknown type; use one of date, text, float, bigint')) -%}
      {%- elif not sa_all_match(names, '(?s:.*)') -%}
        {%- do problems.append(('insights.change_schema_cols.' ~ kind, 'must be a list of column names')) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- set pairs = out['join_relations'] -%}
  {%- if not sa_is_list(pairs) -%}
    {%- do problems.append(('insights.join_relations', 'must be a list of pairs [table.column, table.column]')) -%}
  {%- else -%}
    {%- for pair in pairs -%}
      {%- if not (sa_is_list(pair) and pair | length == 2 and sa_all_match(pair, '[^.]*[.][^.]*')) -%}
        {%- do problems.append(('insights.join_relations[' ~ loop.index0 ~ ']', 'must be a pair [table.column, table.column]')) -%}
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
    {%- do problems.append((prefix ~ key, 'unknown key; remove it or use one of: ' ~ (known | sort | join(', ')))) -%}
  {%- endfor -%}
{%- endmacro %}

{% macro sa_config_choice(value, choices, field, problems) -%}
  {%- if value not in choices -%}
    {%- do problems.append((field, sa_repr(value) ~ ' is not allowed; use one of ' ~ choices | join(', '))) -%}
  {%- endif -%}
{%- endmacro %}

{#- The filter regexes of `filters` (keys in `keys`): a string in the portable subset
    (sa_regex_problem: the syntax RE2 and Joni both read, no repeated group that repeats, at most
    500 characters) that the target's own regex library accepts (sa_regex_probe, one query for all,
    on the pattern as it will run: sa_regex_pattern), and no upper-case letter outside escapes.
    Problems are appended in key order, as orchestrate/config.py reports them. -#}
{% macro sa_config_regexes(filters, keys, problems) -%}
  {%- set checks = [] -%}
  {%- for key in keys -%}
    {%- set value = filters.get(key) -%}
    {%- set field = 'filters.' ~ key -%}
    {%- if value is none or value == '' -%}
      {%- do checks.append({'field': field, 'value': value, 'problems': [], 'probe': false}) -%}
    {%- elif value is not string -%}
      {%- do checks.append({'field': field, 'value': value, 'problems': [sa_repr(value) ~ " is not a string; give a lower-case regex or '' for all"], 'probe': false}) -%}
    {%- else -%}
      {%- set found = sa_regex_problem(value) -%}
      {%- set check = {'field': field, 'value': value, 'problems': [], 'probe': found is none} -%}
      {%- if found is not none -%}
        {%- do check['problems'].append('invalid regex ' ~ sa_repr(value) ~ ' (' ~ found ~ "); fix the pattern or use '' for all") -%}
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
        {%- do check['problems'].append('invalid regex ' ~ sa_repr(check['value']) ~ ' (' ~ sa_regex_engine() ~ " rejects it); fix the pattern or use '' for all") -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- for check in checks -%}
    {%- for message in check['problems'] -%}{%- do problems.append((check['field'], message)) -%}{%- endfor -%}
    {%- if check['value'] is string and sa_regex_unescaped(check['value']) != sa_regex_unescaped(check['value']) | lower -%}
      {%- do problems.append((check['field'], sa_repr(check['value']) ~ ' has upper-case letters; names are lower-cased before matching, so write the regex in lower case')) -%}
    {%- endif -%}
  {%- endfor -%}
{%- endmacro %}

{#- The pattern without its escapes (\S, \p{Greek} ... are not upper-case letters to match). -#}
{% macro sa_regex_unescaped(pattern) -%}
  {{ return(modules.re.sub('\\\\(?:x[0-9A-Fa-f]{2}|[pP](?:[A-Z]|\\{[A-Za-z]+\\})|.)', '', pattern)) }}
{%- endmacro %}

{% macro sa_regex_engine() -%}
  {{ return(adapter.dispatch('sa_regex_engine', 'segment_analytics')()) }}
{%- endmacro %}
{% macro default__sa_regex_engine() -%}{{ return('Trino (Joni)') }}{%- endmacro %}
{% macro duckdb__sa_regex_engine() -%}{{ return('RE2 (DuckDB)') }}{%- endmacro %}

{#- Appends a problem and returns false when `value` is not a real YYYY-MM-DD date. -#}
{% macro sa_config_date(value, field, problems) -%}
  {%- if value is not string or not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value) -%}
    {%- do problems.append((field, sa_repr(value) ~ ' is not a date; use YYYY-MM-DD')) -%}
    {{ return(false) }}
  {%- endif -%}
  {%- set y, m, d = value.split('-') | map('int') -%}
  {%- set month_days = [31, 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
  {%- if m < 1 or m > 12 or d < 1 or d > month_days[m - 1] -%}
    {%- do problems.append((field, sa_repr(value) ~ ' is not a real calendar date; use YYYY-MM-DD')) -%}
    {{ return(false) }}
  {%- endif -%}
  {{ return(true) }}
{%- endmacro %}
