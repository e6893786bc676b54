"""Lenient parsing of CDP payloads; unusable records are problems with an id."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from orchestrate.cdp.records import (
    MAX_NESTING,
    RecordProblem,
    nesting_depth_exceeds,
    normalize_id,
    parse_journey_statistics,
    parse_population,
    parse_statistics,
    parse_v4_audience,
    parse_v4_segment,
    parse_v5_folder,
    parse_v5_funnel,
    parse_v5_journey,
    parse_v5_parent_segment,
    parse_v5_segment,
    resolve_timezone,
)
from orchestrate.regions import REGIONS, UnknownRegionError, cdp_base_url, region


def test_ids_as_ints_or_strings():
    assert normalize_id(287197, "x") == normalize_id("287197", "x") == normalize_id(" 287197 ", "x") == "287197"
    assert normalize_id(str(2**63 - 1), "x") == str(2**63 - 1)
    with pytest.raises(RecordProblem, match="not a numeric id"):
        normalize_id("abc", "segment")
    with pytest.raises(RecordProblem):
        normalize_id(True, "segment")


@pytest.mark.parametrize("value, reason", [
    (287197.0, "is a float"),
    (1.5, "is a float"),
    ("1" * 5000, "has 5000 digits"),
    ("²", "not a numeric id"),
    ("١٢٣", "not a numeric id"),  # Arabic-Indic digits: str.isdigit() says yes, ids are ASCII
    ("1 2", "not a numeric id"),
    (2**63, "out of the int64 range"),
    (-5, "out of the int64 range"),
    (str(2**63), "not a numeric id"),
    ({"id": 1}, "not a numeric id"),
])
def test_odd_ids_are_problems_never_coerced(value, reason):
    with pytest.raises(RecordProblem, match=reason) as err:
        normalize_id(value, "segment")
    assert err.value.kind == "segment"
    assert err.value.record_id is None or len(err.value.record_id) <= 43  # a thousand digits are not echoed


def test_population_null_and_odd_values():
    assert parse_population(None) is None and parse_population(-1) is None and parse_population("x") is None
    assert parse_population(12) == 12 and parse_population(12.0) == 12 and parse_population("15") == 15
    assert parse_population(2**63) is None and parse_population("²") is None and parse_population(float("inf")) is None
    assert parse_population(2**63 - 1) == 2**63 - 1


def test_odd_population_lands_null_with_a_note_of_its_own_kind():
    seg = parse_v4_segment({"id": 8, "name": "F", "rule": {}, "population": 2**64}, "1")
    assert seg.population is None
    assert [n.as_dict() for n in seg.notes] == [
        {"kind": "segment_population", "id": "8", "reason": "population is above the int64 range; landed as null"}]
    ps = parse_v4_audience({"id": 3, "name": "P", "population": "²"})
    assert ps.population is None and ps.notes[0].kind == "parent_segment_population"


@pytest.mark.parametrize("attributes", [[], "text", 5])
def test_attributes_that_are_not_objects_are_problems(attributes):
    for parse in (lambda r: parse_v5_segment(r, "1", {}), lambda r: parse_v5_folder(r, "1"),
                  parse_v5_parent_segment):
        with pytest.raises(RecordProblem, match="attributes is not an object") as err:
            parse({"id": "7", "type": "segment-batch", "attributes": attributes})
        assert err.value.record_id == "7"


def test_relationships_and_rules_of_the_wrong_type():
    seg = parse_v5_segment({"id": "7", "type": "segment-batch", "relationships": ["x"],
                            "attributes": {"name": "S", "rule": {}, "isEmptyRule": True}}, "1", {})
    assert seg.folder_id is None and seg.updated_by is None
    with pytest.raises(RecordProblem, match="rule is not an object"):
        parse_v4_segment({"id": 9, "name": "S", "rule": "everyone"}, "1")
    with pytest.raises(RecordProblem, match="segmentFolderId is a float") as err:
        parse_v4_segment({"id": 9, "name": "S", "rule": {}, "segmentFolderId": 4.0}, "1")
    assert err.value.record_id == "9"


def test_rules_nested_thousands_deep_are_problems_not_recursion_errors():
    deep: dict = {"type": "And", "conditions": []}
    for _ in range(5000):
        deep = {"type": "And", "conditions": [deep]}
    assert nesting_depth_exceeds(deep) and not nesting_depth_exceeds({"a": [{"b": 1}]})
    with pytest.raises(RecordProblem, match=f"nested more than {MAX_NESTING} levels"):
        parse_v5_segment({"id": "7", "type": "segment-batch", "attributes": {"name": "S", "rule": deep}}, "1", {})


def test_funnel_stages_name_their_segments():
    refs = parse_v5_funnel({"id": "40", "type": "funnel", "relationships": {"parentFolder": {"data": {"id": "2"}}},
                            "attributes": {"name": "F", "stages": [
                                {"id": "41", "segmentId": "501", "name": "Awareness"},
                                {"id": "42", "segmentId": "", "name": "Interest"},  # no segment yet
                                {"id": "43", "segmentId": 503, "name": "Conversion"}]}})
    assert [(r.funnel_id, r.stage_id, r.segment_id, r.folder_id) for r in refs] == [
        ("40", "41", "501", "2"), ("40", "43", "503", "2")]
    with pytest.raises(RecordProblem, match="stages is not a list"):
        parse_v5_funnel({"id": "40", "type": "funnel", "attributes": {"stages": {"0": {}}}})


def test_v5_parent_segment_prefers_parent_segment_folder():
    ps = parse_v5_parent_segment({"id": 5, "type": "parentSegment", "attributes": {"name": "A", "population": None},
                                  "relationships": {"parentFolder": {"data": {"id": "9"}},
                                                    "parentSegmentFolder": {"data": {"id": 10}}}})
    assert (ps.ps_id, ps.root_folder_id, ps.population, ps.api_version) == ("5", "10", None, "v5")


def test_summary_resource_without_attributes_is_a_problem():
    with pytest.raises(RecordProblem) as err:
        parse_v5_segment({"id": "77", "type": "segment-batch"}, "1", {})
    assert err.value.as_dict() == {"kind": "segment", "id": "77",
                                   "reason": "attributes missing (no view permission?)"}


def test_v5_segment_rule_missing_and_user_names():
    base = {"id": "3", "type": "segment-realtime",
            "attributes": {"audienceId": 1, "name": "S", "population": "4"},
            "relationships": {"parentFolder": {"data": {"id": "2"}}, "updatedBy": {"data": {"id": "381"}}}}
    seg = parse_v5_segment(base, "1", {"381": "Jane"})
    assert seg.rule_missing and seg.kind == "realtime" and seg.realtime and seg.updated_by == "Jane"
    assert seg.population == 4 and seg.folder_id == "2"
    empty_on_purpose = dict(base, attributes=dict(base["attributes"], rule={}, isEmptyRule=True))
    assert not parse_v5_segment(empty_on_purpose, "1", {}).rule_missing


def test_v4_segment_kinds_and_nameless():
    seg = parse_v4_segment({"id": 8, "name": "F", "kind": 2, "rule": {"type": "And", "conditions": []},
                            "updatedBy": {"id": "1", "name": "Bob"}}, "1")
    assert seg.kind == "funnel_stage" and seg.updated_by == "Bob" and not seg.rule_missing
    with pytest.raises(RecordProblem, match="name is missing"):
        parse_v4_segment({"id": 9, "name": ""}, "1")


def test_statistics_tuples():
    points = parse_statistics([[1764288000, 10, True], [1764374400, None, True], [1764374400.0, 12, False]],
                              "1", "2")
    assert [(p.stat_date, p.population, p.measured) for p in points] == [
        (date(2025, 11, 28), 10, True), (date(2025, 11, 29), 12, False)]
    with pytest.raises(RecordProblem, match="bad statistics tuple"):
        parse_statistics([["x", 1]], "1", "2")


def test_statistics_days_are_the_parent_segments_days():
    tokyo = ZoneInfo("Asia/Tokyo")
    # 2026-11-28 05:34:07 in Tokyo is 2026-11-27 20:34:07 UTC: a UTC reading lands it a day early
    epoch = int(datetime(2026, 11, 28, 5, 34, 7, tzinfo=tokyo).timestamp())
    assert datetime.fromtimestamp(epoch, UTC).date() == date(2026, 11, 27)
    assert [p.stat_date for p in parse_statistics([[epoch, 5, True]], "1", "2", tokyo)] == [date(2026, 11, 28)]
    la = ZoneInfo("America/Los_Angeles")
    late = int(datetime(2026, 11, 28, 23, 0, tzinfo=la).timestamp())  # already Nov 29 in UTC
    assert [p.stat_date for p in parse_statistics([[late, 5, True]], "1", "2", la)] == [date(2026, 11, 28)]


def test_statistics_bad_points_are_skipped_and_counted():
    problems: list[RecordProblem] = []
    good = 1764288000
    payload = [[good, 10, True], [1e20, 1, True], [float("nan"), 1, True], [-5, 1, True], [good + 86400, 2**64],
               [good + 2 * 86400, "²"], [True, 1], "x", [good + 3 * 86400, 12, False]]
    points = parse_statistics(payload, "1", "2", UTC, problems)
    assert [p.population for p in points] == [10, 12]
    assert [p.as_dict()["kind"] for p in problems] == ["segment_statistics"]
    assert problems[0].reason.startswith("7 bad statistics tuple(s) skipped")


def test_timezones_resolve_or_fall_back_to_utc_with_a_reason():
    assert resolve_timezone("Asia/Tokyo") == (ZoneInfo("Asia/Tokyo"), None)
    for odd in (None, "", "Mars/Olympus", "../../etc/passwd", 9, "x" * 500):
        zone, reason = resolve_timezone(odd)
        assert zone is UTC and "statistics days read in UTC" in reason


def test_regions_and_override():
    assert set(REGIONS) == {"us01", "jp01", "eu01", "ap02", "ap03"}
    assert region("JP01").cdp_url == "https://api-cdp.treasuredata.co.jp"
    assert region(None).name == "us01"
    assert cdp_base_url("eu01") == "https://api-cdp.eu01.treasuredata.com"
    assert cdp_base_url("eu01", "http://127.0.0.1:9/") == "http://127.0.0.1:9"
    with pytest.raises(UnknownRegionError, match="us01"):
        region("mars")


def test_cut_off_folders_by_children_or_depth():
    from orchestrate.cdp.client import cut_off_folders

    def folder(fid, parent, children=None):
        rels = {"parentFolder": {"data": None if parent is None else {"id": parent, "type": "folder-segment"}}}
        if children is not None:
            rels["children"] = {"data": [{"data": {"id": c, "type": "segment-batch"}} for c in children]}
        return {"id": fid, "type": "folder-segment", "relationships": rels}

    seg = {"id": "50", "type": "segment-batch"}
    # children listed: cut off exactly when one is missing, whatever the level
    data = [folder("1", None, ["2"]), folder("2", "1", ["50", "51"]), seg]
    assert cut_off_folders(data, "1", 32) == ["2"]
    data = [folder("1", None, ["2"]), folder("2", "1", ["50"]), seg]
    assert cut_off_folders(data, "1", 1) == []
    # no children lists: folders at the depth limit are asked again
    data = [folder("1", None), folder("2", "1"), folder("3", "2")]
    assert cut_off_folders(data, "1", 2) == ["3"]
    assert cut_off_folders(data, "1", 3) == []


def test_cut_off_folders_ignore_odd_relationships_and_never_return_unsafe_ids():
    from orchestrate.cdp.client import cut_off_folders

    data = [
        {"id": "1", "type": "folder-segment", "relationships": {"parentFolder": {"data": None}}},
        {"id": "2", "type": "folder-segment", "relationships": "not an object"},
        {"id": "3", "type": "folder-segment", "relationships": {"parentFolder": [1], "children": "x"}},
        {"id": "../../audiences", "type": "folder-segment",
         "relationships": {"parentFolder": {"data": {"id": "1"}}, "children": {"data": [{"data": {"id": "9"}}]}}},
        {"id": "4", "type": "folder-segment",
         "relationships": {"parentFolder": {"data": {"id": "1"}}, "children": {"data": [{"data": {"id": "9"}}]}}},
    ]
    assert cut_off_folders(data, "1", 32) == ["4"]


def test_by_folder_refuses_an_id_that_is_not_digits():
    from orchestrate.cdp.client import CdpClient, ShapeError

    class NoHttp:
        def request(self, *args, **kwargs):
            raise AssertionError("no request may be sent for an unsafe id")

    with pytest.raises(ShapeError, match="not a numeric id"):
        CdpClient(NoHttp()).by_folder("12/../../audiences")  # type: ignore[arg-type]


def _journey(stages=None, **attributes):
    attrs = {"audienceId": "287197", "name": "Onboarding",
             "journeyStages": [{"id": "11", "name": "Welcome"}, {"name": "no id yet"}, {"id": 12, "name": ""}]
             if stages is None else stages, **attributes}
    return {"id": "900", "type": "journey", "attributes": attrs,
            "relationships": {"parentFolder": {"data": {"id": "55", "type": "folder-segment"}}}}


def test_journey_stages_with_ids_are_read():
    journey = parse_v5_journey(_journey(), "1")
    assert (journey.journey_id, journey.ps_id, journey.folder_id) == ("900", "287197", "55")
    assert journey.stages == [("11", "Welcome"), ("12", "stage 3")]
    assert parse_v5_journey(_journey(stages=None) | {"attributes": {"name": "x"}}, "1").stages == []
    for bad in ("stages", ["not a stage"], [{"id": 1.5, "name": "a"}], [{"id": "1", "name": "a"}] * 2):
        with pytest.raises(RecordProblem) as exc:
            parse_v5_journey(_journey(stages=bad), "1")
        assert (exc.value.kind, exc.value.record_id) == ("journey", "900")
    with pytest.raises(RecordProblem):
        parse_v5_journey(_journey(name=""), "1")


def _stage_stats(*items, stage_id="11", size=5):
    return {"data": {"id": "900", "type": "journeyStatistic", "attributes": {
        "journeyStageStatistics": [{"id": stage_id, "size": size, "history": list(items)}]}}, "included": []}


def test_journey_statistics_days_are_the_parent_segments_days():
    journey = parse_v5_journey(_journey(), "1")
    payload = _stage_stats({"updatedAt": "2026-11-26T20:34:07.000Z", "journeyStageId": "11", "size": 3},
                           {"updatedAt": "2026-11-27T01:00:00Z", "journeyStageId": "11", "size": 4},
                           {"updatedAt": "2026-11-27T20:00:00+00:00", "journeyStageId": "11", "size": 6})
    sizes, points = parse_journey_statistics(payload, journey, ZoneInfo("Asia/Tokyo"))
    assert sizes == {"11": 5}
    # 20:34Z on the 26th is the 27th in Tokyo; of the 27th's two points the later wins
    assert [(p.segment_id, p.stat_date, p.population) for p in points] == [
        ("journey:900:11", date(2026, 11, 27), 4), ("journey:900:11", date(2026, 11, 28), 6)]
    _, utc_points = parse_journey_statistics(payload, journey)
    assert [p.stat_date for p in utc_points] == [date(2026, 11, 26), date(2026, 11, 27)]


def test_journey_statistics_malformed_and_odd_items():
    journey = parse_v5_journey(_journey(), "1")
    for bad in (None, [], {"data": {}}, {"data": {"attributes": {"journeyStageStatistics": "x"}}}):
        with pytest.raises(RecordProblem) as exc:
            parse_journey_statistics(bad, journey)
        assert (exc.value.kind, exc.value.record_id) == ("journey", "900")
    odd = _stage_stats({"updatedAt": "1999-12-31T00:00:00Z", "size": 1}, {"updatedAt": "2100-01-02T00:00:00Z",
                       "size": 1}, {"updatedAt": 1764200000, "size": 1}, {"updatedAt": "yesterday", "size": 1},
                       {"updatedAt": "2026-11-27T00:00:00Z", "size": -1}, {"updatedAt": "2" * 100, "size": 1},
                       {"updatedAt": "2026-11-27T00:00:00", "size": 2.0}, size="many")
    notes: list[RecordProblem] = []
    sizes, points = parse_journey_statistics(odd, journey, UTC, notes)
    assert sizes == {"11": None}
    assert [(p.stat_date, p.population) for p in points] == [(date(2026, 11, 27), 2)]
    assert [(n.kind, n.record_id) for n in notes] == [("journey_statistics", "900")]
    assert "7 bad" in notes[0].reason
