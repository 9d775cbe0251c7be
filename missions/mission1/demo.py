"""Demo data for Mission 1: nine accompaniments in their first year, meetings and diagnostics in every state."""

import datetime
from decimal import Decimal

from django.utils import timezone

from communes.models import Commune, Contact
from core.deliverables import return_deliverable, submit_deliverable, validate_deliverable
from core.demo import DemoContext
from core.french import de
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import (
    Action,
    ActionPlan,
    FundingSource,
    Indicator,
    IndicatorValue,
    ProgressNote,
)
from missions.mission1.models.diagnostics import ActionLead, Diagnostic, SharedFinding, Stake
from missions.mission1.models.meetings import Meeting, MeetingParticipant

DEMO_SUBMITTED_DAYS_AGO = 21

# (INSEE code, cohort, phase, lead consultant username, months since start, diagnostic state)
ACCOMPANIMENTS = [
    ("25014", Accompaniment.Cohort.NEW, Accompaniment.Phase.ACTION_PLAN, "julien.conseil", 7, "validated"),
    ("25200", Accompaniment.Cohort.NEW, Accompaniment.Phase.ACTION_PLAN, "amelie.conseil", 7, "validated"),
    ("25364", Accompaniment.Cohort.NEW, Accompaniment.Phase.DIAGNOSTIC, "julien.conseil", 5, "submitted"),
    ("25448", Accompaniment.Cohort.NEW, Accompaniment.Phase.DIAGNOSTIC, "amelie.conseil", 4, "draft"),
    ("25564", Accompaniment.Cohort.CONTINUING, Accompaniment.Phase.IMPLEMENTATION, "julien.conseil", 8, "validated"),
    ("25560", Accompaniment.Cohort.CONTINUING, Accompaniment.Phase.ACTION_PLAN, "amelie.conseil", 8, "validated"),
    ("25454", Accompaniment.Cohort.CONTINUING, Accompaniment.Phase.DIAGNOSTIC, "julien.conseil", 8, "returned"),
    ("25532", Accompaniment.Cohort.CONTINUING, Accompaniment.Phase.DIAGNOSTIC, "amelie.conseil", 6, "draft"),
    ("25112", Accompaniment.Cohort.CONTINUING, Accompaniment.Phase.IDENTIFIED, "julien.conseil", 2, None),
]

MEETING_PLAN = [
    # (days after start, kind, title, place, head-counts (élus, residents, associations, farmers, others))
    (
        10,
        Meeting.Kind.LAUNCH,
        "Lancement de la démarche avec le conseil municipal",
        "Salle du conseil",
        (6, 0, 0, 0, 1),
    ),
    (35, Meeting.Kind.INTERVIEW, "Entretien avec la cantine scolaire", "Restaurant scolaire", (0, 0, 0, 0, 2)),
    (
        60,
        Meeting.Kind.STAKEHOLDERS,
        "Atelier d'acteurs : alimentation et territoire",
        "Salle des fêtes",
        (3, 12, 4, 3, 2),
    ),
    (90, Meeting.Kind.PUBLIC, "Réunion publique de restitution", "Salle des fêtes", (5, 38, 3, 2, 1)),
    (120, Meeting.Kind.STEERING, "Comité de pilotage communal", "Mairie", (4, 0, 1, 1, 2)),
]

STAKES = [
    (
        Stake.Category.RESTAURATION,
        "Approvisionnement local de la cantine",
        1,
        "La cantine sert 90 repas par jour ; 12 % des produits sont locaux. Le contrat de prestation arrive à échéance.",
    ),
    (
        Stake.Category.JARDINS,
        "Valoriser le verger communal",
        2,
        "Un verger de 30 arbres peu entretenu, des fruits perdus chaque automne.",
    ),
    (
        Stake.Category.TRANSMISSION,
        "Transmission des exploitations",
        2,
        "Deux exploitants partent à la retraite d'ici cinq ans sans repreneur identifié.",
    ),
    (
        Stake.Category.PRECARITE,
        "Accès à une alimentation de qualité pour tous",
        3,
        "Des familles modestes sans commerce alimentaire à moins de 5 km.",
    ),
]
FINDINGS = [
    "Les élus et les parents d'élèves partagent l'envie d'une cantine plus locale.",
    "Les producteurs locaux existent mais ne sont pas organisés pour livrer la collectivité.",
    "Le verger et les espaces verts communaux sont un support d'animation sous-exploité.",
]
LEADS = [
    ("Introduire des produits locaux à la cantine", "restauration_collective", "Commune, prestataire de restauration"),
    ("Rénover et partager le verger communal", "jardins_vergers", "Commune, association locale"),
    ("Animer des ateliers cuisine avec l'école", "cuisine_pedagogique", "École, centre social"),
    ("Créer un marché de producteurs mensuel", "circuits_courts", "Commune, producteurs"),
]


