"""The demo programme: the contract's identity and targets, started about eight months before the first seed."""

import datetime

from core.demo import CONTRACTOR, DemoContext
from missions.programme.models import Programme

CONTRACT_REFERENCE = "GBM-2025-PAT-ESSAIMAGE"


def seed_programme(today: datetime.date) -> Programme:
    # The demo programme started about eight months ago so that it looks like a programme in its first year.
    start = (today.replace(day=1) - datetime.timedelta(days=240)).replace(day=1)
    programme, _ = Programme.objects.get_or_create(
        contract_reference=CONTRACT_REFERENCE,
        defaults={
            "name": "Essaimage du Projet Alimentaire Territorial dans les communes",
            "buyer": "Grand Besançon Métropole",
            "contractor": CONTRACTOR,
            "start_date": start,
            "end_date": start.replace(year=start.year + 2) - datetime.timedelta(days=1),
            "new_communes_deadline": start + datetime.timedelta(days=240),
        },
    )
    return programme


def seed(context: DemoContext) -> None:
    context.programme = seed_programme(context.today)
