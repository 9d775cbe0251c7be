"""`make run` looks like the product (issue 18 item 11): a quiet console that ends with the accounts and the address,
e-mails written to files instead of the terminal, and the portal's own French error pages although DEBUG is on."""

import io
import os
import socket
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from communes.demo import seed_users
from communes.services import DEFAULT_COMMUNES_CSV, import_communes
from core.demo import DEMO_PASSWORD
from core.management.commands.demo_server import Command as DemoServer

ERROR_PAGES = "core.middleware.PortalErrorPagesMiddleware"
ROOT = Path(django_settings.BASE_DIR)


@pytest.fixture
def demo_settings(settings):
    """The settings `make run` gets: DEBUG on, technical error pages off (as test_settings_of_the_demo checks)."""
    settings.DEBUG = True
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, ERROR_PAGES]
    return settings


def middleware_with(**environment) -> list[str]:
    code = "import pat_portal.settings as s; print('\\n'.join(s.MIDDLEWARE))"
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_DEBUG")}
    env.update(DJANGO_SECRET_KEY="x" * 50, **environment)
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return output.stdout.split()


def test_settings_of_the_demo_show_the_portal_error_pages_and_only_there():
    assert ERROR_PAGES in middleware_with(DJANGO_DEBUG="1", DJANGO_DEBUG_TECHNICAL_ERRORS="0")
    assert ERROR_PAGES not in middleware_with(DJANGO_DEBUG="1")  # a developer keeps Django's technical pages
    assert ERROR_PAGES not in middleware_with(DJANGO_DEBUG="0", DJANGO_DEBUG_TECHNICAL_ERRORS="0")


def test_make_run_serves_the_demo_with_its_error_pages_mails_in_files_and_a_quiet_console():
    recipe = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    commands = [line for line in recipe.splitlines() if "manage.py" in line]
    assert all("DJANGO_DEBUG_TECHNICAL_ERRORS=0" in line for line in commands), commands
    assert all("filebased.EmailBackend" in line for line in commands), commands
    assert "migrate --noinput --verbosity 0" in recipe and "seed_demo --verbosity 0" in recipe
    assert "worker --queue-name mail,default --no-reload >> var/worker.log" in recipe
    assert "worker --queue-name documents --no-reload >> var/worker.log" in recipe
    assert commands[-1].rstrip().endswith("manage.py demo_server 127.0.0.1:8000")


@pytest.mark.django_db
def test_an_unknown_url_gets_the_french_404_page_in_the_demo(demo_settings, client, elu):
    client.force_login(elu)
    response = client.get("/communes/25014/une-page-modifiee-a-la-main/")
    content = response.content.decode()
    assert response.status_code == 404
    assert "Page introuvable" in content
    assert "Using the URLconf" not in content and "urlpatterns" not in content


@pytest.mark.django_db
def test_another_commune_page_gets_the_french_404_page_in_the_demo(demo_settings, client, elu, other_commune):
    client.force_login(elu)
    response = client.get(reverse("communes:detail", args=[other_commune.insee_code]))
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


@pytest.mark.django_db
def test_a_server_error_gets_the_french_500_page_and_its_traceback_goes_to_the_log(
    demo_settings, client, elu, commune, caplog
):
    client.force_login(elu)
    client.raise_request_exception = False  # the error is signalled as Django does (got_request_exception)
    with mock.patch("communes.views.hub.sections_for", side_effect=RuntimeError("panne simulée")):
        response = client.get(commune.get_absolute_url())
    assert response.status_code == 500
    assert "Erreur du serveur" in response.content.decode()
    assert "panne simulée" not in response.content.decode()
    assert any(record.exc_info and "panne simulée" in str(record.exc_info[1]) for record in caplog.records)


@pytest.mark.django_db
def test_a_missing_final_slash_still_redirects_in_the_demo(demo_settings, client, elu):
    client.force_login(elu)
    response = client.get("/communes")
    assert response.status_code == 301 and response["Location"] == "/communes/"


@pytest.mark.django_db
def test_without_the_demo_setting_debug_shows_django_technical_404(settings, client, elu):
    settings.DEBUG = True
    client.force_login(elu)
    assert "Using the URLconf" in client.get("/une-page-qui-n-existe-pas/").content.decode()


@pytest.mark.django_db
def test_demo_server_prints_the_accounts_and_the_address_last():
    import_communes(path=DEFAULT_COMMUNES_CSV)
    seed_users()
    output = io.StringIO()
    server = DemoServer(stdout=output)
    server.addr, server._raw_ipv6, server.protocol = "127.0.0.1", False, "http"
    server.on_bind(8000)
    lines = [line for line in output.getvalue().splitlines() if line.strip()]
    assert lines[-1].startswith("Portail : http://127.0.0.1:8000/")
    assert f"Mot de passe de tous les comptes : {DEMO_PASSWORD}" in lines
    assert any(line.split()[0] == "elu.amagney" and "Amagney" in line for line in lines[2:])
    assert lines[2].split()[0] == "claire.gbm"  # GBM first, then consultants, then élus


def test_make_run_takes_its_port_from_port_and_mails_link_to_that_same_address():
    recipe = subprocess.run(["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, check=True)
    commands = [line for line in recipe.stdout.splitlines() if "manage.py" in line]
    assert commands[-1].rstrip().endswith("manage.py demo_server 127.0.0.1:8123")
    assert all("DJANGO_SITE_URL=http://127.0.0.1:8123" in line for line in commands), commands


def test_make_run_installs_without_the_editable_install_banner_nor_the_dev_tools():
    recipe = subprocess.run(["make", "-n", "-B", "install"], cwd=ROOT, capture_output=True, text=True, check=True)
    pip_lines = [line for line in recipe.stdout.splitlines() if "pip install" in line]
    assert pip_lines[-1].endswith("pip install --quiet .")  # not `-e` (setuptools' banner), not `[dev]` on a server
    assert not any("[dev]" in line for line in pip_lines)


def test_a_taken_port_is_refused_in_french_with_the_way_out():
    from django.core.management.base import CommandError

    from core.management.commands.demo_server import refuse_a_taken_port

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommandError, match=f"Le port {port} est déjà utilisé.*make run PORT={port + 1}"):
            refuse_a_taken_port(f"127.0.0.1:{port}")
    refuse_a_taken_port(f"127.0.0.1:{port}")  # free again: nothing to say
