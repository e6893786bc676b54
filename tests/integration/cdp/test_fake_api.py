"""The fake CDP API itself: auth, JSON:API and v4 shapes, depth, writes, conflicts, persistence."""

from __future__ import annotations

import json
import threading
import urllib.request
from datetime import UTC, date, datetime

import pytest
import requests

from orchestrate.http import ApiError
from segment_analytics_sandbox.fake_api.server import FakeApiServer, Reply
from segment_analytics_sandbox.fake_api.state import FakeState, StateError
from tests.fixtures.fake_api import TEST_API_KEY
from tests.integration.cdp.helpers import GENDER_RULE, ORDERS_RULE, small_account

AUTH = {"Authorization": f"TD1 {TEST_API_KEY}"}


def get(server, path, **kw):
    return requests.get(server.url + path, headers=kw.pop("headers", AUTH), timeout=5, **kw)


def test_auth_header_must_be_td1(fake_api, fake_state):
    small_account(fake_state)
    assert get(fake_api, "/audiences", headers={}).status_code == 401
    assert get(fake_api, "/audiences", headers={"Authorization": "Bearer x"}).status_code == 401
    assert get(fake_api, "/audiences", headers={"authorization": f"TD1 {TEST_API_KEY}"}).status_code == 200
    logged = fake_api.request_log[-1]
    assert TEST_API_KEY not in json.dumps(logged.headers) and logged.headers["authorization"] == "TD1 ***"


def test_by_folder_includes_the_folder_and_honours_depth(fake_api, fake_state):
    ids = small_account(fake_state)
    root = fake_state.parent_segments[ids["both"]].root_folder_id
    shallow = get(fake_api, f"/entities/by-folder/{root}", params={"depth": 1}).json()
    kinds = {(d["type"], d["id"]) for d in shallow["data"]}
    assert ("folder-segment", root) in kinds and ("folder-segment", ids["marketing"]) in kinds
    assert ("folder-segment", ids["deep"]) not in kinds and ("segment-batch", ids["men"]) not in kinds
    assert ("segment-realtime", ids["rt"]) in kinds
    deep = get(fake_api, f"/entities/by-folder/{root}", params={"depth": 3}).json()
    assert ("segment-batch", ids["buyers"]) in {(d["type"], d["id"]) for d in deep["data"]}
    assert all(isinstance(d["id"], str) for d in deep["data"])
    assert {u["type"] for u in deep["included"]} == {"user"}
    assert get(fake_api, f"/entities/by-folder/{root}").status_code == 400  # depth is required
    missing = get(fake_api, "/entities/by-folder/1")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "record-not-found-error"


def test_v4_only_parent_segment_is_not_in_v5(fake_api, fake_state):
    ids = small_account(fake_state)
    v5 = {d["id"] for d in get(fake_api, "/entities/parent_segments").json()["data"]}
    v4 = {d["id"] for d in get(fake_api, "/audiences").json()}
    assert v5 == {ids["both"]} and v4 == {ids["both"], ids["legacy"]}
    folders = get(fake_api, f"/audiences/{ids['both']}/folders").json()
    assert [f["parentFolderId"] for f in folders].count(None) == 1


def test_writes_record_versions_and_conflicts(fake_api, fake_state, cdp_client):
    ids = small_account(fake_state)
    cdp_client.update_segment_rule_v4(ids["both"], ids["men"], ORDERS_RULE)
    seg = fake_state.segments[ids["men"]]
    assert seg.rule == ORDERS_RULE and seg.updated_by == "API User" and len(seg.rule_versions) == 2
    cdp_client.update_segment_rule_v5(ids["men"], GENDER_RULE)
    assert fake_state.segments[ids["men"]].rule == GENDER_RULE and len(seg.rule_versions) == 3
    with pytest.raises(ApiError, match="404"):
        cdp_client.update_segment_rule_v5("999999", GENDER_RULE)
    fake_state.add_segment(ids["both"], "refers", {"type": "And", "conditions": [
        {"type": "And", "conditions": [{"type": "Reference", "id": ids["men"], "exclude": False}]}]})
    conflict = requests.delete(f"{fake_api.url}/entities/segments/{ids['men']}", headers=AUTH, timeout=5)
    assert conflict.status_code == 409
    assert conflict.json()["errors"][0]["meta"]["referencedBySegments"]
    dup = requests.post(f"{fake_api.url}/audiences/{ids['both']}/segments", headers=AUTH, timeout=5,
                        json={"name": "Men", "kind": 0, "rule": GENDER_RULE})
    assert dup.status_code == 400 and "already been taken" in dup.json()["message"]
    folder_conflict = requests.delete(f"{fake_api.url}/entities/folders/{ids['marketing']}", headers=AUTH, timeout=5)
    assert folder_conflict.status_code == 409


