"""WeasyPrint's layout of a PDF's HTML, the slow part of every PDF, kept in the `pdfs` cache under the SHA-256 of the
HTML and options. Used by `pdf.render_pdf` in a request and by the task worker (`tasks.lay_out_pdf`,
`tasks.freeze_deliverable_pdf`) for long documents and frozen versions.

Resources are read from the static folders only: a PDF never fetches anything over the network.
"""

import hashlib
import mimetypes
from pathlib import Path

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


def lay_out(html: str, *, archival: bool = False, key: str | None = None) -> bytes:
    """WeasyPrint's layout of `html` (the slow part), kept in the `pdfs` cache."""
    from weasyprint import HTML  # imported on first use: it takes a second to load

    options = {"pdf_variant": ARCHIVAL_VARIANT} if archival else {}
    document = HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=_static_url_fetcher)
    pdf = document.write_pdf(**options)
    cache = caches["pdfs"]
    key = key or cache_key(html, archival)
    cache.set(key, pdf)
    cache.delete("pending:" + key)
    return pdf
