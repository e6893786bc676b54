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
from dataclasses import fields
from typing import Any
from urllib.parse import urlsplit

from orchestrate.config.alerts_model import AlertDestination
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


class Destination(AlertDestination):
    """One configured destination (the config's own type) with what delivery needs: its secrets,
    `url` / `password` read from the environment when `*_env` names one."""

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


def _typed_mapping(item: Any) -> dict[str, Any]:
    """A typed destination (AlertDestination or alike) as the mapping the configuration spells."""
    raw = {f.name: getattr(item, f.name, None) for f in fields(AlertDestination)}
    raw["from"] = raw.pop("sender")
    raw["headers"] = dict(raw["headers"] or ())
    return raw


def _destination(item: Any, index: int) -> Destination:
    raw = dict(item) if isinstance(item, Mapping) else _typed_mapping(item)
    kind = str(raw.get("type") or "").lower()
    if kind not in KINDS:
        raise DestinationProblem(f"alerts.destinations[{index}]: type {kind!r} is not one of {', '.join(KINDS)}")
    to = raw.get("to") or ()
    raw.update(type=kind, name=str(raw.get("name") or f"{kind}-{index + 1}"),
               to=[to] if isinstance(to, str) else list(to))
    destination = Destination.from_mapping(raw)
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
