"""The Treasure Data mode rule (orchestrate/warehouse/td_mode.py): hosts, catalogs, settings."""

from __future__ import annotations

import pytest

from orchestrate.config import ConfigError, validate_config
from orchestrate.regions import REGIONS
from orchestrate.warehouse.td_mode import (
    TdModeSettingError,
    is_td_connection,
    is_td_host,
    parse_setting,
    setting_of,
    td_mode,
)
from tests.fixtures.dbt_project import fixture_config


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_every_region_trino_host_is_a_td_host(region: str) -> None:
    assert is_td_host(REGIONS[region].trino_host)
    assert is_td_connection({"type": "trino", "host": REGIONS[region].trino_host, "database": "hive"})


@pytest.mark.parametrize("host", [
    "api-presto.treasuredata.com", "API-PRESTO.TREASUREDATA.COM.", "https://api-presto.treasuredata.co.jp",
    "api-presto.eu01.treasuredata.com:443", "treasuredata.com", "presto.internal.treasuredata.co.jp",
])
def test_td_hosts(host: str) -> None:
    assert is_td_host(host)


@pytest.mark.parametrize("host", [
    "", None, "127.0.0.1", "trino.example.com", "evil-treasuredata.com", "treasuredata.com.evil.example",
    "mytreasuredata.co.jp", "treasuredata.co", "api-presto.treasuredata.com.attacker.net",
    "https://attacker.net/api-presto.treasuredata.com", "api-presto.treasuredata.com@attacker.net",
])
def test_look_alike_hosts_are_not_td(host: str | None) -> None:
    # the API key is sent as the Trino user to a TD host: a substring match would leak it
    assert not is_td_host(host)


def test_the_target_name_never_matters_only_the_connection() -> None:
    local_td_catalog = {"type": "trino", "host": "127.0.0.1", "database": "td"}
    local_iceberg = {"type": "trino", "host": "127.0.0.1", "catalog": "iceberg", "name": "td", "target_name": "td"}
    assert td_mode(local_td_catalog) and not td_mode(local_iceberg)
    assert not td_mode({"type": "duckdb", "path": "x.duckdb", "name": "td"})
    assert not is_td_connection({"type": "duckdb", "host": "api-presto.treasuredata.com", "database": "td"})


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), ("auto", None), ("AUTO ", None), ("", None), (True, True), (False, False),
    ("true", True), ("False", False), (1, True), (0, False),
])
def test_settings(value: object, expected: bool | None) -> None:
    assert parse_setting(value) is expected


@pytest.mark.parametrize("value", ["sometimes", 2, 1.5, [], {}])
def test_a_bad_setting_is_an_error_naming_the_field(value: object) -> None:
    with pytest.raises(TdModeSettingError, match=r"segment_analytics\.td_mode: must be true, false or auto"):
        parse_setting(value)


def test_the_setting_wins_and_segment_analytics_td_mode_before_the_top_level_var() -> None:
    td = {"type": "trino", "host": "api-presto.treasuredata.com", "database": "td"}
    plain = {"type": "trino", "host": "trino.example.com", "database": "iceberg"}
    assert td_mode(td, setting_of({}, None)) and not td_mode(plain, setting_of({}, None))
    assert not td_mode(td, setting_of({"td_mode": False}, "auto"))
    assert td_mode(plain, setting_of({"td_mode": False}, True))
    assert td_mode(plain, setting_of({"td_mode": True}, None))
    assert td_mode(plain, setting_of({}, validate_config(fixture_config(td_mode=True)).td_mode))


def test_config_accepts_auto_and_refuses_other_values_naming_the_key() -> None:
    assert validate_config(fixture_config()).td_mode == "auto"
    assert validate_config(fixture_config(td_mode=True)).td_mode is True
    with pytest.raises(ConfigError) as caught:
        validate_config(fixture_config(td_mode="sometimes"))
    assert "td_mode" in str(caught.value) and "'sometimes' is not true, false or auto" in str(caught.value)
