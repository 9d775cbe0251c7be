"""Field work in a real browser: a meeting logged with eight people through the people picker (one of them met for
the first time and created without leaving the form), timed against the plain multi-select it replaces; the error
summary taking the focus; the validation showing its progress; many registrations to a workshop at once.

The timings are printed (pytest -s) and written to tests/screenshots/people-picker-timings.json.
"""

import json
import os
import time

import pytest

from ateliers.models import Registration
from communes.models import Contact
from core.deliverables import submit_deliverable
from core.models import Deliverable
from missions.mission1.models.meetings import Meeting
from tests.factories import CommuneFactory, ContactFactory
from tests.factories_ateliers import WorkshopFactory
from tests.harness.e2e import CHROMIUM, SCREENSHOTS, axe_scan, login, submit, text_of

pytestmark = [
    pytest.mark.postgres_only,  # browser tests run on production's database only (tests/conftest.py)
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Chromium is not installed at {CHROMIUM}: e2e skipped"),
    pytest.mark.django_db(transaction=True),
]

PARTICIPANTS = [
    ("Marie", "Dupont"),
    ("Jean", "Roussel"),
    ("Éloïse", "Lefèvre"),
    ("Karim", "Benali"),
    ("Sophie", "Garnier"),
    ("Luc", "Perrin"),
    ("Anne", "Vidal"),
]
NEW_PERSON = ("Léa", "Cantinière")
TIMINGS: dict[str, float] = {}


@pytest.fixture
def directory(field):
    """A territory's directory: the commune's people and fifty others, as the team's list is after a few months."""
    commune = field["commune"]
    for first_name, last_name in PARTICIPANTS:
        ContactFactory(commune=commune, first_name=first_name, last_name=last_name)
    for index in range(25):
        ContactFactory(commune=commune, first_name="Habitant", last_name=f"Voisin{index:02d}")
    elsewhere = CommuneFactory(insee_code="25056", name="Besançon", population=119000)
    for index in range(50):
        ContactFactory(commune=elsewhere, first_name="Acteur", last_name=f"Lointain{index:02d}")
    return commune


def fill_meeting(page):
    page.fill("#id_starts_at", "2026-11-20T18:30")
    page.select_option("#id_kind", "elus")
    page.fill("#id_title", "Comité des élus et des acteurs")
    page.fill("#id_place", "Mairie d'Amagney")


def record(name: str, seconds: float) -> None:
    TIMINGS[name] = round(seconds, 2)
    print(f"\n{name}: {seconds:.2f} s")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / "people-picker-timings.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps({**saved, **TIMINGS}, ensure_ascii=False, indent=2) + "\n")


def test_consultant_logs_a_meeting_with_a_new_person_through_the_picker(live_server, browser_page, field, directory):
    page, base = browser_page, live_server.url
    login(page, base, field["consultant"])
    page.goto(f"{base}/reunions/nouvelle/?accompagnement={field['accompaniment'].pk}")
    page.wait_for_selector("#id_present-ts-control")
    # The real select stays in the form (what is posted), hidden from sight under the picker.
    assert "ts-hidden-accessible" in page.locator("#id_present").get_attribute("class")
    axe_scan(page, base, "consultant-meeting-picker")

    started = time.perf_counter()
    fill_meeting(page)
    page.locator("#id_present-ts-control").click()
    for _first_name, last_name in PARTICIPANTS:  # type a few letters, Enter; the list stays open for the next
        page.keyboard.type(last_name[:4])
        page.wait_for_selector(f"#id_present-ts-dropdown .option:has-text('{last_name}')")
        page.keyboard.press("Enter")
    chips = page.locator("#id_present-ts-control").locator("xpath=..").locator(".item")
    assert chips.count() == len(PARTICIPANTS)

    # The eighth was met for the first time: created from the form, then chosen.
    page.click("main button.people-picker-new >> nth=0")
    dialog = page.locator("dialog.people-picker-dialog")
    dialog.locator("#id_nouvelle_personne-last_name").wait_for()
    assert dialog.locator("#id_nouvelle_personne-commune").input_value() == str(directory.pk)
    dialog.locator("#id_nouvelle_personne-first_name").fill(NEW_PERSON[0])
    dialog.locator("#id_nouvelle_personne-last_name").fill(NEW_PERSON[1])
    dialog.locator("#id_nouvelle_personne-organisation").fill("Restaurant scolaire")
    dialog.locator("#id_nouvelle_personne-category").select_option("restauration")
    scan_started = time.perf_counter()
    axe_scan(page, base, "consultant-new-person-dialog")
    started += time.perf_counter() - scan_started  # the scan is the test's, not the person's
    dialog.locator("button[type=submit]").click()
    dialog.wait_for(state="detached")
    assert chips.count() == len(PARTICIPANTS) + 1
    submit(page, "Enregistrer la réunion")
    page.wait_for_selector("h1:has-text('Comité des élus et des acteurs')")
    record("meeting with 8 participants, people picker (one created in the dialog)", time.perf_counter() - started)

    meeting = Meeting.objects.get()
    present = set(meeting.participations.filter(attendance="present").values_list("contact__last_name", flat=True))
    assert present == {last_name for _first, last_name in PARTICIPANTS} | {NEW_PERSON[1]}
    lea = Contact.objects.get(last_name=NEW_PERSON[1])
    assert lea.commune == directory and lea.organisation == "Restaurant scolaire" and not lea.consent_to_share
    axe_scan(page, base, "consultant-meeting-with-new-person")
    assert page.console_errors == []


