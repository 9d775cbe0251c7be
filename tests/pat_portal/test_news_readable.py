"""« Nouveau depuis votre dernière visite » (issue 25, item 3): only what the reader may open; an import told once,
with the person who ran it; what the portal did by itself in one line at the end, so that the demo data of a fresh
install never buries the one real event."""

import datetime

import pytest
from django.utils import timezone

from missions.money.models.orders import OrderForm
from pat_portal.pages.news import news_for
from tests.factories import ProgrammeFactory, UserFactory
from tests.factories_mission1 import AccompanimentFactory, ActionFactory, ActionPlanFactory, MeetingFactory
from tests.factories_orders import OrderFormFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claire():
    return UserFactory(username="claire", consultant=True, first_name="Claire", last_name="Vuillemin")


@pytest.fixture
def officer():
    return UserFactory(username="paul", gbm=True, first_name="Paul", last_name="Girard")


@pytest.fixture
def accompaniment(commune):
    return AccompanimentFactory(programme=ProgrammeFactory(), commune=commune)


def _since():
    return timezone.now() - datetime.timedelta(minutes=5)


def _saved_by(instance, user, reason=None):
    instance._history_user = user
    if reason:
        instance._change_reason = reason
    instance.save()
    return instance


def test_a_consultant_is_not_told_of_a_draft_order_form_they_cannot_open(client, consultant, gbm_officer, officer):
    draft = _saved_by(OrderFormFactory.build(number="BC-2026-006", draft=True, programme=ProgrammeFactory()), officer)
    assert not [item for item in news_for(consultant, _since()) if "BC-2026-006" in item.sentence]
    told = [item for item in news_for(gbm_officer, _since()) if "BC-2026-006" in item.sentence]
    assert told and told[0].who == "Paul Girard"
    # Issued, the consultant may open it: now it is news for them, and its link answers.
    draft.status = OrderForm.Status.ISSUED
    _saved_by(draft, officer)
    told = [item for item in news_for(consultant, _since()) if "BC-2026-006" in item.sentence]
    assert told
    client.force_login(consultant)
    assert client.get(told[0].url).status_code == 200


def test_every_news_link_opens_for_its_reader(client, consultant, claire, officer, accompaniment):
    _saved_by(OrderFormFactory.build(number="BC-2026-007", draft=True, programme=accompaniment.programme), officer)
    _saved_by(
        MeetingFactory.build(accompaniment=accompaniment, commune=accompaniment.commune, title="Lancement"), claire
    )
    client.force_login(consultant)
    items = news_for(consultant, _since())
    assert items
    for item in items:
        if item.url:
            assert client.get(item.url).status_code in (200, 302), item.sentence


def test_an_import_is_told_once_with_the_person_who_ran_it(gbm_officer, claire, accompaniment):
    plan = ActionPlanFactory(accompaniment=accompaniment)
    for _index in range(12):
        _saved_by(ActionFactory.build(plan=plan), claire, reason="Import du fichier « plan.xlsx »")
    items = news_for(gbm_officer, _since())
    imported = [item for item in items if item.verb == "a importé"]
    assert len(imported) == 1
    assert imported[0].sentence.startswith("Claire Vuillemin a importé 12 actions (fichier « plan.xlsx »)")
    assert imported[0].count == 12


def test_what_the_portal_did_by_itself_is_one_line_after_what_people_did(gbm_officer, claire, accompaniment):
    plan = ActionPlanFactory(accompaniment=accompaniment)  # no person: as the demo data and scheduled tasks
    for _index in range(17):
        ActionFactory(plan=plan)
    _saved_by(
        MeetingFactory.build(accompaniment=accompaniment, commune=accompaniment.commune, title="Lancement"), claire
    )
    items = news_for(gbm_officer, _since())
    assert items[0].who == "Claire Vuillemin"  # the one real event first
    system = [item for item in items if item.who == "Le portail"]
    assert len(system) == 1 and system[0] is items[-1]
    assert "17 actions" in system[0].sentence and "1 plan d'actions" in system[0].sentence
    assert not any("Le portail a modifié" in item.sentence or "Le portail a ajouté" in item.sentence for item in items)
