"""The deliverable registry (issue 14): the kernel renders, hashes and traces every kind of deliverable through what
each domain registered at start-up; a model never imports its app's services; an erasure re-issues every frozen
document that names the person (issue 15, item 3)."""

import ast
import datetime
import io
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from pypdf import PdfReader

from communes.services import anonymise_contact
from core.deliverables import deliverable_type, registered_types, submit_deliverable, validate_deliverable
from core.models import Deliverable, DeliverableSubject
from tests.factories import ContactFactory
from tests.factories_ateliers import RegistrationFactory, WorkshopFactory
from tests.factories_mission1 import AccompanimentFactory, ActionFactory, ActionPlanFactory, DiagnosticFactory
from tests.factories_support import SupportRequestFactory

ROOT = Path(__file__).resolve().parents[2]
MODEL_MODULES = [
    *ROOT.glob("missions/*/models.py"),
    *ROOT.glob("missions/*/models/*.py"),
    *ROOT.glob("ateliers/models/*.py"),
    *ROOT.glob("communes/models.py"),
    ROOT / "core/models.py",
]


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_no_model_imports_services_or_selectors_even_lazily():
    assert len(MODEL_MODULES) > 8
    offending = {
        str(path.relative_to(ROOT)): sorted(
            module
            for module in imported_modules(path)
            if any(part in {"services", "selectors", "deliverables"} for part in module.split("."))
        )
        for path in MODEL_MODULES
    }
    assert {path: modules for path, modules in offending.items() if modules} == {}


def test_every_kind_of_deliverable_is_registered_with_its_model():
    from django.apps import apps

    subjects = {model for model in apps.get_models() if issubclass(model, DeliverableSubject)}
    assert {model.deliverable_kind for model in subjects} == set(Deliverable.Kind.values)
    for model in subjects:
        assert deliverable_type(model.deliverable_kind).model is model
    assert {t.kind for t in registered_types()} == set(Deliverable.Kind.values)


def test_an_unregistered_kind_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="AppConfig.ready"):
        deliverable_type("inconnu")


def pdf_text(content: bytes) -> str:
    """The text, lower case (the attendance sheet prints last names in capitals), whitespace collapsed."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split()).lower()


def stored(deliverable) -> bytes:
    with deliverable.pdf.open("rb") as handle:
        return handle.read()


@pytest.mark.django_db
def test_erasing_a_person_reissues_every_frozen_document_that_names_them(
    commune, consultant, gbm_officer, elu, django_capture_on_commit_callbacks
):
    """Odile Zorgnotte is a resource person of the diagnostic, the lead of an action, a consenting participant of a
    workshop and the requester of a support request: four frozen documents name her, one does not."""
    person = ContactFactory(
        commune=commune, first_name="Odile", last_name="Zorgnotte", email="odile@example.org", phone="0381000000"
    )
    accompaniment = AccompanimentFactory(commune=commune)
    diagnostic = DiagnosticFactory(accompaniment=accompaniment, with_content=True)
    diagnostic.action_leads.get().resource_people.add(person)
    plan = ActionPlanFactory(accompaniment=accompaniment)
    ActionFactory(plan=plan, lead_contact=person)
    workshop = WorkshopFactory(held=True)
    RegistrationFactory(workshop=workshop, contact=person, commune=commune, present=True, consenting=True)
    workshop.report.text = "Compte rendu."
    workshop.report.save()
    request = SupportRequestFactory(
        commune=commune, in_progress=True, contact_name="Odile Zorgnotte", email="odile@example.org"
    )
    unrelated = WorkshopFactory(held=True)
    RegistrationFactory(workshop=unrelated, present=True)
    unrelated.report.text = "Un autre atelier."
    unrelated.report.save()

    frozen = {}
    for key, subject in {
        "diagnostic": diagnostic,
        "plan": plan,
        "report": workshop.report,
        "attendance": workshop.attendance_sheet,
        "support": request,
        "unrelated": unrelated.report,
    }.items():
        deliverable = submit_deliverable(subject=subject, by=consultant)
        if key == "plan":
            plan.refresh_from_db()
            plan.approve(by=elu, council_decision_date=datetime.date(2026, 11, 20))
        frozen[key] = validate_deliverable(deliverable=deliverable, by=gbm_officer)
        assert "zorgnotte" in pdf_text(stored(frozen[key])) or key == "unrelated", key

    with django_capture_on_commit_callbacks(execute=True):
        anonymise_contact(contact=person, by=gbm_officer)

    for key, old in frozen.items():
        old.refresh_from_db()
        if key == "unrelated":
            assert old.is_frozen and not Deliverable.objects.filter(reissue_of=old).exists()
            continue
        assert old.is_withdrawn and old.withdrawn_by == gbm_officer and old.sha256, key
        new = Deliverable.objects.get(reissue_of=old)
        assert new.is_frozen and new.version == old.version + 1, key
        text = pdf_text(stored(new))
        assert "zorgnotte" not in text and "odile@example.org" not in text, key
