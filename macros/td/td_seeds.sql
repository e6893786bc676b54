{#-
    Seeds within Treasure Data's 1,000,000-character statement limit. dbt-trino inserts seed rows
    1000 at a time whatever their width; in TD mode each INSERT takes rows until an estimate of its
    length (values counted twice for quoting, plus per-value overhead) would pass the budget
    (var td_max_statement_chars, default 900000, kept below the limit for the statement header).
    dbt's seed materialization calls `load_csv_rows` by name; this project's seeds find this one
    first, installed as a package or not; outside TD mode it hands over to dbt's own.
-#}
{% macro load_csv_rows(model, agate_table) -%}
  {{ return(adapter.dispatch('sa_load_csv_rows', 'segment_analytics')(model, agate_table)) }}
{%- endmacro %}

{% macro default__sa_load_csv_rows(model, agate_table) -%}
  {{ return(dbt.load_csv_rows(model, agate_table)) }}
{%- endmacro %}

{% macro trino__sa_load_csv_rows(model, agate_table) %}
  {%- if not segment_analytics.sa_td_mode() -%}
    {{ return(dbt.load_csv_rows(model, agate_table)) }}
  {%- endif -%}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set types = [] -%}
  {%- for col_name in agate_table.column_names -%}
    {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
  {%- endfor -%}
  {%- set cols_sql = get_seed_column_quoted_csv(model, agate_table.column_names) -%}
  {%- set header = 'insert into ' ~ this.render() ~ ' (' ~ cols_sql ~ ') values ' -%}
  {%- set budget = (var('td_max_statement_chars', 900000) | int) - (header | length) -%}
  {%- set max_rows = get_batch_size() -%}

  {%- set batches = [] -%}
  {%- set ns = namespace(rows=[], size=0) -%}
  {%- for row in agate_table.rows -%}
    {%- set row_size = segment_analytics.sa_td_seed_row_size(row) | int -%}
    {%- if row_size > budget -%}
      {%- do exceptions.raise_compiler_error(
          "Treasure Data mode: seed " ~ model.name ~ " row " ~ loop.index ~ " is about " ~ row_size ~
          " characters, too long for one statement (limit 1,000,000).") -%}
    {%- endif -%}
    {%- if ns.rows and (ns.size + row_size > budget or ns.rows | length >= max_rows) -%}
      {%- do batches.append(ns.rows) -%}
      {%- set ns.rows = [] -%}
      {%- set ns.size = 0 -%}
    {%- endif -%}
    {%- do ns.rows.append(row) -%}
    {%- set ns.size = ns.size + row_size -%}
  {%- endfor -%}
  {%- if ns.rows -%}{%- do batches.append(ns.rows) -%}{%- endif -%}

  {%- set statements = [] -%}
  {%- for chunk in batches -%}
    {%- set bindings = [] -%}
    {%- set values_sql = [] -%}
    {%- for row in chunk -%}
      {%- set parts = [] -%}
      {%- for binding in create_bindings(row, types) -%}
        {%- if binding.0 is not none -%}
          {%- do parts.append(binding.0) -%}
          {%- do bindings.append(binding.1) -%}
        {%- else -%}
          {%- do parts.append(binding.1) -%}
        {%- endif -%}
      {%- endfor -%}
      {%- do values_sql.append('(' ~ parts | join(', ') ~ ')') -%}
    {%- endfor -%}
    {%- set sql = header ~ values_sql | join(', ') -%}
    {%- do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) -%}
    {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(statements[0] if statements else '') }}
{% endmacro %}


{#- Estimated characters one seed row adds to an INSERT: every value quoted and escaped. -#}
{% macro sa_td_seed_row_size(row) -%}
  {%- set ns = namespace(size=4) -%}
  {%- for value in row -%}
    {%- set ns.size = ns.size + 2 * ((value | string) | length) + 16 -%}
  {%- endfor -%}
  {{ return(ns.size) }}
{%- endmacro %}
