"""Property: for generated data and rules, the compiled SQL selects exactly what the oracle selects.

Each example draws one dataset and several rules over it (loading tables is the slow part)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.rules.strategies import (
    NOWS,
    ZONES,
    datasets,
    leaf_families,
    rules,
)

EXAMPLES = {"duckdb": 100, "trino": 5}
FAMILY_EXAMPLES = {"duckdb": 60, "trino": 3}
RULES_PER_DATASET = 6
FAMILIES = leaf_families()


def _settings(dialect: str, examples: dict[str, int] = EXAMPLES) -> settings:
    return settings(max_examples=examples[dialect], deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def test_single_conditions_agree_with_oracle(rule_harness):
    """Per dataset, one generated leaf of every operator / aggregation family, each as its own rule."""
    @_settings(rule_harness.dialect, FAMILY_EXAMPLES)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        now = data.draw(st.sampled_from(NOWS), label="now")
        zone = data.draw(st.sampled_from(ZONES), label="timezone")
        dataset = data.draw(datasets(now), label="dataset")
        for name, family in FAMILIES:
            leaf = data.draw(family(now), label=name)
            rule_harness.members({"type": "And", "conditions": [{"type": "And", "conditions": [leaf]}]}, dataset,
                                 now=now, timezone=zone)

    check()


def test_nested_rules_with_references_agree_with_oracle(rule_harness):
    """Any depth, Composite, exclude, references, limits."""
    @_settings(rule_harness.dialect)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        now = data.draw(st.sampled_from(NOWS), label="now")
        zone = data.draw(st.sampled_from(ZONES), label="timezone")
        dataset = data.draw(datasets(now), label="dataset")
        references = {f"ref{i}": data.draw(rules(now), label=f"ref{i}") for i in range(2)}
        for index in range(RULES_PER_DATASET // 2):
            rule = data.draw(rules(now, list(references)), label=f"rule{index}")
            rule_harness.members(rule, dataset, now=now, timezone=zone, references=references)

    check()
