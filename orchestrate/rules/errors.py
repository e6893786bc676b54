"""The one exception the rule compiler raises."""

from __future__ import annotations

from orchestrate.errors import SegmentAnalyticsError


class RuleCompileError(SegmentAnalyticsError, ValueError):
    """A rule (or part of it) cannot be compiled to SQL.

    `segment_id` names the segment (None when unknown), `path` the place inside the rule
    (e.g. ``conditions[1].conditions[0].leftValue.aggregation``), `construct` the rule construct
    that failed (e.g. ``PredictiveScoreReference``) and `message` what is wrong.
    """

    def __init__(self, segment_id: str | None, path: str, construct: str, message: str) -> None:
        self.segment_id = segment_id
        self.path = path.lstrip(".") or "<rule>"
        self.construct = construct
        self.message = message
        where = f"segment {segment_id}" if segment_id is not None else "rule"
        super().__init__(f"{where}: cannot compile {construct} at {self.path}: {message}")
