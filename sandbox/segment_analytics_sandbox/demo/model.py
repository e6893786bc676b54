"""Plain data structures of the demo: profiles, behaviour events and the account objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

# Logical attribute types, as the CDP API's ColumnType names them (plus a split of `number`).
ATTRIBUTE_TYPES = ("string", "long", "double", "boolean", "timestamp", "string_array")

AttrValue = str | int | float | bool | dt.datetime | list[str] | None


@dataclass(frozen=True)
class Column:
    """One column of a generated table: its name and logical type (one of ATTRIBUTE_TYPES)."""

    name: str
    type: str


@dataclass
class Profile:
    """One person. `attributes` holds the values on the first run date; changes come later."""

    td_canonical_id: str
    attributes: dict[str, AttrValue]
    # parent segment id -> cdp_customer_id of this person in that parent segment
    customer_ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Order:
    td_canonical_id: str
    order_id: str
    amount: float
    items: int
    category: str
    time: int


@dataclass(frozen=True)
class PageView:
    td_canonical_id: str
    td_url: str
    time: int


@dataclass(frozen=True)
class EmailEvent:
    td_canonical_id: str
    event_type: str
    campaign: str
    time: int


@dataclass(frozen=True)
class AttributeChange:
    """A profile's attribute takes `value` from run date `day` on (in the parent segment `ps_id`)."""

    day: dt.date
    ps_id: str
    td_canonical_id: str
    attribute: str
    value: AttrValue


@dataclass(frozen=True)
class User:
    id: str
    td_user_id: str
    name: str


@dataclass(frozen=True)
class ParentSegmentDef:
    id: str
    name: str
    api_versions: tuple[str, ...]  # ("v4", "v5") or ("v4",)
    root_folder_id: str
    attributes: tuple[Column, ...]
    timezone: str = "UTC"
    description: str = ""


@dataclass(frozen=True)
class FolderDef:
    id: str
    ps_id: str
    name: str
    parent_id: str | None  # None only for the root folder


@dataclass(frozen=True)
class SegmentDef:
    id: str
    ps_id: str
    folder_id: str
    name: str
    rule: dict[str, Any]
    description: str = ""
    created_by: str = "alice"


@dataclass
class Account:
    users: dict[str, User]
    parent_segments: list[ParentSegmentDef]
    folders: list[FolderDef]
    segments: list[SegmentDef]

    def segment(self, segment_id: str) -> SegmentDef:
        for seg in self.segments:
            if seg.id == segment_id:
                return seg
        raise KeyError(f"demo account: no segment with id {segment_id!r}")


@dataclass
class DemoData:
    """Everything the generator produces. Deterministic for a given seed and dates."""

    seed: int
    run_dates: list[dt.date]
    history_start: dt.date  # first day with events
    account: Account
    profiles: list[Profile]
    orders: list[Order]
    pageviews: list[PageView]
    email_events: list[EmailEvent]
    changes: list[AttributeChange]

    def profile_ids(self, ps_id: str) -> list[str]:
        return [p.td_canonical_id for p in self.profiles if ps_id in p.customer_ids]
