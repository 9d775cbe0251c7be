"""Search across the portal, within what the user may see.

PostgreSQL: French full-text search (stemming, accents through the `french` configuration).
SQLite (development, tests): a case-insensitive search on each word.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from ateliers.models import Workshop
from communes.models import Commune, Contact
from missions.mission1.models.action_plans import Action
from missions.mission1.models.meetings import Meeting
from missions.support.models import SupportRequest

MAX_RESULTS_PER_KIND = 10
MIN_QUERY_LENGTH = 2


@dataclass
class SearchGroup:
    label: str
    results: list = field(default_factory=list)


def _words_filter(fields: list[str], words: list[str]) -> Q:
    condition = Q()
    for word in words:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    return condition


def _search(queryset, fields: list[str], text: str):
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector  # PostgreSQL only: SQLite never loads it

        vector = SearchVector(*fields, config="french")
        query = SearchQuery(text, config="french", search_type="websearch")
        return queryset.annotate(search=vector).filter(Q(search=query) | _words_filter(fields[:1], text.split()))
    return queryset.filter(_words_filter(fields, text.split()))


def search(user, text: str) -> list[SearchGroup]:
    """At most ten results of each kind; one query per kind whatever the data."""
    text = " ".join(text.split())[:200]
    if len(text) < MIN_QUERY_LENGTH:
        return []
    groups = [
        SearchGroup(
            "Communes",
            list(
                _search(Commune.objects.visible_to(user).order_by_name(), ["name", "insee_code", "postcodes"], text)[
                    :MAX_RESULTS_PER_KIND
                ]
            ),
        ),
        SearchGroup(
            "Actions",
            list(
                _search(
                    Action.objects.visible_to(user), ["title", "description", "lead_organisation"], text
                ).select_related("plan__accompaniment__commune")[:MAX_RESULTS_PER_KIND]
            ),
        ),
        SearchGroup(
            "Réunions",
            list(
                _search(
                    Meeting.objects.visible_to(user), ["title", "place", "minutes", "decisions"], text
                ).select_related("commune")[:MAX_RESULTS_PER_KIND]
            ),
        ),
        SearchGroup(
            "Ateliers",
            list(
                _search(Workshop.objects.visible_to(user), ["title", "place", "agenda"], text)[:MAX_RESULTS_PER_KIND]
            ),
        ),
        SearchGroup(
            "Demandes d'accompagnement",
            list(
                _search(
                    SupportRequest.objects.visible_to(user), ["title", "organisation", "description"], text
                ).select_related("commune")[:MAX_RESULTS_PER_KIND]
            ),
        ),
    ]
    if user.is_team:
        contacts = _search(
            Contact.objects.visible_to(user).filter(anonymised_at__isnull=True).order_by_name(),
            ["last_name", "first_name", "organisation"],
            text,
        ).select_related("commune")
        groups.insert(1, SearchGroup("Contacts", list(contacts[:MAX_RESULTS_PER_KIND])))
    return [group for group in groups if group.results]