def test_the_same_meeting_through_the_plain_multi_select(live_server, chromium_browser, settings, field, directory):
    """The page without JavaScript is the form as it was: a multi-select to Ctrl+click, and a person met for the
    first time created on the contact form first (its link comes back to the meeting form)."""
    settings.AXES_ENABLED = False
    context = chromium_browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", java_script_enabled=False)
    page, base = context.new_page(), live_server.url
    login(page, base, field["consultant"])
    meeting_form = f"{base}/reunions/nouvelle/?accompagnement={field['accompaniment'].pk}"
    page.goto(meeting_form)
    assert page.locator("#id_present").is_visible()

    started = time.perf_counter()
    with page.expect_navigation():
        page.click("main a.people-picker-new >> nth=0")
    page.fill("#id_first_name", NEW_PERSON[0])
    page.fill("#id_last_name", NEW_PERSON[1])
    page.fill("#id_organisation", "Restaurant scolaire")
    page.select_option("#id_category", "restauration")
    page.select_option("#id_commune", str(directory.pk))
    submit(page, "Enregistrer")
    assert page.url == meeting_form
    fill_meeting(page)
    for _first_name, last_name in [*PARTICIPANTS, NEW_PERSON]:
        option = page.locator(f"#id_present option:has-text('{last_name}')")
        option.click(modifiers=["Control"])
    submit(page, "Enregistrer la réunion")
    page.wait_for_selector("h1:has-text('Comité des élus et des acteurs')")
    record("meeting with 8 participants, plain multi-select (no JavaScript)", time.perf_counter() - started)
    meeting = Meeting.objects.get()
    assert meeting.participations.filter(attendance="present").count() == len(PARTICIPANTS) + 1
    context.close()


def test_error_summary_takes_the_focus_and_its_links_lead_to_the_fields(live_server, browser_page, field, directory):
    page, base = browser_page, live_server.url
    login(page, base, field["consultant"])
    page.goto(f"{base}/reunions/nouvelle/?accompagnement={field['accompaniment'].pk}")
    fill_meeting(page)
    for picker in ("present", "excused"):  # the same person present and excused: refused by the server
        page.locator(f"#id_{picker}-ts-control").click()
        page.keyboard.type("Dupo")
        page.wait_for_selector(f"#id_{picker}-ts-dropdown .option:has-text('Dupont')")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
    submit(page, "Enregistrer la réunion")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    summary = text_of(page, "[data-error-summary]")
    assert "1 erreur à corriger" in summary and "ne peut pas être présente et excusée" in summary
    axe_scan(page, base, "consultant-meeting-errors")
    page.click("[data-error-summary] a[href='#id_excused']")
    assert page.evaluate("document.activeElement.id") == "id_excused-ts-control"  # the picker, not its hidden select
    assert page.console_errors == []


