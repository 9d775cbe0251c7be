"""WeasyPrint's layout of a PDF's HTML, the slow part of every PDF, kept in the `pdfs` cache under the SHA-256 of the
HTML and options. Used by `pdf.render_pdf` in a request and by the task worker (`tasks.lay_out_pdf`,
`tasks.freeze_deliverable_pdf`) for long documents and frozen versions.

Resources are read from the static folders only: a PDF never fetches anything over the network.

An erasure (a contact anonymised, an account ended) empties the whole cache (`purge_cache`): a cached file may name
the person, and finding which ones would mean reading every PDF; the next request lays its document out again. A
layout under way during the purge is handed to whoever waits for it but not kept (`purge_mark`).

Each layout the worker does records its speed (seconds per 1,000 characters of HTML), from which the « Document en
préparation » page says how long the next one should take (`expect`, `expectation`).
"""

import hashlib
import mimetypes
import multiprocessing
import secrets
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import caches
from django.db import transaction

ARCHIVAL_VARIANT = "pdf/a-3u"
STATIC_PREFIX = "static:/"


def _static_url_fetcher(url: str, *args, **kwargs) -> dict:
    """Serve `static:/…` URLs from the static files; refuse everything else (no network, no local files)."""
    if url.startswith(STATIC_PREFIX):
        relative = url[len(STATIC_PREFIX) :].lstrip("/")
        path = finders.find(relative)
        if path:
            data = Path(path).read_bytes()
            return {"string": data, "mime_type": mimetypes.guess_type(path)[0] or "application/octet-stream"}
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher  # on first use, like `lay_out`'s: a second to load

        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"Ressource refusée dans un PDF : {url}")


def cache_key(html: str, archival: bool) -> str:
    options = {"pdf_variant": ARCHIVAL_VARIANT} if archival else {}
    return "pdf:" + hashlib.sha256(f"{sorted(options.items())}\0{html}".encode()).hexdigest()


def _write_pdf(html: str, archival: bool) -> bytes:
    from weasyprint import HTML  # imported on first use: it takes a second to load

    options = {"pdf_variant": ARCHIVAL_VARIANT} if archival else {}
    document = HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=_static_url_fetcher)
    return document.write_pdf(**options)


PURGE_MARK = "purge-mark"


def purge_mark() -> str | None:
    """Changes at each purge: read it before the HTML is written, and a layout is kept only if it has not changed."""
    return caches["pdfs"].get(PURGE_MARK)


def purge_cache() -> None:
    """Empty the PDF cache (every layout, pending and failed mark, speed): an erased person's name leaves the disk."""
    cache = caches["pdfs"]
    cache.clear()
    cache.set(PURGE_MARK, secrets.token_hex(8), timeout=None)


def forget(key: str) -> None:
    """Drop one layout: written before a purge (`purge_mark` changed since), it may name an erased person."""
    caches["pdfs"].delete(key)


def purge_cache_on_commit(**kwargs) -> None:
    """After the erasure is committed: before it, a request could still write (and keep) the person's name."""
    transaction.on_commit(purge_cache)


def lay_out(html: str, *, archival: bool = False, key: str | None = None) -> bytes:
    """WeasyPrint's layout of `html` (the slow part), kept in the `pdfs` cache."""
    mark = purge_mark()
    return _keep(_write_pdf(html, archival), html, archival, key, mark)


def _keep(pdf: bytes, html: str, archival: bool, key: str | None, mark) -> bytes:
    cache = caches["pdfs"]
    key = key or cache_key(html, archival)
    if mark == purge_mark():  # else the cache was purged meanwhile: this HTML may name an erased person
        cache.set(key, pdf)
    cache.delete("pending:" + key)
    return pdf


# Seconds of layout per 1,000 characters of HTML until a layout has been measured here: the programme report's, the
# longest document (bench/pdfs.py, scale 20, fonts subset by HarfBuzz: 6.6 s of CPU for 148,000 characters).
DEFAULT_SECONDS_PER_KCHAR = 0.045
SPEED_KEY = "layout-speed"
# Shorter documents are dominated by fixed costs: their speed is not recorded.
SPEED_MIN_CHARS = 10_000


@dataclass(frozen=True)
class Expectation:
    seconds: int  # how long the layout should take in all
    remaining: int  # how long it should still take (0: longer than expected)


