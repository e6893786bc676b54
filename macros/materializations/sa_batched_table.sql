{#- A table built from several statements: the model's compiled SQL holds one or more SELECTs
    separated by sa_batch_separator(); the first creates an intermediate table (CTAS), each other
    one is inserted into it, then the intermediate table replaces the model's table. Used where one
    statement could exceed the engine's statement length (int_segment_members). Portable: it uses
    only create_table_as, insert and rename, so it also runs in Treasure Data mode. -#}
{% materialization sa_batched_table, default %}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
  {%- set backup_relation = make_backup_relation(target_relation, 'table') -%}
  {%- set batches = sql.split(sa_batch_separator()) -%}

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
