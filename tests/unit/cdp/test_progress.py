"""Progress: quiet log lines when not on a terminal, a tqdm bar on one."""

from __future__ import annotations

import io
import logging

from orchestrate.cdp.progress import Progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quiet_lines_when_not_a_terminal(caplog):
    caplog.set_level(logging.INFO, logger="orchestrate.pull")
    stream = io.StringIO()
    progress = Progress(stream, interval=0.0)
    progress.phase("segments", 3)
    for _ in range(3):
        progress.advance()
    progress.close()
    assert stream.getvalue() == ""  # nothing drawn
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "segments: 0/3" and messages[-1] == "segments: 3/3 done"


def test_bar_on_a_terminal():
    stream = Tty()
    progress = Progress(stream)
    progress.phase("statistics", 5)
    progress.advance(5)
    progress.close()
    drawn = stream.getvalue()
    assert "statistics:" in drawn and "/5 [" in drawn  # a tqdm bar, cleared when the phase ends
