"""Oracle behaviour aggregation: rows of a profile -> aggregate value(s)."""

from __future__ import annotations

from statistics import fmean


def _cell(row: dict, column: str) -> object:
    return row.get("time") if column == "timestamp" else row.get(column)


def aggregate(spec: dict, rows: list[dict]) -> object:
    kind = spec["type"]
    if kind == "Count":
        return len(rows)
    if kind == "CountDistinct":
        columns = spec["columns"] if isinstance(spec["columns"], list) else [spec["columns"]]
        seen = {tuple(_cell(r, c) for c in columns) for r in rows}
        return len([t for t in seen if None not in t])
    if kind in ("Sum", "Min", "Max", "Average"):
        values = [v for v in (_cell(r, spec["column"]) for r in rows) if v is not None]
        if not values:
            return None
        if kind == "Sum":
            return sum(values)
        if kind == "Min":
            return min(values)
        if kind == "Max":
            return max(values)
        return fmean(values)
    if kind in ("First", "Last"):
        pairs = [(_cell(r, spec["orderColumn"]), _cell(r, spec["column"])) for r in rows]
        pairs = [p for p in pairs if p[0] is not None and p[1] is not None]
        if not pairs:
            return None
        chosen = min(pairs, key=lambda p: p[0]) if kind == "First" else max(pairs, key=lambda p: p[0])
        return chosen[1]
    raise ValueError(f"oracle: unknown aggregation {kind}")


def is_time_aggregate(spec: dict) -> bool:
    return spec["type"] in ("Min", "Max", "First", "Last", "Sum", "Average") and spec.get("column") == "timestamp"
