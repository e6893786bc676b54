"""`segment-analytics init` against the fake API's parent-segment configuration and DuckDB tables:
what it reads, prints and writes, that the configuration validates, that dbt accepts the sources
file inside a host project (with this project installed as a package), and its refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from orchestrate.config import validate_config
from orchestrate.dbt_runner import run_dbt
from orchestrate.setup.init_project import SOURCES_FILE, VARS_FILE, InitError
from tests.fixtures.dbt_project import PROJECT_DIR
from tests.integration.setup.account import ORDERS, PS_ID, SetupWorld


def test_init_writes_a_valid_starting_configuration(setup_world: SetupWorld, tmp_path: Path) -> None:
    setup_world.write_behaviours()
    out_dir = tmp_path / "generated"
    lines, _ = setup_world.init(out_dir, "--sum-columns", "orders.amount,shop_db.orders.items")
    text = "\n".join(lines)
    # what it printed, so the user can check it against the console
    assert f"parent segment Shop ({PS_ID}): attributes age (number), country (string)" in text
    amount = sum(o[2] for o in ORDERS)
    items = sum(o[3] for o in ORDERS)
    assert f"shop_db.orders: {len(ORDERS)} rows" in text
    assert f"sum(amount) = {float(amount)}" in text and f"sum(items) = {float(items)}" in text
    assert "shop_db.pageviews: 2 rows" in text
    assert "shop_db.returns: left out: it is not in the warehouse" in text

    written = yaml.safe_load((out_dir / VARS_FILE).read_text(encoding="utf-8"))
    config = validate_config(written["segment_analytics"])
    assert written["declared_behavior_sources"] == ["shop_db"]
    assert [(m.metric, m.agg, m.agg_col_name, m.source) for m in config.metrics] == [
        ("orders", "count", "1", "shop_db.orders"),
        ("orders_amount", "sum", "amount", "shop_db.orders"),
        ("orders_items", "sum", "items", "shop_db.orders"),
        ("page_views", "count", "1", "shop_db.pageviews"),
    ]
    assert {m.join_key for m in config.metrics} == {"td_canonical_id"}
    assert {m.unixtime_col for m in config.metrics} == {"time"}
    assert config.profile_id_column == "td_canonical_id"
    vars_text = (out_dir / VARS_FILE).read_text(encoding="utf-8")
    assert "# shop_db.returns (behaviour Returns of Shop (7001)) left out: it is not in the warehouse" in vars_text

    sources = yaml.safe_load((out_dir / SOURCES_FILE).read_text(encoding="utf-8"))
    (source,) = sources["sources"]
    assert source["name"] == "shop_db" and source["schema"] == "shop_db"
    assert [t["name"] for t in source["tables"]] == ["orders", "pageviews"]
    assert [c["name"] for c in source["tables"][0]["columns"]] == ["td_canonical_id", "time", "order_id",
                                                                   "amount", "items"]
    assert "sa_behavior_loaded_at" in source["config"]["loaded_at_query"]


def test_init_never_overwrites_without_force(setup_world: SetupWorld, tmp_path: Path) -> None:
    setup_world.write_behaviours()
    out_dir = tmp_path / "generated"
    out_dir.mkdir()
    (out_dir / VARS_FILE).write_text("mine: true\n", encoding="utf-8")
    with pytest.raises(InitError, match="--force"):
        setup_world.init(out_dir)
    assert (out_dir / VARS_FILE).read_text(encoding="utf-8") == "mine: true\n"
    assert not (out_dir / SOURCES_FILE).exists()
    setup_world.init(out_dir, "--force")
    assert "segment_analytics" in yaml.safe_load((out_dir / VARS_FILE).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("picked", "message"), [
    ("orders.price", "not a numeric column of shop_db.orders (numeric: time, amount, items)"),
    ("orders.order_id", "not a numeric column"),
    ("basket.amount", "no behaviour table 'basket' (tables: shop_db.orders, shop_db.pageviews)"),
    ("amount", "use <table>.<column>"),
])
def test_init_names_a_bad_sum_column(setup_world: SetupWorld, tmp_path: Path, picked: str, message: str) -> None:
    setup_world.write_behaviours()
    with pytest.raises(InitError, match="--sum-columns") as caught:
        setup_world.init(tmp_path / "out", "--sum-columns", picked)
    assert message in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_init_unknown_parent_segment_and_no_usable_table(setup_world: SetupWorld, tmp_path: Path) -> None:
    with pytest.raises(InitError, match="--parent-segment 999: no such parent segment"):
        setup_world.init(tmp_path / "out", "--parent-segment", "999")
    # no behaviour table in the warehouse: nothing is written, and it says why
    setup_world.execute("select 1")
    with pytest.raises(InitError, match="no behaviour table can be used"):
        setup_world.init(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_init_output_builds_in_a_host_project(setup_world: SetupWorld, tmp_path: Path) -> None:
    """A host dbt project with this one as a `local:` package: the generated vars pass dbt's own
    validation (on-run-start) and `dbt source freshness` reads the generated sources."""
    setup_world.write_behaviours()
    setup_world.pull()
    out_dir = tmp_path / "generated"
    setup_world.init(out_dir, "--sum-columns", "orders.amount")
    host = tmp_path / "host"
    (host / "models").mkdir(parents=True)
    shutil.copy(out_dir / SOURCES_FILE, host / "models" / SOURCES_FILE)
    generated = yaml.safe_load((out_dir / VARS_FILE).read_text(encoding="utf-8"))
    (host / "dbt_project.yml").write_text(yaml.safe_dump({
        "name": "host_shop", "version": "1.0.0", "config-version": 2, "profile": "segment_analytics",
        "model-paths": ["models"], "vars": generated,
    }), encoding="utf-8")
    (host / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(PROJECT_DIR)}]}),
                                       encoding="utf-8")
    profiles = setup_world.workspace.profiles_dir
    run_dbt(["deps"], project_dir=host, profiles_dir=profiles)
    result = run_dbt(["source", "freshness"], project_dir=host, profiles_dir=profiles, target="duckdb")
    statuses = {f"{r.node.source_name}.{r.node.name}": str(r.status) for r in result.result.results
                if hasattr(r.node, "source_name")}
    assert statuses == {
        "cdp_landing.cdp_landing__parent_segments": "pass",
        "cdp_landing.cdp_landing__pull_runs": "pass",
        "shop_db.orders": "pass",
        "shop_db.pageviews": "pass",
    }, json.dumps(statuses)