def test_rule_to_sql_uses_the_compiler_skeleton(fake_api, fake_state, cdp_client):
    ids = small_account(fake_state)
    sql = cdp_client.rule_to_sql(ids["both"], GENDER_RULE)
    assert sql.startswith(f'select a.* from "cdp_audience_{ids["both"]}"."customers" a')
    assert cdp_client.rule_to_sql(ids["both"], None).startswith('select a.* from "cdp_audience_')


def test_statistics_window_and_tree_pagination(fake_api, fake_state, cdp_client):
    ids = small_account(fake_state)
    points = cdp_client.segment_statistics(ids["both"], ids["men"], date(2026, 11, 26), date(2026, 11, 26))
    # the day's epoch is 05:34:07 of that day in the parent segment's zone (UTC here), not a midnight
    assert points == [[int(datetime(2026, 11, 26, 5, 34, 7, tzinfo=UTC).timestamp()), 395, False]]
    for n in range(5):
        fake_state.add_folder(ids["both"], f"extra {n}")
    seen, path = [], f"/tree/audiences/{ids['both']}/segment_folders?page[size]=3"
    while path:
        body = get(fake_api, path).json()
        seen += body["data"]
        path = body["pagination"]["nextPage"]
    assert len(seen) == 7 and len({f["id"] for f in seen}) == 7
    assert next(f for f in seen if f["id"] == ids["deep"])["parentFolderId"] == ids["marketing"]


def test_state_round_trips_through_a_file_and_serve_loads_it(tmp_path, monkeypatch):
    state = FakeState()
    ids = small_account(state)
    path = tmp_path / "state.json"
    state.save(path)
    loaded = FakeState.load(path)
    assert loaded.to_dict() == state.to_dict()
    with pytest.raises(StateError, match="already been taken"):
        loaded.add_segment(ids["both"], "Men", None)
    assert int(loaded.add_segment(ids["both"], "new", None)) > max(int(i) for i in state.segments)

    import segment_analytics_sandbox.fake_api.server as server_module

    started = threading.Event()
    holder = {}

    class Recording(FakeApiServer):
        def serve_forever(self):
            holder["server"] = self
            started.set()
            super().serve_forever()

    monkeypatch.setattr(server_module, "FakeApiServer", Recording)
    thread = threading.Thread(target=server_module.serve, args=("127.0.0.1", 0, str(path)), daemon=True)
    thread.start()
    assert started.wait(10)
    srv = holder["server"]
    req = urllib.request.Request(srv.url + "/audiences", headers=AUTH)
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert {a["id"] for a in json.loads(resp.read())} == set(state.parent_segments)
    srv._httpd.shutdown()
    thread.join(5)


def test_extra_route_modules_can_be_registered(fake_state):
    class ExtraRoutes:
        @staticmethod
        def register(router):
            router.add("GET", "/custom/things", lambda ctx: Reply(200, [{"oid": "x", "name": "m"}]))

    with FakeApiServer(fake_state) as srv:
        srv.register_routes(ExtraRoutes)
        assert get(srv, "/custom/things").json() == [{"oid": "x", "name": "m"}]
        assert get(srv, "/custom/things", headers={}).status_code == 401
        assert get(srv, "/reporting/datamodels").status_code == 200  # the Insights routes load by default
        assert get(srv, "/nope").status_code == 404
        assert requests.put(srv.url + "/audiences", headers=AUTH, timeout=5).status_code == 405
