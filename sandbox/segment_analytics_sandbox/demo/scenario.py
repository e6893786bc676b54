"""The simulated run days: what happens to the account between one run date and the next.

Profile attribute changes and new events come from `generate.py`; this module holds the account
edits. With the default four run dates:

- day 2: "High Value Customers" loosened (ltv > 1500 -> ltv > 1200) by another user (Mallory);
- day 3: a no-op re-save of "Young Adults" (same rule, keys in another order) by Bob,
  "Gmail Users" deleted, "Holiday Shoppers 🎄" created;
- day 4: "Weekly Openers" widened from 7 to 14 days by Bob.

With fewer run dates the later edits do not happen; with more, the extra days bring data only.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from segment_analytics_sandbox.demo.account import HOLIDAY_SHOPPERS, high_value_rule, weekly_openers_rule
from segment_analytics_sandbox.demo.model import SegmentDef


@dataclass(frozen=True)
class RuleEdit:
    segment_id: str
    rule: dict[str, Any]
    user: str


@dataclass(frozen=True)
class ReSave:
    """Save the segment again with the same rule (the JSON's key order differs)."""

    segment_id: str
    user: str


@dataclass(frozen=True)
class Delete:
    segment_id: str
    user: str


@dataclass(frozen=True)
class Create:
    segment: SegmentDef


Action = RuleEdit | ReSave | Delete | Create

# Index of the run date (0 = first) -> what happens before that day's pull.
ACTIONS_BY_DAY: dict[int, list[Action]] = {
    1: [RuleEdit("800001", high_value_rule(1200), "mallory")],
    2: [ReSave("800012", "bob"), Delete("800013", "bob"), Create(HOLIDAY_SHOPPERS)],
    3: [RuleEdit("800101", weekly_openers_rule(14), "bob")],
}


@dataclass
class DayPlan:
    index: int
    run_date: dt.date
    actions: list[Action] = field(default_factory=list)

    @property
    def edited_at(self) -> dt.datetime:
        """When the day's edits were made: the afternoon before the run date (UTC)."""
        day = self.run_date - dt.timedelta(days=1)
        return dt.datetime(day.year, day.month, day.day, 15, 30, tzinfo=dt.UTC)


def plan(run_dates: list[dt.date]) -> list[DayPlan]:
    return [DayPlan(i, d, list(ACTIONS_BY_DAY.get(i, []))) for i, d in enumerate(run_dates)]


def reordered(value: Any) -> Any:
    """The same JSON with every object's keys in reverse order (a no-op edit)."""
    if isinstance(value, dict):
        return {k: reordered(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reordered(v) for v in value]
    return value


def segments_on(initial: list[SegmentDef], run_dates: list[dt.date], run_date: dt.date) -> list[SegmentDef]:
    """The account's segments (with the rules in force) on `run_date`, after that day's edits."""
    current = {s.id: copy.deepcopy(s) for s in initial}
    for day in plan(run_dates):
        if day.run_date > run_date:
            break
        for action in day.actions:
            if isinstance(action, RuleEdit):
                old = current[action.segment_id]
                current[action.segment_id] = SegmentDef(old.id, old.ps_id, old.folder_id, old.name,
                                                        copy.deepcopy(action.rule), old.description,
                                                        old.created_by)
            elif isinstance(action, Delete):
                del current[action.segment_id]
            elif isinstance(action, Create):
                current[action.segment.id] = copy.deepcopy(action.segment)
    return list(current.values())
