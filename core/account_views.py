"""The user's own settings: calendar feed URL and e-mail notifications."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import access, second_factor
from core.forms import SecondFactorCodeForm
from core.notifications import KINDS, KINDS_BY_ROLE, absolute_url


class NotificationPreferencesForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for kind in KINDS_BY_ROLE.get(user.role, []):
            self.fields[kind] = forms.BooleanField(
                label=KINDS[kind],
                required=False,
                initial=kind not in (user.muted_notifications or []),
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )

    def save(self) -> None:
        muted = [kind for kind in self.fields if not self.cleaned_data[kind]]
        self.user.muted_notifications = muted
        self.user.save(update_fields=["muted_notifications"])


def account(request):
    form = NotificationPreferencesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Vos préférences de notification sont enregistrées.")
        return redirect("account")
    return account_page(request, form=form)


def account_page(request, *, form=None, turn_off_form=None):
    """/mon-compte/ with its forms (a refused one shown with its errors)."""
    user = request.user
    feed_url = None
    if user.calendar_token:
        feed_url = absolute_url(reverse("calendar_feed", args=[user.calendar_token]))
    has_second_factor = second_factor.has_second_factor(user)
    context = {
        "form": form or NotificationPreferencesForm(user=user),
        "feed_url": feed_url,
        "has_second_factor": has_second_factor,
        "second_factor_required": access.must_use_second_factor(user),
        "recovery_codes_left": second_factor.recovery_codes_left(user) if has_second_factor else None,
        "can_replace_recovery_codes": access.can_replace_recovery_codes(user),
        "can_turn_off_second_factor": access.can_turn_off_second_factor(user),
        "turn_off_form": turn_off_form or SecondFactorCodeForm(),
    }
    return render(request, "pat_portal/account.html", context)


@require_POST
def regenerate_calendar_token(request):
    had_token = bool(request.user.calendar_token)
    request.user.regenerate_calendar_token()
    messages.success(
        request,
        "Nouvelle adresse d'agenda créée : l'ancienne ne fonctionne plus."
        if had_token
        else "Votre adresse d'agenda est prête : ajoutez-la à votre logiciel d'agenda.",
    )
    return redirect("account")