def _at(day: datetime.date, hour: int = 18) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def seed_mission1(context: DemoContext) -> None:
    programme, users, today = context.programme, context.users, context.today
    communes = Commune.objects.in_bulk([row[0] for row in ACCOMPANIMENTS], field_name="insee_code")
    gbm = users["claire.gbm"]
    for insee_code, cohort, phase, consultant_name, months, diagnostic_state in ACCOMPANIMENTS:
        commune = communes[insee_code]
        started_on = today - datetime.timedelta(days=30 * months)
        referent = Contact.objects.filter(commune=commune, category=Contact.Category.ELU).first()
        accompaniment, created = Accompaniment.objects.get_or_create(
            programme=programme,
            commune=commune,
            defaults={
                "cohort": cohort,
                "phase": phase,
                "lead_consultant": users[consultant_name],
                "gbm_referent": gbm,
                "elected_referent": referent,
                "started_on": started_on,
            },
        )
        if not created:
            continue
        _seed_meetings(accompaniment, users[consultant_name], today)
        if diagnostic_state is not None:
            _seed_diagnostic(accompaniment, diagnostic_state, users[consultant_name], gbm)


def _seed_meetings(accompaniment, consultant, today):
    contacts = list(Contact.objects.filter(commune=accompaniment.commune))
    for days, kind, title, place, counts in MEETING_PLAN:
        day = accompaniment.started_on + datetime.timedelta(days=days)
        if day > today + datetime.timedelta(days=20):
            continue
        meeting = Meeting.objects.create(
            accompaniment=accompaniment,
            commune=accompaniment.commune,
            starts_at=_at(day),
            kind=kind,
            title=title,
            place=f"{place}, {accompaniment.commune.name}",
            count_elus=counts[0],
            count_residents=counts[1],
            count_associations=counts[2],
            count_farmers=counts[3],
            count_others=counts[4],
            agenda="1. Tour de table\n2. Présentation de la démarche PAT\n3. Prochaines étapes",
            minutes=f"{title} : échanges riches, attentes fortes sur la restauration scolaire et le verger.",
            decisions="Poursuivre le diagnostic ; associer l'école et les producteurs.",
            next_steps="Entretiens individuels avec les acteurs identifiés.",
            internal_notes="Adjoint réservé sur le budget : à rassurer sur les financements possibles.",
            time_spent_half_days=Decimal("1.0"),
            created_by=consultant,
        )
        for index, contact in enumerate(contacts):
            MeetingParticipant.objects.create(
                meeting=meeting,
                contact=contact,
                attendance=MeetingParticipant.Attendance.EXCUSED
                if index == 2
                else MeetingParticipant.Attendance.PRESENT,
            )


def _seed_diagnostic(accompaniment, state, consultant, gbm):
    commune = accompaniment.commune
    diagnostic = Diagnostic.objects.create(
        accompaniment=accompaniment,
        context=(
            f"{commune.name} compte {commune.population} habitants. La commune dispose d'une école avec cantine, "
            "d'un verger communal et de plusieurs exploitations agricoles (élevage laitier, maraîchage)."
        ),
        data_collected="90 repas servis par jour à la cantine ; 12 % de produits locaux ; 4 exploitations.",
    )
    for position, (category, title, priority, description) in enumerate(STAKES):
        Stake.objects.create(
            diagnostic=diagnostic,
            category=category,
            title=title,
            priority=priority,
            description=description,
            position=position,
        )
    for position, text in enumerate(FINDINGS):
        SharedFinding.objects.create(diagnostic=diagnostic, text=text, position=position)
    people = list(Contact.objects.filter(commune=commune)[:2])
    for position, (title, theme, potential_leads) in enumerate(LEADS):
        lead = ActionLead.objects.create(
            diagnostic=diagnostic, title=title, theme=theme, potential_leads=potential_leads, position=position
        )
        lead.resource_people.set(people)
    if state == "draft":
        return
    deliverable = submit_deliverable(subject=diagnostic, by=consultant)
    if state == "submitted":
        # Submitted three weeks ago: past GBM's own validation deadline (15 days), so the demo shows GBM late too.
        deliverable.submitted_at = timezone.now() - datetime.timedelta(days=DEMO_SUBMITTED_DAYS_AGO)
        deliverable.save(update_fields=["submitted_at"])
    if state == "validated":
        validate_deliverable(deliverable=deliverable, by=gbm)
    elif state == "returned":
        return_deliverable(
            deliverable=deliverable,
            by=gbm,
            comment="Merci de compléter les données sur les exploitations agricoles et de hiérarchiser les enjeux.",
        )


