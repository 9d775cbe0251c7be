"""Every form of the portal the fuzzer posts (FORMS): its URL and the object it takes, who posts, the page showing it.

Baselines: what a browser would submit unchanged. The page is fetched as the user who posts, the form is read from
its HTML (inputs with their values, checked boxes, selected options, textareas, formset management forms), then
`fill` completes what a person must type before the form saves (required fields left empty by the page). Eight
forms keep their hand-written valid input (below). Each example then overrides up to four fields with hostile values
(tests/security/test_fuzz_forms.py).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ateliers.models import Registration
from communes.models import Commune
from communes.portrait.models import Figure, Snapshot
from core import second_factor
from core.models import User
from missions.support.models import SupportRequest, SupportStep

PASSWORD = "Mot-de-passe-test-1"  # tests.factories.UserFactory's
NEW_PASSWORD = "Un-nouveau-mot-de-passe-tres-long-2025"


# Hand-written valid baselines (they reach the save paths with realistic data) --------------------------------------
def _management(prefix, total):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def contact_create(s):
    return {
        "first_name": "Lucie",
        "last_name": "Cattin",
        "organisation": "GAEC du Plateau",
        "role_title": "Gérante",
        "category": "agriculteur",
        "commune": s["commune"],
        "email": "lucie@example.org",
        "phone": "03 81 11 22 33",
        "consent_date": "",
        "consent_method": "",
        "notes": "",
    }


def meeting_create(s):
    return {
        "starts_at": "2025-04-10T18:00",
        "kind": "elus",
        "title": "Réunion de lancement",
        "place": "Mairie",
        "accompaniment": s["accompaniment"],
        "commune": "",
        "count_elus": "3",
        "count_residents": "0",
        "count_associations": "0",
        "count_farmers": "0",
        "count_others": "0",
        "agenda": "Ordre du jour",
        "minutes": "Compte rendu",
        "decisions": "",
        "next_steps": "",
        "internal_notes": "",
        "time_spent_half_days": "1",
        "present": [s["contact"]],
        "excused": [],
    }


def diagnostic_create(s):
    return {
        "context": "Commune rurale de 900 habitants.",
        "data_collected": "",
        "lock_version": "",
        **_management("enjeux", 1),
        "enjeux-0-category": "restauration_collective",
        "enjeux-0-title": "Cantine locale",
        "enjeux-0-priority": "2",
        "enjeux-0-description": "",
        "enjeux-0-ORDER": "1",
        **_management("constats", 1),
        "constats-0-text": "Tout le monde veut une cantine plus locale.",
        **_management("pistes", 1),
        "pistes-0-title": "Rénover le verger",
        "pistes-0-theme": "jardins_vergers",
        "pistes-0-potential_leads": "",
        "pistes-0-description": "",
    }


def action_create(s):
    return {
        "title": "Verger partagé",
        "theme": "jardins_vergers",
        "priority": "2",
        "status": "proposee",
        "progress": "0",
        "description": "",
        "lead_contact": "",
        "lead_organisation": "Association des jardins",
        "partners": "",
        "operational_objectives": "",
        "expected_results": "",
        "cost_estimate": "1500.50",
        "start_month": "2025-04",
        "end_month": "2025-10",
        "lock_version": "",
        **_management("financements", 1),
        "financements-0-funder": "Région",
        "financements-0-amount": "500.25",
        "financements-0-status": "sollicite",
    }


def support_public(s):
    return {
        "requester_kind": SupportRequest.RequesterKind.ASSOCIATION,
        "organisation": "Les Croqueurs de pommes",
        "contact_name": "Hélène Jacquot",
        "email": "helene@example.org",
        "phone": "06 00 00 00 00",
        "commune": s["commune"],
        "title": "Verger conservatoire",
        "kind": SupportRequest.Kind.ORCHARD,
        "description": "Planter 30 arbres fruitiers de variétés locales.",
        "help_wanted": "Trouver des partenaires et un financement.",
        "already_under_way": "0",
        "verification": "",
    }


def workshop_create(s):
    return {
        "programme": s["programme"],
        "title": "La cantine de Devecey",
        "theme": s["theme"],
        "format": "visite_temoignages",
        "starts_at": "2025-12-03T09:30",
        "ends_at": "2025-12-03T12:30",
        "place": "Restaurant scolaire",
        "capacity": "30",
        "agenda": "Visite puis témoignages",
        "visits": "",
        "lock_version": "",
        "temoignages-TOTAL_FORMS": "1",
        "temoignages-INITIAL_FORMS": "0",
        "temoignages-0-speaker": "Karim Benali",
        "temoignages-0-organisation": "Restaurant scolaire",
        "temoignages-0-origin": "territoire",
        "temoignages-0-topic": "Cuisiner local",
        "frais-TOTAL_FORMS": "1",
        "frais-INITIAL_FORMS": "0",
        "frais-0-category": "transport",
        "frais-0-label": "Car",
        "frais-0-amount": "420.00",
    }


def theme_proposal(s):
    return {
        "title": "Cantines locales",
        "description": "Partager les marchés",
        "action_theme": "restauration_collective",
    }


def time_entry(s):
    return {
        "consultant": s["consultant"],
        "date": "2025-04-15",
        "half_days": "2",
        "activity": f"accompagnement:{s['accompaniment']}",
        "order_line": s["order_line"],
        "comment": "Réunion d'élus",
    }


# Every form ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Form:
    """How to post one form: its URL (name and kwargs from the state), who posts, where the form is shown."""

    url_name: str
    kwargs: Callable[[dict], dict] = lambda s: {}
    role: str = "gbm"
    page: Callable[[dict], str] | None = None  # the page showing the form, when it is not the form's own URL
    baseline: Callable[[dict], dict] | None = None  # hand-written valid input instead of the page's
    fill: Callable[[dict], dict] = lambda s: {}  # what a person types into the page's form before saving
    files: tuple[str, ...] = ()  # file fields given a small PDF (or `upload`)
    upload: Callable[[dict], tuple[str, bytes]] | None = None  # (file name, content) for `files` instead of the PDF
    rollback: bool = True  # False: the first save changes the state for good (see deliverable_validate)
    relogin: bool = False  # the form ends or replaces the session (logout, password change)
    prepare: Callable[[Client, dict], None] | None = None
    open_page: Callable[[Client, dict], HttpResponse] | None = None  # the page is the answer to a POST (a preview)
    not_found: bool = False  # a hidden field names an object: one the user may not reach is 404, as in the matrix
    # The confirmation names what was previewed (hidden fields): anything else is shown again as a new preview, 409.
    conflict: bool = False


def _page(name, kwargs=lambda s: {}):
    return lambda s: reverse(name, kwargs=kwargs(s))


def _request(key):
    return lambda s: {"pk": s[key]}


def _workshop(s):
    return {"pk": s["workshop"]}


def _registration(key="registration", workshop="workshop"):
    return lambda s: {"pk": s[workshop], "registration_pk": s[key]}


def _draft(s):
    return {"insee_code": s["draft_insee"]}


def _shared(s):
    return {"insee_code": s["shared_insee"]}


def _plan_csv(s):
    return ("plan-d-actions.csv", s["plan_csv"])


def _diagnostic_csv(s):
    return ("diagnostic.csv", s["diagnostic_csv"])


def _contacts_csv(s):
    return ("contacts.csv", "Nom,Prénom,E-mail\r\nFuzz,Camille,camille.fuzz@example.org\r\n".encode("cp1252"))


def _preview(url_name, spreadsheet, kwargs=None):
    """The import's preview, where its confirmation form is: the answer to uploading the spreadsheet."""
    kwargs = kwargs or _draft

    def open_page(client, s):
        name, content = spreadsheet(s)
        response = client.post(reverse(url_name, kwargs=kwargs(s)), {"file": SimpleUploadedFile(name, content)})
        assert response.status_code == 200 and b"apercu" in response.content, response.status_code
        return response

    return open_page


