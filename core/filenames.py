"""The name of every file the portal hands out: what it is, for whom, which version, which date.

    download_filename("Synthèse diagnostic", about="Amagney", version=1, on=date(2026, 11, 27))
    → "synthese-diagnostic_amagney_v1_2026-11-27.pdf"

Parts are ASCII slugs (accents folded, apostrophes and spaces as hyphens, lower case) joined by "_", so that the
name reads the same in every mail client, file system and archive, and two communes' files never share a name.
A working draft says so in place of a version number ("document-de-travail"); the date is the version's (the day
it was validated) or, for a live document or an export, the day it was made.
"""

import datetime
import re
import unicodedata

from django.utils import timezone

WORKING_DRAFT = "document de travail"
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def ascii_slug(text: str, *, max_length: int = 60) -> str:
    """'Châtillon-le-Duc' → 'chatillon-le-duc', "Plan d'actions" → 'plan-d-actions', 'Œuvre' → 'oeuvre'."""
    text = str(text).replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae").replace("ß", "ss")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_SLUG.sub("-", folded).strip("-")[:max_length].strip("-")


def download_filename(
    what: str,
    *,
    about: str = "",
    version: int | str | None = None,
    on: datetime.date | datetime.datetime | None = None,
    extension: str = "pdf",
) -> str:
    """The file name of a download: `what`, for `about` (a commune, a workshop…), `version` (a number, or a word
    such as WORKING_DRAFT), on `on` (today when not given; an aware datetime is taken in the portal's time zone)."""
    if isinstance(on, datetime.datetime):
        on = timezone.localdate(on) if timezone.is_aware(on) else on.date()
    day = on or timezone.localdate()
    version_part = f"v{version}" if isinstance(version, int) else ascii_slug(version or "")
    parts = [ascii_slug(what), ascii_slug(about), version_part, day.isoformat()]
    return "_".join(part for part in parts if part) + f".{extension}"
