"""The plan page's panel of share links for the municipal council (issue 20): one query."""

from django import template

from core import access
from missions.mission1.models.share_links import plan_is_shareable, plan_share_links

register = template.Library()


@register.inclusion_tag("missions/share/_panel.html", takes_context=True)
def plan_sharing(context, plan):
    """The links to `plan` the user may see (views, last view, state), and the buttons their role allows."""
    user = context["request"].user
    accompaniment = context.get("accompaniment")
    if accompaniment is not None and plan.accompaniment_id == accompaniment.pk:
        plan.accompaniment = accompaniment  # already read by the page: no query for the access rule
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "commune": plan.accompaniment.commune,
        "links": plan_share_links(plan, user),
        "can_share": access.can_share_action_plan(user, plan),
        "shareable": plan_is_shareable(plan),
    }
