"""The Python rule diff (used by `rules diff` and `rules revert`) on hand-written condition lines."""

from __future__ import annotations

import pytest

from orchestrate.history import HistoryError, diff_conditions, revert, sql_literal

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
