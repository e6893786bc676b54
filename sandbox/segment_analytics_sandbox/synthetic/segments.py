"""Synthetic segments: Audience Studio rule JSON and the member SQL TD's rule-to-SQL would return.

Rules use the v5 wire grammar (an outer `And` of condition sets holding `Value` leaves) over the
customers attributes `score` (0..99,999, uniform), `country` (5 values, uniform). Segment sizes are
log-uniform between 0.2 % and 10 % of the parent segment, like real accounts' long tail.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass

from segment_analytics_sandbox.rules import Rule, all_of, any_of, attr, op, rule

SCORE_RANGE = 100_000
COUNTRIES: tuple[str, ...] = ("JP", "US", "DE", "FR", "BR")


@dataclass(frozen=True)
class SyntheticSegment:
    segment_id: str
    name: str
    folder_id: str
    rule: dict
    sql: str

    @property
    def rule_json(self) -> str:
        return canonical_json(self.rule)

    @property
    def rule_hash(self) -> str:
        return hashlib.sha256(self.rule_json.encode("utf-8")).hexdigest()


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sql_literal(value: str | int) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


def _leaf(column: str, kind: str, **fields: object) -> Rule:
    return attr(column, op(kind, **fields))


def _render_leaf(leaf: dict) -> str:
    column = f'a."{leaf["leftValue"]["name"]}"'
    op = leaf["operator"]
    kind = op["type"]
    if kind == "Between":
        return f"{column} between {sql_literal(op['minValue'])} and {sql_literal(op['maxValue'])}"
    if kind == "In":
        return f"{column} in ({', '.join(sql_literal(v) for v in op['rightValues'])})"
    if kind == "Less":
        return f"{column} < {sql_literal(op['rightValue'])}"
    if kind == "GreaterEqual":
        return f"{column} >= {sql_literal(op['rightValue'])}"
    raise ValueError(f"rule operator {kind!r} is not used by the benchmark generator")


def render_sql(segment_rule: dict, audience_schema: str) -> str:
    """Member SQL in TD's skeleton: `select a.* from "cdp_audience_<id>"."customers" a where (...)`."""
    sets = []
    for condition_set in segment_rule["conditions"]:
        joiner = " or " if condition_set["type"] == "Or" else " and "
        sets.append("(" + joiner.join(f"({_render_leaf(leaf)})" for leaf in condition_set["conditions"]) + ")")
    where = "\n  and ".join(sets)
    return f'select\n  a.*\nfrom "{audience_schema}"."customers" a\nwhere (\n  {where}\n)'


def _rule_for(kind: int, selectivity: float, rng: random.Random) -> dict:
    if kind == 1:
        countries = sorted(rng.sample(COUNTRIES, 2))
        width = min(SCORE_RANGE, int(selectivity / 0.4 * SCORE_RANGE))
        lo = rng.randrange(0, SCORE_RANGE - width + 1)
        return rule(all_of(_leaf("score", "Between", minValue=lo, maxValue=lo + width - 1),
                           _leaf("country", "In", rightValues=countries)))
    width = max(1, int(selectivity * SCORE_RANGE))
    if kind == 2:
        low_part = width // 2
        return rule(any_of(_leaf("score", "Less", rightValue=low_part),
                           _leaf("score", "GreaterEqual", rightValue=SCORE_RANGE - (width - low_part))))
    lo = rng.randrange(0, SCORE_RANGE - width + 1)
    return rule(all_of(_leaf("score", "Between", minValue=lo, maxValue=lo + width - 1)))


def folder_ids(count: int = 8) -> list[str]:
    return [f"{5000 + i}" for i in range(count)]


def make_segments(count: int, seed: int, audience_schema: str) -> list[SyntheticSegment]:
    rng = random.Random(seed)
    folders = folder_ids()
    out: list[SyntheticSegment] = []
    for k in range(count):
        selectivity = 0.002 * (50 ** rng.random())
        segment_rule = _rule_for(k % 3, selectivity, rng)
        # Every seventh name carries a quote and non-ASCII text: names must never break SQL.
        name = f"Segment {k:03d}" + (" — l'été \"quoted\"" if k % 7 == 3 else "")
        out.append(SyntheticSegment(f"{700000 + k}", name, folders[k % len(folders)], segment_rule,
                                   render_sql(segment_rule, audience_schema)))
    return out
