from django import template

from pat_portal.kernel.deliverable_downloads import latest_frozen

register = template.Library()


@register.simple_tag(takes_context=True)
def latest_frozen_version(context, subject):
    """{% latest_frozen_version diagnostic as frozen %}: the validated version the main PDF button hands out (one
    query), so that the button can say so and the working draft be offered apart."""
    return latest_frozen(context["request"].user, subject)
