"""The application's modules import each other without cycles, imports inside functions included.

import-linter (`.importlinter`, run by .ci/run) checks that the layers point one way; this test checks the finer
grain: no two modules, even inside one domain, depend on each other. grimp (import-linter's graph builder) reads
every import statement, at module level or inside a function.
"""

import grimp

from tests.harness.imports import root_packages

PACKAGES = root_packages()


def import_cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), migrations left out."""
    modules = sorted(m for m in graph.modules if ".migrations" not in m)
    known = set(modules)
    edges = {m: sorted(d for d in graph.find_modules_directly_imported_by(m) if d in known) for m in modules}
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in edges[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return cycles


def test_cycle_finder_sees_a_cycle_through_a_function_level_import(tmp_path, monkeypatch):
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text("def pdf():\n    from cyclic.services import render\n    return render()\n")
    (package / "services.py").write_text("from cyclic.models import pdf\n\n\ndef render():\n    return pdf\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles(grimp.build_graph("cyclic", cache_dir=None)) == [["cyclic.models", "cyclic.services"]]


def test_application_has_no_import_cycles():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert import_cycles(graph) == []
