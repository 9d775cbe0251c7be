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
    """The kernel's models that carry a commune (an élu, an élu's invitation, a deliverable) name it as a lazy
    foreign key; no module of `core` imports `communes`."""
    references = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                for call in ast.walk(node):
                    if (
                        isinstance(call, ast.Call)
                        and call.args
                        and isinstance(call.args[0], ast.Constant)
                        and str(call.args[0].value).startswith("communes.")
                    ):
                        references.append((node.name, getattr(call.func, "attr", ""), call.args[0].value))
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert not any(name.split(".")[0] == "communes" for name in names), path
    assert sorted(references) == [
        ("Deliverable", "ForeignKey", "communes.Commune"),
        ("Invitation", "ForeignKey", "communes.Commune"),
        ("User", "ForeignKey", "communes.Commune"),
    ]
