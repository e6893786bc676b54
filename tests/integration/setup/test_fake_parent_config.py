"""The fake API serves each parent segment's attributes and behaviours in the spec's shapes:
`GET /audiences` and `/audiences/{id}` (AudienceAttribute / AudienceBehavior), and
`/audiences/{id}/attributes|behaviors` (the WithVisibility forms, `?realtime=` filter)."""

from __future__ import annotations

from segment_analytics_sandbox.fake_api.server import FakeApiServer
from tests.fixtures.fake_api import make_client
from tests.integration.setup.account import PS_ID, account_state


def test_parent_segment_configuration_routes() -> None:
    state = account_state()
    state.add_behavior(PS_ID, "Live", database="rt_db", table="events", columns=[], realtime=True)
    server = FakeApiServer(state).start()
    try:
        http = make_client(server).http
        (listed,) = make_client(server).list_audiences_v4()
        single = http.request("GET", f"/audiences/{PS_ID}", what="one")
        attributes = http.request("GET", f"/audiences/{PS_ID}/attributes", what="attributes")
        behaviors = http.request("GET", f"/audiences/{PS_ID}/behaviors", what="behaviours")
        batch_only = http.request("GET", f"/audiences/{PS_ID}/behaviors", params={"realtime": "false"}, what="b")
    finally:
        server.stop()
    assert listed == single
    assert [a["name"] for a in listed["attributes"]] == ["age", "country"]
    assert listed["attributes"][0]["type"] == "number" and listed["attributes"][0]["audienceId"] == PS_ID
    orders = listed["behaviors"][0]
    assert {k: orders[k] for k in ("name", "parentDatabaseName", "parentTableName", "parentKey", "foreignKey")} == {
        "name": "Orders", "parentDatabaseName": "shop_db", "parentTableName": "orders",
        "parentKey": "td_canonical_id", "foreignKey": "td_canonical_id"}
    assert orders["schema"][1] == {"name": "amount", "type": "number", "parentColumn": "amount"}
    assert [a["matrixColumnName"] for a in attributes] == ["age", "country"]
    assert [b["name"] for b in behaviors] == ["Orders", "Page Views", "Returns", "Live"]
    assert behaviors[0]["schema"][1]["matrixColumnName"] == "amount" and "isRealtime" not in behaviors[0]
    assert [b["name"] for b in batch_only] == ["Orders", "Page Views", "Returns"]
