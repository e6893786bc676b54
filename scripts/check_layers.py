"""The import contract of the shim (docs/architecture.md, "Layers"), checked from the source alone.

    python scripts/check_layers.py            # exit 1 and one line per violation when the contract is broken
    python scripts/check_layers.py --graph    # print the import graph of `orchestrate` (module -> imports)

Every `import` / `from ... import` of every module under `orchestrate/` is read with `ast` (nothing is
imported or run), and these rules are checked:

1. each module belongs to one layer (`LAYERS`, most specific prefix wins) and imports only modules
   of lower layers, or of its own layer where that layer allows it (`peers`);
2. no import cycle between the project's modules;
3. a module of the product is imported at the top of a module, never inside a function (an import
   hidden in a function is how a circle hides); third-party imports may be local (a heavy or
   optional dependency), and so may a product import whose line says why (`# lazy: <reason>`).
   Imports under `if TYPE_CHECKING:` never run and are not counted;
4. `orchestrate` never imports the sandbox (`segment_analytics_sandbox`); the sandbox may import the
   product, but not its CLI or commands.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PRODUCT = "orchestrate"
SANDBOX = "segment_analytics_sandbox"
SOURCE_ROOTS = {PRODUCT: REPO_ROOT / PRODUCT, SANDBOX: REPO_ROOT / "sandbox" / SANDBOX}
LAZY_MARK = "# lazy:"


@dataclass(frozen=True)
class Layer:
    name: str
    modules: tuple[str, ...]  # module names or package prefixes
    peers: bool = True  # may modules of this layer import each other


# Top to bottom: a module may import from the layers below its own, never from one above.
LAYERS: tuple[Layer, ...] = (
    Layer("cli", ("orchestrate.cli", "orchestrate.__main__"), peers=False),
    Layer("commands", ("orchestrate.commands", "orchestrate.setup.doctor", "orchestrate.setup.init_project"),
          peers=False),
    Layer("pipeline", ("orchestrate.pipeline",)),
    Layer("steps", ("orchestrate.pull", "orchestrate.publish", "orchestrate.history")),
    Layer("context", ("orchestrate.context", "orchestrate.clients")),
    Layer("domain", ("orchestrate.cdp", "orchestrate.rules", "orchestrate.warehouse", "orchestrate.report",
                     "orchestrate.insights", "orchestrate.setup", "orchestrate.config", "orchestrate.target",
                     "orchestrate.dbt_runner", "orchestrate.dbt_vars", "orchestrate.dbt_selectors",
                     "orchestrate.alerts", "orchestrate.generated")),
    Layer("base", ("orchestrate.http", "orchestrate.http_deadline", "orchestrate.regions", "orchestrate.project",
                   "orchestrate.bundled_project", "orchestrate.regexes", "orchestrate.errors", "orchestrate")),
)
# What the sandbox must not import from the product: the CLI's own layers.
SANDBOX_FORBIDDEN = ("cli", "commands")


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    local: bool  # inside a function
    lazy: bool = False  # marked `# lazy: <reason>` on its line: deliberately local


def module_name(root: Path, package: str, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def iter_modules(roots: dict[str, Path]) -> Iterator[tuple[str, Path]]:
    for package, root in roots.items():
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.py")):
            yield module_name(root, package, path), path


def _resolve_from(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, node.module] if node.module else base)


def imports_of(name: str, path: Path, known: set[str]) -> list[Import]:
    """Every import the module makes, resolved to module names (`from pkg import mod` -> `pkg.mod`)."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(path))
    lines = text.splitlines()
    found: list[Import] = []

    def lazy(node: ast.stmt) -> bool:
        return LAZY_MARK in lines[node.lineno - 1]

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for other in child.orelse:
                    visit(other, local)
                continue
            inner = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                found.extend(Import(name, alias.name, child.lineno, local, lazy(child)) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                module = _resolve_from(child, name, path.name == "__init__.py")
                for alias in child.names:
                    target = f"{module}.{alias.name}"
                    found.append(Import(name, target if target in known else module, child.lineno, local,
                                        lazy(child)))
            visit(child, inner)

    visit(tree, False)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    """`if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`): imports for type checkers only, never run."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def layer_of(module: str) -> int | None:
    """Index in LAYERS of the most specific entry naming `module` (or a package above it; the top
    package `orchestrate` names only its own `__init__`, so a new module must be given a layer)."""
    best: tuple[int, int] | None = None
    for index, layer in enumerate(LAYERS):
        for prefix in layer.modules:
            if module == prefix or ("." in prefix and module.startswith(prefix + ".")):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    return None if best is None else best[0]


def _ours(module: str) -> bool:
    return module.split(".")[0] in (PRODUCT, SANDBOX)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def graph_of(all_imports: Iterable[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for imp in all_imports:
        graph.setdefault(imp.importer, set())
        if _ours(imp.imported) and imp.imported != imp.importer:
            graph[imp.importer].add(imp.imported)
    return graph


def violations(all_imports: list[Import], modules: Iterable[str]) -> list[str]:
    """One readable line per broken rule (module docstring)."""
    problems: list[str] = []
    for name in modules:
        if name.split(".")[0] == PRODUCT and layer_of(name) is None:
            problems.append(f"{name}: in no layer; add it to LAYERS in scripts/check_layers.py")
    for imp in all_imports:
        where = f"{imp.importer}:{imp.line}"
        top = imp.imported.split(".")[0]
        product_importer = imp.importer.split(".")[0] == PRODUCT
        if product_importer and top == SANDBOX:
            problems.append(f"{where}: imports {imp.imported}; the product never imports the sandbox")
            continue
        if not _ours(imp.imported) or imp.imported.split(".")[0] != PRODUCT:
            continue
        if product_importer and imp.local and not imp.lazy and imp.imported != imp.importer:
            problems.append(f"{where}: imports {imp.imported} inside a function; import it at the top (or say "
                            f"why it must be local with `{LAZY_MARK} <reason>` on its line)")
        theirs = layer_of(imp.imported)
        if theirs is None:
            continue
        if not product_importer:
            if LAYERS[theirs].name in SANDBOX_FORBIDDEN:
                problems.append(f"{where}: the sandbox imports {imp.imported} ({LAYERS[theirs].name} layer)")
            continue
        mine = layer_of(imp.importer)
        if mine is None or imp.imported == imp.importer:
            continue
        if theirs < mine:
            problems.append(f"{where}: imports {imp.imported}: {LAYERS[mine].name} layer imports the "
                            f"{LAYERS[theirs].name} layer above it")
        elif theirs == mine and not LAYERS[mine].peers and not _same_package(imp.importer, imp.imported):
            problems.append(f"{where}: imports {imp.imported}: modules of the {LAYERS[mine].name} layer do not "
                            "import each other")
    for component in cycles(graph_of(all_imports)):
        problems.append(f"import cycle: {' <-> '.join(component)}")
    return list(dict.fromkeys(problems))


def _same_package(a: str, b: str) -> bool:
    return a.rsplit(".", 1)[0] == b.rsplit(".", 1)[0] and a.count(".") > 1


def collect(roots: dict[str, Path] | None = None) -> tuple[list[Import], list[str]]:
    """(every import of every module, every module name) under the source roots."""
    found = list(iter_modules(roots or SOURCE_ROOTS))
    known = {name for name, _ in found}
    all_imports = [imp for name, path in found for imp in imports_of(name, path, known)]
    return all_imports, [name for name, _ in found]


def check(roots: dict[str, Path] | None = None) -> list[str]:
    all_imports, modules = collect(roots)
    return violations(all_imports, modules)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", action="store_true", help="print the import graph and exit")
    args = parser.parse_args(argv)
    if args.graph:
        all_imports, _ = collect()
        for module, targets in sorted(graph_of(all_imports).items()):
            if module.startswith(PRODUCT):
                layer = layer_of(module)
                print(f"{module} [{LAYERS[layer].name if layer is not None else '?'}]: "
                      f"{', '.join(sorted(targets)) or '-'}")
        return 0
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check_layers: {len(problems)} violation(s) of the layer contract (docs/architecture.md)",
              file=sys.stderr)
        return 1
    print("check_layers: the import contract holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
