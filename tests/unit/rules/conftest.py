"""Fixtures for the rule-compiler tests.

`rules_executor` runs compiled SQL on an engine. It is parametrized over dialects: "duckdb" (an
in-memory DuckDB) always; "trino" (the local Trino of tests/fixtures/trino.py, `memory` catalog) is
marked `trino` (the session Trino fixture, or an already running Trino named by RULES_TRINO_PORT). Any other
engine plugs in by overriding `rules_executor` with an object having `dialect`, `load(Dataset)` and
`member_ids(sql) -> set[str]` (see tests/rules_oracle/executor.py, `DbApiRulesExecutor` works
for any DB-API connection).

`rule_harness.members(rule, data, ...)` compiles the rule for the executor's dialect, runs it,
evaluates the independent oracle, asserts both agree and returns the members.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime

import duckdb
import pytest

from orchestrate.rules import compile_rule
from tests.rules_oracle import Dataset, evaluate
from tests.rules_oracle.executor import DbApiRulesExecutor, RulesExecutor
from tests.unit.rules.datasets import NOW

DIALECTS = [pytest.param("duckdb", id="duckdb"), pytest.param("trino", id="trino", marks=pytest.mark.trino)]


def _trino_connection(request: pytest.FixtureRequest):  # noqa: ANN202
    """The session Trino of tests/fixtures/trino.py, or an already running one named by
    RULES_TRINO_PORT (host RULES_TRINO_HOST, default 127.0.0.1); tables go to catalog `memory`."""
    port = os.environ.get("RULES_TRINO_PORT")
    if port:
        import trino

        return trino.dbapi.connect(host=os.environ.get("RULES_TRINO_HOST", "127.0.0.1"), port=int(port),
                                   user="rules_tests", catalog="memory")
    server = request.getfixturevalue("trino_server")
    return server.connect(catalog="memory")


@pytest.fixture(scope="session", params=DIALECTS)
def rules_executor(request: pytest.FixtureRequest) -> Iterator[RulesExecutor]:
    if request.param == "duckdb":
        connection = duckdb.connect()
    else:
        connection = _trino_connection(request)
    executor = DbApiRulesExecutor(connection, request.param)
    yield executor
    executor.close()
    connection.close()


class RuleHarness:
    def __init__(self, executor: RulesExecutor) -> None:
        self.executor = executor
        self.dialect = executor.dialect
        self._loaded: Dataset | None = None

    def sql(self, rule: dict | None, data: Dataset, *, now: datetime = NOW, timezone: str | None = None,
            references: dict[str, dict] | None = None) -> str:
        resolve = None if references is None else references.__getitem__
        return compile_rule(rule, audience_id=data.audience_id, dialect=self.dialect,  # type: ignore[arg-type]
                            now=now, timezone=timezone, resolve_reference=resolve)

    def run(self, sql: str, data: Dataset) -> set[str]:
        if self._loaded is not data:
            self.executor.load(data)
            self._loaded = data
        return self.executor.member_ids(sql)

    def members(self, rule: dict | None, data: Dataset, *, now: datetime = NOW, timezone: str | None = None,
                references: dict[str, dict] | None = None) -> set[str]:
        sql = self.sql(rule, data, now=now, timezone=timezone, references=references)
        got = self.run(sql, data)
        resolve: Callable[[str], dict] | None = None if references is None else references.__getitem__
        expected = evaluate(rule, data, now=now, timezone=timezone, resolve=resolve)
        assert got == expected, f"SQL selected {sorted(got)}, oracle {sorted(expected)}\nrule: {rule}\nsql: {sql}"
        return got


@pytest.fixture(scope="session")
def rule_harness(rules_executor: RulesExecutor) -> RuleHarness:
    return RuleHarness(rules_executor)
