"""The second factor's pages: the login's code step, and « Sécurité du compte » (turn on, recovery codes, turn off).

The rules are in core/second_factor.py (devices, codes, the pending login) and core/access.py (who may do what).
"""

from urllib.parse import quote

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core import access, second_factor
from core.account_views import account_page
from core.forms import LoginForm, SecondFactorCodeForm, SecondFactorSetupForm

WRONG_CODE = "Code incorrect ou expiré. Vérifiez l'heure de votre téléphone, ou utilisez un code de secours."


class SecondFactorLoginView(auth_views.LoginView):
    """The password step: a person with a second factor is not logged in yet, but sent to the code step."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not second_factor.has_second_factor(user):
            return super().form_valid(form)
        second_factor.start_pending_login(self.request, user, self.get_success_url())
        return redirect("login_code")


@login_not_required
@never_cache
def login_code(request):
    """The code step: the application's code or a recovery code. Wrong codes count as axes login failures."""
    pending = second_factor.pending_login(request)
    if pending is None:
        messages.info(
            request, "Votre connexion a expiré : saisissez à nouveau votre identifiant et votre mot de passe."
        )
        return redirect("login")
    user, next_url = pending
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return _locked_out(request, credentials)
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor.device_accepting(user, form.cleaned_data["code"])
        if device is not None:
            second_factor.finish_login(request, user, device)
            return redirect(next_url)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return _locked_out(request, credentials)
        form.add_error("code", WRONG_CODE)
    return render(request, "registration/login_code.html", {"form": form})


def _locked_out(request, credentials) -> HttpResponse:
    """Axes' middleware answers a request marked locked out with the login's French lockout page (429)."""
    request.axes_locked_out = True
    request.axes_credentials = credentials
    return HttpResponse(status=429)


@never_cache
def setup(request):
    """Turn the second factor on: scan the QR code (or type the secret), then confirm with a first code."""
    if second_factor.has_second_factor(request.user):
        messages.info(request, "Le second facteur est déjà activé sur votre compte.")
        return redirect("account")
    form = SecondFactorSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = second_factor.confirm_setup(request.user, form.cleaned_data["code"])
        if confirmed is not None:
            device, codes = confirmed
            second_factor.verify_session(request, device)
            request.session[second_factor.FRESH_CODES_KEY] = codes
            messages.success(request, "Le second facteur est activé : il sera demandé à chaque connexion.")
            return redirect("second_factor_codes")
        form.add_error("code", "Ce code ne correspond pas. Saisissez le code affiché maintenant par l'application.")
    device = second_factor.device_being_set_up(request.user)
    context = {
        "form": form,
        "qr_code": second_factor.qr_code_svg(device),
        "secret": second_factor.manual_secret(device),
        "required": access.must_use_second_factor(request.user),
    }
    return render(request, "pat_portal/second_factor_setup.html", context)


@never_cache
def recovery_codes(request):
    """The new recovery codes, shown once (a reload shows them no more), with a text file to download."""
    codes = request.session.pop(second_factor.FRESH_CODES_KEY, None)
    if not codes:
        return redirect("account")
    text = (
        "Portail PAT — codes de secours de {}\r\n"
        "Chaque code ne sert qu'une fois, à la place du code de l'application.\r\n\r\n{}\r\n"
    ).format(request.user.get_username(), "\r\n".join(codes))
    download_href = "data:text/plain;charset=utf-8," + quote(text)
    return render(request, "pat_portal/second_factor_codes.html", {"codes": codes, "download_href": download_href})


@require_POST
def replace_recovery_codes(request):
    access.require(access.can_replace_recovery_codes(request.user))
    request.session[second_factor.FRESH_CODES_KEY] = second_factor.replace_recovery_codes(request.user)
    messages.success(request, "Nouveaux codes de secours créés : les anciens ne fonctionnent plus.")
    return redirect("second_factor_codes")


@require_POST
def turn_off(request):
    """Turn the second factor off, with a code (the application's or a recovery code)."""
    access.require(access.can_turn_off_second_factor(request.user))
    form = SecondFactorCodeForm(request.POST)
    if form.is_valid() and second_factor.device_accepting(request.user, form.cleaned_data["code"]) is not None:
        second_factor.turn_off(request.user)
        messages.success(request, "Le second facteur est désactivé : seul votre mot de passe sera demandé.")
        return redirect("account")
    if form.is_valid():
        form.add_error("code", WRONG_CODE)
    return account_page(request, turn_off_form=form)
