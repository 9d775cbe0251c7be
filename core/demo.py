"""Demo data: the steps that fill a demo database, registered by each app at start-up.

Every step is idempotent (natural keys, get_or_create): `seed_demo` can run twice. The kernel only runs the steps
in order; the people, the programme and each domain's field work are seeded by their own apps (`<app>/demo.py`,
registered in their AppConfig.ready or `providers.register`).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from core.models import User

DEMO_PASSWORD = "Demo-PAT-2026"
# The demo accounts' e-mail addresses are <username>@DEMO_EMAIL_DOMAIN: that is how the demo server finds them.
DEMO_EMAIL_DOMAIN = "demo.pat-gbm.fr"
CONTRACTOR = "Terres & Territoires Conseil"


class DemoError(Exception):
    """The demo cannot be seeded (e.g. no communes loaded yet); French message for the command line."""


@dataclass
class DemoContext:
    today: datetime.date
    programme: Any = None
    users: dict = field(default_factory=dict)


_steps: list[tuple[int, str, Callable]] = []


def register_step(order: int, step: Callable) -> None:
    """Add a demo step (a callable taking the DemoContext); steps run by increasing `order`."""
    name = f"{step.__module__}.{step.__qualname__}"
    _steps[:] = sorted([s for s in _steps if s[1] != name] + [(order, name, step)], key=lambda s: (s[0], s[1]))


def seed_demo() -> DemoContext:
    context = DemoContext(today=timezone.localdate())
    for _order, _name, step in _steps:
        step(context)
    return context


def account_lines() -> list[str]:
    """The demo's accounts, one line each (login, name, role, commune), GBM first, then consultants, then élus."""
    order = {User.Role.GBM: 0, User.Role.CONSULTANT: 1}
    users = User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}", is_active=True).select_related("commune")
    lines = []
    for user in sorted(users, key=lambda user: (order.get(user.role, 2), user.username)):
        commune = f", {user.commune.name}" if user.commune_id else ""
        lines.append(f"  {user.username:<16} {user.get_full_name()} ({user.get_role_display()}{commune})")
    return lines
