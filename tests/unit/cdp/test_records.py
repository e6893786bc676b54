"""Lenient parsing of CDP payloads; unusable records are problems with an id."""

from __future__ import annotations

from datetime import date

import pytest

from orchestrate.cdp.records import (
    RecordProblem,
    normalize_id,
    parse_population,
    parse_statistics,
    parse_v4_segment,
    parse_v5_parent_segment,
    parse_v5_segment,
)
from orchestrate.regions import REGIONS, UnknownRegionError, cdp_base_url, region


def test_ids_as_ints_or_strings():
    assert normalize_id(287197, "x") == normalize_id("287197", "x") == normalize_id(287197.0, "x") == "287197"
    with pytest.raises(RecordProblem, match="not a numeric id"):
        normalize_id("abc", "segment")
    with pytest.raises(RecordProblem):
        normalize_id(True, "segment")


def test_population_null_and_odd_values():
    assert parse_population(None) is None and parse_population(-1) is None and parse_population("x") is None
    assert parse_population(12) == 12 and parse_population(12.0) == 12 and parse_population("15") == 15


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
