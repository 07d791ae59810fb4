"""The layers of the code, read from its imports: no database, no app.

Three doors (the pages, the API, the command line) lead to the same services,
and the services know nothing of the doors. So:

- no module of tauschring/ imports a module that imports it back, directly
  or through others (a cycle ties every module on it into one piece);
- services and models (every service.py and models.py, the ledger's core,
  and a few services by other names) read neither the request, the session,
  the logged-in member nor the reader's language, and import neither the app
  factory nor a door: they are given what they need as arguments;
- the pages and the API share what both need through neutral modules (e.g.
  tauschring/paging.py, tauschring/limits.py), not through each other's
  plumbing (tauschring/api/, tauschring/web/).

How imports are read (`ast`; an import inside a function counts like one at
the top of the module):
- `import a.b` depends on the module a.b; `from a import b` on the module
  a.b if there is one (b is a submodule), else on a (b is a name in a);
  relative imports are read against the importing module's package.
- A package's __init__.py is a module of its own, with its own imports.
  Importing tauschring.x.y does not count as importing tauschring.x: Python
  runs x/__init__.py first, but what the package's __init__ assembles (e.g.
  tauschring/api/__init__.py registering every API blueprint) is not what
  the importer uses.

The README's layout table names every folder of tauschring/, and only
paths that exist.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tauschring"

# Imports against these rules that are known and being removed, each with who
# removes it. The test fails once such an import is gone: then delete its line.
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {}

# What only a door may read: the request and what hangs on it.
WEB_NAMES = {
    "flask": {"request", "g", "session"},
    "flask.globals": {"request", "g", "session"},
    "flask_login": {"current_user"},
    "flask_login.utils": {"current_user"},
    "flask_babel": {"get_locale"},
}
LEDGER_CORE = {"service", "chain", "audit", "queries", "models"}
# Domain modules not named service.py: the market's newsletter, the statements'
# figures and years, the ring file and a member's own data of the imports.
SERVICES_BY_OTHER_NAMES = {
    "tauschring.market.newsletter", "tauschring.statements.statement",
    "tauschring.statements.years", "tauschring.imports.ring_file",
    "tauschring.imports.member_data",
}
# tauschring/models.py imports every model so that the metadata sees every
# table, the API's stored responses (tauschring/api/models.py) among them.
MODEL_REGISTRY = "tauschring.models"


@dataclass
class Module:
    name: str                                          # tauschring.ledger.service
    path: Path
    imports: set[str] = field(default_factory=set)     # modules of tauschring/
    web_names: set[str] = field(default_factory=set)   # e.g. "flask.request"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_modules() -> dict[str, Module]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path): Module(module_name(path), path) for path in paths}
    for module in modules.values():
        read_imports(module, set(modules))
    return modules


def read_imports(module: Module, known: set[str]) -> None:
    tree = ast.parse(module.path.read_text(encoding="utf-8"), str(module.path))
    package = module.name.split(".")
    if module.path.name != "__init__.py":
        package.pop()
    aliases = {}   # local name -> module, for `flask.request` after `import flask`
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                module.imports.add(alias.name)
                bound = alias.asname or alias.name.split(".")[0]   # import a.b binds a
                aliases[bound] = alias.name if alias.asname else bound
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + [base]).strip(".")
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in known:
                    module.imports.add(submodule)
                    continue
                module.imports.add(base)
                if alias.name in WEB_NAMES.get(base, ()):
                    module.web_names.add(f"{base}.{alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            imported = aliases.get(node.value.id)
            if node.attr in WEB_NAMES.get(imported, ()):
                module.web_names.add(f"{imported}.{node.attr}")
    module.imports = {name for name in module.imports if name in known}


MODULES = read_modules()


# --- no cycles --------------------------------------------------------------------

def imports_of(name: str) -> set[str]:
    """The module's imports of tauschring/, less the known exceptions."""
    return {target for target in MODULES[name].imports
            if (name, target) not in KNOWN_EXCEPTIONS}


