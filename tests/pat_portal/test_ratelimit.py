import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from core.ratelimit import client_ip, hit, ratelimit

WINDOW = 3600
START = 1_800_000_000.0  # the start of a window (a multiple of 3600)


@pytest.fixture(autouse=True)
def _empty_cache(db):
    cache.clear()


def test_hits_within_the_limit_are_allowed_then_refused():
    verdicts = [hit("test", "203.0.113.5", limit=5, window=WINDOW, now=START + index) for index in range(6)]
    assert [verdict.allowed for verdict in verdicts] == [True] * 5 + [False]
    assert verdicts[-1].retry_after > 0


def test_each_client_and_scope_has_its_own_counter():
    for _ in range(5):
        hit("test", "203.0.113.5", limit=5, window=WINDOW, now=START)
    assert not hit("test", "203.0.113.5", limit=5, window=WINDOW, now=START).allowed
    assert hit("test", "203.0.113.6", limit=5, window=WINDOW, now=START).allowed
    assert hit("other", "203.0.113.5", limit=5, window=WINDOW, now=START).allowed


def test_the_window_slides_no_double_burst_at_a_boundary():
    for _ in range(5):
        assert hit("test", "ip", limit=5, window=WINDOW, now=START + WINDOW - 10).allowed
    # Just after the boundary, the previous window still weighs almost fully.
    assert not hit("test", "ip", limit=5, window=WINDOW, now=START + WINDOW + 10).allowed


def test_counts_decay_so_the_client_may_come_back_after_the_announced_delay():
    for _ in range(5):
        hit("test", "ip", limit=5, window=WINDOW, now=START + 100)
    refused = hit("test", "ip", limit=5, window=WINDOW, now=START + 200)
    assert not refused.allowed
    assert hit("test", "ip", limit=5, window=WINDOW, now=START + 200 + refused.retry_after).allowed


def test_client_ip_ignores_forwarded_for_unless_proxies_are_trusted(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7")
    settings.RATELIMIT_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"
    settings.RATELIMIT_TRUSTED_PROXY_COUNT = 1
    # The address our proxy saw, never the one the client wrote first.
    assert client_ip(request) == "198.51.100.7"


def test_decorator_answers_429_in_french_and_leaves_get_alone(rf):
    calls = []

    @ratelimit("decorated", limit=1, window=WINDOW, template="missions/support/rate_limited.html")
    def view(request):
        calls.append(request.method)
        return HttpResponse("ok")

    def post():
        request = rf.post("/", REMOTE_ADDR="192.0.2.1")
        request.user = None
        return view(request)

    assert post().status_code == 200
    refused = post()
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Trop de demandes" in refused.content.decode()
    assert view(rf.get("/", REMOTE_ADDR="192.0.2.1")).status_code == 200
    assert calls == ["POST", "GET"]
