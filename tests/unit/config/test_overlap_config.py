"""`segment_analytics.overlap`: its default, a given value, and every bad value named by its field."""

from __future__ import annotations

import pytest

from orchestrate.config import ConfigError, validate_config
from orchestrate.config.schema import message
from tests.fixtures.dbt_project import fixture_config


def test_default_and_given_value() -> None:
    assert validate_config(fixture_config()).overlap.top_pairs_per_segment == 20
    cfg = validate_config(fixture_config(overlap={"top_pairs_per_segment": 3}))
    assert cfg.overlap.top_pairs_per_segment == 3
    assert cfg.as_vars()["overlap"] == {"top_pairs_per_segment": 3}
    assert validate_config(fixture_config(overlap={})).overlap.top_pairs_per_segment == 20


@pytest.mark.parametrize(("raw", "fields"), [
    ({"top_pairs_per_segment": 0}, ["overlap.top_pairs_per_segment"]),
    ({"top_pairs_per_segment": -1}, ["overlap.top_pairs_per_segment"]),
    ({"top_pairs_per_segment": "20"}, ["overlap.top_pairs_per_segment"]),
    ({"top_pairs_per_segment": 2.5}, ["overlap.top_pairs_per_segment"]),
    ({"top_pairs_per_segment": True}, ["overlap.top_pairs_per_segment"]),
    ({"top_pairs": 5}, ["overlap.top_pairs"]),
    ("20", ["overlap"]),
])
def test_bad_values_are_named(raw: object, fields: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_config(fixture_config(overlap=raw))
    assert [p.field for p in caught.value.problems] == fields


def test_message_names_the_value() -> None:
    with pytest.raises(ConfigError) as caught:
        validate_config(fixture_config(overlap={"top_pairs_per_segment": 0}))
    assert caught.value.problems[0].message == message("top_pairs", value="0")
