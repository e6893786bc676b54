"""Configuration errors: every problem names its field (`segment_analytics.<field>`) and the fix."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrate.config.schema import VARS_KEY
from orchestrate.errors import SegmentAnalyticsError


@dataclass(frozen=True)
class ConfigProblem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{VARS_KEY}.{self.field}: {self.message}"


class ConfigError(SegmentAnalyticsError, ValueError):
    """One or more configuration mistakes; each names the field and the fix."""

    exit_code = 2  # like a usage mistake: nothing ran
    usage = True

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        self.field = problems[0].field
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid configuration ({len(problems)} problem(s)):\n{lines}")
