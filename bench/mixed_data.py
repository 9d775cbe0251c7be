"""What the mixed-load bench (bench/mixed.py, bench/locustfile.py) adds to the scale-20 synthetic data, and the
fixtures it hands to Locust: one account per simulated user and, for each account, the rows of its day.

Run once on the bench's template database, after `generate_load_data`; every step of the bench starts from a copy of
that database, so the rows a day consumes (a deliverable validated, a request decided) are there again at each step.

- accounts: GBM officers `charge.gbmN`, consultants `charge.consultantN`, élus `charge.elu.<insee>[.k]` (extra élus
  of the same commune), all with the bench password (2FA is off in the bench's environment);
- plans: half are validated (the élus of those communes read them, share them and look at their Point d'étape),
  half stay drafts (the consultants edit their actions; editing a validated plan would turn it back into a draft,
  which the élus no longer see);
- GBM's work: the draft diagnostics are submitted (the deliverables GBM validates) and the requests received or
  under review are shared out between the GBM accounts (each decides its own);
- an order form of each mission with a line large enough for every week the consultants fill;
- workshops planned in the coming weeks (registrations are open only before a workshop takes place).
"""

import datetime
import itertools
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ateliers.models import Workshop
from ateliers.services import create_workshop
from core.deliverables.registry import content_sha256
from core.deliverables.workflow import submit_deliverable
from core.models import Deliverable, User, WorkflowError, WorkflowStatus
from missions.mission1.models.action_plans import Action, ActionPlan
from missions.mission1.models.diagnostics import Diagnostic
from missions.money.models.orders import OrderForm, OrderLine
from missions.money.models.time import TimeEntry
from missions.programme.models import Programme
from missions.support.models import SupportRequest
from pat_portal.pages.load_data import LOAD_PASSWORD

PLANNED_WORKSHOPS = 6


def _accounts(prefix: str, role: str, count: int, password: str, **extra) -> list[User]:
    existing = {u.username: u for u in User.objects.filter(username__startswith=prefix, role=role)}
    wanted = [f"{prefix}{n}" for n in range(1, count + 1)]
    User.objects.bulk_create(
        [
            User(username=name, first_name="Banc", last_name=name, role=role, password=password, **extra)
            for name in wanted
            if name not in existing
        ]
    )
    users = {u.username: u for u in User.objects.filter(username__in=wanted)}
    return [users[name] for name in wanted]


def _elus(communes: list, count: int, password: str) -> list[User]:
    """`count` élu accounts, round-robin over `communes` (the commune's existing élu first, then extra ones)."""
    wanted = []
    for k, commune in zip(range(count), itertools.cycle(communes), strict=False):
        turn = k // len(communes)
        wanted.append((f"charge.elu.{commune.insee_code}" + (f".{turn + 1}" if turn else ""), commune))
    existing = set(User.objects.filter(username__in=[name for name, _ in wanted]).values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(
                username=name, first_name="Élu", last_name=name, role=User.Role.ELU, commune=commune, password=password
            )
            for name, commune in wanted
            if name not in existing
        ]
    )
    users = {u.username: u for u in User.objects.filter(username__in=[name for name, _ in wanted])}
    return [users[name] for name, _ in wanted]


def _share_out(items: list, accounts: list) -> list[list]:
    return [items[k :: len(accounts)] for k in range(len(accounts))]


