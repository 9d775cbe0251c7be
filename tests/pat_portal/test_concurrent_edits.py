"""Every page that edits an existing row refuses the second of two people who opened it at the same version.

The walk starts from the URL resolver: every view named `…_update` / `…_edit` or routed under `…/modifier/`, plus
the other pages that edit rows people share (listed below), plus the admin's change page of the order forms. Each
one is opened by two people; the first saves; the second is refused with the French message naming who saved and
when, sees their own input again, and the first person's data is what the database holds. A new edit view fails
`test_every_edit_view_is_walked` until it gets an entry here.
"""

import html
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import get_resolver, reverse

from ateliers.models import Registration
from communes.portrait.models import Figure, Snapshot
from core.concurrency import VersionedAdminMixin, VersionedModel
from tests.factories import ContactFactory, UserFactory
from tests.factories_ateliers import RegistrationFactory, ThemeFactory, WorkshopFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionPlanFactory,
    DiagnosticFactory,
    IndicatorFactory,
    MeetingFactory,
)
from tests.factories_orders import OrderFormFactory, TimeEntryFactory
from tests.factories_support import SupportRequestFactory, SupportStepFactory
from tests.harness.forms import form_posting_to
from tests.harness.urls import walk_views

FIRST, SECOND = "Saisie de la première personne", "Saisie de la seconde personne"

# Pages that edit shared rows without following the naming rule (`…_update`, `…_edit`, `…/modifier/`).
OTHER_EDIT_PAGES = {
    "ateliers:attendance",
    "missions:support_financing",
    "missions:support_evaluation",
    "missions:diagnostic_figures",
}
# Edit pages whose row carries no version, each with why the last save may win.
UNVERSIONED_EDITS = {
    # Two fields, both an officer's decision on one account (its end date, whether it is open); a second save
    # repeats or replaces the decision, and the account's end revokes at once whatever came before. A version on
    # the user row would also bump on every login and home visit.
    "communes:person_edit",
}


@dataclass(frozen=True)
class Edit:
    """How to make the row, reach its edit page, write in it and read back what is saved."""

    make: Callable  # (scenario) -> row
    url: Callable  # (row) -> path
    write: Callable  # (row, text) -> the fields a person changes on the page
    read: Callable  # (row) -> what the database holds, to compare with the first person's text
    people: tuple = ("gbm", "consultant")  # who opens the page first, who second
    expected: Callable = field(default=lambda text: text)  # what `read` gives after the first person saved `text`


def _text(name):
    return lambda row, text: {name: text}


def _read(name):
    return lambda row: getattr(type(row).objects.get(pk=row.pk), name)


def _commune_path(name):
    return lambda row: reverse(name, args=[row.accompaniment.commune.insee_code])


def _attendance(row, text):
    return {f"attendance_{row.pk}": "present" if text == FIRST else "absent"}


def _financing_line(row, text):
    return {"lignes-0-nature": "depense", "lignes-0-label": text, "lignes-0-amount": "100"}


def _diagnostic_with_a_portrait_figure(s):
    """A diagnostic whose commune's portrait has one current figure to pick."""
    diagnostic = DiagnosticFactory(accompaniment=AccompanimentFactory(commune=s.commune))
    snapshot = Snapshot.objects.create(
        commune=s.commune, code=s.commune.insee_code, source="geo", is_current=True, is_latest_attempt=True
    )
    Figure.objects.create(
        snapshot=snapshot,
        key="population",
        label="Population",
        counts="Habitants",
        theme="population",
        value_number=934,
        unit="habitants",
        licence="Licence Ouverte 2.0 (Etalab)",
        attribution="INSEE",
    )
    return diagnostic


def _picked_figure_comment(row, text):
    pk = Figure.objects.get(snapshot__commune=row.accompaniment.commune).pk
    return {f"retenir_{pk}": "on", f"commentaire_{pk}": text}


