"""A large synthetic account: 20 parent segments, 5,000 segments, folder depth 8.

The fake runs in a child process (its own interpreter and GIL), as the real service would be
elsewhere; the test builds the same deterministic account locally to check what was landed.
"""

from __future__ import annotations

import multiprocessing
import time

from orchestrate.http import HttpPolicy
from orchestrate.pull import run_pull
from orchestrate.warehouse.duckdb import DuckDbLandingWriter
from segment_analytics_sandbox.fake_api.server import FakeApiServer
from segment_analytics_sandbox.fake_api.state import FakeState
from segment_analytics_sandbox.synthetic.account import build_account
from tests.fixtures.fake_api import FAST_POLICY, make_client
from tests.integration.cdp.helpers import RUN_DATE, dicts, landed_segment_ids, rows

SIZE = {"parent_segments": 20, "segments": 5000, "folder_depth": 8, "history_days": 2, "end_day": RUN_DATE}


def _serve(ready: multiprocessing.Queue) -> None:  # pragma: no cover - runs in the child
    state = FakeState()
    build_account(state, **SIZE)
    server = FakeApiServer(state, keep_log=False)
    ready.put(server.url)
    server.serve_forever()


def test_large_account_lands_every_segment_and_second_pull_asks_no_sql(tmp_path):
    expected = FakeState()
    counts = build_account(expected, **SIZE)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Queue()
    child = ctx.Process(target=_serve, args=(ready,), daemon=True)
    child.start()
    try:
        url = ready.get(timeout=60)
        _pull_twice(url, expected, counts, tmp_path)
    finally:
        child.terminate()
        child.join(timeout=10)


class _Remote:
    def __init__(self, url: str) -> None:
        self.url = url


def _pull_twice(url, expected, counts, tmp_path):
    # the rate cap stays on, raised for a local fake (the real service default is 2/s)
    policy = HttpPolicy(**{**FAST_POLICY.__dict__, "requests_per_second": 2000.0, "max_in_flight": 4,
                           "read_timeout": 30.0, "total_timeout": 120.0})
    client = make_client(_Remote(url), policy)
    landing = tmp_path / "large.duckdb"
    writer = DuckDbLandingWriter(landing)

    start = time.monotonic()
    first = run_pull(client=client, writer=writer, v5_flag="both", run_date=RUN_DATE, sql_source="api",
                     dialect="trino")
    print(f"\nlarge account, first pull: {first.summary()} in {time.monotonic() - start:.1f}s")
    assert first.status == "success", first.problems
    assert first.segments == 5000 and landed_segment_ids(landing) == set(expected.segments)
    assert first.parent_segments == counts["parent_segments"] == 20
    assert len(rows(landing, "cdp_landing__folders")) == counts["folders"] == len(expected.folders)
    distinct_rules = len({(r[1], r[9]) for r in rows(landing, "cdp_landing__segments")})
    assert first.sql_api_requests == distinct_rules
    assert len(rows(landing, "cdp_landing__segment_statistics")) == 2 * 5000
    assert first.requests >= 5000 + distinct_rules
    assert dicts(landing, "cdp_landing__pull_runs")[0]["requests"] == first.requests

    start = time.monotonic()
    second = run_pull(client=client, writer=writer, v5_flag="both", run_date=RUN_DATE, sql_source="api",
                      dialect="trino")
    print(f"large account, second pull: {second.summary()} in {time.monotonic() - start:.1f}s")
    assert second.sql_api_requests == 0 and second.statistics_rows == 0
    assert second.requests < 50  # lists and trees only: nothing new to ask
    assert landed_segment_ids(landing) == set(expected.segments)
    assert len(rows(landing, "cdp_landing__segment_sql")) == distinct_rules
