"""Synthetic load data for the benchmark: one busy programme year at scale 1, N times every table at scale N.

Deterministic (one `random.Random(seed)`), fast (bulk_create, no history rows, one password hash), and
careful: it refuses a database that already holds real work unless told otherwise (`force`).
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from ateliers.models import Registration, Theme, Workshop, WorkshopReport
from communes.demo import DEMO_USERS
from communes.models import Commune, Contact
from communes.services import import_communes
from core.models import User, WorkflowStatus
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action, ActionPlan, FundingSource
from missions.mission1.models.diagnostics import ActionLead, Diagnostic, SharedFinding, Stake
from missions.mission1.models.meetings import Meeting, MeetingParticipant
from missions.money.models.orders import OrderForm, OrderLine
from missions.money.models.time import TimeEntry
from missions.money.services import consumption
from missions.programme.choices import ActionTheme
from missions.programme.models import Programme
from missions.support.models import SupportRequest

LOAD_PASSWORD = "Bench-PAT-2026"
LOAD_PROGRAMME_PREFIX = "CHARGE-"
# Synthetic communes take INSEE codes in departments far from the Doubs (25), so they never collide.
SYNTHETIC_DEPARTMENTS = ["70", "39", "90", "21", "71", "52", "88", "68"]
BATCH = 2000

FIRST_NAMES = [
    "Claire",
    "Julien",
    "Amélie",
    "Bernard",
    "Sophie",
    "Patrick",
    "Nathalie",
    "Marc",
    "Élodie",
    "Karim",
    "Hélène",
    "Lucie",
    "Denis",
    "Fabrice",
    "Céline",
    "Aurélie",
    "Isabelle",
    "Pierre",
    "Camille",
    "Hugo",
]
LAST_NAMES = [
    "Vuillemin",
    "Roussel",
    "Faivre",
    "Cuenot",
    "Mougin",
    "Girardot",
    "Jeannin",
    "Bourgeois",
    "Parrenin",
    "Benali",
    "Jacquot",
    "Cattin",
    "Rognon",
    "Monnier",
    "Voisin",
    "Grosperrin",
    "Lambert",
    "Roy",
    "Droz",
    "Besson",
    "Marmier",
    "Tissot",
    "Vermot",
    "Piquard",
    "Guyon",
    "Chopard",
    "Pourcelot",
    "Billod",
]
WORDS = [
    "cantine",
    "verger",
    "jardin partagé",
    "circuit court",
    "marché",
    "AMAP",
    "gaspillage",
    "compost",
    "restauration scolaire",
    "producteurs locaux",
    "épicerie solidaire",
    "maraîchage",
    "sensibilisation",
]


class RealDataError(Exception):
    """The database holds work that is not synthetic: generating would mix fake rows into it."""


@dataclass
class LoadResult:
    counts: dict[str, int] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # role -> username of one account per role
    programme_id: int | None = None
    plan_commune: str = ""  # INSEE code of the commune whose action plan has 40 actions
    workshop_id: int | None = None  # the workshop with 100 participants


def check_empty(*, force: bool = False) -> None:
    """Refuse unless the database holds no accompaniment and only demo or synthetic accounts."""
    if force:
        return
    known = {row[0] for row in DEMO_USERS}
    foreign_users = User.objects.exclude(username__in=known).exclude(username__startswith="charge.")
    if Accompaniment.objects.exists() or foreign_users.exists():
        raise RealDataError(
            "Cette base contient déjà des données (accompagnements ou comptes réels) : "
            "relancez avec --force pour y ajouter des données synthétiques."
        )


def _scaled(base: int, scale: float) -> int:
    return max(1, round(base * scale))


def _text(rng: random.Random, words: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _synthetic_communes(rng: random.Random, wanted: int) -> list[Commune]:
    taken = set(Commune.objects.values_list("insee_code", flat=True))
    rows = []
    for department in SYNTHETIC_DEPARTMENTS:
        for number in range(1, 1000):
            if len(rows) >= wanted:
                return rows
            code = f"{department}{number:03d}"
            if code in taken:
                continue
            rows.append(
                Commune(
                    insee_code=code,
                    name=f"Commune synthétique {code}",
                    population=rng.choice([180, 450, 900, 1500, 2800, 4200, 6500, 12000]),
                    postcodes=f"{department}{number % 100:03d}",
                )
            )
    return rows


@transaction.atomic
def generate_load_data(*, scale: float = 1, seed: int = 2026, force: bool = False) -> LoadResult:
    """Fill the database with synthetic programme data; returns counts and the accounts to log in with."""
    check_empty(force=force)
    rng = random.Random(seed)
    result = LoadResult()
    today = timezone.localdate()
    now = timezone.now()

    if not Commune.objects.filter(insee_code__startswith="25").exists():
        import_communes()
    real_count = Commune.objects.count()
    target_communes = _scaled(67, scale)
    Commune.objects.bulk_create(_synthetic_communes(rng, max(0, target_communes - real_count)), batch_size=BATCH)
    communes = list(Commune.objects.order_by("insee_code"))

    # Programme: started eight months ago, like the demo one, under a reference that says it is synthetic.
    start = (today.replace(day=1) - datetime.timedelta(days=240)).replace(day=1)
    reference = f"{LOAD_PROGRAMME_PREFIX}{seed}-{Programme.objects.count() + 1}"
    programme = Programme.objects.create(
        name="Programme synthétique (banc d'essai)",
        contractor="Prestataire synthétique",
        contract_reference=reference,
        start_date=start,
        end_date=start.replace(year=start.year + 2) - datetime.timedelta(days=1),
        new_communes_deadline=start + datetime.timedelta(days=240),
    )
    result.programme_id = programme.pk

    # Accounts: one password hash for all (hashing is the slow part), usernames under "charge.".
    password = make_password(LOAD_PASSWORD)
    n_accompaniments = min(_scaled(15, scale), len(communes))
    accompanied = rng.sample(communes, n_accompaniments)

    def account(username, role, **extra):
        return User(
            username=username,
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            role=role,
            password=password,
            email=f"{username}@exemple.fr",
            **extra,
        )

    users = [account(f"charge.gbm{i}", User.Role.GBM, is_staff=True, is_superuser=True) for i in range(1, 3)]
    users += [account(f"charge.consultant{i}", User.Role.CONSULTANT) for i in range(1, max(3, _scaled(4, scale)) + 1)]
    users += [account(f"charge.elu.{commune.insee_code}", User.Role.ELU, commune=commune) for commune in accompanied]
    existing = set(User.objects.filter(username__in=[u.username for u in users]).values_list("username", flat=True))
    User.objects.bulk_create([u for u in users if u.username not in existing], batch_size=BATCH)
    gbm = list(User.objects.filter(username__startswith="charge.gbm").order_by("username"))
    consultants = list(User.objects.filter(username__startswith="charge.consultant").order_by("username"))
    elus = {u.commune_id: u for u in User.objects.filter(username__startswith="charge.elu.")}
    result.users = {
        "gbm": gbm[0].username,
        "consultant": consultants[0].username,
        "elu": elus[accompanied[0].pk].username,
    }

    # Contacts
    categories = [c for c, _ in Contact.Category.choices]
    contacts = []
    for _ in range(_scaled(800, scale)):
        consents = rng.random() < 0.6
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        contacts.append(
            Contact(
                first_name=first,
                last_name=last,
                organisation=f"Structure {rng.randint(1, 500)}",
                category=rng.choice(categories),
                commune=rng.choice(communes),
                email=f"{first}.{last}{rng.randint(1, 9999)}@exemple.fr".lower(),
                phone="03 81 00 00 00",
                consent_to_share=consents,
                consent_date=today - datetime.timedelta(days=60) if consents else None,
                consent_method=Contact.ConsentMethod.FORM if consents else "",
            )
        )
    contacts = Contact.objects.bulk_create(contacts, batch_size=BATCH)
    contacts_by_commune: dict[int, list[Contact]] = {}
    for contact in contacts:
        contacts_by_commune.setdefault(contact.commune_id, []).append(contact)

    # Order forms (Mission 1, 2 and 3) with two lines each: time entries are charged to their lines.
    order_forms = OrderForm.objects.bulk_create(
        [
            OrderForm(
                programme=programme,
                number=f"BC-SYN-{i:04d}",
                issued_on=start + datetime.timedelta(days=i % 200),
                object=f"Bon de commande synthétique {i}",
                mission=(i % 3) + 1,
                status=rng.choice([s for s, _ in OrderForm.Status.choices]),
            )
            for i in range(1, _scaled(20, scale) + 1)
        ],
        batch_size=BATCH,
    )
    lines = OrderLine.objects.bulk_create(
        [
            OrderLine(
                order_form=form,
                position=position,
                description=f"Prestation {position}",
                quantity=Decimal(rng.choice([10, 20, 40])),
                unit_price=Decimal("450.00"),
            )
            for form in order_forms
            for position in (1, 2)
        ],
        batch_size=BATCH,
    )

    # Accompaniments, diagnostics (stakes, findings, leads), action plans with actions.
    phases = [Accompaniment.Phase.DIAGNOSTIC, Accompaniment.Phase.ACTION_PLAN, Accompaniment.Phase.IMPLEMENTATION]
    accompaniments = Accompaniment.objects.bulk_create(
        [
            Accompaniment(
                programme=programme,
                commune=commune,
                cohort=Accompaniment.Cohort.NEW,
                phase=Accompaniment.Phase.IMPLEMENTATION if i == 0 else rng.choice(phases),
                lead_consultant=rng.choice(consultants),
                gbm_referent=gbm[0],
                started_on=start + datetime.timedelta(days=rng.randint(0, 120)),
            )
            for i, commune in enumerate(accompanied)
        ],
        batch_size=BATCH,
    )
    diagnostics = Diagnostic.objects.bulk_create(
        [
            Diagnostic(
                accompaniment=acc,
                context=_text(rng, 40),
                data_collected=_text(rng, 30),
                workflow_status=WorkflowStatus.VALIDATED if acc.phase != phases[0] else WorkflowStatus.DRAFT,
            )
            for acc in accompaniments
        ],
        batch_size=BATCH,
    )
    stake_categories = [c for c, _ in Stake.Category.choices]
    themes = [t for t, _ in ActionTheme.choices]
    Stake.objects.bulk_create(
        [
            Stake(
                diagnostic=d,
                category=rng.choice(stake_categories),
                title=f"Enjeu {k}",
                description=_text(rng),
                position=k,
            )
            for d in diagnostics
            for k in range(4)
        ],
        batch_size=BATCH,
    )
    SharedFinding.objects.bulk_create(
        [SharedFinding(diagnostic=d, text=_text(rng, 20), position=k) for d in diagnostics for k in range(3)],
        batch_size=BATCH,
    )
    leads = ActionLead.objects.bulk_create(
        [
            ActionLead(
                diagnostic=d,
                title=f"Piste {k} : {rng.choice(WORDS)}",
                theme=rng.choice(themes),
                description=_text(rng),
                position=k,
            )
            for d in diagnostics
            for k in range(5)
        ],
        batch_size=BATCH,
    )
    leads_by_diagnostic: dict[int, list[ActionLead]] = {}
    for lead in leads:
        leads_by_diagnostic.setdefault(lead.diagnostic_id, []).append(lead)

    with_plan = [acc for acc in accompaniments if acc.phase != phases[0]]
    plans = ActionPlan.objects.bulk_create(
        [ActionPlan(accompaniment=acc, summary=_text(rng, 30)) for acc in with_plan], batch_size=BATCH
    )
    # ~150 actions per scale unit; the first plan gets 40 so that the PDF benchmark has a full plan.
    n_actions = _scaled(150, scale)
    per_plan = [40] + [max(1, (n_actions - 40) // max(1, len(plans) - 1))] * (len(plans) - 1)
    statuses = [s for s, _ in Action.Status.choices]
    diagnostic_by_acc = {d.accompaniment_id: d for d in diagnostics}
    actions = []
    for plan, count in zip(plans, per_plan, strict=True):
        plan_leads = leads_by_diagnostic[diagnostic_by_acc[plan.accompaniment_id].pk]
        for k in range(count):
            month = start.replace(day=1) + datetime.timedelta(days=31 * rng.randint(0, 10))
            actions.append(
                Action(
                    plan=plan,
                    title=f"Action {k + 1} : {rng.choice(WORDS)}",
                    theme=rng.choice(themes),
                    description=_text(rng, 25),
                    lead_organisation=f"Structure {rng.randint(1, 500)}",
                    operational_objectives=_text(rng),
                    expected_results=_text(rng),
                    cost_estimate=Decimal(rng.randint(0, 400)) * 50,
                    start_month=month.replace(day=1),
                    end_month=(month + datetime.timedelta(days=120)).replace(day=1),
                    status=rng.choice(statuses),
                    progress=rng.randint(0, 100),
                    specific_support=rng.random() < 0.2,
                    source_lead=plan_leads[k] if k < len(plan_leads) else None,
                    position=k,
                )
            )
    actions = Action.objects.bulk_create(actions, batch_size=BATCH)
    FundingSource.objects.bulk_create(
        [
            FundingSource(action=a, funder="Département du Doubs", amount=Decimal(rng.randint(1, 40)) * 100)
            for a in actions
            if rng.random() < 0.5
        ],
        batch_size=BATCH,
    )
    result.plan_commune = next(acc.commune.insee_code for acc in with_plan if acc.pk == plans[0].accompaniment_id)

    # Meetings with three named participants each.
    kinds = [k for k, _ in Meeting.Kind.choices]
    meetings = Meeting.objects.bulk_create(
        [
            Meeting(
                starts_at=now - datetime.timedelta(days=rng.randint(-30, 240), hours=rng.randint(0, 8)),
                place="Salle du conseil",
                kind=rng.choice(kinds),
                title=f"Réunion {i}",
                commune_id=(acc := rng.choice(accompaniments)).commune_id,
                accompaniment=acc,
                count_residents=rng.randint(0, 20),
                minutes=_text(rng, 40),
                created_by=rng.choice(consultants),
            )
            for i in range(_scaled(300, scale))
        ],
        batch_size=BATCH,
    )
    participants = []
    for meeting in meetings:
        pool = contacts_by_commune.get(meeting.commune_id) or contacts
        for contact in rng.sample(pool, min(3, len(pool))):
            participants.append(MeetingParticipant(meeting=meeting, contact=contact))
    MeetingParticipant.objects.bulk_create(participants, batch_size=BATCH)

    # Workshop themes and workshops; the first workshop has 100 participants for the report PDF benchmark.
    workshop_themes = Theme.objects.bulk_create(
        [
            Theme(
                title=f"Thème {i} : {rng.choice(WORDS)}",
                description=_text(rng),
                action_theme=rng.choice(themes),
                status=Theme.Status.VALIDATED,
                proposed_by=consultants[0],
                reviewed_by=gbm[0],
                reviewed_at=now,
            )
            for i in range(_scaled(5, scale))
        ],
        batch_size=BATCH,
    )
    n_workshops = _scaled(5, scale)
    workshops = []
    for i in range(n_workshops):
        starts = now - datetime.timedelta(days=200 - i * (230 // n_workshops))
        workshops.append(
            Workshop(
                programme=programme,
                number=i + 1,
                title=f"Atelier {i + 1} : {rng.choice(WORDS)}",
                theme=workshop_themes[i % len(workshop_themes)],
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=3),
                place="Ferme du Plateau",
                format=Workshop.Format.VISIT_AND_TESTIMONIES,
                agenda=_text(rng, 30),
                capacity=150,
                status=Workshop.Status.HELD if starts < now else Workshop.Status.PLANNED,
                created_by=consultants[0],
            )
        )
    workshops = Workshop.objects.bulk_create(workshops, batch_size=BATCH)
    WorkshopReport.objects.bulk_create(
        [WorkshopReport(workshop=w, text=_text(rng, 60)) for w in workshops if w.status == Workshop.Status.HELD],
        batch_size=BATCH,
    )
    per_workshop = [100] + [max(1, (_scaled(150, scale) - 100) // max(1, n_workshops - 1))] * (n_workshops - 1)
    registrations = []
    for workshop, count in zip(workshops, per_workshop, strict=True):
        for contact in rng.sample(contacts, min(count, len(contacts))):
            consents = contact.consent_to_share
            registrations.append(
                Registration(
                    workshop=workshop,
                    contact=contact,
                    commune_id=contact.commune_id,
                    attendance=Registration.Attendance.PRESENT
                    if workshop.status == Workshop.Status.HELD
                    else Registration.Attendance.UNKNOWN,
                    consent_to_share=consents,
                    consent_date=today if consents else None,
                    consent_method=Registration.ConsentMethod.FORM if consents else "",
                    registered_by=consultants[0],
                )
            )
    Registration.objects.bulk_create(registrations, batch_size=BATCH)
    result.workshop_id = workshops[0].pk

    # Support requests from the three doors, numbered after the year's existing ones.
    year = today.year
    last_number = max(SupportRequest.objects.filter(year=year).values_list("number", flat=True), default=0)
    request_statuses = [s for s, _ in SupportRequest.Status.choices]
    request_kinds = [k for k, _ in SupportRequest.Kind.choices]
    requests = []
    for i in range(_scaled(40, scale)):
        door = rng.choice([d for d, _ in SupportRequest.Door.choices])
        commune = rng.choice(accompanied)
        requests.append(
            SupportRequest(
                year=year,
                number=last_number + i + 1,
                programme=programme,
                door=door,
                received_on=today - datetime.timedelta(days=rng.randint(0, 200)),
                submitted_by=None
                if door == SupportRequest.Door.PUBLIC
                else (elus[commune.pk] if door == SupportRequest.Door.ELU else gbm[0]),
                commune=commune,
                requester_kind=SupportRequest.RequesterKind.ASSOCIATION,
                organisation=f"Association {i}",
                contact_name=rng.choice(LAST_NAMES),
                email=f"demande{i}@exemple.fr",
                title=f"Projet {i} : {rng.choice(WORDS)}",
                kind=rng.choice(request_kinds),
                description=_text(rng, 40),
                help_wanted=_text(rng, 20),
                status=rng.choice(request_statuses),
            )
        )
    requests = SupportRequest.objects.bulk_create(requests, batch_size=BATCH)

    # Time entries: general work, accompaniments, workshops, requests.
    entries = []
    for _ in range(_scaled(1500, scale)):
        entry = TimeEntry(
            consultant=rng.choice(consultants),
            date=today - datetime.timedelta(days=rng.randint(0, 230)),
            half_days=rng.choice([1, 1, 2]),
            order_line=rng.choice(lines),
            comment="",
        )
        activity = rng.random()
        if activity < 0.6:
            entry.accompaniment = rng.choice(accompaniments)
        elif activity < 0.75:
            entry.workshop = rng.choice(workshops)
        elif activity < 0.9:
            entry.support_request = rng.choice(requests)
        entries.append(entry)
    TimeEntry.objects.bulk_create(entries, batch_size=BATCH)
    consumption.refresh_all()  # a bulk creation sends no signal: the lines' consumption is summed once

    result.counts = {
        "communes": Commune.objects.count(),
        "contacts": Contact.objects.count(),
        "accompaniments": len(accompaniments),
        "meetings": len(meetings),
        "actions": len(actions),
        "workshops": len(workshops),
        "registrations": len(registrations),
        "support_requests": len(requests),
        "order_forms": len(order_forms),
        "time_entries": len(entries),
    }
    return result
