"""Login throttling behind a reverse proxy: django-axes counts failures per client, never per proxy."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from core.ratelimit import login_client_ip

PROXY = "10.0.0.1"
PASSWORD = "Mot-de-passe-test-1"


def _login(client, password):
    return client.post(reverse("login"), {"username": "consultant", "password": password})


@pytest.mark.django_db
def test_failures_from_one_forwarded_client_do_not_lock_out_another_client_behind_the_same_proxy(settings, consultant):
    settings.RATELIMIT_TRUSTED_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")
    for _ in range(5):
        _login(attacker, "mauvais")
    assert _login(attacker, PASSWORD).status_code == 429

    officer = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert _login(officer, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_client_cannot_escape_the_lockout_by_writing_its_own_forwarded_for(settings, consultant):
    settings.RATELIMIT_TRUSTED_PROXY_COUNT = 1
    for index in range(5):
        # The client writes a new address each time; our proxy appends the one it really saw.
        client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{index}, 203.0.113.66")
        _login(client, "mauvais")
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.66")
    assert _login(client, PASSWORD).status_code == 429


def test_login_client_ip_is_an_address_or_none(settings):
    settings.RATELIMIT_TRUSTED_PROXY_COUNT = 1
    factory = RequestFactory()
    assert login_client_ip(factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="2001:db8::1")) == "2001:db8::1"
    # Too few addresses forwarded (a request that bypassed the proxy): the direct peer counts.
    assert login_client_ip(factory.get("/", REMOTE_ADDR=PROXY)) == PROXY
    # Not an address at all: no value axes would fail to store in its IP address column.
    assert login_client_ip(factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="n'importe quoi")) is None