def _portrait_actor(client, s):
    """The commune's portrait lists one actor found in SIRENE (its form is on the hub)."""
    Snapshot.objects.get_or_create(
        scope="commune",
        code=s["insee"],
        source="sirene",
        is_current=True,
        defaults={
            "commune": Commune.objects.get(insee_code=s["insee"]),
            "candidates": [
                {
                    "kind": "ferme",
                    "name": "GAEC DU PLATEAU",
                    "siren": "412345678",
                    "siret": "41234567800017",
                    "activity": "01.41Z",
                    "address": "1 RUE DU PLATEAU",
                    "sole_trader": False,
                }
            ],
        },
    )


def _portrait_figure(client, s):
    """The draft diagnostic's commune has one figure in its portrait (the page's form lists it)."""
    snapshot, _created = Snapshot.objects.get_or_create(
        scope="commune",
        code=s["draft_insee"],
        source="geo",
        is_current=True,
        defaults={"commune": Commune.objects.get(insee_code=s["draft_insee"])},
    )
    Figure.objects.get_or_create(
        snapshot=snapshot,
        key="population",
        defaults={
            "label": "Population",
            "counts": "Habitants",
            "theme": "population",
            "value_number": 1200,
            "unit": "habitants",
            "licence": "Licence Ouverte 2.0 (Etalab)",
            "attribution": "INSEE",
        },
    )


