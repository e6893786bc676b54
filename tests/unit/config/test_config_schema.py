"""The one config schema (orchestrate/config/schema.py) and the macro generated from it
(macros/config/sa_config_schema.sql): the macro is current, and it hands dbt exactly the schema's data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
import pytest

from orchestrate.config import schema
from scripts import generate_config_macro as generator

PROJECT_DIR = Path(__file__).resolve().parents[3]
MACRO = PROJECT_DIR / "macros" / "config" / "sa_config_schema.sql"


def test_the_generated_macro_is_current() -> None:
    assert MACRO.read_text(encoding="utf-8") == generator.render(), (
        "macros/config/sa_config_schema.sql is stale: run python scripts/generate_config_macro.py")
    assert generator.main(["--check"]) == 0


def test_a_schema_change_makes_the_macro_stale(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(schema.DEFAULTS, "project_prefix", "changed_prefix")
    assert generator.render() != MACRO.read_text(encoding="utf-8")
    monkeypatch.setattr(generator, "MACRO_PATH", tmp_path / "sa_config_schema.sql")
    (tmp_path / "sa_config_schema.sql").write_text(MACRO.read_text(encoding="utf-8"), encoding="utf-8")
    assert generator.main(["--check"]) == 1
    assert generator.main([]) == 0  # regenerating makes it current again
    assert generator.main(["--check"]) == 0
    assert '"project_prefix": "changed_prefix"' in (tmp_path / "sa_config_schema.sql").read_text(encoding="utf-8")


def _macro_values(text: str) -> dict[str, Any]:
    """Run each macro of the file with plain Jinja, capturing what it `return`s."""
    returned: dict[str, Any] = {}

    def capture(value: Any) -> str:
        returned["value"] = value
        return ""

    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    module = env.from_string(text, globals={"return": capture}).module
    values = {}
    for name in re.findall(r"{% macro (\w+)\(\)", text):
        getattr(module, name)()
        values[name] = returned.pop("value")
    return values


def test_the_macro_returns_exactly_the_schema() -> None:
    values = _macro_values(MACRO.read_text(encoding="utf-8"))
    assert values["sa_config_defaults"] == schema.DEFAULTS
    assert values["sa_config_messages"] == schema.MESSAGES
    assert values["sa_config_patterns"] == schema.PATTERNS
    assert values["sa_config_schema"] == {k: v for k, v in schema.schema().items() if k not in ("patterns", "messages")}
    # the patterns survive Jinja's string escapes unchanged (backslashes above all)
    assert values["sa_config_patterns"]["regex_escape"] == schema.PATTERNS["regex_escape"]
    assert "\\" in schema.PATTERNS["regex_escape"] and "\\s" in schema.PATTERNS["email"]


@pytest.mark.parametrize("value", [None, True, False, 0, 12, "", "a'b\"c\\d\n\u200b{% x %}}}", [], {},
                                   [[1], {"k": "v"}]])
def test_every_literal_reads_back_as_the_same_value(value: Any) -> None:
    text = "{% macro m() -%}{{ return(" + generator.literal(value) + ") }}{%- endmacro %}"
    assert _macro_values(text)["m"] == value


def test_a_value_jinja_cannot_hold_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot be a Jinja literal"):
        generator.literal({"when": object()})


def test_every_message_fills_its_fields_with_percent_formatting() -> None:
    for name, text in schema.MESSAGES.items():
        fields = set(re.findall(r"%\((\w+)\)s", text))
        filled = schema.message(name, **{field: f"<{field}>" for field in fields})
        assert "%(" not in filled, name
        assert all(f"<{field}>" in filled for field in fields), name
        assert "%" not in re.sub(r"%\(\w+\)s", "", text), f"{name}: a bare % would break %-formatting"


def test_every_pattern_compiles_and_full_matches_ascii_only() -> None:
    for name, pattern in schema.PATTERNS.items():
        re.compile(pattern)
        assert "\\d" not in pattern and "\\w" not in pattern, f"{name}: use ASCII classes ([0-9], [A-Za-z0-9_])"
    assert re.fullmatch(schema.PATTERNS["identifier"], "orders") and not re.fullmatch(
        schema.PATTERNS["identifier"], "orders\n")
    assert not re.fullmatch(schema.PATTERNS["lower_identifier"], "\uff4frders")
    assert not re.fullmatch(schema.PATTERNS["date"], "\u0662026-01-01")
