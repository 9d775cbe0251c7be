"""The suite's split between the databases (tests/harness/split.py): each run deselects only the other database's
tests, so SQLite's run and PostgreSQL's together run every test."""

import importlib
from pathlib import Path

import pytest

from tests.harness.split import BothDatabasesMarker, split

MARKERS = {
    "test_plain": {"django_db"},
    "test_browser": {"postgres_only", "django_db"},
    "test_sqlite": {"sqlite_only"},
}


def test_each_database_deselects_only_the_other_ones_tests():
    assert split("sqlite", MARKERS) == (["test_plain", "test_sqlite"], ["test_browser"])
    assert split("postgresql", MARKERS) == (["test_plain", "test_browser"], ["test_sqlite"])


def test_the_two_runs_together_are_the_whole_suite():
    sqlite_kept, _ = split("sqlite", MARKERS)
    postgres_kept, _ = split("postgresql", MARKERS)
    assert set(sqlite_kept) | set(postgres_kept) == set(MARKERS)


def test_a_test_marked_for_both_databases_is_refused():
    with pytest.raises(BothDatabasesMarker, match="test_lost"):
        split("sqlite", {"test_lost": {"postgres_only", "sqlite_only"}})


def _module_marks(module: str) -> set[str]:
    marks = importlib.import_module(module).pytestmark
    return {mark.name for mark in (marks if isinstance(marks, list) else [marks])}


def test_the_browser_tests_are_marked_postgres_only():
    """The split this suite was designed with (docs/adr/0003-test-suite-split.md): a marker lost in an edit would put
    a browser test back on SQLite without failing anything."""
    browser = [f"tests.e2e.{path.stem}" for path in sorted((Path(__file__).parent / "e2e").glob("test_*.py"))]
    assert len(browser) >= 8
    for module in [*browser, "tests.ateliers.test_browser"]:
        assert "postgres_only" in _module_marks(module), module


def test_the_fuzzer_generates_examples_on_sqlite_only(monkeypatch):
    """The form fuzzer runs on both databases: its explicit examples (one per class of fault it found, one of them
    found on PostgreSQL only) everywhere, its generated examples on SQLite (tests/harness/fuzz.py)."""
    from tests.harness import fuzz

    monkeypatch.setattr(fuzz, "ASKED_EXAMPLES", None)
    assert fuzz.generated_examples("sqlite") == fuzz.DEFAULT_EXAMPLES > 0
    assert fuzz.generated_examples("postgresql") == 0
    monkeypatch.setattr(fuzz, "ASKED_EXAMPLES", "500")
    assert fuzz.generated_examples("postgresql") == fuzz.generated_examples("sqlite") == 500