EDITS = {
    "communes:contact_update": Edit(
        make=lambda s: ContactFactory(commune=s.commune),
        url=lambda row: reverse("communes:contact_update", args=[row.pk]),
        write=_text("notes"),
        read=_read("notes"),
    ),
    "missions:accompaniment_update": Edit(
        make=lambda s: AccompanimentFactory(commune=s.commune),
        url=lambda row: reverse("missions:accompaniment_update", args=[row.pk]),
        write=_text("notes"),
        read=_read("notes"),
        people=("consultant", "gbm"),
    ),
    "missions:meeting_update": Edit(
        make=lambda s: MeetingFactory(accompaniment=AccompanimentFactory(commune=s.commune)),
        url=lambda row: reverse("missions:meeting_update", args=[row.pk]),
        write=_text("minutes"),
        read=_read("minutes"),
        people=("consultant", "gbm"),
    ),
    "missions:diagnostic_update": Edit(
        make=lambda s: DiagnosticFactory(accompaniment=AccompanimentFactory(commune=s.commune)),
        url=_commune_path("missions:diagnostic_update"),
        write=_text("context"),
        read=_read("context"),
    ),
    "missions:diagnostic_figures": Edit(
        make=_diagnostic_with_a_portrait_figure,
        url=_commune_path("missions:diagnostic_figures"),
        write=_picked_figure_comment,
        read=lambda row: list(row.picked_figures.values_list("comment", flat=True)),
        expected=lambda text: [text],
    ),
    "missions:action_plan_update": Edit(
        make=lambda s: ActionPlanFactory(accompaniment=AccompanimentFactory(commune=s.commune)),
        url=_commune_path("missions:action_plan_update"),
        write=_text("summary"),
        read=_read("summary"),
    ),
    "missions:action_update": Edit(
        make=lambda s: ActionFactory(plan=ActionPlanFactory(accompaniment=AccompanimentFactory(commune=s.commune))),
        url=lambda row: reverse("missions:action_update", args=[row.pk]),
        write=_text("description"),
        read=_read("description"),
    ),
    "missions:indicator_update": Edit(
        make=lambda s: IndicatorFactory(
            action=ActionFactory(plan=ActionPlanFactory(accompaniment=AccompanimentFactory(commune=s.commune)))
        ),
        url=lambda row: reverse("missions:indicator_update", args=[row.action_id, row.pk]),
        write=_text("name"),
        read=_read("name"),
        people=("consultant", "gbm"),
    ),
    "missions:time_update": Edit(
        make=lambda s: TimeEntryFactory(consultant=s.users["consultant"]),
        url=lambda row: reverse("missions:time_update", args=[row.pk]),
        write=_text("comment"),
        read=_read("comment"),
        people=("consultant", "gbm"),  # the consultant corrects their entry while GBM does too
    ),
    "missions:support_update": Edit(
        make=lambda s: SupportRequestFactory(commune=s.commune, under_review=True),
        url=lambda row: reverse("missions:support_update", args=[row.pk]),
        write=_text("description"),
        read=_read("description"),
    ),
    "missions:support_evaluation": Edit(
        make=lambda s: SupportRequestFactory(commune=s.commune, in_progress=True),
        url=lambda row: reverse("missions:support_evaluation", args=[row.pk]),
        write=_text("outcomes"),
        read=_read("outcomes"),
        people=("consultant", "gbm"),
    ),
    "missions:support_step_update": Edit(
        make=lambda s: SupportStepFactory(request=SupportRequestFactory(commune=s.commune, in_progress=True)),
        url=lambda row: reverse("missions:support_step_update", args=[row.request_id, row.pk]),
        write=_text("notes"),
        read=_read("notes"),
    ),
    "missions:support_financing": Edit(
        make=lambda s: SupportRequestFactory(commune=s.commune, in_progress=True),
        url=lambda row: reverse("missions:support_financing", args=[row.pk]),
        write=_financing_line,
        read=lambda row: [line.label for line in row.financing_lines.all()],
        expected=lambda text: [text],
    ),
    "ateliers:update": Edit(
        make=lambda s: WorkshopFactory(),
        url=lambda row: reverse("ateliers:update", args=[row.pk]),
        write=_text("agenda"),
        read=_read("agenda"),
        people=("consultant", "gbm"),
    ),
    "ateliers:report_update": Edit(
        make=lambda s: WorkshopFactory(held=True).report,
        url=lambda row: reverse("ateliers:report_update", args=[row.workshop_id]),
        write=_text("text"),
        read=_read("text"),
    ),
    "ateliers:theme_update": Edit(
        make=lambda s: ThemeFactory(proposed=True, proposed_by=s.users["consultant"]),
        url=lambda row: reverse("ateliers:theme_update", args=[row.pk]),
        write=_text("description"),
        read=_read("description"),
        people=("consultant", "gbm"),
    ),
    "ateliers:attendance": Edit(
        make=lambda s: RegistrationFactory(workshop=WorkshopFactory(past=True)),
        url=lambda row: reverse("ateliers:attendance", args=[row.workshop_id]),
        write=_attendance,
        read=lambda row: Registration.objects.get(pk=row.pk).attendance,
        expected=lambda text: Registration.Attendance.PRESENT,
    ),
    "admin:missions_orderform_change": Edit(
        make=lambda s: OrderFormFactory(draft=True, with_lines=True),
        url=lambda row: reverse("admin:missions_orderform_change", args=[row.pk]),
        write=_text("notes"),
        read=_read("notes"),
        people=("gbm", "second_gbm"),
    ),
}


