"""Fragments of pages kept ready between requests, and never shown stale: every key carries the *data generation*.

The data generation is a token in the shared cache (the default cache: Redis or the database), replaced after every
write to the database. Writes are watched on the database connection itself (an execute wrapper installed on every
connection), so that `save()`, `queryset.update()`, `bulk_create`, raw SQL, the admin, imports, migrations and the
task worker all count: there is no signal to forget. A fragment computed before a write is therefore never read
after it, by this process or any other.

    html, count = freshness.cached(
        "home", user.pk, since, compute=lambda: (render_to_string(...), home.todo_count)
    )

- The `vary` parts say whose and which fragment it is: always the user (or what decides what they may see) and
  every input of the page that is not in the database (GET filters, the visit's start, the day…). The minute is
  added to every key, so what depends on the clock alone (« en retard », « dans 3 jours ») is at most a minute old.
- Fragments live in the "fragments" cache (each process's memory: they are only ever read under the current
  generation, so a process's own copy is as good as a shared one). Nothing holding a CSRF token, a CSP nonce or a
  message is cached: the page around the fragment is rendered on every request.
- Writes that change nothing any page shows are declared with `unwatched()` (the home page's visit time). Tables
  that are not data are never watched: sessions, the cache table, the login throttle's.

A request's writes outside transactions (each one committed at once) replace the generation once, when the view has
answered (`FreshnessMiddleware`, before the answer is sent; earlier if the same request reads a fragment after
writing). Elsewhere (the worker, commands) a write outside transactions replaces it before the connection's next
statement or read of the generation. Within a transaction, the generation is replaced for this connection as soon
as it reads one (a request reads its own writes fresh) and again when the transaction commits (other processes,
which cannot see uncommitted rows, do not keep a fragment computed between the write and the commit).
"""

import contextlib
import hashlib
import re
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache, caches
from django.core.signals import request_finished, request_started
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, pre_migrate
from django.utils import timezone

T = TypeVar("T")

GENERATION_KEY = "freshness:generation"
FRAGMENT_TIMEOUT = 3600
_MISSING = object()
# Statements that change data; the table is read to leave out the tables that are not data. (Schema changes come with
# `migrate`, after which the generation is replaced once.)
WRITE = re.compile(
    r'^\s*(?:(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w.]+)|TRUNCATE)', re.IGNORECASE
)
_migrating = False


def _ignored_tables() -> frozenset[str]:
    tables = {"django_session", "django_migrations", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}
    for config in settings.CACHES.values():
        if config["BACKEND"].endswith("DatabaseCache"):
            tables.add(config["LOCATION"])
    return frozenset(tables)


class _State:
    """Per connection (so per thread): whether this connection wrote since it last replaced the generation."""

    def __init__(self):
        self.dirty = False
        self.pending = False  # a write outside requests and transactions, not made known yet
        self.generation: str | None = None  # read once per request (every time outside requests)
        self.in_request = False
        self.paused = 0


def _state(connection) -> _State:
    state = getattr(connection, "_freshness", None)
    if state is None:
        state = connection._freshness = _State()
    return state


def bump() -> str:
    """Replace the data generation: every fragment cached so far is no longer read."""
    token = secrets.token_hex(8)
    with unwatched():
        cache.set(GENERATION_KEY, token, timeout=None)
    for connection in connections.all(initialized_only=True):
        state = _state(connection)
        state.dirty, state.pending, state.generation = False, False, token
    return token


def _bump_on_commit():
    state = _state(connections["default"])
    if state.in_request:
        state.dirty = True  # replaced once when the view has answered (FreshnessMiddleware)
    else:
        bump()


def generation() -> str:
    """The current data generation (read from the shared cache once per request, or replaced if this connection
    wrote since)."""
    connection = connections["default"]
    state = _state(connection)
    if state.dirty or state.pending:
        return bump()
    if state.generation is None or not state.in_request:
        with unwatched():
            state.generation = cache.get(GENERATION_KEY)
        if state.generation is None:
            return bump()
    return state.generation


def _watch_writes(execute, sql, params, many, context):
    connection = context["connection"]
    state = _state(connection)
    if state.paused or _migrating:
        return execute(sql, params, many, context)
    if state.pending:
        # A write committed at once outside a request: made known before this connection goes on. Never within the
        # writing statement itself: SQLite completes an INSERT … RETURNING only when its row is fetched.
        bump()
    match = WRITE.match(sql)
    if match and (match.group(1) or "").strip('"').split(".")[-1] not in IGNORED_TABLES:
        state.dirty = True
        if connection.in_atomic_block:
            if not any(hook is _bump_on_commit for _, hook, _ in connection.run_on_commit):
                connection.on_commit(_bump_on_commit)
        elif not state.in_request:
            state.pending = True
    return execute(sql, params, many, context)


@contextlib.contextmanager
def unwatched():
    """Writes in this block change nothing a page shows (they do not replace the generation)."""
    states = [_state(connection) for connection in connections.all(initialized_only=True)]
    for state in states:
        state.paused += 1
    try:
        yield
    finally:
        for state in states:
            state.paused -= 1


def cached(name: str, *vary, compute: Callable[[], T], timeout: int = FRAGMENT_TIMEOUT) -> T:
    """`compute()`'s result for these `vary` parts under the current data generation and minute: computed once,
    then read from the fragments cache until the next write or the next minute."""
    minute = timezone.now().strftime("%Y%m%d%H%M")
    parts = "|".join(str(part) for part in (name, generation(), minute, *vary))
    key = f"fragment:{name}:{hashlib.sha256(parts.encode()).hexdigest()[:40]}"
    fragments = caches["fragments"]
    value = fragments.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        fragments.set(key, value, timeout=timeout)
    return value


def install(connection, **kwargs):
    """Watch this connection's writes (connected to `connection_created`; idempotent)."""
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


def _request_started(**kwargs):
    for connection in connections.all():
        state = _state(connection)
        state.generation, state.in_request = None, True


def _bump_if_written():
    for connection in connections.all(initialized_only=True):
        if _state(connection).dirty and not connection.in_atomic_block:
            bump()
            return


class FreshnessMiddleware:
    """Replaces the generation once the view has written, before its answer leaves: the browser's next request
    (the page a form redirects to, served by any process) never reads a fragment kept from before the write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        _bump_if_written()
        return response


def _request_finished(**kwargs):
    for connection in connections.all(initialized_only=True):
        state = _state(connection)
        if state.dirty and not connection.in_atomic_block:
            bump()  # what a streamed answer wrote after the middleware
        state.generation, state.in_request = None, False


def _migration_started(**kwargs):
    global _migrating
    _migrating = True


def _migration_finished(**kwargs):
    # Sent once per app after `migrate` (and after `flush`): the cache table exists again by then.
    global _migrating
    _migrating = False
    bump()


def connect():
    """Called once by the kernel's AppConfig.ready()."""
    global IGNORED_TABLES
    IGNORED_TABLES = _ignored_tables()
    connection_created.connect(install, dispatch_uid="freshness_install")
    request_started.connect(_request_started, dispatch_uid="freshness_request_started")
    request_finished.connect(_request_finished, dispatch_uid="freshness_request_finished")
    pre_migrate.connect(_migration_started, dispatch_uid="freshness_migration_started")
    post_migrate.connect(_migration_finished, dispatch_uid="freshness_migration_finished")
    for connection in connections.all(initialized_only=True):
        install(connection)


IGNORED_TABLES: frozenset[str] = frozenset()