@transaction.atomic
def prepare(*, gbm: int, consultants: int, elus: int) -> dict:
    """Add the bench's rows; return the fixtures (JSON-ready) that bench/locustfile.py reads."""
    password = make_password(LOAD_PASSWORD)
    today = timezone.localdate()
    programme = Programme.objects.order_by("-pk").first()

    plans = list(ActionPlan.objects.select_related("accompaniment__commune").order_by("pk"))
    for_elus, for_consultants = plans[0::2], plans[1::2]
    ActionPlan.objects.filter(pk__in=[p.pk for p in for_elus]).update(workflow_status=WorkflowStatus.VALIDATED)
    ActionPlan.objects.filter(pk__in=[p.pk for p in for_consultants]).update(workflow_status=WorkflowStatus.DRAFT)

    gbm_users = _accounts("charge.gbm", User.Role.GBM, gbm, password, is_staff=True, is_superuser=True)
    consultant_users = _accounts("charge.consultant", User.Role.CONSULTANT, consultants, password)
    elu_users = _elus([plan.accompaniment.commune for plan in for_elus], elus, password)

    # GBM: the deliverables to validate (draft diagnostics, submitted) and the requests to decide.
    submitted = []
    for diagnostic in Diagnostic.objects.filter(workflow_status=WorkflowStatus.DRAFT).order_by("pk"):
        try:
            submitted.append(submit_deliverable(subject=diagnostic, by=gbm_users[0]).pk)
        except WorkflowError:
            continue
    requests = list(
        SupportRequest.objects.filter(
            status__in=[SupportRequest.Status.RECEIVED, SupportRequest.Status.UNDER_REVIEW]
        ).values_list("pk", flat=True)
    )
    hubs = [plan.accompaniment.commune.insee_code for plan in plans]

    # The synthetic data charges time to draft order forms too, which the portal never does (a draft's lines are not
    # offered): a week holding such an entry could not be saved again. Those order forms are issued.
    OrderForm.objects.filter(status=OrderForm.Status.DRAFT, lines__in=TimeEntry.objects.values("order_line")).update(
        status=OrderForm.Status.ISSUED
    )

    # Consultants: a line to charge their weeks to, an action of a draft plan, the accompaniment of their meetings.
    lines = {}
    for mission in (1, 2, 3):
        form, _ = OrderForm.objects.get_or_create(
            programme=programme,
            number=f"BC-BANC-{mission}",
            defaults={
                "object": "Bon de commande du banc d'essai",
                "mission": mission,
                "status": OrderForm.Status.ISSUED,
            },
        )
        line, _ = OrderLine.objects.get_or_create(
            order_form=form,
            position=1,
            defaults={"description": "Demi-journées du banc", "quantity": Decimal(100000), "unit_price": 450},
        )
        lines[mission] = line.pk
    actions = list(
        Action.objects.filter(plan__in=for_consultants)
        .select_related("plan__accompaniment__commune")
        .order_by("plan_id", "position", "pk")
    )
    # Spread over the plans: consultant k edits the k-th plan's first action, then the next plan round…
    by_plan: dict[int, list[Action]] = {}
    for action in actions:
        by_plan.setdefault(action.plan_id, []).append(action)
    spread = [a for group in itertools.zip_longest(*by_plan.values()) for a in group if a is not None]

    # Workshops planned in the coming weeks, open to registrations.
    model = Workshop.objects.order_by("pk").first()
    planned = list(Workshop.objects.filter(status=Workshop.Status.PLANNED, starts_at__gt=timezone.now()))
    for k in range(len(planned), PLANNED_WORKSHOPS):
        starts = timezone.now().replace(hour=14, minute=0, second=0, microsecond=0) + datetime.timedelta(days=14 + k)
        planned.append(
            create_workshop(
                workshop=Workshop(
                    programme=model.programme,
                    title=f"Atelier à venir {k + 1} (banc d'essai)",
                    theme=model.theme,
                    starts_at=starts,
                    ends_at=starts + datetime.timedelta(hours=3),
                    place="Ferme du Plateau",
                    format=model.format,
                    agenda="Visite et témoignages.",
                    capacity=5000,
                    status=Workshop.Status.PLANNED,
                ),
                by=gbm_users[0],
            )
        )

    # The bench starts with an empty task queue: the mails of the submissions above are not the run's work.
    DBTaskResult.objects.all().delete()

    return {
        "today": today.isoformat(),
        "gbm": [
            {
                "username": user.username,
                "deliverables": mine_deliverables,
                "requests": mine_requests,
                "hub": hubs[k % len(hubs)],
            }
            for k, (user, mine_deliverables, mine_requests) in enumerate(
                zip(gbm_users, _share_out(submitted, gbm_users), _share_out(requests, gbm_users), strict=True)
            )
        ],
        "consultants": [
            {
                "username": user.username,
                "action": spread[k % len(spread)].pk,
                "accompaniment": spread[k % len(spread)].plan.accompaniment_id,
                "insee": spread[k % len(spread)].plan.accompaniment.commune.insee_code,
                "commune": spread[k % len(spread)].plan.accompaniment.commune_id,  # the list to tick, its people
                "line": lines[1],
                "workshop": planned[k % len(planned)].pk,
            }
            for k, user in enumerate(consultant_users)
        ],
        "elus": [
            {"username": user.username, "insee": user.commune.insee_code, "workshop": planned[k % len(planned)].pk}
            for k, user in enumerate(elu_users)
        ],
    }


@transaction.atomic
def refresh() -> int:
    """A template reused after the code changed: the versions awaiting validation get the content hash that the
    current code computes (what a deliverable's content covers may have grown since the template was built, and
    GBM would be refused « le contenu a changé depuis la soumission »). Returns how many were brought up to date."""
    changed = 0
    for deliverable in Deliverable.objects.filter(status=Deliverable.Status.SUBMITTED):
        digest = content_sha256(deliverable.subject)
        if digest != deliverable.content_sha256:
            Deliverable.objects.filter(pk=deliverable.pk).update(content_sha256=digest)
            changed += 1
    return changed
