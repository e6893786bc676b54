"""The registry: every file `segment-analytics generate` writes. Add a generator by appending it."""

from __future__ import annotations

from orchestrate.generated.base import Generator
from orchestrate.generated.semantic_metrics import GENERATOR as SEMANTIC_METRICS
from orchestrate.generated.wide_columns import GENERATOR as WIDE_COLUMNS

GENERATORS: tuple[Generator, ...] = (
    SEMANTIC_METRICS,
    WIDE_COLUMNS,
)
