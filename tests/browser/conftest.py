"""Headless Debian Chromium driven by playwright, on a report built from deterministic marts."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestrate.report import build_report
from tests.integration.report.marts_fixture import METRICS, create_report_marts

CHROMIUM = os.environ.get("SEGMENT_ANALYTICS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@dataclass
class BrowserLog:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def report_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="sa-report-browser-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _build(folder: Path, name: str, **kwargs: Any) -> Path:
    conn = duckdb.connect()
    try:
        create_report_marts(conn, **{k: v for k, v in kwargs.items() if k.startswith("with_")})
        metrics = kwargs.get("metrics", METRICS)
        return build_report(conn, prefix="segment_analytics", metrics=metrics, out_path=folder / name,
                            title="Browser test report", progress=None)
    finally:
        conn.close()


@pytest.fixture(scope="session")
def full_report(report_dir: Path) -> Path:
    return _build(report_dir, "full.html")


@pytest.fixture(scope="session")
def bare_report(report_dir: Path) -> Path:
    """No metrics configured and no rule changes recorded: the empty states must explain why."""
    return _build(report_dir, "bare.html", metrics=[], with_metrics=False, with_rule_changes=False)


@pytest.fixture(scope="session")
def browser_context() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run `bash scripts/ensure_chromium.sh` (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    user_data = tempfile.mkdtemp(prefix="sa-chromium-profile-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data, executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()
    shutil.rmtree(user_data, ignore_errors=True)


@pytest.fixture()
def open_report(browser_context: Any) -> Iterator[Any]:
    """Open a report file in a fresh page; every console error, page error and request is recorded."""
    pages: list[Any] = []

    def opener(path: Path) -> tuple[Any, BrowserLog]:
        log = BrowserLog()
        page = browser_context.new_page()
        pages.append(page)
        page.on("console", lambda msg: log.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda err: log.page_errors.append(str(err)))
        page.on("request", lambda req: log.requests.append(req.url))
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                   else route.abort())
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        return page, log

    yield opener
    for page in pages:
        page.close()
