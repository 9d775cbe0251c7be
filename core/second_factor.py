"""The second factor: a TOTP application (django-otp's TOTP device) and 10 single-use recovery codes (its static
device), offered to every role and required of GBM officers when `OTP_REQUIRED_FOR_OFFICERS` is on.

The login is two steps. The password step (`SecondFactorLoginView`) does not log a person with a confirmed device in:
it keeps who they are in the session (`PENDING_KEY`, for `PENDING_SECONDS`), and only the code step logs them in and
verifies the session (`finish_login`: Django's login, then django-otp's). Wrong codes are reported to django-axes as
login failures for the same username, so passwords and codes share one counter and one lockout.

django-otp's own per-device throttle (a growing delay after each wrong code) is off in the settings: axes is the one
throttle of the login, with its French page.
"""

import base64
import re
import time

import segno
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import load_backend
from django.db import transaction
from django.shortcuts import redirect
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import access

PENDING_KEY = "second_factor_pending"
PENDING_SECONDS = 5 * 60
FRESH_CODES_KEY = "second_factor_fresh_codes"
RECOVERY_CODE_COUNT = 10
TOTP_NAME = "Application d'authentification"
RECOVERY_NAME = "Codes de secours"
CODE_FORMAT = re.compile(r"[0-9a-z]{6,16}", re.ASCII)


def has_second_factor(user) -> bool:
    """The person has turned the second factor on (a confirmed device of either kind the project installs).

    One query over the two device tables: django-otp's `user_has_device` asks every installed device model in turn
    (one query each, on /mon-compte/ and every officer's unverified request)."""
    if not user.is_authenticated:
        return False
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True)
        .values("pk")
        .union(StaticDevice.objects.filter(user=user, confirmed=True).values("pk"))
        .exists()
    )


# Setting up -----------------------------------------------------------------------------------------------------


def device_being_set_up(user) -> TOTPDevice:
    """The unconfirmed TOTP device whose secret the setup page shows (the same one until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code (drawn here: no image service, no inline style)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, dark="#000", light="#fff", title="QR code à scanner avec votre application"
    )


def manual_secret(device: TOTPDevice) -> str:
    """The secret in base 32, in groups of four, for the applications where it is typed."""
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def confirm_setup(user, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the device being set up with a first code: it then counts, with 10 new recovery codes (returned,
    shown once). None when the code is wrong (nothing changes)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    code = normalized(code)
    if device is None or not code or not device.verify_token(code):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, replace_recovery_codes(user)


@transaction.atomic
def replace_recovery_codes(user) -> list[str]:
    """Ten new single-use recovery codes; the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": RECOVERY_NAME})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def turn_off(user) -> None:
    """Remove the application and the recovery codes."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# Checking a code ------------------------------------------------------------------------------------------------


def normalized(code: str) -> str:
    """What the person typed, without the spaces and dashes some applications show, recovery codes in lower case;
    empty when it cannot be a code (nothing else reaches the devices' queries: no NUL byte, no 'ⅷ' for int())."""
    code = "".join(code.split()).replace("-", "").lower()
    return code if CODE_FORMAT.fullmatch(code) else ""


@transaction.atomic
def device_accepting(user, code: str):
    """The confirmed device that accepts `code` (the application's current code, or an unused recovery code, then
    used up), or None."""
    code = normalized(code)
    if not code:
        return None
    for device in devices_for_user(user, confirmed=True, for_verify=True):
        if device.verify_token(code):
            return device
    return None


# The login's two steps ------------------------------------------------------------------------------------------


def start_pending_login(request, user, next_url: str) -> None:
    """After the right password: remember, for a few minutes, who is waiting for the code step."""
    request.session[PENDING_KEY] = {
        "user": str(user.pk),
        "backend": user.backend,
        "next": next_url,
        "until": time.time() + PENDING_SECONDS,
    }


def pending_login(request) -> tuple[object, str] | None:
    """(the user waiting for the code step, where to go next), or None when nobody waits or the wait is over."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        return None
    try:
        backend = load_backend(pending["backend"])
    except (ImportError, KeyError):
        return None
    if pending["backend"] not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = backend.get_user(pending["user"])
    if user is None:
        return None
    user.backend = pending["backend"]
    return user, pending["next"]


def finish_login(request, user, device) -> None:
    """The code was right: log the person in and mark the session verified by `device`."""
    request.session.pop(PENDING_KEY, None)
    auth.login(request, user, backend=user.backend)
    otp_login(request, device)


def verify_session(request, device) -> None:
    """Mark the current (logged-in) session verified, e.g. right after the device is confirmed."""
    otp_login(request, device)


class SecondFactorRequiredMiddleware:
    """With `OTP_REQUIRED_FOR_OFFICERS` on, a GBM officer's session must be verified by the second factor before
    any page (the admin included): an officer without one is led to set it up; a session opened before the officer
    turned it on (another browser) is ended, and the login then asks for the code. Placed after django-otp's
    OTPMiddleware. Costs nothing for the other roles, nor for officers once verified."""

    SETUP_URL_NAMES = frozenset({"second_factor_setup", "logout"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not access.must_use_second_factor(user) or user.is_verified():
            return None
        if has_second_factor(user):
            auth.logout(request)
            messages.info(request, "Reconnectez-vous : votre compte demande désormais un code de vérification.")
            return redirect("login")
        if request.resolver_match.url_name in self.SETUP_URL_NAMES:
            return None
        return redirect("second_factor_setup")
