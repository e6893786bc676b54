"""The shim reaches the warehouse with the credentials dbt uses: every dbt-trino auth method maps to
the trino client auth object dbt-trino itself builds (compared with the installed dbt-trino's own
`trino_auth()`), with the same connection fields; secrets are registered for redaction and shown by
no repr, log line or error; bad fields are errors naming the field. DuckDB: path and settings."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb
import pytest
import trino.auth
from dbt.adapters.trino.connections import TrinoCredentialsFactory

from orchestrate.http import redact
from orchestrate.warehouse import for_target
from orchestrate.warehouse.base import TargetError
from orchestrate.warehouse.connect import connect
from orchestrate.warehouse.credentials import TRINO_METHODS, duckdb_params, trino_params
from orchestrate.warehouse.td import TdLandingWriter
from orchestrate.warehouse.trino import TrinoLandingWriter

PASSWORD = "ldap-FAKE-password-5e1f"
JWT = "eyJFAKE.jwt-token-for-tests.7c2b"
BASE = {"type": "trino", "host": "trino.example.internal", "port": 8443, "database": "hive", "schema": "analytics",
        "target_name": "prod"}

METHOD_FIELDS: dict[str, dict[str, Any]] = {
    "none": {"user": "etl", "http_scheme": "http", "port": 8080},
    "ldap": {"user": "alice", "password": PASSWORD, "impersonation_user": "etl_service"},
    "kerberos": {"user": "alice", "keytab": "/etc/alice.keytab", "principal": "alice@EXAMPLE.COM",
                 "krb5_config": "/etc/krb5.conf", "service_name": "presto", "mutual_authentication": True,
                 "cert": "/etc/ca.pem", "force_preemptive": True, "hostname_override": "trino.internal",
                 "sanitize_mutual_error_response": False, "delegate": True},
    "gssapi": {"user": "alice", "principal": "alice@EXAMPLE.COM", "krb5_config": "/etc/krb5.conf",
               "service_name": "trino", "mutual_authentication": "optional", "delegate": True},
    "jwt": {"jwt_token": JWT, "user": "alice"},
    "certificate": {"client_certificate": "/etc/client.pem", "client_private_key": "/etc/client.key"},
    "oauth": {"user": "alice"},
    "oauth_console": {"user": "alice"},
}


def _dbt_credentials(profile: dict[str, Any]) -> Any:
    """What dbt-trino builds from the same profile output."""
    data = {k: v for k, v in profile.items() if k not in ("type", "target_name", "threads")}
    data = TrinoCredentialsFactory.translate_aliases(data)
    return TrinoCredentialsFactory.from_dict(data)


@pytest.mark.parametrize("method", TRINO_METHODS)
def test_each_auth_method_maps_to_the_auth_object_dbt_trino_builds(method: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KRB5_CLIENT_KTNAME", raising=False)
    profile = {**BASE, "method": method, **METHOD_FIELDS[method],
               "session_properties": {"query_max_run_time": "1h"}, "roles": {"hive": "admin"},
               "client_tags": ["nightly"], "timezone": "UTC", "retries": 4}
    params = trino_params(profile)
    dbt = _dbt_credentials(profile)
    ours, theirs = params.auth, dbt.trino_auth()
    if method in ("oauth", "oauth_console"):  # one shared OAuth2 object per method (token cache), like dbt-trino
        assert type(ours) is type(theirs) is trino.auth.OAuth2Authentication
        handler = (trino.auth.ConsoleRedirectHandler if method == "oauth_console"
                   else trino.auth.WebBrowserRedirectHandler)
        assert isinstance(ours._redirect_auth_url, handler)
        assert trino_params(profile).auth is ours
    elif method == "gssapi":
        assert type(ours) is type(theirs) is trino.auth.GSSAPIAuthentication
        assert vars(ours) == vars(theirs)
    else:
        assert ours == theirs  # trino's auth classes compare field by field
    # the connection fields dbt-trino's connection manager passes to trino.dbapi.connect
    assert params.http_scheme == dbt.http_scheme.value
    assert (params.host, params.port, params.catalog, params.schema) == (dbt.host, dbt.port, dbt.database, dbt.schema)
    assert params.user == (getattr(dbt, "impersonation_user", None) or dbt.user)
    assert params.session_properties == dbt.session_properties == {"query_max_run_time": "1h"}
    assert (params.roles, params.client_tags, params.timezone, params.max_attempts) == (
        dbt.roles, dbt.client_tags, dbt.timezone, dbt.retries)
    kwargs = params.connect_kwargs()
    assert kwargs["auth"] is ours and kwargs["session_properties"] == {"query_max_run_time": "1h"}
    assert kwargs["source"] == "segment-analytics"


def test_ldap_password_and_jwt_are_secrets_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ldap = trino_params({**BASE, "method": "ldap", "user": "alice", "password": PASSWORD})
    jwt = trino_params({**BASE, "method": "jwt", "jwt_token": JWT,
                        "http_headers": {"X-Proxy-Authorization": "proxy-FAKE-token-91ab", "X-Team": "growth"}})
    for text in (repr(ldap), repr(jwt), repr(TrinoLandingWriter.from_params(ldap)), caplog.text):
        assert PASSWORD not in text and JWT not in text and "proxy-FAKE-token-91ab" not in text
    assert redact(f"login {PASSWORD} with {JWT} via proxy-FAKE-token-91ab") == "login *** with *** via ***"
    assert redact("X-Team: growth") == "X-Team: growth"  # a header that does not authenticate is no secret


def test_td_key_as_user_is_a_secret_and_the_td_writer_uses_the_targets_connection(
        monkeypatch: pytest.MonkeyPatch) -> None:
    key = "9191/td-FAKE-credentials-test-4d2e"
    monkeypatch.delenv("TD_API_KEY", raising=False)
    profile = {"type": "trino", "method": "none", "user": key, "password": "dummy",
               "host": "api-presto.eu01.treasuredata.com", "port": 443, "http_scheme": "https", "database": "td",
               "schema": "sa", "session_properties": {"query_max_run_time": "1h"}, "target_name": "prod"}
    writer = for_target(profile)
    assert isinstance(writer, TdLandingWriter)
    assert writer.endpoint == "https://api.eu01.treasuredata.com"
    assert writer.params.user == key and writer.params.auth is None and writer.params.http_scheme == "https"
    assert writer.params.session_properties == {"query_max_run_time": "1h"}  # the profile's, as dbt sends it
    assert key not in repr(writer) and redact(f"user {key}") == "user ***"
    assert redact("dummy") == "dummy"  # TD's placeholder password is not registered


def test_the_landing_writer_and_the_read_connection_use_one_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []

    class FakeConnection:
        def close(self) -> None:
            pass

    def fake_connect(**kwargs: Any) -> FakeConnection:
        seen.append(kwargs)
        return FakeConnection()

    monkeypatch.setattr(trino.dbapi, "connect", fake_connect)
    profile = {**BASE, "method": "ldap", "user": "alice", "password": PASSWORD, "cert": "/etc/ca.pem",
               "session_properties": {"query_max_run_time": "2h"}}
    with connect(profile):
        pass
    writer = for_target(profile, landing_schema="landing")
    assert isinstance(writer, TrinoLandingWriter)
    writer._connection()
    read, write = seen
    assert read["auth"] == write["auth"] == trino.auth.BasicAuthentication("alice", PASSWORD)
    assert read["verify"] == write["verify"] == "/etc/ca.pem"
    assert read["http_scheme"] == write["http_scheme"] == "https"
    assert (read["schema"], write["schema"]) == ("analytics", "landing")
    assert read["http_session"].verify == write["http_session"].verify == "/etc/ca.pem"  # not $REQUESTS_CA_BUNDLE
    assert not read["http_session"].trust_env
    different = ("schema", "http_session")
    assert {k: v for k, v in read.items() if k not in different} == {
        k: v for k, v in write.items() if k not in different}


@pytest.mark.parametrize(("fields", "named"), [
    ({"method": "ldap", "user": "alice"}, "`password`"),
    ({"method": "jwt"}, "`jwt_token`"),
    ({"method": "certificate", "client_certificate": "/c.pem"}, "`client_private_key`"),
    ({"method": "kerbros"}, "`method` 'kerbros'"),
    ({"port": "eighty"}, "`port`"),
    ({"http_scheme": "ftp"}, "`http_scheme`"),
    ({"session_properties": "query_max_run_time=1h"}, "`session_properties`"),
    ({"method": "gssapi", "user": "a", "mutual_authentication": "sometimes"}, "`mutual_authentication`"),
    ({"host": ""}, "host"),
])
def test_a_bad_field_is_an_error_naming_it_and_the_target(fields: dict[str, Any], named: str) -> None:
    with pytest.raises(TargetError) as caught:
        trino_params({**BASE, "user": "u", **fields})
    assert named in str(caught.value) and "target 'prod'" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_cert_is_the_tls_check_and_certificates_are_checked_by_default() -> None:
    https = {**BASE, "method": "ldap", "user": "a", "password": PASSWORD}
    assert trino_params(https).verify is True
    assert trino_params({**https, "cert": False}).verify is False
    assert trino_params({**https, "cert": "false"}).verify is False
    assert trino_params({**https, "cert": "/etc/ssl/ca.pem"}).verify == "/etc/ssl/ca.pem"
    assert trino_params({**BASE, "user": "u", "port": None, "http_scheme": "https"}).port == 443


def test_duckdb_path_and_settings_reach_the_writer_and_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    profile = {"type": "duckdb", "path": str(path), "schema": "main", "target_name": "prod",
               "settings": {"memory_limit": "1GB", "threads": 1}}
    writer = for_target(profile)
    with writer._connect() as con:
        assert con.execute("select current_setting('memory_limit'), current_setting('threads')").fetchone() == (
            "953.6 MiB", 1)
        con.execute("create table t as select 1 as x")
    with connect(profile) as conn:
        assert conn.execute("select current_setting('memory_limit'), count(*) from t").fetchone() == ("953.6 MiB", 1)
    with pytest.raises(TargetError, match="memory_limt"):
        duckdb_params({**profile, "settings": {"memory_limt": "1GB"}}).connect()
    with pytest.raises(TargetError, match="not a setting name"):
        duckdb_params({**profile, "settings": {"threads = 1; drop table t; --": 1}}).connect()
    with pytest.raises(TargetError, match=":memory:"):
        duckdb_params({**profile, "path": ":memory:"})
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select count(*) from t").fetchone() == (1,)
