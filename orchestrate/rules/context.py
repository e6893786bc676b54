"""Per-compilation state shared by the compiler modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NoReturn
from zoneinfo import ZoneInfo

from orchestrate.rules.dialects import Dialect
from orchestrate.rules.errors import RuleCompileError
from orchestrate.rules.literals import LiteralError, quote_ident


@dataclass
class Context:
    audience_id: str
    dialect: Dialect
    now: datetime
    tz: ZoneInfo
    customer_key: str
    segment_id: str | None
    resolve_reference: Callable[[str], dict] | None
    reference_stack: tuple[str, ...] = ()
    counter: list[int] = field(default_factory=lambda: [0])

    def fail(self, path: str, construct: str, message: str) -> NoReturn:
        raise RuleCompileError(self.segment_id, path, construct, message)

    def ident(self, name: object, path: str, construct: str) -> str:
        try:
            return quote_ident(name)  # type: ignore[arg-type]
        except LiteralError as exc:
            self.fail(path, construct, str(exc))

    def table(self, name: str, path: str) -> str:
        return f"{self.ident('cdp_audience_' + self.audience_id, path, 'audience')}.{self.ident(name, path, 'table')}"

    def alias(self, prefix: str) -> str:
        self.counter[0] += 1
        return f"{prefix}{self.counter[0]}"

    @property
    def key(self) -> str:
        return quote_ident(self.customer_key)
