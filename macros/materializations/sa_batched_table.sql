{#- A table built from several statements. The model's compiled SQL is one SELECT, optionally
    headed by `/* sa_batches: <n1>,<n2>,... */` (sa_batched_sql): then it is cut, by those exact
    lengths, into batches joined by sa_batch_joiner(); the first batch creates an intermediate
    table (CTAS), each other one is inserted into it, then the intermediate table replaces the
    model's table. The cut never searches the SQL text, so no data inside a batch can split it.
    Used where one statement could exceed the engine's statement length (int_segment_members).
    Portable: it uses only create_table_as, insert and rename, so it also runs in Treasure Data mode. -#}

{#- The batches of `sql_text`: the header's lengths, checked against the text; or the whole text. -#}
{% macro sa_batched_table_batches(sql_text) -%}
  {%- set start = sql_text.find(sa_batch_header_start()) -%}
  {%- if start < 0 -%}{{ return([sql_text]) }}{%- endif -%}
  {%- set header_end = sql_text.find(' */\n', start) -%}
  {%- set lengths_text = sql_text[start + (sa_batch_header_start() | length):header_end] -%}
  {%- if header_end < 0 or not modules.re.fullmatch('[0-9]+(,[0-9]+)*', lengths_text) -%}
    {{ exceptions.raise_compiler_error("sa_batched_table " ~ this ~ ": malformed batch header " ~ sql_text[start:start + 80]) }}
  {%- endif -%}
  {%- set joiner = sa_batch_joiner() -%}
  {%- set state = {'at': header_end + 4} -%}
  {%- set batches = [] -%}
  {%- for length in lengths_text.split(',') -%}
    {%- if not loop.first -%}
      {%- if sql_text[state['at']:state['at'] + (joiner | length)] != joiner -%}
        {{ exceptions.raise_compiler_error("sa_batched_table " ~ this ~ ": batch " ~ loop.index ~ " does not follow the joiner where the header says") }}
      {%- endif -%}
      {%- do state.update({'at': state['at'] + (joiner | length)}) -%}
    {%- endif -%}
    {%- do batches.append(sql_text[state['at']:state['at'] + (length | int)]) -%}
    {%- do state.update({'at': state['at'] + (length | int)}) -%}
  {%- endfor -%}
  {%- if sql_text[state['at']:] | trim != '' -%}
    {{ exceptions.raise_compiler_error("sa_batched_table " ~ this ~ ": text after the last batch the header announces") }}
  {%- endif -%}
  {{ return(batches) }}
{%- endmacro %}

{% materialization sa_batched_table, default %}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
  {%- set backup_relation = make_backup_relation(target_relation, 'table') -%}
  {%- set batches = sa_batched_table_batches(sql) -%}
  {%- set lengths = [] -%}
  {%- for batch in batches -%}{%- do lengths.append(batch | length | string) -%}{%- endfor -%}
  {% do log(this ~ ": " ~ batches | length ~ " statement(s) of " ~ lengths | join(', ') ~ " characters", info=False) %}

  {{ drop_relation_if_exists(load_cached_relation(intermediate_relation)) }}
  {{ drop_relation_if_exists(load_cached_relation(backup_relation)) }}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% call statement('main') -%}
    {{ get_create_table_as_sql(False, intermediate_relation, batches[0]) }}
  {%- endcall %}
  {% for batch in batches[1:] %}
    {% call statement('batch_' ~ loop.index) -%}
      insert into {{ intermediate_relation }}
      {{ batch }}
    {%- endcall %}
  {% endfor %}

  {% if existing_relation is not none %}
    {{ adapter.rename_relation(existing_relation, backup_relation) }}
  {% endif %}
  {{ adapter.rename_relation(intermediate_relation, target_relation) }}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do persist_docs(target_relation, model) %}
  {{ adapter.commit() }}

  {% if existing_relation is not none %}
    {{ drop_relation_if_exists(backup_relation) }}
  {% endif %}
  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
