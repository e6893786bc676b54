"""Fake Treasure Insights reporting API (`/reporting/datamodels…`, on the TD API host).

Shapes follow shared/reference/cdp_api.md §9 (no OpenAPI spec exists for it): models are listed with
`name, oid, created_by, updated_by, last_updated, last_built, status, created_at`; names are NOT unique
(the real service allows duplicates, which is why clients must find a model by name and remember its
oid); shares are a full replacement list of e-mails of users holding an Insights role; builds go
`pending -> building -> done | failed`. Where the real behaviour is unknown the choice is documented
here: unknown share users get `400 {"error": ...}` naming them; a key without Insights access gets 403.

The model's own key (`apikey`), after TD's docs ("Replacing the API Key for Data Models": a model is
built with the key stored in it, rotated by `PUT …/{oid}` with `{"datamodel": {"apikey": …}}`):
- a create stores `apikey` apart from the definition (GET never shows it). A create without one is
  accepted and its builds fail with an authorization error (`missing_apikey = "build_fails"`, the
  default), or is refused with 400 (`missing_apikey = "rejected"`): which one the real service does
  is unknown, every public example sends a key;
- a build fails when the model's key is not one the account accepts (`FakeState.accepted_keys`);
- an update takes the model's fields under a `datamodel` key (`description`, `apikey`, `datasets`,
  `relations`, `name`); other top-level fields get 400 (the real service's reaction to them is unknown:
  probably ignored, which would silently change nothing, so the fake makes the mistake visible).

Register with `FakeApiServer(route_modules=[..., "segment_analytics_sandbox.fake_api.insights_routes"])` or
`register_default_route_module("segment_analytics_sandbox.fake_api.insights_routes")`; configure through
`insights_state(server.state)`.
"""

from __future__ import annotations

import copy
import threading
import uuid
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from segment_analytics_sandbox.fake_api.server import Reply, RequestContext, Router

COLUMN_TYPES = {"text", "int", "bigint", "float", "timestamp", "date", "datetime"}
MODEL_TYPES = {"elasticube", "live"}
_OID = r"(?P<oid>[0-9a-f-]{36})"
_BUILD = r"(?P<build>[0-9a-f-]{36})"


@dataclass
class FakeBuild:
    oid: str
    model_oid: str
    status: str = "pending"
    polls: int = 0
    outcome: str = "done"
    error: str | None = None
    created_at: str = ""


@dataclass
class FakeModel:
    oid: str
    name: str
    body: dict[str, Any]
    created_by: str
    created_at: str
    updated_by: str
    last_updated: str
    last_built: str | None = None
    status: str = "created"
    shared_with: list[str] = field(default_factory=list)
    apikey: str | None = None  # the model's own key; never shown by the API

    def summary(self) -> dict[str, Any]:
        return {
            "oid": self.oid, "name": self.name, "type": self.body.get("type", "elasticube"),
            "created_by": self.created_by, "updated_by": self.updated_by, "created_at": self.created_at,
            "last_updated": self.last_updated, "last_built": self.last_built, "status": self.status,
        }


@dataclass
class InsightsState:
    """The fake's reporting data and knobs."""

    models: dict[str, FakeModel] = field(default_factory=dict)
    builds: dict[str, FakeBuild] = field(default_factory=dict)
    # E-mails of TD users holding an Insights role; None = every address is accepted.
    insights_users: set[str] | None = None
    # Keys (the text after "TD1 ") without Insights access: 403.
    denied_keys: set[str] = field(default_factory=set)
    # How the next builds end: "done" or "failed", after this many status polls.
    build_outcome: str = "done"
    build_failure_message: str = "Build failed: table segment_analytics_ps_stats: Access denied for the model's key"
    polls_until_finished: int = 2
    requests_with_apikey: int = 0
    # What a create without `apikey` does: "build_fails" (accepted; builds fail) or "rejected" (400).
    missing_apikey: str = "build_fails"
    no_key_message: str = "Build failed: the data model has no TD API key to read its tables with"
    bad_key_message: str = "Build failed: the data model's TD API key is invalid (401 from TD)"

    def add_model(self, name: str, body: dict[str, Any] | None = None, user: str = "someone@example.com") -> FakeModel:
        now = _now()
        model = FakeModel(str(uuid.uuid4()), name, body or {"name": name, "type": "elasticube"}, user, now, user, now)
        self.models[model.oid] = model
        return model

    def models_named(self, name: str) -> list[FakeModel]:
        return [m for m in self.models.values() if m.name == name]


_STATES: weakref.WeakKeyDictionary[Any, InsightsState] = weakref.WeakKeyDictionary()
_STATES_LOCK = threading.Lock()


def insights_state(fake_state: Any) -> InsightsState:
    """The Insights state attached to a fake server's state object (created on first use)."""
    with _STATES_LOCK:
        found = _STATES.get(fake_state)
        if found is None:
            found = _STATES[fake_state] = InsightsState()
        return found


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _error(status: int, message: str) -> Reply:
    return Reply(status, {"error": message, "status": status})


def _caller(ctx: RequestContext) -> str:
    return "api-user@example.com"


