"""The "Bilan du programme" a steering committee can use: a one-page executive summary first (the contract's targets
with their counting rules, the budget, what is late, the decisions GBM asks for, GBM's commentary), then the details.

GBM writes its commentary and the decisions needed before generating the report; each generation is a dated
edition (`ProgrammeReportEdition`) kept with its PDF and SHA-256, so that what was sent to the committee can be
downloaded again as it was. Without an edition (the live preview), the summary says the commentary is missing.
"""

import hashlib
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core.models import User
from core.pdf import render_pdf
from pat_portal.pages.dashboard import programme_report
from pat_portal.pages.home import late_querysets
from pat_portal.pages.models import ProgrammeReportEdition

TEMPLATE = "pages/pdf/programme_report.html"
LATE_ITEMS_SHOWN = 3  # per kind, on the summary page: the count says how many there are in all


@dataclass
class LateGroup:
    label: str
    count: int
    items: list = field(default_factory=list)


def _late_groups(querysets, figures, today) -> list[LateGroup]:
    """What is late, by kind, with the most overdue first: one query per kind (the first few); the counts ride in
    the figures' query."""
    groups = []
    actions = querysets["late_action"]
    groups.append(
        LateGroup(
            "Actions des plans communaux",
            figures["late_action_count"],
            [
                (action.plan.accompaniment.commune.name, action.title, action.lateness_on(today))
                for action in actions.select_related("plan__accompaniment__commune").order_by("end_month", "pk")[
                    :LATE_ITEMS_SHOWN
                ]
            ],
        )
    )
    if "late_step" in querysets:
        steps = querysets["late_step"]
        groups.append(
            LateGroup(
                "Étapes d'accompagnement de projets locaux",
                figures["late_step_count"],
                [
                    (
                        step.request.commune.name if step.request.commune else "—",
                        f"{step.request.reference} : {step.get_kind_display()}",
                        step.lateness_on(today),
                    )
                    for step in steps.select_related("request__commune").order_by("planned_end", "pk")[
                        :LATE_ITEMS_SHOWN
                    ]
                ],
            )
        )
    if "late_order" in querysets:
        orders = querysets["late_order"]
        groups.append(
            LateGroup(
                "Bons de commande (exécution)",
                figures["late_order_count"],
                [
                    (
                        order.commune.name if order.commune else "—",
                        f"{order.number} : {order.object}",
                        order.lateness_on(today),
                    )
                    for order in orders.select_related("commune").order_by("planned_end", "pk")[:LATE_ITEMS_SHOWN]
                ],
            )
        )
    return groups


def steering_report_context(programme, user, *, edition: ProgrammeReportEdition | None = None) -> dict:
    """The report's figures and lists (the dashboard's rules), what is late, and the edition's commentary."""
    today = timezone.localdate()
    late = late_querysets(user, today)
    context = programme_report(programme, user, extra_counts={f"{key}_count": qs for key, qs in late.items()})
    context["late_groups"] = _late_groups(late, context["figures"], today)
    context["late_total"] = sum(group.count for group in context["late_groups"])
    context["edition"] = edition
    return context


@transaction.atomic
def issue_programme_report(*, programme, by: User, commentary: str, decisions: str = "") -> ProgrammeReportEdition:
    """GBM generates a dated edition of the report with its commentary: the PDF (PDF/A) is stored with its
    SHA-256 and never changes."""
    edition = ProgrammeReportEdition(
        programme=programme, commentary=commentary, decisions=decisions, created_by=by, created_at=timezone.now()
    )
    pdf = render_pdf(TEMPLATE, steering_report_context(programme, by, edition=edition), archival=True)
    edition.sha256 = hashlib.sha256(pdf).hexdigest()
    edition.pdf.save("bilan.pdf", ContentFile(pdf), save=False)
    edition.save()
    return edition
