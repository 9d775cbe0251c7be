"""Read-side queries of the workshops, each in a fixed number of SQL queries whatever the data."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.apps import apps
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from ateliers.models import Registration, Theme, Workshop
from communes.models import Commune, Contact
from core import access
from core.french import french_order
from core.history import history_entries
from core.links import url_by_id
from core.models import Deliverable
from missions.mission1.models.action_plans import Action

EXCLUDED_ACTION_STATUSES = [Action.Status.ABANDONED]


def workshops_held(programme):
    """The programme's held workshops (the dashboard counts them against the contract's 3 to 5)."""
    return Workshop.objects.filter(programme=programme).held()


def _registration_count(**lookups):
    """The workshop's registrations (matching `lookups`) in a correlated subquery, not a JOIN + GROUP BY: the page's
    LIMIT then applies before any counting, and the paginator's count reads the workshops alone."""
    rows = Registration.objects.filter(workshop=OuterRef("pk"), **lookups).order_by().values("workshop")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


def workshop_list(user):
    """Visible workshops with their theme and registration counts (élus: also their own commune's count)."""
    queryset = Workshop.objects.visible_to(user).select_related("theme", "programme")
    annotations = {"registered_count": _registration_count()}
    if user.is_authenticated and user.is_elu:
        annotations["commune_registered_count"] = _registration_count(commune_id=user.commune_id)
    return queryset.annotate(**annotations).order_by("-starts_at", "-pk")


def theme_communes_by_theme(themes) -> dict[int, set[int]]:
    """For each theme, the ids of the communes with an action on it (same plan theme, or linked action).

    Two queries whatever the number of themes; abandoned actions do not count.
    """
    themes = list(themes)
    by_action_theme = defaultdict(set)
    action_themes = {theme.action_theme for theme in themes if theme.action_theme}
    if action_themes:
        rows = (
            Action.objects.filter(theme__in=action_themes)
            .exclude(status__in=EXCLUDED_ACTION_STATUSES)
            .values_list("theme", "plan__accompaniment__commune_id")
            .distinct()
        )
        for action_theme, commune_id in rows:
            by_action_theme[action_theme].add(commune_id)
    linked = defaultdict(set)
    if themes:
        rows = (
            Theme.actions.through.objects.filter(theme_id__in=[theme.pk for theme in themes])
            .exclude(action__status__in=EXCLUDED_ACTION_STATUSES)
            .values_list("theme_id", "action__plan__accompaniment__commune_id")
        )
        for theme_id, commune_id in rows:
            linked[theme_id].add(commune_id)
    return {theme.pk: by_action_theme.get(theme.action_theme, set()) | linked.get(theme.pk, set()) for theme in themes}


def theme_communes(theme):
    """The communes with an action on the theme, by name (three queries)."""
    commune_ids = theme_communes_by_theme([theme])[theme.pk]
    return Commune.objects.filter(pk__in=commune_ids).order_by_name()


@dataclass
class Participation:
    """Who took part in a workshop, counted; contact details only for people who consent."""

    participants: list[Registration]
    by_commune: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    communes: list[str] = field(default_factory=list)
    consenting: list[Registration] = field(default_factory=list)
    not_consenting_count: int = 0

    @property
    def total(self) -> int:
        return len(self.participants)


NO_COMMUNE = "Sans commune (structure extérieure)"


def participation(registrations) -> Participation:
    """Counts by commune and category, communes represented and the consented contact list.

    `registrations` are the workshop's participants (present, or registered before attendance is marked),
    with `contact` and `commune` loaded. Counting happens in memory: no query per participant.
    """
    registrations = list(registrations)
    category_labels = dict(Contact.Category.choices)
    by_commune = Counter(reg.commune.name if reg.commune else NO_COMMUNE for reg in registrations)
    by_category = Counter(category_labels.get(reg.contact.category, reg.contact.category) for reg in registrations)
    consenting = [reg for reg in registrations if reg.consent_to_share]
    return Participation(
        participants=registrations,
        by_commune=sorted(by_commune.items(), key=lambda item: (item[0] == NO_COMMUNE, item[0])),
        by_category=sorted(by_category.items(), key=lambda item: (-item[1], item[0])),
        communes=sorted({reg.commune.name for reg in registrations if reg.commune}),
        consenting=consenting,
        not_consenting_count=len(registrations) - len(consenting),
    )


def workshop_registrations(workshop):
    """Every registration of a workshop with the person and their commune (one query)."""
    return workshop.registrations.select_related("contact", "commune").order_by(
        french_order("contact__last_name"), french_order("contact__first_name"), "pk"
    )


def visible_registrations(workshop, user):
    """The registrations of a workshop the user may see (élus: their commune's people), one query."""
    return Registration.objects.visible_to(user).filter(workshop=workshop).select_related("contact", "commune")


@dataclass(frozen=True)
class RegistrationRow:
    """One line of the workshop page's registrations, read as plain values (no model instance per person)."""

    pk: int
    commune_id: int | None
    commune_name: str | None
    attendance: str
    consent_to_share: bool
    consent_withdrawn_at: datetime.datetime | None
    full_name: str
    organisation: str
    email: str = ""  # e-mail and phone: only where the reader may see them
    phone: str = ""
    show_details: bool = False
    url: str | None = None  # the registration's page, for whoever may manage it

    @property
    def attendance_label(self) -> str:
        return Registration.Attendance(self.attendance).label


