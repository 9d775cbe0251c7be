"""The one PDF helper: a Django template rendered to PDF bytes by WeasyPrint.

PDF templates extend `layout/base_pdf.html` (A4, French, page numbers). Resources are read from
the static folders only: a PDF never fetches anything over the network.

WeasyPrint lays out about 5 to 10 pages a second on this project's documents (issue 10 benchmark: a
26-page action plan takes 2.5 s), while the HTML takes a few milliseconds. So a rendered PDF is kept in
the `pdfs` cache under the SHA-256 of its HTML and options: the same content is laid out once, any change
(an action edited, a new date printed) makes another key, and nothing has to be invalidated.

A cold layout of a long document (the 54-page programme report: 6.5 s of CPU at scale 20) must not hold a request
(issue 19). During a GET (`DeferLongLayoutsMiddleware` sets `deferring_for`), a document whose HTML is long and not
laid out yet is queued for the task worker (`tasks.lay_out_pdf`) and `LayoutQueued` is raised: the middleware answers
with the « document en préparation » page, which reloads itself (a meta refresh, no script) until the file is in
the cache; a layout stopped at its time budget (`DOCUMENT_TIME_BUDGET`, tasks.lay_out_pdf) makes that page say so
and stop reloading (`LayoutOverBudget`). The document a person asked for is remembered for a few minutes under their user and URL, so that the
reload gets it even when the HTML has changed meanwhile (a report printing the time of day). Short documents and
anything outside a GET (the frozen versions, rendered by their own task) are laid out as before.

The waiting page says how long the layout should take (`LayoutQueued.expected`, from the worker's measured speed),
and an erasure empties the whole cache (`pdf_layout.purge_cache`, docs/adr/0010).
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.template.loader import render_to_string

from core.pdf_layout import Expectation, cache_key, expect, expectation, forget, lay_out, purge_mark
from core.tasks import frozen_layout_name, lay_out_pdf

# From this length of HTML, a document is laid out by the task worker during a GET: about 2 KB a page, and
# WeasyPrint lays out about 10 pages a second (bench/pdfs.py: 13 pages in 1.1 s, 26 in 1.9 s, 54 in 6.5 s of CPU).
LONG_HTML_CHARS = 20_000
# A queued layout not done within this time after its budget (worker stopped, crashed) is queued again by the next
# reload: the time it may wait behind another document, plus its own budget.
PENDING_MARGIN_SECONDS = 120
# How long the document a person asked for is kept for them at its URL (see the module's docstring).
ASKED_SECONDS = 300

# The slot (user and URL) of the GET being served, while long layouts may be queued; None otherwise.
deferring_for: ContextVar[str | None] = ContextVar("deferring_for", default=None)
# While a frozen version is prepared: the HTML of each archival document written, not laid out.
_captured: ContextVar[list | None] = ContextVar("captured_layouts", default=None)


@contextmanager
def capturing_layouts():
    """`render_pdf` writes the HTML of each document and collects it here instead of laying it out (returning b""):
    a frozen version's HTML is written from the content validated, its layout is left to the task worker."""
    layouts: list[str] = []
    token = _captured.set(layouts)
    try:
        yield layouts
    finally:
        _captured.reset(token)


class LayoutQueued(Exception):
    """A long document is being laid out by the task worker; the page « document en préparation » answers, with how
    long the layout should take when that is known."""

    def __init__(self, expected: Expectation | None = None):
        super().__init__()
        self.expected = expected


class LayoutOverBudget(Exception):
    """The worker stopped this document's layout at its time budget a moment ago; the page says so, in French."""


def frozen_layout_queued(deliverable) -> LayoutQueued:
    """« Document en préparation » for a validated version whose PDF/A the worker is laying out."""
    return LayoutQueued(expectation(frozen_layout_name(deliverable.pk)))


def render_pdf(template_name: str, context: dict, *, archival: bool = False) -> bytes:
    """Render `template_name` with `context` to PDF bytes; `archival=True` gives PDF/A-3u (frozen versions).

    During a GET, a long document not laid out yet raises LayoutQueued instead (see the module's docstring).
    """
    mark = purge_mark()  # read before the HTML: a purge from now on keeps this layout out of the cache
    html = render_to_string(template_name, {"archival": archival, **context})
    captured = _captured.get()
    if captured is not None and archival:
        captured.append(html)
        return b""
    key = cache_key(html, archival)
    pdf = caches["pdfs"].get(key)
    if pdf is not None:
        return pdf
    slot = deferring_for.get()
    if slot is not None and len(html) >= LONG_HTML_CHARS:
        return _queued_layout(html, archival=archival, key=key, slot=slot, mark=mark)
    pdf = lay_out(html, archival=archival, key=key)
    if purge_mark() != mark:
        forget(key)
    return pdf


def _queued_layout(html: str, *, archival: bool, key: str, slot: str, mark: str | None) -> bytes:
    """The PDF if the worker has laid out what this person asked for at this URL; else queue it, raise LayoutQueued."""
    cache = caches["pdfs"]
    asked = cache.get(slot)
    if asked is not None and asked != key:
        pdf = cache.get(asked)
        if pdf is not None:
            return pdf  # the document asked for a moment ago; what it printed (an hour, a date) has changed since
        if cache.get("pending:" + asked) is not None:
            raise LayoutQueued(expectation(asked))
    if cache.get("failed:" + key) is not None:
        raise LayoutOverBudget
    cache.set(slot, key, timeout=ASKED_SECONDS)
    pending_seconds = settings.DOCUMENT_TIME_BUDGET + PENDING_MARGIN_SECONDS
    if cache.add("pending:" + key, True, timeout=pending_seconds):
        expect(key, html, timeout=pending_seconds)
        lay_out_pdf.enqueue(html, archival=archival, key=key, mark=mark)
    pdf = cache.get(key)  # already there when tasks run at once (the tests' immediate backend)
    if pdf is None:
        if cache.get("failed:" + key) is not None:
            raise LayoutOverBudget
        raise LayoutQueued(expectation(key))
    return pdf


def pdf_response(pdf: bytes, filename: str, *, inline: bool = True):
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
