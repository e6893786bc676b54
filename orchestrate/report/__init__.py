"""Self-contained HTML report built from the marts (see docs/dashboard.md)."""

from orchestrate.report.builder import ReportError, build_report

__all__ = ["ReportError", "build_report"]
