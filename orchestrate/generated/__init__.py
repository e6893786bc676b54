"""Files of the dbt project written from the configuration (`segment-analytics generate`).

dbt needs some things as static YAML that depend on the `metrics` configuration (the semantic
layer's metrics, one per configured KPI). Each such file has a generator in the registry
(`orchestrate/generated/registry.py`): a path inside the dbt project and a `render(config)` that
returns the file's whole text. `generate` writes every file; `generate --check` and `doctor` list
the files whose text on disk differs from what the configuration renders (stale).
"""

from __future__ import annotations

from orchestrate.generated.base import GeneratedFile, Generator, render_all, stale_files, write_files
from orchestrate.generated.registry import GENERATORS

__all__ = ["GENERATORS", "GeneratedFile", "Generator", "render_all", "stale_files", "write_files"]
