from django import template
from django.utils.html import format_html

from core.submissions import SUBMISSION_TOKEN_FIELD, new_submission_token

register = template.Library()


@register.simple_tag
def submission_token():
    """The one-time token of a create form that has no form class (a single button); see kernel/submissions.py."""
    return format_html('<input type="hidden" name="{}" value="{}">', SUBMISSION_TOKEN_FIELD, new_submission_token())
