"""The test suite's own layout: shared machinery lives in tests/harness/, no test file imports another.

A test module that imports another one runs (and collects) code that belongs to other tests, and a helper hidden
in a `test_*.py` or a conftest cannot be found by its name. Shared helpers go to `tests/harness/`, factories to
`tests/factories*.py`, fixtures to a conftest (where pytest finds them without any import).
"""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(TESTS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every module the file imports; for `from package import name`, both the package and
    `package.name` (which may be a module); relative imports resolved against the file's package."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    imported = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            imported += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            imported.append((node.lineno, base))
            imported += [(node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*"]
    return imported


def test_no_test_file_imports_another_test_file():
    files = sorted(path for path in TESTS.rglob("*.py") if "__pycache__" not in path.parts)
    assert len(files) > 50, f"only {len(files)} files found under {TESTS}"
    offending = [
        f"{path.relative_to(TESTS.parent)}:{line} imports {module}"
        for path in files
        for line, module in _imported_modules(path)
        if module.split(".")[0] == "tests"
        and (module.rpartition(".")[2].startswith("test_") or module.rpartition(".")[2] == "conftest")
    ]
    assert offending == [], "Move what is shared to tests/harness/:\n" + "\n".join(offending)
