"""`rules history / diff / revert` against a hostile world: renamed and same-named segments, edits
made between the read and the write, lost write answers, and a v4 PUT that replaces the segment.

One account is pulled and built on two days (fake API -> pull -> dbt build on DuckDB), so every
segment below has rule version 1 (day 1) and version 2 (day 2); each test then works on segments of
its own through the fake API, so the tests do not depend on each other's writes.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from orchestrate.cdp.canonical import rule_hash
from orchestrate.cdp.client import CdpClient
from orchestrate.history import HistoryError, revert, rule_diff, rule_history
from orchestrate.http import ApiError
from segment_analytics_sandbox.fake_api.server import FakeApiServer
from segment_analytics_sandbox.fake_api.state import FakeState
from tests.fixtures.fake_api import TEST_API_KEY, make_client
from tests.integration.history.world import (
    DAY1,
    DAY2,
    PS_LEGACY,
    PS_SHOP,
    World,
    adults_rule,
    country_rule,
    duckdb_world,
)

pytestmark = pytest.mark.timeout(600)

OLD_V5, NEW_V5 = adults_rule(30), adults_rule(40)
OLD_V4, NEW_V4 = country_rule("IE"), country_rule("FR")

# v5 segments (parent segment PS_SHOP): rule OLD_V5 on day 1, NEW_V5 on day 2
DROP5, FAIL5, RACE5, RETRY5, EXPECT5, STALE5, CLI5, REFUSED5 = (f"700{n}" for n in range(1, 9))
CH_DESC5, CH_NAME5, CH_RULE5, CH_RVIS5 = "7011", "7012", "7013", "7014"
RENAMED, NAME_TAKER, RENAMED_ONLY, TWIN5 = "7021", "7022", "7023", "7024"
# v4 segments (parent segment PS_LEGACY, v4 only): rule OLD_V4 on day 1, NEW_V4 on day 2
DROP4, PARTIAL4, CH_VIS4, CH_DESC4, TWIN4 = "7101", "7102", "7103", "7104", "7105"
# parent segment PS_SWITCH is v4 only on day 1 and has v5 enabled on day 2 (its segment's rule unchanged)
PS_SWITCH, SWITCHED = "5003", "7201"

V5_SEGMENTS = (DROP5, FAIL5, RACE5, RETRY5, EXPECT5, STALE5, CLI5, REFUSED5, CH_DESC5, CH_NAME5, CH_RULE5, CH_RVIS5)
V4_SEGMENTS = (DROP4, PARTIAL4, CH_VIS4, CH_DESC4)


@dataclass
class Account:
    world: World
    state: FakeState
    server: FakeApiServer
    client: CdpClient
    sub_folder: str  # a non-root folder of PS_LEGACY

    def writes(self, segment_id: str) -> list[tuple[str, str]]:
        """The write requests the fake API received for one segment."""
        return [(r.method, r.path) for method in ("PUT", "PATCH")
                for r in self.server.requests_matching(method, rf"/segments/{segment_id}$")]


def masked(segment_rule: dict[str, Any]) -> dict[str, Any]:
    """The same rule with its first attribute masked: a display-only (`visibility`) edit."""
    clone = copy.deepcopy(segment_rule)
    clone["conditions"][0]["conditions"][0]["leftValue"]["visibility"] = "masked"
    return clone


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    root = tmp_path_factory.mktemp("rules_revert")
    with duckdb_world(root, "revert.duckdb") as world:
        state = world.state
        state.add_parent_segment("Shop", v5=True, ps_id=PS_SHOP)
        state.add_parent_segment("Legacy", v5=False, ps_id=PS_LEGACY)
        sub_folder = state.add_folder(PS_LEGACY, "Campaigns 'Q3'")
        for sid in V5_SEGMENTS:
            state.add_segment(PS_SHOP, f"segment {sid}", OLD_V5, description=f"about {sid}", updated_by="Alice",
                              segment_id=sid)
        for sid in V4_SEGMENTS:
            state.add_segment(PS_LEGACY, f"segment {sid}", OLD_V4, folder_id=sub_folder, description="keep me",
                              updated_by="Alice", segment_id=sid)
            state.set_visible(sid, False, updated_by="Alice")
        state.add_segment(PS_SHOP, "Old name", OLD_V5, segment_id=RENAMED)
        state.add_segment(PS_SHOP, "Gone name", OLD_V5, segment_id=RENAMED_ONLY)
        state.add_segment(PS_SHOP, "Twins", OLD_V5, segment_id=TWIN5)
        state.add_segment(PS_LEGACY, "Twins", OLD_V4, segment_id=TWIN4)
        state.add_parent_segment("Switching", v5=False, ps_id=PS_SWITCH)
        state.add_segment(PS_SWITCH, "Switched", OLD_V4, segment_id=SWITCHED)
        world.shop = {"p1": (25, "JP"), "p2": (45, "US")}
        world.legacy = {"q1": (30, "IE"), "q2": (40, "FR")}
        world.warehouse.write_customers({PS_SWITCH: {"r1": (30, "IE")}})
        world.run_day(DAY1)

        for sid in (*V5_SEGMENTS, TWIN5):
            state.update_rule(sid, NEW_V5, updated_by="Mallory")
        for sid in (*V4_SEGMENTS, TWIN4):
            state.update_rule(sid, NEW_V4, updated_by="Mallory")
        state.update_segment(RENAMED, name="New name", rule=NEW_V5, updated_by="Mallory")
        state.add_segment(PS_SHOP, "Old name", OLD_V5, segment_id=NAME_TAKER)  # the old name, now another's
        state.update_segment(RENAMED_ONLY, name="Fresh name", updated_by="Bob")  # a rename, no rule change
        state.parent_segment(PS_SWITCH).v5 = True
        world.run_day(DAY2)

        state.update_rule(STALE5, masked(NEW_V5), updated_by="Zed")  # display-only edit, not pulled yet
        yield Account(world, state, world.server, make_client(world.server), sub_folder)


@pytest.fixture
def acct(account: Account) -> Iterator[Account]:
    account.server.faults.clear()
    account.server.clear_log()
    yield account
    account.server.faults.clear()


def _revert(acct: Account, segment: str, client: Any = None, **kwargs: Any) -> Any:
    with acct.world.warehouse.connect() as conn:
        return revert(client or acct.client, conn, segment, 1, **kwargs, prefix="sa")


class HookedClient:
    """The real client, with a hook run after the first segment read or when a write fails: what
    another user does at that moment."""

    def __init__(self, inner: CdpClient, *, after_first_read: Callable[[], None] | None = None,
                 on_write_error: Callable[[], None] | None = None) -> None:
        self.inner = inner
        self.reads = 0
        self.after_first_read = after_first_read
        self.on_write_error = on_write_error

    def _read(self, answer: Any) -> Any:
        self.reads += 1
        if self.reads == 1 and self.after_first_read is not None:
            self.after_first_read()
        return answer

    def get_segment_v4(self, ps_id: str, segment_id: str) -> dict[str, Any]:
        return self._read(self.inner.get_segment_v4(ps_id, segment_id))

    def get_segment_v5(self, segment_id: str) -> dict[str, Any]:
        return self._read(self.inner.get_segment_v5(segment_id))

    def _write(self, send: Callable[[], Any]) -> Any:
        try:
            return send()
        except ApiError:
            if self.on_write_error is not None:
                self.on_write_error()
            raise

    def update_segment_v4(self, ps_id: str, segment_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._write(lambda: self.inner.update_segment_v4(ps_id, segment_id, body))

    def update_segment_rule_v5(self, segment_id: str, rule: Any, segment_type: str = "segment-batch") -> Any:
        return self._write(lambda: self.inner.update_segment_rule_v5(segment_id, rule, segment_type))


def _fields(state: FakeState, sid: str) -> dict[str, Any]:
    seg = state.segment(sid)
    return {"name": seg.name, "description": seg.description, "folder": seg.folder_id, "visible": seg.visible,
            "kind": seg.kind, "rule": seg.rule}


# ----------------------------------------------------------------------------------------------
# the fake models a v4 PUT as a full replacement


def test_fake_v4_put_replaces_the_segment(acct: Account) -> None:
    """A partial PUT resets every field it leaves out (the rule is wiped); a full one keeps them."""
    sid = TWIN4
    url = f"{acct.server.url}/audiences/{PS_LEGACY}/segments/{sid}"
    auth = {"Authorization": f"TD1 {TEST_API_KEY}"}
    acct.state.update_segment(sid, description="described", folder_id=acct.sub_folder)
    acct.state.set_visible(sid, False)
    current = requests.get(url, headers=auth, timeout=5).json()
    partial = requests.put(url, headers=auth, timeout=5, json={"name": current["name"]})
    assert partial.status_code == 200
    seg = acct.state.segment(sid)
    root = acct.state.parent_segment(PS_LEGACY).root_folder_id
    assert (seg.rule, seg.description, seg.folder_id, seg.visible) == ({}, None, root, True)
    assert requests.put(url, headers=auth, timeout=5, json={"rule": NEW_V4}).status_code == 400  # no name
    full = {"name": current["name"], "kind": 0, "description": "described", "segmentFolderId": int(acct.sub_folder),
            "isVisible": False, "rule": NEW_V4, "audienceId": int(PS_LEGACY)}
    assert requests.put(url, headers=auth, timeout=5, json=full).json()["isVisible"] is False
    assert (seg.rule, seg.description, seg.folder_id, seg.visible) == (NEW_V4, "described", acct.sub_folder, False)


# ----------------------------------------------------------------------------------------------
# a lost write answer: written once, intended state


def test_dropped_patch_answer_writes_once_and_ends_as_intended(acct: Account) -> None:
    before = _fields(acct.state, DROP5)
    acct.server.faults.add("drop", rf"^/entities/segments/{DROP5}$", method="PATCH")
    result = _revert(acct, DROP5, yes=True)
    assert acct.writes(DROP5) == [("PATCH", f"/entities/segments/{DROP5}")]
    assert result.applied and result.writes == 1
    assert "got no usable answer; a re-read showed it had taken effect" in result.message
    assert _fields(acct.state, DROP5) == {**before, "rule": OLD_V5}


def test_dropped_put_answer_writes_once_and_keeps_every_other_field(acct: Account) -> None:
    before = _fields(acct.state, DROP4)
    assert (before["description"], before["folder"], before["visible"]) == ("keep me", acct.sub_folder, False)
    acct.server.faults.add("drop", rf"^/audiences/{PS_LEGACY}/segments/{DROP4}$", method="PUT")
    result = _revert(acct, DROP4, yes=True)
    assert acct.writes(DROP4) == [("PUT", f"/audiences/{PS_LEGACY}/segments/{DROP4}")]
    assert result.applied and result.writes == 1
    assert _fields(acct.state, DROP4) == {**before, "rule": OLD_V4}
    body = json.loads(acct.server.requests_matching("PUT", rf"/segments/{DROP4}$")[0].body)
    assert body == {"name": f"segment {DROP4}", "kind": 0, "rule": OLD_V4, "audienceId": int(PS_LEGACY),
                    "segmentFolderId": int(acct.sub_folder), "description": "keep me", "isVisible": False}


def test_write_that_did_not_take_effect_is_sent_once_more(acct: Account) -> None:
    acct.server.faults.add("5xx", rf"^/entities/segments/{FAIL5}$", method="PATCH", status=503)
    result = _revert(acct, FAIL5, yes=True)
    assert len(acct.writes(FAIL5)) == 2 and result.writes == 2
    assert acct.state.segment(FAIL5).rule == OLD_V5


def test_lost_answer_and_someone_elses_edit_is_refused_without_resending(acct: Account) -> None:
    acct.server.faults.add("5xx", rf"^/entities/segments/{RACE5}$", method="PATCH", status=503)
    client = HookedClient(acct.client, on_write_error=lambda: acct.state.update_segment(
        RACE5, description="edited meanwhile", updated_by="Zed"))
    with pytest.raises(HistoryError, match="someone else changed it") as refused:
        _revert(acct, RACE5, client, yes=True)
    assert "attributes.description" in str(refused.value)
    assert len(acct.writes(RACE5)) == 1
    assert acct.state.segment(RACE5).rule == NEW_V5 and acct.state.segment(RACE5).description == "edited meanwhile"


def test_write_the_api_rejects_is_reported_and_not_resent(acct: Account) -> None:
    acct.server.faults.add("401", rf"^/entities/segments/{REFUSED5}$", method="PATCH")
    with pytest.raises(HistoryError, match="the API refused the update .*401.*the segment is unchanged"):
        _revert(acct, REFUSED5, yes=True)
    assert len(acct.writes(REFUSED5)) == 1 and acct.state.segment(REFUSED5).rule == NEW_V5


def test_running_the_same_revert_again_writes_nothing(acct: Account) -> None:
    first = _revert(acct, RETRY5, yes=True)
    again = _revert(acct, RETRY5, yes=True)
    assert first.applied and not again.applied and again.writes == 0
    assert "already has the rule of version 1 (an earlier revert took effect" in again.message
    assert len(acct.writes(RETRY5)) == 1


# ----------------------------------------------------------------------------------------------
# refuse when anything changed since it was read


def _edit(state: FakeState, sid: str, change: str) -> Callable[[], None]:
    def run() -> None:
        if change == "description":
            state.update_segment(sid, description="edited meanwhile", updated_by="Zed")
        elif change == "name":
            state.update_segment(sid, name=f"renamed {sid}", updated_by="Zed")
        elif change == "rule":
            state.update_rule(sid, adults_rule(50), updated_by="Zed")
        elif change == "rule visibility":
            state.update_rule(sid, masked(state.segment(sid).rule), updated_by="Zed")
        elif change == "visibility":
            state.set_visible(sid, True, updated_by="Zed")
    return run


@pytest.mark.parametrize("sid, change, field", [
    (CH_DESC5, "description", "attributes.description"),
    (CH_NAME5, "name", "attributes.name"),
    (CH_RULE5, "rule", "attributes.rule"),
    (CH_RVIS5, "rule visibility", "attributes.rule"),
    (CH_VIS4, "visibility", "isVisible"),
    (CH_DESC4, "description", "description:"),
])
def test_change_between_read_and_write_is_refused(acct: Account, sid: str, change: str, field: str) -> None:
    client = HookedClient(acct.client, after_first_read=_edit(acct.state, sid, change))
    with pytest.raises(HistoryError, match="changed since revert read it") as refused:
        _revert(acct, sid, client, yes=True)
    assert field in str(refused.value) and "nothing was written" in str(refused.value)
    assert acct.writes(sid) == []


def test_change_since_the_dry_run_is_refused(acct: Account) -> None:
    dry = _revert(acct, EXPECT5)
    assert f"--expect-state {dry.state}" in dry.message and acct.writes(EXPECT5) == []
    acct.state.update_segment(EXPECT5, description="edited after the dry run", updated_by="Zed")
    with pytest.raises(HistoryError, match=f"changed since the dry run that showed state {dry.state}"):
        _revert(acct, EXPECT5, yes=True, expect_state=dry.state)
    assert acct.writes(EXPECT5) == []
    again = _revert(acct, EXPECT5)
    applied = _revert(acct, EXPECT5, yes=True, expect_state=again.state)
    assert applied.applied and acct.state.segment(EXPECT5).description == "edited after the dry run"


def test_display_only_edit_since_the_last_pull_is_refused(acct: Account) -> None:
    assert rule_hash(acct.state.segment(STALE5).rule) == rule_hash(NEW_V5)  # same meaning, same version
    with pytest.raises(HistoryError, match="differs in display-only keys"):
        _revert(acct, STALE5, yes=True)
    assert acct.writes(STALE5) == []


def test_verification_catches_a_partial_put(acct: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the body partial, the replacing PUT would wipe fields: the check after the write says which."""
    import orchestrate.cdp.client as client_module

    monkeypatch.setattr(client_module, "v4_update_body", lambda current, rule: {"name": current["name"],
                                                                                "rule": rule})
    with pytest.raises(HistoryError, match="accepted the update but the segment is not as intended") as caught:
        _revert(acct, PARTIAL4, yes=True)
    message = str(caught.value)
    assert all(f"{key}:" in message for key in ("description", "segmentFolderId", "isVisible"))
    assert "rule:" not in message


