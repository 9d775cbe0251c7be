"""The second factor (issue 24, item 4): an authentication application and recovery codes (django-otp), offered to
every role, required of GBM officers when OTP_REQUIRED_FOR_OFFICERS is on (off in tests unless a test turns it on).
Codes are computed with django-otp's own TOTP function; time moves with time-machine, never with a sleep."""

import time

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import second_factor

PASSWORD = "Mot-de-passe-test-1"
WRONG = "Code incorrect ou expiré"


def code_for(device) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def wrong_code_for(device) -> str:
    return f"{(int(code_for(device)) + 500_000) % 1_000_000:06d}"


def turn_on(user) -> tuple[TOTPDevice, list[str]]:
    device = TOTPDevice.objects.create(user=user, name=second_factor.TOTP_NAME, confirmed=True)
    return device, second_factor.replace_recovery_codes(user)


def verified_client(client, user, device):
    """A session that went through both steps (what finish_login leaves)."""
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def password_step(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


def code_input_value(response) -> bool:
    """Whether the page gave the code's input a value back."""
    html = response.content.decode()
    start = html.index('name="code"')
    tag = html[html.rindex("<", 0, start) : html.index(">", start)]
    return "value=" in tag


# Turning it on --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_setup_shows_an_inline_qr_code_refuses_a_wrong_first_code_and_confirms_with_the_right_one(client_for, elu):
    client = client_for(elu)
    page = client.get(reverse("second_factor_setup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<img" not in html.split("<main", 1)[-1].split("</main>")[0]
    assert ' style="' not in html.split("<svg", 1)[1].split("</svg>")[0]  # the CSP allows no inline style
    device = TOTPDevice.objects.get(user=elu)
    assert second_factor.manual_secret(device) in html

    refused = client.post(reverse("second_factor_setup"), {"code": wrong_code_for(device)})
    assert refused.status_code == 200
    assert "Ce code ne correspond pas" in refused.content.decode()
    assert not code_input_value(refused)
    device.refresh_from_db()
    assert not device.confirmed and not StaticDevice.objects.filter(user=elu).exists()
    assert client.get(reverse("second_factor_setup")).context["secret"] == second_factor.manual_secret(device)

    confirmed = client.post(reverse("second_factor_setup"), {"code": code_for(device)})
    assert confirmed.status_code == 302 and confirmed.url == reverse("second_factor_codes")
    device.refresh_from_db()
    assert device.confirmed and client.session["otp_device_id"] == device.persistent_id

    codes_page = client.get(reverse("second_factor_codes"))
    codes = codes_page.context["codes"]
    assert len(codes) == 10 == len(set(codes)) == StaticToken.objects.filter(device__user=elu).count()
    assert all(code in codes_page.content.decode() for code in codes)
    assert codes_page.context["download_href"].startswith("data:text/plain;charset=utf-8,")
    # Shown once: a reload leads back to the account page, which says it is on.
    assert client.get(reverse("second_factor_codes")).url == reverse("account")
    assert "Codes de secours restants : <strong>10</strong>" in client.get(reverse("account")).content.decode()


@pytest.mark.django_db
def test_account_page_offers_the_second_factor_to_every_role(client_for, users):
    for role in ("gbm", "consultant", "elu"):
        html = client_for(users[role]).get(reverse("account")).content.decode()
        assert "Sécurité du compte" in html and reverse("second_factor_setup") in html


# The login's code step ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_with_a_device_asks_for_the_code_after_the_password(client, gbm_officer):
    device, _ = turn_on(gbm_officer)
    response = password_step(client, gbm_officer)
    assert response.status_code == 302 and response.url == reverse("login_code")
    assert client.get(reverse("home")).status_code == 302  # not logged in before the code

    refused = client.post(reverse("login_code"), {"code": wrong_code_for(device)})
    assert refused.status_code == 200
    assert WRONG in refused.content.decode() and not code_input_value(refused)
    empty = client.post(reverse("login_code"), {"code": ""})
    assert "Saisissez le code" in empty.content.decode()

    accepted = client.post(reverse("login_code"), {"code": code_for(device)})
    assert accepted.status_code == 302 and accepted.url == reverse("home")
    assert client.session["otp_device_id"] == device.persistent_id
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_the_code_step_keeps_the_page_asked_for_and_expires_after_five_minutes(client, consultant):
    device, _ = turn_on(consultant)
    client.post(reverse("login"), {"username": "consultant", "password": PASSWORD, "next": reverse("account")})
    assert client.post(reverse("login_code"), {"code": code_for(device)}).url == reverse("account")

    client.logout()
    password_step(client, consultant)
    with time_machine.travel(time.time() + second_factor.PENDING_SECONDS + 1):
        expired = client.get(reverse("login_code"), follow=True)
    assert expired.redirect_chain[-1][0] == reverse("login")
    assert "Votre connexion a expiré" in expired.content.decode()


@pytest.mark.django_db
def test_wrong_codes_are_throttled_like_wrong_passwords(client, gbm_officer, settings):
    device, _ = turn_on(gbm_officer)
    password_step(client, gbm_officer)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("login_code"), {"code": wrong_code_for(device)}).status_code == 200
    locked = client.post(reverse("login_code"), {"code": wrong_code_for(device)})
    assert locked.status_code == 429 and "Trop de tentatives" in locked.content.decode()
    # Locked out: the right code and the right password are refused alike.
    assert client.post(reverse("login_code"), {"code": code_for(device)}).status_code == 429
    assert password_step(client, gbm_officer).status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_wrong_passwords_and_wrong_codes_share_one_counter(client, consultant, settings):
    device, _ = turn_on(consultant)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": "consultant", "password": "mauvais"})
    password_step(client, consultant)
    assert client.post(reverse("login_code"), {"code": wrong_code_for(device)}).status_code == 429


@pytest.mark.django_db
def test_a_recovery_code_logs_in_once(client, consultant):
    _, codes = turn_on(consultant)
    password_step(client, consultant)
    assert client.post(reverse("login_code"), {"code": f" {codes[0].upper()} "}).url == reverse("home")
    assert StaticToken.objects.filter(device__user=consultant).count() == 9

    client.logout()
    password_step(client, consultant)
    reused = client.post(reverse("login_code"), {"code": codes[0]})
    assert reused.status_code == 200 and WRONG in reused.content.decode()


@pytest.mark.django_db
def test_people_without_a_device_log_in_with_their_password_alone(client, elu):
    response = password_step(client, elu)
    assert response.status_code == 302 and response.url == reverse("home")


# Required for officers ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_when_required_an_officer_is_led_to_set_it_up_before_anything_else(client, gbm_officer, settings):
    settings.OTP_REQUIRED_FOR_OFFICERS = True
    assert password_step(client, gbm_officer).url == reverse("home")
    for path in (reverse("home"), reverse("account"), "/admin/"):
        assert client.get(path).url == reverse("second_factor_setup")
    page = client.get(reverse("second_factor_setup"))
    assert "obligatoire pour les agents" in page.content.decode()

    device = TOTPDevice.objects.get(user=gbm_officer)
    client.post(reverse("second_factor_setup"), {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_when_required_an_officers_unverified_session_is_ended(client, gbm_officer, settings):
    settings.OTP_REQUIRED_FOR_OFFICERS = True
    turn_on(gbm_officer)
    client.force_login(gbm_officer)  # e.g. a session opened in another browser before the device
    assert client.get("/admin/").url == reverse("login")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_when_required_consultants_and_elus_are_unaffected(client_for, consultant, elu, settings):
    settings.OTP_REQUIRED_FOR_OFFICERS = True
    for user in (consultant, elu):
        assert client_for(user).get(reverse("home")).status_code == 200


# Recovery codes and turning it off ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_new_recovery_codes_replace_the_old_ones_from_a_verified_session_only(client, consultant):
    device, old_codes = turn_on(consultant)
    client.force_login(consultant)
    assert client.post(reverse("second_factor_recovery_codes")).status_code == 403
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(old_codes)

    verified_client(client, consultant, device)
    response = client.post(reverse("second_factor_recovery_codes"), follow=True)
    new_codes = response.context["codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new_codes)


@pytest.mark.django_db
def test_turning_it_off_takes_a_right_code(client, elu):
    device, _ = turn_on(elu)
    verified_client(client, elu, device)
    refused = client.post(reverse("second_factor_turn_off"), {"code": wrong_code_for(device)})
    assert refused.status_code == 200 and WRONG in refused.content.decode()
    assert not code_input_value(refused)
    assert TOTPDevice.objects.filter(user=elu).exists()

    assert client.post(reverse("second_factor_turn_off"), {"code": code_for(device)}).url == reverse("account")
    assert not TOTPDevice.objects.filter(user=elu).exists() and not StaticDevice.objects.filter(user=elu).exists()
    assert password_step(client, elu).url == reverse("home")


@pytest.mark.django_db
def test_an_officer_cannot_turn_it_off_while_it_is_required(client, gbm_officer, settings):
    settings.OTP_REQUIRED_FOR_OFFICERS = True
    device, _ = turn_on(gbm_officer)
    verified_client(client, gbm_officer, device)
    assert reverse("second_factor_turn_off") not in client.get(reverse("account")).content.decode()
    assert client.post(reverse("second_factor_turn_off"), {"code": code_for(device)}).status_code == 403
    assert TOTPDevice.objects.filter(user=gbm_officer, confirmed=True).exists()


@pytest.mark.django_db
def test_an_unverified_session_cannot_turn_it_off(client, consultant):
    device, _ = turn_on(consultant)
    client.force_login(consultant)
    assert client.post(reverse("second_factor_turn_off"), {"code": code_for(device)}).status_code == 403
    assert TOTPDevice.objects.filter(user=consultant).exists()


# Whether it is on -----------------------------------------------------------------------------------------------


def test_the_two_device_kinds_are_the_only_ones_installed():
    """has_second_factor reads these two tables only: a third device plugin must be added there too."""
    from django.apps import apps
    from django_otp.models import Device

    installed = {model for model in apps.get_models() if issubclass(model, Device)}
    assert installed == {TOTPDevice, StaticDevice}


@pytest.mark.django_db
def test_has_second_factor_counts_a_confirmed_device_of_either_kind_in_one_query(
    consultant, elu, django_assert_num_queries
):
    TOTPDevice.objects.create(user=elu, name=second_factor.TOTP_NAME, confirmed=False)
    StaticDevice.objects.create(user=consultant, name=second_factor.RECOVERY_NAME, confirmed=False)
    with django_assert_num_queries(1):
        assert not second_factor.has_second_factor(elu)
    assert not second_factor.has_second_factor(consultant)
    StaticDevice.objects.filter(user=consultant).update(confirmed=True)
    TOTPDevice.objects.filter(user=elu).update(confirmed=True)
    with django_assert_num_queries(1):
        assert second_factor.has_second_factor(consultant)
    assert second_factor.has_second_factor(elu)
