"""The dbt exposures point at real models, and cover every mart the report and the datamodel read."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from orchestrate.config import DEFAULTS
from orchestrate.report.queries import REPORT_QUERIES

ROOT = Path(__file__).resolve().parents[3]
# Tables the report reads that the shim writes, not dbt: the alert delivery ledger.
SHIM_TABLES = {"alert_deliveries"}


def _aliases() -> dict[str, str]:
    """dbt model name -> mart suffix given to sa_mart_alias(...)."""
    found = {}
    for sql in (ROOT / "models").rglob("*.sql"):
        match = re.search(r"sa_mart_alias\('([a-z_]+)'\)", sql.read_text(encoding="utf-8"))
        if match:
            found[sql.stem] = match.group(1)
    return found


def _exposures() -> dict[str, list[str]]:
    doc = yaml.safe_load((ROOT / "models" / "exposures.yml").read_text(encoding="utf-8"))
    return {
        e["name"]: [re.fullmatch(r"ref\('([a-z_]+)'\)", d).group(1) for d in e["depends_on"]]
        for e in doc["exposures"]
    }


def test_report_exposure_covers_what_the_report_reads():
    aliases = _aliases()
    refs = _exposures()["segment_analytics_html_report"]
    assert all(ref in aliases for ref in refs), set(refs) - set(aliases)
    assert {aliases[ref] for ref in refs} == {q.suffix for q in REPORT_QUERIES} - SHIM_TABLES
    assert SHIM_TABLES <= {q.suffix for q in REPORT_QUERIES}


def test_insights_exposure_matches_the_default_insights_tables():
    aliases = _aliases()
    tables = DEFAULTS["insights"]["tables"]
    refs = _exposures()["treasure_insights_datamodel"]
    assert sorted(aliases[ref] for ref in refs) == sorted(tables)