# (title, theme, cost, funders [(name, amount)], specific support, status, progress, months from start, duration)
DEMO_ACTIONS = [
    (
        "30 % de produits locaux à la cantine d'ici deux ans",
        "restauration_collective",
        "4500.00",
        [("Grand Besançon Métropole", "2000.00"), ("Commune", "2500.00")],
        True,
        "en_cours",
        40,
        1,
        18,
    ),
    (
        "Rénovation et plantation du verger communal",
        "jardins_vergers",
        "7800.50",
        [("Région Bourgogne-Franche-Comté", "3900.25"), ("Commune", "1500.00")],
        True,
        "retenue",
        10,
        3,
        9,
    ),
    (
        "Ateliers cuisine avec l'école et le centre social",
        "cuisine_pedagogique",
        "1200.00",
        [("CAF du Doubs", "600.00")],
        False,
        "proposee",
        0,
        4,
        6,
    ),
    (
        "Marché de producteurs mensuel sur la place",
        "circuits_courts",
        "2300.00",
        [("Commune", "800.00")],
        False,
        "en_cours",
        60,
        0,
        12,
    ),
    (
        "Lutte contre le gaspillage au restaurant scolaire",
        "gaspillage",
        "650.00",
        [("ADEME", "325.00")],
        False,
        "realisee",
        100,
        0,
        4,
    ),
    (
        "Jardin partagé au cœur du village",
        "jardins_vergers",
        "3100.00",
        [("Fondation de France", "2000.00")],
        False,
        "retenue",
        20,
        6,
        10,
    ),
    (
        "Accueil d'un maraîcher sur une parcelle communale",
        "installation_agricole",
        "15000.00",
        [("Grand Besançon Métropole", "5000.00"), ("Chambre d'agriculture", "2500.00")],
        True,
        "proposee",
        0,
        8,
        24,
    ),
    (
        "Paniers solidaires avec l'épicerie sociale",
        "precarite",
        "1800.00",
        [("CCAS", "900.00")],
        False,
        "en_pause",
        15,
        2,
        12,
    ),
]

# (INSEE code, number of actions, plan state)
DEMO_PLANS = [("25564", 8, "validated"), ("25560", 7, "approved"), ("25014", 6, "submitted"), ("25200", 5, "draft")]


def seed_action_plans(context: DemoContext) -> None:
    users, today = context.users, context.today
    consultant, gbm = users["julien.conseil"], users["claire.gbm"]
    for insee_code, count, state in DEMO_PLANS:
        accompaniment = Accompaniment.objects.filter(
            commune__insee_code=insee_code, programme=context.programme
        ).first()
        if accompaniment is None:
            continue
        plan, created = ActionPlan.objects.get_or_create(
            accompaniment=accompaniment,
            defaults={
                "summary": (
                    f"Le projet alimentaire {de(accompaniment.commune.name)} vise une alimentation locale, de qualité "
                    "et accessible à tous, en s'appuyant sur l'école, les producteurs et les associations."
                )
            },
        )
        if not created:
            continue
        first_month = today.replace(day=1)
        for position, row in enumerate(DEMO_ACTIONS[:count]):
            title, theme, cost, funders, specific, status, progress, offset, duration = row
            start = _month(first_month, offset - 3)
            action = Action.objects.create(
                plan=plan,
                title=title,
                theme=theme,
                description=f"{title}. Action issue du diagnostic partagé avec les acteurs de la commune.",
                lead_organisation=f"Commune {de(accompaniment.commune.name)}",
                partners="Grand Besançon Métropole, associations locales",
                operational_objectives="Mobiliser les acteurs, définir le calendrier, suivre les indicateurs.",
                expected_results="Des habitants et des enfants mieux nourris, des producteurs locaux mieux rémunérés.",
                cost_estimate=Decimal(cost),
                start_month=start,
                end_month=_month(start, duration - 1),
                status=status,
                progress=progress,
                specific_support=specific and accompaniment.commune.is_small,
                position=position,
            )
            for funder, amount in funders:
                FundingSource.objects.create(action=action, funder=funder, amount=Decimal(amount), status="sollicite")
            indicator = Indicator.objects.create(action=action, name="Part de produits locaux", unit="%")
            for year, target, actual in [(today.year, "20", "12"), (today.year + 1, "30", None)]:
                IndicatorValue.objects.create(
                    indicator=indicator, year=year, target=Decimal(target), actual=Decimal(actual) if actual else None
                )
            if progress:
                ProgressNote.objects.create(
                    action=action,
                    date=today - datetime.timedelta(days=20),
                    text="Réunion avec les partenaires : calendrier confirmé.",
                    author=consultant,
                )
        if state == "draft":
            continue
        deliverable = submit_deliverable(subject=plan, by=consultant)
        if state in {"approved", "validated"}:
            elu = accompaniment.commune.elus.first()
            plan.approve(by=elu or gbm, council_decision_date=today - datetime.timedelta(days=10))
        if state == "validated":
            validate_deliverable(deliverable=deliverable, by=gbm)


def _month(month: datetime.date, offset: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + offset
    return datetime.date(index // 12, index % 12 + 1, 1)
