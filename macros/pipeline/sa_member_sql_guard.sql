{#- The build-time member-SQL guard: landed member SQL is re-checked before it is run (the landing
    table may have been written by something else than the pull). The twin of
    orchestrate.rules.member_sql_guard.lexical_problem (the pull's authoritative check adds a full
    parse); keep the two in step. Literal-aware: string literals are blanked and quoted
    identifiers read as identifiers first, so a ';', '--' or '/*' inside a rule value is data. The
    SQL passes when it is TD's skeleton `select a.* from "cdp_audience_<ps>"."customers" a
    [where (...)]` with: line comments ignored, no block comment (DuckDB nests them, Trino does
    not), no ';', '$' or prefixed string (E'', U&'', X'') outside
    literals, no unterminated literal, balanced parentheses, every FROM/JOIN on a table of the
    own schema, a sub-select or unnest, no comma join and no statement keyword. -#}

{#- The text every refusal starts with (orchestrate.rules.member_sql_guard.REJECTED_PREFIX). -#}
{% macro sa_member_sql_rejected_prefix() -%}{{ return('rejected by the member-SQL guard:') }}{%- endmacro %}

{#- At most 60 characters of `text`, white space collapsed (as _snippet in the Python guard). -#}
{% macro sa_member_sql_snippet(text) -%}
  {%- set flat = modules.re.sub('\\s+', ' ', text) | trim -%}
  {{ return(flat if flat | length <= 60 else flat[:60] ~ '...') }}
{%- endmacro %}

{#- Why `sql_text` is not usable member SQL of parent segment `ps_id`; none when it is. -#}
{% macro sa_member_sql_problem(sql_text, ps_id) -%}
  {%- set re = modules.re -%}
  {%- set q = "'" -%}
  {%- set schema = 'cdp_audience_' ~ ps_id -%}
  {%- if sql_text is none or (sql_text | string | trim) == '' -%}{{ return('is empty') }}{%- endif -%}
  {%- set sql_text = sql_text | string -%}
  {%- if not re.fullmatch('[A-Za-z0-9_-]+', ps_id | string) -%}
    {{ return('belongs to parent segment id ' ~ (ps_id | string)[:40] ~ ', which is not a plain id') }}
  {%- endif -%}
  {%- set skeleton = '^\\s*select\\s+a\\.\\*\\s+from\\s+"' ~ re.escape(schema) ~ '"\\."customers"\\s+a(\\s|$)' -%}
  {%- if not re.match(skeleton, sql_text, re.IGNORECASE) -%}
    {{ return('does not start with select a.* from "' ~ schema ~ '"."customers" a (starts with: ' ~ sa_member_sql_snippet(sql_text) ~ ')') }}
  {%- endif -%}
  {#- literals -> '', line comments -> nothing (the line break stays), block comments -> their
      opening '/*', identifiers kept -#}
  {%- set lexed = re.sub('("(?:[^"]|"")*")|(' ~ q ~ ')(?:[^' ~ q ~ ']|' ~ q ~ q ~ ')*' ~ q ~ '|--[^\\r\\n]*|(/\\*)', '\\1\\2\\2\\3', sql_text) -%}
  {%- if '"' in re.sub('"(?:[^"]|"")*"', '', lexed) -%}{{ return('has an unterminated quoted identifier') }}{%- endif -%}
  {#- the own schema -> a bare word, any other quoted identifier -> a lone '"' -#}
  {%- set code = re.sub('"(' ~ re.escape(schema) ~ ')"(?!")|(")(?:[^"]|"")*"', '\\1\\2', lexed, flags=re.IGNORECASE) -%}
  {%- if '/*' in code -%}{{ return('has a block comment outside string literals') }}{%- endif -%}
  {%- if q in code.replace(q ~ q, '') -%}{{ return('has an unterminated string literal') }}{%- endif -%}
  {%- if re.search('[A-Za-z0-9_&"]' ~ q ~ q, code) -%}{{ return("has a prefixed string literal (E'', U&'', X'' ...)") }}{%- endif -%}
  {%- if '$' in code -%}{{ return("has a '$' outside string literals (dollar quoting)") }}{%- endif -%}
  {%- if ';' in code -%}{{ return("has a ';' outside string literals (more than one statement)") }}{%- endif -%}
  {%- set text = re.sub('\\s+', ' ', re.sub('\\s*([(),.])\\s*', ' \\1 ', code | lower)) | trim -%}
  {%- set word = re.search('\\b(table|summarize|describe|show|pivot|unpivot|copy|attach|detach|install|load|pragma|call|set|execute|prepare|export|import|create|insert|update|delete|drop|alter|merge|grant|revoke|use|with|lateral|values|recursive)\\b', text) -%}
  {%- if word -%}{{ return('uses ' ~ (word.group(1) | upper) ~ ' outside string literals') }}{%- endif -%}
  {%- set text = re.sub('\\bis (not )?distinct from\\b', 'is \\1distinct_from', re.sub('\\bextract \\( (\\w+) from\\b', 'extract ( \\1 ,', text)) -%}
  {%- set bad = re.search('\\b(from|join) (?!' ~ re.escape(schema | lower) ~ ' \\. " (?!\\.)|\\( select\\b|unnest \\()', text) -%}
  {%- if bad -%}
    {{ return((bad.group(1) | upper) ~ ' reads something other than a table of ' ~ schema ~ ' or a sub-select (' ~ sa_member_sql_snippet(text[bad.start():]) ~ ')') }}
  {%- endif -%}
  {%- set state = {'text': text, 'done': false} -%}
  {%- for _ in range(200) -%}
    {%- if re.search('\\b(?:from|join)\\b(?:(?!\\b(?:where|group|having|qualify|window|order|limit|union|intersect|except)\\b)[^()])*,', state['text']) -%}
      {{ return('joins tables with a comma') }}
    {%- endif -%}
    {%- if '(' not in state['text'] and ')' not in state['text'] -%}
      {%- do state.update({'done': true}) -%}{%- break -%}
    {%- endif -%}
    {%- set collapsed = re.sub('\\(([^()]*)\\)', ' _g_ ', state['text']) -%}
    {%- if collapsed == state['text'] -%}{{ return('has unbalanced parentheses') }}{%- endif -%}
    {%- do state.update({'text': collapsed}) -%}
  {%- endfor -%}
  {%- if not state['done'] -%}{{ return('nests parentheses deeper than 200') }}{%- endif -%}
  {%- if not re.fullmatch('select a \\. \\* from ' ~ re.escape(schema | lower) ~ ' \\. " a( where _g_)?', re.sub('\\s+', ' ', state['text']) | trim) -%}
    {{ return('is not one select of a.* from the customers table with one where (...) at the top level') }}
  {%- endif -%}
  {{ return(none) }}
{%- endmacro %}

{#- The landed SQL rows int_segments__selected would use (newest per parent segment, rule and
    source, for this engine's dialect, of a landed segment) that the guard refuses: a list of
    {ps_id, rule_hash, sql_source, problem}, the problem starting with sa_member_sql_rejected_prefix(). -#}
{% macro sa_member_sql_rejections(segment_sql_relation, segments_relation) -%}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set rows = run_query(
      "select ranked.ps_id, ranked.rule_hash, ranked.sql_source, ranked.segment_sql, ids.id_length from ("
      ~ " select landed.ps_id, landed.rule_hash, landed.sql_source, landed.segment_sql,"
      ~ " row_number() over (partition by landed.ps_id, landed.rule_hash, landed.sql_source"
      ~ " order by case when landed.segment_sql is not null then 0 else 1 end, landed.fetched_at desc) as recency"
      ~ " from " ~ segment_sql_relation ~ " landed"
      ~ " where landed.dialect = " ~ sa_string_literal(sa_sql_dialect())
      ~ ") ranked"
      ~ " inner join (select ps_id, rule_hash, max(length(segment_id)) as id_length from " ~ segments_relation
      ~ " group by ps_id, rule_hash) ids on ids.ps_id = ranked.ps_id and ids.rule_hash = ranked.rule_hash"
      ~ " where ranked.recency = 1 and ranked.segment_sql is not null") -%}
  {%- set rejected = [] -%}
  {#- the statement room int_segment_members gives one segment (sa_segment_members_sql) -#}
  {%- set room = sa_max_statement_length() - sa_batch_overhead() -%}
  {%- for row in rows.rows -%}
    {%- set problem = sa_member_sql_problem(row[3], row[0] | string) -%}
    {%- if problem is none -%}
      {%- set wrapped = (row[3] | length) + (sa_member_select('', row[0] | string, '') | length) + (row[4] | int) -%}
      {%- if wrapped > room -%}
        {%- set problem = 'is ' ~ (row[3] | length) ~ ' characters, too long for one statement on this engine (sa_max_statement_length ' ~ sa_max_statement_length() ~ '); simplify the rule' -%}
      {%- endif -%}
    {%- endif -%}
    {%- if problem is not none -%}
      {%- do rejected.append({'ps_id': row[0] | string, 'rule_hash': row[1] | string, 'sql_source': row[2],
          'problem': sa_member_sql_rejected_prefix() ~ ' landed ' ~ row[2] ~ ' SQL ' ~ problem}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(rejected) }}
{%- endmacro %}

{#- The rejections as a relation (ps_id, rule_hash, sql_source, problem); empty when none. -#}
{% macro sa_member_sql_rejections_select(rejections) -%}
  {%- if not rejections -%}
select
    cast(null as {{ sa_type_string() }}) as ps_id,
    cast(null as {{ sa_type_string() }}) as rule_hash,
    cast(null as {{ sa_type_string() }}) as sql_source,
    cast(null as {{ sa_type_string() }}) as problem
where 1 = 0
  {%- else -%}
    {%- for r in rejections %}
select
    cast({{ sa_string_literal(r['ps_id']) }} as {{ sa_type_string() }}) as ps_id,
    cast({{ sa_string_literal(r['rule_hash']) }} as {{ sa_type_string() }}) as rule_hash,
    cast({{ sa_string_literal(r['sql_source']) }} as {{ sa_type_string() }}) as sql_source,
    cast({{ sa_string_literal(r['problem']) }} as {{ sa_type_string() }}) as problem
{%- if not loop.last %}
union all{% endif %}
    {%- endfor %}
  {%- endif %}
{%- endmacro %}