# ----------------------------------------------------------------------------------------------
# history, diff and revert by current name and id; ambiguous and former names


def test_history_diff_and_revert_by_current_name_and_id(acct: Account) -> None:
    with acct.world.warehouse.connect() as conn:
        by_name = rule_history(conn, "New name", prefix="sa").text().splitlines()
        by_id = rule_history(conn, RENAMED, prefix="sa").text().splitlines()
        diff = rule_diff(conn, "New name", prefix="sa")
        renamed_only = rule_history(conn, "Fresh name", prefix="sa").text().splitlines()
        dry = revert(acct.client, conn, "New name", 1, prefix="sa")
        taker = rule_history(conn, "Old name", prefix="sa").text().splitlines()
    assert by_name == by_id
    assert by_name[0] == f"Segment {RENAMED} 'New name' (parent segment {PS_SHOP}, v5): 2 rule version(s)"
    assert by_name[-1] == "formerly named: 'Old name'"
    assert (diff.segment_id, diff.segment_name, diff.from_version, diff.to_version) == (RENAMED, "New name", 1, 2)
    assert renamed_only[0].startswith(f"Segment {RENAMED_ONLY} 'Fresh name' ") and "1 rule version" in renamed_only[0]
    assert dry.message.startswith(f"Dry run: would revert segment {RENAMED} 'New name': rule version 2 -> version 1")
    assert taker[0] == f"Segment {NAME_TAKER} 'Old name' (parent segment {PS_SHOP}, v5): 1 rule version(s)"


