"""The import contracts cover the whole code, and the kernel's one upward reference stays the one documented.

`lint-imports` checks the modules that `.importlinter` names; a module outside every layer would be checked by no
one. This test reads the layers from `.importlinter` and refuses any module of the five packages that no layer holds.
The kernel (`core`) names `communes.Commune` as a lazy foreign key (an élu's commune, a deliverable's commune), which
no import graph can see: docs/architecture.md records it as the one deliberate exception, and this test keeps it one.
"""

import ast

import grimp

from tests.harness.imports import ROOT, layer_modules, root_packages

PACKAGES = root_packages()


def uncovered(modules, layers) -> list[str]:
    roots = {module.split(".")[0] for module in layers}
    return sorted(
        module
        for module in modules
        if module not in roots and not any(module == layer or module.startswith(layer + ".") for layer in layers)
    )


def test_every_module_sits_in_a_layer():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert uncovered(graph.modules, layer_modules()) == []


def test_a_module_outside_every_layer_is_found():
    assert uncovered(["core.access", "missions.newdomain.models", "missions"], ["core", "missions.money"]) == [
        "missions.newdomain.models"
    ]


def test_the_root_packages_hold_no_code_of_their_own():
    """A root package is covered only through its modules: its own __init__ must stay empty of imports."""
    for package in PACKAGES:
        source = (ROOT / package / "__init__.py").read_text()
        assert not [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Import | ast.ImportFrom)]


def test_the_kernel_names_the_commune_model_only_as_a_lazy_foreign_key():
    references = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("communes."):
                references.append((path.relative_to(ROOT).as_posix(), node.value))
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert not any(name.split(".")[0] == "communes" for name in names), path
    # The user's commune, an invitation's (the commune the élu's account will carry, issue 24) and a deliverable's.
    assert references == [("core/models.py", "communes.Commune")] * 3
