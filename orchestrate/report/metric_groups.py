"""One report tab per metric source table, generated from the configured metrics (no names hard-coded)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from orchestrate.config import Metric


@dataclass(frozen=True)
class MetricSpec:
    name: str
    agg: str
    source: str


@dataclass(frozen=True)
class MetricGroup:
    key: str
    label: str
    source: str
    metrics: tuple[MetricSpec, ...]

    def as_payload(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "source": self.source,
            "metrics": [{"name": m.name, "agg": m.agg} for m in self.metrics],
        }


def _text_field(metric: Any, index: int, key: str, *, required: bool) -> str:
    if isinstance(metric, Metric):
        metric = metric.as_vars()
    if not isinstance(metric, dict):
        raise ValueError(f"metrics[{index}] must be a mapping with keys metric, agg, source; got {metric!r}")
    value = metric.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"metrics[{index}].{key} must be a non-empty string; got {value!r}")
    return value.strip()


def parse_metrics(metrics: Sequence[Metric | dict[str, Any]] | None) -> list[MetricSpec]:
    """Read the configured metrics (`Config.metrics`, or the mappings of vars
    segment_analytics.metrics), naming the field on bad input."""
    if metrics is None:
        return []
    if not isinstance(metrics, list | tuple):
        raise ValueError(f"metrics must be a list of mappings; got {type(metrics).__name__}")
    specs: list[MetricSpec] = []
    seen: set[str] = set()
    for index, metric in enumerate(metrics):
        name = _text_field(metric, index, "metric", required=True)
        if name in seen:
            raise ValueError(f"metrics[{index}].metric {name!r} is configured twice")
        seen.add(name)
        agg = _text_field(metric, index, "agg", required=False).lower() or "sum"
        source = _text_field(metric, index, "source", required=True)
        specs.append(MetricSpec(name=name, agg=agg, source=source))
    return specs


def _table_label(source: str) -> str:
    table = source.rsplit(".", 1)[-1]
    words = table.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else source


def group_metrics(specs: list[MetricSpec]) -> list[MetricGroup]:
    """Group metrics by source table, in configuration order; labels from the table name."""
    order: list[str] = []
    by_source: dict[str, list[MetricSpec]] = {}
    for spec in specs:
        if spec.source not in by_source:
            order.append(spec.source)
            by_source[spec.source] = []
        by_source[spec.source].append(spec)
    labels = [_table_label(source) for source in order]
    groups: list[MetricGroup] = []
    for number, source in enumerate(order):
        label = labels[number]
        if labels.count(label) > 1:
            label = source
        groups.append(
            MetricGroup(key=f"g{number}", label=label, source=source, metrics=tuple(by_source[source]))
        )
    return groups