def _denied(ctx: RequestContext, state: InsightsState) -> Reply | None:
    key = ctx.headers.get("authorization", "")[4:].strip()
    if key in state.denied_keys:
        return _error(403, "API key user does not have access to Insights API")
    return None


def _validate_model(body: Any, *, partial: bool) -> str | None:
    """A problem with a create/update body, or None."""
    if not isinstance(body, dict):
        return "request body must be a JSON object"
    if not partial and not (isinstance(body.get("name"), str) and body["name"].strip()):
        return "name is required"
    if "type" in body and body["type"] not in MODEL_TYPES:
        return f"type must be one of {sorted(MODEL_TYPES)}"
    datamodel = body.get("datamodel")
    if datamodel is None:
        return None if partial else "datamodel is required"
    datasets = datamodel.get("datasets") if isinstance(datamodel, dict) else None
    if not isinstance(datasets, dict) or not datasets:
        return "datamodel.datasets must be a non-empty object"
    known: set[tuple[str, str, str]] = set()
    for ds_name, dataset in datasets.items():
        if not isinstance(dataset, dict) or dataset.get("type") != "presto" or not dataset.get("database"):
            return f"datamodel.datasets.{ds_name} needs type presto and a database"
        tables = dataset.get("tables")
        if not isinstance(tables, dict) or not tables:
            return f"datamodel.datasets.{ds_name}.tables must be a non-empty object"
        for table, spec in tables.items():
            columns = spec.get("columns") if isinstance(spec, dict) else None
            if not isinstance(columns, dict) or not columns:
                return f"datamodel.datasets.{ds_name}.tables.{table}.columns must be a non-empty object"
            for column, col_spec in columns.items():
                kind = col_spec.get("type") if isinstance(col_spec, dict) else None
                if kind not in COLUMN_TYPES:
                    return f"unknown column type {kind!r} for {table}.{column}"
                known.add((ds_name, table, column))
    for index, relation in enumerate(datamodel.get("relations") or []):
        if not isinstance(relation, list) or len(relation) < 2:
            return f"datamodel.relations[{index}] must list at least two columns"
        for end in relation:
            if not isinstance(end, dict) or (end.get("dataset"), end.get("table"), end.get("column")) not in known:
                return f"datamodel.relations[{index}] refers to an unknown column {end!r}"
    return None


def list_models(ctx: RequestContext) -> Reply:
    state = insights_state(ctx.state)
    if (denied := _denied(ctx, state)) is not None:
        return denied
    return Reply(200, [m.summary() for m in state.models.values()])


def create_model(ctx: RequestContext) -> Reply:
    state = insights_state(ctx.state)
    if (denied := _denied(ctx, state)) is not None:
        return denied
    body = ctx.json()
    problem = _validate_model(body, partial=False)
    if problem:
        return _error(400, problem)
    apikey = body.get("apikey")
    if "apikey" in body:
        state.requests_with_apikey += 1
    if apikey is not None and not (isinstance(apikey, str) and apikey.strip()):
        return _error(400, "apikey must be a non-empty string")
    if apikey is None and state.missing_apikey == "rejected":
        return _error(400, "apikey is required")
    users = body.get("shared_users") or []
    unknown = _unknown_users(state, users)
    if unknown:
        return _error(400, f"Users not found or without a Treasure Insights role: {', '.join(unknown)}")
    stored = {k: copy.deepcopy(v) for k, v in body.items() if k != "apikey"}
    model = state.add_model(body["name"].strip(), stored, _caller(ctx))
    model.apikey = apikey
    model.shared_with = list(users)
    return Reply(201, model.summary())


def _model(ctx: RequestContext) -> tuple[InsightsState, FakeModel | None, Reply | None]:
    state = insights_state(ctx.state)
    denied = _denied(ctx, state)
    if denied is not None:
        return state, None, denied
    model = state.models.get(ctx.params["oid"])
    if model is None:
        return state, None, _error(404, f"Datamodel {ctx.params['oid']} not found")
    return state, model, None


def get_model(ctx: RequestContext) -> Reply:
    _, model, problem = _model(ctx)
    if problem or model is None:
        return problem or _error(404, "not found")
    detail = model.summary()
    detail["datamodel"] = copy.deepcopy(model.body.get("datamodel"))
    detail["shared_users"] = list(model.shared_with)
    return Reply(200, detail)


UPDATE_FIELDS = {"name", "description", "apikey", "datasets", "relations"}


