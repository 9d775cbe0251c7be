"""Labels for the territory overview's annotated values (plain strings, not model instances)."""

from django import template

from pat_portal.pages.overview import COHORTS, PHASES
from pat_portal.pages.overview import workflow_label as label

register = template.Library()


@register.filter
def cohort_label(value):
    return COHORTS.get(value, "—") if value else "—"


@register.filter
def phase_label(value):
    return PHASES.get(value, "—") if value else "—"


@register.filter
def workflow_label(value):
    return label(value)
