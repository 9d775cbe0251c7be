import pytest

from tests.factories import CommuneFactory, UserFactory


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
