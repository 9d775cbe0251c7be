"""Passwords are hashed with Argon2; a PBKDF2 hash from before is rewritten with Argon2 at the next login (issue 19).

The test settings hash with MD5 for speed: these tests put the production hashers back.
"""

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.test import override_settings

from pat_portal import settings as production_settings

PASSWORD = "Mot-de-passe-test-1"
PRODUCTION_HASHERS = override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS)


def test_production_hashes_new_passwords_with_argon2_and_still_reads_pbkdf2():
    assert production_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in production_settings.PASSWORD_HASHERS
    with PRODUCTION_HASHERS:
        assert identify_hasher(make_password(PASSWORD)).algorithm == "argon2"


@pytest.mark.django_db
@PRODUCTION_HASHERS
def test_a_pbkdf2_password_is_rehashed_with_argon2_at_the_next_login(client, consultant):
    consultant.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    consultant.save(update_fields=["password"])
    response = client.post("/connexion/", {"username": "consultant", "password": PASSWORD})
    assert response.status_code == 302
    consultant.refresh_from_db()
    assert consultant.password.startswith("argon2$argon2id$")
    assert check_password(PASSWORD, consultant.password)
    assert not check_password("autre-mot-de-passe", consultant.password)


@pytest.mark.django_db
@PRODUCTION_HASHERS
def test_a_wrong_password_leaves_the_old_hash_alone(client, consultant):
    old = make_password(PASSWORD, hasher="pbkdf2_sha256")
    consultant.password = old
    consultant.save(update_fields=["password"])
    response = client.post("/connexion/", {"username": "consultant", "password": "pas-le-bon-mot-de-passe"})
    assert response.status_code == 200
    consultant.refresh_from_db()
    assert consultant.password == old
