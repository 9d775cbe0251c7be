"""Password reset ("Mot de passe oublié"): the link is queued, never sent in the request; requests are rate-limited.

Every valid address gets the same work and the same answer (one task queued, the "check your mail" page): whether
an account exists is decided by the worker (`tasks.send_password_reset`), so neither the page nor its timing tells.
Limits, in the shared cache through the portal's one rate limiter: per e-mail typed (against flooding someone's
mailbox) and per client address (against trying many addresses).
"""

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.utils.decorators import method_decorator

from core.notifications import queue_password_reset
from core.ratelimit import ratelimit

PER_EMAIL_LIMIT = 3
PER_CLIENT_LIMIT = 10
WINDOW = 3600
LIMITED_TEMPLATE = "registration/password_reset_limited.html"


def typed_email(request) -> str:
    """The address as typed, compared without case or surrounding spaces (as accounts are looked up)."""
    return request.POST.get("email", "").strip().casefold()


class QueuedPasswordResetForm(auth_forms.PasswordResetForm):
    def save(self, **kwargs) -> None:
        queue_password_reset(self.cleaned_data["email"])


@method_decorator(
    ratelimit("mot-de-passe-client", limit=PER_CLIENT_LIMIT, window=WINDOW, template=LIMITED_TEMPLATE), "dispatch"
)
@method_decorator(
    ratelimit(
        "mot-de-passe-adresse", limit=PER_EMAIL_LIMIT, window=WINDOW, template=LIMITED_TEMPLATE, key=typed_email
    ),
    "dispatch",
)
class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
