"""A generator (path + render), and rendering, checking and writing a set of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from orchestrate.config.model import Config

HEADER = ("# Written by `segment-analytics generate` from the `segment_analytics` configuration: do not edit.\n"
          "# `segment-analytics generate --check` (and `doctor`) say when it no longer matches the configuration.\n")


@dataclass(frozen=True)
class Generator:
    """One generated file: `path` is relative to the dbt project folder; `render(config)` returns the
    file's whole text (deterministic: the same configuration gives the same bytes)."""

    path: str
    render: Callable[[Config], str]
    what: str  # one line for people: what the file holds


@dataclass(frozen=True)
class GeneratedFile:
    path: Path  # absolute
    text: str  # what the configuration renders

    def is_stale(self) -> bool:
        """True when the file is missing or its text differs from the rendered text."""
        try:
            return self.path.read_text(encoding="utf-8") != self.text
        except FileNotFoundError:
            return True


def render_all(project_dir: Path, config: Config, generators: Iterable[Generator]) -> list[GeneratedFile]:
    """Every generator's file for `config` in the project folder `project_dir`."""
    return [GeneratedFile(Path(project_dir) / g.path, g.render(config)) for g in generators]


def stale_files(project_dir: Path, config: Config, generators: Iterable[Generator]) -> list[GeneratedFile]:
    """The generated files that are missing or differ from what `config` renders."""
    return [f for f in render_all(project_dir, config, generators) if f.is_stale()]


def write_files(project_dir: Path, config: Config, generators: Iterable[Generator]) -> list[GeneratedFile]:
    """Write every stale generated file; the files written."""
    written = stale_files(project_dir, config, generators)
    for generated in written:
        generated.path.parent.mkdir(parents=True, exist_ok=True)
        generated.path.write_text(generated.text, encoding="utf-8")
    return written
