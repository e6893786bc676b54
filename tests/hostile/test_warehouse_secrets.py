"""Hostile: the warehouse side. A landing write killed at any statement shows readers the old or the
new landing, complete, never a mix, and `pull_runs` says success only for a complete landing (H14);
the API key, which is the Trino user on Treasure Data, reaches no output and no file under any dbt
command or `segment-analytics build/run/docs` with the td-style profile (H4).

The DuckDB tests run the Trino writer's own SQL on a DuckDB file (same statements, same order) and
the DuckDB writer itself; the Trino tests (marked `trino`) run everything on the local Trino with
the td profile of profiles.yml.example pointed at it.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from orchestrate.warehouse.base import REPLACED, WarehouseError
from orchestrate.warehouse.duckdb import DuckDbLandingWriter
from orchestrate.warehouse.statements import StatementLandingWriter
from tests.fixtures.dbt_project import PROJECT_DIR, DbtWorkspace
from tests.hostile.landing_switch import (
    Killed,
    expected,
    generation,
    kill_at,
    kill_everywhere,
    success_pulls,
    unkill,
)

# A fake key in TD's `<account id>/<secret>` shape (never a real one).
FAKE_KEY = "4242/td-FAKE-key-3f9c0d7e5b1a24c68e0f"
KEY_PARTS = (FAKE_KEY, FAKE_KEY.split("/", 1)[1])


class DuckStatements(StatementLandingWriter):
    """The Trino landing writer's SQL, executed statement by statement on a DuckDB file."""

    dialect = "trino"
    max_statement_chars = 600  # several INSERTs per table: kills land between them too

    def __init__(self, path: Path) -> None:
        super().__init__(None, "main")
        self.path = str(path)

    def execute(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(self.path) as con:
            cursor = con.execute(sql)
            return [tuple(r) for r in cursor.fetchall()] if cursor.description else []


def _duck_query(path: Path):  # noqa: ANN202 - a small closure
    def query(sql: str) -> list[Any]:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute(sql).fetchall()
    return query


def _compiled(workspace: DbtWorkspace, code: str) -> str:
    result = workspace.dbt(["compile", "--inline", code, "--quiet"])
    return str(result.result.results[0].node.compiled_code).strip()


def test_trino_writer_sql_killed_at_every_statement_never_shows_a_mix(dbt_workspace: DbtWorkspace) -> None:
    """H14 on the Trino writer's statements (run on DuckDB): every kill point, then the real stg
    models and `sa_run_date()` read the state a kill left."""
    db = dbt_workspace.db_path
    landed_pull_sql = _compiled(dbt_workspace, "{{ sa_landed_pull() }}")
    writer = DuckStatements(db)
    outcomes = kill_everywhere(writer, _duck_query(db), writer.target, landed_pull_sql)
    # kills fell before the switch (old landing kept) and after it (new landing, older rows not yet gone)
    assert outcomes["old"] >= 8 and outcomes["new"] >= 3, outcomes

    # The models themselves: a pull killed half-way through its inserts is invisible to staging...
    last = outcomes["last"]
    half = generation(last_k := int(last.pull_id.split("-")[1]) + 1)
    plan = writer.statements_for(half, writer.existing_tables())
    kill_at(writer, 2 + len(plan.prepare) + len(plan.land) // 2)  # +2: create schema, list tables
    with pytest.raises(Killed):
        writer.write(half)
    unkill(writer)
    dbt_workspace.dbt(["run", "--select", "stg_cdp__parent_segments", "stg_cdp__folders", "stg_cdp__segments"])
    _assert_staging_is(dbt_workspace, last)
    assert _compiled(dbt_workspace, "{{ sa_run_date() }}") == last.run_date.isoformat()
    # ...and one killed after its pull_runs row (before the old rows are deleted) is the landing.
    newer = generation(last_k + 1)
    plan = writer.statements_for(newer, writer.existing_tables())
    kill_at(writer, 2 + len(plan.prepare) + len(plan.land) + len(plan.commit))
    with pytest.raises(Killed):
        writer.write(newer)
    unkill(writer)
    dbt_workspace.dbt(["run", "--select", "stg_cdp__parent_segments", "stg_cdp__folders", "stg_cdp__segments"])
    _assert_staging_is(dbt_workspace, newer)
    assert _compiled(dbt_workspace, "{{ sa_run_date() }}") == newer.run_date.isoformat()


def _assert_staging_is(workspace: DbtWorkspace, batch) -> None:  # noqa: ANN001
    want = expected(batch)
    for table in REPLACED:
        model = table.replace("cdp_landing__", "stg_cdp__")
        got = workspace.query(f"select pull_id, count(*) from main.sa_{model} group by 1")  # prefix sa
        assert got == [(batch.pull_id, len(want[table]))], (model, got)
    names = sorted(r[0] for r in workspace.query("select segment_name from main.sa_stg_cdp__segments"))
    assert names == sorted(r["segment_name"] for r in batch.segments)


class _DyingConnection:
    """A DuckDB connection whose `at`-th execute raises Killed; records every statement."""

    def __init__(self, con: duckdb.DuckDBPyConnection, at: int, log: list[str]) -> None:
        self._con, self._at, self._log = con, at, log

    def __enter__(self) -> _DyingConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()

    def execute(self, sql: str, *args: Any) -> Any:
        self._log.append(sql)
        if len(self._log) - 1 == self._at:
            raise Killed(sql)
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def test_duckdb_writer_killed_at_every_statement_keeps_the_old_landing(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """H14 on DuckDB: one transaction; a kill anywhere rolls back, and `pull_runs` is written last."""
    db = tmp_path / "landing.duckdb"
    writer = DuckDbLandingWriter(db, "main")
    writer.write(generation(0))
    query = _duck_query(db)

    def snapshot() -> dict[str, list[Any]]:
        return {t: query(f"select * from main.{t} order by all") for t in
                (*REPLACED, "cdp_landing__segment_sql", "cdp_landing__segment_statistics", "cdp_landing__pull_runs")}

    before = snapshot()
    real_connect = writer._connect
    at, full_log = 0, []
    while True:
        log: list[str] = []
        monkeypatch.setattr(writer, "_connect", lambda at=at, log=log: _DyingConnection(real_connect(), at, log))
        try:
            writer.write(generation(1))
        except Killed:
            assert snapshot() == before, f"kill at statement {at} changed the landing"
            at += 1
            continue
        full_log = log
        break
    assert at >= 10
    inserts = [s for s in full_log if s.startswith("insert into")]
    assert inserts[-1].startswith('insert into "main"."cdp_landing__pull_runs"')  # success is the last row
    assert full_log[-1] == "commit"
    assert query("select status from main.cdp_landing__pull_runs order by started_at") == [
        ("success_with_problems",), ("success",)]


def test_a_failing_statement_names_itself_and_never_the_key(tmp_path: Path) -> None:
    """A driver error (e.g. from the trino driver) carrying the key is re-raised without it, and the
    previous landing stays."""
    from orchestrate.http import register_secret

    register_secret(FAKE_KEY)
    db = tmp_path / "landing.duckdb"
    writer = DuckStatements(db)
    writer.write(generation(0))
    real = writer.execute

    def refusing(sql: str) -> list[tuple[Any, ...]]:
        if sql.startswith('insert into "main"."cdp_landing__segments"'):
            raise RuntimeError(f"Access Denied: User {FAKE_KEY} cannot insert into cdp_landing__segments")
        return real(sql)

    writer.execute = refusing  # type: ignore[method-assign]
    with pytest.raises(WarehouseError) as caught:
        writer.write(generation(1))
    message = str(caught.value)
    assert "cdp_landing__segments" in message and "Access Denied" in message
    assert not any(part in message for part in KEY_PARTS)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    del writer.execute
    assert success_pulls(_duck_query(db), writer.target) == {"pull-000"}


def test_a_secret_in_a_payload_never_lands(tmp_path: Path) -> None:
    """A hostile payload that echoes the key (a segment named after it, a problem quoting it) lands
    redacted: the key is in no landing table."""
    from orchestrate.http import register_secret

    register_secret(FAKE_KEY)
    batch = generation(0)
    batch.segments[0]["segment_name"] = f"leak {FAKE_KEY}"
    batch.pull_run["problems"] = json.dumps([{"kind": "segment", "id": "s9", "reason": f"bad {KEY_PARTS[1]}"}])
    for writer in (DuckDbLandingWriter(tmp_path / "a.duckdb", "main"), DuckStatements(tmp_path / "b.duckdb")):
        writer.write(batch)
    for name in ("a.duckdb", "b.duckdb"):
        assert not _files_with_key([tmp_path / name])
        with duckdb.connect(str(tmp_path / name), read_only=True) as con:
            names = [r[0] for r in con.execute("select segment_name from main.cdp_landing__segments").fetchall()]
        assert "leak ***" in names


# --------------------------------------------------------------------------- H4: the key in no file


def _files_with_key(paths: list[Path]) -> list[str]:
    """Every file under `paths` (recursively) whose bytes hold the key or its secret half."""
    found: list[str] = []
    needles = [p.encode() for p in KEY_PARTS]
    for root in paths:
        files = [root] if root.is_file() else [f for f in root.rglob("*") if f.is_file()] if root.exists() else []
        for file in files:
            data = file.read_bytes()
            if any(n in data for n in needles):
                found.append(str(file))
    return found


def _td_profile(folder: Path, host: str, port: int, catalog: str, schema: str) -> None:
    """profiles.yml.example's `td` output as shipped (user, method, password, TD settings), pointed
    at the local Trino (host, port, http, catalog) instead of api-presto.treasuredata.com."""
    example = yaml.safe_load((PROJECT_DIR / "profiles.yml.example").read_text(encoding="utf-8"))
    td = dict(example["segment_analytics"]["outputs"]["td"])
    assert "DBT_ENV_SECRET_" in td["user"]  # the shipped profile reads the key through a dbt secret variable
    td.update({"host": host, "port": port, "http_scheme": "http", "database": catalog, "schema": schema,
               "threads": 2})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profiles.yml").write_text(
        yaml.safe_dump({"segment_analytics": {"target": "td", "outputs": {"td": td}}}), encoding="utf-8")


@contextlib.contextmanager
def _env(**values: str | None) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _dbt_cli(args: list[str], *, profiles: Path, work: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Plain `dbt` (a new process, as a user runs it), its logs and target under `work`."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("TD_API_KEY", "DBT_ENV_SECRET_TD_API_KEY")}
    full_env.update(env)
    full_env.update({"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_LOG_PATH": str(work / "logs"),
                     "DBT_TARGET_PATH": str(work / "target")})
    command = [str(Path(sys.executable).parent / "dbt"), *args, "--project-dir", str(PROJECT_DIR),
               "--profiles-dir", str(profiles), "--target", "td"]
    done = subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=1500, check=False)
    work.mkdir(parents=True, exist_ok=True)
    (work / f"dbt_{args[0]}.out").write_text(done.stdout + done.stderr, encoding="utf-8")  # for a failure's reader
    return done


@pytest.mark.trino
@pytest.mark.timeout(3000)
def test_td_profile_never_writes_or_prints_the_key(trino_server, fake_api, fake_state, tmp_path: Path,  # noqa: ANN001
                                                  capfd: pytest.CaptureFixture[str]) -> None:
    """H4: dbt debug / build / docs generate (plain dbt) and segment-analytics build / run / docs with
    the td profile, the key as the Trino user: the key is in no output, in nothing under logs/ and
    target/ (dbt.log, manifest, run_results, catalog, partial_parse.msgpack, the docs page) and in no
    table of the warehouse."""
    from orchestrate import cli
    from tests.fixtures.dbt_project import fixture_config
    from tests.fixtures.landing_fixture import RUN_DATE, load_into_trino
    from tests.integration.cdp.helpers import small_account

    schema = "sa_secret_td"
    connection = trino_server.connect()
    try:
        load_into_trino(connection, schema)
    finally:
        connection.close()
    profiles = tmp_path / "profiles"
    _td_profile(profiles, trino_server.host, trino_server.port, trino_server.catalog, schema)
    vars_text = json.dumps({"segment_analytics": fixture_config()})
    outputs: list[str] = []

    plain = tmp_path / "plain"

    def plain_dbt(*args: str) -> str:
        """Plain dbt, as docs/trino.md tells a user to run it: the key only in DBT_ENV_SECRET_TD_API_KEY."""
        done = _dbt_cli(list(args), profiles=profiles, work=plain, env={"DBT_ENV_SECRET_TD_API_KEY": FAKE_KEY})
        outputs.extend([done.stdout, done.stderr])
        problems = [line for line in done.stdout.splitlines() if "rror" in line or "FAIL" in line]
        assert done.returncode == 0, (args, problems[:20], done.stdout[-1500:])
        return done.stdout

    assert "user: *****" in plain_dbt("debug")  # dbt debug shows the user, scrubbed
    plain_dbt("build", "--vars", vars_text, "--select", "path:models/staging", "--indirect-selection", "cautious")

    # the shim with TD_API_KEY only (as the README says): build, docs, then run (pull from the fake
    # API, which takes any key, then build; its parent segments have no customers tables here, so the
    # run selects none of them)
    shim = tmp_path / "shim"
    small_account(fake_state)
    common = ["--target", "td", "--profiles-dir", str(profiles), "--project-dir", str(PROJECT_DIR),
              "--run-date", RUN_DATE.isoformat()]
    none_selected = fixture_config(filters={"v5_flag": "both", "ps_to_include": "no such parent segment",
                                            "folders_to_include": "", "segments_to_include": ""})
    with _env(TD_API_KEY=FAKE_KEY, DBT_ENV_SECRET_TD_API_KEY=None, DBT_LOG_PATH=str(shim / "logs"),
              DBT_TARGET_PATH=str(shim / "target"), SEGMENT_ANALYTICS_STATE_DIR=str(shim / "state")):
        assert cli.main(["build", *common, "--vars", vars_text]) == 0
        assert cli.main(["docs", *common, "--vars", vars_text]) == 0
        # plain `dbt docs generate` once every model exists (it compiles models that query others)
        plain_dbt("docs", "generate", "--vars", vars_text)
        assert cli.main(["run", *common, "--vars", json.dumps({"segment_analytics": none_selected}),
                         "--api-url", fake_api.url]) == 0
        assert "DBT_ENV_SECRET_TD_API_KEY" not in os.environ  # only set while dbt runs
    captured = capfd.readouterr()
    outputs += [captured.out, captured.err]

    leaks = [i for i, text in enumerate(outputs) if any(p in text for p in KEY_PARTS)]
    assert not leaks, f"the key is in output {leaks}"
    assert not _files_with_key([plain, shim, profiles]), "the key is in a file"
    assert (plain / "logs" / "dbt.log").is_file() and (shim / "target" / "manifest.json").is_file()
    assert (plain / "target" / "catalog.json").is_file() and (shim / "target" / "partial_parse.msgpack").is_file()
    assert not _tables_with_key(trino_server, schema)
    # Control: the scan finds the key where it does sit. The local Trino server itself records the
    # session user (the td-style user is the key) as table owner in its file metastore and as
    # `trino_user` in Iceberg snapshots: the server side, like TD's own records of who ran a query.
    assert _files_with_key([Path(trino_server.run_dir) / "warehouse" / "metastore" / schema])


def _tables_with_key(trino_server, schema: str) -> list[str]:  # noqa: ANN001
    """Tables of `schema` with the key or its secret half in any column (cast to varchar)."""
    found = []
    tables = [r[0] for r in trino_server.query(
        f"select table_name from {trino_server.catalog}.information_schema.tables where table_schema = '{schema}'")]
    assert tables
    for table in tables:
        columns = [r[0] for r in trino_server.query(
            f"select column_name from {trino_server.catalog}.information_schema.columns "
            f"where table_schema = '{schema}' and table_name = '{table}'")]
        text = " || '|' || ".join(f"coalesce(try_cast(\"{c}\" as varchar), '')" for c in columns)
        hits = trino_server.query(
            f"select count(*) from \"{schema}\".\"{table}\" where "
            + " or ".join(f"strpos({text}, '{p}') > 0" for p in KEY_PARTS), schema=schema)
        if hits[0][0]:
            found.append(table)
    return found
