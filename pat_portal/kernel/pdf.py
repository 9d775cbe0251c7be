"""The one PDF helper: a Django template rendered to PDF bytes by WeasyPrint.

PDF templates extend `layout/base_pdf.html` (A4, French, page numbers). Resources are read from
the static folders only: a PDF never fetches anything over the network.

WeasyPrint lays out about 5 to 10 pages a second on this project's documents (issue 10 benchmark: a
26-page action plan takes 2.5 s), while the HTML takes a few milliseconds. So a rendered PDF is kept in
the `pdfs` cache under the SHA-256 of its HTML and options: the same content is laid out once, any change
(an action edited, a new date printed) makes another key, and nothing has to be invalidated.
"""

import hashlib
import mimetypes
from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.cache import caches
from django.template.loader import render_to_string

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
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"Ressource refusée dans un PDF : {url}")


def render_pdf(template_name: str, context: dict, *, archival: bool = False) -> bytes:
    """Render `template_name` with `context` to PDF bytes; `archival=True` gives PDF/A-3u (frozen versions)."""
    from weasyprint import HTML

    html = render_to_string(template_name, {"archival": archival, **context})
    options = {"pdf_variant": ARCHIVAL_VARIANT} if archival else {}
    key = "pdf:" + hashlib.sha256(f"{sorted(options.items())}\0{html}".encode()).hexdigest()
    cache = caches["pdfs"]
    pdf = cache.get(key)
    if pdf is None:
        document = HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=_static_url_fetcher)
        pdf = document.write_pdf(**options)
        cache.set(key, pdf)
    return pdf


def pdf_response(pdf: bytes, filename: str, *, inline: bool = True):
    from django.http import HttpResponse

    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
