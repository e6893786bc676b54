"""A dbt target's warehouse credentials, read the way dbt's adapters read them.

One mapping serves the landing writers (`pull`) and the read connection (`report`, `rules`,
`publish`, `doctor`), so the shim reaches the warehouse exactly as `dbt build` does:

- trino (dbt-trino): every auth `method` of dbt-trino's credentials classes — `none`, `ldap`
  (user + password), `kerberos`, `gssapi`, `jwt`, `certificate`, `oauth`, `oauth_console` — becomes
  the trino client's auth object with the same fields; plus `port`, `http_scheme` (https for every
  method but `none`, as dbt-trino does), `cert` (the TLS check: a CA bundle path, or false; unset,
  server certificates are checked against the system's CAs — stricter than dbt-trino, which checks
  them only with `require_certificate_validation` or `cert: true`),
  `session_properties`, `roles`, `client_tags`, `http_headers`, `timezone`, `retries`,
  `impersonation_user`. `catalog` is dbt-trino's alias of `database`.
- duckdb (dbt-duckdb): `path` and `settings` (DuckDB configuration options).

Secrets (a password, a JWT, a header that authenticates, a Treasure Data key used as the user) are
registered for redaction before any connection is made; the parameters' repr never shows them.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from orchestrate.http import register_secret
from orchestrate.warehouse.base import TargetError
from orchestrate.warehouse.td_mode import is_td_host

TRINO_METHODS = ("none", "ldap", "kerberos", "gssapi", "jwt", "certificate", "oauth", "oauth_console")
SOURCE = "segment-analytics"
_REQUIRED = {  # fields dbt-trino's credentials class of each method has no default for
    "ldap": ("user", "password"),
    "kerberos": ("user",),
    "gssapi": ("user",),
    "jwt": ("jwt_token",),
    "certificate": ("client_certificate", "client_private_key"),
}
_GSSAPI_MUTUAL = {"REQUIRED": 1, "OPTIONAL": 2, "DISABLED": 3}
_SECRET_HEADER_WORDS = ("auth", "token", "key", "secret", "password", "credential", "cookie")
_OAUTH: dict[str, Any] = {}  # one OAuth2 authentication per method: its token cache outlives a connection
_OAUTH_LOCK = threading.Lock()


@dataclass(frozen=True)
class TrinoParams:
    """Everything `trino.dbapi.connect` needs for one dbt trino target."""

    host: str
    port: int
    user: str | None
    catalog: str
    schema: str
    method: str = "none"
    http_scheme: str = "http"
    auth: Any = field(default=None, repr=False)
    verify: bool | str = True
    session_properties: dict[str, Any] = field(default_factory=dict)
    roles: dict[str, str] | None = None
    client_tags: list[str] | None = None
    http_headers: dict[str, str] | None = field(default=None, repr=False)
    timezone: str | None = None
    max_attempts: int | None = None
    keytab: str | None = None

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of `trino.dbapi.connect` (autocommit, like dbt-trino)."""
        from trino.transaction import IsolationLevel

        kwargs: dict[str, Any] = {
            "host": self.host, "port": self.port, "user": self.user, "catalog": self.catalog,
            "schema": self.schema, "http_scheme": self.http_scheme, "auth": self.auth, "verify": self.verify,
            "session_properties": dict(self.session_properties), "roles": self.roles,
            "client_tags": self.client_tags, "http_headers": self.http_headers, "timezone": self.timezone,
            "source": SOURCE, "isolation_level": IsolationLevel.AUTOCOMMIT,
        }
        if self.max_attempts is not None:
            kwargs["max_attempts"] = self.max_attempts
        return kwargs

    def connect(self) -> Any:
        """A DB-API connection to the target (nothing is sent until the first statement)."""
        import trino.dbapi

        if self.keytab:  # what dbt-trino does for a kerberos keytab
            os.environ["KRB5_CLIENT_KTNAME"] = self.keytab
        return trino.dbapi.connect(**self.connect_kwargs(), http_session=self._http_session())

    def _http_session(self) -> Any:
        """With a `cert` (a CA bundle, or false), a session that keeps it: `requests` would otherwise
        replace it on every request by $REQUESTS_CA_BUNDLE / $CURL_CA_BUNDLE when they are set."""
        if self.verify is True:
            return None
        import requests

        session = requests.Session()
        session.verify = self.verify
        session.proxies.update(requests.utils.get_environ_proxies(f"{self.http_scheme}://{self.host}:{self.port}"))
        session.trust_env = False
        return session