def _enter_reset_link(client, s):
    """The e-mailed link stores the token in the session and redirects to the form (as in Django's flow)."""
    response = client.get(reverse("password_reset_confirm", args=[s["gbm_uid"], s["gbm_token"]]))
    assert response.status_code == 302, response.status_code


def _second_factor_device():
    """The officer's authentication application and recovery codes (kept for the module's remaining forms: with the
    requirement off, the sessions the other forms use are unaffected)."""
    officer = User.objects.get(username="gbm")
    device, created = TOTPDevice.objects.get_or_create(user=officer, confirmed=True, defaults={"name": "Application"})
    if created:
        second_factor.replace_recovery_codes(officer)
    return device


def _verified_session(client, s):
    """This session went through the code step (what recovery codes and turning the second factor off need)."""
    device = _second_factor_device()
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


def _waiting_for_the_code(client, s):
    """The password step is passed: the code step's page shows its form."""
    _second_factor_device()
    response = client.post(reverse("login"), {"username": "gbm", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("login_code"), response.status_code


FORMS = {
    # Authentication and account
    "login": Form("login", role="anonymous", fill=lambda s: {"username": "gbm", "password": PASSWORD}),
    "logout": Form("logout", page=_page("home"), relogin=True),
    "password_change": Form(
        "password_change",
        relogin=True,
        fill=lambda s: {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    ),
    "password_reset": Form("password_reset", role="anonymous", fill=lambda s: {"email": "gbm@example.org"}),
    "password_reset_confirm": Form(
        "password_reset_confirm",
        kwargs=lambda s: {"uidb64": s["gbm_uid"], "token": "set-password"},
        role="anonymous",
        prepare=_enter_reset_link,
        fill=lambda s: {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    ),
    "account": Form("account"),
    "account_calendar_token": Form("account_calendar_token", page=_page("account")),
    "second_factor_setup": Form("second_factor_setup", role="consultant", fill=lambda s: {"code": "000000"}),
    "login_code": Form(
        "login_code", role="anonymous", prepare=_waiting_for_the_code, fill=lambda s: {"code": "000000"}
    ),
    "second_factor_recovery_codes": Form(
        "second_factor_recovery_codes", page=_page("account"), prepare=_verified_session
    ),
    "second_factor_turn_off": Form(
        "second_factor_turn_off", page=_page("account"), prepare=_verified_session, fill=lambda s: {"code": "000000"}
    ),
    "invitation_accept": Form(
        "invitation_accept",
        kwargs=lambda s: {"token": s["invitation_token"]},
        role="anonymous",
        fill=lambda s: {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    ),
    # People (GBM officers)
    "communes:invitation_create": Form(
        "communes:invitation_create",
        fill=lambda s: {
            "first_name": "Lou",
            "last_name": "Roy",
            "email": "lou.roy@example.org",
            "role": "consultant",
            "organisation": "Bureau d'études",
        },
    ),
    "communes:invitation_bulk": Form(
        "communes:invitation_bulk", fill=lambda s: {"lines": "Anne;Bon;anne.bon@example.org;25014"}
    ),
    "communes:invitation_resend": Form(
        "communes:invitation_resend", kwargs=_request("invitation"), page=_page("communes:invitation_list")
    ),
    "communes:invitation_revoke": Form(
        "communes:invitation_revoke", kwargs=_request("invitation"), page=_page("communes:invitation_list")
    ),
    "communes:person_edit": Form("communes:person_edit", kwargs=_request("person")),
    "resend_failed_mail": Form("resend_failed_mail", kwargs=_request("failed_mail"), page=_page("failed_mails")),
    # Contacts
    "communes:contact_create": Form("communes:contact_create", baseline=contact_create),
    "communes:portrait_refresh": Form(
        "communes:portrait_refresh",
        kwargs=lambda s: {"insee_code": s["insee"]},
        page=_page("communes:detail", lambda s: {"insee_code": s["insee"]}),
    ),
    "communes:portrait_candidate_to_contact": Form(
        "communes:portrait_candidate_to_contact",
        kwargs=lambda s: {"insee_code": s["insee"]},
        page=_page("communes:detail", lambda s: {"insee_code": s["insee"]}),
        prepare=_portrait_actor,
    ),
    "communes:contact_quick_create": Form("communes:contact_quick_create"),  # the people picker's dialog
    "communes:contact_update": Form("communes:contact_update", kwargs=lambda s: {"pk": s["contact"]}),
    "communes:contact_anonymise": Form("communes:contact_anonymise", kwargs=lambda s: {"pk": s["contact"]}),
    # Mission 1
    "missions:accompaniment_create": Form(
        "missions:accompaniment_create",
        fill=lambda s: {"commune": s["commune_unaccompanied"], "programme": s["programme"], "cohort": "nouvelle"},
    ),
    "missions:accompaniment_update": Form(
        "missions:accompaniment_update", kwargs=lambda s: {"pk": s["accompaniment"]}
    ),
    "missions:meeting_create": Form("missions:meeting_create", baseline=meeting_create),
    "missions:meeting_update": Form("missions:meeting_update", kwargs=lambda s: {"pk": s["meeting"]}),
    "missions:diagnostic_update": Form("missions:diagnostic_update", kwargs=_draft),
    "missions:diagnostic_update+nouveau": Form(
        "missions:diagnostic_update", kwargs=lambda s: {"insee_code": s["fresh_insee"]}, baseline=diagnostic_create
    ),
    "missions:diagnostic_figures": Form("missions:diagnostic_figures", kwargs=_draft, prepare=_portrait_figure),
    "missions:action_plan_update": Form("missions:action_plan_update", kwargs=_draft),
    "missions:action_plan_approve": Form(
        "missions:action_plan_approve",
        kwargs=lambda s: {"insee_code": s["insee"]},
        role="elu",
        fill=lambda s: {"council_decision_date": "2025-04-10"},
    ),
    "missions:action_create": Form(
        "missions:action_create", kwargs=lambda s: {"insee_code": s["fresh_insee"]}, baseline=action_create
    ),
    "missions:action_from_lead": Form(
        "missions:action_from_lead",
        kwargs=lambda s: {"insee_code": s["draft_insee"], "lead_pk": s["draft_lead"]},
        page=_page("missions:action_plan", _draft),
    ),
    "missions:action_update": Form("missions:action_update", kwargs=lambda s: {"pk": s["draft_action"]}),
    "missions:action_move": Form(
        "missions:action_move",
        kwargs=lambda s: {"pk": s["draft_action"], "direction": "descendre"},
        page=_page("missions:action_plan", _draft),
    ),
    "missions:action_add_note": Form(
        "missions:action_add_note",
        kwargs=lambda s: {"pk": s["draft_action"]},
        page=_page("missions:action_detail", lambda s: {"pk": s["draft_action"]}),
        fill=lambda s: {"text": "La cantine commande désormais au GAEC voisin."},
    ),
    "missions:indicator_create": Form(
        "missions:indicator_create",
        kwargs=lambda s: {"action_pk": s["draft_action"]},
        fill=lambda s: {"name": "Repas servis", "unit": "repas"},
    ),
    "missions:indicator_update": Form(
        "missions:indicator_update", kwargs=lambda s: {"action_pk": s["draft_action"], "pk": s["draft_indicator"]}
    ),
    # Spreadsheet imports (upload, then confirm the preview) and share links of the plan
    "missions:action_plan_import": Form(
        "missions:action_plan_import", kwargs=_draft, files=("file",), upload=_plan_csv
    ),
    "missions:action_plan_import_confirm": Form(
        "missions:action_plan_import_confirm",
        kwargs=_draft,
        open_page=_preview("missions:action_plan_import", _plan_csv),
    ),
    "missions:diagnostic_import": Form(
        "missions:diagnostic_import", kwargs=_draft, files=("file",), upload=_diagnostic_csv
    ),
    "missions:diagnostic_import_confirm": Form(
        "missions:diagnostic_import_confirm",
        kwargs=_draft,
        open_page=_preview("missions:diagnostic_import", _diagnostic_csv),
    ),
    "communes:contact_import": Form("communes:contact_import", files=("file",), upload=_contacts_csv),
    "communes:contact_import_confirm": Form(
        "communes:contact_import_confirm",
        open_page=_preview("communes:contact_import", _contacts_csv, lambda s: {}),
        conflict=True,
    ),
    "missions:share_link_create": Form("missions:share_link_create", kwargs=_shared),
    "missions:share_link_revoke": Form(
        "missions:share_link_revoke", kwargs=_shared, page=_page("missions:action_plan", _shared), not_found=True
    ),
    # Time
    "missions:time_create": Form("missions:time_create", baseline=time_entry),
    "missions:time_update": Form("missions:time_update", kwargs=lambda s: {"pk": s["time_entry"]}, role="consultant"),
    "missions:time_delete": Form(
        "missions:time_delete",
        kwargs=lambda s: {"pk": s["time_entry"]},
        role="consultant",
        page=_page("missions:time_list"),
    ),
    "missions:time_week": Form("missions:time_week", role="consultant"),
    "missions:time_month_lock": Form(
        "missions:time_month_lock", kwargs=lambda s: {"year": 2025, "month": 4}, page=_page("missions:time_list")
    ),
    "missions:time_month_unlock": Form(
        "missions:time_month_unlock", kwargs=lambda s: {"year": 2025, "month": 3}, page=_page("missions:time_list")
    ),
    # Mission 3: support requests
    "missions:support_public_create": Form(
        "missions:support_public_create", role="anonymous", baseline=support_public
    ),
    "missions:support_elu_create": Form(
        "missions:support_elu_create",
        role="elu",
        fill=lambda s: {
            "title": "Jardin de l'école",
            "kind": SupportRequest.Kind.GARDEN,
            "description": "Un potager cultivé par les élèves.",
            "help_wanted": "Trouver un jardinier bénévole.",
            "already_under_way": "0",
        },
    ),
    "missions:support_team_create": Form(
        "missions:support_team_create",
        fill=lambda s: {
            "requester_kind": SupportRequest.RequesterKind.ASSOCIATION,
            "organisation": "Les Croqueurs de pommes",
            "contact_name": "Hélène Jacquot",
            "email": "helene@example.org",
            "commune": s["commune"],
            "title": "Verger conservatoire",
            "kind": SupportRequest.Kind.ORCHARD,
            "description": "Planter 30 arbres fruitiers.",
            "help_wanted": "Des partenaires.",
            "already_under_way": "0",
        },
    ),
    "missions:support_update": Form("missions:support_update", kwargs=_request("request")),
    "missions:support_start_review": Form(
        "missions:support_start_review",
        kwargs=_request("received"),
        page=_page("missions:support_detail", _request("received")),
    ),
    "missions:support_decide": Form(
        "missions:support_decide",
        kwargs=_request("under_review"),
        fill=lambda s: {
            "outcome": "accepter",
            "steps": [SupportStep.Kind.IDEA.value, SupportStep.Kind.FINANCING.value],
            "feasibility": SupportRequest.Feasibility.FEASIBLE,
            "reason": "Projet cohérent avec le projet alimentaire communal.",
            "support_nature": "Aide au montage du projet.",
            "allotted_half_days": "4",
        },
    ),
    "missions:support_start_follow_up": Form(
        "missions:support_start_follow_up",
        kwargs=_request("accepted"),
        page=_page("missions:support_detail", _request("accepted")),
    ),
    "missions:support_complete": Form("missions:support_complete", kwargs=_request("request")),
    "missions:support_abandon": Form(
        "missions:support_abandon", kwargs=_request("request"), fill=lambda s: {"reason": "Le porteur a déménagé."}
    ),
    "missions:support_financing": Form("missions:support_financing", kwargs=_request("request")),
    "missions:support_evaluation": Form("missions:support_evaluation", kwargs=_request("request")),
    "missions:support_step_update": Form(
        "missions:support_step_update", kwargs=lambda s: {"pk": s["request"], "step_pk": s["step"]}
    ),
    "missions:support_step_document_add": Form(
        "missions:support_step_document_add",
        kwargs=lambda s: {"pk": s["request"], "step_pk": s["step"]},
        fill=lambda s: {"title": "Devis du pépiniériste"},
        files=("file",),
    ),
    "missions:support_meeting_link": Form(
        "missions:support_meeting_link",
        kwargs=_request("request"),
        page=_page("missions:support_detail", _request("request")),
        fill=lambda s: {"meeting": s["free_meeting"]},
    ),
    "missions:support_meeting_unlink": Form(
        "missions:support_meeting_unlink",
        kwargs=lambda s: {"pk": s["request"], "meeting_pk": s["meeting"]},
        page=_page("missions:support_detail", _request("request")),
    ),
    # Mission 2: workshops, registrations, resources, themes
    "ateliers:create": Form("ateliers:create", baseline=workshop_create),
    "ateliers:update": Form("ateliers:update", kwargs=_workshop),
    "ateliers:mark_held": Form(
        "ateliers:mark_held",
        kwargs=lambda s: {"pk": s["past_workshop"]},
        page=_page("ateliers:detail", lambda s: {"pk": s["past_workshop"]}),
    ),
    "ateliers:cancel": Form("ateliers:cancel", kwargs=_workshop, fill=lambda s: {"reason": "Trop peu d'inscrits."}),
    "ateliers:report_update": Form("ateliers:report_update", kwargs=_workshop),
    "ateliers:attendance": Form("ateliers:attendance", kwargs=lambda s: {"pk": s["past_workshop"]}),
    "ateliers:registration_create": Form(
        "ateliers:registration_create", kwargs=_workshop, fill=lambda s: {"contact": s["unregistered_contact"]}
    ),
    "ateliers:registration_bulk": Form(
        "ateliers:registration_bulk",
        kwargs=_workshop,
        fill=lambda s: {"people": s["unregistered_contact"], "pasted": "Marie Inconnue", "inscrire": "1"},
    ),
    "ateliers:registration_new_person": Form("ateliers:registration_new_person", kwargs=_workshop, role="elu"),
    "ateliers:registration_consent": Form(
        "ateliers:registration_consent",
        kwargs=_registration(),
        page=_page("ateliers:registration_detail", _registration()),
        fill=lambda s: {"consent_date": "2025-04-10", "consent_method": Registration.ConsentMethod.FORM},
    ),
    "ateliers:registration_consent_request": Form(
        "ateliers:registration_consent_request",
        kwargs=_registration(),
        page=_page("ateliers:registration_detail", _registration()),
    ),
    "ateliers:registration_withdraw": Form(
        "ateliers:registration_withdraw", kwargs=_registration("consenting_registration", "past_workshop")
    ),
    "ateliers:registration_cancel": Form("ateliers:registration_cancel", kwargs=_registration()),
    "ateliers:resource_create": Form(
        "ateliers:resource_create",
        kwargs=_workshop,
        fill=lambda s: {"title": "Guide des achats locaux", "url": "https://www.example.org/guide.pdf"},
    ),
    "ateliers:resource_delete": Form(
        "ateliers:resource_delete", kwargs=lambda s: {"pk": s["workshop"], "resource_pk": s["resource"]}
    ),
    "ateliers:theme_create": Form("ateliers:theme_create", baseline=theme_proposal),
    "ateliers:theme_update": Form("ateliers:theme_update", kwargs=lambda s: {"pk": s["theme_proposed"]}),
    "ateliers:theme_review": Form(
        "ateliers:theme_review",
        kwargs=lambda s: {"pk": s["theme_proposed"]},
        fill=lambda s: {"decision": "valider", "comment": "Thème bienvenu."},
    ),
    # Deliverables
    "deliverable_submit": Form(
        "deliverable_submit",
        kwargs=lambda s: s["attendance_sheet"],
        page=_page("ateliers:attendance", lambda s: {"pk": s["past_workshop"]}),
    ),
    # Validating renders and freezes the PDF (WeasyPrint, about a second): the first example validates for good,
    # the next ones are refused with a message, as a second click would be. Its form is on its confirmation page.
    "deliverable_validate": Form(
        "deliverable_validate",
        kwargs=lambda s: {"pk": s["deliverable"]},
        rollback=False,
    ),
    "deliverable_return": Form(
        "deliverable_return",
        kwargs=lambda s: {"pk": s["deliverable"]},
        fill=lambda s: {"comment": "Ajoutez les enjeux de la restauration scolaire."},
    ),
    "deliverable_reissue": Form(
        "deliverable_reissue",
        kwargs=lambda s: {"pk": s["frozen"]},
        fill=lambda s: {"reason": "Le nom d'une personne a changé."},
    ),
    # Pages of the portal: a reminder to a silent commune, the programme's report, a person's consent link
    "commune_reminder": Form("commune_reminder", kwargs=lambda s: {"insee_code": s["insee"]}),
    "programme_report": Form(
        "programme_report", fill=lambda s: {"commentary": "Le programme avance : trois plans approuvés."}
    ),
    "ateliers:consent_confirm": Form(
        "ateliers:consent_confirm", kwargs=lambda s: {"token": s["consent_token"]}, role="anonymous"
    ),
    # Order forms, in the Django admin (GBM officers; superuser here)
    "admin:missions_orderform_add": Form(
        "admin:missions_orderform_add",
        role="superuser",
        fill=lambda s: {"programme": s["programme"], "object": "Accompagnement de Bonnay", "mission": "1"},
    ),
    "admin:missions_orderform_change": Form(
        "admin:missions_orderform_change", kwargs=lambda s: {"object_id": s["draft_order_form"]}, role="superuser"
    ),
}
