"""Pages whose body is kept between requests (core/freshness.py): their queries on the computed (cold)
path, and on the path that reads the kept body back."""

import contextlib
import html

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import freshness

# What a page whose body is read back still costs: the session, the user, the data generation.
KEPT_QUERIES = 3


def count_queries(client, url: str, *, cold: bool = True) -> int:
    """The queries of one read of `url` (200 expected); `cold`: as after any write (the body is computed)."""
    if cold:
        freshness.bump()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return html.unescape(response.content.decode())


@contextlib.contextmanager
def same_minute():
    """Every read in the block falls in the same minute (part of every kept fragment's key): a test that reads a page
    twice does not see it computed again because the clock turned a minute in between."""
    with time_machine.travel(timezone.now().replace(second=30), tick=False):
        yield
