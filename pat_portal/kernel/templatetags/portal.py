from django import template

from pat_portal.kernel import access
from pat_portal.kernel.models import Deliverable, WorkflowStatus

register = template.Library()

NARROW_NO_BREAK_SPACE = "\u202f"
NO_BREAK_SPACE = "\u00a0"


@register.inclusion_tag("includes/_deliverable_panel.html", takes_context=True)
def deliverable_panel(context, subject):
    """Status, versions and workflow buttons of a deliverable's subject; what the user may do is asked of `access`.

    Two queries, three when the kind of deliverable restricts who downloads its frozen versions.
    """
    user = context["request"].user
    versions = list(
        Deliverable.objects.visible_to(user)
        .for_subject(subject)
        .select_related("submitted_by", "reviewed_by", "withdrawn_by")
        .order_by("-version")
    )
    pending = next((d for d in versions if d.status == Deliverable.Status.SUBMITTED), None)
    returned = next((d for d in versions if d.status == Deliverable.Status.RETURNED), None)
    validated = [d for d in versions if d.status == Deliverable.Status.VALIDATED]
    withdrawn = [d for d in versions if d.status == Deliverable.Status.WITHDRAWN]
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "user": user,
        "subject": subject,
        "versions": versions,
        "validated": validated,
        "withdrawn": withdrawn,
        "pending": pending,
        "returned": returned if subject.workflow_status == WorkflowStatus.RETURNED else None,
        "can_submit": access.can_submit_deliverable(user, subject),
        "can_review": access.can_review_deliverable(user, pending),
        "can_reissue": access.can_validate(user),
        "can_download": bool(validated) and access.can_download_frozen_versions(user, subject),
    }


@register.filter
def euros(value):
    """1234.5 → '1 234,50 €' (French format, narrow no-break space as thousands separator)."""
    from decimal import ROUND_HALF_UP, Decimal

    if value is None or value == "":
        return "—"
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    thousands = NARROW_NO_BREAK_SPACE.join(groups)
    return f"{sign}{thousands},{cents}{NO_BREAK_SPACE}€"


CHART_ROW_HEIGHT = 24


@register.filter
def chart_height(count):
    return int(count) * CHART_ROW_HEIGHT + 4


@register.filter
def chart_offset(index):
    return int(index) * CHART_ROW_HEIGHT
