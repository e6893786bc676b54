"""The project's named dbt selections (selectors.yml at the dbt project's root) as the CLI uses them.

`segment-analytics run` builds `daily`, `segment-analytics build` `full` (unless `--select` is
given). dbt reads selectors.yml from the root project only, so a project that installs this one as a
package and defines no selector of that name is built as before, without a selection.
"""

from __future__ import annotations

from pathlib import Path

import yaml

SELECTORS_FILE = "selectors.yml"
DAILY = "daily"
FULL = "full"
HISTORY = "history"
REPORT_INPUTS = "report_inputs"


def defined_selectors(project_dir: Path | str) -> set[str]:
    """The selector names the project's selectors.yml defines (none when it has no such file)."""
    path = Path(project_dir) / SELECTORS_FILE
    if not path.is_file():
        return set()
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = loaded.get("selectors") if isinstance(loaded, dict) else None
    return {str(e["name"]) for e in entries or [] if isinstance(e, dict) and e.get("name")}


def selector_args(project_dir: Path | str, name: str) -> list[str]:
    """`["--selector", name]` when the project defines that selector, else no arguments."""
    return ["--selector", name] if name in defined_selectors(project_dir) else []
