"""Per-user calendar feeds (iCal) of meetings and workshops, reached through a secret URL token."""

import datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vText

from ateliers.ical import PRODID, feed_workshops, workshop_event
from missions.mission1.models.meetings import Meeting

PAST_DAYS = 30
MEETING_DURATION = datetime.timedelta(hours=2)


def meeting_event(meeting: Meeting, *, stamp: datetime.datetime, with_details: bool) -> Event:
    """A meeting as an event; élus get only its public side (never internal notes)."""
    event = Event()
    event.add("uid", f"reunion-{meeting.pk}@pat.grandbesancon.fr")
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + MEETING_DURATION)
    title = meeting.title or meeting.get_kind_display()
    event.add("summary", f"{title}{f' — {meeting.commune.name}' if meeting.commune else ''}")
    event.add("location", vText(meeting.place))
    description = [meeting.get_kind_display()]
    if with_details and meeting.agenda:
        description += ["", meeting.agenda]
    event.add("description", "\n".join(description))
    event.add("url", f"{settings.SITE_URL.rstrip('/')}{meeting.get_absolute_url()}")
    return event


def user_calendar(user) -> bytes:
    """The user's meetings (from 30 days ago) and upcoming workshops, within what they may see."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Portail PAT — réunions et ateliers")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    meetings = (
        Meeting.objects.visible_to(user)
        .filter(starts_at__gte=stamp - datetime.timedelta(days=PAST_DAYS))
        .select_related("commune")
        .order_by("starts_at")
    )
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, stamp=stamp, with_details=user.is_team))
    for workshop in feed_workshops(user):
        calendar.add_component(workshop_event(workshop, stamp=stamp))
    return calendar.to_ical()
