"""What `init` reads from the CDP API: each parent segment's configuration (v4 `GET /audiences`:
`attributes[]` and `behaviors[]` with their database, table, keys and column types), folded into
one entry per behaviour table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orchestrate.errors import SegmentAnalyticsError

NUMERIC_COLUMN_TYPES = ("number",)  # the spec's ColumnType for numbers


class CatalogError(SegmentAnalyticsError, RuntimeError):
    """The API's parent segment configurations could not be read; the message says why and how."""


@dataclass
class BehaviorTable:
    """One behaviour table, as the parent segments that use it declare it."""

    database: str
    table: str
    parent_key: str  # the join key column of the behaviour table
    foreign_key: str  # the master (customers) column it joins
    behavior_names: list[str] = field(default_factory=list)
    parent_segments: list[str] = field(default_factory=list)  # "name (id)"
    columns: dict[str, str] = field(default_factory=dict)  # column -> ColumnType

    @property
    def key(self) -> tuple[str, str]:
        return self.database, self.table

    @property
    def numeric_columns(self) -> list[str]:
        return [c for c, kind in self.columns.items() if kind in NUMERIC_COLUMN_TYPES]


@dataclass
class ParentSegmentConfig:
    ps_id: str
    name: str
    attributes: list[tuple[str, str]]  # (name, ColumnType)


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def read_catalog(items: list[Any], wanted: set[str] | None = None
                 ) -> tuple[list[ParentSegmentConfig], list[BehaviorTable], list[str]]:
    """(parent segments, behaviour tables, notes about records left out) from `GET /audiences` items."""
    segments: list[ParentSegmentConfig] = []
    tables: dict[tuple[str, str], BehaviorTable] = {}
    notes: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            notes.append(f"a parent segment configuration that is not an object ({type(item).__name__}) was skipped")
            continue
        ps_id, name = str(item.get("id") or ""), _text(item.get("name")) or "?"
        if wanted is not None and ps_id not in wanted:
            continue
        attributes = [(str(a.get("name")), str(a.get("type") or "?")) for a in item.get("attributes") or []
                      if isinstance(a, dict) and _text(a.get("name"))]
        segments.append(ParentSegmentConfig(ps_id, name, attributes))
        for index, behavior in enumerate(item.get("behaviors") or []):
            _add_behavior(tables, behavior, f"{name} ({ps_id})", index, notes)
    if wanted is not None:
        missing = sorted(wanted - {s.ps_id for s in segments})
        if missing:
            raise CatalogError(f"--parent-segment {', '.join(missing)}: no such parent segment configuration; "
                               f"the key sees {', '.join(s.ps_id for s in segments) or 'none of them'}")
    return segments, list(tables.values()), notes


def _add_behavior(tables: dict[tuple[str, str], BehaviorTable], behavior: Any, owner: str, index: int,
                  notes: list[str]) -> None:
    if not isinstance(behavior, dict):
        notes.append(f"{owner}: behaviors[{index}] is not an object; skipped")
        return
    fields = {k: _text(behavior.get(k)) for k in ("name", "parentDatabaseName", "parentTableName",
                                                  "parentKey", "foreignKey")}
    missing = [k for k, v in fields.items() if v is None]
    if missing:
        notes.append(f"{owner}: behaviour {fields['name'] or index!s} has no {', '.join(missing)}; skipped")
        return
    key = (str(fields["parentDatabaseName"]), str(fields["parentTableName"]))
    entry = tables.get(key)
    if entry is None:
        entry = tables[key] = BehaviorTable(key[0], key[1], str(fields["parentKey"]), str(fields["foreignKey"]))
    elif (entry.parent_key, entry.foreign_key) != (fields["parentKey"], fields["foreignKey"]):
        notes.append(f"{owner}: behaviour {fields['name']} joins {key[0]}.{key[1]} on "
                     f"{fields['parentKey']} = {fields['foreignKey']}, another parent segment on "
                     f"{entry.parent_key} = {entry.foreign_key}; the first is used")
    entry.behavior_names.append(str(fields["name"]))
    entry.parent_segments.append(owner)
    for column in behavior.get("schema") or []:
        if isinstance(column, dict):
            col = _text(column.get("parentColumn")) or _text(column.get("name"))
            if col:
                entry.columns.setdefault(col, str(column.get("type") or "?"))
