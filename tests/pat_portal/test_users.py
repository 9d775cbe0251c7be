import pytest
from django.db import IntegrityError

from core.models import User
from tests.factories import CommuneFactory, UserFactory


@pytest.mark.django_db
def test_elu_must_belong_to_a_commune():
    with pytest.raises(IntegrityError):
        User.objects.create(username="sans-commune", role=User.Role.ELU)


@pytest.mark.django_db
def test_consultant_cannot_belong_to_a_commune():
    with pytest.raises(IntegrityError):
        UserFactory(consultant=True, commune=CommuneFactory())


@pytest.mark.django_db
def test_inactive_user_has_no_role_rights(consultant):
    consultant.is_active = False
    assert not consultant.is_team
