"""Demo data for Mission 2: three validated themes (and one awaiting GBM), two held workshops and one planned.

Idempotent: themes by title, workshops by programme and title, registrations by workshop and contact.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from ateliers.models import LogisticsCost, Registration, Testimony, Theme, Workshop
from ateliers.services import create_workshop
from communes.models import Contact
from core.deliverables import submit_deliverable, validate_deliverable
from core.models import WorkflowStatus
from missions.mission1.models.action_plans import Action

# (title, description, plan theme, validated)
THEMES = [
    (
        "Approvisionner la cantine en produits locaux",
        "Marchés publics, cuisine sur place ou livrée, travail avec les producteurs du territoire.",
        "restauration_collective",
        True,
    ),
    (
        "Créer et faire vivre un verger communal",
        "Choix des variétés, plantation, entretien avec les habitants et les écoles, récolte partagée.",
        "jardins_vergers",
        True,
    ),
    (
        "Réduire le gaspillage alimentaire à l'école",
        "Pesées, ajustement des grammages, sensibilisation des enfants et du personnel.",
        "gaspillage",
        True,
    ),
    (
        "Faciliter l'installation de maraîchers",
        "Foncier communal, portage, lien avec la chambre d'agriculture.",
        "installation_agricole",
        False,
    ),
]

# (title, theme title, days from today, hours, place, format, capacity, agenda, visits)
WORKSHOPS = [
    (
        "La cantine de Devecey, du producteur à l'assiette",
        "Approvisionner la cantine en produits locaux",
        -62,
        (9, 30, 12, 30),
        "Restaurant scolaire, 2 rue des Écoles, Devecey",
        Workshop.Format.VISIT_AND_TESTIMONIES,
        30,
        "9 h 30 accueil en cuisine\n10 h visite de la cuisine et de la légumerie\n"
        "11 h témoignages croisés\n12 h repas pris avec les enfants",
        "Cuisine sur place et légumerie du restaurant scolaire ; chambre froide partagée avec deux producteurs.",
    ),
    (
        "Vergers partagés : de la plantation à la récolte",
        "Créer et faire vivre un verger communal",
        -24,
        (14, 0, 17, 0),
        "Verger communal, chemin des Vignes, Bonnay",
        Workshop.Format.VISIT,
        25,
        "14 h visite du verger\n15 h 30 atelier taille et greffe\n16 h 30 échanges",
        "Verger communal de Bonnay (45 arbres plantés avec l'école).",
    ),
    (
        "Moins de gaspillage à la cantine",
        "Réduire le gaspillage alimentaire à l'école",
        30,
        (9, 30, 12, 0),
        "Salle des fêtes, Pelousey",
        Workshop.Format.TESTIMONIES,
        40,
        "9 h 30 accueil\n10 h résultats de pesées dans trois écoles\n11 h ateliers en petits groupes",
        "",
    ),
]

TESTIMONIES = {
    "La cantine de Devecey, du producteur à l'assiette": [
        ("Karim Benali", "Restaurant scolaire de Devecey", Testimony.Origin.TERRITORY, "Cuisiner local au quotidien"),
        ("Laure Besson", "Département du Doubs", Testimony.Origin.OUTSIDE, "L'approvisionnement des collèges"),
    ],
    "Vergers partagés : de la plantation à la récolte": [
        ("Valérie Chopard", "Mairie de Bonnay", Testimony.Origin.TERRITORY, "Un verger planté avec l'école"),
    ],
    "Moins de gaspillage à la cantine": [
        ("Fabrice Monnier", "Épicerie solidaire du Val", Testimony.Origin.TERRITORY, "Les invendus, et après ?"),
        ("Yannick Droz", "Chambre interdépartementale d'agriculture", Testimony.Origin.OUTSIDE, ""),
    ],
}

COSTS = {
    "La cantine de Devecey, du producteur à l'assiette": [
        (LogisticsCost.Category.TRANSPORT, "Car de 35 places (aller-retour)", Decimal("420.00")),
        (LogisticsCost.Category.MEALS, "Repas au restaurant scolaire (25 × 12,50 €)", Decimal("312.50")),
    ],
    "Vergers partagés : de la plantation à la récolte": [
        (LogisticsCost.Category.OTHER, "Goûter et jus de pomme", Decimal("86.40")),
    ],
}

# Registrations per workshop: (first name, last name, consents, present)
REGISTRATIONS = {
    "La cantine de Devecey, du producteur à l'assiette": [
        ("Bernard", "Cuenot", True, True),
        ("Élodie", "Parrenin", True, True),
        ("Thierry", "Bôle", False, True),
        ("Sophie", "Mougin", True, True),
        ("Hélène", "Jacquot", False, False),
        ("Nathalie", "Jeannin", True, True),
        ("Céline", "Voisin", False, True),
        ("Isabelle", "Lambert", False, True),
        ("Laure", "Besson", True, True),
    ],
    "Vergers partagés : de la plantation à la récolte": [
        ("Valérie", "Chopard", True, True),
        ("Hugo", "Guyon", False, True),
        ("Martine", "Billod", True, True),
        ("Patrick", "Girardot", True, False),
        ("Denis", "Rognon", False, True),
        ("Marc", "Bourgeois", True, True),
    ],
    "Moins de gaspillage à la cantine": [
        ("Nathalie", "Jeannin", True, None),
        ("Karim", "Benali", True, None),
        ("Anne", "Tissot", False, None),
    ],
}

REPORTS = {
    "La cantine de Devecey, du producteur à l'assiette": (
        "Karim Benali a présenté l'organisation de la cuisine : 180 repas par jour, 40 % de produits locaux "
        "grâce à deux maraîchers et un éleveur du plateau.\n\n"
        "Les élus d'Amagney et de Pelousey ont interrogé le coût : +0,30 € par repas, compensé en partie par "
        "la baisse du gaspillage.\n\n"
        "Suites : visite de la légumerie par la commune d'Amagney au printemps ; mise en relation avec le "
        "Département pour les groupements de commande."
    ),
    "Vergers partagés : de la plantation à la récolte": (
        "Visite du verger planté en 2023 avec l'école. Démonstration de taille. Les participants souhaitent un "
        "second atelier sur la transformation des fruits."
    ),
}


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _seed_themes(consultant, gbm) -> dict[str, Theme]:
    themes = {}
    for title, description, action_theme, validated in THEMES:
        theme, created = Theme.objects.get_or_create(
            title=title,
            defaults={"description": description, "action_theme": action_theme, "proposed_by": consultant},
        )
        if created:
            theme.actions.set(Action.objects.filter(theme=action_theme).order_by("pk")[:3])
            if validated:
                theme.validate(by=gbm, comment="Thème partagé par plusieurs plans d'actions : validé.")
        themes[title] = theme
    return themes


def _seed_workshop(context, themes, row, consultant) -> Workshop:
    title, theme_title, days, (h1, m1, h2, m2), place, workshop_format, capacity, agenda, visits = row
    workshop = Workshop.objects.filter(programme=context.programme, title=title).first()
    if workshop is not None:
        return workshop
    day = context.today + datetime.timedelta(days=days)
    workshop = create_workshop(
        workshop=Workshop(
            programme=context.programme,
            title=title,
            theme=themes[theme_title],
            starts_at=_at(day, h1, m1),
            ends_at=_at(day, h2, m2),
            place=place,
            format=workshop_format,
            capacity=capacity,
            agenda=agenda,
            visits=visits,
        ),
        by=consultant,
    )
    for position, (speaker, organisation, origin, topic) in enumerate(TESTIMONIES.get(title, [])):
        Testimony.objects.create(
            workshop=workshop,
            speaker=speaker,
            organisation=organisation,
            origin=origin,
            topic=topic,
            position=position,
        )
    for category, label, amount in COSTS.get(title, []):
        LogisticsCost.objects.create(workshop=workshop, category=category, label=label, amount=amount)
    return workshop


def _seed_registrations(workshop, rows, consultant, day) -> None:
    contacts = {(c.first_name, c.last_name): c for c in Contact.objects.filter(last_name__in=[r[1] for r in rows])}
    for first_name, last_name, consents, present in rows:
        contact = contacts.get((first_name, last_name))
        if contact is None:
            continue
        attendance = Registration.Attendance.UNKNOWN
        if present is not None:
            attendance = Registration.Attendance.PRESENT if present else Registration.Attendance.ABSENT
        Registration.objects.get_or_create(
            workshop=workshop,
            contact=contact,
            defaults={
                "commune": contact.commune,
                "attendance": attendance,
                "consent_to_share": consents,
                "consent_date": min(day, timezone.localdate()) if consents else None,
                "consent_method": Registration.ConsentMethod.ATTENDANCE_SHEET if consents else "",
                "consent_recorded_by": consultant if consents else None,
                "registered_by": consultant,
            },
        )


def seed(context) -> None:
    consultant = context.users["julien.conseil"]
    gbm = context.users["claire.gbm"]
    themes = _seed_themes(consultant, gbm)
    for row in WORKSHOPS:
        workshop = _seed_workshop(context, themes, row, consultant)
        _seed_registrations(workshop, REGISTRATIONS.get(workshop.title, []), consultant, workshop.starts_at.date())
        if row[2] < 0 and workshop.is_planned:
            workshop.mark_held(by=consultant)
        report = workshop.report
        if workshop.title in REPORTS and not report.text:
            report.text = REPORTS[workshop.title]
            report.save(update_fields=["text"])
    # The first workshop went all the way: attendance sheet and report validated by GBM (frozen PDFs).
    first = Workshop.objects.get(programme=context.programme, title=WORKSHOPS[0][0])
    for subject in (first.attendance_sheet, first.report):
        if subject.workflow_status == WorkflowStatus.DRAFT:
            deliverable = submit_deliverable(subject=subject, by=consultant)
            validate_deliverable(deliverable=deliverable, by=gbm)
