{#- True when the regex `pattern_sql` (a SQL string expression) matches anywhere in `expr`,
    as Trino's REGEXP_LIKE does (a search, not a full match). Filter regexes go through
    `sa_regex_pattern` first, so that they mean on Trino (Joni) what they mean on DuckDB (RE2). -#}
{% macro sa_regex_search(expr, pattern_sql) -%}
  {{ return(adapter.dispatch('sa_regex_search', 'segment_analytics')(expr, pattern_sql)) }}
{%- endmacro %}

{% macro default__sa_regex_search(expr, pattern_sql) -%}
  regexp_like({{ expr }}, {{ pattern_sql }})
{%- endmacro %}

{% macro duckdb__sa_regex_search(expr, pattern_sql) -%}
  regexp_matches({{ expr }}, {{ pattern_sql }})
{%- endmacro %}


{#- A SQL boolean: true when the engine's regex library accepts the pattern, false when it does not
    (try() turns the compile error into null on DuckDB and Trino alike). -#}
{% macro sa_regex_probe(pattern_sql) -%}
  (try({{ sa_regex_search("''", pattern_sql) }}) is not null)
{%- endmacro %}


{#- A portable filter regex (see sa_regex_scan) as the engine must be given it to mean what RE2 means:
    unchanged on DuckDB; on Trino/TD, Joni's readings that differ from RE2 are rewritten:
    `$` (Joni: also before a final newline) -> `\z`; `\s`/`\S` (Joni: also vertical tab) -> the RE2
    set [\t\n\f\r ]; `\b`/`\B` (Joni: Unicode word characters) -> ASCII-word lookarounds. -#}
{% macro sa_regex_pattern(pattern) -%}
  {{ return(adapter.dispatch('sa_regex_pattern', 'segment_analytics')(pattern)) }}
{%- endmacro %}

{% macro duckdb__sa_regex_pattern(pattern) -%}
  {{ return(pattern) }}
{%- endmacro %}

{% macro default__sa_regex_pattern(pattern) -%}
  {%- if pattern is not string or not pattern -%}{{ return(pattern) }}{%- endif -%}
  {%- set scan = sa_regex_scan(pattern) -%}
  {%- if scan['problem'] is not none -%}{{ return(pattern) }}{%- endif -%}
  {%- set word = '[0-9A-Za-z_]' -%}
  {%- set rewrite = {
      '$': '\\z',
      '\\s': '[\\t\\n\\f\\r ]',
      '\\S': '[^\\t\\n\\f\\r ]',
      '\\b': '(?:(?<=' ~ word ~ ')(?!' ~ word ~ ')|(?<!' ~ word ~ ')(?=' ~ word ~ '))',
      '\\B': '(?:(?<=' ~ word ~ ')(?=' ~ word ~ ')|(?<!' ~ word ~ ')(?!' ~ word ~ '))',
  } -%}
  {%- set parts = [] -%}
  {%- for kind, text in scan['tokens'] -%}
    {%- if kind in ['anchor', 'atom'] and text in rewrite -%}
      {%- do parts.append(rewrite[text]) -%}
    {%- elif kind == 'atom' and text.startswith('[') -%}
      {%- set items = [] -%}
      {%- for item in modules.re.findall('(?s)\\\\.|.', text) -%}
        {%- do items.append('\\t\\n\\f\\r ' if item == '\\s' else item) -%}
      {%- endfor -%}
      {%- do parts.append(items | join('')) -%}
    {%- else -%}
      {%- do parts.append(text) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(parts | join('')) }}
{%- endmacro %}


{#- The portable filter-regex subset, token by token: the same expression as
    orchestrate/regexes.py PORTABLE_TOKEN (tests/unit/config compares them). -#}
{% macro sa_regex_token_re() -%}
  {{ return('(?P<flags>\\(\\?[is]+\\))|(?P<open>\\((?:\\?[is]*:)?(?!\\?))|(?P<close>\\))|(?P<alt>\\|)|(?P<quant>(?:[*+?]|\\{(?:1000|[0-9]{1,3})(?:,(?:(?:1000|[0-9]{1,3}))?)?\\})\\??)|(?P<anchor>[\\^$]|\\\\[AzbB])|(?P<atom>\\[\\^?(?:\\\\(?:[!-/:-@\\[-`{-~]|[dDwWs]|[tnrfv]|x[0-9A-Fa-f]{2}|[pP](?:[A-Z]|\\{[A-Za-z]+\\}))|&(?!&)|[^\\\\\\[\\]&\\x00])+\\]|\\\\(?:[!-/:-@\\[-`{-~]|[dDwWsS]|[tnrfv]|x[0-9A-Fa-f]{2}|[pP](?:[A-Z]|\\{[A-Za-z]+\\}))|\\.|[^\\\\\\[\\](){}|*+?.^$\\x00])') }}
{%- endmacro %}

{#- (regex, hint) pairs naming what unreadable text most likely is (orchestrate/regexes.py _HINTS). -#}
{% macro sa_regex_hints() -%}
  {{ return([
      ['\\(\\?<?[=!]', 'lookahead/lookbehind is not supported by RE2 (DuckDB)'],
      ['\\(\\?>', 'atomic groups are not supported by RE2 (DuckDB)'],
      ['\\(\\?P?<', 'named groups are read differently by RE2 and Joni; use (...) or (?:...)'],
      ['\\(\\?', 'only the flags i and s are portable, as (?i) or (?i:...)'],
      ['\\\\[1-9k]', 'backreferences are not supported by RE2 (DuckDB)'],
      ['\\[', 'character class with syntax the engines read differently (a nested [, &&, \\S or \\b inside [...], or an unescaped ]) or not closed'],
      ['\\\\', 'this escape is not portable; escape punctuation with \\, or use \\d \\w \\s \\b, \\t \\n \\r \\f \\v, \\xhh or \\p{Name}'],
      ['[{}]', 'write a literal brace as \\{ or \\}; repetition counts go up to 1000'],
      ['\\]', 'write a literal ] as \\]'],
      ['\\x00', 'NUL character']
  ]) }}
{%- endmacro %}

{#- {tokens: [[kind, text], ...], problem: text or none} of a filter regex, as
    orchestrate/regexes.py scan_portable computes them. -#}
{% macro sa_regex_scan(pattern) -%}
  {%- set token_re = modules.re.compile(sa_regex_token_re()) -%}
  {%- set tokens = [] -%}
  {%- set ns = namespace(pos=0, depth=0, problem=none) -%}
  {%- for _ in range(pattern | length) -%}
    {%- if ns.problem is none and ns.pos < pattern | length -%}
      {%- set match = token_re.match(pattern, ns.pos) -%}
      {%- if match is none -%}
        {%- set rest = pattern[ns.pos:] -%}
        {%- set hint = namespace(text='unsupported syntax') -%}
        {%- for hint_re, text in sa_regex_hints() | reverse -%}
          {%- if modules.re.match(hint_re, rest) -%}{%- set hint.text = text -%}{%- endif -%}
        {%- endfor -%}
        {%- set ns.problem = hint.text ~ ' (at position ' ~ ns.pos ~ ': ' ~ sa_repr(rest[:6]) ~ ')' -%}
      {%- else -%}
        {%- set kind = match.lastgroup -%}
        {%- set previous = tokens[-1][0] if tokens else none -%}
        {%- if kind == 'quant' and previous == 'quant' -%}
          {%- set ns.problem = 'possessive (*+ ++ ?+) and repeated quantifiers are not supported by RE2 (DuckDB); use one quantifier (at position ' ~ ns.pos ~ ': ' ~ sa_repr(match.group()) ~ ')' -%}
        {%- elif kind == 'quant' and previous not in ['atom', 'close'] -%}
          {%- set ns.problem = 'quantifier with nothing to repeat (at position ' ~ ns.pos ~ ': ' ~ sa_repr(match.group()) ~ ')' -%}
        {%- else -%}
          {%- set ns.depth = ns.depth + (1 if kind == 'open' else (-1 if kind == 'close' else 0)) -%}
          {%- if ns.depth < 0 -%}
            {%- set ns.problem = 'unmatched ) (at position ' ~ ns.pos ~ ')' -%}
          {%- else -%}
            {%- do tokens.append([kind, match.group()]) -%}
            {%- set ns.pos = match.end() -%}
          {%- endif -%}
        {%- endif -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if ns.problem is none and ns.depth -%}
    {%- set ns.problem = 'missing ) (a group is not closed)' -%}
  {%- endif -%}
  {{ return({'tokens': tokens, 'problem': ns.problem}) }}
{%- endmacro %}

{#- True for a quantifier that can match its atom more than once (*, +, {n,}, {n,m} with m >= 2). -#}
{% macro sa_regex_repeats(quantifier) -%}
  {%- set counts = modules.re.findall('[0-9]+|,', quantifier) -%}
  {%- if not counts -%}{{ return(quantifier.rstrip('?') in ['*', '+']) }}{%- endif -%}
  {{ return(counts[-1] == ',' or (counts[-1] | int) >= 2) }}
{%- endmacro %}

{#- True when a repeated group contains a repetition, like (a+)+: exponential backtracking on Joni. -#}
{% macro sa_regex_nested_repetition(tokens) -%}
  {%- set stack = [false] -%}
  {%- set ns = namespace(closed_inner=false, found=false) -%}
  {%- for kind, text in tokens -%}
    {%- if kind == 'open' -%}
      {%- do stack.append(false) -%}
      {%- set ns.closed_inner = false -%}
    {%- elif kind == 'close' and stack | length > 1 -%}
      {%- set inner = stack.pop() -%}
      {%- do stack.append(stack.pop() or inner) -%}
      {%- set ns.closed_inner = inner -%}
    {%- elif kind == 'quant' and sa_regex_repeats(text) -%}
      {%- if ns.closed_inner -%}{%- set ns.found = true -%}{%- endif -%}
      {%- do stack.append(stack.pop() or true) -%}
      {%- set ns.closed_inner = false -%}
    {%- else -%}
      {%- set ns.closed_inner = false -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(ns.found) }}
{%- endmacro %}

{#- Why a filter regex is outside the portable subset (none when it is inside): length, syntax,
    backtracking. Whether the engine accepts it is asked separately (sa_regex_probe). -#}
{% macro sa_regex_problem(pattern) -%}
  {%- if pattern | length > 500 -%}
    {{ return('is ' ~ (pattern | length) ~ ' characters long; filter regexes are limited to 500') }}
  {%- endif -%}
  {%- set scan = sa_regex_scan(pattern) -%}
  {%- if scan['problem'] is not none -%}{{ return(scan['problem']) }}{%- endif -%}
  {%- if sa_regex_nested_repetition(scan['tokens']) -%}
    {{ return('a repeated group that itself repeats, like (a+)+, can backtrack for ever on Trino (Joni); repeat the group once or use a class, e.g. (ab+) or [ab]+') }}
  {%- endif -%}
  {{ return(none) }}
{%- endmacro %}


{#- run-operation helper for tests: prints `SA_REGEX_MATCHES <json>`, for each pattern the list of
    names (lower-cased, as the filters see them) that sa_name_matches selects on this target
    (args: {names: [...], patterns: [...]}). -#}
{% macro sa_print_regex_matches(names, patterns) -%}
  {%- set rows = [] -%}
  {%- for name in names -%}{%- do rows.append('(' ~ loop.index0 ~ ', ' ~ sa_string_literal(name) ~ ')') -%}{%- endfor -%}
  {%- set selects = [] -%}
  {%- for pattern in patterns -%}
    {%- do selects.append('select ' ~ loop.index0 ~ ' as pattern_index, name_index from names where '
                          ~ sa_name_matches('name', pattern)) -%}
  {%- endfor -%}
  {%- set sql = 'with names (name_index, name) as (values ' ~ rows | join(', ') ~ ') '
                ~ selects | join(' union all ') -%}
  {%- set result = {} -%}
  {%- for pattern in patterns -%}{%- do result.update({loop.index0 | string: []}) -%}{%- endfor -%}
  {%- for row in run_query(sql).rows -%}
    {%- do result[row[0] | string].append(names[row[1] | int]) -%}
  {%- endfor -%}
  {%- do print('SA_REGEX_MATCHES ' ~ tojson(result)) -%}
{%- endmacro %}
