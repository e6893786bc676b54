"""The CLI's last-resort handler: an error no module wrote a message for is one redacted line and a
hint, never a raw traceback; SEGMENT_ANALYTICS_DEBUG=1 shows the traceback, still redacted."""

from __future__ import annotations

import pytest

from orchestrate import cli, commands
from orchestrate.http import register_secret

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
