"""Where each metric's `source` really is, as the build will read it: asked of dbt itself
(`dbt compile --inline` over `sa_metric_relation`), so a declared dbt source's own schema and
identifier, the host project's sources and `declared_behavior_sources` are all honoured."""

from __future__ import annotations

import json
from typing import Any

from orchestrate import dbt_runner
from orchestrate.errors import SegmentAnalyticsError
from orchestrate.setup.probe import TableRef

_SEP = "\x1f"


class RelationError(SegmentAnalyticsError, RuntimeError):
    """dbt could not say where the metrics' sources are; the message says why."""


def inline_sql(sources: list[str]) -> str:
    """One line per source: `<source>|<database>|<schema>|<identifier>`."""
    return ("{% for s in " + json.dumps(sources) + " %}{% set r = segment_analytics.sa_metric_relation(s) %}"
            "{{ s }}" + _SEP + "{{ r.database or '' }}" + _SEP + "{{ r.schema }}" + _SEP
            + "{{ r.identifier }}\n{% endfor %}")


def parse_inline(text: str) -> dict[str, TableRef]:
    found: dict[str, TableRef] = {}
    for line in text.splitlines():
        parts = line.strip().split(_SEP)
        if len(parts) == 4 and parts[0]:
            found[parts[0]] = TableRef(parts[1] or None, parts[2], parts[3])
    return found


def metric_relations(ctx: Any, sources: list[str]) -> dict[str, TableRef]:
    """source text -> TableRef for each distinct metric source (dbt parses the project once)."""
    wanted = sorted(set(sources))
    if not wanted:
        return {}
    try:
        result = dbt_runner.run_dbt(["compile", "--log-level", "none", "--inline", inline_sql(wanted)],
                                    **ctx.dbt_options)
    except dbt_runner.DbtFailed as exc:
        raise RelationError(str(exc)) from exc
    results = getattr(result.result, "results", None) or []
    code = getattr(getattr(results[0], "node", None), "compiled_code", None) if results else None
    found = parse_inline(code or "")
    missing = [s for s in wanted if s not in found]
    if missing:
        raise RelationError(f"dbt did not resolve {', '.join(missing)}")
    return found
