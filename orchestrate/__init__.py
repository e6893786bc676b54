"""Segment Analytics: the Python shim around the dbt project (pull, build, report, publish)."""

__version__ = "0.1.0"
