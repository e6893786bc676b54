"""The demo: a deterministic synthetic Audience Studio account, its behaviour data, and the driver.

- `model`: the plain data structures (profiles, events, account objects);
- `account`: the account definition (parent segments, folders, segment rules);
- `generate`: deterministic profiles, attribute changes and events from a seed;
- `scenario`: the simulated run days (attribute changes, rule edits, deletions, additions);
- `tables`: the warehouse tables the data becomes on a given day;
- `load`: write those tables to DuckDB or to Trino (DB-API);
- `run`: `run_demo`, the driver.
"""
