"""Hypothesis strategies: random parent-segment data and random rules over it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from tests.rules_oracle import Dataset, Table

NOWS = [
    datetime(2026, 11, 28, 10, 30, tzinfo=UTC),
    datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
    datetime(2024, 2, 29, 0, 0, tzinfo=UTC),
    datetime(2026, 5, 31, 12, 0, tzinfo=UTC),
    datetime(2024, 3, 31, 6, 0, tzinfo=UTC),
]
ZONES = [None, "Asia/Tokyo", "America/New_York", "Asia/Kolkata"]
TIME_KINDS = ["TimeWithinPast", "TimeWithinNext", "TimeRange", "TimeRangeB", "TimeToday", "TimeThis", "TimeNext",
              "TimeInBetweenNext", "Compare", "Between"]
STRING_KINDS = ["Equal", "Greater", "GreaterEqual", "Less", "LessEqual", "Between", "In", "IsNull", "Contain",
                "StartWith", "EndWith", "Regexp"]
UNITS = ["year", "quarter", "month", "week", "day", "hour", "minute", "second"]
CALENDAR_UNITS = ["year", "quarter", "month", "week", "day", "hour"]
DAY = 86400
OFFSETS = [0, 1, -1, 3600, -3600, DAY, -DAY, 7 * DAY, -7 * DAY, 30 * DAY, -30 * DAY, -31 * DAY, -365 * DAY,
           -366 * DAY, 90 * DAY]
ALPHABET = "ab'\\%é"
TEXT = st.text(alphabet=ALPHABET, max_size=3)
AUDIENCE = "9"
CUSTOMERS = {"cdp_customer_id": "varchar", "s": "varchar", "i": "bigint", "d": "double", "b": "boolean",
             "t": "timestamp", "arr": "varchar[]", "nums": "double[]"}
EVENTS = {"cdp_customer_id": "varchar", "time": "bigint", "amount": "double", "cat": "varchar"}


def _nullable(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy, strategy, strategy)


OFFSET = st.one_of(
    st.sampled_from(OFFSETS),
    st.builds(lambda d, h: d * DAY + h * 3600, st.integers(-9, 9), st.integers(-12, 12)),
    st.builds(lambda d, s: d * DAY + s, st.integers(-100, 40), st.integers(-1, 1)),
    st.integers(-400 * DAY, 120 * DAY),
)
HALVES = st.integers(-8, 8).map(lambda n: n / 2)
SMALL_INT = st.integers(-3, 6)


@st.composite
def datasets(draw: st.DrawFn, now: datetime) -> Dataset:
    count = draw(st.integers(3, 10)) if draw(st.integers(0, 20)) else draw(st.integers(0, 10))
    keys = [f"p{i}" for i in range(count)]
    naive_now = now.astimezone(UTC).replace(tzinfo=None)
    customers = []
    for key in keys:
        offset = draw(_nullable(OFFSET))
        customers.append({
            "cdp_customer_id": key,
            "s": draw(_nullable(TEXT)),
            "i": draw(_nullable(SMALL_INT)),
            "d": draw(_nullable(HALVES)),
            "b": draw(_nullable(st.booleans())),
            "t": None if offset is None else naive_now + timedelta(seconds=offset),
            "arr": draw(_nullable(st.lists(_nullable(st.sampled_from(["a", "b", "c"])), max_size=3))),
            "nums": draw(_nullable(st.lists(_nullable(HALVES), max_size=3))),
        })
    owners = keys + ["stranger"]
    times = draw(st.lists(OFFSET, max_size=25, unique=True))
    base = int(now.timestamp())
    events = [{
        "cdp_customer_id": draw(st.sampled_from(owners)),
        "time": base + offset,
        "amount": draw(_nullable(st.integers(0, 5).map(float))),
        "cat": draw(_nullable(st.sampled_from(["x", "y", "z"]))),
    } for offset in times]
    return Dataset(AUDIENCE, Table(CUSTOMERS, customers), {"behavior_ev": Table(EVENTS, events)})


# -- operators -------------------------------------------------------------------------------

def _op(kind: str, negate: bool, **fields: object) -> dict:
    return {"type": kind, "not": negate, **fields}


@st.composite
def scalar_operators(draw: st.DrawFn, values: st.SearchStrategy, strings: bool, kind: str | None = None) -> dict:
    negate = draw(st.booleans())
    kinds = ["Equal", "Greater", "GreaterEqual", "Less", "LessEqual", "Between", "In", "IsNull"]
    if strings:
        kinds += ["Contain", "StartWith", "EndWith", "Regexp"]
    kind = kind or draw(st.sampled_from(kinds))
    if kind == "Between":
        return _op(kind, negate, minValue=draw(values), maxValue=draw(values))
    if kind == "In":
        return _op(kind, negate, rightValues=draw(st.lists(values, max_size=3)))
    if kind == "IsNull":
        return _op(kind, negate, rightValue="")
    if kind in ("Contain", "StartWith", "EndWith"):
        return _op(kind, negate, rightValues=draw(st.lists(values, min_size=1, max_size=2)))
    if kind == "Regexp":
        return _op(kind, negate, rightValue=draw(regexes()))
    return _op(kind, negate, rightValue=draw(values))


@st.composite
def regexes(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(st.sampled_from(["a", "b", "\\.", "\\\\", "'", "%", ".", "[ab]", "a*", "b+", "é?",
                                            "(a|b)", "\\n"]), max_size=3))
    return ("^" if draw(st.booleans()) else "") + "".join(pieces) + ("$" if draw(st.booleans()) else "")


def _amount(unit: str) -> st.SearchStrategy:
    wide = st.integers(0, 40 if unit in ("day", "hour", "minute", "second") else 3)
    return st.one_of(st.sampled_from([0, 1, 1, 2, 7]), wide)


@st.composite
def durations(draw: st.DrawFn) -> dict:
    units = draw(st.lists(st.sampled_from(UNITS), min_size=1, max_size=2, unique=True))
    return {u: draw(_amount(u)) for u in units}


@st.composite
def time_operands(draw: st.DrawFn, now: datetime) -> dict:
    if draw(st.booleans()):
        moment = now + timedelta(seconds=draw(OFFSET))
        if draw(st.booleans()):
            return {"timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}
        return {"timestamp": moment.strftime("%Y-%m-%d %H:%M:%S")}  # read in the rule's zone
    unit = draw(st.sampled_from(UNITS))
    last = draw(durations()) if draw(st.booleans()) else draw(_amount(unit))
    return {"last": last, "unit": unit}


@st.composite
def time_operators(draw: st.DrawFn, now: datetime, kind: str | None = None) -> dict:
    negate = draw(st.booleans())
    kind = kind or draw(st.sampled_from(TIME_KINDS))
    unit = draw(st.sampled_from(UNITS))
    if kind in ("TimeWithinPast", "TimeWithinNext"):
        return {"type": kind, "value": draw(_amount(unit)), "unit": unit, "not": negate}
    if kind == "TimeRange":
        last = draw(durations()) if draw(st.booleans()) else draw(_amount(unit))
        (dur_unit,) = draw(st.lists(st.sampled_from(UNITS), min_size=1, max_size=1))
        return {"type": "TimeRange", "duration": {dur_unit: draw(_amount(dur_unit))},
                "from": {"last": last, "unit": unit}, "not": negate, "reverse": draw(st.booleans())}
    if kind == "TimeRangeB":
        return {"type": "TimeRange", "from": {"unit": draw(st.sampled_from(CALENDAR_UNITS))}, "not": negate}
    if kind == "TimeToday":
        return {"type": "TimeToday", "not": negate}
    if kind in ("TimeThis", "TimeNext"):
        return {"type": kind, "from": {"unit": draw(st.sampled_from(CALENDAR_UNITS))}, "not": negate}
    if kind == "TimeInBetweenNext":
        return {"type": kind, "from": {"next": draw(_amount(unit)), "unit": unit},
                "to": {"next": draw(_amount(unit)), "unit": unit}, "not": negate}
    if kind == "Between":
        return _op("Between", negate, minValue=draw(time_operands(now)), maxValue=draw(time_operands(now)))
    comparison = draw(st.sampled_from(["Equal", "Greater", "GreaterEqual", "Less", "LessEqual"]))
    return _op(comparison, negate, rightValue=draw(time_operands(now)))


ARRAY_MATCHING = st.one_of(st.sampled_from(["any", "all"]),
                           st.builds(lambda k, n: {k: n}, st.sampled_from(["atLeast", "atMost", "exactly"]),
                                     st.integers(0, 3)))


@st.composite
def attribute_conditions(draw: st.DrawFn, now: datetime, column: str | None = None, kind: str | None = None) -> dict:
    column = column or draw(st.sampled_from(["s", "i", "d", "b", "t", "arr", "nums"]))
    matching = None
    if column == "s":
        operator = draw(scalar_operators(TEXT, True, kind))
    elif column == "i":
        operator = draw(scalar_operators(SMALL_INT, False))
    elif column == "d":
        operator = draw(scalar_operators(st.one_of(HALVES, SMALL_INT), False))
    elif column == "b":
        operator = _op(draw(st.sampled_from(["Equal", "IsNull"])), draw(st.booleans()), rightValue=draw(st.booleans()))
    elif column == "t":
        operator = draw(time_operators(now, kind))
    elif column == "arr":
        operator = draw(scalar_operators(st.sampled_from(["a", "b", "c", "d"]), True))
        matching = draw(ARRAY_MATCHING)
    else:
        operator = draw(scalar_operators(HALVES, False))
        matching = draw(ARRAY_MATCHING)
    if column in ("arr", "nums") and draw(st.integers(0, 5)) == 0:
        operator, matching = _op("IsNull", draw(st.booleans()), rightValue=""), None
    node = {"type": "Value", "leftValue": {"name": column}, "operator": operator, "exclude": draw(st.booleans()),
            "arrayMatching": matching}
    if draw(st.integers(0, 6)) == 0:
        node["limit"] = draw(limits(False))
    return node


# -- behaviour -------------------------------------------------------------------------------

@st.composite
def column_filters(draw: st.DrawFn, now: datetime, depth: int = 0) -> dict:
    if depth < 2 and draw(st.integers(0, 3)) == 0:
        return {"type": draw(st.sampled_from(["And", "Or"])),
                "conditions": draw(st.lists(column_filters(now, depth + 1), max_size=3))}
    column = draw(st.sampled_from(["timestamp", "timestamp", "amount", "cat"]))
    if column == "timestamp":
        operator = draw(time_operators(now))
    elif column == "amount":
        operator = draw(scalar_operators(st.integers(0, 5), False))
    else:
        operator = draw(scalar_operators(st.sampled_from(["x", "y", "z"]), True))
    return {"type": "Column", "column": column, "operator": operator, "arrayMatching": None}


BEHAVIOUR_KINDS = ["Count", "CountDistinct", "Sum", "Min", "Max", "Average", "First", "Last", "TimeMax"]


@st.composite
def behaviour_conditions(draw: st.DrawFn, now: datetime, kind: str | None = None, extra: int | None = None) -> dict:
    kind = kind or draw(st.sampled_from(BEHAVIOUR_KINDS))
    count_ops = scalar_operators(st.integers(0, 4), False)
    if kind == "Count":
        aggregation, operator = {"type": "Count"}, draw(count_ops)
    elif kind == "CountDistinct":
        columns = draw(st.sampled_from([["cat"], ["amount"], ["cat", "amount"]]))
        aggregation, operator = {"type": "CountDistinct", "columns": columns}, draw(count_ops)
    elif kind in ("Sum", "Min", "Max", "Average"):
        aggregation, operator = {"type": kind, "column": "amount"}, draw(scalar_operators(HALVES, False))
    elif kind in ("First", "Last"):
        target = draw(st.sampled_from(["amount", "cat"]))
        values = st.integers(0, 5) if target == "amount" else st.sampled_from(["x", "y", "z"])
        aggregation = {"type": kind, "column": target, "orderColumn": "timestamp"}
        operator = draw(scalar_operators(values, target == "cat"))
    else:
        aggregation = {"type": draw(st.sampled_from(["Max", "Min"])), "column": "timestamp"}
        operator = draw(time_operators(now))
    left: dict = {"source": {"name": "behavior_ev"}, "aggregation": aggregation,
                  "filter": draw(st.one_of(st.just({}), st.none(), column_filters(now)))}
    extra = draw(st.integers(0, 5)) if extra is None else extra
    if extra == 0 and kind in ("Count", "Sum", "Min", "Max", "Average"):
        parts = draw(st.dictionaries(st.sampled_from(["day", "hour"]), st.integers(1, 10), min_size=1))
        left["window"] = {"type": "TimeSliding", "duration": parts}
    elif extra == 1 and kind != "TimeMax":
        aggregation["groupingColumns"] = ["cat"]
    node = {"type": "Value", "leftValue": left, "operator": operator, "exclude": draw(st.booleans())}
    if draw(st.integers(0, 6)) == 0:
        node["limit"] = draw(limits("window" not in left and "groupingColumns" not in aggregation))
    return node


# -- structure -------------------------------------------------------------------------------

@st.composite
def limits(draw: st.DrawFn, aggregation: bool) -> dict:
    orders = st.builds(lambda c, o: {"type": "Column", "column": c, "order": o},
                       st.sampled_from(["s", "i", "d", "b", "t"]), st.sampled_from(["ascending", "descending"]))
    if aggregation:
        orders = st.one_of(orders, st.builds(lambda o: {"type": "Aggregation", "order": o},
                                             st.sampled_from(["ascending", "descending"])))
    kind = draw(st.sampled_from(["Count", "Percent"]))
    number = draw(st.integers(0, 12) if kind == "Count" else st.integers(0, 100))
    return {"type": kind, "number": number, "orderColumns": draw(st.lists(orders, max_size=2))}


def _expr(draw: st.DrawFn, indices: list[int], letters: bool) -> str:
    if len(indices) == 1:
        i = indices[0]
        return chr(ord("A") + i) if letters else str(i + 1)
    cut = draw(st.integers(1, len(indices) - 1))
    word = draw(st.sampled_from(["and", "or"]))
    left, right = _expr(draw, indices[:cut], letters), _expr(draw, indices[cut:], letters)
    return f"({left} {word} {right})" if draw(st.booleans()) else f"{left} {word} {right}"


@st.composite
def groups(draw: st.DrawFn, now: datetime, references: list[str], depth: int = 0) -> dict:
    leaves = [attribute_conditions(now), behaviour_conditions(now)]
    if references:
        leaves.append(st.builds(lambda r, e: {"type": "Reference", "id": r, "exclude": e},
                                st.sampled_from(references), st.booleans()))
    child = st.one_of(*leaves) if depth >= 2 else st.one_of(*leaves, groups(now, references, depth + 1))
    conditions = draw(st.lists(child, min_size=0 if draw(st.integers(0, 12)) == 0 else 1, max_size=3))
    kind = draw(st.sampled_from(["And", "Or", "Composite"]))
    node: dict = {"type": kind, "conditions": conditions}
    if kind == "Composite" and conditions:
        order = draw(st.permutations(range(len(conditions))))
        node["expr"] = _expr(draw, list(order), draw(st.booleans()))
    elif kind == "Composite":
        node["type"] = "And"
    if depth and draw(st.integers(0, 8)) == 0:
        node["exclude"] = True
    return node


@st.composite
def rules(draw: st.DrawFn, now: datetime, references: list[str] | None = None) -> dict:
    rule = draw(groups(now, references or []))
    if draw(st.integers(0, 5)) == 0:
        rule["limit"] = draw(limits(False))
    return rule


def leaf_families() -> list[tuple[str, object]]:
    """(name, now -> strategy) for every operator / aggregation family, so each is exercised."""
    families: list[tuple[str, object]] = []
    for kind in STRING_KINDS:
        families.append((f"string-{kind}", lambda now, k=kind: attribute_conditions(now, "s", k)))
    for column in ("i", "d", "b", "arr", "nums"):
        families.append((f"attr-{column}", lambda now, c=column: attribute_conditions(now, c)))
    for kind in TIME_KINDS:
        families.append((f"time-{kind}", lambda now, k=kind: attribute_conditions(now, "t", k)))
    for kind in BEHAVIOUR_KINDS:
        families.append((f"behaviour-{kind}", lambda now, k=kind: behaviour_conditions(now, k, 5)))
    families.append(("behaviour-window", lambda now: behaviour_conditions(now, None, 0)))
    families.append(("behaviour-grouping", lambda now: behaviour_conditions(now, None, 1)))
    return families