def test_segment_is_addressed_through_the_api_version_it_was_last_landed_from(acct: Account) -> None:
    with acct.world.warehouse.connect() as conn:
        header = rule_history(conn, SWITCHED, prefix="sa").text().splitlines()[0]
        stored = conn.execute(
            f"select api_version from sa_hist_rule_versions where segment_id = '{SWITCHED}'").fetchall()
    assert stored == [("v4",)]  # the version was opened when the parent segment was v4 only
    assert header == f"Segment {SWITCHED} 'Switched' (parent segment {PS_SWITCH}, v5): 1 rule version(s)"


def test_former_name_says_whose_it_was(acct: Account) -> None:
    with acct.world.warehouse.connect() as conn, pytest.raises(HistoryError) as caught:
        rule_history(conn, "Gone name", prefix="sa")
    assert "no segment is named 'Gone name' now; it is a former name of" in str(caught.value)
    assert f"{RENAMED_ONLY} 'Fresh name' in parent segment {PS_SHOP} 'Shop'" in str(caught.value)


@pytest.mark.parametrize("command", ["history", "diff", "revert"])
def test_ambiguous_name_lists_the_candidates(acct: Account, command: str) -> None:
    with acct.world.warehouse.connect() as conn, pytest.raises(HistoryError) as caught:
        if command == "history":
            rule_history(conn, "Twins", prefix="sa")
        elif command == "diff":
            rule_diff(conn, "Twins", prefix="sa")
        else:
            revert(acct.client, conn, "Twins", 1, yes=True, prefix="sa")
    message = str(caught.value)
    assert "the name 'Twins' is ambiguous, 2 segments have it" in message and "Give the segment id" in message
    assert f"{TWIN5} 'Twins' in parent segment {PS_SHOP} 'Shop'" in message
    assert f"{TWIN4} 'Twins' in parent segment {PS_LEGACY} 'Legacy'" in message
    assert acct.writes(TWIN5) == acct.writes(TWIN4) == []


