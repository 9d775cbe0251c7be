from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from core import access, french
from core.deliverables import versions_seen
from core.models import Deliverable, WorkflowStatus

register = template.Library()


@register.inclusion_tag("includes/_deliverable_panel.html", takes_context=True)
def deliverable_panel(context, subject):
    """Status, versions and workflow buttons of a deliverable's subject; what the user may do is asked of `access`.

    Two queries, three when the kind of deliverable restricts who downloads its frozen versions; the versions' query
    is shared with the page's main PDF button (`latest_frozen_version`).
    """
    user = context["request"].user
    versions = versions_seen(context["request"], subject)
    pending = next((d for d in versions if d.status == Deliverable.Status.SUBMITTED), None)
    returned = next((d for d in versions if d.status == Deliverable.Status.RETURNED), None)
    validated = [d for d in versions if d.status == Deliverable.Status.VALIDATED]
    withdrawn = [d for d in versions if d.status == Deliverable.Status.WITHDRAWN]
    can_submit = access.can_submit_deliverable(user, subject)
    waits_for = subject.validation_waits_for(pending) if pending is not None else ""
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
        "can_submit": can_submit,
        # What is missing, shown beside the submit button before anyone clicks (blocking or advisory items).
        "checklist": subject.submission_checklist() if can_submit else [],
        # A version waiting for another approval (a plan for its council) offers no « Valider » (its page would have
        # no form): GBM's turn comes after. GBM may still send it back.
        "waits_for": waits_for,
        "can_review": access.can_review_deliverable(user, pending),
        "can_reissue": access.can_validate(user),
        "can_download": bool(validated) and access.can_download_frozen_versions(user, subject),
    }


@register.filter
def euros(value):
    """1234.5 → '1 234,50 €' (French format, narrow no-break space as thousands separator)."""
    return french.euros(value)


@register.filter
def cost_or_uncosted(value):
    """An estimated cost, or « non chiffré » when none was given (empty or 0, the form's default), never « 0,00 € »."""
    return french.euros(value) if value else "non chiffré"


# French dates (core/french.py), in place of Django's |date: "27 nov. 2026", never "27 Nov 2026". Like
# |date, they show aware datetimes in the portal's time zone and render nothing for a missing date.
for _name in (
    "french_date",
    "long_date",
    "short_date",
    "day_month",
    "short_weekday_date",
    "month_year",
    "long_month_year",
    "time_of_day",
    "date_time",
    "short_date_time",
):
    register.filter(_name, getattr(french, _name), expects_localtime=True)


def _elision_filter(helper):
    """A filter writing `helper(name)` with its apostrophe as typed and the name escaped: {{ commune.name|de }}."""

    def elision(value, autoescape=True):
        text = helper(value)
        if not text:
            return ""
        name = str(value).strip()
        particle = text[: len(text) - len(name)] if text.endswith(name) else ""
        rest = text[len(particle) :]
        return mark_safe(particle + (conditional_escape(rest) if autoescape else rest))

    elision.__name__ = helper.__name__
    elision.__doc__ = helper.__doc__
    return elision


register.filter("de", _elision_filter(french.de), needs_autoescape=True)
register.filter("le", _elision_filter(french.le), needs_autoescape=True)
register.filter("du", _elision_filter(french.du), needs_autoescape=True)


CHART_ROW_HEIGHT = 24


@register.filter
def chart_height(count):
    return str(int(count) * CHART_ROW_HEIGHT + 4)  # a string: an int is written "1 204" in French (SVG needs 1204)


@register.filter
def chart_offset(index):
    return str(int(index) * CHART_ROW_HEIGHT)
