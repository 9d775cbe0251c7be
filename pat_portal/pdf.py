"""The one PDF helper: a Django template rendered to PDF bytes by WeasyPrint.

PDF templates extend `layout/base_pdf.html` (A4, French, page numbers). Resources are read from
the static folders only: a PDF never fetches anything over the network.
"""

import mimetypes
from pathlib import Path

from django.contrib.staticfiles import finders
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
    document = HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=_static_url_fetcher)
    options = {"pdf_variant": ARCHIVAL_VARIANT} if archival else {}
    return document.write_pdf(**options)


def pdf_response(pdf: bytes, filename: str, *, inline: bool = True):
    from django.http import HttpResponse

    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
