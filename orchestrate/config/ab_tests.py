"""`segment_analytics.ab_tests`: the A/B tests the experiments marts read out (docs/ab_tests.md).

Twin of `macros/config/sa_ab_tests.sql` (the same fields, in the same order, with the same messages
from orchestrate/config/schema.py). Arms are checked here for their form only; which selected segment
an id or name is, dbt resolves when it builds the marts (an unknown one stops the build, naming the
test and the field).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from orchestrate.config.errors import ConfigProblem
from orchestrate.config.schema import AB_TEST_KEYS, AB_TEST_REQUIRED, PATTERNS, message

_LOWER_IDENTIFIER = re.compile(PATTERNS["lower_identifier"])
_DATE = re.compile(PATTERNS["date"])


def validate_ab_tests(raw: Any, metric_names: list[str], problems: list[ConfigProblem]) -> list[dict[str, Any]]:
    """The tests normalised: arms as strings, dates as YYYY-MM-DD (end_date None = open), metrics as
    the list of names (every configured metric when left out), expected_split as floats or None."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(ConfigProblem("ab_tests", message("ab_tests_not_a_list")))
        return []
    seen: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for index, item in enumerate(raw):
        where = f"ab_tests[{index}]"
        if not isinstance(item, dict):
            problems.append(ConfigProblem(where, message("ab_test_not_a_mapping")))
            continue
        out.append(_validate_test(item, where, index, seen, metric_names, problems))
    return out


def _validate_test(item: dict[str, Any], where: str, index: int, seen: dict[str, int], metric_names: list[str],
                   problems: list[ConfigProblem]) -> dict[str, Any]:
    allowed = ", ".join(sorted(AB_TEST_KEYS))
    for key in item:
        if key not in AB_TEST_KEYS:
            problems.append(ConfigProblem(f"{where}.{key}", message("unknown_key", allowed=allowed)))
    for key in AB_TEST_REQUIRED:
        if item.get(key) in (None, "") and key != "variants":
            problems.append(ConfigProblem(f"{where}.{key}", message("required")))
    name = item.get("name")
    if name not in (None, ""):
        if not (isinstance(name, str) and _LOWER_IDENTIFIER.fullmatch(name)):
            problems.append(ConfigProblem(f"{where}.name", message("ab_test_name", value=repr(name))))
        elif name in seen:
            problems.append(ConfigProblem(f"{where}.name", message("duplicate_ab_test", value=repr(name),
                                                                   first=seen[name])))
        else:
            seen[name] = index
    arms: dict[str, str] = {}
    control = _arm(item.get("control"), f"{where}.control", "control", arms, problems)
    variants_raw = item.get("variants")
    variants: list[str] = []
    if not isinstance(variants_raw, list) or not variants_raw:
        problems.append(ConfigProblem(f"{where}.variants", message("ab_test_variants")))
    else:
        for position, value in enumerate(variants_raw):
            arm = _arm(value, f"{where}.variants[{position}]", f"variants[{position}]", arms, problems)
            if arm is not None:
                variants.append(arm)
    start = _date(item.get("start_date"), f"{where}.start_date", problems)
    end_raw = item.get("end_date")
    end = None if end_raw is None else _date(end_raw, f"{where}.end_date", problems)
    if start and end and end <= start:
        problems.append(ConfigProblem(f"{where}.end_date", message("end_not_after_start", end=end, start=start)))
    metrics = _metrics(item.get("metrics"), where, metric_names, problems)
    split = _split(item.get("expected_split"), where,
                   1 + (len(variants_raw) if isinstance(variants_raw, list) else 0), problems)
    return {"name": name, "control": control, "variants": variants, "start_date": start, "end_date": end,
            "metrics": metrics, "expected_split": split}


def _arm(value: Any, field: str, label: str, arms: dict[str, str], problems: list[ConfigProblem]) -> str | None:
    """A segment id or name: a non-empty string or a whole number, as text; each arm another segment."""
    if value is None:
        return None  # reported as required (control) or as a bad variants list
    if isinstance(value, bool) or not isinstance(value, (str, int)) or (isinstance(value, str) and not value.strip()):
        problems.append(ConfigProblem(field, message("ab_test_arm", value=repr(value))))
        return None
    text = str(value)
    if text in arms:
        problems.append(ConfigProblem(field, message("ab_test_arm_repeated", value=repr(text), first=arms[text])))
        return None
    arms[text] = label
    return text


def _date(value: Any, field: str, problems: list[ConfigProblem]) -> str | None:
    if value in (None, ""):
        return None  # reported as required
    text = value.isoformat() if isinstance(value, date) else value
    if not (isinstance(text, str) and _DATE.fullmatch(text)):
        problems.append(ConfigProblem(field, message("not_a_date", value=repr(value))))
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        problems.append(ConfigProblem(field, message("not_a_calendar_date", value=repr(value))))
        return None
    return text


def _metrics(raw: Any, where: str, metric_names: list[str], problems: list[ConfigProblem]) -> list[str]:
    if raw is None:
        return list(metric_names)
    if not isinstance(raw, list) or not raw:
        problems.append(ConfigProblem(f"{where}.metrics", message("ab_test_metrics")))
        return []
    out: list[str] = []
    for position, name in enumerate(raw):
        if name not in metric_names:
            problems.append(ConfigProblem(f"{where}.metrics[{position}]", message(
                "ab_test_metric", value=repr(name), allowed=", ".join(metric_names))))
        elif name not in out:
            out.append(name)
    return out


def _split(raw: Any, where: str, arms: int, problems: list[ConfigProblem]) -> list[float] | None:
    if raw is None:
        return None
    good = isinstance(raw, list) and len(raw) == arms and all(
        not isinstance(w, bool) and isinstance(w, (int, float)) and w > 0 for w in raw)
    if not good:
        problems.append(ConfigProblem(f"{where}.expected_split", message("expected_split", arms=arms)))
        return None
    return [float(w) for w in raw]
