"""`segment_analytics.freshness`: per-key defaults and every bad value named by its field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orchestrate.config import ConfigError, Freshness, validate_config
from orchestrate.setup.freshness import Thresholds
from tests.fixtures.dbt_project import fixture_config


def test_defaults_per_key() -> None:
    assert validate_config(fixture_config()).freshness == Freshness(24, 48)
    assert validate_config(fixture_config(freshness={"warn_after_hours": 6})).freshness == Freshness(6, 48)
    assert Thresholds.from_config(validate_config(fixture_config(freshness={"error_after_hours": 72}))) == \
        Thresholds(24, 72)
    assert Thresholds.from_config(None) == Thresholds(24, 48)


@pytest.mark.parametrize(("raw", "fields"), [
    ({"warn_after_hours": "24"}, ["freshness.warn_after_hours"]),
    ({"warn_after_hours": True}, ["freshness.warn_after_hours"]),
    ({"error_after_hours": 0}, ["freshness.error_after_hours"]),
    ({"error_after_hours": 1.5}, ["freshness.error_after_hours"]),
    ({"warn_after_hours": 30, "error_after_hours": 20}, ["freshness.error_after_hours"]),
    ({"warn_after": 3}, ["freshness.warn_after"]),
    ("daily", ["freshness"]),
])
def test_bad_values_are_named(raw: object, fields: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_config(fixture_config(freshness=raw))
    assert [p.field for p in caught.value.problems] == fields


def test_status_boundaries() -> None:
    t = Thresholds(24, 48)
    assert t.status(timedelta(hours=23, minutes=59)) == "ok"
    assert t.status(timedelta(hours=24)) == "warn"
    assert t.status(timedelta(hours=48)) == "error"
    assert t.status(None) == "error"