def update_model(ctx: RequestContext) -> Reply:
    state, model, problem = _model(ctx)
    if problem or model is None:
        return problem or _error(404, "not found")
    body = ctx.json()
    if not isinstance(body, dict) or set(body) != {"datamodel"} or not isinstance(body["datamodel"], dict):
        extra = sorted(set(body) - {"datamodel"}) if isinstance(body, dict) else []
        return _error(400, "the fields to update go under a \"datamodel\" key"
                      + (f"; unexpected top-level fields: {', '.join(extra)}" if extra else ""))
    fields = body["datamodel"]
    unknown = sorted(set(fields) - UPDATE_FIELDS)
    if unknown:
        return _error(400, f"unknown datamodel fields: {', '.join(unknown)}")
    definition = {k: fields[k] for k in ("datasets", "relations") if k in fields}
    if definition:
        merged = {**(model.body.get("datamodel") or {}), **definition}
        error = _validate_model({"datamodel": merged}, partial=True)
        if error:
            return _error(400, error)
        model.body["datamodel"] = copy.deepcopy(merged)
    if "apikey" in fields:
        state.requests_with_apikey += 1
        if not (isinstance(fields["apikey"], str) and fields["apikey"].strip()):
            return _error(400, "apikey must be a non-empty string")
        model.apikey = fields["apikey"]
    if isinstance(fields.get("name"), str) and fields["name"].strip():
        model.name = fields["name"].strip()
        model.body["name"] = model.name
    if "description" in fields:
        model.body["description"] = fields["description"]
    model.updated_by = _caller(ctx)
    model.last_updated = _now()
    detail = model.summary()
    detail["relations"] = copy.deepcopy((model.body.get("datamodel") or {}).get("relations") or [])
    return Reply(200, detail)


def delete_model(ctx: RequestContext) -> Reply:
    state, model, problem = _model(ctx)
    if problem or model is None:
        return problem or _error(404, "not found")
    del state.models[model.oid]
    return Reply(204, None)


def _unknown_users(state: InsightsState, emails: list[Any]) -> list[str]:
    if state.insights_users is None:
        return [str(e) for e in emails if not isinstance(e, str) or "@" not in e]
    return [str(e) for e in emails if e not in state.insights_users]


def share_model(ctx: RequestContext) -> Reply:
    state, model, problem = _model(ctx)
    if problem or model is None:
        return problem or _error(404, "not found")
    body = ctx.json()
    emails = body.get("emails") if isinstance(body, dict) else None
    if not isinstance(emails, list):
        return _error(400, "emails must be a list of e-mail addresses")
    unknown = _unknown_users(state, emails)
    if unknown:
        return _error(400, f"Users not found or without a Treasure Insights role: {', '.join(unknown)}")
    model.shared_with = list(emails)
    return Reply(200, {"oid": model.oid, "emails": list(emails)})


def start_build(ctx: RequestContext) -> Reply:
    state, model, problem = _model(ctx)
    if problem or model is None:
        return problem or _error(404, "not found")
    body = ctx.json() or {}
    build_type = body.get("buildType") if isinstance(body, dict) else None
    if build_type not in ("full", "schema_changes", "by_table"):
        return _error(400, "buildType must be full, schema_changes or by_table")
    build = FakeBuild(str(uuid.uuid4()), model.oid, outcome=state.build_outcome, created_at=_now())
    accepted = getattr(ctx.state, "accepted_keys", None)
    if model.apikey is None:
        build.outcome, build.error = "failed", state.no_key_message
    elif accepted is not None and model.apikey not in accepted:
        build.outcome, build.error = "failed", state.bad_key_message
    elif build.outcome == "failed":
        build.error = state.build_failure_message
    state.builds[build.oid] = build
    model.status = "building"
    return Reply(201, {"oid": build.oid, "datamodel_oid": model.oid, "status": build.status,
                       "buildType": build_type, "created_at": build.created_at})


def _build_view(build: FakeBuild) -> dict[str, Any]:
    view: dict[str, Any] = {"oid": build.oid, "datamodel_oid": build.model_oid, "status": build.status,
                            "created_at": build.created_at}
    if build.error and build.status == "failed":
        view["error"] = build.error
    return view


def get_build(ctx: RequestContext) -> Reply:
    state, model, problem = _model(ctx)
    if problem or model is None:
        return problem or _error(404, "not found")
    build = state.builds.get(ctx.params["build"])
    if build is None or build.model_oid != model.oid:
        return _error(404, f"Build {ctx.params['build']} not found")
    if build.status not in ("done", "failed"):
        build.polls += 1
        if build.polls >= state.polls_until_finished:
            build.status = build.outcome
            model.status = build.outcome
            if build.outcome == "done":
                model.last_built = _now()
        else:
            build.status = "building"
    return Reply(200, _build_view(build))


def list_builds(ctx: RequestContext) -> Reply:
    state, model, problem = _model(ctx)
    if problem or model is None:
        return problem or _error(404, "not found")
    return Reply(200, [_build_view(b) for b in state.builds.values() if b.model_oid == model.oid])


def register(router: Router) -> None:
    """Register the `/reporting/datamodels` routes."""
    base = "/reporting/datamodels"
    router.add("GET", base, list_models)
    router.add("POST", base, create_model)
    router.add("GET", f"{base}/{_OID}", get_model)
    router.add("PUT", f"{base}/{_OID}", update_model)
    router.add("DELETE", f"{base}/{_OID}", delete_model)
    router.add("PUT", f"{base}/{_OID}/shares", share_model)
    router.add("POST", f"{base}/{_OID}/builds", start_build)
    router.add("GET", f"{base}/{_OID}/builds", list_builds)
    router.add("GET", f"{base}/{_OID}/builds/{_BUILD}", get_build)
