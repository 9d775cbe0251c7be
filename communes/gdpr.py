"""Reads behind the GDPR rights on contacts: everything held about one person, and who is no longer involved.

The domains above `communes` (Mission 1, Mission 2, Mission 3) hold personal data about contacts too. Each one
registers a `PersonalDataProvider` at start-up (its AppConfig.ready), so that the right of access, the retention
rule and the right to erasure cover every domain while `communes` imports none of them.
The writes (anonymisation) are in `communes.services`.
"""

import calendar
import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from communes.models import Contact

CONTACT_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "organisation",
    "role_title",
    "category",
    "email",
    "phone",
    "consent_to_share",
    "consent_date",
    "consent_method",
    "notes",
    "anonymised_at",
    "created_at",
    "updated_at",
)


def json_value(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day `months` months earlier (the month's last day when it is shorter: 31 March - 1 → 28/29 Feb)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class PersonalDataProvider:
    """What one domain holds about a contact.

    - `export(contact)`: JSON-ready rows for the right of access, under `key`;
    - `recent_involvement(contact_ref, email_ref, cutoff)`: a queryset of rows showing that the contact (an
      OuterRef to its pk, and to its e-mail) was involved after `cutoff`; a contact with any is kept (retention);
    - `erase(contact, by)`: what the domain erases when the person is anonymised (may be None).
    """

    order: int
    key: str
    export: Callable
    recent_involvement: Callable
    erase: Callable | None = None


_providers: list[PersonalDataProvider] = []


def register_provider(provider: PersonalDataProvider) -> None:
    """Called by each domain's AppConfig.ready(); registering the same key twice replaces it (tests reload apps)."""
    _providers[:] = sorted([p for p in _providers if p.key != provider.key] + [provider], key=lambda p: p.order)


def providers() -> list[PersonalDataProvider]:
    return list(_providers)


def personal_data_export(contact: Contact) -> dict:
    """Everything the portal holds about one contact (right of access), as JSON-ready data. Fixed query count."""
    return {
        "generated_at": timezone.now().isoformat(),
        "controller": "Grand Besançon Métropole — Projet Alimentaire Territorial",
        "contact": {
            **{field: json_value(getattr(contact, field)) for field in CONTACT_FIELDS},
            "category_label": contact.get_category_display(),
            "commune": contact.commune.name if contact.commune_id else None,
        },
        **{provider.key: provider.export(contact) for provider in _providers},
    }


def inactive_contacts(*, months: int, now: datetime.datetime | None = None):
    """Contacts not anonymised yet and involved in nothing for `months` months.

    Involved means: their record was created or modified, or any domain's provider finds a recent involvement
    (a meeting, a workshop registration, an action lead or action, an open accompaniment as elected referent, a
    support request from the same e-mail: see each domain's `gdpr` module).
    """
    cutoff = months_before(now or timezone.now(), months)
    contacts = Contact.objects.filter(anonymised_at__isnull=True, created_at__lt=cutoff, updated_at__lt=cutoff)
    for provider in _providers:
        contacts = contacts.exclude(Exists(provider.recent_involvement(OuterRef("pk"), OuterRef("email"), cutoff)))
    return contacts.order_by("pk")
