"""The Python rule diff (used by `rules diff` and `rules revert`) on hand-written condition lines,
and the segment lookup and v4 update body on hand-written rows and records."""

from __future__ import annotations

import types

import pytest

from orchestrate.history import HistoryError, diff_conditions, fetch_live_segment, revert, sql_literal

A = "conditions[0].conditions[0]"
B = "conditions[0].conditions[1]"


def test_changed_added_removed_in_rule_order() -> None:
    before = f"{A}\tage GreaterEqual 30\n{B}\tcountry Equal \"JP\""
    after = f"{A}\tage GreaterEqual 40\nconditions[0].conditions[2]\tgender Equal \"F\""
    assert diff_conditions(before, after) == [
        f"~ {A}: age GreaterEqual 30 -> age GreaterEqual 40",
        f'- {B}: country Equal "JP"',
        '+ conditions[0].conditions[2]: gender Equal "F"',
    ]


def test_identical_and_empty_rules() -> None:
    same = f"{A}\tage GreaterEqual 30"
    assert diff_conditions(same, same) == []
    assert diff_conditions("", "") == []
    assert diff_conditions("", same) == [f"+ {A}: age GreaterEqual 30"]
    assert diff_conditions(same, "") == [f"- {A}: age GreaterEqual 30"]


def test_path_with_two_lines_is_listed_not_paired() -> None:
    """A group line ("Or") and a limit line share a path: not a one-to-one change."""
    before = "rule\tOr\nrule\tlimit 10"
    after = "rule\tlimit 20"
    # ordered by line number (removed lines by their old one, added by their new one)
    assert diff_conditions(before, after) == ["- rule: Or", "+ rule: limit 20", "- rule: limit 10"]


def test_quotes_and_unicode_survive() -> None:
    before = f"{A}\tname Equal \"O'Brien ✓\""
    after = f"{A}\tname Equal \"Café ☕\""
    assert diff_conditions(before, after) == [f"~ {A}: name Equal \"O'Brien ✓\" -> name Equal \"Café ☕\""]
    assert sql_literal("O'Brien ✓") == "'O''Brien ✓'"


@pytest.mark.parametrize("version", [0, -1, True, "2"])
def test_revert_rejects_bad_version_before_touching_anything(version: object) -> None:
    def no_query(sql: str) -> list[dict]:
        raise AssertionError("must not query")

    with pytest.raises(HistoryError, match="--to-version"):
        revert(object(), no_query, "6001", version)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------
# segment lookup and the v4 update body, on hand-written rows and records


def _candidates(*rows: dict) -> object:
    base = {"ps_name": "Shop", "folder_name": "Root", "api_version": "v5", "deleted_at": None,
            "landed_rule_json": "{}", "is_landed": 1, "had_name": 0}

    def query(sql: str) -> list[dict]:
        assert "stg_cdp__segments" in sql and "hist_rule_versions" in sql
        return [{**base, **row} for row in rows]

    return query


def test_lookup_prefers_the_id_then_the_one_current_name() -> None:
    from orchestrate.history import resolve_segment

    rows = ({"segment_id": "11", "segment_name": "22", "ps_id": "1"},
            {"segment_id": "22", "segment_name": "Other", "ps_id": "1"})
    assert resolve_segment(_candidates(*rows), "22").segment_id == "22"
    assert resolve_segment(_candidates(*rows), "Other").segment_id == "22"


def test_ambiguous_name_lists_ids_parent_segments_and_deletions() -> None:
    from orchestrate.history import resolve_segment

    rows = ({"segment_id": "11", "segment_name": "Twins", "ps_id": "1"},
            {"segment_id": "12", "segment_name": "Twins", "ps_id": "2", "ps_name": "Legacy 'L'",
             "deleted_at": "2026-05-03 00:00:00", "is_landed": 0})
    with pytest.raises(HistoryError) as caught:
        resolve_segment(_candidates(*rows), "Twins")
    assert str(caught.value) == (
        "segment: the name 'Twins' is ambiguous, 2 segments have it: 11 'Twins' in parent segment 1 'Shop' "
        "(folder 'Root', v5); 12 'Twins' in parent segment 2 \"Legacy 'L'\" (folder 'Root', v5, deleted on "
        "2026-05-03). Give the segment id instead")


def test_name_held_only_by_older_versions_is_not_taken() -> None:
    from orchestrate.history import resolve_segment

    query = _candidates({"segment_id": "11", "segment_name": "New", "ps_id": "1", "had_name": 1})
    with pytest.raises(HistoryError, match="no segment is named 'Old' now; it is a former name of 11 'New'"):
        resolve_segment(query, "Old")


def test_v4_update_body_carries_every_field_and_refuses_a_nameless_record() -> None:
    from orchestrate.cdp.client import ShapeError, v4_update_body

    current = {"id": "7", "audienceId": "5", "name": "N", "kind": 1, "realtime": True, "description": "d",
               "segmentFolderId": "9", "isVisible": False, "population": 3, "rule": {"type": "And"}}
    assert v4_update_body(current, {"x": 1}) == {
        "name": "N", "kind": 1, "rule": {"x": 1}, "audienceId": 5, "segmentFolderId": 9, "description": "d",
        "isVisible": False}
    assert "description" not in v4_update_body({**current, "description": None}, {})
    with pytest.raises(ShapeError, match="no name; refusing to send a partial PUT"):
        v4_update_body({**current, "name": ""}, {})
    with pytest.raises(ShapeError, match="segmentFolderId"):
        v4_update_body({**current, "segmentFolderId": "²"}, {})


def test_a_journey_stage_is_never_read_or_written_as_a_segment() -> None:
    with pytest.raises(HistoryError, match="journey stage"):
        fetch_live_segment(None, types.SimpleNamespace(segment_id="journey:900:11", api_version="v5", ps_id="1"))