def import_graph() -> dict[str, set[str]]:
    return {name: imports_of(name) for name in MODULES}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that reach each other (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1 or node in graph[node]:
                        groups.append(sorted(group))
    return groups


def shortest_cycle(graph: dict[str, set[str]], start: str, within: set[str]) -> list[str]:
    """start -> ... -> start, the fewest imports, inside one group."""
    came_from = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in sorted(graph[node] & within):
            if target == start:
                chain = [node]
                while came_from[chain[-1]] is not None:
                    chain.append(came_from[chain[-1]])
                return [*reversed(chain), start]
            if target not in came_from:
                came_from[target] = node
                queue.append(target)
    raise AssertionError(f"{start} is on no cycle")


def cycles(graph: dict[str, set[str]]) -> list[str]:
    """Readable chains, "a -> b -> a", enough of them to show every module of
    every cycle."""
    found = []
    for group in strongly_connected(graph):
        members, shown = set(group), set()
        for start in group:
            if start not in shown:
                chain = shortest_cycle(graph, start, members)
                shown.update(chain)
                found.append(" -> ".join(chain))
    return found


def test_no_module_imports_itself_back():
    found = cycles(import_graph())
    assert not found, "import cycles in tauschring/:\n  " + "\n  ".join(found)


def test_the_graph_reads_cycles_and_submodules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert cycles(graph) == ["a -> b -> c -> a", "e -> e"]
    ledger_api = MODULES["tauschring.ledger.api"].imports
    assert "tauschring.ledger.service" in ledger_api   # from tauschring.ledger import service
    assert "tauschring.ledger" not in ledger_api


def test_the_reader_sees_aliases_relative_imports_and_imports_in_functions(tmp_path):
    path = tmp_path / "service.py"
    path.write_text("import flask\nimport flask_babel as babel\nfrom . import models\n"
                    "from ..ledger import chain\n\n\ndef reader():\n"
                    "    from flask_login import current_user\n"
                    "    return flask.request, babel.get_locale(), current_user\n")
    module = Module("tauschring.market.service", path)
    read_imports(module, {"tauschring.market.models", "tauschring.ledger.chain"})
    assert module.imports == {"tauschring.market.models", "tauschring.ledger.chain"}
    assert module.web_names == {"flask.request", "flask_babel.get_locale",
                                "flask_login.current_user"}


# --- services and models know no door ----------------------------------------------

def is_door(name: str) -> bool:
    """Pages, API and command line, and the app factory that assembles them."""
    last = name.rsplit(".", 1)[-1]
    return (name in ("tauschring.app", "tauschring.cli", "tauschring.api", "tauschring.web")
            or name.startswith(("tauschring.api.", "tauschring.web."))
            or last in ("views", "api", "commands"))


def is_domain(name: str) -> bool:
    """Services and models, and the ledger's core."""
    if name == MODEL_REGISTRY:
        return False
    package, _, last = name.rpartition(".")
    return (last in ("service", "models") or name in SERVICES_BY_OTHER_NAMES
            or (package == "tauschring.ledger" and last in LEDGER_CORE))


def test_services_and_models_know_no_door():
    leaks = []
    for name, module in sorted(MODULES.items()):
        if not is_domain(name):
            continue
        leaks += [f"{name} reads {web}" for web in sorted(module.web_names)]
        leaks += [f"{name} imports {door}" for door in sorted(imports_of(name)) if is_door(door)]
    assert not leaks, "services and models reaching into a door:\n  " + "\n  ".join(leaks)


def test_the_domain_and_the_doors_are_told_apart():
    assert is_domain("tauschring.ledger.chain") and is_domain("tauschring.members.models")
    assert is_domain("tauschring.market.service") and not is_domain("tauschring.models")
    assert is_domain("tauschring.market.newsletter") and not is_domain("tauschring.pdf")
    for door in ("tauschring.app", "tauschring.cli", "tauschring.api.problems",
                 "tauschring.web", "tauschring.web.access", "tauschring.ledger.api",
                 "tauschring.market.views", "tauschring.imports.commands"):
        assert is_door(door), door
    assert not is_door("tauschring.paging") and not is_door("tauschring.ledger.service")
    assert {"flask.request", "flask_login.current_user"} <= MODULES[
        "tauschring.web.i18n"].web_names


# --- pages and API share neutral modules --------------------------------------------

def is_page(name: str) -> bool:
    return (name.endswith(".views") or name == "tauschring.web"
            or name.startswith("tauschring.web.") or name == "tauschring.coordination.desk")


def is_api(name: str) -> bool:
    return (name.endswith(".api") or name == "tauschring.api"
            or name.startswith("tauschring.api."))


def test_pages_and_api_do_not_borrow_each_others_plumbing():
    borrowed = []
    for name in sorted(MODULES):
        for target in sorted(imports_of(name)):
            if (is_page(name) and is_api(target)) or (is_api(name) and is_page(target)):
                borrowed.append(f"{name} imports {target}")
    assert not borrowed, ("move what both doors need to a neutral module:\n  "
                          + "\n  ".join(borrowed))


def test_the_known_exceptions_still_happen():
    """A known exception that is fixed must leave KNOWN_EXCEPTIONS too."""
    gone = [label for (source, target), label in KNOWN_EXCEPTIONS.items()
            if target not in MODULES[source].imports]
    assert not gone, f"fixed; delete from KNOWN_EXCEPTIONS in tests/test_layers.py: {gone}"


# --- the README's layout ------------------------------------------------------------

def layout_paths() -> set[str]:
    """The paths in the first column of the README's layout table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Layout", 1)[1].split("\n## ", 1)[0]
    return {path for line in section.splitlines() if line.startswith("| `")
            for path in re.findall(r"`([^`]+)`", line.split("|")[1])}


def test_the_readme_names_every_folder_of_the_code():
    folders = {f"{path.parent.relative_to(ROOT).as_posix()}/"
               for path in PACKAGE.rglob("*.py") if path.parent != PACKAGE}
    missing = sorted(folders - layout_paths())
    assert not missing, f"README.md, ## Layout: add {missing}"


def test_the_readme_names_only_what_exists():
    gone = sorted(path for path in layout_paths() if not (ROOT / path).exists())
    assert not gone, f"README.md, ## Layout names what is not there: {gone}"
