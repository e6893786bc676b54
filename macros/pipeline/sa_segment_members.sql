{#- Membership SQL: each selected segment's member SQL (text landed by the shim, already through
    the member-SQL guard in int_segments__selected) wrapped as
    `select <profile_id_column> from (<sql>) s` and union-all'ed, split into batches that each fit
    the engine's statement length (sa_max_statement_length) and each holding at most
    sa_max_union_branches segments (Trino's stage limit). The model's SQL is one statement (the
    batches union-all'ed) preceded by a header `/* sa_batches: <length>,<length>,... */` giving
    each batch's exact length; the sa_batched_table materialization cuts the batches by those
    lengths (never by searching the text, so nothing in a rule value can split a statement),
    creates the table from the first and inserts the rest. -#}

{% macro sa_batch_header_start() -%}{{ return('/* sa_batches: ') }}{%- endmacro %}

{% macro sa_batch_joiner() -%}{{ return('\nunion all\n') }}{%- endmacro %}

{#- Room kept for the create/insert wrapper around each batch. -#}
{% macro sa_batch_overhead() -%}{{ return(2000) }}{%- endmacro %}

{#- One statement made of `batches`, headed by their lengths (what sa_batched_table reads). -#}
{% macro sa_batched_sql(batches) -%}
  {%- set lengths = [] -%}
  {%- for batch in batches -%}{%- do lengths.append(batch | length | string) -%}{%- endfor -%}
  {{ return(sa_batch_header_start() ~ lengths | join(',') ~ ' */\n' ~ batches | join(sa_batch_joiner())) }}
{%- endmacro %}

{% macro sa_empty_members_select() -%}
select
    cast(null as {{ sa_type_string() }}) as segment_id,
    cast(null as {{ sa_type_string() }}) as ps_id,
    cast(null as {{ sa_type_string() }}) as profile_id
where 1 = 0
{%- endmacro %}

{#- A last check before landed SQL runs: int_segments__selected already refused unusable SQL, so
    this fails only if that table holds SQL the guard did not pass. -#}
{% macro sa_check_member_sql(segment_id, ps_id, sql_text) -%}
  {%- set problem = sa_member_sql_problem(sql_text, ps_id | string) -%}
  {%- if problem is not none -%}
    {{ exceptions.raise_compiler_error("segment " ~ segment_id ~ " (parent segment " ~ ps_id ~ "): int_segments__selected holds member SQL that " ~ problem ~ "; rebuild int_segments__selected") }}
  {%- endif -%}
{%- endmacro %}

{% macro sa_member_select(segment_id, ps_id, sql_text) -%}
select distinct
    cast({{ sa_string_literal(segment_id) }} as {{ sa_type_string() }}) as segment_id,
    cast({{ sa_string_literal(ps_id) }} as {{ sa_type_string() }}) as ps_id,
    cast(s.{{ adapter.quote(sa_cfg()['profile_id_column']) }} as {{ sa_type_string() }}) as profile_id
from (
{{ sql_text }}
) s
where s.{{ adapter.quote(sa_cfg()['profile_id_column']) }} is not null
{%- endmacro %}

{#- The model body of int_segment_members. -#}
{% macro sa_segment_members_sql(selected_relation) -%}
  {%- if not execute -%}{{ return(sa_batched_sql([sa_empty_members_select()])) }}{%- endif -%}
  {%- set rows = run_query(
      "select segment_id, ps_id, member_sql from " ~ selected_relation
      ~ " where is_selected and member_sql is not null order by ps_id, segment_id") -%}
  {%- set limit = sa_max_statement_length() - sa_batch_overhead() -%}
  {%- set joiner = sa_batch_joiner() -%}
  {%- set batches = [] -%}
  {%- set state = {'current': [], 'length': 0} -%}
  {%- for row in rows.rows -%}
    {%- do sa_check_member_sql(row[0], row[1], row[2]) -%}
    {%- set piece = sa_member_select(row[0], row[1], row[2]) -%}
    {%- if piece | length > limit -%}
      {{ exceptions.raise_compiler_error("segment " ~ row[0] ~ ": its member SQL is " ~ piece | length ~ " characters, longer than this engine's statement limit allows (" ~ limit ~ "), and int_segments__selected did not refuse it; rebuild int_segments__selected") }}
    {%- endif -%}
    {%- if state['current'] and (state['length'] + (joiner | length) + (piece | length) > limit
                                 or state['current'] | length >= sa_max_union_branches()) -%}
      {%- do batches.append(state['current'] | join(joiner)) -%}
      {%- do state.update({'current': [], 'length': 0}) -%}
    {%- endif -%}
    {%- do state['current'].append(piece) -%}
    {%- do state.update({'length': state['length'] + (joiner | length) + (piece | length)}) -%}
  {%- endfor -%}
  {%- if state['current'] -%}{%- do batches.append(state['current'] | join(joiner)) -%}{%- endif -%}
  {%- if not batches -%}{%- do batches.append(sa_empty_members_select()) -%}{%- endif -%}
  {{ return(sa_batched_sql(batches)) }}
{%- endmacro %}