def expected_seconds(html_chars: int) -> float:
    speed = caches["pdfs"].get(SPEED_KEY) or DEFAULT_SECONDS_PER_KCHAR
    return html_chars / 1000 * speed


def record_speed(html_chars: int, seconds: float) -> None:
    """A moving average of the worker's speed, in seconds per 1,000 characters of HTML."""
    if html_chars < SPEED_MIN_CHARS:
        return
    cache = caches["pdfs"]
    observed = seconds / (html_chars / 1000)
    previous = cache.get(SPEED_KEY)
    cache.set(SPEED_KEY, observed if previous is None else 0.7 * previous + 0.3 * observed, timeout=None)


def expect(name: str, html: str, *, timeout: int) -> None:
    """Remember when the layout of `name` was queued and how long it should take."""
    caches["pdfs"].set(
        "expected:" + name, {"since": time.time(), "seconds": expected_seconds(len(html))}, timeout=timeout
    )


def expectation(name: str) -> Expectation | None:
    expected = caches["pdfs"].get("expected:" + name)
    if expected is None:
        return None
    seconds = max(1, round(expected["seconds"]))
    return Expectation(seconds, max(0, round(expected["seconds"] - (time.time() - expected["since"]))))


class LayoutOverBudget(Exception):
    """The layout took longer than `DOCUMENT_TIME_BUDGET` seconds and was stopped."""


class LayoutInterrupted(Exception):
    """The worker was asked to stop (SIGTERM, SIGINT) during the layout, which was stopped at once."""


class LayoutFailed(Exception):
    """WeasyPrint failed on the document (the child process ended without a PDF)."""


def _child(connection, html: str, archival: bool) -> None:
    try:
        connection.send_bytes(_write_pdf(html, archival))
    finally:
        connection.close()


POLL_SECONDS = 0.1


def lay_out_within_budget(
    html: str, *, archival: bool = False, key: str | None = None, budget: float | None = None
) -> bytes:
    """`lay_out` in a child process, stopped after `budget` seconds (`DOCUMENT_TIME_BUDGET` by default:
    LayoutOverBudget) or as soon as
    the worker gets a stop signal (LayoutInterrupted): the task worker's loop is never held longer than the budget,
    and it stops within a tenth of a second instead of waiting for the end of a layout of several minutes.

    The child is forked from the worker, WeasyPrint already imported (so it costs no second to load); it touches
    neither the database nor the cache, and hands the PDF back through a pipe.
    """
    import weasyprint  # noqa: F401  loaded once in the worker, inherited by each child

    budget = settings.DOCUMENT_TIME_BUDGET if budget is None else budget
    mark = purge_mark()
    started = time.monotonic()
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(writer, html, archival), daemon=True)
    stop = threading.Event()
    restore = _on_stop_signals(stop)
    try:
        child.start()
        writer.close()
        deadline = time.monotonic() + budget
        while not reader.poll(POLL_SECONDS):
            if stop.is_set():
                raise LayoutInterrupted
            if time.monotonic() >= deadline:
                raise LayoutOverBudget(f"mise en page arrêtée après {budget} s")
            if not child.is_alive() and not reader.poll(0):
                raise LayoutFailed(f"la mise en page s'est arrêtée (code {child.exitcode})")
        try:
            pdf = reader.recv_bytes()
        except EOFError as error:
            raise LayoutFailed(f"la mise en page s'est arrêtée (code {child.exitcode})") from error
    finally:
        restore()
        reader.close()
        if child.is_alive():
            child.kill()
        if child.pid is not None:
            child.join()
    record_speed(len(html), time.monotonic() - started)
    return _keep(pdf, html, archival, key, mark)


def _on_stop_signals(stop: threading.Event):
    """While a layout runs, SIGTERM and SIGINT also set `stop` (the worker's own handler still runs: it finishes the
    task in hand, then exits). Returns what restores the previous handlers. Outside the main thread: nothing."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {}

    def handler(signum, frame):
        stop.set()
        earlier = previous.get(signum)
        if callable(earlier):
            earlier(signum, frame)
        elif earlier == signal.SIG_DFL:
            raise KeyboardInterrupt if signum == signal.SIGINT else SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, handler)

    def restore():
        for signum, earlier in previous.items():
            signal.signal(signum, earlier)

    return restore
