{#- Membership SQL: each selected segment's member SQL (text landed by the shim) wrapped as
    `select <profile_id_column> from (<sql>) s` and union-all'ed, split into batches that each fit
    the engine's statement length (sa_max_statement_length). Batches are separated by
    sa_batch_separator(); the sa_batched_table materialization creates the table from the first and
    inserts the rest. -#}

{% macro sa_batch_separator() -%}{{ return('\n/* sa_batch_boundary */\n') }}{%- endmacro %}

{#- Room kept for the create/insert wrapper around each batch. -#}
{% macro sa_batch_overhead() -%}{{ return(2000) }}{%- endmacro %}

{% macro sa_empty_members_select() -%}
select
    cast(null as {{ sa_type_string() }}) as segment_id,
    cast(null as {{ sa_type_string() }}) as ps_id,
    cast(null as {{ sa_type_string() }}) as profile_id
where 1 = 0
{%- endmacro %}

{#- Refuse landed SQL that is not TD's skeleton for the segment's own parent segment, or that
    holds a ';' (anything after it could be a second statement). -#}
{% macro sa_check_member_sql(segment_id, ps_id, sql_text) -%}
  {%- set skeleton = '^\\s*select\\s+a\\.\\*\\s+from\\s+"cdp_audience_' ~ modules.re.escape(ps_id | string) ~ '"\\."customers"\\s+a(\\s|$)' -%}
  {%- if ';' in sql_text -%}
    {{ exceptions.raise_compiler_error("segment " ~ segment_id ~ " (parent segment " ~ ps_id ~ "): refusing its member SQL from cdp_landing__segment_sql because it contains ';'; re-pull the segment or fix the rule") }}
  {%- endif -%}
  {%- if not modules.re.match(skeleton, sql_text, modules.re.IGNORECASE) -%}
    {{ exceptions.raise_compiler_error("segment " ~ segment_id ~ " (parent segment " ~ ps_id ~ "): refusing its member SQL from cdp_landing__segment_sql because it does not start with select a.* from \"cdp_audience_" ~ ps_id ~ "\".\"customers\" a; starts with: " ~ sql_text[:80]) }}
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
  {%- if not execute -%}{{ return(sa_empty_members_select()) }}{%- endif -%}
  {%- set rows = run_query(
      "select segment_id, ps_id, member_sql from " ~ selected_relation
      ~ " where is_selected and member_sql is not null order by ps_id, segment_id") -%}
  {%- set limit = sa_max_statement_length() - sa_batch_overhead() -%}
  {%- set joiner = '\nunion all\n' -%}
  {%- set batches = [] -%}
  {%- set state = {'current': [], 'length': 0} -%}
  {%- for row in rows.rows -%}
    {%- do sa_check_member_sql(row[0], row[1], row[2]) -%}
    {%- set piece = sa_member_select(row[0], row[1], row[2]) -%}
    {%- if piece | length > limit -%}
      {{ exceptions.raise_compiler_error("segment " ~ row[0] ~ ": its member SQL is " ~ piece | length ~ " characters, longer than this engine's statement limit allows (" ~ limit ~ "); simplify the segment's rule") }}
    {%- endif -%}
    {%- if state['current'] and state['length'] + (joiner | length) + (piece | length) > limit -%}
      {%- do batches.append(state['current'] | join(joiner)) -%}
      {%- do state.update({'current': [], 'length': 0}) -%}
    {%- endif -%}
    {%- do state['current'].append(piece) -%}
    {%- do state.update({'length': state['length'] + (joiner | length) + (piece | length)}) -%}
  {%- endfor -%}
  {%- if state['current'] -%}{%- do batches.append(state['current'] | join(joiner)) -%}{%- endif -%}
  {%- if not batches -%}{{ return(sa_empty_members_select()) }}{%- endif -%}
  {{ return(batches | join(sa_batch_separator())) }}
{%- endmacro %}