def edit_pages() -> set[str]:
    """The portal's pages that edit an existing row, found in the URL resolver."""
    names = set()
    for name, route, _view in walk_views(get_resolver().url_patterns):
        if route.startswith("admin/"):
            continue
        if name.endswith(("_update", "_edit")) or "modifier/" in route or name in OTHER_EDIT_PAGES:
            names.add(name)
    return names


def test_every_edit_view_is_walked():
    portal_edits = {name for name in EDITS if not name.startswith("admin:")}
    assert edit_pages() - portal_edits - UNVERSIONED_EDITS == set(), (
        "a new edit page: add it to EDITS with how to make and edit its row"
    )
    assert portal_edits - edit_pages() == set(), "EDITS names a page the URL resolver does not have"


def test_every_admin_of_a_versioned_model_checks_the_version():
    """A row edited in the portal and in the admin: the admin's change page takes the same versioned save."""
    unversioned = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if issubclass(model, VersionedModel) and not isinstance(model_admin, VersionedAdminMixin)
    ]
    assert unversioned == []


@dataclass
class Scenario:
    commune: object
    users: dict


@pytest.fixture
def scenario(commune, gbm_officer, consultant):
    second_gbm = UserFactory(username="marc", gbm=True, first_name="Marc", last_name="Jouffroy")
    return Scenario(commune=commune, users={"gbm": gbm_officer, "consultant": consultant, "second_gbm": second_gbm})


def _open(user, url) -> tuple[Client, dict]:
    """A person opens the page: their browser, and the form's values as the page gives them."""
    browser = Client()
    browser.force_login(user)
    page = browser.get(url)
    assert page.status_code == 200, f"{url} answered {page.status_code}"
    form = form_posting_to(page.content.decode(), url, url)
    assert "lock_version" in form.names or any(name.startswith("version_") for name in form.names), (
        f"the form of {url} carries no version"
    )
    return browser, form.data()


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EDITS))
def test_second_of_two_people_editing_the_same_row_is_refused_and_keeps_their_input(name, scenario):
    edit = EDITS[name]
    row = edit.make(scenario)
    url = edit.url(row)
    first_person, second_person = (scenario.users[person] for person in edit.people)
    first, first_data = _open(first_person, url)
    second, second_data = _open(second_person, url)

    saved = first.post(url, {**first_data, **edit.write(row, FIRST)})
    assert saved.status_code == 302, f"the first save of {url} was refused"
    refused = second.post(url, {**second_data, **edit.write(row, SECOND)})

    assert refused.status_code == 200
    page = html.unescape(refused.content.decode())
    assert f"par {first_person}" in page and "modifiiez" in page, "the message names who saved in between"
    assert "Vos modifications n'ont pas été enregistrées" in page
    shown_again = form_posting_to(refused.content.decode(), url, url).data()
    written = edit.write(row, SECOND)
    assert {key: shown_again.get(key) for key in written} == written, "the second person's input is shown again"
    assert edit.read(row) == edit.expected(FIRST), "the first person's data is what the database holds"
