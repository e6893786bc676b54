{#-
    Snapshot strategy `versioned`: dbt's `check` strategy (a new version when a check column
    changes, hard deletes closed per the `hard_deletes` config), with a version id that stays
    unique when one run date sees several versions of the same key (a rule edited twice and pulled
    twice on the same day, a profile that leaves and comes back the same day). dbt's own id hashes
    only key + snapshot time, which collides once the snapshot time is a date.
    The name is dbt's protocol, not ours: a snapshot's `strategy='versioned'` makes dbt look up a
    macro called `snapshot_versioned_strategy`, so it keeps that name (only the file is prefixed).
-#}
{% macro snapshot_versioned_strategy(node, snapshotted_rel, current_rel, model_config, target_exists) %}
    {%- set strategy = snapshot_check_strategy(node, snapshotted_rel, current_rel, model_config, target_exists) -%}
    {%- set unique_key = config.get('unique_key') -%}
    {%- set keys = unique_key if unique_key is not string else [unique_key] -%}
    {%- set args = [] -%}
    {%- for key in keys -%}
        {%- do args.append(key) -%}
    {%- endfor -%}
    {%- for column in config.get('check_cols') -%}
        {%- do args.append(column) -%}
    {%- endfor -%}
    {%- do args.append(strategy.updated_at) -%}
    {%- do args.append("'" ~ invocation_id ~ "'") -%}
    {%- do strategy.update({'scd_id': snapshot_hash_arguments(args)}) -%}
    {{ return(strategy) }}
{% endmacro %}


{#-
    True when the run date is older than the newest date already in a snapshot: a back-fill of an
    earlier day must not rewrite history, so the snapshot then re-selects its own open rows (a
    no-op). False on the first run.
-#}
{% macro sa_history_snapshot_is_behind(relation) %}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set existing = load_relation(relation) -%}
    {%- if existing is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set check -%}
        select count(*) from {{ existing }}
        where dbt_valid_from > {{ sa_history_run_date_timestamp() }}
           or dbt_valid_to > {{ sa_history_run_date_timestamp() }}
    {%- endset -%}
    {%- set result = run_query(check) -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{% endmacro %}


{#- True when the snapshot table already exists (false while parsing). -#}
{% macro sa_history_snapshot_exists(relation) %}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(load_relation(relation) is not none) }}
{% endmacro %}
