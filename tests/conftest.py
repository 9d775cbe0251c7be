import json
import sys

import pytest

from tests.factories import CommuneFactory, UserFactory
from tests.harness.split import BothDatabasesMarker, split


def pytest_addoption(parser):
    parser.addoption(
        "--all-databases",
        action="store_true",
        help="run the tests marked postgres_only or sqlite_only whatever the database (tests/harness/split.py)",
    )


def pytest_collection_modifyitems(config, items):
    """Deselect the tests marked for the other database (tests/harness/split.py): CI runs both, whose union is the
    whole suite."""
    if config.getoption("--all-databases"):
        return
    from django.db import connection

    markers = {item.nodeid: {mark.name for mark in item.iter_markers()} for item in items}
    try:
        _kept, deselected = split(connection.vendor, markers)
    except BothDatabasesMarker as error:
        raise pytest.UsageError(str(error)) from None
    config.split_deselected = {"vendor": connection.vendor, "count": len(deselected)}
    if deselected:
        dropped = set(deselected)
        config.hook.pytest_deselected(items=[item for item in items if item.nodeid in dropped])
        items[:] = [item for item in items if item.nodeid not in dropped]


def pytest_sessionfinish(session):
    """Under pytest-xdist, each worker hands the form fuzzer's tally and the axe scans to the controller, which prints
    them (pytest_terminal_summary below)."""
    output = getattr(session.config, "workeroutput", None)
    if output is None:
        return
    output["fuzz_tally"] = json.dumps(getattr(sys.modules.get("tests.harness.fuzz"), "TALLY", {}))
    output["axe_results"] = json.dumps(getattr(sys.modules.get("tests.harness.e2e"), "AXE_RESULTS", {}))
    output["split_deselected"] = json.dumps(getattr(session.config, "split_deselected", None))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    output = getattr(node, "workeroutput", {})
    split = json.loads(output.get("split_deselected") or "null")
    if split:  # every worker collects the whole suite: the same count
        node.config.split_deselected = split
    tally = json.loads(output.get("fuzz_tally") or "{}")
    if tally:
        from tests.harness import fuzz

        fuzz.TALLY.update(tally)
    scans = json.loads(output.get("axe_results") or "{}")
    if scans:
        from tests.harness import e2e

        e2e.AXE_RESULTS.update(scans)


def pytest_terminal_summary(terminalreporter):
    """The form fuzzer's tally and the axe summary, when they ran (in this process or in xdist's workers)."""
    fuzz = sys.modules.get("tests.harness.fuzz")
    if fuzz is not None and fuzz.TALLY:
        fuzz.write_tally(terminalreporter, fuzz.TALLY)
    e2e = sys.modules.get("tests.harness.e2e")
    if e2e is not None:
        e2e.write_axe_summary(terminalreporter)
    split = getattr(terminalreporter.config, "split_deselected", None)
    if split and split["count"]:
        # pytest-xdist's closing line does not count them: said here, under every run.
        terminalreporter.write_line(
            f"{split['count']} tests deselected on {split['vendor']}: marked for the other database, they run in "
            "its run (tests/harness/split.py)"
        )


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def commune(db):
    return CommuneFactory(insee_code="25014", name="Amagney", population=934)


@pytest.fixture
def other_commune(db):
    return CommuneFactory(insee_code="25200", name="Devecey", population=1296)


@pytest.fixture
def gbm_officer(db):
    return UserFactory(username="gbm", gbm=True)


@pytest.fixture
def consultant(db):
    return UserFactory(username="consultant", consultant=True)


@pytest.fixture
def elu(commune):
    return UserFactory(username="elu", elu=True, commune=commune)


@pytest.fixture
def elu_other_commune(other_commune):
    return UserFactory(username="elu_other", elu=True, commune=other_commune)


@pytest.fixture
def client_for(client):
    """Log the test client in as the given user (None: stay anonymous) and return it."""

    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


@pytest.fixture
def users(gbm_officer, consultant, elu, elu_other_commune):
    """The permission matrix's roles (tests/harness/scenario.py's ROLES) and their users; None: anonymous."""
    return {
        "gbm": gbm_officer,
        "consultant": consultant,
        "elu": elu,
        "elu_other": elu_other_commune,
        "anonymous": None,
    }


@pytest.fixture(scope="session", autouse=True)
def _close_other_connections_before_teardown(django_db_setup, django_db_blocker):
    """Browser tests run a live server in another thread, whose PostgreSQL session can outlive it; dropping the
    test database would then fail. End those sessions before pytest-django tears the database down."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
