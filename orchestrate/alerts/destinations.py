"""The configured destinations (`alerts.destinations`), as delivery reads them.

The configuration validates their shape (orchestrate/config/); this module reads either the typed
configuration or the plain mapping, resolves the secrets (`url_env`, `password_env`: the name of an
environment variable) when a destination is used, and registers every secret with the redaction of
the HTTP policy, so a URL, header value or password never reaches a log line, an exception or a row.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from orchestrate.errors import SegmentAnalyticsError
from orchestrate.http import register_secret

KINDS = ("webhook", "slack", "email")
_MIN_SECRET = 6  # shorter fragments are not registered (redacting "/" would garble every message)
# Headers whose values are credentials (redacted everywhere); other header values are plain settings.
_SENSITIVE_HEADER = re.compile(r"auth|token|key|secret|signature|password|cookie|credential", re.IGNORECASE)


class DestinationProblem(SegmentAnalyticsError, ValueError):
    """A destination that cannot be used as configured (the message names it, never its secret)."""


def _get(item: Any, key: str, default: Any = None) -> Any:
    if isinstance(item, Mapping):
        value = item.get(key, default)
    else:
        value = getattr(item, key, default)
    return default if value is None else value


def register_url(url: str) -> None:
    """Register a webhook URL and the parts an error message could quote (path, query, user info)."""
    register_secret(url)
    parts = urlsplit(url)
    for piece in (parts.path, parts.query, f"{parts.path}?{parts.query}" if parts.query else "",
                  parts.netloc if "@" in parts.netloc else ""):
        if len(piece) >= _MIN_SECRET:
            register_secret(piece)


@dataclass(frozen=True)
class Destination:
    """One destination; `url` / `password` are read from the environment when `*_env` names one."""

    type: str
    name: str
    url: str | None = None
    url_env: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    smtp_host: str | None = None
    smtp_port: int = 587
    starttls: bool = True
    username: str | None = None
    password_env: str | None = None
    sender: str | None = None
    to: tuple[str, ...] = field(default_factory=tuple)

    def resolved_url(self) -> str:
        """The webhook URL (registered as a secret); DestinationProblem when it cannot be had."""
        url = self.url
        if not url and self.url_env:
            url = os.environ.get(self.url_env, "").strip()
            if not url:
                raise DestinationProblem(f"environment variable {self.url_env} (the URL of {self.name!r}) "
                                         "is not set or empty: export it before sending")
        if not url:
            raise DestinationProblem(f"{self.name!r} has no url: set `url_env` (or `url`)")
        register_url(url)
        return url

    def resolved_password(self) -> str | None:
        """The SMTP password from `password_env` (registered as a secret), None when not configured."""
        if not self.password_env:
            return None
        password = os.environ.get(self.password_env, "")
        if not password:
            raise DestinationProblem(f"environment variable {self.password_env} (the SMTP password of "
                                     f"{self.name!r}) is not set or empty: export it before sending")
        register_secret(password)
        return password

    def register_secrets(self) -> None:
        """Register what is configured literally (a url, header values) before anything is logged."""
        if self.url:
            register_url(self.url)
        for name, value in self.headers:
            if _SENSITIVE_HEADER.search(name) and len(value) >= _MIN_SECRET:
                register_secret(value)
                if " " in value:  # `Bearer <token>`: the token alone too
                    register_secret(value.split(" ", 1)[1].strip() or None)


def _destination(item: Any, index: int) -> Destination:
    kind = str(_get(item, "type", "")).lower()
    if kind not in KINDS:
        raise DestinationProblem(f"alerts.destinations[{index}]: type {kind!r} is not one of {', '.join(KINDS)}")
    headers = _get(item, "headers", {}) or {}
    pairs = headers.items() if isinstance(headers, Mapping) else tuple(headers)
    to = _get(item, "to", ()) or ()
    destination = Destination(
        type=kind, name=str(_get(item, "name", "") or f"{kind}-{index + 1}"), url=_get(item, "url"),
        url_env=_get(item, "url_env"), headers=tuple((str(k), str(v)) for k, v in pairs),
        smtp_host=_get(item, "smtp_host"), smtp_port=int(_get(item, "smtp_port", 587)),
        starttls=bool(_get(item, "starttls", True)), username=_get(item, "username"),
        password_env=_get(item, "password_env"),
        sender=_get(item, "from") or _get(item, "sender") or _get(item, "from_"),
        to=(to,) if isinstance(to, str) else tuple(str(t) for t in to),
    )
    destination.register_secrets()
    return destination


def destinations_from(config: Any) -> tuple[Destination, ...]:
    """The destinations of a `Config` (its `alerts.destinations`), of an `alerts` mapping, or of a
    list of destination mappings; () when none are configured."""
    if isinstance(config, list | tuple):
        items: Any = config
    else:
        alerts = _get(config, "alerts", None) if not isinstance(config, Mapping) or "alerts" in config else config
        items = _get(alerts, "destinations", ()) if alerts is not None else ()
    return tuple(_destination(item, i) for i, item in enumerate(items or ()))
