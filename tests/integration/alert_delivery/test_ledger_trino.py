"""The delivery ledger on the local Trino (iceberg), as a trino target and in Treasure Data mode (no
date/timestamp types: text), through `open_store` with a dbt-style profile: delivered once, a rerun
sends nothing, a failure is recorded and delivered on the next send."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from orchestrate.alerts import destinations_from, open_store, send_new_alerts
from tests.integration.alert_delivery.conftest import FAST, WEBHOOK_PATH
from tests.integration.alert_delivery.mart import MUTED, POPULATION, RULE_CHANGE, insert_sql, table_ddl
from tests.integration.alert_delivery.servers import WebhookServer

pytestmark = pytest.mark.trino

AT = datetime(2026, 3, 2, 7, 30, 0)


def _profile(server: Any, schema: str) -> dict[str, Any]:
    return {"type": "trino", "method": "none", "host": server.host, "port": server.port, "user": "sa_alerts",
            "catalog": "iceberg", "schema": schema, "http_scheme": "http"}


def _setup(server: Any, schema: str, *, td: bool) -> None:
    server.query(f"create schema if not exists iceberg.{schema}")
    server.query("drop table if exists sa_alerts", schema=schema)
    server.query("drop table if exists sa_alert_deliveries", schema=schema)
    ddl = table_ddl("sa_alerts", timestamp="timestamp(6)")
    insert = insert_sql("sa_alerts", [RULE_CHANGE, POPULATION, MUTED])
    if td:  # Treasure Data stores dates and timestamps as text
        ddl = ddl.replace(" date", " varchar").replace(" timestamp(6)", " varchar")
        insert = insert.replace("date '", "'").replace("timestamp '", "'")
    server.query(ddl, schema=schema)
    server.query(insert, schema=schema)


@pytest.mark.parametrize(("schema", "td_mode", "stamp"), [
    ("sa_alert_ledger_trino", False, "2026-03-02 07:30:00.000000"),
    ("sa_alert_ledger_td", True, "2026-03-02 07:30:00"),
])
def test_ledger_on_trino_and_td_mode(trino_server: Any, schema: str, td_mode: bool, stamp: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _setup(trino_server, schema, td=td_mode)
    hook = WebhookServer().start()
    try:
        monkeypatch.setenv("SA_TRINO_HOOK", hook.url(WEBHOOK_PATH))
        destinations = destinations_from([{"type": "webhook", "name": "ops", "url_env": "SA_TRINO_HOOK"}])
        profile = _profile(trino_server, schema)

        def send() -> Any:
            with open_store(profile, prefix="sa", td_mode=td_mode) as store:
                assert store.dialect == ("td" if td_mode else "trino")
                return send_new_alerts(store, destinations, run_date="2026-03-02", policy=FAST, clock=lambda: AT,
                                       say=lambda _: None)

        hook.statuses = [500, 500, 500]
        assert [r.name for r in send().failed] == ["ops"]
        assert not send().failed  # back up: delivered
        assert not send().failed  # a rerun: nothing new
        bodies = [[a["alert_id"] for a in r.body["alerts"]] for r in hook.received]
        assert bodies == [["a-rule-1", "a-pop-1"]] * 4  # 3 failed attempts, then the one delivery
        rows = trino_server.query("select alert_id, destination, status, attempt, cast(attempted_at as varchar), "
                                  "error is null from sa_alert_deliveries order by alert_id, attempt", schema=schema)
        assert rows == [["a-pop-1", "ops", "failed", 1, stamp, False],
                        ["a-pop-1", "ops", "delivered", 2, stamp, True],
                        ["a-rule-1", "ops", "failed", 1, stamp, False],
                        ["a-rule-1", "ops", "delivered", 2, stamp, True]]
        types = dict(trino_server.query(
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = '{schema}' and table_name = 'sa_alert_deliveries'"))
        assert types["attempted_at"] == ("varchar" if td_mode else "timestamp(6)")
        assert types["attempt"] == "bigint"
        with open_store(profile, prefix="sa", td_mode=td_mode) as store:
            listed = {a.alert_id: (a.run_date, a.muted, a.authorized) for a in store.alerts(run_date="2026-03-02")}
        assert listed == {"a-rule-1": ("2026-03-02", False, False), "a-pop-1": ("2026-03-02", False, None),
                          "a-muted-1": ("2026-03-02", True, None)}
    finally:
        hook.stop()
