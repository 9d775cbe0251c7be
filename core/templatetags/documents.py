from django import template

from core.deliverables import latest_frozen, versions_seen

register = template.Library()


@register.simple_tag(takes_context=True)
def latest_frozen_version(context, subject):
    """{% latest_frozen_version diagnostic as frozen %}: the validated version the main PDF button hands out (one
    query, shared with the page's deliverable panel), so that the button can say so and the working draft be
    offered apart."""
    request = context["request"]
    if subject is None or subject.pk is None:
        return None
    return latest_frozen(request.user, subject, versions=versions_seen(request, subject))
