"""The import contract (scripts/check_layers.py, run by `make lint`): it holds for the tree, and it
fails on each kind of violation, shown on small synthetic packages."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from textwrap import dedent
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_layers.py"


@pytest.fixture(scope="module")
def layers() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_layers", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_layers"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _tree(root: Path, files: dict[str, str]) -> dict[str, Path]:
    """Write `files` (path under root -> source) and return the source roots the checker reads."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
    return {"orchestrate": root / "orchestrate", "segment_analytics_sandbox": root / "segment_analytics_sandbox"}


# A correct miniature of the product: every module in its layer, imports only downwards.
GOOD = {
    "orchestrate/__init__.py": "",
    "orchestrate/cli.py": "from orchestrate import commands\n",
    "orchestrate/commands.py": "from orchestrate import pipeline\n",
    "orchestrate/pipeline.py": "from orchestrate.context import RunContext\nfrom orchestrate.pull import run_pull\n",
    "orchestrate/pull.py": "from orchestrate.cdp.client import CdpClient\nfrom orchestrate.errors import X\n",
    "orchestrate/context.py": "from orchestrate.config import load_config\n",
    "orchestrate/config.py": "from orchestrate.errors import X\n",
    "orchestrate/errors.py": "class X(Exception):\n    pass\n",
    "orchestrate/cdp/__init__.py": "",
    "orchestrate/cdp/client.py": "from orchestrate.http import HttpClient\n",
    "orchestrate/http.py": "import json\n\n\ndef f():\n    import requests  # third-party, local: allowed\n",
    "segment_analytics_sandbox/__init__.py": "",
    "segment_analytics_sandbox/run.py": "from orchestrate import pipeline\n",
}


def test_the_import_contract_holds_for_the_tree(layers: ModuleType) -> None:
    assert layers.check() == []
    assert layers.main([]) == 0


def test_a_correct_miniature_passes(layers: ModuleType, tmp_path: Path) -> None:
    assert layers.check(_tree(tmp_path, GOOD)) == []


@pytest.mark.parametrize(("changed", "expected"), [
    ({"orchestrate/http.py": "from orchestrate.pipeline import run\n"},
     "orchestrate.http:1: imports orchestrate.pipeline: base layer imports the pipeline layer above it"),
    ({"orchestrate/pull.py": "from orchestrate import commands\n"},
     "orchestrate.pull:1: imports orchestrate.commands: steps layer imports the commands layer above it"),
    ({"orchestrate/config.py": "import orchestrate.context\n"},
     "orchestrate.config:1: imports orchestrate.context: domain layer imports the context layer above it"),
    ({"orchestrate/pipeline.py": "def run():\n    from orchestrate.pull import run_pull\n"},
     "orchestrate.pipeline:2: imports orchestrate.pull inside a function"),
    ({"orchestrate/pull.py": "import segment_analytics_sandbox.run\n"},
     "orchestrate.pull:1: imports segment_analytics_sandbox.run; the product never imports the sandbox"),
    ({"orchestrate/cli.py": "def main():\n    from segment_analytics_sandbox import run\n"},
     "orchestrate.cli:2: imports segment_analytics_sandbox.run; the product never imports the sandbox"),
    ({"segment_analytics_sandbox/run.py": "from orchestrate.commands import cmd_pull\n"},
     "segment_analytics_sandbox.run:1: the sandbox imports orchestrate.commands (commands layer)"),
    ({"orchestrate/setup/__init__.py": "", "orchestrate/setup/doctor.py": "from orchestrate import commands\n"},
     "orchestrate.setup.doctor:1: imports orchestrate.commands: modules of the commands layer do not import "
     "each other"),
    ({"orchestrate/stray.py": "x = 1\n"},
     "orchestrate.stray: in no layer; add it to LAYERS in scripts/check_layers.py"),
])
def test_each_kind_of_violation_is_reported(layers: ModuleType, tmp_path: Path, changed: dict[str, str],
                                            expected: str) -> None:
    problems = layers.check(_tree(tmp_path, {**GOOD, **changed}))
    assert any(p.startswith(expected) for p in problems), problems


def test_a_cycle_within_one_layer_is_reported(layers: ModuleType, tmp_path: Path) -> None:
    """cdp.client -> cdp.records -> cdp.client: both domain, allowed by the layers, refused as a cycle."""
    problems = layers.check(_tree(tmp_path, {
        **GOOD,
        "orchestrate/cdp/client.py": "from orchestrate.cdp import records\n",
        "orchestrate/cdp/records.py": "from orchestrate.cdp.client import CdpClient\n",
    }))
    assert problems == ["import cycle: orchestrate.cdp.client <-> orchestrate.cdp.records"]


def test_a_local_import_that_says_why_and_type_only_imports_are_allowed(layers: ModuleType, tmp_path: Path) -> None:
    problems = layers.check(_tree(tmp_path, {
        **GOOD,
        "orchestrate/pipeline.py": dedent("""\
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from orchestrate.cli import main


            def run():
                from orchestrate.pull import run_pull  # lazy: pulls in a heavy driver
        """),
    }))
    assert problems == []


def test_the_command_line_fails_on_a_violation(layers: ModuleType, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    roots = _tree(tmp_path, {**GOOD, "orchestrate/http.py": "from orchestrate import cli\n"})
    monkeypatch.setattr(layers, "SOURCE_ROOTS", roots)
    assert layers.main([]) == 1
    assert "base layer imports the cli layer above it" in capsys.readouterr().err
