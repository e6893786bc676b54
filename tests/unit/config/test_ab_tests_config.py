"""`segment_analytics.ab_tests`: the normalised tests and every mistake named by its field with its message."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from orchestrate.config import ConfigError, validate_config
from orchestrate.config.model import AbTest
from orchestrate.config.schema import MESSAGES
from tests.fixtures.dbt_project import fixture_config

SPLIT_OF_2 = MESSAGES["expected_split"] % {"arms": 2}
TEST = {"name": "checkout", "control": "s1", "variants": ["Variant B"], "start_date": "2026-03-01"}


def _problems(tests: Any) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        validate_config(fixture_config(ab_tests=tests))
    return [(p.field, p.message) for p in caught.value.problems]


def test_defaults_and_normalised_form() -> None:
    assert validate_config(fixture_config()).ab_tests == ()
    cfg = validate_config(fixture_config(ab_tests=[
        TEST, {"name": "t2", "control": 101, "variants": [102, "103"], "start_date": date(2026, 3, 1),
               "end_date": "2026-04-01", "metrics": ["orders", "revenue", "orders"], "expected_split": [2, 1, 1]}]))
    all_metrics = tuple(m["metric"] for m in fixture_config()["metrics"])
    assert cfg.ab_tests == (
        AbTest("checkout", "s1", ("Variant B",), "2026-03-01", None, all_metrics, None),
        AbTest("t2", "101", ("102", "103"), "2026-03-01", "2026-04-01", ("orders", "revenue"), (2.0, 1.0, 1.0)))
    assert cfg.as_vars()["ab_tests"][1] == {
        "name": "t2", "control": "101", "variants": ["102", "103"], "start_date": "2026-03-01",
        "end_date": "2026-04-01", "metrics": ["orders", "revenue"], "expected_split": [2.0, 1.0, 1.0]}


# Every mistake and the problems it gives (the dbt validator must give the same:
# tests/integration/dbt/test_config_validation.py).
MISTAKES: list[tuple[Any, list[tuple[str, str]]]] = [
    ("checkout", [("ab_tests", MESSAGES["ab_tests_not_a_list"])]),
    (["checkout"], [("ab_tests[0]", MESSAGES["ab_test_not_a_mapping"])]),
    ([{**TEST, "colour": 1}], [("ab_tests[0].colour", MESSAGES["unknown_key"] % {
        "allowed": "control, end_date, expected_split, metrics, name, start_date, variants"})]),
    ([{"variants": ["b"]}], [("ab_tests[0].name", "is required"), ("ab_tests[0].control", "is required"),
                             ("ab_tests[0].start_date", "is required")]),
    ([{**TEST, "name": "Check-out"}], [("ab_tests[0].name", MESSAGES["ab_test_name"] % {"value": "'Check-out'"})]),
    ([TEST, TEST], [("ab_tests[1].name", MESSAGES["duplicate_ab_test"] % {"value": "'checkout'", "first": 0})]),
    ([{**TEST, "control": True}], [("ab_tests[0].control", MESSAGES["ab_test_arm"] % {"value": "True"})]),
    ([{**TEST, "control": " "}], [("ab_tests[0].control", MESSAGES["ab_test_arm"] % {"value": "' '"})]),
    ([{**TEST, "variants": []}], [("ab_tests[0].variants", MESSAGES["ab_test_variants"])]),
    ([{**TEST, "variants": "b"}], [("ab_tests[0].variants", MESSAGES["ab_test_variants"])]),
    ([{**TEST, "variants": ["b", ["c"]]}], [("ab_tests[0].variants[1]", MESSAGES["ab_test_arm"] % {"value": "['c']"})]),
    ([{**TEST, "variants": ["b", "s1"]}], [("ab_tests[0].variants[1]", MESSAGES["ab_test_arm_repeated"] % {
        "value": "'s1'", "first": "control"})]),
    ([{**TEST, "start_date": "2026-3-1"}], [("ab_tests[0].start_date", MESSAGES["not_a_date"] % {
        "value": "'2026-3-1'"})]),
    ([{**TEST, "end_date": "2026-02-30"}], [("ab_tests[0].end_date", MESSAGES["not_a_calendar_date"] % {
        "value": "'2026-02-30'"})]),
    ([{**TEST, "end_date": "2026-03-01"}], [("ab_tests[0].end_date", MESSAGES["end_not_after_start"] % {
        "end": "2026-03-01", "start": "2026-03-01"})]),
    ([{**TEST, "metrics": []}], [("ab_tests[0].metrics", MESSAGES["ab_test_metrics"])]),
    ([{**TEST, "metrics": ["orders", "profit"]}], [("ab_tests[0].metrics[1]", MESSAGES["ab_test_metric"] % {
        "value": "'profit'", "allowed": ", ".join(m["metric"] for m in fixture_config()["metrics"])})]),
    ([{**TEST, "expected_split": [1]}], [("ab_tests[0].expected_split", SPLIT_OF_2)]),
    ([{**TEST, "expected_split": [1, 0]}], [("ab_tests[0].expected_split", SPLIT_OF_2)]),
    ([{**TEST, "expected_split": [1, True]}], [("ab_tests[0].expected_split", SPLIT_OF_2)]),
]


@pytest.mark.parametrize(("tests", "want"), MISTAKES)
def test_every_mistake_is_named(tests: Any, want: list[tuple[str, str]]) -> None:
    assert _problems(tests) == want
