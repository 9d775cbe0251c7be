"""Demo data for order forms and time: order forms in every status, an extra commune, months of time entries.

Dates are counted from the programme's start (fixed when the demo was first seeded), so that running
`seed_demo` again, on another day, finds the same rows (natural keys: programme + object for order forms;
consultant + date + line + activity for time entries) and creates nothing twice.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from ateliers.models import Workshop
from communes.models import Commune, Contact
from core.demo import DemoContext
from missions.mission1.models.accompaniments import Accompaniment
from missions.money.models.orders import OrderForm, OrderFormStatusChange, OrderLine
from missions.money.models.time import TimeEntry, TimeMonthLock, first_of_month
from missions.support.models import SupportRequest

# Half-day prices of the example grid GBM uses (seed 003: category A 255 €, category B 186 €).
SENIOR = ("Demi-journée de chef·fe de projet (catégorie A)", Decimal("255.00"))
JUNIOR = ("Demi-journée de chargé·e d'études (catégorie B)", Decimal("186.00"))
EXTRA_COMMUNE = "25073"  # Bonnay: enters Mission 1 through an order form
DRAFT_COMMUNE = "25575"  # Vaire: its order form is being prepared

# (key, days after the programme start, object, mission, INSEE code, final status,
#  lines: (description, unit, quantity, unit price, VAT rate))
ORDER_FORMS = [
    (
        "launch",
        5,
        "Cadrage du programme et réunion de lancement",
        1,
        None,
        OrderForm.Status.PAID,
        [(SENIOR[0], "demi_journee", "4", SENIOR[1], "20.00")],
    ),
    (
        "mission1",
        12,
        "Mission 1 : diagnostics et plans d'actions des communes accompagnées",
        1,
        None,
        OrderForm.Status.NOTIFIED,
        [
            (SENIOR[0], "demi_journee", "60", SENIOR[1], "20.00"),
            (JUNIOR[0], "demi_journee", "80", JUNIOR[1], "20.00"),
            ("Impression des livrets de synthèse", "forfait", "1", "350.00", "20.00"),
        ],
    ),
    (
        "mission2",
        40,
        "Mission 2 : organisation des trois premiers ateliers de partage d'expériences",
        2,
        None,
        OrderForm.Status.ISSUED,
        [
            (SENIOR[0], "demi_journee", "20", SENIOR[1], "20.00"),
            ("Transport en car des participants", "forfait", "1", "650.00", "10.00"),
            ("Repas des participants", "forfait", "1", "480.00", "10.00"),
        ],
    ),
    (
        "mission3",
        60,
        "Mission 3 : accompagnement des projets locaux (premier semestre)",
        3,
        None,
        OrderForm.Status.EXECUTED,
        [(JUNIOR[0], "demi_journee", "30", JUNIOR[1], "20.00")],
    ),
    (
        "bonnay",
        120,
        "Mission 1 : accompagnement de Bonnay, commune supplémentaire",
        1,
        EXTRA_COMMUNE,
        OrderForm.Status.ISSUED,
        [
            (SENIOR[0], "demi_journee", "8", SENIOR[1], "20.00"),
            (JUNIOR[0], "demi_journee", "10", JUNIOR[1], "20.00"),
        ],
    ),
    (
        "vaire",
        200,
        "Mission 1 : accompagnement de Vaire, commune supplémentaire",
        1,
        DRAFT_COMMUNE,
        OrderForm.Status.DRAFT,
        [
            (SENIOR[0], "demi_journee", "8", SENIOR[1], "20.00"),
            (JUNIOR[0], "demi_journee", "10", JUNIOR[1], "20.00"),
        ],
    ),
]


def seed(context: DemoContext) -> None:
    programme, users, today = context.programme, context.users, context.today
    gbm = users["claire.gbm"]
    communes = Commune.objects.in_bulk([EXTRA_COMMUNE, DRAFT_COMMUNE], field_name="insee_code")
    order_forms = {}
    for key, days, object_, mission, insee_code, status, lines in ORDER_FORMS:
        issued_on = min(programme.start_date + datetime.timedelta(days=days), today)
        order_form, created = OrderForm.objects.get_or_create(
            programme=programme,
            object=object_,
            defaults={
                "number": OrderForm.next_number(programme, issued_on.year),
                "issued_on": issued_on,
                "mission": mission,
                "commune": communes.get(insee_code) if insee_code else None,
            },
        )
        if created:
            for position, (description, unit, quantity, price, rate) in enumerate(lines, start=1):
                OrderLine.objects.create(
                    order_form=order_form,
                    position=position,
                    description=description,
                    unit=unit,
                    quantity=Decimal(quantity),
                    unit_price=Decimal(price),
                    vat_rate=Decimal(rate),
                )
            _walk_statuses(order_form, status, by=gbm, issued_on=issued_on)
        order_forms[key] = order_form
    bonnay = _seed_extra_commune(context, order_forms["bonnay"], communes[EXTRA_COMMUNE])
    _seed_time(context, order_forms, bonnay)


def _walk_statuses(order_form: OrderForm, status: str, *, by, issued_on: datetime.date) -> None:
    """Take the order form through each status up to `status`, as GBM would have, a week apart."""
    target = OrderForm.STATUS_ORDER.index(status)
    for step, next_status in enumerate(OrderForm.STATUS_ORDER[1 : target + 1]):
        change = order_form.change_status(next_status, by=by)
        day = min(issued_on + datetime.timedelta(days=7 * step), timezone.localdate())
        when = datetime.datetime.combine(day, datetime.time(10, 0))
        OrderFormStatusChange.objects.filter(pk=change.pk).update(changed_at=timezone.make_aware(when))


def _seed_extra_commune(context: DemoContext, order_form: OrderForm, commune: Commune) -> Accompaniment:
    referent = Contact.objects.filter(commune=commune, category=Contact.Category.ELU).first()
    accompaniment, _ = Accompaniment.objects.get_or_create(
        programme=context.programme,
        commune=commune,
        defaults={
            "cohort": Accompaniment.Cohort.EXTRA,
            "phase": Accompaniment.Phase.DIAGNOSTIC,
            "lead_consultant": context.users["amelie.conseil"],
            "gbm_referent": context.users["claire.gbm"],
            "elected_referent": referent,
            "started_on": min(order_form.issued_on + datetime.timedelta(days=14), context.today),
            "order_form": order_form,
        },
    )
    return accompaniment


def _weekdays(start: datetime.date, end: datetime.date, weekday: int):
    day = start + datetime.timedelta(days=(weekday - start.weekday()) % 7)
    while day <= end:
        yield day
        day += datetime.timedelta(days=7)


def _seed_time(context: DemoContext, order_forms: dict, bonnay: Accompaniment) -> None:
    """About six months of half-days from Julien and Amélie, and the first three months locked by GBM.

    Runs after the workshops and the support requests are seeded: their time goes against them.
    """
    programme, users, today = context.programme, context.users, context.today
    julien, amelie = users["julien.conseil"], users["amelie.conseil"]
    lines = {
        (key, line.description): line
        for key, order_form in order_forms.items()
        for line in order_form.lines.all()
        if line.is_half_days
    }
    accompaniments = list(
        Accompaniment.objects.filter(programme=programme, lead_consultant__in=[julien, amelie])
        .exclude(pk=bonnay.pk)
        .order_by("commune__name")
    )
    start = programme.start_date + datetime.timedelta(days=14)
    end = min(today, programme.start_date + datetime.timedelta(days=210))
    planned = []  # (consultant, date, half-days, accompaniment, line, comment)
    planned.append(
        (
            julien,
            programme.start_date + datetime.timedelta(days=6),
            2,
            None,
            lines[("launch", SENIOR[0])],
            "Réunion de lancement",
        )
    )
    planned.append(
        (
            julien,
            programme.start_date + datetime.timedelta(days=8),
            2,
            None,
            lines[("launch", SENIOR[0])],
            "Cadrage",
        )
    )
    julien_communes = [a for a in accompaniments if a.lead_consultant_id == julien.pk]
    amelie_communes = [a for a in accompaniments if a.lead_consultant_id == amelie.pk]
    for index, day in enumerate(_weekdays(start, end, 1)):  # Tuesdays: Julien in his communes
        if julien_communes:
            planned.append(
                (
                    julien,
                    day,
                    2,
                    julien_communes[index % len(julien_communes)],
                    lines[("mission1", SENIOR[0])],
                    "",
                )
            )
    for index, day in enumerate(_weekdays(start, end, 2)):  # Wednesdays: Amélie in hers
        if amelie_communes:
            planned.append(
                (
                    amelie,
                    day,
                    2,
                    amelie_communes[index % len(amelie_communes)],
                    lines[("mission1", JUNIOR[0])],
                    "",
                )
            )
    for day in _weekdays(start, end, 4):  # Fridays, every other week: programme follow-up
        if day.isocalendar().week % 2 == 0:
            planned.append(
                (
                    julien,
                    day,
                    1,
                    None,
                    lines[("mission1", SENIOR[0])],
                    "Suivi du programme avec GBM",
                )
            )
    requests = list(
        SupportRequest.objects.filter(programme=programme, status__in=SupportRequest.SUPPORTED_STATUSES).order_by(
            "received_on", "pk"
        )
    )
    m3_start = programme.start_date + datetime.timedelta(days=70)
    for index, day in enumerate(_weekdays(m3_start, end, 3)):  # Thursdays: Mission 3 (more than ordered: alert)
        request = requests[index % len(requests)] if requests else None
        planned.append(
            (
                amelie,
                day,
                2,
                request,
                lines[("mission3", JUNIOR[0])],
                "Accompagnement d'un projet local",
            )
        )
    for workshop in Workshop.objects.filter(programme=programme, starts_at__date__lte=today).exclude(
        status=Workshop.Status.CANCELLED
    ):
        held_on = timezone.localtime(workshop.starts_at).date()
        line = lines[("mission2", SENIOR[0])]
        planned.append(
            (
                julien,
                held_on - datetime.timedelta(days=7),
                1,
                workshop,
                line,
                "Préparation de l'atelier",
            )
        )
        planned.append(
            (
                amelie,
                held_on - datetime.timedelta(days=7),
                1,
                workshop,
                line,
                "Préparation de l'atelier",
            )
        )
        planned.append((julien, held_on, 2, workshop, line, "Animation de l'atelier"))
    bonnay_start = bonnay.started_on
    for day in list(_weekdays(bonnay_start, end, 4))[:7]:  # Fridays: Bonnay, close to its ordered half-days
        planned.append((amelie, day, 1, bonnay, lines[("bonnay", JUNIOR[0])], ""))
        planned.append((julien, day, 1, bonnay, lines[("bonnay", SENIOR[0])], ""))

    for consultant, day, half_days, activity, line, comment in planned:
        if day > today:
            continue
        activity_field = {
            Accompaniment: "accompaniment",
            Workshop: "workshop",
            SupportRequest: "support_request",
        }
        activities = dict.fromkeys(activity_field.values())
        if activity is not None:
            activities[activity_field[type(activity)]] = activity
        TimeEntry.objects.get_or_create(
            consultant=consultant,
            date=day,
            order_line=line,
            **activities,
            defaults={"half_days": half_days, "comment": comment},
        )
    # GBM has locked the first three months (invoiced).
    month = first_of_month(programme.start_date)
    for _ in range(3):
        if month < first_of_month(today):
            TimeMonthLock.objects.get_or_create(month=month, defaults={"locked_by": users["claire.gbm"]})
        month = first_of_month(month + datetime.timedelta(days=32))
