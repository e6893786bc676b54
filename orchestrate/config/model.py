"""The typed configuration: `Config`, frozen, built from the validated `segment_analytics` mapping.

Attribute names are the config keys (`cfg.filters.v5_flag` is `segment_analytics.filters.v5_flag`);
lists become tuples, so a `Config` cannot be changed after it is built. `Config.as_vars()` gives the
plain mapping back (for dbt's `--vars`, or code that genuinely needs a dict).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from orchestrate.config.alerts_model import Alerts


@dataclass(frozen=True)
class Freshness:
    """`freshness`: source freshness thresholds, in hours."""

    warn_after_hours: int
    error_after_hours: int

    def as_vars(self) -> dict[str, Any]:
        return asdict(self)  # flat: every field a scalar


@dataclass(frozen=True)
class Overlap:
    """`overlap`: how many overlapping pairs the segment overlap mart keeps per segment."""

    top_pairs_per_segment: int

    def as_vars(self) -> dict[str, Any]:
        return asdict(self)  # flat: every field a scalar


@dataclass(frozen=True)
class Filters:
    """`filters`: which parent segments, folders and segments are tracked ('' = all)."""

    v5_flag: str
    ps_to_include: str
    folders_to_include: str
    segments_to_include: str

    def as_vars(self) -> dict[str, Any]:
        return asdict(self)  # flat: every field a scalar


@dataclass(frozen=True)
class TimeWindow:
    """`time_window`: the event window applied to every metric's time column."""

    type: str
    lookback: Any
    anchor: Any
    start_date: Any
    end_date: Any

    def as_vars(self) -> dict[str, Any]:
        return asdict(self)  # flat: every field a scalar


@dataclass(frozen=True)
class Metric:
    """One entry of `metrics`."""

    metric: str
    agg: str
    agg_col_name: str
    source: str
    join_key: str
    unixtime_col: str
    filter: str | None = None

    def as_vars(self) -> dict[str, Any]:
        return asdict(self)  # flat: every field a scalar


@dataclass(frozen=True)
class ChangeSchemaCols:
    """`insights.change_schema_cols`: columns whose Insights type is overridden, per type."""

    date: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    float: tuple[str, ...] = ()
    bigint: tuple[str, ...] = ()

    def items(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """(type, columns) in the order date, text, float, bigint."""
        yield from (("date", self.date), ("text", self.text), ("float", self.float), ("bigint", self.bigint))

    def as_vars(self) -> dict[str, list[str]]:
        return {kind: list(columns) for kind, columns in self.items()}


@dataclass(frozen=True)
class Insights:
    """`insights`: the Treasure Insights datamodel `publish` builds."""

    model_name: str
    tables: tuple[str, ...]
    shared_users: tuple[str, ...]
    change_schema_cols: ChangeSchemaCols
    join_relations: tuple[tuple[str, str], ...]

    def as_vars(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "tables": list(self.tables), "shared_users": list(self.shared_users),
                "change_schema_cols": self.change_schema_cols.as_vars(),
                "join_relations": [list(pair) for pair in self.join_relations]}


@dataclass(frozen=True)
class AbTest:
    """One entry of `ab_tests` (docs/ab_tests.md): arms as segment ids or names, dates YYYY-MM-DD,
    `end_date` None = open (through the run date), `expected_split` None = equal."""

    name: str
    control: str
    variants: tuple[str, ...]
    start_date: str
    end_date: str | None
    metrics: tuple[str, ...]
    expected_split: tuple[float, ...] | None

    def as_vars(self) -> dict[str, Any]:
        return {"name": self.name, "control": self.control, "variants": list(self.variants),
                "start_date": self.start_date, "end_date": self.end_date, "metrics": list(self.metrics),
                "expected_split": None if self.expected_split is None else list(self.expected_split)}


@dataclass(frozen=True)
class Config:
    """The whole `vars: segment_analytics:` configuration, validated, every default filled in."""

    project_prefix: str
    profile_id_column: str
    segment_sql_source: str
    membership_basis: str
    exact_counts: bool
    landing_schema: str | None
    td_mode: bool | str | None
    freshness: Freshness
    overlap: Overlap
    filters: Filters
    time_window: TimeWindow
    metrics: tuple[Metric, ...]
    insights: Insights
    ab_tests: tuple[AbTest, ...]
    alerts: Alerts = field(default_factory=Alerts.default)

    @classmethod
    def from_mapping(cls, cfg: Mapping[str, Any]) -> Config:
        """From the mapping `validate_config` normalised (every key present, every value checked)."""
        insights = cfg["insights"]
        return cls(
            project_prefix=cfg["project_prefix"],
            profile_id_column=cfg["profile_id_column"],
            segment_sql_source=cfg["segment_sql_source"],
            membership_basis=cfg["membership_basis"],
            exact_counts=cfg["exact_counts"],
            landing_schema=cfg["landing_schema"],
            td_mode=cfg["td_mode"],
            freshness=Freshness(**cfg["freshness"]),
            overlap=Overlap(**cfg["overlap"]),
            filters=Filters(**cfg["filters"]),
            time_window=TimeWindow(**cfg["time_window"]),
            metrics=tuple(Metric(**metric) for metric in cfg["metrics"]),
            insights=Insights(
                model_name=insights["model_name"],
                tables=tuple(insights["tables"]),
                shared_users=tuple(insights["shared_users"]),
                change_schema_cols=ChangeSchemaCols(
                    **{kind: tuple(columns) for kind, columns in insights["change_schema_cols"].items()}),
                join_relations=tuple((pair[0], pair[1]) for pair in insights["join_relations"]),
            ),
            ab_tests=tuple(
                AbTest(name=t["name"], control=t["control"], variants=tuple(t["variants"]),
                       start_date=t["start_date"], end_date=t["end_date"], metrics=tuple(t["metrics"]),
                       expected_split=None if t["expected_split"] is None else tuple(t["expected_split"]))
                for t in cfg.get("ab_tests", [])),
            alerts=Alerts.from_mapping(cfg["alerts"]) if "alerts" in cfg else Alerts.default(),
        )

    def as_vars(self) -> dict[str, Any]:
        """The plain `segment_analytics` mapping (lists, not tuples; JSON-ready)."""
        return {
            "project_prefix": self.project_prefix,
            "profile_id_column": self.profile_id_column,
            "segment_sql_source": self.segment_sql_source,
            "membership_basis": self.membership_basis,
            "exact_counts": self.exact_counts,
            "landing_schema": self.landing_schema,
            "td_mode": self.td_mode,
            "freshness": self.freshness.as_vars(),
            "overlap": self.overlap.as_vars(),
            "filters": self.filters.as_vars(),
            "time_window": self.time_window.as_vars(),
            "metrics": [metric.as_vars() for metric in self.metrics],
            "insights": self.insights.as_vars(),
            "ab_tests": [test.as_vars() for test in self.ab_tests],
            "alerts": self.alerts.as_vars(),
        }
