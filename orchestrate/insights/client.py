"""The Treasure Insights reporting API (`/reporting/datamodels…` on the TD API host), safe to retry.

Reads and PUTs go through the HTTP policy's retries. The two writes that are not idempotent, creating
a model and starting a build, are sent with `idempotent=False`: the HTTP layer never repeats them once
they may have reached the server. When such a write gets no usable answer, this client looks up
whether it took effect (a new model with that name, a new build of that model) and adopts what it
finds; only when nothing appeared does it send the write again. Duplicates left by an earlier run
(same name, same creator, never built) are deleted when found, so a publish recovers from them.
See docs/dashboard.md and docs/api_fidelity.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from orchestrate.errors import SegmentAnalyticsError
from orchestrate.http import ApiError, HttpClient, redact

DATAMODELS = "/reporting/datamodels"
FINISHED = {"done", "failed", "canceled", "cancelled"}
DESCRIPTION = "Segment Analytics marts (managed by `segment-analytics publish`)"
# What the HTTP layer raises for a body it cannot decode (unknown charset) or parse (too deep).
UNREADABLE = (LookupError, RecursionError, UnicodeError)
SEND_ATTEMPTS = 3  # sends of one non-idempotent write, each after a look-up found it had not happened
LOOKUP_WAIT = 5.0  # seconds to let a write still in progress on the server land before looking it up

Say = Callable[[str], None]


class PublishError(SegmentAnalyticsError, RuntimeError):
    """Publishing failed; the message says what the API or the warehouse reported and what to do."""


def _oid(entry: dict[str, Any]) -> str:
    return str(entry.get("oid") or entry.get("id") or "")


def _listing(payload: Any, *keys: str) -> list[dict[str, Any]]:
    if isinstance(payload, dict):
        for key in keys:
            if isinstance(payload.get(key), list):
                payload = payload[key]
                break
        else:
            payload = []
    return [entry for entry in payload or [] if isinstance(entry, dict)]


def _oldest(entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return min(entries, key=lambda e: (str(e.get("created_at") or ""), _oid(e)))


def _newest(entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return max(entries, key=lambda e: (str(e.get("created_at") or ""), _oid(e)))


class InsightsApi:
    """One publish's view of the reporting API."""

    def __init__(
        self,
        http: HttpClient,
        *,
        say: Say = print,
        sleep: Callable[[float], None] = time.sleep,
        lookup_wait: float | None = None,
    ) -> None:
        self.http = http
        self.say = say
        self.sleep = sleep
        self.lookup_wait = LOOKUP_WAIT if lookup_wait is None else lookup_wait
        self.unanswered_creates = 0

    # -- plumbing ------------------------------------------------------------------------------
    def _failure(self, error: ApiError, method: str, path: str) -> PublishError:
        if error.status == 403:
            return PublishError(
                f"403 Forbidden on {method} {path}: the key's user has no Treasure Insights access. "
                "Give the user the 'Edit Data Models & Dashboards' Insights role (Control Panel > Users)"
            )
        return PublishError(f"Insights API: {error}")

    def call(self, method: str, path: str, what: str, body: Any = None) -> Any:
        """An idempotent call (GET, PUT, DELETE): retried by the HTTP policy."""
        try:
            return self.http.request(method, path, json_body=body, what=what)
        except ApiError as error:
            raise self._failure(error, method, path) from error
        except UNREADABLE as exc:
            raise PublishError(f"Insights API: the answer to {method} {path} cannot be read "
                               f"({type(exc).__name__}: {redact(exc)[:200]})") from None

    def _send_once(self, path: str, what: str, body: Any) -> tuple[Any, ApiError | None]:
        """POST that is not safe to repeat: (answer, None), or (None, error) when it may have applied."""
        try:
            return self.http.request("POST", path, json_body=body, what=what, idempotent=False), None
        except ApiError as error:
            if not error.may_have_applied:
                raise self._failure(error, "POST", path) from error
            return None, error
        except UNREADABLE as exc:  # the server answered, so it acted: an answer we cannot read is lost
            return None, ApiError(f"POST {path}: unreadable answer ({type(exc).__name__})", may_have_applied=True)

    # -- models --------------------------------------------------------------------------------
    def models_named(self, name: str) -> list[dict[str, Any]]:
        listing = self.call("GET", DATAMODELS, "the list of Insights models")
        return [m for m in _listing(listing, "datamodels", "data") if m.get("name") == name and _oid(m)]

    def find_model(self, name: str, remembered: str | None) -> str | None:
        """The oid of the model called `name`: the remembered one if it still exists, else the only
        match. Duplicates this tool made (same creator, never built) are deleted."""
        matches = self.models_named(name)
        if not matches:
            return None
        oids = [_oid(m) for m in matches]
        if remembered and remembered in oids:
            keep = remembered
        elif len(matches) == 1:
            keep = oids[0]
        else:
            creators = {m.get("created_by") for m in matches}
            built = [m for m in matches if m.get("last_built")]
            if len(creators) != 1 or None in creators or len(built) > 1:
                raise PublishError(
                    f"{len(matches)} Insights models are named {name!r} (oids {', '.join(oids)}): delete the "
                    "extra ones in Treasure Insights or choose another insights.model_name"
                )
            keep = _oid(built[0] if built else _oldest(matches))
            self.say(f"publish: {len(matches)} models are named {name!r}, all made by the same user and at "
                     f"most one ever built: keeping {keep}")
        deleted = self._delete_orphans(matches, keep, since=None)
        others = [o for o in oids if o != keep and o not in deleted]
        if others:
            self.say(f"publish: WARNING: other Insights models are also named {name!r} (oids {', '.join(others)}); "
                     f"publishing to {keep}")
        return keep

    def _delete_orphans(self, matches: list[dict[str, Any]], keep: str, since: set[str] | None) -> set[str]:
        """Delete the never-built models beside `keep` that this tool made: with `since`, those not in
        it (made during this run); without, those with the same creator as `keep`. A description, when
        the listing shows one, must be ours. Returns the oids deleted."""
        deleted: set[str] = set()
        kept = next((m for m in matches if _oid(m) == keep), {})
        creator = kept.get("created_by")
        for model in matches:
            oid = _oid(model)
            if oid == keep or model.get("last_built"):
                continue
            if since is not None:
                if oid in since:
                    continue
            elif not creator or model.get("created_by") != creator:
                continue
            if model.get("description") not in (None, DESCRIPTION):
                continue
            self._delete(oid)
            deleted.add(oid)
            self.say(f"publish: deleted duplicate model {oid} (same name, never built; left by a create whose "
                     "answer was lost)")
        return deleted

    def _delete(self, oid: str) -> None:
        """DELETE a model; a 404 (a retried DELETE whose first answer was lost) means it is gone."""
        path = f"{DATAMODELS}/{oid}"
        try:
            self.http.request("DELETE", path, what=f"duplicate model {oid}")
        except ApiError as error:
            if error.status != 404:
                raise self._failure(error, "DELETE", path) from error

    def create_model(self, payload: dict[str, Any], known: set[str]) -> str:
        """POST the model; after a lost answer, adopt the model it made instead of making another.
        `known`: oids of the models with this name before the first send."""
        name = str(payload["name"])
        what = f"creating model {name!r}"
        last: ApiError | None = None
        for _ in range(SEND_ATTEMPTS):
            created, last = self._send_once(DATAMODELS, what, payload)
            if last is None:
                created = created if isinstance(created, dict) else {}
                oid = _oid(created)
                if not oid or created.get("name") != name:
                    raise PublishError(f"creating model {name!r} returned no model: {redact(created)}")
                return oid
            self.unanswered_creates += 1
            self.say(f"publish: creating model {name!r} got no usable answer; looking up whether it was created")
            self.sleep(self.lookup_wait)
            new = [m for m in self.models_named(name) if _oid(m) not in known]
            if new:
                oid = _oid(_oldest(new))
                self.say(f"publish: it was: model {oid}; not creating it again")
                return oid
            self.say(f"publish: no model {name!r} was created; sending the create again")
        raise PublishError(f"creating model {name!r}: {SEND_ATTEMPTS} attempts got no usable answer and created "
                           f"nothing. Last problem: {last}")

    def tidy_after_create(self, name: str, keep: str, known: set[str]) -> None:
        """After a create whose answer was lost: delete never-built models with this name made during
        this run (a create still running on the server when it was looked up)."""
        if self.unanswered_creates:
            self._delete_orphans(self.models_named(name), keep, since=known | {keep})

    def update_model(self, oid: str, body: dict[str, Any]) -> None:
        self.call("PUT", f"{DATAMODELS}/{oid}", f"model {oid}", body)

    def share_model(self, oid: str, emails: Sequence[str]) -> None:
        """PUT the full list of users the model is shared with (the API replaces the list)."""
        try:
            self.http.request("PUT", f"{DATAMODELS}/{oid}/shares", json_body={"emails": list(emails)},
                              what=f"sharing model {oid}")
        except ApiError as error:
            if error.status == 403:
                raise PublishError(f"403 Forbidden sharing model {oid}: the key's user may not share Insights "
                                   "models") from error
            raise PublishError(
                f"sharing the model with {', '.join(emails)} failed: {error}. Every address must belong to a TD "
                "user with a Treasure Insights role; fix insights.shared_users"
            ) from error

    # -- builds --------------------------------------------------------------------------------
    def builds(self, oid: str) -> list[dict[str, Any]]:
        listing = self.call("GET", f"{DATAMODELS}/{oid}/builds", f"the builds of model {oid}")
        return [b for b in _listing(listing, "builds", "data") if _oid(b)]

    def start_build(self, oid: str) -> dict[str, Any]:
        """POST a full build; after a lost answer, adopt the build it started instead of starting another."""
        path = f"{DATAMODELS}/{oid}/builds"
        what = f"a build of model {oid}"
        known = {_oid(b) for b in self.builds(oid)}
        last: ApiError | None = None
        for _ in range(SEND_ATTEMPTS):
            started, last = self._send_once(path, what, {"buildType": "full"})
            if last is None:
                started = started if isinstance(started, dict) else {}
                if not _oid(started):
                    raise PublishError(f"the build request for model {oid} returned no build id: {redact(started)}")
                return started
            self.say(f"publish: starting a build of model {oid} got no usable answer; looking up whether it started")
            self.sleep(self.lookup_wait)
            new = [b for b in self.builds(oid) if _oid(b) not in known]
            if new:
                build = _newest(new)
                self.say(f"publish: it did: build {_oid(build)}; not starting another")
                return build
            self.say(f"publish: no build of model {oid} started; sending the request again")
        raise PublishError(f"starting a build of model {oid}: {SEND_ATTEMPTS} attempts got no usable answer and "
                           f"started nothing. Last problem: {last}")

    def run_build(
        self,
        oid: str,
        *,
        poll_interval: float,
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> tuple[str, str]:
        """Start a full build and poll it until it finishes; (build oid, final status)."""
        started = self.start_build(oid)
        build_oid = _oid(started)
        deadline = clock() + timeout
        info: dict[str, Any] = started
        status = str(started.get("status") or "pending")
        last = ""
        wait = min(1.0, poll_interval)
        while status.lower() not in FINISHED:
            if clock() > deadline:
                raise PublishError(
                    f"build {build_oid} of model {oid} still {status!r} after {timeout:.0f}s; check it in Treasure "
                    "Insights (it keeps running there)"
                )
            # Short builds are seen finishing quickly; long ones are polled every `poll_interval` seconds.
            sleep(wait)
            wait = min(poll_interval, wait * 2)
            answer = self.call("GET", f"{DATAMODELS}/{oid}/builds/{build_oid}", f"build {build_oid}")
            info = answer if isinstance(answer, dict) else {}
            status = str(info.get("status") or "unknown")
            if status != last:
                self.say(f"publish: build {build_oid}: {status}")
                last = status
        if status.lower() != "done":
            detail = info.get("error") or info.get("message") or info.get("errorMessage") or "no detail given"
            raise PublishError(f"build {build_oid} of model {oid} {status}: {redact(detail)}")
        return build_oid, status
