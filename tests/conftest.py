"""Root conftest: shared fixtures live in tests/fixtures/, one module per concern."""

import os

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

pytest_plugins: list[str] = ["tests.fixtures.fake_api", "tests.fixtures.trino", "tests.fixtures.dbt_project",
                             "tests.fixtures.publish"]
