"""SQLite under parallel writes, the way production-like servers run it: gunicorn workers on one database file.

Twelve people sending the public support form at the same moment used to get about half "database is locked"
errors (500). With the write lock taken when a transaction begins (`transaction_mode` IMMEDIATE) and a wait of
up to 20 s, every submission is stored. A fresh database file migrated by `migrate` alone must also have the cache
table the public form's rate limiter writes to (no `createcachetable` step).

The server runs in a subprocess on a temporary database file (an in-memory test database would share one
connection); skipped on PostgreSQL, where these locks do not exist.
"""

import http.client
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = 12
FORM_URL = "/demandes/nouvelle/"

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite's database-level write lock only",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def server_env(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sqlite-parallel")
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "DATABASE_"))},
        "DJANGO_SETTINGS_MODULE": "pat_portal.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        "DJANGO_MEDIA_ROOT": str(directory / "media"),
        "DJANGO_PDF_CACHE_DIR": str(directory / "pdf-cache"),
        # Each simulated person comes through "our" proxy with their own address: the rate limit counts per person.
        "DJANGO_TRUSTED_PROXY_COUNT": "1",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    _manage(env, "migrate", "--noinput")
    return env, directory / "db.sqlite3"


def test_a_fresh_database_migrated_without_createcachetable_has_the_cache_table(server_env):
    _env, database = server_env
    with closing(sqlite3.connect(database)) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert settings.CACHES["default"]["LOCATION"] in tables


@pytest.fixture(scope="module")
def server(server_env):
    env, database = server_env
    _manage(
        env,
        "shell",
        "-c",
        "from tests.factories import CommuneFactory, ProgrammeFactory; "
        "ProgrammeFactory(); CommuneFactory(insee_code='25014', name='Amagney')",
    )
    port = _free_port()
    log = open(database.parent / "gunicorn.log", "wb")  # noqa: SIM115 (closed with the server)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "pat_portal.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "3", "--threads", "4", "--timeout", "60"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _request(port, "GET", "/sante/")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield port, database
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _request(port, method, path, *, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode()
    finally:
        connection.close()


def _prepared_submission(port, index):
    """One person opens the form (their own CSRF cookie, hidden fields) and fills it in."""
    forwarded = {"X-Forwarded-For": f"198.51.100.{index + 1}"}
    status, headers, page = _request(port, "GET", FORM_URL, headers=forwarded)
    assert status == 200
    cookies = "; ".join(value.split(";", 1)[0] for name, value in headers if name.lower() == "set-cookie")
    hidden = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name:
            hidden[name.group(1)] = value.group(1) if value else ""
    commune_id = re.search(r'<option value="(\d+)"[^>]*>\s*Amagney', page).group(1)
    data = {
        **hidden,
        "requester_kind": "association",
        "organisation": f"Association n° {index}",
        "contact_name": f"Personne {index}",
        "email": f"personne{index}@example.org",
        "phone": "",
        "commune": commune_id,
        "title": f"Jardin partagé n° {index}",
        "kind": "jardin",
        "description": "Un jardin partagé derrière l'école.",
        "help_wanted": "Trouver un terrain.",
        "already_under_way": "0",
        "verification": "",
    }
    headers = {**forwarded, "Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded"}
    return urlencode(data), headers


def test_twelve_simultaneous_public_submissions_are_all_stored(server):
    port, database = server
    prepared = [_prepared_submission(port, index) for index in range(SUBMISSIONS)]
    start = threading.Barrier(SUBMISSIONS)
    results = [None] * SUBMISSIONS

    def submit(index):
        body, headers = prepared[index]
        start.wait()
        status, response_headers, _page = _request(port, "POST", FORM_URL, body=body, headers=headers)
        results[index] = (status, dict(response_headers).get("Location"))

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(SUBMISSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert results == [(302, "/demandes/nouvelle/merci/")] * SUBMISSIONS
    with closing(sqlite3.connect(database)) as connection:
        stored = connection.execute(
            "SELECT COUNT(*), COUNT(DISTINCT year || '-' || number) FROM missions_supportrequest"
        )
        assert stored.fetchone() == (SUBMISSIONS, SUBMISSIONS)
