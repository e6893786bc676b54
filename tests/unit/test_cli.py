"""The CLI's error handling. An error of the project (a `SegmentAnalyticsError`, the base every error
of the product derives from) is its redacted message, no traceback, exit 1 (2 for usage and
configuration). The last-resort handler: an error no module wrote a message for is one redacted line
and a hint, never a raw traceback; SEGMENT_ANALYTICS_DEBUG=1 shows the traceback, still redacted."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import orchestrate
from orchestrate import cli, commands
from orchestrate.config import ConfigError, ConfigProblem
from orchestrate.errors import SegmentAnalyticsError
from orchestrate.http import register_secret
from orchestrate.pull import PullError

# fake keys in TD's `<account id>/<secret>` shape (never real ones)
REGISTERED = "4343/cli-FAKE-registered-7d1e9a"
FROM_ENV = "4444/cli-FAKE-only-in-env-2b8c4f"


def _explode(args):  # noqa: ANN001, ANN202 - a stand-in command
    try:
        raise KeyError(f"lookup failed for {FROM_ENV}")
    except KeyError as inner:
        raise RuntimeError(f"something broke\nwhile using {REGISTERED}") from inner


@pytest.fixture
def exploding(monkeypatch: pytest.MonkeyPatch) -> None:
    register_secret(REGISTERED)
    monkeypatch.setenv("TD_API_KEY", FROM_ENV)  # read by no code yet: the handler redacts it too
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    monkeypatch.setattr(commands, "cmd_rules_check", _explode)


def _secret_parts() -> list[str]:
    return [REGISTERED, REGISTERED.split("/")[1], FROM_ENV, FROM_ENV.split("/")[1]]


def test_an_unexpected_error_is_one_redacted_line_and_a_hint(exploding, capsys) -> None:
    assert cli.main(["rules", "check"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[0] == "segment-analytics rules check: unexpected error: RuntimeError: something broke while using ***"
    assert lines[1:] == [f"segment-analytics: re-run with {cli.DEBUG_ENV}=1 (or --verbose) to see the traceback, "
                         "secrets redacted"]
    assert not any(part in err for part in _secret_parts())


def test_debug_shows_the_traceback_redacted(exploding, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    assert cli.main(["rules", "check"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "in _explode" in err
    assert "KeyError: 'lookup failed for ***'" in err  # the chained exception, redacted too
    assert not any(part in err for part in _secret_parts())


# --------------------------------------------------------------------------- the one base error


def _raising(error: BaseException):  # noqa: ANN202 - a stand-in command
    def command(args):  # noqa: ANN001, ANN202
        raise error
    return command


def test_an_error_of_the_project_is_its_message_without_a_traceback(monkeypatch: pytest.MonkeyPatch,
                                                                    capsys) -> None:
    register_secret(REGISTERED)
    monkeypatch.setattr(commands, "cmd_rules_check", _raising(PullError(f"pull failed with {REGISTERED}")))
    assert cli.main(["rules", "check"]) == 1
    err = capsys.readouterr().err
    assert err == "segment-analytics rules: pull failed with ***\n"


def test_a_usage_or_configuration_error_exits_2(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    problem = ConfigError([ConfigProblem("project_prefix", "must be an identifier")])
    monkeypatch.setattr(commands, "cmd_rules_check", _raising(problem))
    assert cli.main(["rules", "check"]) == 2
    assert capsys.readouterr().err.startswith("segment-analytics: invalid configuration (1 problem(s)):")


def _project_exceptions() -> list[type[BaseException]]:
    """Every exception class defined in a module of the product."""
    found = []
    for info in pkgutil.walk_packages(orchestrate.__path__, "orchestrate."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, BaseException)
                    and value.__module__ == module.__name__):
                found.append(value)
    return found


def test_every_error_of_the_product_derives_from_the_one_base() -> None:
    errors = _project_exceptions()
    assert {e.__name__ for e in errors} >= {"ConfigError", "ApiError", "PullError", "PublishError", "DbtFailed",
                                            "HistoryError", "RuleCompileError", "TargetError", "ReportError"}
    assert [e.__qualname__ for e in errors if not issubclass(e, SegmentAnalyticsError)] == []
    # each keeps the built-in base callers catch it by
    assert issubclass(ConfigError, ValueError) and issubclass(PullError, RuntimeError)
