"""In-memory tables for a parent segment: customers plus behaviour tables."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Table:
    """`columns` maps a column name to its type: varchar, bigint, double, boolean, timestamp
    (naive UTC datetimes), varchar[] or double[] (Python lists). `rows` are dicts."""

    columns: dict[str, str]
    rows: list[dict] = field(default_factory=list)


@dataclass
class Dataset:
    audience_id: str
    customers: Table
    behaviors: dict[str, Table] = field(default_factory=dict)  # key: table name, e.g. behavior_orders
    key: str = "cdp_customer_id"
