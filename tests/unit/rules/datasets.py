"""Hand-made parent-segment data for the rule-compiler cases."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.rules_oracle import Dataset, Table

NOW = datetime(2026, 11, 28, 10, 30, 0, tzinfo=UTC)  # a Saturday


def ts(text: str) -> datetime:
    """A naive UTC timestamp (how timestamp attributes are stored)."""
    return datetime.fromisoformat(text)


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


CUSTOMER_COLUMNS = {
    "cdp_customer_id": "varchar",
    "td_canonical_id": "varchar",
    "name": "varchar",
    "age": "bigint",
    "score": "double",
    "vip": "boolean",
    "signup": "timestamp",
    "tags": "varchar[]",
    "nums": "double[]",
    'we"ird col': "varchar",
}


def _customer(key: str, name: object, age: object, score: object, vip: object, signup: object,
              tags: object, nums: object, weird: object = None) -> dict:
    return {"cdp_customer_id": key, "td_canonical_id": f"td-{key}", "name": name, "age": age,
            "score": score, "vip": vip, "signup": signup, "tags": tags, "nums": nums, 'we"ird col': weird}


PEOPLE = Dataset(
    audience_id="1001",
    customers=Table(CUSTOMER_COLUMNS, [
        _customer("c1", "Alice", 34, 7.5, True, ts("2026-11-28 08:00:00"), ["a", "b"], [1.0, 2.0], "x"),
        _customer("c2", "bob", 17, 3.0, False, ts("2026-11-01 00:00:00"), ["b"], [5.0]),
        _customer("c3", None, None, None, None, None, None, None),
        _customer("c4", "O'Hara", 65, 9.25, True, ts("2025-12-31 23:59:59"), [], []),
        _customer("c5", "back\\slash", 40, -1.5, False, ts("2026-10-31 23:00:00"), ["a", None], [3.0, None]),
        _customer("c6", "multi\nline", 40, 0.0, True, ts("2026-02-28 12:00:00"), ["c", "c", "c"], [0.5]),
        _customer("c7", "Ünïcødé ☃ 名前", 25, 100.0, False, ts("2026-12-15 00:00:00"), ["ü"], [1e-05]),
        _customer("c8", "50% off_[sale].*", 30, 7.5, None, ts("2027-01-01 00:00:00"), ["a", "a"], [2.0, 2.0]),
    ]),
)

ORDER_COLUMNS = {"cdp_customer_id": "varchar", "time": "bigint", "amount": "double", "store": "varchar",
                 "sku": "varchar", "qty": "bigint"}


def _order(key: str, when: str, amount: float | None, store: str | None, sku: str | None,
           qty: int | None = 1) -> dict:
    return {"cdp_customer_id": key, "time": epoch(when), "amount": amount, "store": store, "sku": sku,
            "qty": qty}


SHOP = Dataset(
    audience_id="2002",
    customers=Table(CUSTOMER_COLUMNS, PEOPLE.customers.rows),
    behaviors={
        "behavior_orders": Table(ORDER_COLUMNS, [
            _order("c1", "2026-11-27 09:00:00", 10.0, "web", "A"),
            _order("c1", "2026-11-20 09:00:00", 20.0, "web", "B"),
            _order("c1", "2026-10-01 09:00:00", 5.0, "shop", "A"),
            _order("c2", "2026-11-28 10:00:00", 100.0, "shop", "C", 3),
            _order("c4", "2025-12-31 23:00:00", 1.0, "web", "A"),
            _order("c4", "2026-01-01 01:00:00", 2.0, "web", "A"),
            _order("c5", "2026-11-01 00:00:00", None, None, None, None),
            _order("c6", "2026-11-25 00:00:00", 3.0, "web", "A"),
            _order("c6", "2026-11-25 12:00:00", 4.0, "web", "B"),
            _order("c6", "2026-11-26 06:00:00", 5.0, "shop", "C"),
            _order("c7", "2026-12-05 00:00:00", 7.0, "web", "D"),
            _order("c8", "2026-11-28 10:30:00", 8.0, "web", "E"),
        ]),
        "behavior_pageviews": Table(
            {"cdp_customer_id": "varchar", "time": "bigint", "url": "varchar", "tags": "varchar[]"}, [
                {"cdp_customer_id": "c1", "time": epoch("2026-11-28 07:00:00"), "url": "/home", "tags": ["x"]},
                {"cdp_customer_id": "c3", "time": epoch("2026-11-28 07:00:00"), "url": "/cart", "tags": []},
                {"cdp_customer_id": "c3", "time": epoch("2026-11-10 07:00:00"), "url": "/home", "tags": None},
            ]),
    },
)