@dataclass(frozen=True)
class DuckDbParams:
    """The DuckDB file of a dbt duckdb target and the settings dbt-duckdb applies to it."""

    path: str
    schema: str = "main"
    settings: dict[str, Any] = field(default_factory=dict)

    def connect(self, *, read_only: bool = False) -> Any:
        """A connection with the target's settings applied (`SET`, as dbt-duckdb applies them, so a
        connection already open on the same file in this process is not refused for its config)."""
        import duckdb

        conn = duckdb.connect(self.path, read_only=read_only)
        try:
            for name, value in self.settings.items():
                if not _SETTING_NAME.fullmatch(str(name)):
                    raise TargetError(f"duckdb `settings`: {name!r} is not a setting name")
                conn.execute(f"set {name} = {_duck_literal(value)}")
        except duckdb.Error as exc:
            conn.close()
            raise TargetError(f"duckdb `settings`: {exc}") from None
        except TargetError:
            conn.close()
            raise
        return conn


_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _duck_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _where(profile: dict[str, Any]) -> str:
    name = profile.get("target_name")
    return f"target {name!r}" if name else "the dbt target"


def _text(profile: dict[str, Any], key: str) -> str | None:
    value = profile.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _flag(profile: dict[str, Any], key: str, default: bool) -> bool:
    value = profile.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise TargetError(f"{_where(profile)}: `{key}` is {value!r}; use true or false")


