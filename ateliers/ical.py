"""The iCalendar feed of upcoming workshops; built by one function so that per-user token feeds (issue 8) reuse it."""

import datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vText

from ateliers.models import Workshop

PRODID = "-//Grand Besançon Métropole//Portail PAT//FR"
# Workshops that ended less than this long ago stay in the feed, so that a same-day change still shows.
FEED_GRACE = datetime.timedelta(days=1)


def feed_workshops(user):
    """The upcoming workshops a user may see, cancelled ones included (calendars then show the cancellation)."""
    return (
        Workshop.objects.visible_to(user)
        .upcoming(now=timezone.now() - FEED_GRACE)
        .select_related("theme")
        .order_by("starts_at")
    )


def workshop_event(workshop: Workshop, *, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", f"atelier-{workshop.pk}@pat.grandbesancon.fr")
    event.add("dtstamp", stamp)
    event.add("dtstart", workshop.starts_at)
    event.add("dtend", workshop.ends_at)
    event.add("summary", f"Atelier n° {workshop.number} : {workshop.title}")
    event.add("location", vText(workshop.place))
    description = [f"Thème : {workshop.theme.title}", f"Format : {workshop.get_format_display()}"]
    if workshop.agenda:
        description.append("")
        description.append(workshop.agenda)
    if workshop.is_cancelled:
        description.insert(0, f"ANNULÉ : {workshop.cancellation_reason}")
    event.add("description", "\n".join(description))
    event.add("url", f"{settings.SITE_URL.rstrip('/')}{workshop.get_absolute_url()}")
    event.add("status", "CANCELLED" if workshop.is_cancelled else "CONFIRMED")
    # Every edit or transition bumps lock_version: calendar clients then replace their copy of the event.
    event.add("sequence", workshop.lock_version)
    event.add("last-modified", workshop.updated_at)
    return event


def workshops_calendar(workshops, *, name: str = "Ateliers de partage du PAT") -> bytes:
    """An iCalendar (RFC 5545) document of the given workshops (load them with `select_related("theme")`)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for workshop in workshops:
        calendar.add_component(workshop_event(workshop, stamp=stamp))
    return calendar.to_ical()
