"""The generated dbt files: the committed ones match the demo configuration, a changed
configuration makes them stale (generate --check, doctor), generate writes them, and the semantic
metrics follow each KPI's aggregation."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from orchestrate import cli
from orchestrate.config import ConfigError
from orchestrate.generated import GENERATORS, stale_files, write_files
from orchestrate.generated.semantic_metrics import PATH as METRICS_PATH
from orchestrate.generated.semantic_metrics import render
from orchestrate.setup.doctor import OK, WARN, check_generated
from segment_analytics_sandbox.demo.config import demo_config, demo_vars_text

ROOT = Path(__file__).resolve().parents[3]


def test_the_committed_generated_files_match_the_demo_configuration() -> None:
    stale = [str(f.path.relative_to(ROOT)) for f in stale_files(ROOT, demo_config(), GENERATORS)]
    assert stale == [], f"regenerate with `python scripts/generate_files.py`: {stale}"


def test_every_generator_writes_inside_the_project_and_paths_are_unique() -> None:
    paths = [g.path for g in GENERATORS]
    assert len(paths) == len(set(paths))
    for path in paths:
        assert not Path(path).is_absolute() and ".." not in Path(path).parts


def _metrics_by_name(text: str) -> dict[str, dict]:
    return {m["name"]: m for m in yaml.safe_load(text)["metrics"]}


def test_each_kpi_gets_metrics_that_fit_its_aggregation() -> None:
    base = demo_config()
    orders = next(m for m in base.metrics if m.metric == "orders")
    config = dataclasses.replace(base, metrics=(
        orders,
        dataclasses.replace(orders, metric="basket_avg", agg="avg", agg_col_name="amount"),
        dataclasses.replace(orders, metric="max_items", agg="max", agg_col_name="items"),
        dataclasses.replace(orders, metric="min_items", agg="min", agg_col_name="items"),
        dataclasses.replace(orders, metric="urls", agg="count_distinct", agg_col_name="td_url"),
    ))
    metrics = _metrics_by_name(render(config))
    assert set(metrics) == {
        "orders", "orders_profile_days", "orders_unique_profiles", "orders_avg_per_profile",
        "basket_avg", "basket_avg_profile_days", "basket_avg_unique_profiles",
        "max_items", "max_items_profile_days", "max_items_unique_profiles",
        "min_items", "min_items_profile_days", "min_items_unique_profiles",
        "urls", "urls_profile_days", "urls_unique_profiles",
        "segment_population", "segment_entered", "segment_exited", "api_population",
    }
    measure = {name: m["type_params"].get("measure") for name, m in metrics.items()}
    assert measure["orders"] == "kpi_value_total"
    assert measure["basket_avg"] == "kpi_value_last_day"  # never an average of daily averages
    assert measure["urls"] == "kpi_value_last_day"
    assert measure["max_items"] == "kpi_value_max" and measure["min_items"] == "kpi_value_min"
    assert measure["orders_profile_days"] == "kpi_profile_days"
    assert measure["orders_unique_profiles"] == "kpi_unique_profiles_last_day"
    assert measure["segment_population"] == "population_last_day"
    ratio = metrics["orders_avg_per_profile"]
    assert ratio["type"] == "ratio"
    assert ratio["type_params"] == {"numerator": "orders", "denominator": "orders_profile_days"}
    assert metrics["max_items"]["filter"] == "{{ Dimension('segment_metric_day__metric_name') }} = 'max_items'"
    assert "filter" not in metrics["segment_population"]


def test_a_kpi_whose_metric_names_collide_is_refused() -> None:
    base = demo_config()
    orders = next(m for m in base.metrics if m.metric == "orders")
    config = dataclasses.replace(base, metrics=(orders, dataclasses.replace(orders, metric="orders_profile_days")))
    with pytest.raises(ConfigError, match="orders_profile_days"):
        render(config)


def _project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml.example"):
        shutil.copy(ROOT / name, project / name)
    for generator in GENERATORS:
        target = project / generator.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / generator.path, target)
    return project


def test_generate_check_names_stale_files_and_generate_writes_them(tmp_path: Path, capsys,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project_copy(tmp_path)
    monkeypatch.setenv("SEGMENT_ANALYTICS_STATE_DIR", str(tmp_path / "state"))
    common = ["--project-dir", str(project), "--profiles-dir", str(project)]
    (project / "profiles.yml").write_text((project / "profiles.yml.example").read_text())
    assert cli.main(["generate", "--check", *common, "--vars", demo_vars_text()]) == 0
    assert "up to date" in capsys.readouterr().out

    fewer = ('{"segment_analytics": {"metrics": [{"metric": "orders", "agg": "count", "source": '
             '"demo_behaviors.orders", "join_key": "td_canonical_id", "unixtime_col": "time"}]}}')
    assert cli.main(["generate", "--check", *common, "--vars", fewer]) == 1
    out = capsys.readouterr().out
    assert f"stale: {project / METRICS_PATH}" in out
    before = (project / METRICS_PATH).read_text()

    assert cli.main(["generate", *common, "--vars", fewer]) == 0
    assert f"written: {project / METRICS_PATH}" in capsys.readouterr().out
    after = (project / METRICS_PATH).read_text()
    assert after != before and "name: revenue\n" not in after and "- name: orders\n" in after
    assert cli.main(["generate", "--check", *common, "--vars", fewer]) == 0


def test_write_files_writes_only_stale_files_and_creates_folders(tmp_path: Path) -> None:
    written = write_files(tmp_path, demo_config(), GENERATORS)
    assert sorted(f.path for f in written) == sorted(tmp_path / g.path for g in GENERATORS)
    assert write_files(tmp_path, demo_config(), GENERATORS) == []
    assert stale_files(tmp_path, demo_config(), GENERATORS) == []


def test_doctor_warns_about_stale_generated_files(tmp_path: Path) -> None:
    write_files(tmp_path, demo_config(), GENERATORS)
    fresh = check_generated(SimpleNamespace(project_dir=tmp_path, config=demo_config()))
    assert fresh.status == OK
    config = demo_config()
    changed = dataclasses.replace(config, metrics=config.metrics[:1])
    stale = check_generated(SimpleNamespace(project_dir=tmp_path, config=changed))
    assert stale.status == WARN and METRICS_PATH in stale.detail
    assert "segment-analytics generate" in stale.fix
