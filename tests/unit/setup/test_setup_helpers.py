"""Pure helpers of doctor and init: key masking, --sum-columns parsing, metric names, reading the
parent-segment configurations (odd records become notes, never a crash)."""

from __future__ import annotations

import pytest

from orchestrate.setup.catalog import CatalogError, read_catalog
from orchestrate.setup.doctor import mask_key
from orchestrate.setup.init_project import InitError, metric_base, parse_sum_columns


def test_mask_key_never_shows_the_secret() -> None:
    assert mask_key("1234/abcdef0123") == "1234/… (secret part hidden)"
    assert "abcdef" not in mask_key("abcdef0123")
    assert mask_key("abc/def") == "(hidden)"


def test_parse_sum_columns() -> None:
    assert parse_sum_columns("orders.amount, db.orders.items,") == [("orders", "amount"), ("db.orders", "items")]
    assert parse_sum_columns(None) == []
    with pytest.raises(InitError, match="'amount'"):
        parse_sum_columns("amount")


@pytest.mark.parametrize(("name", "base"), [("Page Views", "page_views"), ("2024 Orders", "b_2024_orders"),
                                            ("Ünïcode!", "n_code"), ("---", "behavior")])
def test_metric_base_is_a_lower_case_identifier(name: str, base: str) -> None:
    assert metric_base(name) == base


def _behavior(**changes: object) -> dict[str, object]:
    item: dict[str, object] = {"id": "1", "name": "Orders", "parentDatabaseName": "db", "parentTableName": "orders",
                               "parentKey": "td_canonical_id", "foreignKey": "td_canonical_id",
                               "schema": [{"name": "amount", "type": "number", "parentColumn": "amount"}]}
    item.update(changes)
    return item


def test_read_catalog_folds_shared_tables_and_notes_odd_records() -> None:
    items = [
        {"id": "1", "name": "A", "attributes": [{"name": "age", "type": "number"}], "behaviors": [_behavior()]},
        {"id": "2", "name": "B", "behaviors": [_behavior(name="Orders B"), _behavior(parentTableName=None), 7]},
        "not an object",
    ]
    segments, tables, notes = read_catalog(items)
    assert [s.ps_id for s in segments] == ["1", "2"]
    assert segments[0].attributes == [("age", "number")]
    (table,) = tables
    assert table.key == ("db", "orders") and table.behavior_names == ["Orders", "Orders B"]
    assert table.numeric_columns == ["amount"]
    assert len(notes) == 3
    assert any("has no parentTableName" in n for n in notes)
    with pytest.raises(CatalogError, match="--parent-segment 3"):
        read_catalog(items, {"3"})
