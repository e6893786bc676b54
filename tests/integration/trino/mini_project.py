"""A small dbt project exercising every dbt-trino materialization the pipeline uses.

Written into a temporary folder with a copy of the repository's macros/td/ (and the cross-engine
time-range macro it extends), so the Treasure Data overrides are tested in isolation from the
pipeline's models. Snapshot time comes from the var `snap_time`, so two runs compare exactly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]

PROJECT = """\
name: segment_analytics
version: "1.0"
config-version: 2
profile: sa_probe
macro-paths: ["macros"]
models:
  segment_analytics:
    +views_enabled: false
    +materialized: table
snapshots:
  segment_analytics:
    +views_enabled: false
seeds:
  segment_analytics:
    +views_enabled: false
"""

PROFILES = """\
sa_probe:
  target: trino
  outputs:
    trino:
      type: trino
      method: none
      host: "{{ env_var('TRINO_HOST') }}"
      port: "{{ env_var('TRINO_PORT') | as_number }}"
      user: "{{ env_var('TRINO_USER') }}"
      catalog: "{{ env_var('TRINO_CATALOG') }}"
      schema: "{{ env_var('TRINO_SCHEMA') }}"
      http_scheme: http
      threads: 2
      views_enabled: false
      prepared_statements_enabled: "{{ env_var('TRINO_PREPARED', 'true') == 'true' }}"
"""

SNAPSHOT_TIME_MACRO = """\
{% macro trino__snapshot_get_time() -%}
  cast(timestamp '{{ var("snap_time") }}' as timestamp(6))
{%- endmacro %}
"""

MODELS = {
    "people_table.sql": """\
select id, name, score from {{ source('probe', 'people') }}
""",
    "people_ephemeral.sql": """\
{{ config(materialized='ephemeral') }}
select id, name, score * 2 as double_score from {{ source('probe', 'people') }}
""",
    "people_from_ephemeral.sql": """\
select id, double_score from {{ ref('people_ephemeral') }}
""",
    "people_delete_insert.sql": """\
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='id') }}
select id, name, score, '{{ var("snap_time") }}' as loaded_at from {{ source('probe', 'people') }}
""",
    "people_delete_insert_composite.sql": """\
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=['id', 'name']) }}
select id, name, score from {{ source('probe', 'people') }}
""",
    "people_merge.sql": """\
{{ config(materialized='incremental', incremental_strategy='merge', unique_key='id') }}
select id, name, score, '{{ var("snap_time") }}' as loaded_at from {{ source('probe', 'people') }}
""",
    "people_append.sql": """\
{{ config(materialized='incremental', incremental_strategy='append') }}
select id, '{{ var("snap_time") }}' as loaded_at from {{ source('probe', 'people') }}
""",
    "events_in_window.sql": """\
select id, time from {{ source('probe', 'events') }}
where {{ sa_time_range_predicate('time', 1704067200, 1704153600 + 3600, '2024-01-01', '2024-01-02') }}
""",
    "people_view.sql": """\
{{ config(materialized='view', enabled=var('with_view', false)) }}
select id from {{ source('probe', 'people') }}
""",
    "seed_copy.sql": """\
select * from {{ ref('probe_seed') }}
""",
    "sources.yml": """\
version: 2
sources:
  - name: probe
    schema: "{{ target.schema }}_src"
    tables:
      - name: people
      - name: events
models:
  - name: people_table
    columns:
      - name: id
        data_tests: [unique, not_null]
""",
}

SNAPSHOTS = {
    "snp_people_check.sql": """\
{% snapshot snp_people_check %}
{{ config(unique_key='id', strategy='check', check_cols=['name', 'score'], hard_deletes='invalidate') }}
select id, name, score from {{ source('probe', 'people') }}
{% endsnapshot %}
""",
    "snp_people_timestamp.sql": """\
{% snapshot snp_people_timestamp %}
{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at', hard_deletes='new_record') }}
select id, name, score, updated_at from {{ source('probe', 'people') }}
{% endsnapshot %}
""",
}

SEED = "id,label,note\n1,plain,none\n2,\"O'Brien \"\"quoted\"\"\",ünïcødé ✓\n3,semi;colon,\"comma, inside\"\n"


def write_project(folder: Path) -> Path:
    """Write the project into folder; returns it."""
    (folder / "models").mkdir(parents=True, exist_ok=True)
    (folder / "snapshots").mkdir(exist_ok=True)
    (folder / "seeds").mkdir(exist_ok=True)
    macros = folder / "macros"
    if macros.exists():
        shutil.rmtree(macros)
    shutil.copytree(REPO_ROOT / "macros" / "td", macros / "td")
    (macros / "cross_engine").mkdir()
    shutil.copy(REPO_ROOT / "macros" / "cross_engine" / "sa_time_range_predicate.sql", macros / "cross_engine")
    (macros / "snapshot_time.sql").write_text(SNAPSHOT_TIME_MACRO)
    (folder / "dbt_project.yml").write_text(PROJECT)
    (folder / "profiles.yml").write_text(PROFILES)
    for name, text in MODELS.items():
        (folder / "models" / name).write_text(text)
    for name, text in SNAPSHOTS.items():
        (folder / "snapshots" / name).write_text(text)
    (folder / "seeds" / "probe_seed.csv").write_text(SEED, encoding="utf-8")
    return folder


def write_wide_seed(folder: Path, rows: int, width: int) -> str:
    """A seed whose rows together exceed one statement's 1,000,000 characters; returns its name."""
    name = "probe_wide_seed"
    lines = ["id,payload"] + [f"{i},{chr(97 + i % 26) * width}" for i in range(rows)]
    (folder / "seeds" / f"{name}.csv").write_text("\n".join(lines) + "\n")
    return name
