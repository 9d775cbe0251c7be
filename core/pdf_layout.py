"""WeasyPrint's layout of a PDF's HTML, the slow part of every PDF, kept in the `pdfs` cache under the SHA-256 of the
HTML and options. Used by `pdf.render_pdf` in a request and by the task worker (`tasks.lay_out_pdf`,
`tasks.freeze_deliverable_pdf`) for long documents and frozen versions.

Resources are read from the static folders only: a PDF never fetches anything over the network.
"""

import hashlib
import mimetypes
import multiprocessing
import signal
import threading
import time
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import caches

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


def lay_out(html: str, *, archival: bool = False, key: str | None = None) -> bytes:
    """WeasyPrint's layout of `html` (the slow part), kept in the `pdfs` cache."""
    return _keep(_write_pdf(html, archival), html, archival, key)


def _keep(pdf: bytes, html: str, archival: bool, key: str | None) -> bytes:
    cache = caches["pdfs"]
    key = key or cache_key(html, archival)
    cache.set(key, pdf)
    cache.delete("pending:" + key)
    return pdf


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
    return _keep(pdf, html, archival, key)


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
