"""Fake TD API (v3) database routes, on the TD API host: what `segment-analytics` uses to create
a missing Treasure Data database.

- `POST /v3/database/create/{name}`: 200 `{"database": name}`; 409 when it exists (the real API's
  answer); 400 for a name TD does not allow (3-255 lower-case letters, digits, `_`); 403 when the
  key's user may not create databases (`td_state(server.state).can_create = False`).
- `GET /v3/database/list`: `{"databases": [{"name": ...}, ...]}`.

Configure through `td_state(server.state)` (`databases`, `can_create`, `creates`).
"""

from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from segment_analytics_sandbox.fake_api.server import Reply, RequestContext, Router

_NAME = re.compile(r"[a-z0-9_]{3,255}")


@dataclass
class TdState:
    databases: set[str] = field(default_factory=set)
    can_create: bool = True
    creates: list[str] = field(default_factory=list)  # every create request's name, in order
    lock: threading.Lock = field(default_factory=threading.Lock)


_STATES: weakref.WeakKeyDictionary[Any, TdState] = weakref.WeakKeyDictionary()
_STATES_LOCK = threading.Lock()


def td_state(fake_state: Any) -> TdState:
    """The TD API state attached to a fake server's state object (created on first use)."""
    with _STATES_LOCK:
        found = _STATES.get(fake_state)
        if found is None:
            found = _STATES[fake_state] = TdState()
        return found


def create_database(ctx: RequestContext) -> Reply:
    state = td_state(ctx.state)
    name = ctx.params["name"]
    with state.lock:
        state.creates.append(name)
        if not state.can_create:
            return Reply(403, {"error": "Access denied: the user may not create databases", "severity": "error"})
        if not _NAME.fullmatch(name):
            return Reply(400, {"error": "Name must be 3 to 255 characters of lower letters, numbers and '_'",
                               "severity": "error"})
        if name in state.databases:
            return Reply(409, {"error": f"Database {name} already exists", "severity": "error"})
        state.databases.add(name)
    return Reply(200, {"database": name})


def list_databases(ctx: RequestContext) -> Reply:
    state = td_state(ctx.state)
    with state.lock:
        names = sorted(state.databases)
    return Reply(200, {"databases": [{"name": n} for n in names]})


def register(router: Router) -> None:
    """Register the `/v3/database` routes."""
    router.add("POST", r"/v3/database/create/(?P<name>[^/]+)", create_database)
    router.add("GET", "/v3/database/list", list_databases)
