"""Factories of order forms, their lines and time entries (issue 7)."""

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from missions.money.models.orders import OrderForm, OrderLine
from missions.money.models.time import TimeEntry, TimeMonthLock
from tests.factories import CommuneFactory, ProgrammeFactory, UserFactory
from tests.factories_mission1 import AccompanimentFactory


class OrderFormFactory(DjangoModelFactory):
    class Meta:
        model = OrderForm
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    number = factory.Sequence(lambda n: f"BC-2025-{n + 1:03d}")
    issued_on = datetime.date(2025, 3, 10)
    object = "Accompagnement d'une commune supplémentaire"
    mission = 1
    status = OrderForm.Status.ISSUED

    class Params:
        draft = factory.Trait(status=OrderForm.Status.DRAFT)
        with_commune = factory.Trait(commune=factory.SubFactory(CommuneFactory))
        with_lines = factory.Trait(
            line_a=factory.RelatedFactory(
                "tests.factories_orders.OrderLineFactory",
                factory_related_name="order_form",
                position=1,
                description="Demi-journée de consultant senior",
                quantity=Decimal("10"),
                unit_price=Decimal("255.00"),
            ),
            line_b=factory.RelatedFactory(
                "tests.factories_orders.OrderLineFactory",
                factory_related_name="order_form",
                position=2,
                description="Frais de reprographie",
                unit=OrderLine.Unit.FLAT,
                quantity=Decimal("1"),
                unit_price=Decimal("120.00"),
                vat_rate=Decimal("20.00"),
            ),
        )


class OrderLineFactory(DjangoModelFactory):
    class Meta:
        model = OrderLine

    order_form = factory.SubFactory(OrderFormFactory)
    position = factory.Sequence(lambda n: n + 1)
    description = "Demi-journée de consultant"
    unit = OrderLine.Unit.HALF_DAY
    quantity = Decimal("10")
    unit_price = Decimal("255.00")
    vat_rate = Decimal("20.00")


class TimeEntryFactory(DjangoModelFactory):
    class Meta:
        model = TimeEntry

    consultant = factory.SubFactory(UserFactory, consultant=True)
    date = datetime.date(2025, 4, 7)
    half_days = 1
    order_line = factory.SubFactory(OrderLineFactory)

    class Params:
        on_accompaniment = factory.Trait(
            accompaniment=factory.SubFactory(
                AccompanimentFactory, programme=factory.SelfAttribute("..order_line.order_form.programme")
            )
        )


class TimeMonthLockFactory(DjangoModelFactory):
    class Meta:
        model = TimeMonthLock

    month = datetime.date(2025, 4, 1)
    locked_by = factory.SubFactory(UserFactory, gbm=True)
