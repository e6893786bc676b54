"""`segment-analytics doctor` against the fake API and DuckDB: each failure it names, what it says
to fix, its exit code, and that the API key never appears in what it prints."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

from orchestrate.setup.doctor import cmd_doctor
from tests.fixtures.fake_api import TEST_API_KEY
from tests.integration.setup.account import METRICS, SetupWorld, line, parse

SECRET = TEST_API_KEY.split("/", 1)[1]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_healthy_account_passes_every_check_and_hides_the_key(setup_world: SetupWorld) -> None:
    setup_world.write_behaviours()
    setup_world.pull()
    code, lines = setup_world.doctor()
    text = "\n".join(lines)
    assert code == 0, text
    for name in ("config", "api key", "region", "api", "warehouse", "landing schema",
                 "table shop_db.orders", "table shop_db.pageviews", "freshness landing",
                 "freshness shop_db.orders"):
        assert line(lines, name).startswith("ok"), text
    assert "1 parent segment(s)" in line(lines, "api")
    assert "1234/…" in line(lines, "api key")
    assert SECRET not in text and TEST_API_KEY not in text
    # the CLI entry point gives the same verdict as its exit code
    assert cmd_doctor(parse("doctor", setup_world.common_args())) == 0


def test_no_api_key(setup_world: SetupWorld, monkeypatch) -> None:
    monkeypatch.delenv("TD_API_KEY")
    setup_world.write_behaviours()
    setup_world.pull()
    code, lines = setup_world.doctor()
    assert code == 1
    assert line(lines, "api key").startswith("FAIL") and "TD_API_KEY is not set" in line(lines, "api key")
    assert "fix: export TD_API_KEY=" in line(lines, "api key")
    assert line(lines, "api").startswith("skip")
    assert line(lines, "warehouse").startswith("ok")  # the rest is still checked


def test_unreachable_and_malformed_api_url(setup_world: SetupWorld) -> None:
    setup_world.write_behaviours()
    setup_world.pull()
    code, lines = setup_world.doctor(api_url=f"http://127.0.0.1:{_closed_port()}")
    assert code == 1
    assert line(lines, "api").startswith("FAIL") and "check --region / --api-url" in line(lines, "api")
    code, lines = setup_world.doctor(api_url="ftp://example.invalid")
    assert code == 1
    assert line(lines, "region").startswith("FAIL") and "not an http(s) URL" in line(lines, "region")
    assert line(lines, "api").startswith("skip")


def test_api_refuses_the_key(setup_world: SetupWorld) -> None:
    setup_world.state.accepted_keys = {"9999/another-key"}
    setup_world.write_behaviours()
    code, lines = setup_world.doctor()
    assert code == 1
    check = line(lines, "api")
    assert check.startswith("FAIL") and "401" in check and "master API key" in check
    assert SECRET not in "\n".join(lines)


def test_missing_behaviour_table_and_missing_columns(setup_world: SetupWorld) -> None:
    setup_world.write_behaviours(pageviews=False)
    setup_world.pull()
    setup_world.config["metrics"] = [
        *METRICS[:2],
        {**METRICS[1], "metric": "bad_cols", "agg_col_name": "price", "join_key": "customer"},
        {**METRICS[1], "metric": "bad_filter", "filter": "no_such_column > 1"},
        METRICS[2],
    ]
    code, lines = setup_world.doctor()
    text = "\n".join(lines)
    assert code == 1, text
    missing = line(lines, "table shop_db.pageviews")
    assert missing.startswith("FAIL") and "does not exist" in missing and "pageviews" in missing
    orders = line(lines, "table shop_db.orders")
    assert orders.startswith("FAIL")
    assert "metrics[2].agg_col_name: column 'price'" in orders
    assert "metrics[2].join_key: column 'customer'" in orders
    assert "metrics[3].filter does not run" in orders
    assert "metrics[0]" not in orders and "metrics[1]" not in orders
    assert "it has: td_canonical_id, time, order_id, amount, items" in orders
    assert text.splitlines()[-1].startswith("doctor: 2 check(s) failed")


def test_stale_failed_and_missing_pull(setup_world: SetupWorld) -> None:
    setup_world.write_behaviours()
    # no pull yet: the landing tables do not exist
    code, lines = setup_world.doctor()
    assert code == 1
    assert line(lines, "freshness landing").startswith("FAIL")
    assert "segment-analytics pull" in line(lines, "freshness landing")

    setup_world.pull()
    when = (datetime.now(UTC) - timedelta(hours=30)).replace(tzinfo=None)
    setup_world.execute(f"update cdp_landing__pull_runs set finished_at = timestamp '{when:%Y-%m-%d %H:%M:%S}'")
    code, lines = setup_world.doctor()
    assert code == 0  # a warning only
    assert line(lines, "freshness landing").startswith("warn") and "30." in line(lines, "freshness landing")

    older = (datetime.now(UTC) - timedelta(hours=50)).replace(tzinfo=None)
    setup_world.execute(
        f"update cdp_landing__pull_runs set finished_at = timestamp '{older:%Y-%m-%d %H:%M:%S}'",
        "insert into cdp_landing__pull_runs (pull_id, run_date, started_at, finished_at, status, problems) "
        "values ('pull-failed', current_date, now()::timestamp, now()::timestamp, 'failed', "
        "'[{\"id\": null, \"kind\": \"pull\", \"reason\": \"GET /audiences answered 503\"}]')")
    code, lines = setup_world.doctor()
    check = line(lines, "freshness landing")
    assert code == 1
    assert check.startswith("FAIL") and "1 failed pull(s) since it" in check and "503" in check


def test_thresholds_come_from_the_configuration(setup_world: SetupWorld) -> None:
    setup_world.write_behaviours()
    setup_world.pull()
    when = (datetime.now(UTC) - timedelta(hours=5)).replace(tzinfo=None)
    setup_world.execute(f"update cdp_landing__pull_runs set finished_at = timestamp '{when:%Y-%m-%d %H:%M:%S}'")
    setup_world.config["freshness"] = {"warn_after_hours": 2, "error_after_hours": 4}
    code, lines = setup_world.doctor()
    assert code == 1
    assert line(lines, "freshness landing").startswith("FAIL")
    assert "error after 4 h" in line(lines, "freshness landing")
