"""The layers only point down, and no module imports itself round a cycle (docs/architecture.md).

Every import in the product (including those inside functions and under
TYPE_CHECKING) is read with the standard library's `ast`. A module may import
modules of its own layer or of the layers below; never one above. Within the
middle layer, services, calendar and record do not import one another.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "scheduling", "templates")

# Lowest first. A module belongs to the first layer one of whose prefixes it starts with.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundations", ("templates", "scheduling", "bot.storage")),
    (
        "model",
        (
            "bot.errors",
            "bot.messages",
            "bot.forms",
            "bot.ports",
            "bot.directory",
            "bot.routing",
            "bot.domain",
            "bot.references",
            "bot.wording",
            "bot.mail",
            "bot.settings",
            "bot.logs",
            "bot.text_input",
            "bot.calendar.port",
            "bot.record.content",
            "bot.find_time",
        ),
    ),
    (
        "shared",
        (
            "bot.core",
            "bot.unit",
            "bot.shared",
            "bot.links",
            "bot.metrics",
            "bot.outbox",
            "bot.work_claims",
        ),
    ),
    ("services", ("bot.services", "bot.calendar", "bot.record")),
    ("entry points", ("bot.app", "bot.intents", "bot.jobs", "bot.importer")),
    (
        "adapters",
        (
            "handlers.console",
            "handlers.slack",
            "handlers.teams",
            "handlers.simulated",
            "handlers.web_page",
            "handlers.email",
        ),
    ),
    ("assembly", ("handlers",)),
    ("shell", ("bot",)),  # the command line: bot.cli, bot.cli_*, bot.__main__
)
# Siblings in a layer that must not import each other.
INDEPENDENT = (
    ("bot.services", "bot.calendar", "bot.record"),
    (
        "handlers.console",
        "handlers.slack",
        "handlers.teams",
        "handlers.simulated",
        "handlers.web_page",
        "handlers.email",
    ),
)
NOT_PRODUCT = ("bot.migrations",)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            name = module_name(path)
            if not name.startswith(NOT_PRODUCT):
                found[name] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """The product modules `name` imports (a `from package import module` counts as the module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names]
            if not any(target in known for target in targets):
                targets = [base]  # names from a module, not modules of a package
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def layer_of(name: str) -> int:
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return index
    raise AssertionError(f"{name} is in no layer: add it to LAYERS")


def sibling(name: str, group: tuple[str, ...]) -> str | None:
    """Which of the siblings `name` is part of (the ports below them are part of none)."""
    if layer_of(name) != layer_of(group[0]):
        return None
    return next((p for p in group if name == p or name.startswith(p + ".")), None)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: set(imports(name, path, known)) for name, path in found.items()}


def test_every_module_has_a_layer(graph: dict[str, set[str]]) -> None:
    for name in graph:
        layer_of(name)


def test_no_module_imports_from_a_layer_above_it(graph: dict[str, set[str]]) -> None:
    assert upward_imports(graph) == []


def test_services_calendar_and_record_do_not_import_each_other(
    graph: dict[str, set[str]],
) -> None:
    crossing = [
        f"{name} imports {target}"
        for group in INDEPENDENT
        for name, targets in sorted(graph.items())
        for target in sorted(targets)
        if (own := sibling(name, group)) and (other := sibling(target, group)) and own != other
    ]
    assert crossing == []


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk meets, each as the path round it."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        path.append(name)
        for target in sorted(graph.get(name, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    return cycles


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return [
        f"{name} ({LAYERS[layer_of(name)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
        for name, targets in sorted(graph.items())
        for target in sorted(targets)
        if layer_of(target) > layer_of(name)
    ]


def test_there_is_no_import_cycle(graph: dict[str, set[str]]) -> None:
    assert find_cycles(graph) == []


def test_the_check_sees_an_upward_import_and_a_cycle() -> None:
    """The check itself: a made-up upward import and a made-up cycle are caught."""
    assert upward_imports({"bot.services.respond": {"bot.app"}}) == [
        "bot.services.respond (services) imports bot.app (entry points)"
    ]
    cycle = {"bot.record.chart": {"bot.record.report"}, "bot.record.report": {"bot.record.chart"}}
    assert find_cycles(cycle) == [["bot.record.chart", "bot.record.report", "bot.record.chart"]]


def test_bench_does_not_import_from_the_tests() -> None:
    for path in (REPO / "bench").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("tests"), f"{path.name}: {node.module}"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("tests") for a in node.names), path.name
