"""The user's own settings: calendar feed URL and e-mail notifications."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

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
    feed_url = None
    if request.user.calendar_token:
        feed_url = absolute_url(reverse("calendar_feed", args=[request.user.calendar_token]))
    return render(request, "pat_portal/account.html", {"form": form, "feed_url": feed_url})


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