def _mapping(profile: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = profile.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TargetError(f"{_where(profile)}: `{key}` must be a mapping, not {type(value).__name__}")
    return dict(value)


def _port(profile: dict[str, Any], https: bool) -> int:
    value = profile.get("port")
    if value is None or str(value).strip() == "":
        return 443 if https else 8080
    try:
        port = int(str(value).strip())
    except ValueError:
        raise TargetError(f"{_where(profile)}: `port` is {value!r}, not a number") from None
    if not 0 < port < 65536:
        raise TargetError(f"{_where(profile)}: `port` {port} is out of range 1-65535")
    return port


def _verify(profile: dict[str, Any]) -> bool | str:
    """`cert`: a CA bundle path, or true/false. Unset: certificates are checked."""
    value = profile.get("cert")
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def _oauth(method: str) -> Any:
    import trino.auth

    with _OAUTH_LOCK:
        if method not in _OAUTH:
            handler = (trino.auth.ConsoleRedirectHandler() if method == "oauth_console"
                       else trino.auth.WebBrowserRedirectHandler())
            _OAUTH[method] = trino.auth.OAuth2Authentication(redirect_auth_url_handler=handler)  # type: ignore[arg-type]
        return _OAUTH[method]


def trino_auth(profile: dict[str, Any], method: str) -> Any:
    """The trino client auth object of a dbt-trino `method`, built from the same fields dbt reads."""
    import trino.auth

    missing = [k for k in _REQUIRED.get(method, ()) if _text(profile, k) is None]
    if missing:
        fields = ", ".join(f"`{k}`" for k in missing)
        raise TargetError(f"{_where(profile)}: method {method} needs {fields} in profiles.yml")
    if method == "none":
        return None
    if method == "ldap":
        return trino.auth.BasicAuthentication(username=str(profile["user"]), password=str(profile["password"]))
    if method == "jwt":
        return trino.auth.JWTAuthentication(str(profile["jwt_token"]))
    if method == "certificate":
        return trino.auth.CertificateAuthentication(str(profile["client_certificate"]),
                                                    str(profile["client_private_key"]))
    if method == "kerberos":
        return trino.auth.KerberosAuthentication(
            config=_text(profile, "krb5_config"), service_name=_text(profile, "service_name") or "trino",
            principal=_text(profile, "principal"),
            mutual_authentication=_flag(profile, "mutual_authentication", False),
            ca_bundle=profile.get("cert"), force_preemptive=_flag(profile, "force_preemptive", False),
            hostname_override=_text(profile, "hostname_override"),
            sanitize_mutual_error_response=_flag(profile, "sanitize_mutual_error_response", True),
            delegate=_flag(profile, "delegate", False),
        )
    if method == "gssapi":
        mutual = str(profile.get("mutual_authentication") or "DISABLED").upper()
        if mutual not in _GSSAPI_MUTUAL:
            raise TargetError(f"{_where(profile)}: `mutual_authentication` is {mutual!r}; "
                              "use REQUIRED, OPTIONAL or DISABLED")
        return trino.auth.GSSAPIAuthentication(
            config=_text(profile, "krb5_config"), service_name=_text(profile, "service_name"),
            mutual_authentication=_GSSAPI_MUTUAL[mutual], force_preemptive=_flag(profile, "force_preemptive", False),
            hostname_override=_text(profile, "hostname_override"),
            sanitize_mutual_error_response=_flag(profile, "sanitize_mutual_error_response", True),
            principal=_text(profile, "principal"), delegate=_flag(profile, "delegate", False),
            ca_bundle=profile.get("cert"),
        )
    return _oauth(method)  # oauth, oauth_console


def _register_secrets(profile: dict[str, Any], host: str, method: str) -> None:
    for key in ("password", "jwt_token"):
        value = _text(profile, key)
        if value and (method != "none" or len(value) >= 8):  # `password: dummy` of TD's method none is no secret
            register_secret(value)
    for name, value in (_mapping(profile, "http_headers") or {}).items():
        if any(word in str(name).lower() for word in _SECRET_HEADER_WORDS):
            register_secret(str(value))
    user = _text(profile, "user")
    if user and (is_td_host(host) or "/" in user):  # a Treasure Data API key as the Trino user
        register_secret(user)
    register_secret(os.environ.get("TD_API_KEY"))


def trino_params(profile: dict[str, Any], schema: str | None = None) -> TrinoParams:
    """TrinoParams for a rendered dbt trino output (`schema` overrides the output's schema)."""
    method = str(profile.get("method") or "none").strip().lower()
    if method not in TRINO_METHODS:
        raise TargetError(f"{_where(profile)}: `method` {profile.get('method')!r} is not a dbt-trino auth method; "
                          f"use one of {', '.join(TRINO_METHODS)}")
    host = _text(profile, "host")
    catalog = _text(profile, "database") or _text(profile, "catalog")
    schema = schema or _text(profile, "schema")
    missing = [k for k, v in (("host", host), ("database", catalog), ("schema", schema)) if not v]
    if missing:
        raise TargetError(f"{_where(profile)}: {', '.join(missing)} required in profiles.yml (trino target)")
    assert host and catalog and schema
    _register_secrets(profile, host, method)
    scheme = str(profile.get("http_scheme") or "http").strip().lower() if method == "none" else "https"
    if scheme not in ("http", "https"):
        raise TargetError(f"{_where(profile)}: `http_scheme` is {scheme!r}; use http or https")
    user = _text(profile, "impersonation_user") or _text(profile, "user")
    if method == "none" and not user:
        user = "segment_analytics"
    retries = profile.get("retries")
    session = _mapping(profile, "session_properties") or {}
    tags = profile.get("client_tags")
    return TrinoParams(
        host=host, port=_port(profile, scheme == "https"), user=user, catalog=catalog, schema=schema, method=method,
        http_scheme=scheme, auth=trino_auth(profile, method), verify=_verify(profile), session_properties=session,
        roles=_mapping(profile, "roles"), client_tags=list(tags) if isinstance(tags, list) else None,
        http_headers=_mapping(profile, "http_headers"), timezone=_text(profile, "timezone"),
        max_attempts=int(retries) if retries is not None else None,
        keytab=_text(profile, "keytab") if method == "kerberos" else None,
    )


def duckdb_params(profile: dict[str, Any], schema: str | None = None) -> DuckDbParams:
    """DuckDbParams for a rendered dbt duckdb output."""
    path = _text(profile, "path")
    if not path:
        raise TargetError(f"{_where(profile)}: duckdb target: `path` is missing; set it in profiles.yml")
    if path == ":memory:":
        raise TargetError(f"{_where(profile)}: duckdb `path` is :memory:, which no other process can read; "
                          "set a file path in profiles.yml")
    settings = _mapping(profile, "settings") or {}
    return DuckDbParams(path=path, schema=schema or _text(profile, "schema") or "main", settings=settings)