def registration_rows(workshop, user) -> list[RegistrationRow]:
    """The registrations of the workshop page, as `user` may see them (élus: their commune's people), one query;
    contact details only where `access.can_see_contact_details` allows them."""
    rows = visible_registrations(workshop, user).values(
        "pk",
        "commune_id",
        "attendance",
        "consent_to_share",
        "consent_withdrawn_at",
        commune_name=F("commune__name"),
        first_name=F("contact__first_name"),
        last_name=F("contact__last_name"),
        organisation=F("contact__organisation"),
        contact_email=F("contact__email"),
        contact_phone=F("contact__phone"),
    )
    url_of = url_by_id("ateliers:registration_detail", workshop.pk)  # the page lists up to a few hundred people
    result = []
    for values in rows:
        email, phone = values.pop("contact_email"), values.pop("contact_phone")
        full_name = f"{values.pop('first_name')} {values.pop('last_name')}".strip()
        row = RegistrationRow(**values, full_name=full_name)
        show_details = access.can_see_contact_details(user, row)
        url = url_of(row.pk) if access.can_manage_registration(user, row) else None
        if show_details:
            row = replace(row, email=email, phone=phone, show_details=True)
        result.append(replace(row, url=url) if url else row)
    return result


def workshop_page(workshop, user) -> dict:
    """Everything the workshop page's body shows to `user`, in a fixed number of queries (six)."""
    is_team = access.is_team(user)
    registrations = registration_rows(workshop, user)
    costs = list(workshop.costs.all()) if is_team else []
    registered_total = len(registrations) if is_team else workshop.registrations.count()
    return {
        "workshop": workshop,
        "is_team": is_team,
        "registrations": registrations,
        "registered_total": registered_total,
        "present_total": sum(1 for reg in registrations if reg.attendance == Registration.Attendance.PRESENT),
        "consenting_total": sum(1 for reg in registrations if reg.consent_to_share),
        "places_left": workshop.places_left(registered_total),
        "testimonies": workshop.testimonies.all(),
        "resources": workshop.resources.all(),
        "costs": costs,
        "costs_total": sum((cost.amount for cost in costs), start=Decimal("0")),
        "can_register": workshop.accepts_registrations and (is_team or (user.is_elu and workshop.is_planned)),
        "can_see_contact_list": access.can_see_workshop_contact_list(user, commune_took_part=bool(registrations)),
        "report_versions": Deliverable.objects.visible_to(user)
        .for_subject(workshop.report)
        .filter(status=Deliverable.Status.VALIDATED)
        .order_by("-version"),
    }


def workshop_participants(workshop):
    return workshop_registrations(workshop).participants()


def consented_contacts(workshop):
    """The workshop's shared contact list: participants who consent, withdrawals honoured (one query)."""
    return workshop_participants(workshop).consenting()


def commune_took_part(workshop, commune_id) -> bool:
    return commune_id is not None and workshop.registrations.filter(commune_id=commune_id).exists()


def may_see_contact_list(user, workshop) -> bool:
    """Whether `user` may see the workshop's consented contact list, live or in a frozen report (one rule:
    `access.can_see_workshop_contact_list`, asked with whether the élu's commune took part)."""
    took_part = access.is_elu(user) and commune_took_part(workshop, user.commune_id)
    return access.can_see_workshop_contact_list(user, commune_took_part=took_part)


def commune_workshops(commune):
    """The workshops a commune's people registered for, with how many registered and attended (one query)."""
    return (
        Workshop.objects.filter(registrations__commune=commune)
        .select_related("theme")
        .annotate(
            commune_registered=Count("registrations", filter=Q(registrations__commune=commune)),
            commune_present=Count(
                "registrations",
                filter=Q(registrations__commune=commune, registrations__attendance=Registration.Attendance.PRESENT),
            ),
        )
        .order_by("-starts_at")
    )


def theme_history(theme) -> list:
    """The theme's history entries, with its linked actions spelt out (three queries).

    The shared history helper cannot display many-to-many changes: the theme's action links are shown
    as the titles of the actions linked before and after each change.
    """

    entries = history_entries(theme.history.select_related("history_user"))
    records = list(theme.history.order_by("history_date", "history_id").values_list("history_id", "history_date"))
    historical_links = apps.get_model("ateliers", "HistoricalTheme_actions")
    titles = defaultdict(list)
    for link in historical_links.objects.filter(history__id=theme.pk).select_related("action").order_by("pk"):
        titles[link.history_id].append(link.action.title if link.action else "action supprimée")
    label = str(Theme._meta.get_field("actions").verbose_name).capitalize()
    previous_by_date, current_by_date, previous = {}, {}, None
    for history_id, history_date in records:
        previous_by_date[history_date] = titles.get(previous, []) if previous else []
        current_by_date[history_date] = titles.get(history_id, [])
        previous = history_id
    for entry in entries:
        for change in entry.changes:
            if change.label == label:
                change.old = ", ".join(previous_by_date.get(entry.date, [])) or "—"
                change.new = ", ".join(current_by_date.get(entry.date, [])) or "—"
    return entries
