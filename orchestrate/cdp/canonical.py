"""Rule canonicalisation, hashing and a line-per-condition description.

- `canonical_rule_json(rule)`: the rule as JSON with sorted keys and no whitespace. Nothing is
  dropped: unknown keys are kept verbatim. This is what lands in `rule_json`.
- `rule_hash(rule)`: sha256 hex of the canonical JSON of the *meaning-bearing* rule. Keys in
  `DISPLAY_ONLY_KEYS` are removed at every level first, so renaming a rule set or toggling
  masking does not count as a rule change. An absent rule (null) and an empty rule ({}) both mean
  "the whole parent segment" and hash the same.
- `describe_rule(rule)`: one line per leaf condition, `<path>\t<readable condition>`, sorted by
  path; groups whose combinator is not plain `And` (an `Or`, a `Composite` expression) and limits
  get a line of their own, so every change of meaning shows up as a changed line.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

# Keys that only change how a rule is displayed in the console, never which profiles match.
DISPLAY_ONLY_KEYS: frozenset[str] = frozenset({"description", "visibility"})

ROOT_PATH = "rule"


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, unicode kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_rule_json(rule: Any) -> str:
    """The whole rule as canonical JSON (unknown and display-only keys kept)."""
    return canonical_json(rule)


def strip_display_keys(value: Any) -> Any:
    """A copy of the rule without display-only keys, at any depth."""
    if isinstance(value, dict):
        return {k: strip_display_keys(v) for k, v in value.items() if k not in DISPLAY_ONLY_KEYS}
    if isinstance(value, list):
        return [strip_display_keys(v) for v in value]
    return value


def is_empty_rule(rule: Any) -> bool:
    """True for null, {} and a group with no conditions at all."""
    if rule is None or rule == {}:
        return True
    return isinstance(rule, dict) and set(rule) <= {"type", "conditions", *DISPLAY_ONLY_KEYS} and not (
        rule.get("conditions")
    )


def rule_hash(rule: Any) -> str:
    """sha256 hex of the meaning-bearing canonical rule."""
    meaning = {} if rule is None else strip_display_keys(rule)
    return hashlib.sha256(canonical_json(meaning).encode("utf-8")).hexdigest()


# ----------------------------------------------------------------------------------------------
# describe_rule


def _value(value: Any) -> str:
    return canonical_json(value)


def _as_list(value: Any) -> list[Any]:
    """A list as is; anything else (a hostile or odd payload) as no items."""
    return value if isinstance(value, list) else []


def _name(value: Any) -> str:
    """A `type`-like field as text, whatever JSON type it arrived as."""
    return value if isinstance(value, str) else _value(value)


def _time_point(value: Any) -> str:
    if isinstance(value, dict):
        if "timestamp" in value:
            return str(value["timestamp"])
        if "last" in value:
            return f"last {_value(value['last'])} {value.get('unit', '')}".strip()
        if "next" in value:
            return f"next {_value(value['next'])} {value.get('unit', '')}".strip()
        if set(value) == {"unit"}:
            return str(value["unit"])
    return _value(value)


def describe_operator(op: Any) -> str:
    """`Contain ["Male"]`, `GreaterEqual 1`, `Between 1 and 5`, `not IsNull`, ..."""
    if not isinstance(op, dict):
        return _value(op)
    kind = str(op.get("type", "?"))
    prefix = "not " if op.get("not") is True else ""
    known = {"type", "not"}
    parts: list[str] = [kind]
    if kind == "Between":
        parts.append(f"{_time_point(op.get('minValue'))} and {_time_point(op.get('maxValue'))}")
        known |= {"minValue", "maxValue", "rightValue"}
    elif kind == "IsNull":
        known |= {"rightValue"}
    elif kind in {"TimeWithinPast", "TimeWithinNext"}:
        parts.append(f"{_value(op.get('value'))} {op.get('unit', '')}".rstrip())
        known |= {"value", "unit"}
    elif kind.startswith("Time"):
        for key in ("from", "to", "duration"):
            if key in op:
                parts.append(f"{key} {_time_point(op[key])}")
        if op.get("reverse"):
            parts.append("reverse")
        known |= {"from", "to", "duration", "reverse"}
    elif "rightValues" in op:
        parts.append(_value(op["rightValues"]))
        known |= {"rightValues"}
    elif "rightValue" in op:
        right = op["rightValue"]
        parts.append(_time_point(right) if isinstance(right, dict) else _value(right))
        known |= {"rightValue"}
    extra = {k: v for k, v in op.items() if k not in known and k not in DISPLAY_ONLY_KEYS}
    if extra:
        parts.append(_value(extra))
    return prefix + " ".join(parts)


def describe_filter(flt: Any) -> str:
    """A behaviour filter group as `col Op value and col Op value`."""
    if not isinstance(flt, dict) or not flt:
        return ""
    if _name(flt.get("type")) in {"And", "Or"} and "conditions" in flt:
        joiner = f" {str(flt['type']).lower()} "
        inner = [describe_filter(c) for c in _as_list(flt.get("conditions"))]
        inner = [f"({s})" if (" and " in s or " or " in s) else s for s in inner if s]
        return joiner.join(inner)
    if _name(flt.get("type")) == "Column":
        return f"{flt.get('column')} {describe_operator(flt.get('operator'))}"
    return _value(strip_display_keys(flt))


def _aggregation(agg: Any, source: str, where: str) -> str:
    if not isinstance(agg, dict):
        agg = {}
    kind = str(agg.get("type", "?"))
    target = source
    if agg.get("column"):
        target = f"{source}.{agg['column']}"
    elif _as_list(agg.get("columns")):
        target = f"{source}.{','.join(str(c) for c in agg['columns'])}"
    details = ""
    if agg.get("orderColumn"):
        details += f" order by {agg['orderColumn']}"
    if _as_list(agg.get("groupingColumns")):
        details += f" group by {','.join(str(c) for c in agg['groupingColumns'])}"
    return f"{kind}({target}{details}{where})"


def describe_left(left: Any) -> str:
    """An attribute name, `group.attribute`, or `Count(behavior_x where ...)`."""
    if not isinstance(left, dict):
        return _value(left)
    if "source" in left or "aggregation" in left:
        source = left.get("source") or {}
        name = str(source.get("name", "?")) if isinstance(source, dict) else _value(source)
        flt = describe_filter(left.get("filter"))
        where = f" where {flt}" if flt else ""
        window = left.get("window")
        if isinstance(window, dict) and window:
            where += f" window {_value(strip_display_keys(window))}"
        return _aggregation(left.get("aggregation"), name, where)
    if "customerGroup" in left:
        return f"{left['customerGroup']}.{left.get('name')}"
    if "name" in left:
        return str(left["name"])
    return _value(strip_display_keys(left))


def describe_leaf(leaf: dict[str, Any]) -> str:
    """A leaf condition in one readable line."""
    kind = _name(leaf.get("type"))
    exclude = "exclude " if leaf.get("exclude") is True else ""
    if kind in {"Reference", "FunnelStageReference", "AbTestVariantReference"}:
        noun = {"Reference": "segment", "FunnelStageReference": "funnel stage",
                "AbTestVariantReference": "ab test variant"}[kind]
        verb = "exclude" if leaf.get("exclude") is True else "include"
        return f"{verb} {noun} {leaf.get('id')}"
    if kind == "Value":
        text = f"{exclude}{describe_left(leaf.get('leftValue'))} {describe_operator(leaf.get('operator'))}"
        if leaf.get("arrayMatching") is not None:
            text += f" arrayMatching {_value(leaf['arrayMatching'])}"
        if leaf.get("limit") is not None:
            text += f" limit {_value(leaf['limit'])}"
        return text
    return f"{kind} {_value(strip_display_keys({k: v for k, v in leaf.items() if k != 'type'}))}"


def _walk(node: Any, path: str, lines: list[tuple[str, str]]) -> None:
    if not isinstance(node, dict):
        lines.append((path, _value(node)))
        return
    if isinstance(node.get("conditions"), list):
        kind = node.get("type", "And")
        if kind == "Composite":
            lines.append((path, f"Composite {node.get('expr', '')}".rstrip()))
        elif kind != "And":
            lines.append((path, str(kind)))
        if node.get("limit") is not None:
            lines.append((path, f"limit {_value(node['limit'])}"))
        for i, child in enumerate(node["conditions"]):
            _walk(child, f"{path}.conditions[{i}]" if path != ROOT_PATH else f"conditions[{i}]", lines)
        return
    lines.append((path, describe_leaf(node)))


_INDEX = re.compile(r"\[(\d+)\]")


def _path_key(path: str) -> tuple[int, ...]:
    return tuple(int(i) for i in _INDEX.findall(path)) if path != ROOT_PATH else ()


def describe_rule(rule: Any) -> str:
    """One line per leaf condition, `<path>\\t<condition>`, sorted by path, joined by newlines.

    Never raises on odd shapes; a rule too deeply nested to walk (the pull refuses those before
    they get here) is described by a single line at the root.
    """
    if is_empty_rule(rule):
        return ""
    lines: list[tuple[str, str]] = []
    try:
        _walk(rule, ROOT_PATH, lines)
    except RecursionError:
        return f"{ROOT_PATH}\t<nested too deeply to describe>"
    lines.sort(key=lambda item: (_path_key(item[0]), item[1]))
    return "\n".join(f"{path}\t{text}" for path, text in lines)
