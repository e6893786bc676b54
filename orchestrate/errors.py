"""The one base of every error the project raises on purpose.

Each module keeps its own error types next to its code (`ConfigError` in `orchestrate.config`,
`ApiError` in `orchestrate.http`, …), each deriving from `SegmentAnalyticsError` and from the
built-in type it has always been (`ValueError`, `RuntimeError`, …), so code that catches those keeps
working. The message of a `SegmentAnalyticsError` is written for people: the CLI prints it, redacted,
without a traceback, and exits with its `exit_code`. Anything else reaching the CLI is a bug and is
reported as an unexpected error.

This module imports nothing of the project: every layer may import it.
"""

from __future__ import annotations


class SegmentAnalyticsError(Exception):
    """An error of Segment Analytics whose message says what went wrong and what to do."""

    exit_code: int = 1  # the CLI's exit status for it
    usage: bool = False  # a mistake in how the command was called or configured (no command in the message)


class UsageError(SegmentAnalyticsError, ValueError):
    """A command-line or configuration mistake; the message says how to fix it."""

    exit_code = 2
    usage = True


class CommandFailed(SegmentAnalyticsError, RuntimeError):
    """A command could not finish; the message says why and what to do."""
