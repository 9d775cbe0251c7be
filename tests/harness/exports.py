"""What the export tests share: every export with its URL arguments and a filter its list refuses, the formats, and
one row reaching each export (`build`)."""

from tests.factories import CommuneFactory, ContactFactory, ProgrammeFactory
from tests.factories_ateliers import RegistrationFactory, WorkshopFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionLeadFactory,
    ActionPlanFactory,
    DiagnosticFactory,
    FundingSourceFactory,
    IndicatorValueFactory,
    MeetingFactory,
    MeetingParticipantFactory,
    SharedFindingFactory,
    StakeFactory,
)
from tests.factories_orders import OrderFormFactory, OrderLineFactory, TimeEntryFactory
from tests.factories_support import SupportRequestFactory

FORMATS = ("csv", "xlsx")

# Each export, what it needs in its URL, and a filter its list's form refuses (None: the export has no filter).
EXPORTS = {
    "exports:communes": ({}, {"population": "beaucoup"}, "Population"),
    "exports:actions": ({}, {"theme": "inconnu"}, "Thème"),
    "exports:meetings": ({}, {"date_from": "31/02/2026"}, "Du"),
    "exports:contacts": ({}, {"category": "inconnue"}, "Catégorie"),
    "exports:support_requests": ({}, {"status": "inconnu"}, "Statut"),
    "missions:order_form_export": ({}, {"year": "0"}, "Année"),
    "missions:order_line_export": ({}, {"year": "0"}, "Année"),
    "missions:time_export": ({}, {"month": "2026-13"}, "Mois"),
    "ateliers:contacts_export": ({"pk": "workshop"}, None, None),
    # The plan and the diagnostic in their import templates, and the blank templates (headers only).
    "missions:action_plan_export": ({"insee_code": "insee"}, None, None),
    "missions:diagnostic_export": ({"insee_code": "insee"}, None, None),
    "missions:action_plan_template": ({}, None, None),
    "missions:diagnostic_template": ({}, None, None),
    "communes:contact_template": ({}, None, None),
}


def build(gbm_officer) -> dict:
    """One row in every export, every row reaching the people and the text each export shows."""
    programme = ProgrammeFactory()
    commune = CommuneFactory()
    accompaniment = AccompanimentFactory(programme=programme, commune=commune)
    contact = ContactFactory(commune=commune, consenting=True, organisation="Ferme", role_title="Maraîchère")
    meeting = MeetingFactory(
        accompaniment=accompaniment, created_by=gbm_officer, place="Mairie", minutes="Compte rendu", agenda="Ordre"
    )
    MeetingParticipantFactory(meeting=meeting, contact=contact)
    action = ActionFactory(plan=ActionPlanFactory(accompaniment=accompaniment), partners="Chambre d'agriculture")
    FundingSourceFactory(action=action)
    IndicatorValueFactory(indicator__action=action)
    diagnostic = DiagnosticFactory(accompaniment=accompaniment)
    StakeFactory(diagnostic=diagnostic)
    SharedFindingFactory(diagnostic=diagnostic)
    ActionLeadFactory(diagnostic=diagnostic).resource_people.add(contact)
    SupportRequestFactory(programme=programme, commune=commune, organisation="Association", accepted=True)
    order_form = OrderFormFactory(programme=programme, commune=commune)
    line = OrderLineFactory(order_form=order_form)
    TimeEntryFactory(order_line=line, accompaniment=accompaniment, comment="Préparation")
    workshop = WorkshopFactory(programme=programme, held=True)
    RegistrationFactory(workshop=workshop, contact=contact, commune=commune, present=True, consenting=True)
    return {"workshop": workshop.pk, "insee": commune.insee_code}
