"""Oracle: which profiles does a rule select? Plain Python over a Dataset."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.rules_oracle.aggregates import aggregate, is_time_aggregate
from tests.rules_oracle.boolexpr import evaluate_expr
from tests.rules_oracle.dataset import Dataset
from tests.rules_oracle.matching import Env, matches

WINDOW_SECONDS = {"day": 86400, "hour": 3600, "minute": 60, "second": 1}


class Oracle:
    def __init__(self, data: Dataset, env: Env, resolve: Callable[[str], dict] | None) -> None:
        self.data = data
        self.env = env
        self.resolve = resolve
        self.by_key = {row[data.key]: row for row in data.customers.rows}

    # -- behaviour -------------------------------------------------------------------------
    def _rows(self, left: dict, key: str) -> list[dict]:
        table = self.data.behaviors.get(left["source"]["name"])
        rows = [] if table is None else [r for r in table.rows if r.get(self.data.key) == key]
        return [r for r in rows if self._filter(left.get("filter"), r)]

    def _filter(self, node: dict | None, row: dict) -> bool:
        if not node:
            return True
        if node["type"] in ("And", "Or"):
            results = [self._filter(child, row) for child in node["conditions"]]
            if not results:
                return True
            return all(results) if node["type"] == "And" else any(results)
        name = node["column"]
        value = row.get("time") if name == "timestamp" else row.get(name)
        return matches(node["operator"], node.get("arrayMatching"), value, self.env, epoch=name == "timestamp")

    def _test(self, left: dict, op: dict, value: object) -> bool:
        return matches(op, None, value, self.env, epoch=is_time_aggregate(left["aggregation"]))

    def _behaviour(self, left: dict, op: dict, key: str) -> bool:
        rows = self._rows(left, key)
        spec = left["aggregation"]
        window = left.get("window")
        if window:
            if not rows:
                return self._test(left, op, aggregate(spec, []))
            span = sum(WINDOW_SECONDS[u] * int(n) for u, n in window["duration"].items())
            for start in rows:
                inside = [r for r in rows if start["time"] <= r["time"] < start["time"] + span]
                if self._test(left, op, aggregate(spec, inside)):
                    return True
            return False
        grouping = spec.get("groupingColumns") or []
        if grouping:
            groups: dict[tuple, list[dict]] = {}
            for row in rows:
                groups.setdefault(tuple(row.get(g) for g in grouping), []).append(row)
            return any(self._test(left, op, aggregate(spec, members)) for members in groups.values())
        return self._test(left, op, aggregate(spec, rows))

    # -- tree ------------------------------------------------------------------------------
    def _leaf_value(self, node: dict, key: str) -> bool:
        left = node["leftValue"]
        if "source" in left:
            return self._behaviour(left, node["operator"], key)
        value = self.by_key[key].get(left["name"])
        return matches(node["operator"], node.get("arrayMatching"), value, self.env)

    def _sort_value(self, node: dict | None, spec: dict, key: str) -> object:
        if spec.get("type") == "Aggregation":
            left = node["leftValue"]  # type: ignore[index]
            return aggregate(left["aggregation"], self._rows(left, key))
        return self.by_key[key].get(spec["column"])

    def _limited(self, limit: dict, keys: set[str], node: dict | None) -> set[str]:
        ordered = sorted(keys)  # final tie-break: the customer key ascending
        for spec in reversed(limit.get("orderColumns") or []):
            descending = spec.get("order") == "descending"
            values = {k: self._sort_value(node, spec, k) for k in ordered}
            present = [k for k in ordered if values[k] is not None]
            absent = [k for k in ordered if values[k] is None]
            present.sort(key=lambda k: values[k], reverse=descending)  # stable sort keeps ties
            ordered = present + absent
        if limit["type"] == "Count":
            keep = int(limit["number"])
        else:
            keep = math.floor(len(ordered) * limit["number"] / 100)
        return set(ordered[:keep])

    def node_members(self, node: dict, candidates: set[str]) -> set[str]:
        kind = node["type"]
        if kind in ("And", "Or", "Composite"):
            parts = [self.node_members(c, candidates) for c in node.get("conditions") or []]
            if not parts:
                chosen = set(candidates)
            elif kind == "Composite":
                chosen = {k for k in candidates if evaluate_expr(node["expr"], [k in p for p in parts])}
            elif kind == "And":
                chosen = set.intersection(*parts)
            else:
                chosen = set.union(*parts)
        elif kind == "Reference":
            chosen = self.rule_members(self.resolve(node["id"])) & candidates  # type: ignore[misc]
        else:
            chosen = {k for k in candidates if self._leaf_value(node, k)}
            if node.get("limit"):
                chosen = self._limited(node["limit"], chosen, node)
        if node.get("exclude"):
            chosen = candidates - chosen
        return chosen

    def rule_members(self, rule: dict | None) -> set[str]:
        everyone = set(self.by_key)
        if not rule:
            return everyone
        chosen = self.node_members(rule, everyone)
        if rule.get("limit"):
            chosen = self._limited(rule["limit"], chosen, None)
        return chosen


def evaluate(
    rule: dict | None,
    data: Dataset,
    *,
    now: datetime,
    timezone: str | None = None,
    resolve: Callable[[str], dict] | None = None,
) -> set[str]:
    """Customer keys the rule selects."""
    moment = now if now.tzinfo else now.replace(tzinfo=UTC)
    env = Env(moment.astimezone(UTC).replace(microsecond=0), ZoneInfo(timezone or "UTC"))
    return Oracle(data, env, resolve).rule_members(rule)
