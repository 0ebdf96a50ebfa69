"""The shape of the core (README, "Layout"; ../shared/CONVENTIONS.md, "The shape of the house"), read from the source.

``rnn_core`` holds shared layers (nets, runs, links, data), one package per subject, a few top-level modules, and
the entries that bring subjects together (the command line, the workshop plan, Home's tour). Arrows point down
only: a subject imports shared layers and top-level modules, never another subject; a shared layer imports no
subject; nothing imports in a circle; imports sit at the top of their module (the one exception, Home's tour
loading the language model only when its shipped numbers are stale, is listed below with its reason); and
nothing in the core imports streamlit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "rnn_core"

SHARED = {"nets", "runs", "links", "data"}
SUBJECTS = {"language_model", "compare", "gradients", "sentiment", "forecast", "tag", "translate", "caption", "stepthrough"}
TOP = {"errors", "figure_style", "command"}           # cross-cutting modules any part of the core may import
ENTRIES = {"__init__", "__main__", "workshop"}        # may import anything below them; nothing imports them
SHOWCASES = {"tour"}                                  # Home's tour reads several subjects' results: above subjects

# (module, imported module): imports allowed inside a function, and why.
LAZY = {
    ("rnn_core.tour.findings", "rnn_core.language_model.checkpoint"): "Home draws from tour.json without torch",
    ("rnn_core.tour.findings", "rnn_core.language_model.interpret"): "Home draws from tour.json without torch",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(CORE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(CORE.rglob("*.py"))}


def _group(module: str) -> str:
    """The part of the core ``module`` belongs to: its package under rnn_core, or its own name at the top."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str):
    """(imported name, inside a function?) for every import statement of ``module``; a ``from X import y`` where
    X.y is a module counts as importing X.y."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((alias.name, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = _resolve(module, child)
                for alias in child.names:
                    full = f"{base}.{alias.name}"
                    found.append((full if full in MODULES else base, in_function))
            visit(child, inner)

    visit(tree, False)
    return found


def _core_imports(module: str):
    return [(name, lazy) for name, lazy in _imports(module) if name == "rnn_core" or name.startswith("rnn_core.")]


def test_every_module_belongs_to_a_known_part_of_the_core():
    groups = SHARED | SUBJECTS | TOP | ENTRIES | SHOWCASES
    unknown = sorted(m for m in MODULES if _group(m) not in groups)
    assert not unknown, f"decide where these belong (and say so in README's Layout): {unknown}"
    assert all((CORE / g / "__init__.py").is_file() for g in SHARED | SUBJECTS | SHOWCASES)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _group(m) in SHARED | TOP))
def test_shared_layers_and_top_modules_import_no_subject(module):
    allowed = SHARED | TOP if _group(module) in SHARED else TOP
    wrong = [name for name, _ in _core_imports(module) if _group(name) not in allowed]
    assert not wrong, f"{module} imports {wrong}: a shared layer may import only shared layers and {sorted(TOP)}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _group(m) in SUBJECTS))
def test_a_subject_imports_shared_layers_and_itself_only(module):
    own = _group(module)
    wrong = [name for name, _ in _core_imports(module) if _group(name) not in SHARED | TOP | {own}]
    assert not wrong, (f"{module} imports {wrong}: a subject imports only shared layers, {sorted(TOP)} and its own "
                       "package (what two subjects need belongs in a shared layer)")


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _group(m) in SHOWCASES))
def test_the_showcases_import_no_entry(module):
    wrong = [name for name, _ in _core_imports(module) if _group(name) in ENTRIES]
    assert not wrong, f"{module} imports {wrong}"


def test_nothing_imports_an_entry_or_a_showcase_but_the_entries():
    for module in MODULES:
        if _group(module) in ENTRIES:
            continue
        above = {name for name, _ in _core_imports(module)
                 if _group(name) in ENTRIES | (SHOWCASES - {_group(module)}) and name != "rnn_core"}
        assert not above, f"{module} imports {sorted(above)}"


def test_imports_sit_at_the_top_of_their_module():
    tucked = [(module, name) for module in MODULES for name, lazy in _core_imports(module)
              if lazy and (module, name) not in LAZY]
    assert not tucked, f"imports of the core inside functions (move the code where it belongs instead): {tucked}"


def test_the_allowed_lazy_imports_are_still_needed():
    present = {(module, name) for module in MODULES for name, lazy in _core_imports(module) if lazy}
    assert set(LAZY) <= present, f"no longer lazy, drop from LAZY: {sorted(set(LAZY) - present)}"


def test_no_import_cycles():
    graph = {m: {name for name, _ in _core_imports(m) if name in MODULES and name != m} for m in MODULES}
    graph = {m: {n for n in deps if n != "rnn_core"} for m, deps in graph.items()}
    state, stack, cycles = {}, [], []

    def walk(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            walk(module)
    assert not cycles, f"import cycles: {cycles}"


def test_the_core_never_imports_streamlit():
    users = sorted(m for m in MODULES for name, _ in _imports(m) if name.split(".")[0] == "streamlit")
    assert not users, f"the core must run without streamlit: {users}"
