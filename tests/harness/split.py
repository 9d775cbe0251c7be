"""Which database runs which test. Most tests run on both SQLite and PostgreSQL; a few run on one only:

- `postgres_only`: the browser journeys and the axe crawl (tests/e2e/, tests/ateliers/test_browser.py), on
  production's database;
- `sqlite_only`: none today (the form fuzzer runs on both databases, its generated examples on SQLite only: see
  tests/harness/fuzz.py's `generated_examples`).

tests/conftest.py deselects, in each run, the tests marked for the other database (pytest's closing line counts
them as "deselected"). CI runs `make test` on both databases, so the union of its two runs is the whole suite:
nothing is lost as long as no test carries both markers, which `split()` refuses."""

DATABASE_MARKERS = {"postgres_only": "postgresql", "sqlite_only": "sqlite"}


class BothDatabasesMarker(Exception):
    pass


def split(vendor: str, markers: dict[str, set[str]]) -> tuple[list[str], list[str]]:
    """(kept, deselected) test ids for a run on `vendor`, given each test id's marker names."""
    kept, deselected = [], []
    for test_id, names in markers.items():
        only = {DATABASE_MARKERS[name] for name in names if name in DATABASE_MARKERS}
        if len(only) > 1:
            raise BothDatabasesMarker(f"{test_id} is marked for two databases: it would run on neither")
        (deselected if only and vendor not in only else kept).append(test_id)
    return kept, deselected
