"""Write the demo seeds (seeds/demo/) from the sandbox's demo account: one run date of a small
account (20 profiles), pulled from the fake CDP API into a scratch DuckDB file, then every landing
and behaviour table written as a CSV, with a seeds YAML giving each column's type and meaning.

    python scripts/generate_seeds.py           # (re)write seeds/demo/
    python scripts/generate_seeds.py --check   # exit 1 when the committed seeds differ

Deterministic: the demo generator is seeded, and the pull's id and clock columns are replaced by
fixed values.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from segment_analytics_sandbox.demo import run as demo_run  # noqa: E402 - after the path is set
from segment_analytics_sandbox.demo.config import demo_vars_text  # noqa: E402

SEEDS_DIR = ROOT / "seeds" / "demo"
YAML_NAME = "_demo__seeds.yml"
RUN_DATE = dt.date(2026, 3, 30)
PROFILES = 20
PULL_ID = "demo-pull-1"
PULL_CLOCK = {"fetched_at": "2026-03-30 06:00:00", "started_at": "2026-03-30 06:00:00",
              "finished_at": "2026-03-30 06:05:00"}
LANDING_SOURCES = ROOT / "models" / "staging" / "_cdp_landing__sources.yml"
BEHAVIOUR_COLUMNS = {  # what the demo's customers and behaviour columns hold
    "cdp_customer_id": "The parent segment's customer id.",
    "td_canonical_id": "The profile id shared by the parent segments (the metrics' join key).",
    "time": "Event time, integer unix seconds (UTC).",
    "order_id": "Order id.", "amount": "Order amount.", "items": "Items in the order.",
    "category": "Product category.", "td_url": "Page URL.", "event_type": "Email event: send, open or click.",
    "campaign": "Email campaign.", "email": "E-mail address (synthetic).", "first_name": "First name (synthetic).",
    "last_name": "Last name (synthetic).", "gender": "Gender.", "city": "City.", "country": "Country code.",
    "age": "Age in years.", "ltv": "Lifetime value.", "is_member": "True for loyalty members.",
    "last_login_at": "Last login (UTC).", "interests": "Interests (a list).", "language": "Preferred language.",
    "opt_in": "True when subscribed to the newsletter.", "subscribed_at": "Subscription time (UTC).",
    "topics": "Newsletter topics (a list).", "engagement_score": "Engagement score.",
}


def _pull_only(project: Path) -> demo_run.Runner:
    real = demo_run.project_runner(project, demo_vars_text(None))
    return demo_run.Runner(real.pull, lambda run_date: None, None)


def _landing_descriptions() -> dict[str, dict[str, str]]:
    tables = yaml.safe_load(LANDING_SOURCES.read_text(encoding="utf-8"))["sources"][0]["tables"]
    return {t["name"]: {c["name"]: c["description"] for c in t.get("columns", [])} for t in tables}


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def render(work: Path) -> dict[str, str]:
    """File name -> text of every seed file, from a fresh pull of the demo account."""
    db = work / "demo.duckdb"
    demo_run.run_demo(work / "out", db, [RUN_DATE], n_profiles=PROFILES, project_dir=ROOT, runner=_pull_only(ROOT))
    described = _landing_descriptions()
    files: dict[str, str] = {}
    seeds: list[dict[str, Any]] = []
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute("select schema_name, table_name from duckdb_tables() order by 1, 2").fetchall()
        for schema, table in tables:
            name = table if schema == "main" else f"demo__{schema}__{table}"
            cursor = con.execute(f'select * from "{schema}"."{table}" order by all')
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
            types = dict(con.execute("select column_name, lower(data_type) from information_schema.columns "
                                     "where table_schema = ? and table_name = ?", [schema, table]).fetchall())
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(columns)
            for row in rows:
                values = dict(zip(columns, row, strict=True))
                if "pull_id" in values:
                    values["pull_id"] = PULL_ID
                for clock, fixed in PULL_CLOCK.items():
                    if clock in values:
                        values[clock] = fixed
                writer.writerow([_csv_value(values[c]) for c in columns])
            files[f"{name}.csv"] = out.getvalue()
            docs = described.get(table, {}) if schema == "main" else BEHAVIOUR_COLUMNS
            where = ("landing table " + table) if schema == "main" else f"table {schema}.{table}"
            seeds.append({
                "name": name,
                "description": f"Demo account: the {where} of one pull ({RUN_DATE}).",
                "config": {"column_types": {c: types[c] for c in columns}},
                "columns": [{"name": c, "description": docs.get(c) or f"`{c}`."} for c in columns],
            })
    finally:
        con.close()
    header = ("# Written by scripts/generate_seeds.py from the sandbox's demo account: do not edit.\n"
              "# Off by default: enable with `seeds: segment_analytics: +enabled: true` (README).\n")
    files[YAML_NAME] = header + yaml.safe_dump({"version": 2, "seeds": seeds}, sort_keys=False,
                                                allow_unicode=True, width=100)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a file differs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        files = render(Path(tmp))
    stale = sorted(name for name, text in files.items()
                   if not (SEEDS_DIR / name).is_file() or (SEEDS_DIR / name).read_text(encoding="utf-8") != text)
    extra = sorted(p.name for p in SEEDS_DIR.glob("*") if p.name not in files) if SEEDS_DIR.is_dir() else []
    if args.check:
        for name in stale + extra:
            print(f"stale: seeds/demo/{name}")
        return 1 if stale or extra else 0
    SEEDS_DIR.mkdir(parents=True, exist_ok=True)
    for name in extra:
        (SEEDS_DIR / name).unlink()
    for name in stale:
        (SEEDS_DIR / name).write_text(files[name], encoding="utf-8")
        print(f"written: seeds/demo/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