def test_validation_shows_its_progress(live_server, browser_page, field):
    page, base = browser_page, live_server.url
    diagnostic = field["diagnostic"]
    diagnostic.context = "Une commune rurale, une école, un maraîcher."
    diagnostic.save()
    deliverable = submit_deliverable(subject=diagnostic, by=field["consultant"])
    login(page, base, field["gbm"])
    page.goto(f"{base}/livrables/{deliverable.pk}/valider/")
    axe_scan(page, base, "gbm-validation-page")
    button = page.locator("main button[data-busy-label]")
    # While the PDF is rendered and frozen (seconds), the button says so and cannot be clicked again: what it shows
    # is reported by the page itself, as Playwright cannot read a page that is being left.
    page.evaluate(
        """() => {
            const button = document.querySelector("main button[data-busy-label]");
            new MutationObserver(() => console.info(`busy=${button.disabled} ${button.textContent}`)).observe(
                button, {attributes: true, childList: true, subtree: true}
            );
        }"""
    )
    seen = []
    page.on("console", lambda message: seen.append(message.text))
    with page.expect_navigation():
        button.click(no_wait_after=True)
    assert "busy=true Validation en cours…" in seen
    assert "Version 1 validée" in text_of(page)
    assert Deliverable.objects.get().status == Deliverable.Status.VALIDATED
    assert page.console_errors == []


def test_many_registrations_at_once_with_a_pasted_list(live_server, browser_page, field, directory):
    page, base = browser_page, live_server.url
    workshop = WorkshopFactory(programme=field["programme"])
    login(page, base, field["consultant"])
    page.goto(f"{base}/ateliers/{workshop.pk}/inscriptions/plusieurs/")
    page.wait_for_selector("#id_picked-ts-control")
    axe_scan(page, base, "consultant-bulk-registration")
    page.locator("#id_picked-ts-control").click()
    page.keyboard.type("Vida")
    page.wait_for_selector("#id_picked-ts-dropdown .option:has-text('Vidal')")
    page.keyboard.press("Enter")
    assert "Vidal" in page.locator("#id_picked option:checked").inner_text()
    page.fill("#id_pasted", "DUPONT Marie\nroussel jean\nKarim Benaly\nJeanne Nouvelle")
    submit(page, "Chercher ces personnes dans l'annuaire")
    main = text_of(page)
    assert "Vouliez-vous dire Karim Benali" in main and "« Jeanne Nouvelle »" in main
    axe_scan(page, base, "consultant-bulk-registration-proposals")
    page.check("text=Vouliez-vous dire Karim Benali")
    page.check("text=Créer « Jeanne Nouvelle » et l'inscrire")
    page.select_option("#id_new_people_commune", str(directory.pk))
    submit(page, "Inscrire les personnes choisies")
    assert page.url == f"{base}/ateliers/{workshop.pk}/", text_of(page)
    assert "5 personnes inscrites" in text_of(page)
    names = set(Registration.objects.filter(workshop=workshop).values_list("contact__last_name", flat=True))
    assert names == {"Vidal", "Dupont", "Roussel", "Benali", "Nouvelle"}
    assert page.console_errors == []


def test_a_lead_added_without_saving_gets_its_picker(live_server, browser_page, field, directory):
    page, base = browser_page, live_server.url
    login(page, base, field["consultant"])
    page.goto(f"{base}/communes/{directory.insee_code}/diagnostic/modifier/")
    leads = page.locator("fieldset.formset[data-prefix=pistes]")
    rows = leads.locator(".formset-form").count()
    leads.locator("button.formset-add").click()
    new_picker = f"#id_pistes-{rows}-resource_people-ts-control"
    page.wait_for_selector(new_picker)
    page.locator(new_picker).click()
    page.keyboard.type("Garn")
    page.wait_for_selector(f"#id_pistes-{rows}-resource_people-ts-dropdown .option:has-text('Garnier')")
    page.keyboard.press("Enter")
    assert page.locator(f"#id_pistes-{rows}-resource_people").input_value() != ""
    assert page.console_errors == []