def test_cli_glue_dry_run_then_apply_with_the_state_it_printed(
    acct: Account, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from orchestrate.clients import ApiOptions
    from orchestrate.config import validate_config
    from orchestrate.context import RunContext
    from orchestrate.history import revert_from_context
    from tests.fixtures.dbt_project import fixture_config

    monkeypatch.setenv("TD_API_KEY", TEST_API_KEY)
    db_path = acct.world.warehouse.workspace.db_path  # type: ignore[attr-defined]
    ctx = RunContext(project_dir=db_path.parent, profiles_dir=db_path.parent, target="duckdb",
                     target_profile={"type": "duckdb", "path": str(db_path), "schema": "main"},
                     config=validate_config(fixture_config(project_prefix="sa")), run_date=DAY2,
                     api=ApiOptions(api_url=acct.server.url, max_rps=0))
    dry = revert_from_context(ctx, f"segment {CLI5}", to_version=1, yes=False)
    applied = revert_from_context(ctx, CLI5, to_version=1, yes=True, expect_state=dry.state)
    out = capsys.readouterr().out
    assert f"--expect-state {dry.state}" in out and f"Reverted segment {CLI5}" in out
    assert TEST_API_KEY not in out and TEST_API_KEY.split("/")[1] not in out
    assert applied.applied and acct.state.segment(CLI5).rule == OLD_V5
