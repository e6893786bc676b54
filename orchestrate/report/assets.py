"""The report's static parts: the page template, its script and style, and plotly.js from the
installed `plotly` package (inlined, so the report opens offline — no CDN)."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

_SCRIPT_END = re.compile(r"</(script)", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")


def _read_own(name: str) -> str:
    return resources.files("orchestrate.report").joinpath(name).read_text(encoding="utf-8")


@cache
def plotly_js() -> str:
    """plotly.min.js as bundled with the installed `plotly` Python package."""
    try:
        text = resources.files("plotly").joinpath("package_data", "plotly.min.js").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise RuntimeError(
            "plotly.min.js not found: install the `plotly` package (it is a project dependency)"
        ) from error
    return text


def inline_script(code: str) -> str:
    """Make JavaScript safe inside <script>…</script> (no early end tag)."""
    return _SCRIPT_END.sub(r"<\\/\1", code)


def json_for_script(document: Any) -> str:
    """JSON text that can sit inside a <script type="application/json"> element whatever the names hold."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def render_page(parts: dict[str, str]) -> str:
    """Fill the template's {{NAME}} markers in one pass (inserted text is never re-scanned)."""
    template = _read_own("template.html")

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in parts:
            raise KeyError(f"report template marker {{{{{name}}}}} has no value")
        return parts[name]

    return _PLACEHOLDER.sub(fill, template)


def app_js() -> str:
    return _read_own("app.js")


def style_css() -> str:
    return _read_own("style.css")
